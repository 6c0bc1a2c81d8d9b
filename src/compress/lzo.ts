/**
 * lzo and lzo-rle as zswap gets them in 6.12: crypto/lzo.c calls lzo1x_1_compress_safe() and
 * crypto/lzo-rle.c calls lzorle1x_1_compress_safe(), both with dst_len = 4096 and a wrkmem of
 * LZO1X_1_MEM_COMPRESS bytes (include/linux/lzo.h); any error becomes -EINVAL. One
 * implementation serves both, parameterised by the bitstream version as in
 * lib/lzo/lzo1x_compress.c (built "_safe" through lib/lzo/lzo1x_compress_safe.c), with the
 * constants of lib/lzo/lzodefs.h and the x86_64 configuration (64-bit match extension).
 *
 * Written from the kernel's rules, not copied; the streams are byte-identical to the kernel's.
 */
import type { PageCompressor } from './compressor.js';
import { EINVAL, PAGE_SIZE } from '../model/kernel.js';

const D_BITS = 13;
const D_SIZE = 1 << D_BITS;
const HASH_MULT = 0x1824429d;

const M2_MAX_LEN = 8;
const M3_MAX_LEN = 33;
const M4_MAX_LEN = 9;
const M2_MAX_OFFSET = 0x0800;
const M3_MAX_OFFSET = 0x4000;
const M4_MAX_OFFSET_V0 = 0xbfff;
const M4_MAX_OFFSET_V1 = 0xbffe;
const M3_MARKER = 32;
const M4_MARKER = 16;

const MIN_ZERO_RUN_LENGTH = 4;
const MAX_ZERO_RUN_LENGTH = 2047 + MIN_ZERO_RUN_LENGTH;

/** Bitstream version written by lzo-rle after the 17 marker byte. */
const LZO_VERSION = 1;

export const LZO_E_OUTPUT_OVERRUN = -5;

function read32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

/** Number of zero low-order bytes of a non-zero XOR of two little-endian words. */
function equalLowBytes(x: number): number {
  return (31 - Math.clz32(x & -x)) >> 3;
}

/**
 * LZO1X-1 with the kernel's bounds-checked output. `version` 0 is plain LZO1X, 1 is lzo-rle.
 * The dictionary is the wrkmem: allocated once, cleared before each input chunk.
 */
export class Lzo1xSafe {
  private readonly dict = new Uint16Array(D_SIZE);
  // Cursor state shared by the outer loop and the per-chunk loop (the kernel passes pointers).
  private op = 0;
  private t = 0;
  private stateOffset = -2;

  constructor(readonly version: 0 | 1) {}

  /**
   * Compresses src[0, srcLen) into dst with room for dstCap bytes. Returns the stream length, or
   * LZO_E_OUTPUT_OVERRUN when one of the kernel's room checks fails (some ask for more than they
   * write, but for inputs over 20 bytes the bytes still to come always cover the excess).
   */
  compressSafe(src: Uint8Array, srcLen: number, dst: Uint8Array, dstCap: number): number {
    const opEnd = dstCap;
    let op = 0;
    if (this.version > 0) {
      // The two header bytes are written before any room check.
      dst[op++] = 17;
      dst[op++] = this.version;
    }
    const m4MaxOffset = this.version > 0 ? M4_MAX_OFFSET_V1 : M4_MAX_OFFSET_V0;
    const dataStart = op;
    this.op = op;
    this.t = 0;
    this.stateOffset = -2;

    let ip = 0;
    let l = srcLen;
    while (l > 20) {
      const ll = Math.min(l, m4MaxOffset + 1);
      // The kernel's pointer-wrap guard also stops here whenever (t + ll) >> 5 is zero.
      if ((this.t + ll) >>> 5 === 0) break;
      this.dict.fill(0);
      if (!this.compressChunk(src, ip, ll, dst, opEnd)) return LZO_E_OUTPUT_OVERRUN;
      ip += ll;
      l -= ll;
    }
    op = this.op;
    let t = this.t + l;

    if (t > 0) {
      let ii = srcLen - t;
      if (op === dataStart && t <= 238) {
        if (!room(op, opEnd, 1)) return LZO_E_OUTPUT_OVERRUN;
        dst[op++] = 17 + t;
      } else if (t <= 3) {
        dst[op + this.stateOffset] |= t;
      } else if (t <= 18) {
        if (!room(op, opEnd, 1)) return LZO_E_OUTPUT_OVERRUN;
        dst[op++] = t - 3;
      } else {
        op = this.putLongLiteralHeader(dst, op, opEnd, t);
        if (op < 0) return LZO_E_OUTPUT_OVERRUN;
      }
      if (!room(op, opEnd, t)) return LZO_E_OUTPUT_OVERRUN;
      while (t-- > 0) dst[op++] = src[ii++];
    }

    if (!room(op, opEnd, 3)) return LZO_E_OUTPUT_OVERRUN;
    dst[op++] = M4_MARKER | 1;
    dst[op++] = 0;
    dst[op++] = 0;
    return op;
  }

  /** Header of a literal run longer than 18 bytes; returns the new op, or -1 on overrun. */
  private putLongLiteralHeader(dst: Uint8Array, op: number, opEnd: number, t: number): number {
    let tt = t - 18;
    if (!room(op, opEnd, 1)) return -1;
    dst[op++] = 0;
    while (tt > 255) {
      tt -= 255;
      if (!room(op, opEnd, 1)) return -1;
      dst[op++] = 0;
    }
    if (!room(op, opEnd, 1)) return -1;
    dst[op++] = tt;
    return op;
  }

  /**
   * One chunk src[base, base + len): greedy matching with the literal-skip heuristic. Literals left
   * pending at the end are carried to the next chunk (or the trailer) in this.t.
   */
  private compressChunk(src: Uint8Array, base: number, len: number, dst: Uint8Array, opEnd: number): boolean {
    const dict = this.dict;
    const rle = this.version > 0;
    const inEnd = base + len;
    const ipEnd = inEnd - 20;
    let op = this.op;
    let ti = this.t;
    let stateOffset = this.stateOffset;
    let ip = base + (ti < 4 ? 4 - ti : 0);
    let ii = base;
    let skip = true;

    for (;;) {
      if (skip) ip += 1 + ((ip - ii) >> 5);
      skip = true;
      if (ip >= ipEnd) break;
      const dv = read32(src, ip);
      let mPos = 0;
      let runLength = 0;

      if (dv === 0 && rle) {
        const limit = Math.min(ipEnd, ip + MAX_ZERO_RUN_LENGTH + 1);
        let ir = ip + 4;
        while (ir < limit && src[ir] === 0) ir++;
        runLength = Math.min(ir - ip, MAX_ZERO_RUN_LENGTH);
      } else {
        const h = Math.imul(dv, HASH_MULT) >>> (32 - D_BITS);
        mPos = base + dict[h];
        dict[h] = ip - base;
        if (dv !== read32(src, mPos)) continue;
      }

      // Flush the literals before this match, including those carried from the previous chunk.
      ii -= ti;
      ti = 0;
      let t = ip - ii;
      if (t !== 0) {
        if (t <= 3) {
          dst[op + stateOffset] |= t;
          if (!room(op, opEnd, 4)) return false;
        } else if (t <= 16) {
          if (!room(op, opEnd, 17)) return false;
          dst[op++] = t - 3;
        } else {
          if (t <= 18) {
            if (!room(op, opEnd, 1)) return false;
            dst[op++] = t - 3;
          } else {
            op = this.putLongLiteralHeader(dst, op, opEnd, t);
            if (op < 0) return false;
          }
          if (!room(op, opEnd, t)) return false;
        }
        while (t-- > 0) dst[op++] = src[ii++];
      }

      if (runLength !== 0) {
        ip += runLength;
        const r = runLength - MIN_ZERO_RUN_LENGTH;
        if (!room(op, opEnd, 4)) return false;
        // Little-endian u32 (r << 21) | 0xfffc18 | (r & 7).
        dst[op++] = 0x18 | (r & 7);
        dst[op++] = 0xfc;
        dst[op++] = 0xff;
        dst[op++] = r >>> 3;
        stateOffset = -3;
        ii = ip;
        skip = false;
        continue;
      }

      // Match extension as the x86_64 build does it: 8-byte blocks from offset 4, and after each
      // fully equal block the match stops once it reaches ipEnd.
      let mLen = 4;
      for (;;) {
        let x = read32(src, ip + mLen) ^ read32(src, mPos + mLen);
        if (x !== 0) {
          mLen += equalLowBytes(x);
          break;
        }
        x = read32(src, ip + mLen + 4) ^ read32(src, mPos + mLen + 4);
        if (x !== 0) {
          mLen += 4 + equalLowBytes(x);
          break;
        }
        mLen += 8;
        if (ip + mLen >= ipEnd) break;
      }

      let mOff = ip - mPos;
      ip += mLen;
      if (mLen <= M2_MAX_LEN && mOff <= M2_MAX_OFFSET) {
        mOff -= 1;
        if (!room(op, opEnd, 2)) return false;
        dst[op++] = ((mLen - 1) << 5) | ((mOff & 7) << 2);
        dst[op++] = mOff >>> 3;
      } else if (mOff <= M3_MAX_OFFSET) {
        mOff -= 1;
        if (!room(op, opEnd, 1)) return false;
        if (mLen <= M3_MAX_LEN) {
          dst[op++] = M3_MARKER | (mLen - 2);
        } else {
          mLen -= M3_MAX_LEN;
          dst[op++] = M3_MARKER;
          while (mLen > 255) {
            mLen -= 255;
            if (!room(op, opEnd, 1)) return false;
            dst[op++] = 0;
          }
          if (!room(op, opEnd, 1)) return false;
          dst[op++] = mLen;
        }
        if (!room(op, opEnd, 2)) return false;
        dst[op++] = mOff << 2;
        dst[op++] = mOff >>> 6;
      } else {
        mOff -= 0x4000;
        if (!room(op, opEnd, 1)) return false;
        if (mLen <= M4_MAX_LEN) {
          dst[op++] = M4_MARKER | ((mOff >>> 11) & 8) | (mLen - 2);
        } else {
          // lzo-rle: these lengths at these offsets would decode as an RLE instruction.
          if (rle && (mOff & 0x403f) === 0x403f && mLen >= 261 && mLen <= 264) {
            ip -= mLen - 260;
            mLen = 260;
          }
          mLen -= M4_MAX_LEN;
          dst[op++] = M4_MARKER | ((mOff >>> 11) & 8);
          while (mLen > 255) {
            if (!room(op, opEnd, 1)) return false;
            mLen -= 255;
            dst[op++] = 0;
          }
          if (!room(op, opEnd, 1)) return false;
          dst[op++] = mLen;
        }
        if (!room(op, opEnd, 2)) return false;
        dst[op++] = mOff << 2;
        dst[op++] = mOff >>> 6;
      }
      stateOffset = -2;
      ii = ip;
      skip = false;
    }

    this.op = op;
    this.t = inEnd - (ii - ti);
    this.stateOffset = stateOffset;
    return true;
  }
}

/** The kernel's HAVE_OP: room left, compared as size_t (so a negative gap counts as huge). */
function room(op: number, opEnd: number, x: number): boolean {
  return (opEnd - op) >>> 0 >= x;
}

class LzoPageCompressor implements PageCompressor {
  private readonly core: Lzo1xSafe;

  constructor(readonly name: 'lzo' | 'lzo-rle', version: 0 | 1) {
    this.core = new Lzo1xSafe(version);
  }

  compress(page: Uint8Array, dst: Uint8Array): number {
    const r = this.core.compressSafe(page, PAGE_SIZE, dst, PAGE_SIZE);
    return r < 0 ? -EINVAL : r;
  }
}

/** crypto/lzo.c: lzo1x_1_compress_safe, bitstream version 0. */
export class LzoCompressor extends LzoPageCompressor {
  declare readonly name: 'lzo';
  constructor() {
    super('lzo', 0);
  }
}

/** crypto/lzo-rle.c: lzorle1x_1_compress_safe, bitstream version 1 with zero-run instructions. */
export class LzoRleCompressor extends LzoPageCompressor {
  declare readonly name: 'lzo-rle';
  constructor() {
    super('lzo-rle', LZO_VERSION);
  }
}
