/** A compressor of the WebAssembly kernel library (wasm/): page in, one call, stream out. */
import type { CompressorName, PageCompressor } from './compressor.js';
import { EINVAL, PAGE_SIZE } from '../model/kernel.js';
import { kernelLib, type KernelLib } from './wasm/kernel-lib.js';

export abstract class WasmPageCompressor implements PageCompressor {
  abstract readonly name: CompressorName;
  /** the module's code for it in compressPages() (assembly/index.ts), which the replay calls once per batch */
  abstract readonly wasmAlg: number;
  protected readonly lib: KernelLib = kernelLib();

  /** runs the compressor on the module's page: the stream length, 0 when it does not fit */
  protected abstract run(): number;

  compress(page: Uint8Array, dst: Uint8Array | null): number {
    const lib = this.lib;
    lib.load(page, 0, PAGE_SIZE);
    const len = this.run();
    if (len <= 0) return -EINVAL;
    if (dst) lib.takeStream(dst, len);
    return len;
  }
}
