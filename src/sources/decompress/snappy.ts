/**
 * Snappy decompression of the raw block format (what snappy_compress writes and makedumpfile -p
 * stores per page), written from the format description: a varint with the uncompressed length,
 * then elements whose tag's two low bits say literal (00), copy with a 1-byte (01), 2-byte (10)
 * or 4-byte (11) offset. Every length and offset is checked, so corrupt input ends in a
 * DecompressError with the buffers untouched outside their bounds.
 */
import { copyLiterals } from './copy.js';
import { DecompressError } from './errors.js';

/**
 * Decompresses src[srcStart, srcEnd) into dst[dstStart, dstStart + dstLen) and returns the number
 * of bytes written, which is the length the block declares; a block declaring more than dstLen, or
 * whose elements do not produce exactly what it declares, is an error.
 */
export function snappyDecompress(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number, dstLen: number): number {
  let ip = srcStart;
  // the preamble: uncompressed length as a little-endian base-128 varint (at most 5 bytes for 32 bits)
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= srcEnd) throw new DecompressError('snappy: truncated length preamble');
    if (shift > 28) throw new DecompressError('snappy: length preamble longer than 5 bytes');
    const b = src[ip++];
    declared += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (declared > dstLen) throw new DecompressError(`snappy: block declares ${declared} bytes, more than ${dstLen}`);
  const outEnd = dstStart + declared;
  let op = dstStart;
  while (ip < srcEnd) {
    const tag = src[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      // literal: length - 1 in the tag's upper 6 bits, or in the 1..4 bytes that follow (60..63)
      let len = tag >>> 2;
      if (len >= 60) {
        const n = len - 59;
        if (ip + n > srcEnd) throw new DecompressError('snappy: truncated literal length');
        len = 0;
        for (let k = n - 1; k >= 0; k--) len = len * 256 + src[ip + k];
        ip += n;
      }
      len += 1;
      if (len > srcEnd - ip) throw new DecompressError('snappy: literal beyond the end of the input');
      if (len > outEnd - op) throw new DecompressError('snappy: output longer than declared');
      copyLiterals(dst, op, src, ip, len);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= srcEnd) throw new DecompressError('snappy: truncated copy');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[ip++];
    } else if (kind === 2) {
      if (ip + 2 > srcEnd) throw new DecompressError('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[ip] | (src[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > srcEnd) throw new DecompressError('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16)) + src[ip + 3] * 2 ** 24;
      ip += 4;
    }
    if (offset === 0 || offset > op - dstStart) throw new DecompressError(`snappy: copy offset ${offset} outside the output`);
    if (len > outEnd - op) throw new DecompressError('snappy: output longer than declared');
    let from = op - offset;
    if (len > 16 && offset >= len) {
      dst.copyWithin(op, from, from + len);
      op += len;
    } else {
      for (let k = 0; k < len; k++) dst[op++] = dst[from++];
    }
  }
  if (op !== outEnd) throw new DecompressError(`snappy: block declares ${declared} bytes, its elements make ${op - dstStart}`);
  return declared;
}
