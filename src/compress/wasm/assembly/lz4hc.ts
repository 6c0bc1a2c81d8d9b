/**
 * lz4hc as zswap gets it from crypto/lz4hc.c (6.12): LZ4_compress_HC(src, dst, 4096, 4096, 9, wrkmem),
 * the hash-chain parser of lib/lz4/lz4hc_compress.c (the pre-1.8 "three ascending matches"
 * lookahead) with 2^(9-1) = 256 chain steps per search and limited output. Constants from
 * lib/lz4/lz4defs.h and include/linux/lz4.h. Returns the stream length, or 0 when it does not fit.
 *
 * Table indices are kept as the kernel keeps them, offset by 64 KiB (base = src - 64 KiB), so that
 * an empty hash slot (0) lies below the search floor and its chain delta saturates at 65535.
 */
import { copyOut, countEqual, in32, in8, MAX_OUT, out16, PAGE_SIZE } from './layout';
import { hash4, LASTLITERALS, MFLIMIT, MINMATCH, ML_MASK, writeLastLiterals, writeLiteralLength, writeMatchLength } from './lz4-format';

const OPTIMAL_ML: i32 = ML_MASK - 1 + MINMATCH;
const HASH_BITS: i32 = 15;
const MAX_DISTANCE: u32 = 65535;
const INDEX_BASE: i32 = 64 * 1024;
const MAX_ATTEMPTS: i32 = 1 << (9 - 1);
const MF_LIMIT: i32 = PAGE_SIZE - MFLIMIT;
const MATCH_LIMIT: i32 = PAGE_SIZE - LASTLITERALS;

const HASH_TABLE: usize = memory.data(4 << HASH_BITS, 16);
/** chain deltas by position: the kernel indexes them by the low 16 bits of idx, which is the position */
const CHAIN_TABLE: usize = memory.data(2 * PAGE_SIZE, 16);

let nextToUpdate: i32 = INDEX_BASE;
/** results of the last search: match position and (for wider searches) match start */
let matchPos: i32 = 0;
let startPos: i32 = 0;
/** encoder cursor: input position, literal anchor, output position */
let gIp: i32 = 0;
let gAnchor: i32 = 0;
let gOp: i32 = 0;

@inline function headOf(p: i32): usize {
  return <usize>hash4(p, HASH_BITS) << 2;
}
@inline function head(h: usize): i32 {
  return load<i32>(h, HASH_TABLE);
}
@inline function chainDelta(pos: i32): i32 {
  return load<u16>(<usize>pos << 1, CHAIN_TABLE);
}

export function lz4hcCompress(): i32 {
  memory.fill(HASH_TABLE, 0, 4 << HASH_BITS);
  memory.fill(CHAIN_TABLE, 0xff, 2 * PAGE_SIZE);
  nextToUpdate = INDEX_BASE;
  gAnchor = 0;
  gOp = 0;
  return parse();
}

function parse(): i32 {
  let ml: i32, ml0: i32, ml2: i32 = 0, ml3: i32;
  let ref: i32 = 0, ref0: i32, ref2: i32 = 0, ref3: i32 = 0;
  let start0: i32, start2: i32 = 0, start3: i32 = 0;

  gIp = 1;
  while (gIp < MF_LIMIT) {
    let ip = gIp;
    ml = findBestMatch(ip);
    if (ml == 0) {
      gIp = ip + 1;
      continue;
    }
    ref = matchPos;
    start0 = ip;
    ref0 = ref;
    ml0 = ml;

    // Match 1 is (ip, ml, ref); the loop looks for an overlapping longer match 2 near its end
    // (search3 false) and then a match 3 near the end of match 2 (search3 true).
    let search3 = false;
    for (;;) {
      if (!search3) {
        if (ip + ml < MF_LIMIT) {
          ml2 = widerMatch(ip + ml - 2, ip, ml);
          if (ml2 != ml) {
            ref2 = matchPos;
            start2 = startPos;
          }
        } else {
          ml2 = ml;
        }
        if (ml2 == ml) {
          gIp = ip;
          if (encodeSequence(ml, ref)) return 0;
          break;
        }
        if (start0 < ip && start2 < ip + ml0) {
          ip = start0;
          ref = ref0;
          ml = ml0;
        }
        if (start2 - ip < 3) {
          // match 2 starts too close to match 1 to keep both: it replaces match 1
          ml = ml2;
          ip = start2;
          ref = ref2;
          continue;
        }
      }

      search3 = true;
      // trim match 2 so that match 1 keeps up to OPTIMAL_ML bytes (a length fitting the token)
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
        ml3 = widerMatch(start2 + ml2 - 3, start2, ml2);
        if (ml3 != ml2) {
          ref3 = matchPos;
          start3 = startPos;
        }
      } else {
        ml3 = ml2;
      }

      if (ml3 == ml2) {
        if (start2 < ip + ml) ml = start2 - ip;
        gIp = ip;
        if (encodeSequence(ml, ref)) return 0;
        gIp = start2;
        if (encodeSequence(ml2, ref2)) return 0;
        break;
      }

      if (start3 < ip + ml + 3) {
        if (start3 >= ip + ml) {
          // the first match ends before the third starts: emit it, the third becomes the first
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
          gIp = ip;
          if (encodeSequence(ml, ref)) return 0;
          ip = start3;
          ref = ref3;
          ml = ml3;
          start0 = start2;
          ref0 = ref2;
          ml0 = ml2;
          search3 = false;
          continue;
        }
        // match 3 overlaps match 1 too much: it replaces match 2
        start2 = start3;
        ref2 = ref3;
        ml2 = ml3;
        continue;
      }

      // three ascending matches: emit match 1 (cut where match 2 starts), shift 2 and 3 down
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
      gIp = ip;
      if (encodeSequence(ml, ref)) return 0;
      ip = start2;
      ref = ref2;
      ml = ml2;
      start2 = start3;
      ref2 = ref3;
      ml2 = ml3;
    }
  }

  return writeLastLiterals(gOp, gAnchor);
}

/** chains every position from nextToUpdate up to ip (excluded) */
function insert(ip: i32): void {
  const target = ip + INDEX_BASE;
  for (let idx = nextToUpdate; idx < target; idx++) {
    const h = headOf(idx - INDEX_BASE);
    let delta = <u32>(idx - head(h));
    if (delta > MAX_DISTANCE) delta = MAX_DISTANCE;
    store<u16>(<usize>(idx - INDEX_BASE) << 1, delta, CHAIN_TABLE);
    store<i32>(h, idx, HASH_TABLE);
  }
  nextToUpdate = target;
}

/** longest match for ip (0 if none); its position goes to matchPos */
function findBestMatch(ip: i32): i32 {
  insert(ip);
  const seq = in32(ip);
  let matchIndex = head(headOf(ip));
  let attempts = MAX_ATTEMPTS;
  let ml = 0;
  while (matchIndex >= INDEX_BASE && attempts != 0) {
    attempts--;
    const match = matchIndex - INDEX_BASE;
    if (in8(match + ml) == in8(ip + ml) && in32(match) == seq) {
      const mlt = countEqual(ip + MINMATCH, match + MINMATCH, MATCH_LIMIT) + MINMATCH;
      if (mlt > ml) {
        ml = mlt;
        matchPos = match;
      }
    }
    matchIndex -= chainDelta(match);
  }
  return ml;
}

/**
 * Looks for a match at ip, extended backwards no further than lowLimit, longer than `longest`.
 * Returns the new length (or `longest` unchanged); start and match position go to startPos/matchPos.
 */
function widerMatch(ip: i32, lowLimit: i32, longest: i32): i32 {
  insert(ip);
  const seq = in32(ip);
  const delta = ip - lowLimit;
  let matchIndex = head(headOf(ip));
  let attempts = MAX_ATTEMPTS;
  while (matchIndex >= INDEX_BASE && attempts != 0) {
    attempts--;
    const match = matchIndex - INDEX_BASE;
    if (in8(lowLimit + longest) == in8(match - delta + longest) && in32(match) == seq) {
      let mlt = MINMATCH + countEqual(ip + MINMATCH, match + MINMATCH, MATCH_LIMIT);
      let back = 0;
      while (ip + back > lowLimit && match + back > 0 && in8(ip + back - 1) == in8(match + back - 1)) back--;
      mlt -= back;
      if (mlt > longest) {
        longest = mlt;
        matchPos = match + back;
        startPos = ip + back;
      }
    }
    matchIndex -= chainDelta(match);
  }
  return longest;
}

/** emits literals from anchor to gIp and a match of matchLength at ref; true when out of space */
function encodeSequence(matchLength: i32, ref: i32): bool {
  const ip = gIp;
  let op = gOp;
  let length = ip - gAnchor;
  const token = op++;
  if (op + (length >>> 8) + length + 2 + 1 + LASTLITERALS > MAX_OUT) return true;
  op = writeLiteralLength(token, op, length);
  copyOut(op, gAnchor, length);
  op += length;

  out16(op, ip - ref);
  op += 2;

  length = matchLength - MINMATCH;
  if (op + (length >>> 8) + 1 + LASTLITERALS > MAX_OUT) return true;
  op = writeMatchLength(token, op, length);

  gOp = op;
  gIp = ip + matchLength;
  gAnchor = gIp;
  return false;
}
