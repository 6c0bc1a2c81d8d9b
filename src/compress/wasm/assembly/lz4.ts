/**
 * lz4 as zswap gets it from crypto/lz4.c (6.12): LZ4_compress_default(src, dst, 4096, 4096, wrkmem),
 * the fast greedy parser of lib/lz4/lz4_compress.c with acceleration 1, a 2^13-entry table of
 * 16-bit positions and limited output. Same rules as ../../lz4.ts, on the module's memory.
 * Returns the stream length, or 0 when the stream does not fit (the kernel's 0).
 */
import { countEqual, copyOut, in32, in8, out16, out8 } from './layout';
import { hash4, LASTLITERALS, MFLIMIT, MINMATCH, writeLastLiterals, writeLiteralLength, writeMatchLength } from './lz4-format';
import { MAX_OUT, PAGE_SIZE } from './layout';

const SKIPTRIGGER: i32 = 6;
const HASH_BITS: i32 = 13;
const TABLE: usize = memory.data(2 << HASH_BITS, 16);

@inline function hashAt(p: i32): usize {
  return <usize>hash4(p, HASH_BITS) << 1;
}
@inline function get(h: usize): i32 {
  return load<u16>(h, TABLE);
}
@inline function put(h: usize, p: i32): void {
  store<u16>(h, p, TABLE);
}

export function lz4Compress(): i32 {
  memory.fill(TABLE, 0, 2 << HASH_BITS);
  const mflimit = PAGE_SIZE - MFLIMIT;
  const matchlimit = PAGE_SIZE - LASTLITERALS;
  let anchor = 0;
  let op = 0;

  put(hashAt(0), 0);
  let ip = 1;
  let forwardH = hashAt(ip);
  let match = 0;

  for (;;) {
    let forwardIp = ip;
    let step = 1;
    let searchMatchNb = 1 << SKIPTRIGGER;
    do {
      const h = forwardH;
      ip = forwardIp;
      forwardIp += step;
      step = searchMatchNb++ >>> SKIPTRIGGER;
      if (forwardIp > mflimit) return writeLastLiterals(op, anchor);
      match = get(h);
      forwardH = hashAt(forwardIp);
      put(h, ip);
    } while (in32(match) != in32(ip));

    while (ip > anchor && match > 0 && in8(ip - 1) == in8(match - 1)) {
      ip--;
      match--;
    }

    const litLength = ip - anchor;
    let token = op++;
    if (op + litLength + 2 + 1 + LASTLITERALS + litLength / 255 > MAX_OUT) return 0;
    op = writeLiteralLength(token, op, litLength);
    copyOut(op, anchor, litLength);
    op += litLength;

    // a match directly following the previous one re-enters here with an empty literal run
    for (;;) {
      out16(op, ip - match);
      op += 2;
      const matchCode = countEqual(ip + MINMATCH, match + MINMATCH, matchlimit);
      ip += MINMATCH + matchCode;
      if (op + 1 + LASTLITERALS + (matchCode >>> 8) > MAX_OUT) return 0;
      op = writeMatchLength(token, op, matchCode);
      anchor = ip;

      if (ip > mflimit) return writeLastLiterals(op, anchor);

      put(hashAt(ip - 2), ip - 2);
      const h = hashAt(ip);
      match = get(h);
      put(h, ip);
      if (in32(match) != in32(ip)) break;
      token = op++;
      out8(token, 0);
    }

    forwardH = hashAt(++ip);
  }
  return unreachable();
}
