import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPRESSOR_NAMES } from '../src/compress/compressor.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../src/model/kernel.js';
import { createCompressor } from '../src/compress/registry.js';
import { CompressPool } from '../src/replay/compress-pool.js';
import { loadCorpus } from './helpers/corpus.js';
import { INJECTED_FAILURE } from './helpers/failing-compress-worker.js';

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
      for (let i = 0; i < n; i++) pool.page(i).set(page(i));
      // job page j is pool page n-1-j: results follow the job's order, not the pages'
      for (let j = 0; j < n; j++) pool.shared.slots[j] = n - 1 - j;
      pool.run(n);
      for (let j = 0; j < n; j++) {
        const i = n - 1 - j;
        names.forEach((name, c) => assert.equal(pool.shared.lengths[j * names.length + c], single[c].compress(page(i), dst), `page ${chosen[start + i]} ${name}`));
      }
    }
  } finally {
    pool.close();
  }
});

test('a worker that fails on a page it claimed ends the job with its error instead of a hang', { timeout: 120_000 }, () => {
  const corpus = loadCorpus();
  // deflate on this thread is slow enough that the worker claims pages once it has started
  const pool = new CompressPool(['deflate'], 64, 2, { workerScript: new URL('./helpers/failing-compress-worker.js', import.meta.url) });
  try {
    for (let i = 0; i < 64; i++) {
      pool.page(i).set(corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
      pool.shared.slots[i] = i;
    }
    let jobs = 0;
    assert.throws(
      () => {
        // the first jobs may end before the worker has started; it fails on its first page
        for (; jobs < 10_000; jobs++) pool.run(64);
      },
      (e: Error) => e.message === `a compression worker failed: ${INJECTED_FAILURE}`,
    );
    assert.ok(jobs < 10_000, 'the worker never took a page');
    // the pool stays failed: a later job does not wait for the dead worker either
    assert.throws(() => pool.run(64), /a compression worker failed/);
  } finally {
    pool.close();
  }
});
