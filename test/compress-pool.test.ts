import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPRESSOR_NAMES } from '../src/compress/compressor.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../src/model/kernel.js';
import { createCompressor } from '../src/compress/registry.js';
import { CompressPool } from '../src/replay/compress-pool.js';
import { loadCorpus } from './helpers/corpus.js';

test('the compress pool gives every page the same lengths with worker threads as on one thread', () => {
  const corpus = loadCorpus();
  const names = [...COMPRESSOR_NAMES];
  const single = names.map((n) => createCompressor(n));
  const dst = new Uint8Array(DST_BUFFER_SIZE);
  const pool = new CompressPool(names, 128, 3);
  try {
    // every fourth page: all categories, incompressible ones among them
    const chosen = Array.from({ length: Math.ceil(corpus.count / 4) }, (_, i) => i * 4);
    for (let start = 0; start < chosen.length; start += 128) {
      const n = Math.min(128, chosen.length - start);
      const page = (i: number) => corpus.pages.subarray(chosen[start + i] * PAGE_SIZE, (chosen[start + i] + 1) * PAGE_SIZE);
      for (let i = 0; i < n; i++) pool.slot(i).set(page(i));
      pool.run(n);
      for (let i = 0; i < n; i++) {
        names.forEach((name, c) => assert.equal(pool.shared.lengths[i * names.length + c], single[c].compress(page(i), dst), `page ${chosen[start + i]} ${name}`));
      }
    }
  } finally {
    pool.close();
  }
});
