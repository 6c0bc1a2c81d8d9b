import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPRESSOR_NAMES } from '../src/compress/compressor.js';
import { FP_SEED_HI, FP_SEED_LO } from '../src/hash/page-hash.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../src/model/kernel.js';
import { createCompressor } from '../src/compress/registry.js';
import { kernelLib } from '../src/compress/wasm/kernel-lib.js';
import { CompressPool, pageViews, scanCopied } from '../src/replay/compress-pool.js';
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

/** n pages to compress, then s to scan (corpus pages, every fifth zero-filled), and the scan's results in the module as scanPages() leaves them there */
function scanJob(n: number, s: number, threads: number, workerScript?: URL) {
  const corpus = loadCorpus();
  const lib = kernelLib();
  const results = () => {
    const at = lib.reserve(s * 17);
    return { at, hashes: new Uint32Array(lib.memory.buffer, at, s * 4), flags: new Uint8Array(lib.memory.buffer, at + s * 16, s), fingerprint: true };
  };
  const scan = results();
  const expected = results();
  const reset = () => {
    scan.flags.fill(7);
    scan.hashes.fill(0);
  };
  reset();
  const pool = new CompressPool(['deflate'], n + s, threads, { workerScript, scan });
  for (let i = 0; i < n + s; i++) {
    const p = i % corpus.count;
    if (i % 5 === 4) pool.page(i).fill(0);
    else pool.page(i).set(corpus.pages.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    if (i < n) pool.shared.slots[i] = i;
  }
  lib.exports.scanPages(lib.offsetOf(pool.page(n)), s, expected.at + s * 16, expected.at, 1, FP_SEED_LO, FP_SEED_HI);
  assert.ok(expected.flags.some((f) => f === 1) && expected.flags.some((f) => f === 0), 'zero-filled pages among others');
  return {
    pool,
    /** the scan's results equal scanPages()' (hashes are only written for pages not zero-filled); then cleared */
    check(what: string) {
      assert.deepEqual(scan.flags, expected.flags, `${what}: zero flags`);
      for (let i = 0; i < s; i++) if (!expected.flags[i]) assert.deepEqual(scan.hashes.subarray(4 * i, 4 * i + 4), expected.hashes.subarray(4 * i, 4 * i + 4), `${what}: hashes of page ${i}`);
      reset();
    },
    close() {
      pool.close();
      for (const r of [scan, expected]) lib.release(r.at, s * 17);
    },
  };
}

test('a worker scans a page (copied into its own module) to what scanPages() leaves where the page lies', () => {
  const job = scanJob(0, 256, 1);
  try {
    // what a worker runs, here on this thread with this thread's module: the copying is the same
    scanCopied(job.pool.shared, pageViews(job.pool.shared.pages))(0, 0, 256);
    job.check('copied');
    job.pool.start(0, 0, 256);
    job.pool.waitScanned();
    job.check('in place');
  } finally {
    job.close();
  }
});

test('a job that scans pages before compressing ends with a failing worker\'s error, its scan complete when waited for', { timeout: 120_000 }, () => {
  // enough scan tasks that the worker, once awake, may take some before it fails on its first compression
  const n = 64;
  const s = 1024;
  const job = scanJob(n, s, 2, new URL('./helpers/failing-compress-worker.js', import.meta.url));
  try {
    let jobs = 0;
    assert.throws(
      () => {
        for (; jobs < 10_000; jobs++) {
          job.pool.start(n, n, s);
          job.pool.waitScanned();
          job.check(`job ${jobs}`);
          job.pool.finish();
        }
      },
      (e: Error) => e.message === `a compression worker failed: ${INJECTED_FAILURE}`,
    );
    assert.ok(jobs < 10_000, 'the worker never took a page');
    // the pool stays failed: a later scan does not wait for the dead worker either
    assert.throws(() => job.pool.start(0, n, s), /a compression worker failed/);
  } finally {
    job.close();
  }
});
