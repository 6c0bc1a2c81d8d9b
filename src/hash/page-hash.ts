/**
 * The whole-page hashes a dedup index can key on, and the 128-bit fingerprint used as content
 * identity when pages are not compared byte by byte (--no-verify, hash-only traces).
 */
import { PAGE_SIZE } from '../model/kernel.js';
import { FP_SEED_HI, FP_SEED_LO } from './fingerprint-seed.js';
import { crc32c } from './crc32c.js';
import { jhash2, KSM_JHASH_SEED } from './jhash2.js';
import { xxh32, xxh64Words } from './xxhash.js';

export const HASH_NAMES = ['xxh64', 'xxh32', 'jhash2', 'crc32c'] as const;
export type HashName = (typeof HASH_NAMES)[number];

export interface PageHash {
  readonly name: HashName;
  readonly bits: 32 | 64;
  /** hashes the page at b[start, start + PAGE_SIZE) into out[at] (low 32 bits), out[at + 1] (high) */
  hash(b: Uint8Array, start: number, out: Uint32Array, at: number): void;
}

export const PAGE_HASHES: Record<HashName, PageHash> = {
  xxh64: {
    name: 'xxh64',
    bits: 64,
    hash: (b, start, out, at) => xxh64Words(b, start, PAGE_SIZE, 0, 0, out, at),
  },
  xxh32: {
    name: 'xxh32',
    bits: 32,
    hash: (b, start, out, at) => {
      out[at] = xxh32(b, start, PAGE_SIZE, 0);
      out[at + 1] = 0;
    },
  },
  jhash2: {
    name: 'jhash2',
    bits: 32,
    hash: (b, start, out, at) => {
      out[at] = jhash2(b, start, PAGE_SIZE / 4, KSM_JHASH_SEED);
      out[at + 1] = 0;
    },
  },
  crc32c: {
    name: 'crc32c',
    bits: 32,
    hash: (b, start, out, at) => {
      out[at] = crc32c(b, start, PAGE_SIZE);
      out[at + 1] = 0;
    },
  },
};

export { FP_SEED_HI, FP_SEED_LO };

/**
 * 128-bit content fingerprint: xxh64 with seed 0 followed by xxh64 with seed 0x9e3779b97f4a7c15,
 * as four u32 words at out[at..at+3]. Two different pages share it with probability ≈ 2^-128.
 */
export function fingerprint128(b: Uint8Array, start: number, out: Uint32Array, at: number): void {
  xxh64Words(b, start, PAGE_SIZE, 0, 0, out, at);
  xxh64Words(b, start, PAGE_SIZE, FP_SEED_LO, FP_SEED_HI, out, at + 2);
}
