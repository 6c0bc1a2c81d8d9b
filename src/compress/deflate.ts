/**
 * deflate as zswap gets it from crypto/deflate.c (6.12): raw deflate (windowBits -11, a 2 KiB
 * window), level 6 (Z_DEFAULT_COMPRESSION), memLevel 8, default strategy; per page a
 * deflateReset and one deflate(Z_FINISH) into a 4096-byte output. Anything but Z_STREAM_END
 * is -EINVAL, so a stream of 4096 bytes or more is rejected (zlib reports Z_OK then).
 *
 * The length comes from our own model of the kernel's deflate (deflate-length.ts,
 * wasm/assembly/deflate.ts), which counts the block's bits instead of writing them: no stream is
 * written to dst. Why not a library: pako 2.2.0 is the one JavaScript deflate that writes the
 * kernel's streams and runs 4.9x the kernel's instructions; it stays as the tests' oracle.
 */
import type { PageCompressor } from './compressor.js';
import { deflateModel, type DeflateModel } from './deflate-length.js';
import { EINVAL, PAGE_SIZE } from '../model/kernel.js';

export class DeflateCompressor implements PageCompressor {
  readonly name = 'deflate' as const;
  private readonly model: DeflateModel = deflateModel();

  compress(page: Uint8Array, _dst: Uint8Array | null): number {
    const len = this.model.length(page, 0);
    return len < PAGE_SIZE ? len : -EINVAL;
  }
}
