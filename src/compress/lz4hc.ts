/**
 * lz4hc as zswap gets it from crypto/lz4hc.c (6.12): LZ4_compress_HC(src, dst, 4096, 4096, 9, wrkmem),
 * i.e. the hash-chain parser of lib/lz4/lz4hc_compress.c (the pre-1.8 "three ascending matches"
 * lookahead) with 2^(9-1) = 256 chain steps per search and limited output, since 4096 is below
 * LZ4_compressBound(4096). Constants from lib/lz4/lz4defs.h and include/linux/lz4.h. The kernel
 * returns 0 when the stream would not fit; crypto/lz4hc.c turns that into -EINVAL.
 *
 * Table indices are kept as the kernel keeps them, offset by 64 KiB (base = src - 64 KiB), so that
 * an empty hash slot (0) lies below the search floor and its chain delta saturates at 65535.
 *
 * Written from the kernel's rules, not copied; the streams are byte-identical to the kernel's.
 */
import type { PageCompressor } from './compressor.js';
import { EINVAL, PAGE_SIZE } from '../model/kernel.js';
import { copy, count, hash4, LASTLITERALS, MAX_OUT, MFLIMIT, MINMATCH, ML_MASK, read32, writeLastLiterals, writeLiteralLength, writeMatchLength } from './lz4-format.js';

const OPTIMAL_ML = ML_MASK - 1 + MINMATCH;
const HASH_BITS = 15;
const MAX_DISTANCE = 65535;
const INDEX_BASE = 64 * 1024;
const MAX_ATTEMPTS = 1 << (9 - 1);

const EMPTY: Uint8Array = new Uint8Array(0);
const IEND = PAGE_SIZE;
const MF_LIMIT = IEND - MFLIMIT;
const MATCH_LIMIT = IEND - LASTLITERALS;

function hashAt(b: Uint8Array, p: number): number {
  return hash4(b, p, HASH_BITS);
}

export class Lz4hcCompressor implements PageCompressor {
  readonly name = 'lz4hc' as const;
  private readonly hashTable = new Int32Array(1 << HASH_BITS);
  /** Chain deltas by position: the kernel indexes them by the low 16 bits of idx, which is the position. */
  private readonly chainTable = new Uint16Array(PAGE_SIZE);
  private nextToUpdate = INDEX_BASE;
  private src = EMPTY;
  private dst = EMPTY;
  /** Results of the last search: match position and (for wider searches) match start. */
  private matchPos = 0;
  private startPos = 0;
  /** Encoder cursor: input position, literal anchor, output position. */
  private ip = 0;
  private anchor = 0;
  private op = 0;

  compress(page: Uint8Array, dst: Uint8Array): number {
    this.hashTable.fill(0);
    this.chainTable.fill(0xffff);
    this.nextToUpdate = INDEX_BASE;
    this.src = page;
    this.dst = dst;
    this.anchor = 0;
    this.op = 0;
    const len = this.parse();
    this.src = this.dst = EMPTY;
    return len;
  }

  private parse(): number {
    let ml: number, ml0: number, ml2 = 0, ml3: number;
    let ref = 0, ref0: number, ref2 = 0, ref3 = 0;
    let start0: number, start2 = 0, start3 = 0;

    this.ip = 1;
    main: while (this.ip < MF_LIMIT) {
      let ip = this.ip;
      ml = this.findBestMatch(ip);
      if (ml === 0) {
        this.ip = ip + 1;
        continue;
      }
      ref = this.matchPos;
      start0 = ip;
      ref0 = ref;
      ml0 = ml;

      // Match 1 is (ip, ml, ref); the loop looks for an overlapping longer match 2 near its end
      // (search3 false) and then a match 3 near the end of match 2 (search3 true).
      let search3 = false;
      for (;;) {
        if (!search3) {
          if (ip + ml < MF_LIMIT) {
            ml2 = this.widerMatch(ip + ml - 2, ip, ml);
            if (ml2 !== ml) {
              ref2 = this.matchPos;
              start2 = this.startPos;
            }
          } else {
            ml2 = ml;
          }
          if (ml2 === ml) {
            this.ip = ip;
            if (this.encodeSequence(ml, ref)) return -EINVAL;
            continue main;
          }
          if (start0 < ip && start2 < ip + ml0) {
            ip = start0;
            ref = ref0;
            ml = ml0;
          }
          if (start2 - ip < 3) {
            // Match 2 starts too close to match 1 to keep both: it replaces match 1.
            ml = ml2;
            ip = start2;
            ref = ref2;
            continue;
          }
        }

        search3 = true;
        // Trim match 2 so that match 1 keeps up to OPTIMAL_ML bytes (a length fitting the token).
        if (start2 - ip < OPTIMAL_ML) {
          let newMl = ml;
          if (newMl > OPTIMAL_ML) newMl = OPTIMAL_ML;
          if (ip + newMl > start2 + ml2 - MINMATCH) newMl = start2 - ip + ml2 - MINMATCH;
          const correction = newMl - (start2 - ip);
          if (correction > 0) {
            start2 += correction;
            ref2 += correction;
            ml2 -= correction;
          }
        }

        if (start2 + ml2 < MF_LIMIT) {
          ml3 = this.widerMatch(start2 + ml2 - 3, start2, ml2);
          if (ml3 !== ml2) {
            ref3 = this.matchPos;
            start3 = this.startPos;
          }
        } else {
          ml3 = ml2;
        }

        if (ml3 === ml2) {
          if (start2 < ip + ml) ml = start2 - ip;
          this.ip = ip;
          if (this.encodeSequence(ml, ref)) return -EINVAL;
          this.ip = start2;
          if (this.encodeSequence(ml2, ref2)) return -EINVAL;
          continue main;
        }

        if (start3 < ip + ml + 3) {
          if (start3 >= ip + ml) {
            // The first match ends before the third starts: emit it, the third becomes the first.
            if (start2 < ip + ml) {
              const correction = ip + ml - start2;
              start2 += correction;
              ref2 += correction;
              ml2 -= correction;
              if (ml2 < MINMATCH) {
                start2 = start3;
                ref2 = ref3;
                ml2 = ml3;
              }
            }
            this.ip = ip;
            if (this.encodeSequence(ml, ref)) return -EINVAL;
            ip = start3;
            ref = ref3;
            ml = ml3;
            start0 = start2;
            ref0 = ref2;
            ml0 = ml2;
            search3 = false;
            continue;
          }
          // Match 3 overlaps match 1 too much: it replaces match 2.
          start2 = start3;
          ref2 = ref3;
          ml2 = ml3;
          continue;
        }

        // Three ascending matches: emit match 1 (cut where match 2 starts), shift 2 and 3 down.
        if (start2 < ip + ml) {
          if (start2 - ip < ML_MASK) {
            if (ml > OPTIMAL_ML) ml = OPTIMAL_ML;
            if (ip + ml > start2 + ml2 - MINMATCH) ml = start2 - ip + ml2 - MINMATCH;
            const correction = ml - (start2 - ip);
            if (correction > 0) {
              start2 += correction;
              ref2 += correction;
              ml2 -= correction;
            }
          } else {
            ml = start2 - ip;
          }
        }
        this.ip = ip;
        if (this.encodeSequence(ml, ref)) return -EINVAL;
        ip = start2;
        ref = ref2;
        ml = ml2;
        start2 = start3;
        ref2 = ref3;
        ml2 = ml3;
      }
    }

    return this.lastLiterals();
  }

  /** Chains every position from nextToUpdate up to ip (excluded); may also move nextToUpdate back. */
  private insert(ip: number): void {
    const { hashTable, chainTable, src } = this;
    const target = ip + INDEX_BASE;
    for (let idx = this.nextToUpdate; idx < target; idx++) {
      const h = hashAt(src, idx - INDEX_BASE);
      let delta = (idx - hashTable[h]) >>> 0;
      if (delta > MAX_DISTANCE) delta = MAX_DISTANCE;
      chainTable[idx - INDEX_BASE] = delta;
      hashTable[h] = idx;
    }
    this.nextToUpdate = target;
  }

  /** Longest match for ip (0 if none); its position goes to matchPos. */
  private findBestMatch(ip: number): number {
    const { hashTable, chainTable, src } = this;
    this.insert(ip);
    const seq = read32(src, ip);
    let matchIndex = hashTable[hashAt(src, ip)];
    let attempts = MAX_ATTEMPTS;
    let ml = 0;
    while (matchIndex >= INDEX_BASE && attempts !== 0) {
      attempts--;
      const match = matchIndex - INDEX_BASE;
      if (src[match + ml] === src[ip + ml] && read32(src, match) === seq) {
        const mlt = count(src, ip + MINMATCH, match + MINMATCH, MATCH_LIMIT) + MINMATCH;
        if (mlt > ml) {
          ml = mlt;
          this.matchPos = match;
        }
      }
      matchIndex -= chainTable[matchIndex - INDEX_BASE];
    }
    return ml;
  }

  /**
   * Looks for a match at ip, extended backwards no further than lowLimit, longer than `longest`.
   * Returns the new length (or `longest` unchanged); start and match position go to startPos/matchPos.
   */
  private widerMatch(ip: number, lowLimit: number, longest: number): number {
    const { hashTable, chainTable, src } = this;
    this.insert(ip);
    const seq = read32(src, ip);
    const delta = ip - lowLimit;
    let matchIndex = hashTable[hashAt(src, ip)];
    let attempts = MAX_ATTEMPTS;
    while (matchIndex >= INDEX_BASE && attempts !== 0) {
      attempts--;
      const match = matchIndex - INDEX_BASE;
      if (src[lowLimit + longest] === src[match - delta + longest] && read32(src, match) === seq) {
        let mlt = MINMATCH + count(src, ip + MINMATCH, match + MINMATCH, MATCH_LIMIT);
        let back = 0;
        while (ip + back > lowLimit && match + back > 0 && src[ip + back - 1] === src[match + back - 1]) back--;
        mlt -= back;
        if (mlt > longest) {
          longest = mlt;
          this.matchPos = match + back;
          this.startPos = ip + back;
        }
      }
      matchIndex -= chainTable[matchIndex - INDEX_BASE];
    }
    return longest;
  }

  /** Emits literals from anchor to ip and a match of matchLength at ref; true when out of space. */
  private encodeSequence(matchLength: number, ref: number): boolean {
    const { src, dst } = this;
    const ip = this.ip;
    let op = this.op;
    let length = ip - this.anchor;
    const token = op++;
    if (op + (length >>> 8) + length + 2 + 1 + LASTLITERALS > MAX_OUT) return true;
    op = writeLiteralLength(dst, token, op, length);
    copy(dst, op, src, this.anchor, ip);
    op += length;

    const offset = ip - ref;
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;

    length = matchLength - MINMATCH;
    if (op + (length >>> 8) + 1 + LASTLITERALS > MAX_OUT) return true;
    op = writeMatchLength(dst, token, op, length);

    this.op = op;
    this.ip = ip + matchLength;
    this.anchor = this.ip;
    return false;
  }

  private lastLiterals(): number {
    return writeLastLiterals(this.dst, this.op, this.src, this.anchor);
  }

}
