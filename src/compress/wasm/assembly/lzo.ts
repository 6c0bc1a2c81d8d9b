/**
 * LZO1X-1 with the kernel's bounds-checked output, as lzo1x_1_compress_safe() (version 0, lzo) and
 * lzorle1x_1_compress_safe() (version 1, lzo-rle) of lib/lzo/lzo1x_compress.c build it for x86_64.
 * The constants are lib/lzo/lzodefs.h's. Compresses the first srcLen (at most PAGE_SIZE) bytes
 * at PAGE_IN into STREAM_OUT with room for dstCap bytes (at most 2 * PAGE_SIZE); returns the
 * stream length, or 0 on LZO_E_OUTPUT_OVERRUN, when one of the kernel's room checks fails (some
 * ask for more than they write, but for inputs over 20 bytes the bytes still to come always
 * cover the excess).
 */
import { copyOut, in32, in64, in8, out8, outByte } from './layout';

const D_BITS: i32 = 13;
const DICT: usize = memory.data(2 << D_BITS, 16);
const HASH_MULT: u32 = 0x1824429d;

const M2_MAX_LEN: i32 = 8;
const M3_MAX_LEN: i32 = 33;
const M4_MAX_LEN: i32 = 9;
const M2_MAX_OFFSET: i32 = 0x0800;
const M3_MAX_OFFSET: i32 = 0x4000;
const M4_MAX_OFFSET_V0: i32 = 0xbfff;
const M4_MAX_OFFSET_V1: i32 = 0xbffe;
const M3_MARKER: i32 = 32;
const M4_MARKER: i32 = 16;
const MIN_ZERO_RUN_LENGTH: i32 = 4;
const MAX_ZERO_RUN_LENGTH: i32 = 2047 + MIN_ZERO_RUN_LENGTH;

/** type markers selecting the compiled copy of compressChunk (only their sizes differ) */
type Lzo = u8;
type LzoRle = u16;

// Cursor state shared by the outer loop and the per-chunk loop (the kernel passes pointers).
let gOp: i32 = 0;
let gT: i32 = 0;
let gStateOffset: i32 = -2;
let gCap: i32 = 0;

/** the kernel's HAVE_OP: room left, compared as size_t (a negative gap counts as huge) */
@inline function room(op: i32, x: i32): bool {
  return <u32>(gCap - op) >= <u32>x;
}

@inline function orOut(p: i32, v: i32): void {
  out8(p, outByte(p) | v);
}

/** equal low-order bytes of a non-zero XOR of two little-endian words */
@inline function equalLowBytes(x: u64): i32 {
  return <i32>(ctz(x) >> 3);
}

/** header of a literal run longer than 18 bytes; returns the new op, or -1 on overrun */
function putLongLiteralHeader(op: i32, t: i32): i32 {
  let tt = t - 18;
  if (!room(op, 1)) return -1;
  out8(op++, 0);
  while (tt > 255) {
    tt -= 255;
    if (!room(op, 1)) return -1;
    out8(op++, 0);
  }
  if (!room(op, 1)) return -1;
  out8(op++, tt);
  return op;
}

export function lzoCompress(version: i32, srcLen: i32, dstCap: i32): i32 {
  let op = 0;
  gCap = dstCap;
  if (version > 0) {
    // the two header bytes are written before any room check
    out8(op++, 17);
    out8(op++, version);
  }
  const m4MaxOffset = version > 0 ? M4_MAX_OFFSET_V1 : M4_MAX_OFFSET_V0;
  const dataStart = op;
  gOp = op;
  gT = 0;
  gStateOffset = -2;

  let ip = 0;
  let l = srcLen;
  while (l > 20) {
    const ll = min(l, m4MaxOffset + 1);
    // the kernel's pointer-wrap guard also stops here whenever (t + ll) >> 5 is zero
    if (<u32>(gT + ll) >> 5 == 0) break;
    memory.fill(DICT, 0, 2 << D_BITS);
    // one compiled copy per bitstream version, so that plain lzo carries no zero-run test
    if (!(version > 0 ? compressChunk<LzoRle>(ip, ll) : compressChunk<Lzo>(ip, ll))) return 0;
    ip += ll;
    l -= ll;
  }
  op = gOp;
  let t = gT + l;

  if (t > 0) {
    const ii = srcLen - t;
    if (op == dataStart && t <= 238) {
      if (!room(op, 1)) return 0;
      out8(op++, 17 + t);
    } else if (t <= 3) {
      orOut(op + gStateOffset, t);
    } else if (t <= 18) {
      if (!room(op, 1)) return 0;
      out8(op++, t - 3);
    } else {
      op = putLongLiteralHeader(op, t);
      if (op < 0) return 0;
    }
    if (!room(op, t)) return 0;
    copyOut(op, ii, t);
    op += t;
  }

  if (!room(op, 3)) return 0;
  out8(op++, M4_MARKER | 1);
  out8(op++, 0);
  out8(op++, 0);
  return op;
}

/**
 * One chunk [base, base + len): greedy matching with the literal-skip heuristic. Literals left
 * pending at the end are carried to the next chunk (or the trailer) in gT.
 */
function compressChunk<Version>(base: i32, len: i32): bool {
  const rle = sizeof<Version>() == sizeof<LzoRle>();
  const inEnd = base + len;
  const ipEnd = inEnd - 20;
  let op = gOp;
  let ti = gT;
  let stateOffset = gStateOffset;
  let ip = base + (ti < 4 ? 4 - ti : 0);
  let ii = base;
  // the kernel's `literal:` step, taken before the first search and after every failed one
  ip += 1 + ((ip - ii) >> 5);

  for (;;) {
    // the search for the next match (or, in lzo-rle, zero run): a tight loop of its own, so that
    // the compiled code keeps its few variables in registers
    let mPos = 0;
    let runLength = 0;
    while (ip < ipEnd) {
      const dv = in32(ip);
      if (dv == 0 && rle) {
        const limit = min(ipEnd, ip + MAX_ZERO_RUN_LENGTH + 1);
        let ir = ip + 4;
        while (ir + 8 <= limit) {
          const x = in64(ir);
          if (x != 0) {
            ir += <i32>(ctz(x) >> 3);
            break;
          }
          ir += 8;
        }
        while (ir < limit && in8(ir) == 0) ir++;
        runLength = min(ir - ip, MAX_ZERO_RUN_LENGTH);
        break;
      }
      const h = <usize>((dv * HASH_MULT) >>> (32 - D_BITS)) << 1;
      const m = base + <i32>load<u16>(h, DICT);
      store<u16>(h, ip - base, DICT);
      if (dv == in32(m)) {
        mPos = m;
        break;
      }
      ip += 1 + ((ip - ii) >> 5);
    }
    if (ip >= ipEnd) break;

    // flush the literals before this match, including those carried from the previous chunk
    ii -= ti;
    ti = 0;
    let t = ip - ii;
    if (t != 0) {
      if (t <= 3) {
        orOut(op + stateOffset, t);
        if (!room(op, 4)) return false;
      } else if (t <= 16) {
        if (!room(op, 17)) return false;
        out8(op++, t - 3);
      } else {
        if (t <= 18) {
          if (!room(op, 1)) return false;
          out8(op++, t - 3);
        } else {
          op = putLongLiteralHeader(op, t);
          if (op < 0) return false;
        }
        if (!room(op, t)) return false;
      }
      copyOut(op, ii, t);
      op += t;
      ii += t;
    }

    if (runLength != 0) {
      ip += runLength;
      const r = runLength - MIN_ZERO_RUN_LENGTH;
      if (!room(op, 4)) return false;
      // little-endian u32 (r << 21) | 0xfffc18 | (r & 7)
      out8(op++, 0x18 | (r & 7));
      out8(op++, 0xfc);
      out8(op++, 0xff);
      out8(op++, r >>> 3);
      stateOffset = -3;
      ii = ip;
      continue;
    }

    // match extension as the x86_64 build does it: 8-byte blocks from offset 4, and after each
    // fully equal block the match stops once it reaches ipEnd
    let mLen = 4;
    for (;;) {
      const x = in64(ip + mLen) ^ in64(mPos + mLen);
      if (x != 0) {
        mLen += equalLowBytes(x);
        break;
      }
      mLen += 8;
      if (ip + mLen >= ipEnd) break;
    }

    let mOff = ip - mPos;
    ip += mLen;
    if (mLen <= M2_MAX_LEN && mOff <= M2_MAX_OFFSET) {
      mOff -= 1;
      if (!room(op, 2)) return false;
      out8(op++, ((mLen - 1) << 5) | ((mOff & 7) << 2));
      out8(op++, mOff >>> 3);
    } else if (mOff <= M3_MAX_OFFSET) {
      mOff -= 1;
      if (!room(op, 1)) return false;
      if (mLen <= M3_MAX_LEN) {
        out8(op++, M3_MARKER | (mLen - 2));
      } else {
        mLen -= M3_MAX_LEN;
        out8(op++, M3_MARKER);
        while (mLen > 255) {
          mLen -= 255;
          if (!room(op, 1)) return false;
          out8(op++, 0);
        }
        if (!room(op, 1)) return false;
        out8(op++, mLen);
      }
      if (!room(op, 2)) return false;
      out8(op++, mOff << 2);
      out8(op++, mOff >>> 6);
    } else {
      mOff -= 0x4000;
      if (!room(op, 1)) return false;
      if (mLen <= M4_MAX_LEN) {
        out8(op++, M4_MARKER | ((mOff >>> 11) & 8) | (mLen - 2));
      } else {
        // lzo-rle: these lengths at these offsets would decode as an RLE instruction
        if (rle && (mOff & 0x403f) == 0x403f && mLen >= 261 && mLen <= 264) {
          ip -= mLen - 260;
          mLen = 260;
        }
        mLen -= M4_MAX_LEN;
        out8(op++, M4_MARKER | ((mOff >>> 11) & 8));
        while (mLen > 255) {
          if (!room(op, 1)) return false;
          mLen -= 255;
          out8(op++, 0);
        }
        if (!room(op, 1)) return false;
        out8(op++, mLen);
      }
      if (!room(op, 2)) return false;
      out8(op++, mOff << 2);
      out8(op++, mOff >>> 6);
    }
    stateOffset = -2;
    ii = ip;
  }

  gOp = op;
  gT = inEnd - (ii - ti);
  gStateOffset = stateOffset;
  return true;
}
