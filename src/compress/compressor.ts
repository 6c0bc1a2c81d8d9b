/**
 * The contract every compressor replica fulfils: what zswap_compress() (mm/zswap.c, 6.12) gets
 * back from the crypto layer for one page.
 */

/** x86_64 page size; also the output budget zswap hands the compressor (dlen = PAGE_SIZE). */
export const PAGE_SIZE = 4096;

/** Size of the destination buffer callers pass: acomp_ctx->buffer is 2 * PAGE_SIZE. */
export const DST_BUFFER_SIZE = 2 * PAGE_SIZE;

/** errno values a compressor returns; zswap maps -ENOSPC to reject_compress_poor, others to reject_compress_fail. */
export const EINVAL = 22;
export const ENOSPC = 28;

export const COMPRESSOR_NAMES = ['lzo', 'lzo-rle', 'lz4', 'lz4hc', 'zstd', 'deflate', '842'] as const;
export type CompressorName = (typeof COMPRESSOR_NAMES)[number];

export interface PageCompressor {
  readonly name: CompressorName;
  /**
   * Compresses one PAGE_SIZE page as the 6.12 kernel's crypto wrapper does, with an output budget
   * of PAGE_SIZE bytes. `dst` has at least DST_BUFFER_SIZE bytes; the stream is written to its start.
   * Returns the compressed length (1..4096, what zswap stores as entry->length) or a negative errno
   * (-EINVAL, -ENOSPC) when the kernel would reject the page.
   * Implementations keep their working memory between calls and must not allocate per call.
   */
  compress(page: Uint8Array, dst: Uint8Array): number;
}
