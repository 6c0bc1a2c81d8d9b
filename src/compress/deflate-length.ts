/**
 * The kernel's deflate length for one page from our own WebAssembly model
 * (wasm/assembly/deflate.ts: deflate_slow at level 6 with the 2 KiB window, and the block's exact
 * Huffman bit count), one instance per thread, created on first use. The model computes the
 * length only; no stream is written.
 *
 * deflate.wasm is committed; `npm run build:wasm` rebuilds it, and a test checks that the rebuild
 * is identical.
 */
import fs from 'node:fs';
import { PAGE_SIZE } from '../model/kernel.js';

export const DEFLATE_WASM = new URL('../../../src/compress/wasm/deflate.wasm', import.meta.url);

interface Exports {
  memory: WebAssembly.Memory;
  pageIn(): number;
  deflateLength(): number;
  lengthLimitFixups(): number;
}

export interface DeflateModel {
  /** the stream length the kernel's deflate gives page[start, start + PAGE_SIZE); 4096 or more when it does not fit */
  length(page: Uint8Array, start: number): number;
  /** gen_bitlen's length limit fix-ups so far in this thread (a coverage figure for tests) */
  lengthLimitFixups(): number;
}

let model: DeflateModel | null = null;

export function deflateModel(): DeflateModel {
  if (model) return model;
  const exports = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(DEFLATE_WASM)), {}).exports as unknown as Exports;
  // the memory never grows: the module's data is static
  const window = new Uint8Array(exports.memory.buffer, exports.pageIn(), PAGE_SIZE);
  model = {
    length(page, start) {
      window.set(start === 0 && page.length === PAGE_SIZE ? page : page.subarray(start, start + PAGE_SIZE));
      return exports.deflateLength();
    },
    lengthLimitFixups: () => exports.lengthLimitFixups(),
  };
  return model;
}
