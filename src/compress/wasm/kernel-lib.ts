/**
 * The WebAssembly build of the kernel library code zswap runs for every page (assembly/: lz4,
 * lz4hc, lzo, lzo-rle, xxh64), one instance per thread, created on first use. Its memory never
 * grows, so the views made here stay valid. Calls are synchronous and leave nothing behind in
 * the module that a later call relies on, so every compressor and hash of a thread shares it.
 *
 * kernel-lib.wasm is committed; `npm run build:wasm` rebuilds it from assembly/ with the
 * AssemblyScript compiler (a devDependency), and a test checks that the rebuild is identical.
 */
import fs from 'node:fs';
import { PAGE_SIZE } from '../../model/kernel.js';

export const KERNEL_LIB_WASM = new URL('../../../../src/compress/wasm/kernel-lib.wasm', import.meta.url);

interface Exports {
  memory: WebAssembly.Memory;
  pageIn(): number;
  streamOut(): number;
  hashOut(): number;
  lz4(): number;
  lz4hc(): number;
  lzo(version: number, srcLen: number, dstCap: number): number;
  hash64(len: number, seedLo: number, seedHi: number): void;
}

export interface KernelLib {
  readonly exports: Exports;
  /** the module's memory as bytes */
  readonly memory: Buffer;
  /** byte offsets of the input page, the output stream (2 * PAGE_SIZE) and the hash result */
  readonly pageIn: number;
  readonly streamOut: number;
  readonly hashOut: number;
  /** copies bytes [start, start + len) of b (len <= PAGE_SIZE) to the input page */
  load(b: Uint8Array, start: number, len: number): void;
  /** copies the first len bytes of the output stream to dst */
  takeStream(dst: Uint8Array, len: number): void;
}

let instance: KernelLib | null = null;

export function kernelLib(): KernelLib {
  if (instance) return instance;
  const module = new WebAssembly.Module(fs.readFileSync(KERNEL_LIB_WASM));
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  const memory = Buffer.from(exports.memory.buffer);
  const pageIn = exports.pageIn();
  const streamOut = exports.streamOut();
  instance = {
    exports,
    memory,
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
  };
  return instance;
}
