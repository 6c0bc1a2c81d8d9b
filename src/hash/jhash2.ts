/**
 * jhash2() of include/linux/jhash.h (Bob Jenkins' lookup3 over u32 words), with the seed 17 that
 * KSM's calc_checksum() used before it switched to xxhash: jhash2(page, PAGE_SIZE / 4, 17).
 */

import { read32le } from './bytes.js';

const JHASH_INITVAL = 0xdeadbeef;
export const KSM_JHASH_SEED = 17;

function rol32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** jhash2 over the `words` little-endian u32 words starting at byte `start` of `b`. */
export function jhash2(b: Uint8Array, start: number, words: number, initval: number): number {
  let a = (JHASH_INITVAL + (words << 2) + initval) | 0;
  let bb = a;
  let c = a;
  let p = start;
  let n = words;
  while (n > 3) {
    a = (a + read32le(b, p)) | 0;
    bb = (bb + read32le(b, p + 4)) | 0;
    c = (c + read32le(b, p + 8)) | 0;
    // __jhash_mix
    a = (a - c) | 0; a ^= rol32(c, 4); c = (c + bb) | 0;
    bb = (bb - a) | 0; bb ^= rol32(a, 6); a = (a + c) | 0;
    c = (c - bb) | 0; c ^= rol32(bb, 8); bb = (bb + a) | 0;
    a = (a - c) | 0; a ^= rol32(c, 16); c = (c + bb) | 0;
    bb = (bb - a) | 0; bb ^= rol32(a, 19); a = (a + c) | 0;
    c = (c - bb) | 0; c ^= rol32(bb, 4); bb = (bb + a) | 0;
    n -= 3;
    p += 12;
  }
  if (n === 0) return c >>> 0;
  if (n === 3) c = (c + read32le(b, p + 8)) | 0;
  if (n >= 2) bb = (bb + read32le(b, p + 4)) | 0;
  a = (a + read32le(b, p)) | 0;
  // __jhash_final
  c ^= bb; c = (c - rol32(bb, 14)) | 0;
  a ^= c; a = (a - rol32(c, 11)) | 0;
  bb ^= a; bb = (bb - rol32(a, 25)) | 0;
  c ^= bb; c = (c - rol32(bb, 16)) | 0;
  a ^= c; a = (a - rol32(c, 4)) | 0;
  bb ^= a; bb = (bb - rol32(a, 14)) | 0;
  c ^= bb; c = (c - rol32(bb, 24)) | 0;
  return c >>> 0;
}
