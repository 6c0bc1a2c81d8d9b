/**
 * lz4 as zswap gets it from crypto/lz4.c (6.12): LZ4_compress_default(src, dst, 4096, 4096, wrkmem),
 * i.e. the fast greedy parser of lib/lz4/lz4_compress.c with acceleration 1, a 2^13-entry table of
 * 16-bit positions (byU16, the input is below 64 KiB) and limited output, since 4096 is below
 * LZ4_COMPRESSBOUND(4096). Constants from lib/lz4/lz4defs.h and include/linux/lz4.h. The kernel
 * returns 0 when the stream would not fit; crypto/lz4.c turns that into -EINVAL.
 *
 * Written from the kernel's rules, not copied; the streams are byte-identical to the kernel's.
 */
import { EINVAL, PAGE_SIZE, type PageCompressor } from './compressor.js';

const MINMATCH = 4;
const LASTLITERALS = 5;
const MFLIMIT = 12;
const ML_MASK = 15;
const RUN_MASK = 15;
const SKIPTRIGGER = 6;
const HASH_BITS = 13;
const PRIME = 2654435761 | 0;

const MAX_OUT = PAGE_SIZE;

function read32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

function hashAt(b: Uint8Array, p: number): number {
  return Math.imul(read32(b, p), PRIME) >>> (32 - HASH_BITS);
}

function copy(dst: Uint8Array, op: number, src: Uint8Array, from: number, to: number): void {
  while (from < to) dst[op++] = src[from++];
}

/** Number of equal bytes at a and m, with a stopping at limit. */
function count(b: Uint8Array, a: number, m: number, limit: number): number {
  const start = a;
  while (a < limit && b[a] === b[m]) {
    a++;
    m++;
  }
  return a - start;
}

export class Lz4Compressor implements PageCompressor {
  readonly name = 'lz4' as const;
  private readonly table = new Uint16Array(1 << HASH_BITS);

  compress(page: Uint8Array, dst: Uint8Array): number {
    const table = this.table;
    table.fill(0);
    const src = page;
    const iend = PAGE_SIZE;
    const mflimit = iend - MFLIMIT;
    const matchlimit = iend - LASTLITERALS;
    let anchor = 0;
    let op = 0;

    table[hashAt(src, 0)] = 0;
    let ip = 1;
    let forwardH = hashAt(src, ip);

    main: for (;;) {
      let match: number;
      let forwardIp = ip;
      let step = 1;
      let searchMatchNb = 1 << SKIPTRIGGER;
      do {
        const h = forwardH;
        ip = forwardIp;
        forwardIp += step;
        step = searchMatchNb++ >>> SKIPTRIGGER;
        if (forwardIp > mflimit) break main;
        match = table[h];
        forwardH = hashAt(src, forwardIp);
        table[h] = ip;
      } while (read32(src, match) !== read32(src, ip));

      while (ip > anchor && match > 0 && src[ip - 1] === src[match - 1]) {
        ip--;
        match--;
      }

      const litLength = ip - anchor;
      let token = op++;
      if (op + litLength + 2 + 1 + LASTLITERALS + ((litLength / 255) | 0) > MAX_OUT) return -EINVAL;
      if (litLength >= RUN_MASK) {
        dst[token] = RUN_MASK << 4;
        let len = litLength - RUN_MASK;
        for (; len >= 255; len -= 255) dst[op++] = 255;
        dst[op++] = len;
      } else {
        dst[token] = litLength << 4;
      }
      copy(dst, op, src, anchor, ip);
      op += litLength;

      // A match directly following the previous one re-enters here with an empty literal run.
      for (;;) {
        const offset = ip - match;
        dst[op++] = offset & 0xff;
        dst[op++] = offset >>> 8;

        let matchCode = count(src, ip + MINMATCH, match + MINMATCH, matchlimit);
        ip += MINMATCH + matchCode;
        if (op + 1 + LASTLITERALS + (matchCode >>> 8) > MAX_OUT) return -EINVAL;
        if (matchCode >= ML_MASK) {
          dst[token] += ML_MASK;
          matchCode -= ML_MASK;
          for (; matchCode >= 255; matchCode -= 255) dst[op++] = 255;
          dst[op++] = matchCode;
        } else {
          dst[token] += matchCode;
        }
        anchor = ip;

        if (ip > mflimit) break main;

        table[hashAt(src, ip - 2)] = ip - 2;
        const h = hashAt(src, ip);
        match = table[h];
        table[h] = ip;
        if (read32(src, match) !== read32(src, ip)) break;
        token = op++;
        dst[token] = 0;
      }

      forwardH = hashAt(src, ++ip);
    }

    const lastRun = iend - anchor;
    if (op + lastRun + 1 + (((lastRun + 255 - RUN_MASK) / 255) | 0) > MAX_OUT) return -EINVAL;
    if (lastRun >= RUN_MASK) {
      dst[op++] = RUN_MASK << 4;
      let len = lastRun - RUN_MASK;
      for (; len >= 255; len -= 255) dst[op++] = 255;
      dst[op++] = len;
    } else {
      dst[op++] = lastRun << 4;
    }
    copy(dst, op, src, anchor, iend);
    return op + lastRun;
  }
}
