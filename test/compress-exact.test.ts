/** Acceptance: every compressor replica gives the 6.12 kernel's length (or rejection) for every corpus page. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPRESSOR_NAMES } from '../src/compress/compressor.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../src/model/kernel.js';
import { createCompressor } from '../src/compress/registry.js';
import { loadCorpus } from './helpers/corpus.js';

for (const name of COMPRESSOR_NAMES) {
  test(`${name}: compressed length equals the kernel's for all corpus pages`, () => {
    const corpus = loadCorpus();
    const c = createCompressor(name);
    const dst = new Uint8Array(DST_BUFFER_SIZE);
    const mismatches: string[] = [];
    for (let i = 0; i < corpus.count; i++) {
      const got = c.compress(corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), dst);
      const want = corpus.kernel[name][i];
      if (got !== want) mismatches.push(`page ${i} (${corpus.category[i]}): got ${got}, kernel ${want}`);
    }
    assert.equal(corpus.count, 8000);
    assert.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} of ${corpus.count} pages differ`);
  });
}
