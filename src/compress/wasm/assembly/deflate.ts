/**
 * The length of the stream the 6.12 kernel's deflate (lib/zlib_deflate, zlib 1.1.3 modified for
 * the kernel) gives zswap for one page, computed without writing the stream: crypto/deflate.c
 * runs it raw, level 6, windowBits 11 (a 2 KiB window), memLevel 8, default strategy, one
 * zlib_deflate(Z_FINISH) per page into 4096 bytes.
 *
 * Why a length suffices, for a 4 KiB page with these parameters:
 * - One block. A block ends early only when its symbol buffer (lit_bufsize = 1 << (memLevel + 6)
 *   = 16384 symbols) fills or zlib_tr_tally's every-4096-symbols heuristic fires; a page gives at
 *   most 4096 symbols, and at 4096 (all literals) the heuristic's estimate is 4096 bytes, never
 *   below half the input. So the page is one final block.
 * - Never a stored block: the whole page is read into the 4 KiB window at once, and once the
 *   lookahead drops below MIN_LOOKAHEAD the window slides by 2 KiB (fill_window, deflate.c), which
 *   makes block_start negative: zlib_tr_flush_block gets no buffer to store. What is left is the
 *   smaller of a static-trees and a dynamic-trees block, compared in whole bytes with 3 header
 *   bits, ties going to the static one; the final block is padded to a byte (bi_windup). That
 *   byte count is the stream's length.
 * - Z_FINISH ends with Z_STREAM_END only if flush_pending left room in the 4096-byte output: a
 *   stream of 4096 bytes or more returns Z_OK, which crypto/deflate.c turns into -EINVAL.
 *
 * The window is not slid here: positions stay page offsets. Sliding turns every position at or
 * below 2 KiB into NIL; every such position is already out of reach then (more than MAX_DIST
 * behind strstart, or at or below longest_match's limit), so the matches found are the same.
 *
 * Written from the DEFLATE format (RFC 1951) and the kernel's documented rules above; the
 * structure of the match finder (deflate_slow, longest_match) and the Huffman tree building
 * (build_tree, gen_bitlen with its overflow fix-up, scan_tree, build_bl_tree in deftree.c) follow
 * the kernel's, because their tie-breaks decide the length.
 */

const PAGE_SIZE: i32 = 4096;
const MIN_MATCH: i32 = 3;
const MAX_MATCH: i32 = 258;
/** 1 << windowBits */
const W_SIZE: i32 = 2048;
const W_MASK: i32 = W_SIZE - 1;
/** MAX_MATCH + MIN_MATCH + 1 */
const MIN_LOOKAHEAD: i32 = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST: i32 = W_SIZE - MIN_LOOKAHEAD;
/** hash_bits = memLevel + 7 */
const HASH_BITS: i32 = 15;
const HASH_SIZE: i32 = 1 << HASH_BITS;
const HASH_MASK: i32 = HASH_SIZE - 1;
/** (hash_bits + MIN_MATCH - 1) / MIN_MATCH */
const HASH_SHIFT: i32 = 5;
/** level 6 of configuration_table: good 8, lazy 16, nice 128, chain 128 */
const GOOD_MATCH: i32 = 8;
const MAX_LAZY: i32 = 16;
const NICE_MATCH: i32 = 128;
const MAX_CHAIN: i32 = 128;
const TOO_FAR: i32 = 4096;

const LITERALS: i32 = 256;
const END_BLOCK: i32 = 256;
const L_CODES: i32 = 286;
const D_CODES: i32 = 30;
const BL_CODES: i32 = 19;
const HEAP_SIZE: i32 = 2 * L_CODES + 1;
const MAX_BITS: i32 = 15;
const MAX_BL_BITS: i32 = 7;
const REP_3_6: i32 = 16;
const REPZ_3_10: i32 = 17;
const REPZ_11_138: i32 = 18;

/** the page, and room behind it for longest_match's reads past the lookahead (never used) */
const WINDOW: usize = memory.data(PAGE_SIZE + 512, 16);
/** head[] and prev[] of 16-bit positions */
const HEAD: usize = memory.data(HASH_SIZE * 2, 16);
const PREV: usize = memory.data(W_SIZE * 2, 16);

/** per tree node (leaves, then internal nodes): frequency, code length, parent; as i32 */
const L_FREQ: usize = memory.data(HEAP_SIZE * 4, 16);
const L_LEN: usize = memory.data(HEAP_SIZE * 4, 16);
const L_DAD: usize = memory.data(HEAP_SIZE * 4, 16);
const D_FREQ: usize = memory.data((2 * D_CODES + 1) * 4, 16);
const D_LEN: usize = memory.data((2 * D_CODES + 1) * 4, 16);
const D_DAD: usize = memory.data((2 * D_CODES + 1) * 4, 16);
const BL_FREQ: usize = memory.data((2 * BL_CODES + 1) * 4, 16);
const BL_LEN: usize = memory.data((2 * BL_CODES + 1) * 4, 16);
const BL_DAD: usize = memory.data((2 * BL_CODES + 1) * 4, 16);
const HEAP: usize = memory.data(HEAP_SIZE * 4, 16);
const DEPTH: usize = memory.data(HEAP_SIZE * 4, 16);
const BL_COUNT: usize = memory.data((MAX_BITS + 1) * 4, 16);

/** code lengths of the static trees (RFC 1951 3.2.6) */
const STATIC_L_LEN: usize = memory.data(288 * 4, 16);
const STATIC_D_LEN: usize = memory.data(D_CODES * 4, 16);
/** extra bits per length code (from 257), distance code, bit length code */
const EXTRA_L: usize = memory.data(29 * 4, 16);
const EXTRA_D: usize = memory.data(D_CODES * 4, 16);
const EXTRA_BL: usize = memory.data(BL_CODES * 4, 16);
/** length code (0..28) of match length - MIN_MATCH, distance code of distance - 1 */
const LENGTH_CODE: usize = memory.data(256, 16);
const DIST_CODE: usize = memory.data(W_SIZE, 16);
/** the order in which the bit length code lengths are sent (RFC 1951 3.2.7) */
const BL_ORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

@inline function w8(p: i32): i32 {
  return <i32>load<u8>(WINDOW + <usize>p);
}
@inline function get(a: usize, i: i32): i32 {
  return load<i32>(a + (<usize>i << 2));
}
@inline function set(a: usize, i: i32, v: i32): void {
  store<i32>(a + (<usize>i << 2), v);
}
@inline function headAt(h: i32): i32 {
  return <i32>load<u16>(HEAD + (<usize>h << 1));
}
@inline function prevAt(p: i32): i32 {
  return <i32>load<u16>(PREV + (<usize>(p & W_MASK) << 1));
}

function initTables(): void {
  for (let n = 0; n < 288; n++) set(STATIC_L_LEN, n, n < 144 ? 8 : n < 256 ? 9 : n < 280 ? 7 : 8);
  for (let n = 0; n < D_CODES; n++) set(STATIC_D_LEN, n, 5);
  // length codes 257..284 come in groups of four with 0..5 extra bits (the first eight with 0);
  // 285 is length 258 with none
  for (let c = 0; c < 28; c++) set(EXTRA_L, c, c < 8 ? 0 : (c >> 2) - 1);
  set(EXTRA_L, 28, 0);
  // distance codes 0..3 have no extra bits, then pairs with 1..13
  for (let c = 0; c < D_CODES; c++) set(EXTRA_D, c, c < 4 ? 0 : (c >> 1) - 1);
  for (let c = 0; c < BL_CODES; c++) set(EXTRA_BL, c, c == REP_3_6 ? 2 : c == REPZ_3_10 ? 3 : c == REPZ_11_138 ? 7 : 0);
  let lc = 0;
  for (let c = 0; c < 28; c++) {
    for (let k = 0; k < 1 << get(EXTRA_L, c); k++) store<u8>(LENGTH_CODE + <usize>(lc++), c);
  }
  // lc 255 (length 258) fits code 284 with 5 extra bits too; the kernel takes 285
  store<u8>(LENGTH_CODE + 255, 28);
  let d = 0;
  for (let c = 0; c < D_CODES && d < W_SIZE; c++) {
    for (let k = 0; k < 1 << get(EXTRA_D, c) && d < W_SIZE; k++) store<u8>(DIST_CODE + <usize>(d++), c);
  }
}
initTables();

// The match finder's state (deflate_state's fields of the same names).
let strstart: i32 = 0;
let lookahead: i32 = 0;
let matchStart: i32 = 0;
let prevLength: i32 = 0;

// The block's bit counts (opt_len, static_len) and the tree builder's heap state.
let optLen: i32 = 0;
let staticLen: i32 = 0;
let heapLen: i32 = 0;
let heapMax: i32 = 0;
/** how often gen_bitlen's length limit has had to rearrange a code (for the tests' coverage) */
let limitFixups: i32 = 0;

/** longest_match(): the longest match at strstart along the hash chain from curMatch; sets matchStart */
function longestMatch(curMatch: i32): i32 {
  let chainLength = MAX_CHAIN;
  let bestLen = prevLength;
  let niceMatch = NICE_MATCH;
  const limit = strstart > MAX_DIST ? strstart - MAX_DIST : 0;
  const scan = WINDOW + <usize>strstart;
  let scanEnd1 = <i32>load<u8>(scan + <usize>(bestLen - 1));
  let scanEnd = <i32>load<u8>(scan + <usize>bestLen);
  const scan0 = <i32>load<u16>(scan);
  if (prevLength >= GOOD_MATCH) chainLength >>= 2;
  // never look past the input's end
  if (niceMatch > lookahead) niceMatch = lookahead;
  do {
    const match = WINDOW + <usize>curMatch;
    if (<i32>load<u8>(match + <usize>bestLen) != scanEnd || <i32>load<u8>(match + <usize>(bestLen - 1)) != scanEnd1 || <i32>load<u16>(match) != scan0) continue;
    // bytes 0 and 1 are equal, byte 2 too since the hash covers it: count on from byte 3, eight
    // at a time, up to MAX_MATCH
    let len = 3;
    while (len < MAX_MATCH) {
      const x = load<u64>(scan + <usize>len) ^ load<u64>(match + <usize>len);
      if (x != 0) {
        len += <i32>(ctz(x) >> 3);
        break;
      }
      len += 8;
    }
    if (len > MAX_MATCH) len = MAX_MATCH;
    if (len > bestLen) {
      matchStart = curMatch;
      bestLen = len;
      if (len >= niceMatch) break;
      scanEnd1 = <i32>load<u8>(scan + <usize>(bestLen - 1));
      scanEnd = <i32>load<u8>(scan + <usize>bestLen);
    }
  } while ((curMatch = prevAt(curMatch)) > limit && --chainLength != 0);
  return bestLen <= lookahead ? bestLen : lookahead;
}

@inline function tallyLiteral(c: i32): void {
  const a = L_FREQ + (<usize>c << 2);
  store<i32>(a, load<i32>(a) + 1);
}

@inline function tallyMatch(dist: i32, lc: i32): void {
  const l = L_FREQ + (<usize>(<i32>load<u8>(LENGTH_CODE + <usize>lc) + LITERALS + 1) << 2);
  store<i32>(l, load<i32>(l) + 1);
  const d = D_FREQ + (<usize>load<u8>(DIST_CODE + <usize>(dist - 1)) << 2);
  store<i32>(d, load<i32>(d) + 1);
}

/** deflate_slow() over the whole page at level 6: the symbol frequencies of its one block */
function deflateSlow(): void {
  strstart = 0;
  lookahead = PAGE_SIZE;
  prevLength = MIN_MATCH - 1;
  let matchLength = MIN_MATCH - 1;
  let prevMatch = 0;
  let matchAvailable = false;
  let insH = ((w8(0) << HASH_SHIFT) ^ w8(1)) & HASH_MASK;
  // strstart + lookahead stays PAGE_SIZE: strings are inserted up to the last full one
  const maxInsert = PAGE_SIZE - MIN_MATCH;
  while (lookahead != 0) {
    let hashHead = 0;
    if (lookahead >= MIN_MATCH) {
      insH = ((insH << HASH_SHIFT) ^ w8(strstart + 2)) & HASH_MASK;
      hashHead = headAt(insH);
      store<u16>(PREV + (<usize>(strstart & W_MASK) << 1), hashHead);
      store<u16>(HEAD + (<usize>insH << 1), strstart);
    }
    prevLength = matchLength;
    prevMatch = matchStart;
    matchLength = MIN_MATCH - 1;
    if (hashHead != 0 && prevLength < MAX_LAZY && strstart - hashHead <= MAX_DIST) {
      matchLength = longestMatch(hashHead);
      // a 3-byte match further than TOO_FAR is dropped (never with a 2 KiB window)
      if (matchLength == MIN_MATCH && strstart - matchStart > TOO_FAR) matchLength = MIN_MATCH - 1;
    }
    if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
      tallyMatch(strstart - 1 - prevMatch, prevLength - MIN_MATCH);
      // strstart - 1 and strstart are in the hash table already
      lookahead -= prevLength - 1;
      let n = prevLength - 2;
      do {
        if (++strstart <= maxInsert) {
          insH = ((insH << HASH_SHIFT) ^ w8(strstart + 2)) & HASH_MASK;
          store<u16>(PREV + (<usize>(strstart & W_MASK) << 1), headAt(insH));
          store<u16>(HEAD + (<usize>insH << 1), strstart);
        }
      } while (--n != 0);
      matchAvailable = false;
      matchLength = MIN_MATCH - 1;
      strstart++;
    } else if (matchAvailable) {
      tallyLiteral(w8(strstart - 1));
      strstart++;
      lookahead--;
    } else {
      matchAvailable = true;
      strstart++;
      lookahead--;
    }
  }
  if (matchAvailable) tallyLiteral(w8(strstart - 1));
}

/** tree[n] < tree[m]: by frequency, then by depth (deftree.c's smaller()) */
@inline function smaller(freq: usize, n: i32, m: i32): bool {
  const fn = get(freq, n);
  const fm = get(freq, m);
  return fn < fm || (fn == fm && get(DEPTH, n) <= get(DEPTH, m));
}

/** pqdownheap(): restores the heap property from node k down */
function downHeap(freq: usize, k: i32): void {
  const v = get(HEAP, k);
  let j = k << 1;
  while (j <= heapLen) {
    if (j < heapLen && smaller(freq, get(HEAP, j + 1), get(HEAP, j))) j++;
    if (smaller(freq, v, get(HEAP, j))) break;
    set(HEAP, k, get(HEAP, j));
    k = j;
    j <<= 1;
  }
  set(HEAP, k, v);
}

/**
 * gen_bitlen(): code lengths from the tree in HEAP[heapMax..], limited to maxLength the way the
 * kernel does it, adding each leaf's bits to optLen (and its static code's to staticLen).
 */
function genBitlen(freq: usize, len: usize, dad: usize, maxCode: i32, staticTree: usize, extra: usize, extraBase: i32, maxLength: i32): void {
  for (let b = 0; b <= MAX_BITS; b++) set(BL_COUNT, b, 0);
  set(len, get(HEAP, heapMax), 0);
  let overflow = 0;
  let h = heapMax + 1;
  for (; h < HEAP_SIZE; h++) {
    const n = get(HEAP, h);
    let bits = get(len, get(dad, n)) + 1;
    if (bits > maxLength) {
      bits = maxLength;
      overflow++;
    }
    set(len, n, bits);
    if (n > maxCode) continue;
    set(BL_COUNT, bits, get(BL_COUNT, bits) + 1);
    const xbits = n >= extraBase ? get(extra, n - extraBase) : 0;
    const f = get(freq, n);
    optLen += f * (bits + xbits);
    if (staticTree != 0) staticLen += f * (get(staticTree, n) + xbits);
  }
  if (overflow == 0) return;
  limitFixups++;
  // move leaves up from the deepest level until the counts describe a complete code of maxLength
  do {
    let bits = maxLength - 1;
    while (get(BL_COUNT, bits) == 0) bits--;
    set(BL_COUNT, bits, get(BL_COUNT, bits) - 1);
    set(BL_COUNT, bits + 1, get(BL_COUNT, bits + 1) + 2);
    set(BL_COUNT, maxLength, get(BL_COUNT, maxLength) - 1);
    overflow -= 2;
  } while (overflow > 0);
  // hand the lengths out again, longest first, to the leaves in heap order (least frequent first)
  for (let bits = maxLength; bits != 0; bits--) {
    let n = get(BL_COUNT, bits);
    while (n != 0) {
      const m = get(HEAP, --h);
      if (m > maxCode) continue;
      const old = get(len, m);
      if (old != bits) {
        optLen += (bits - old) * get(freq, m);
        set(len, m, bits);
      }
      n--;
    }
  }
}

/** build_tree(): the Huffman code lengths for freq[0..elems); returns max_code */
function buildTree(freq: usize, len: usize, dad: usize, elems: i32, staticTree: usize, extra: usize, extraBase: i32, maxLength: i32): i32 {
  let maxCode = -1;
  heapLen = 0;
  heapMax = HEAP_SIZE;
  for (let n = 0; n < elems; n++) {
    if (get(freq, n) != 0) {
      set(HEAP, ++heapLen, (maxCode = n));
      set(DEPTH, n, 0);
    } else {
      set(len, n, 0);
    }
  }
  // at least two codes: a lone (or missing) one gets a partner of frequency 1 whose bits the
  // lengths below do not count
  while (heapLen < 2) {
    const node = maxCode < 2 ? ++maxCode : 0;
    set(HEAP, ++heapLen, node);
    set(freq, node, 1);
    set(DEPTH, node, 0);
    optLen--;
    if (staticTree != 0) staticLen -= get(staticTree, node);
  }
  for (let n = heapLen >> 1; n >= 1; n--) downHeap(freq, n);
  let node = elems;
  do {
    const n = get(HEAP, 1);
    set(HEAP, 1, get(HEAP, heapLen--));
    downHeap(freq, 1);
    const m = get(HEAP, 1);
    set(HEAP, --heapMax, n);
    set(HEAP, --heapMax, m);
    set(freq, node, get(freq, n) + get(freq, m));
    const dn = get(DEPTH, n);
    const dm = get(DEPTH, m);
    set(DEPTH, node, (dn >= dm ? dn : dm) + 1);
    set(dad, n, node);
    set(dad, m, node);
    set(HEAP, 1, node++);
    downHeap(freq, 1);
  } while (heapLen >= 2);
  set(HEAP, --heapMax, get(HEAP, 1));
  genBitlen(freq, len, dad, maxCode, staticTree, extra, extraBase, maxLength);
  return maxCode;
}

/** scan_tree(): counts the bit length codes that will send tree len[0..maxCode] */
function scanTree(len: usize, maxCode: i32): void {
  let prevlen = -1;
  let nextlen = get(len, 0);
  let count = 0;
  let maxCount = 7;
  let minCount = 4;
  if (nextlen == 0) {
    maxCount = 138;
    minCount = 3;
  }
  for (let n = 0; n <= maxCode; n++) {
    const curlen = nextlen;
    nextlen = n < maxCode ? get(len, n + 1) : -1;
    if (++count < maxCount && curlen == nextlen) continue;
    if (count < minCount) {
      set(BL_FREQ, curlen, get(BL_FREQ, curlen) + count);
    } else if (curlen != 0) {
      if (curlen != prevlen) set(BL_FREQ, curlen, get(BL_FREQ, curlen) + 1);
      set(BL_FREQ, REP_3_6, get(BL_FREQ, REP_3_6) + 1);
    } else if (count <= 10) {
      set(BL_FREQ, REPZ_3_10, get(BL_FREQ, REPZ_3_10) + 1);
    } else {
      set(BL_FREQ, REPZ_11_138, get(BL_FREQ, REPZ_11_138) + 1);
    }
    count = 0;
    prevlen = curlen;
    if (nextlen == 0) {
      maxCount = 138;
      minCount = 3;
    } else if (curlen == nextlen) {
      maxCount = 6;
      minCount = 3;
    } else {
      maxCount = 7;
      minCount = 4;
    }
  }
}

/**
 * The compressed length of the page at pageIn() (bytes of the final block, padded), or 4096 or
 * more when the kernel's deflate would not finish within the page (zswap rejects the page then).
 */
export function deflateLength(): i32 {
  memory.fill(HEAD, 0, <usize>(HASH_SIZE * 2));
  memory.fill(L_FREQ, 0, <usize>(L_CODES * 4));
  memory.fill(D_FREQ, 0, <usize>(D_CODES * 4));
  memory.fill(BL_FREQ, 0, <usize>(BL_CODES * 4));
  set(L_FREQ, END_BLOCK, 1);
  deflateSlow();
  optLen = 0;
  staticLen = 0;
  const lMax = buildTree(L_FREQ, L_LEN, L_DAD, L_CODES, STATIC_L_LEN, EXTRA_L, LITERALS + 1, MAX_BITS);
  const dMax = buildTree(D_FREQ, D_LEN, D_DAD, D_CODES, STATIC_D_LEN, EXTRA_D, 0, MAX_BITS);
  // build_bl_tree(): the code that sends both trees' code lengths, and its own description
  scanTree(L_LEN, lMax);
  scanTree(D_LEN, dMax);
  buildTree(BL_FREQ, BL_LEN, BL_DAD, BL_CODES, 0, EXTRA_BL, 0, MAX_BL_BITS);
  let maxBlIndex = BL_CODES - 1;
  for (; maxBlIndex >= 3; maxBlIndex--) {
    if (get(BL_LEN, <i32>load<u8>(BL_ORDER + <usize>maxBlIndex)) != 0) break;
  }
  optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4;
  // zlib_tr_flush_block(): 3 header bits, whole bytes, the static block on a tie
  const optBytes = (optLen + 3 + 7) >> 3;
  const staticBytes = (staticLen + 3 + 7) >> 3;
  return staticBytes <= optBytes ? staticBytes : optBytes;
}

/** where the host puts the page */
export function pageIn(): usize {
  return WINDOW;
}

/** how many code length limit fix-ups (gen_bitlen's overflow) all calls so far needed */
export function lengthLimitFixups(): i32 {
  return limitFixups;
}
