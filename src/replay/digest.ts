/**
 * The digest of a page that a hash-only trace keeps instead of its content (layout:
 * sources/digest-layout.ts): every supported hash, the 128-bit fingerprint, and the compressed
 * length under each compressor of the modelled kernel (src/model/kernel.ts).
 */
import { COMPRESSOR_NAMES, type PageCompressor } from '../compress/compressor.js';
import { createCompressor } from '../compress/registry.js';
import { fingerprint128, HASH_NAMES, PAGE_HASHES } from '../hash/page-hash.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../model/kernel.js';
import { DIGEST_HASH_WORD, DIGEST_HASH_WORDS, FINGERPRINT_WORDS, LENGTH_SLOTS } from '../sources/digest-layout.js';
import type { PageBatch } from '../sources/page-batch.js';

export class PageDigester {
  private readonly compressors: PageCompressor[] = COMPRESSOR_NAMES.map((n) => createCompressor(n));
  private readonly dst = new Uint8Array(DST_BUFFER_SIZE);
  private readonly h = new Uint32Array(2);

  /** Fills the digest fields of page i of the batch from its content. */
  digest(batch: PageBatch, i: number): void {
    const b = batch.content;
    const at = i * PAGE_SIZE;
    const hw = i * DIGEST_HASH_WORDS;
    for (const name of HASH_NAMES) {
      const hash = PAGE_HASHES[name];
      hash.hash(b, at, this.h, 0);
      batch.hashes[hw + DIGEST_HASH_WORD[name]] = this.h[0];
      if (hash.bits === 64) batch.hashes[hw + DIGEST_HASH_WORD[name] + 1] = this.h[1];
    }
    fingerprint128(b, at, batch.fingerprint, i * FINGERPRINT_WORDS);
    const page = b.subarray(at, at + PAGE_SIZE);
    for (let c = 0; c < LENGTH_SLOTS; c++) batch.lengths[i * LENGTH_SLOTS + c] = this.compressors[c].compress(page, this.dst);
  }
}
