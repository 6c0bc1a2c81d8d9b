/**
 * lzo and lzo-rle as zswap gets them in 6.12: crypto/lzo.c calls lzo1x_1_compress_safe() and
 * crypto/lzo-rle.c calls lzorle1x_1_compress_safe(), both with dst_len = 4096 and a wrkmem of
 * LZO1X_1_MEM_COMPRESS bytes (include/linux/lzo.h); any error becomes -EINVAL. One
 * implementation serves both, parameterised by the bitstream version as in
 * lib/lzo/lzo1x_compress.c (built "_safe" through lib/lzo/lzo1x_compress_safe.c), with the
 * constants of lib/lzo/lzodefs.h and the x86_64 configuration (64-bit match extension).
 *
 * The algorithm is wasm/assembly/lzo.ts (AssemblyScript), written from the kernel's rules, not
 * copied; the streams are byte-identical to the kernel's.
 */
import { PAGE_SIZE } from '../model/kernel.js';
import { kernelLib } from './wasm/kernel-lib.js';
import { WasmPageCompressor } from './wasm-compressor.js';

/** Bitstream version written by lzo-rle after the 17 marker byte. */
const LZO_VERSION = 1;

export const LZO_E_OUTPUT_OVERRUN = -5;

/**
 * LZO1X-1 (version 0) or lzo-rle (version 1) of src[0, srcLen) (srcLen <= PAGE_SIZE) into dst
 * with room for dstCap bytes (<= 2 * PAGE_SIZE): the stream length or LZO_E_OUTPUT_OVERRUN.
 */
export function lzo1xCompress(version: 0 | 1, src: Uint8Array, srcLen: number, dst: Uint8Array, dstCap: number): number {
  if (dstCap > 2 * PAGE_SIZE) throw new RangeError(`output room ${dstCap} above ${2 * PAGE_SIZE}`);
  const lib = kernelLib();
  lib.load(src, 0, srcLen);
  const len = lib.exports.lzo(version, srcLen, dstCap);
  if (len <= 0) return LZO_E_OUTPUT_OVERRUN;
  lib.takeStream(dst, len);
  return len;
}

/** crypto/lzo.c: lzo1x_1_compress_safe, bitstream version 0. */
export class LzoCompressor extends WasmPageCompressor {
  readonly name = 'lzo' as const;
  readonly wasmAlg = 2;
  protected run(): number {
    return this.lib.exports.lzo(0, PAGE_SIZE, PAGE_SIZE);
  }
}

/** crypto/lzo-rle.c: lzorle1x_1_compress_safe, bitstream version 1 with zero-run instructions. */
export class LzoRleCompressor extends WasmPageCompressor {
  readonly name = 'lzo-rle' as const;
  readonly wasmAlg = 3;
  protected run(): number {
    return this.lib.exports.lzo(LZO_VERSION, PAGE_SIZE, PAGE_SIZE);
  }
}
