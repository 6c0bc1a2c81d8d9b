/**
 * The contract every compressor replica fulfils: what zswap_compress() (mm/zswap.c) gets back
 * from the crypto layer for one page of the modelled kernel (src/model/kernel.ts).
 */

export const COMPRESSOR_NAMES = ['lzo', 'lzo-rle', 'lz4', 'lz4hc', 'zstd', 'deflate', '842'] as const;
export type CompressorName = (typeof COMPRESSOR_NAMES)[number];

export interface PageCompressor {
  readonly name: CompressorName;
  /**
   * Compresses one PAGE_SIZE page as the kernel's crypto wrapper does, with an output budget of
   * PAGE_SIZE bytes. `dst` has at least DST_BUFFER_SIZE bytes; the stream is written to its start.
   * With `dst` null the caller wants the length only (the replay): the stream may then stay in
   * the compressor's own memory, which saves a copy per page. deflate computes the length only
   * and writes no stream (nothing reads one).
   * Returns the compressed length (1..PAGE_SIZE, what zswap stores as entry->length) or a negative
   * errno (-EINVAL, -ENOSPC) when the kernel would reject the page.
   * Implementations keep their working memory between calls and must not allocate per call.
   */
  compress(page: Uint8Array, dst: Uint8Array | null): number;
}
