/**
 * The kernel library code zswap runs per page, compiled to WebAssembly: the compressors lz4,
 * lz4hc, lzo and lzo-rle, xxh64 and the zero-filled check. One instance per thread; the host
 * copies a page to pageIn() and calls one export; streams come back at streamOut().
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

/** is_folio_zero_filled() (mm/page_io.c) of the page at pageIn() */
export function zeroFilled(): bool {
  if (load<u64>(PAGE_IN + <usize>PAGE_SIZE - 8) != 0) return false;
  for (let p = PAGE_IN; p < PAGE_IN + <usize>PAGE_SIZE; p += 8) if (load<u64>(p) != 0) return false;
  return true;
}
