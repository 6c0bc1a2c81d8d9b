/**
 * The WebAssembly build of the kernel library code zswap runs for every page (assembly/: lz4,
 * lz4hc, lzo, lzo-rle, xxh64), one instance per thread, created on first use. Calls are
 * synchronous and leave nothing behind in the module that a later call relies on, so every
 * compressor and hash of a thread shares it.
 *
 * Its memory is shared (a SharedArrayBuffer) and ours: the replay reserves regions in it for its
 * batch of pages and the batch's results (reserve()), so that the module scans and compresses the
 * pages where the source read them, and worker threads read the same pages. The memory only grows
 * in reserve(), and shared memory never moves, so views made before stay valid.
 *
 * kernel-lib.wasm is committed; `npm run build:wasm` rebuilds it from assembly/ with the
 * AssemblyScript compiler (a devDependency), and a test checks that the rebuild is identical.
 */
import fs from 'node:fs';
import { PAGE_SIZE } from '../../model/kernel.js';

export const KERNEL_LIB_WASM = new URL('../../../../src/compress/wasm/kernel-lib.wasm', import.meta.url);

/** initialMemory and maximumMemory of asconfig.json, in 64 KiB wasm pages */
const INITIAL_MEMORY = 4;
const MAXIMUM_MEMORY = 1024;
const WASM_PAGE = 65536;

interface Exports {
  pageIn(): number;
  streamOut(): number;
  hashOut(): number;
  dataEnd(): number;
  lz4(): number;
  lz4hc(): number;
  lzo(version: number, srcLen: number, dstCap: number): number;
  hash64(len: number, seedLo: number, seedHi: number): void;
  compressPages(alg: number, pages: number, slots: number, n: number, lengths: number, stride: number): void;
  scanPages(pages: number, n: number, flags: number, hashes: number, fingerprint: number, seedLo: number, seedHi: number): void;
  scanPage(fingerprint: number, seedLo: number, seedHi: number): number;
}

export interface KernelLib {
  readonly exports: Exports;
  /** the module's memory as bytes (a new view after reserve()) */
  readonly memory: Buffer;
  /** byte offsets of the input page, the output stream (2 * PAGE_SIZE) and the hash results (16 bytes) */
  readonly pageIn: number;
  readonly streamOut: number;
  readonly hashOut: number;
  /** copies bytes [start, start + len) of b (len <= PAGE_SIZE) to the input page */
  load(b: Uint8Array, start: number, len: number): void;
  /** copies the first len bytes of the output stream to dst */
  takeStream(dst: Uint8Array, len: number): void;
  /** a region of `bytes` bytes of the module's memory for the host (64 KiB aligned): its byte offset */
  reserve(bytes: number): number;
  /** gives a region back to reserve() (same size) */
  release(at: number, bytes: number): void;
  /** the byte offset of b's memory in the module's memory, or -1 when b lies elsewhere */
  offsetOf(b: ArrayBufferView): number;
}

let instance: KernelLib | null = null;

function regionSize(bytes: number): number {
  return Math.ceil(bytes / WASM_PAGE) * WASM_PAGE;
}

export function kernelLib(): KernelLib {
  if (instance) return instance;
  const module = new WebAssembly.Module(fs.readFileSync(KERNEL_LIB_WASM));
  const wasmMemory = new WebAssembly.Memory({ initial: INITIAL_MEMORY, maximum: MAXIMUM_MEMORY, shared: true });
  const exports = new WebAssembly.Instance(module, { env: { memory: wasmMemory } }).exports as unknown as Exports;
  let memory = Buffer.from(wasmMemory.buffer);
  /** every SharedArrayBuffer object the memory has had (a grow makes a new one over the same bytes) */
  const buffers = new Set<ArrayBufferLike>([memory.buffer]);
  /** released regions by size, for the next reserve() of that size (a replay per run, many runs per process in tests) */
  const free = new Map<number, number[]>();
  let top = Math.ceil(exports.dataEnd() / WASM_PAGE) * WASM_PAGE;
  const pageIn = exports.pageIn();
  const streamOut = exports.streamOut();
  instance = {
    exports,
    get memory() {
      return memory;
    },
    pageIn,
    streamOut,
    hashOut: exports.hashOut(),
    load(b, start, len) {
      if (len > PAGE_SIZE) throw new RangeError(`${len} bytes do not fit the module's page`);
      if (start === 0 && len === b.length) memory.set(b, pageIn);
      else memory.set(b.subarray(start, start + len), pageIn);
    },
    takeStream(dst, len) {
      memory.copy(dst, 0, streamOut, streamOut + len);
    },
    reserve(bytes) {
      const reuse = free.get(regionSize(bytes))?.pop();
      if (reuse !== undefined) return reuse;
      const at = top;
      const pages = regionSize(bytes) / WASM_PAGE;
      const grow = at / WASM_PAGE + pages - memory.length / WASM_PAGE;
      if (at / WASM_PAGE + pages > MAXIMUM_MEMORY) throw new RangeError(`${bytes} bytes more do not fit the module's memory`);
      if (grow > 0) wasmMemory.grow(grow);
      memory = Buffer.from(wasmMemory.buffer);
      buffers.add(memory.buffer);
      top = at + pages * WASM_PAGE;
      return at;
    },
    release(at, bytes) {
      const size = regionSize(bytes);
      if (!free.has(size)) free.set(size, []);
      free.get(size)!.push(at);
    },
    offsetOf(b) {
      return buffers.has(b.buffer) ? b.byteOffset : -1;
    },
  };
  return instance;
}
