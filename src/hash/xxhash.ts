/**
 * xxHash32 and xxHash64 — the algorithms of lib/xxhash.c, which KSM's calc_checksum() uses and a
 * dedup index would key on — from the xxhash-wasm package (WebAssembly, ~2 µs per page; a
 * JavaScript version with 64-bit arithmetic on u32 pairs took ~65 µs).
 */
import xxhashWasm from 'xxhash-wasm';

const api = await xxhashWasm();
const LOW32 = 0xffffffffn;

export function xxh32(b: Uint8Array, start: number, len: number, seed: number): number {
  return api.h32Raw(b.subarray(start, start + len), seed) >>> 0;
}

/** xxHash64 of b[start, start + len) with `seed`; writes [low 32 bits, high 32 bits] to out[at], out[at + 1]. */
export function xxh64(b: Uint8Array, start: number, len: number, seed: bigint, out: Uint32Array, at: number): void {
  const h = api.h64Raw(b.subarray(start, start + len), seed);
  out[at] = Number(h & LOW32);
  out[at + 1] = Number(h >> 32n);
}
