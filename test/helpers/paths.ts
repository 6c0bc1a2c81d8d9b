import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** repository root (tests run from dist/test/…) */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** the read-only reference material that CI keeps beside the clone */
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const BIN = path.join(ROOT, 'bin', 'zswap-dedup');
