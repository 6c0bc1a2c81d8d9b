/**
 * The digest of a page — what a hash-only trace keeps instead of the page's content — and the one
 * definition of its layout, both in a PageBatch (its hashes, fingerprint and lengths arrays) and
 * in the DIGEST records of a trace file (capture-format.ts). Little-endian, 56 bytes:
 *
 *   u32 × 5   whole-page hashes (DIGEST_HASH_WORD): xxh64 low, xxh64 high, xxh32, jhash2, crc32c
 *   u32       reserved (0)
 *   u32 × 4   the 128-bit fingerprint (hash/page-hash.ts)
 *   i16 × 7   compressed length or -errno per compressor, in COMPRESSOR_NAMES order
 *   u16       reserved (0)
 *
 * A zero-filled page has an all-zero digest (and the ZERO_FILLED page flag).
 */
import { COMPRESSOR_NAMES } from '../compress/compressor.js';
import type { HashName } from '../hash/page-hash.js';
import type { PageBatch } from './page-batch.js';

/** where each hash's (low) word sits among a page's hash words; xxh64's high word follows its low one */
export const DIGEST_HASH_WORD: Readonly<Record<HashName, number>> = { xxh64: 0, xxh32: 2, jhash2: 3, crc32c: 4 };
export const DIGEST_HASH_WORDS = 5;
export const FINGERPRINT_WORDS = 4;
export const LENGTH_SLOTS = COMPRESSOR_NAMES.length;

const FINGERPRINT_OFFSET = 4 * (DIGEST_HASH_WORDS + 1);
const LENGTHS_OFFSET = FINGERPRINT_OFFSET + 4 * FINGERPRINT_WORDS;
/** bytes of a digest in a trace file */
export const DIGEST_SIZE = LENGTHS_OFFSET + 2 * LENGTH_SLOTS + 2;

/** Writes the digest of page i of the batch to out[at, at + DIGEST_SIZE). */
export function encodeDigest(batch: PageBatch, i: number, out: Buffer, at: number): void {
  out.fill(0, at, at + DIGEST_SIZE);
  for (let w = 0; w < DIGEST_HASH_WORDS; w++) out.writeUInt32LE(batch.hashes[i * DIGEST_HASH_WORDS + w], at + 4 * w);
  for (let w = 0; w < FINGERPRINT_WORDS; w++) out.writeUInt32LE(batch.fingerprint[i * FINGERPRINT_WORDS + w], at + FINGERPRINT_OFFSET + 4 * w);
  for (let c = 0; c < LENGTH_SLOTS; c++) out.writeInt16LE(batch.lengths[i * LENGTH_SLOTS + c], at + LENGTHS_OFFSET + 2 * c);
}

/** Writes the hash words and fingerprint of a digest at out[at …] (a keyed trace patches them in, capture-writer.ts). */
export function writeDigestIdentity(out: Buffer, at: number, hashes: Uint32Array, hAt: number, fp: Uint32Array, fAt: number): void {
  for (let w = 0; w < DIGEST_HASH_WORDS; w++) out.writeUInt32LE(hashes[hAt + w], at + 4 * w);
  for (let w = 0; w < FINGERPRINT_WORDS; w++) out.writeUInt32LE(fp[fAt + w], at + FINGERPRINT_OFFSET + 4 * w);
}

/** Reads the digest at buf[at, at + DIGEST_SIZE) into page i of the batch (lengths unchecked). */
export function decodeDigest(buf: Buffer, at: number, batch: PageBatch, i: number): void {
  for (let w = 0; w < DIGEST_HASH_WORDS; w++) batch.hashes[i * DIGEST_HASH_WORDS + w] = buf.readUInt32LE(at + 4 * w);
  for (let w = 0; w < FINGERPRINT_WORDS; w++) batch.fingerprint[i * FINGERPRINT_WORDS + w] = buf.readUInt32LE(at + FINGERPRINT_OFFSET + 4 * w);
  for (let c = 0; c < LENGTH_SLOTS; c++) batch.lengths[i * LENGTH_SLOTS + c] = buf.readInt16LE(at + LENGTHS_OFFSET + 2 * c);
}
