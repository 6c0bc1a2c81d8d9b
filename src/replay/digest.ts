/**
 * The digest of a page that a hash-only trace keeps instead of its content: every supported
 * hash, the 128-bit fingerprint, and the compressed length under each compressor of the modelled
 * kernel (src/model/kernel.ts).
 */
import { COMPRESSOR_NAMES, type PageCompressor } from '../compress/compressor.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../model/kernel.js';
import { createCompressor } from '../compress/registry.js';
import { crc32c } from '../hash/crc32c.js';
import { jhash2, KSM_JHASH_SEED } from '../hash/jhash2.js';
import { fingerprint128 } from '../hash/page-hash.js';
import { xxh32, xxh64 } from '../hash/xxhash.js';
import { DIGEST_HASH_WORDS, FINGERPRINT_WORDS, LENGTH_SLOTS, type PageBatch } from '../sources/page-batch.js';

export class PageDigester {
  private readonly compressors: PageCompressor[] = COMPRESSOR_NAMES.map((n) => createCompressor(n));
  private readonly dst = new Uint8Array(DST_BUFFER_SIZE);

  /** Fills the digest fields of page i of the batch from its content. */
  digest(batch: PageBatch, i: number): void {
    const b = batch.content;
    const at = i * PAGE_SIZE;
    const hw = i * DIGEST_HASH_WORDS;
    xxh64(b, at, PAGE_SIZE, 0n, batch.hashes, hw);
    batch.hashes[hw + 2] = xxh32(b, at, PAGE_SIZE, 0);
    batch.hashes[hw + 3] = jhash2(b, at, PAGE_SIZE / 4, KSM_JHASH_SEED);
    batch.hashes[hw + 4] = crc32c(b, at, PAGE_SIZE);
    fingerprint128(b, at, batch.fingerprint, i * FINGERPRINT_WORDS);
    const page = b.subarray(at, at + PAGE_SIZE);
    for (let c = 0; c < LENGTH_SLOTS; c++) batch.lengths[i * LENGTH_SLOTS + c] = this.compressors[c].compress(page, this.dst);
  }
}
