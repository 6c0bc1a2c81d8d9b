/**
 * xxHash32 and xxHash64 — the algorithms of lib/xxhash.c, which KSM's calc_checksum() uses and a
 * dedup index would key on. xxh64, the index key of every page, is ours in the WebAssembly kernel
 * library (src/compress/wasm/assembly/xxh64.ts, 0.4 µs per page; the xxhash-wasm package took
 * 0.8 µs, most of it turning its BigInt result into words); xxh32 comes from xxhash-wasm.
 */
import xxhashWasm from 'xxhash-wasm';
import { kernelLib } from '../compress/wasm/kernel-lib.js';

const api = await xxhashWasm();
const lib = kernelLib();
const words = new Uint32Array(lib.memory.buffer, lib.memory.byteOffset + lib.hashOut, 2);
const LOW32 = 0xffffffffn;

export function xxh32(b: Uint8Array, start: number, len: number, seed: number): number {
  return api.h32Raw(b.subarray(start, start + len), seed) >>> 0;
}

/**
 * xxHash64 of b[start, start + len) (len <= PAGE_SIZE) with the seed given as two u32 words;
 * writes [low 32 bits, high 32 bits] to out[at], out[at + 1].
 */
export function xxh64Words(b: Uint8Array, start: number, len: number, seedLo: number, seedHi: number, out: Uint32Array, at: number): void {
  lib.load(b, start, len);
  lib.exports.hash64(len, seedLo, seedHi);
  out[at] = words[0];
  out[at + 1] = words[1];
}

/** xxHash64 of b[start, start + len) (len <= PAGE_SIZE) with `seed`; writes [low 32 bits, high 32 bits] to out[at], out[at + 1]. */
export function xxh64(b: Uint8Array, start: number, len: number, seed: bigint, out: Uint32Array, at: number): void {
  xxh64Words(b, start, len, Number(seed & LOW32), Number((seed >> 32n) & LOW32), out, at);
}
