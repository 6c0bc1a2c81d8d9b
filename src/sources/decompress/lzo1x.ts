/**
 * LZO1X decompression (the stream liblzo2's lzo1x_1_compress writes, which is what makedumpfile
 * -l stores per page), written from the format description: a stream of instructions, each a
 * literal run or a back-reference, where the meaning of the small opcodes 0..15 depends on how
 * many literals the previous instruction copied ("state" below). Every length and distance is
 * checked against both buffers, so corrupt input ends in a DecompressError, never in a read or
 * write outside the buffers, and the work is bounded by the input and output sizes.
 */
import { copyLiterals } from './copy.js';
import { DecompressError } from './errors.js';

/**
 * Decompresses src[srcStart, srcEnd) into dst[dstStart, dstStart + dstLen) and returns the number
 * of bytes written. The stream must end with its end marker exactly at srcEnd and must not
 * produce more than dstLen bytes.
 */
export function lzo1xDecompress(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number, dstLen: number): number {
  const outEnd = dstStart + dstLen;
  let ip = srcStart;
  let op = dstStart;
  if (srcEnd - srcStart < 3) throw new DecompressError('lzo1x: stream shorter than an end marker');

  // state: 0 = the last instruction copied no literals, 1..3 = it copied that many, 4 = a run of 4 or more
  let state = 0;
  if (src[ip] > 17) {
    // a first byte above 17 is a literal run of (byte - 17) bytes with no opcode of its own
    const n = src[ip++] - 17;
    if (ip + n > srcEnd) throw new DecompressError('lzo1x: literal run beyond the end of the input');
    if (op + n > outEnd) throw new DecompressError('lzo1x: output longer than the page');
    for (let k = 0; k < n; k++) dst[op++] = src[ip++];
    state = n < 4 ? n : 4;
  }

  for (;;) {
    if (ip >= srcEnd) throw new DecompressError('lzo1x: input ends without an end marker');
    const t = src[ip++];
    let len: number;
    let dist: number;
    let after: number; // literals copied after the match
    if (t < 16 && state === 0) {
      // 0000LLLL after no literals: a run of 4 or more literals
      len = t;
      if (len === 0) {
        len = 15;
        for (;;) {
          if (ip >= srcEnd) throw new DecompressError('lzo1x: truncated length');
          const b = src[ip++];
          if (b !== 0) {
            len += b;
            break;
          }
          len += 255;
          if (len > dstLen) throw new DecompressError('lzo1x: length longer than the output');
        }
      }
      len += 3;
      if (ip + len > srcEnd) throw new DecompressError('lzo1x: literal run beyond the end of the input');
      if (op + len > outEnd) throw new DecompressError('lzo1x: output longer than the page');
      copyLiterals(dst, op, src, ip, len);
      ip += len;
      op += len;
      state = 4;
      continue;
    }
    if (t < 16) {
      // 0000DDSS + one byte: 2 bytes from 1..1024 back (after 1..3 literals) or 3 bytes from 2049..3072 back (after 4+)
      if (ip >= srcEnd) throw new DecompressError('lzo1x: truncated instruction');
      const h = src[ip++];
      if (state === 4) {
        len = 3;
        dist = (h << 2) + (t >> 2) + 2049;
      } else {
        len = 2;
        dist = (h << 2) + (t >> 2) + 1;
      }
      after = t & 3;
    } else if (t < 64) {
      // 0001HLLL (16..48 KiB back, or the end marker) and 001LLLLL (up to 16 KiB back), then LE16 DDDDDDDD DDDDDDSS
      const bits = t < 32 ? 7 : 31;
      len = t & bits;
      if (len === 0) {
        len = bits;
        for (;;) {
          if (ip >= srcEnd) throw new DecompressError('lzo1x: truncated length');
          const b = src[ip++];
          if (b !== 0) {
            len += b;
            break;
          }
          len += 255;
          if (len > dstLen) throw new DecompressError('lzo1x: length longer than the output');
        }
      }
      len += 2;
      if (ip + 2 > srcEnd) throw new DecompressError('lzo1x: truncated distance');
      const v = src[ip] | (src[ip + 1] << 8);
      ip += 2;
      after = v & 3;
      if (t < 32) {
        const far = ((t & 8) << 11) + (v >> 2);
        if (far === 0) {
          if (ip !== srcEnd) throw new DecompressError(`lzo1x: ${srcEnd - ip} bytes after the end marker`);
          return op - dstStart;
        }
        dist = far + 16384;
      } else {
        dist = (v >> 2) + 1;
      }
    } else {
      // 01LDDDSS (3-4 bytes) or 1LLDDDSS (5-8 bytes) + one byte: within 2 KiB
      if (ip >= srcEnd) throw new DecompressError('lzo1x: truncated distance');
      const h = src[ip++];
      len = t < 128 ? 3 + ((t >> 5) & 1) : 5 + ((t >> 5) & 3);
      dist = (h << 3) + ((t >> 2) & 7) + 1;
      after = t & 3;
    }
    if (dist > op - dstStart) throw new DecompressError(`lzo1x: match distance ${dist} reaches before the start of the output`);
    if (op + len > outEnd) throw new DecompressError('lzo1x: output longer than the page');
    let from = op - dist;
    if (len > 16 && dist >= len) {
      dst.copyWithin(op, from, from + len);
      op += len;
    } else {
      for (let k = 0; k < len; k++) dst[op++] = dst[from++];
    }
    if (after > 0) {
      if (ip + after > srcEnd) throw new DecompressError('lzo1x: literals beyond the end of the input');
      if (op + after > outEnd) throw new DecompressError('lzo1x: output longer than the page');
      for (let k = 0; k < after; k++) dst[op++] = src[ip++];
    }
    state = after;
  }
}
