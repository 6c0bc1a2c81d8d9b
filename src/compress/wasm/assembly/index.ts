/**
 * The kernel library code zswap runs per page, compiled to WebAssembly: the compressors lz4,
 * lz4hc, lzo and lzo-rle, xxh64 and the zero-filled check. One instance per thread; the host
 * copies a page to pageIn() and calls one export; streams come back at streamOut().
 * The replay instead places its whole batch of pages in the module's memory (above dataEnd(), the
 * host grows the memory for it) and makes one call per batch: scanPages() for the zero check and
 * hashes, compressPages() per compressor for the pages seen for the first time.
 * Built by `npm run build:wasm` into ../kernel-lib.wasm, which is committed.
 */
import { HASH_OUT, PAGE_IN, PAGE_SIZE, STREAM_OUT } from './layout';
import { lz4Compress } from './lz4';
import { lz4hcCompress } from './lz4hc';
import { lzoCompress } from './lzo';
import { xxh64 } from './xxh64';

export function pageIn(): usize {
  return PAGE_IN;
}
export function streamOut(): usize {
  return STREAM_OUT;
}
export function hashOut(): usize {
  return HASH_OUT;
}

/** stream length, 0 when it does not fit in PAGE_SIZE */
export function lz4(): i32 {
  return lz4Compress();
}
export function lz4hc(): i32 {
  return lz4hcCompress();
}
/** LZO1X-1 (version 0) or lzo-rle (version 1) of srcLen bytes with room for dstCap; 0 on overrun */
export function lzo(version: i32, srcLen: i32, dstCap: i32): i32 {
  if (srcLen < 0 || srcLen > PAGE_SIZE || dstCap < 0 || dstCap > 2 * PAGE_SIZE) return 0;
  return lzoCompress(version, srcLen, dstCap);
}

/** xxh64 of the first len bytes at pageIn() into hashOut() (low word, high word) */
export function hash64(len: i32, seedLo: u32, seedHi: u32): void {
  if (len < 0 || len > PAGE_SIZE) unreachable();
  store<u64>(HASH_OUT, xxh64(PAGE_IN, len, (<u64>seedHi << 32) | seedLo));
}

/** first byte after the module's static data: the host's own regions start above it */
export function dataEnd(): usize {
  return __heap_base;
}

const EINVAL: i32 = 22;
/** compressPages' compressor codes (the host's WasmPageCompressor.wasmAlg) */
const ALG_LZ4: i32 = 0;
const ALG_LZ4HC: i32 = 1;
const ALG_LZO: i32 = 2;
const ALG_LZO_RLE: i32 = 3;

/**
 * Compresses n pages of a batch: page j is number load<i32>(slots + 4j) of the pages at `pages`,
 * its length (or -EINVAL when it does not fit, as the crypto wrappers turn 0 into) goes to the
 * i16 at lengths + 2 * j * stride. Each page is copied to PAGE_IN, where the compressors work.
 */
export function compressPages(alg: i32, pages: usize, slots: usize, n: i32, lengths: usize, stride: i32): void {
  if (alg < ALG_LZ4 || alg > ALG_LZO_RLE) unreachable();
  for (let j = 0; j < n; j++) {
    const slot = <usize>load<i32>(slots + (<usize>j << 2));
    memory.copy(PAGE_IN, pages + (slot << 12), <usize>PAGE_SIZE);
    let len: i32;
    if (alg == ALG_LZ4) len = lz4Compress();
    else if (alg == ALG_LZ4HC) len = lz4hcCompress();
    else len = lzoCompress(alg - ALG_LZO, PAGE_SIZE, PAGE_SIZE);
    store<i16>(lengths + ((<usize>j * <usize>stride) << 1), len > 0 ? len : -EINVAL);
  }
}

/**
 * The replay's first look at n pages at `pages`: flags[i] = 1 for a zero-filled page, else 0 and
 * the page's xxh64 (seed 0) at hashes + 16i as u64, followed (when fingerprint) by its xxh64 with
 * the fingerprint's second seed: the 128-bit fingerprint of src/hash/page-hash.ts.
 */
export function scanPages(pages: usize, n: i32, flags: usize, hashes: usize, fingerprint: bool, seedLo: u32, seedHi: u32): void {
  const seed = (<u64>seedHi << 32) | seedLo;
  for (let i = 0; i < n; i++) store<u8>(flags + <usize>i, scanAt(pages + (<usize>i << 12), hashes + (<usize>i << 4), fingerprint, seed));
}

/**
 * scanPages() of the page at pageIn() (a worker thread's copy of a page of another module's
 * batch): returns the zero flag, the hashes go to hashOut() (16 bytes)
 */
export function scanPage(fingerprint: bool, seedLo: u32, seedHi: u32): bool {
  return scanAt(PAGE_IN, HASH_OUT, fingerprint, (<u64>seedHi << 32) | seedLo);
}

/** zero check of the page at p; when not zero-filled, its xxh64 and (fingerprint) its second hash at h */
@inline function scanAt(p: usize, h: usize, fingerprint: bool, seed: u64): bool {
  if (zeroFilledAt(p)) return true;
  store<u64>(h, xxh64(p, PAGE_SIZE, 0));
  if (fingerprint) store<u64>(h, xxh64(p, PAGE_SIZE, seed), 8);
  return false;
}

/** is_folio_zero_filled() (mm/page_io.c) of the page at p: the last word first, as the kernel */
@inline function zeroFilledAt(p: usize): bool {
  if (load<u64>(p + <usize>PAGE_SIZE - 8) != 0) return false;
  for (let q = p; q < p + <usize>PAGE_SIZE; q += 8) if (load<u64>(q) != 0) return false;
  return true;
}

/** is_folio_zero_filled() (mm/page_io.c) of the page at pageIn() */
export function zeroFilled(): bool {
  return zeroFilledAt(PAGE_IN);
}
