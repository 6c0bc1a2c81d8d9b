/**
 * The module's fixed memory: one page in, one stream out, and each compressor's working memory
 * (the kernel's wrkmem), all reserved once in static data. The host copies a page to PAGE_IN and
 * reads the stream from STREAM_OUT.
 */
export const PAGE_SIZE: i32 = 4096;
/** the output budget zswap hands the compressor (dlen = PAGE_SIZE) */
export const MAX_OUT: i32 = PAGE_SIZE;

export const PAGE_IN: usize = memory.data(PAGE_SIZE, 16);
/** 2 * PAGE_SIZE like zswap's acomp_ctx->buffer, and slack for copyOut's last word */
export const STREAM_OUT: usize = memory.data(2 * PAGE_SIZE + 8, 16);
/** xxh64 result: low 32 bits, high 32 bits; scanPage() adds the fingerprint seed's xxh64 after it */
export const HASH_OUT: usize = memory.data(16, 8);

@inline export function in8(p: i32): u32 {
  return load<u8>(<usize>p, PAGE_IN);
}
@inline export function in32(p: i32): u32 {
  return load<u32>(<usize>p, PAGE_IN);
}
@inline export function in64(p: i32): u64 {
  return load<u64>(<usize>p, PAGE_IN);
}
@inline export function out8(p: i32, v: u32): void {
  store<u8>(<usize>p, v, STREAM_OUT);
}
@inline export function outByte(p: i32): u32 {
  return load<u8>(<usize>p, STREAM_OUT);
}
@inline export function out16(p: i32, v: u32): void {
  store<u16>(<usize>p, v, STREAM_OUT);
}
/**
 * Copies page bytes [from, from + n) to the stream at op. Short runs go 8 bytes at a time and may
 * write up to 7 bytes past op + n (STREAM_OUT has room for them; later writes or the stream's end
 * make them irrelevant): memory.copy is a call out of the module, dear for a few bytes.
 */
@inline export function copyOut(op: i32, from: i32, n: i32): void {
  let d = STREAM_OUT + <usize>op;
  let s = PAGE_IN + <usize>from;
  if (n <= 32) {
    const end = d + <usize>n;
    while (d < end) {
      store<u64>(d, load<u64>(s));
      d += 8;
      s += 8;
    }
  } else {
    memory.copy(d, s, <usize>n);
  }
}

/** Number of equal bytes at a and m (m < a), with a stopping at limit: 8 bytes at a time. */
export function countEqual(a: i32, m: i32, limit: i32): i32 {
  const start = a;
  while (a + 8 <= limit) {
    const x = in64(a) ^ in64(m);
    if (x != 0) return a + <i32>(ctz(x) >> 3) - start;
    a += 8;
    m += 8;
  }
  while (a < limit && in8(a) == in8(m)) {
    a++;
    m++;
  }
  return a - start;
}
