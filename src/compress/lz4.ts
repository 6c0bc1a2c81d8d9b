/**
 * lz4 as zswap gets it from crypto/lz4.c (6.12): LZ4_compress_default(src, dst, 4096, 4096, wrkmem),
 * i.e. the fast greedy parser of lib/lz4/lz4_compress.c with acceleration 1, a 2^13-entry table of
 * 16-bit positions (byU16, the input is below 64 KiB) and limited output, since 4096 is below
 * LZ4_COMPRESSBOUND(4096). Constants from lib/lz4/lz4defs.h and include/linux/lz4.h. The kernel
 * returns 0 when the stream would not fit; crypto/lz4.c turns that into -EINVAL.
 *
 * Written from the kernel's rules, not copied; the streams are byte-identical to the kernel's.
 */
import type { PageCompressor } from './compressor.js';
import { EINVAL, PAGE_SIZE } from '../model/kernel.js';
import { copy, count, hash4, LASTLITERALS, MAX_OUT, MFLIMIT, MINMATCH, read32, writeLastLiterals, writeLiteralLength, writeMatchLength } from './lz4-format.js';

const SKIPTRIGGER = 6;
const HASH_BITS = 13;

function hashAt(b: Uint8Array, p: number): number {
  return hash4(b, p, HASH_BITS);
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
      op = writeLiteralLength(dst, token, op, litLength);
      copy(dst, op, src, anchor, ip);
      op += litLength;

      // A match directly following the previous one re-enters here with an empty literal run.
      for (;;) {
        const offset = ip - match;
        dst[op++] = offset & 0xff;
        dst[op++] = offset >>> 8;

        const matchCode = count(src, ip + MINMATCH, match + MINMATCH, matchlimit);
        ip += MINMATCH + matchCode;
        if (op + 1 + LASTLITERALS + (matchCode >>> 8) > MAX_OUT) return -EINVAL;
        op = writeMatchLength(dst, token, op, matchCode);
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

    return writeLastLiterals(dst, op, src, anchor);
  }
}
