/**
 * lz4hc as zswap gets it from crypto/lz4hc.c (6.12): LZ4_compress_HC(src, dst, 4096, 4096, 9, wrkmem),
 * i.e. the hash-chain parser of lib/lz4/lz4hc_compress.c (the pre-1.8 "three ascending matches"
 * lookahead) with 2^(9-1) = 256 chain steps per search and limited output, since 4096 is below
 * LZ4_compressBound(4096). The kernel returns 0 when the stream would not fit; crypto/lz4hc.c
 * turns that into -EINVAL.
 *
 * The algorithm is wasm/assembly/lz4hc.ts (AssemblyScript), written from the kernel's rules, not
 * copied; the streams are byte-identical to the kernel's.
 */
import { WasmPageCompressor } from './wasm-compressor.js';

export class Lz4hcCompressor extends WasmPageCompressor {
  readonly name = 'lz4hc' as const;
  readonly wasmAlg = 1;
  protected run(): number {
    return this.lib.exports.lz4hc();
  }
}
