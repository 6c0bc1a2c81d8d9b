/**
 * The lz4 block format as lib/lz4/lz4_compress.c and lz4hc_compress.c write it (constants of
 * lib/lz4/lz4defs.h): token nibbles with 255-byte extensions and the final literal run.
 */
import { copyOut, in32, MAX_OUT, out8, outByte, PAGE_SIZE } from './layout';

export const MINMATCH: i32 = 4;
export const LASTLITERALS: i32 = 5;
export const MFLIMIT: i32 = 12;
export const ML_MASK: i32 = 15;
export const RUN_MASK: i32 = 15;

/** LZ4_hash4 of the 4 bytes at p, on `bits` bits */
@inline export function hash4(p: i32, bits: i32): i32 {
  return <i32>((in32(p) * 2654435761) >>> (32 - bits));
}

/** writes a literal length into the token's high nibble (and its extension at op); returns the new op */
export function writeLiteralLength(token: i32, op: i32, length: i32): i32 {
  if (length < RUN_MASK) {
    out8(token, length << 4);
    return op;
  }
  out8(token, RUN_MASK << 4);
  let len = length - RUN_MASK;
  for (; len >= 255; len -= 255) out8(op++, 255);
  out8(op++, len);
  return op;
}

/** adds a match length (minus MINMATCH) to the token's low nibble and its extension; returns the new op */
export function writeMatchLength(token: i32, op: i32, length: i32): i32 {
  if (length < ML_MASK) {
    out8(token, outByte(token) + length);
    return op;
  }
  out8(token, outByte(token) + ML_MASK);
  let len = length - ML_MASK;
  for (; len >= 255; len -= 255) out8(op++, 255);
  out8(op++, len);
  return op;
}

/** the final literal run from anchor to the end of the page: the stream length, or 0 if it does not fit */
export function writeLastLiterals(op: i32, anchor: i32): i32 {
  const lastRun = PAGE_SIZE - anchor;
  if (op + lastRun + 1 + (lastRun + 255 - RUN_MASK) / 255 > MAX_OUT) return 0;
  const token = op++;
  op = writeLiteralLength(token, op, lastRun);
  copyOut(op, anchor, lastRun);
  return op + lastRun;
}
