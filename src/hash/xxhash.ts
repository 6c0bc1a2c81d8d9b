/**
 * xxHash32 and xxHash64 (the algorithms of lib/xxhash.c, which KSM's calc_checksum() uses since
 * 5.x and which a dedup index would key on). 64-bit arithmetic is done on pairs of u32 so no
 * BigInt or object is created per call; results go into a caller's Uint32Array as [lo, hi].
 */

import { read32le } from './bytes.js';

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}


function round32(acc: number, input: number): number {
  return Math.imul(rotl32((acc + Math.imul(input, P32_2)) | 0, 13), P32_1);
}

export function xxh32(b: Uint8Array, start: number, len: number, seed: number): number {
  const end = start + len;
  let p = start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = round32(v1, read32le(b, p));
      v2 = round32(v2, read32le(b, p + 4));
      v3 = round32(v3, read32le(b, p + 8));
      v4 = round32(v4, read32le(b, p + 12));
      p += 16;
    }
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    h = (seed + P32_5) | 0;
  }
  h = (h + len) | 0;
  while (p + 4 <= end) {
    h = Math.imul(rotl32((h + Math.imul(read32le(b, p), P32_3)) | 0, 17), P32_4);
    p += 4;
  }
  while (p < end) {
    h = Math.imul(rotl32((h + Math.imul(b[p], P32_5)) | 0, 11), P32_1);
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P32_2);
  h ^= h >>> 13;
  h = Math.imul(h, P32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

// 64-bit primes as [hi, lo]
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Result registers of the 64-bit helpers below (module scope: no allocation per operation).
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 → rh:rl */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (mid % 65536) * 65536;
  const carry = Math.floor(low / 4294967296);
  rl = low >>> 0;
  rh = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 → rh:rl */
function add64(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** rotate left (ah:al) by r (0 < r < 32 or 32 < r < 64) → rh:rl */
function rotl64(ah: number, al: number, r: number): void {
  if (r >= 32) {
    const t = ah;
    ah = al;
    al = t;
    r -= 32;
  }
  if (r === 0) {
    rh = ah >>> 0;
    rl = al >>> 0;
    return;
  }
  rh = ((ah << r) | (al >>> (32 - r))) >>> 0;
  rl = ((al << r) | (ah >>> (32 - r))) >>> 0;
}

/** acc + input * P2, rotl 31, * P1 → rh:rl */
function round64(acch: number, accl: number, inh: number, inl: number): void {
  mul64(inh, inl, P2H, P2L);
  add64(acch, accl, rh, rl);
  rotl64(rh, rl, 31);
  mul64(rh, rl, P1H, P1L);
}

/** acc ^= round(0, val); acc = acc * P1 + P4 → rh:rl */
function mergeRound64(acch: number, accl: number, vh: number, vl: number): void {
  round64(0, 0, vh, vl);
  const xh = acch ^ rh, xl = accl ^ rl;
  mul64(xh >>> 0, xl >>> 0, P1H, P1L);
  add64(rh, rl, P4H, P4L);
}

/**
 * xxHash64 of b[start, start+len) with a 64-bit seed given as (seedHi, seedLo); writes [lo, hi]
 * to out[at], out[at + 1].
 */
export function xxh64(b: Uint8Array, start: number, len: number, seedHi: number, seedLo: number, out: Uint32Array, at: number): void {
  const end = start + len;
  let p = start;
  let hh: number, hl: number;
  if (len >= 32) {
    add64(seedHi, seedLo, P1H, P1L);
    add64(rh, rl, P2H, P2L);
    let v1h = rh, v1l = rl;
    add64(seedHi, seedLo, P2H, P2L);
    let v2h = rh, v2l = rl;
    let v3h = seedHi >>> 0, v3l = seedLo >>> 0;
    // seed - P1 = seed + (2^64 - P1)
    add64(seedHi, seedLo, (~P1H) >>> 0, ((~P1L) + 1) >>> 0);
    let v4h = rh, v4l = rl;
    const limit = end - 32;
    while (p <= limit) {
      round64(v1h, v1l, read32le(b, p + 4), read32le(b, p));
      v1h = rh; v1l = rl;
      round64(v2h, v2l, read32le(b, p + 12), read32le(b, p + 8));
      v2h = rh; v2l = rl;
      round64(v3h, v3l, read32le(b, p + 20), read32le(b, p + 16));
      v3h = rh; v3l = rl;
      round64(v4h, v4l, read32le(b, p + 28), read32le(b, p + 24));
      v4h = rh; v4l = rl;
      p += 32;
    }
    rotl64(v1h, v1l, 1);
    hh = rh; hl = rl;
    rotl64(v2h, v2l, 7);
    add64(hh, hl, rh, rl);
    hh = rh; hl = rl;
    rotl64(v3h, v3l, 12);
    add64(hh, hl, rh, rl);
    hh = rh; hl = rl;
    rotl64(v4h, v4l, 18);
    add64(hh, hl, rh, rl);
    mergeRound64(rh, rl, v1h, v1l);
    mergeRound64(rh, rl, v2h, v2l);
    mergeRound64(rh, rl, v3h, v3l);
    mergeRound64(rh, rl, v4h, v4l);
    hh = rh; hl = rl;
  } else {
    add64(seedHi, seedLo, P5H, P5L);
    hh = rh; hl = rl;
  }
  add64(hh, hl, Math.floor(len / 4294967296), len >>> 0);
  hh = rh; hl = rl;
  while (p + 8 <= end) {
    round64(0, 0, read32le(b, p + 4), read32le(b, p));
    hh = (hh ^ rh) >>> 0;
    hl = (hl ^ rl) >>> 0;
    rotl64(hh, hl, 27);
    mul64(rh, rl, P1H, P1L);
    add64(rh, rl, P4H, P4L);
    hh = rh; hl = rl;
    p += 8;
  }
  if (p + 4 <= end) {
    mul64(0, read32le(b, p), P1H, P1L);
    hh = (hh ^ rh) >>> 0;
    hl = (hl ^ rl) >>> 0;
    rotl64(hh, hl, 23);
    mul64(rh, rl, P2H, P2L);
    add64(rh, rl, P3H, P3L);
    hh = rh; hl = rl;
    p += 4;
  }
  while (p < end) {
    mul64(0, b[p], P5H, P5L);
    hh = (hh ^ rh) >>> 0;
    hl = (hl ^ rl) >>> 0;
    rotl64(hh, hl, 11);
    mul64(rh, rl, P1H, P1L);
    hh = rh; hl = rl;
    p++;
  }
  // avalanche
  hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
  mul64(hh, hl, P2H, P2L);
  hh = rh; hl = rl;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; // h ^= h >> 29
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul64(hh, hl, P3H, P3L);
  hh = rh; hl = rl;
  hl = (hl ^ hh) >>> 0; // h ^= h >> 32
  out[at] = hl;
  out[at + 1] = hh;
}
