import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** A fresh temporary directory, removed when the test file ends. */
export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-test-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
