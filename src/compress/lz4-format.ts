/**
 * What lz4 and lz4hc share: the block format's constants (lib/lz4/lz4defs.h), the multiplicative
 * hash, byte helpers, and the run-length encoding of a sequence's literal length and of the last
 * literals (lib/lz4/lz4_compress.c and lz4hc_compress.c write both the same way).
 */
import { EINVAL, PAGE_SIZE } from '../model/kernel.js';

export const MINMATCH = 4;
export const LASTLITERALS = 5;
export const MFLIMIT = 12;
export const ML_MASK = 15;
export const RUN_MASK = 15;
export const MAX_OUT = PAGE_SIZE;
const PRIME = 2654435761 | 0;

export function read32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

/** LZ4_hash4 of the 4 bytes at p, on `bits` bits */
export function hash4(b: Uint8Array, p: number, bits: number): number {
  return Math.imul(read32(b, p), PRIME) >>> (32 - bits);
}

export function copy(dst: Uint8Array, op: number, src: Uint8Array, from: number, to: number): void {
  while (from < to) dst[op++] = src[from++];
}

/** Number of equal bytes at a and m, with a stopping at limit. */
export function count(b: Uint8Array, a: number, m: number, limit: number): number {
  const start = a;
  while (a < limit && b[a] === b[m]) {
    a++;
    m++;
  }
  return a - start;
}

/**
 * Writes a literal length into the token's high nibble (and the 255-byte extension after op);
 * returns the new op.
 */
export function writeLiteralLength(dst: Uint8Array, token: number, op: number, length: number): number {
  if (length < RUN_MASK) {
    dst[token] = length << 4;
    return op;
  }
  dst[token] = RUN_MASK << 4;
  let len = length - RUN_MASK;
  for (; len >= 255; len -= 255) dst[op++] = 255;
  dst[op++] = len;
  return op;
}

/** Adds a match length (minus MINMATCH) to the token's low nibble and its extension; returns the new op. */
export function writeMatchLength(dst: Uint8Array, token: number, op: number, length: number): number {
  if (length < ML_MASK) {
    dst[token] += length;
    return op;
  }
  dst[token] += ML_MASK;
  let len = length - ML_MASK;
  for (; len >= 255; len -= 255) dst[op++] = 255;
  dst[op++] = len;
  return op;
}

/** The final literal run from anchor to the end of the page: the stream length, or -EINVAL if it does not fit. */
export function writeLastLiterals(dst: Uint8Array, op: number, src: Uint8Array, anchor: number): number {
  const lastRun = PAGE_SIZE - anchor;
  if (op + lastRun + 1 + (((lastRun + 255 - RUN_MASK) / 255) | 0) > MAX_OUT) return -EINVAL;
  const token = op++;
  op = writeLiteralLength(dst, token, op, lastRun);
  copy(dst, op, src, anchor, PAGE_SIZE);
  return op + lastRun;
}
