/**
 * lz4 as zswap gets it from crypto/lz4.c (6.12): LZ4_compress_default(src, dst, 4096, 4096, wrkmem),
 * i.e. the fast greedy parser of lib/lz4/lz4_compress.c with acceleration 1, a 2^13-entry table of
 * 16-bit positions (byU16, the input is below 64 KiB) and limited output, since 4096 is below
 * LZ4_COMPRESSBOUND(4096). The kernel returns 0 when the stream would not fit; crypto/lz4.c turns
 * that into -EINVAL.
 *
 * The algorithm is wasm/assembly/lz4.ts (AssemblyScript), written from the kernel's rules, not
 * copied; the streams are byte-identical to the kernel's.
 */
import { WasmPageCompressor } from './wasm-compressor.js';

export class Lz4Compressor extends WasmPageCompressor {
  readonly name = 'lz4' as const;
  readonly wasmAlg = 0;
  protected run(): number {
    return this.lib.exports.lz4();
  }
}
