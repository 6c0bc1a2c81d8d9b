/**
 * Acceptance: every compressor replica gives the 6.12 kernel's length (or rejection) for every
 * page of the shipped fixture corpus, and of the full 8,000-page reference corpus when ../shared
 * is beside the clone (the longer test CI runs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPRESSOR_NAMES, type CompressorName } from '../src/compress/compressor.js';
import { DST_BUFFER_SIZE, PAGE_SIZE } from '../src/model/kernel.js';
import { createCompressor } from '../src/compress/registry.js';
import { CompressPool } from '../src/replay/compress-pool.js';
import { fullCorpusMissing, loadCorpus, loadFullCorpus, loadKernelClasses, type Corpus } from './helpers/corpus.js';

function mismatches(corpus: Corpus, name: CompressorName): string[] {
  const c = createCompressor(name);
  const dst = new Uint8Array(DST_BUFFER_SIZE);
  const out: string[] = [];
  for (let i = 0; i < corpus.count; i++) {
    const got = c.compress(corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), dst);
    const want = corpus.kernel[name][i];
    if (got !== want) out.push(`page ${i} (corpus page ${corpus.corpusPage[i]}, ${corpus.category[i]}): got ${got}, kernel ${want}`);
  }
  return out;
}

test('the fixture corpus covers every category, and for every compressor every size class and reject of the reference corpus', () => {
  const corpus = loadCorpus();
  const categories = new Set(corpus.category);
  for (const cat of ['elf', 'text', 'compressed', 'heap_node', 'heap_py', 'zero', 'random', 'pattern']) assert.ok(categories.has(cat), cat);
  const classes = loadKernelClasses();
  for (const name of COMPRESSOR_NAMES) {
    const buckets = new Set<string>();
    for (const len of corpus.kernel[name]) buckets.add(len < 0 ? `errno ${-len}` : `class ${classes.find((k) => len >= k.lenFrom && len <= k.lenTo)!.index}`);
    assert.ok(buckets.has('errno 28') || buckets.has('errno 22'), `${name}: rejects`);
    if (!fullCorpusMissing()) {
      const full = loadFullCorpus();
      const want = new Set<string>();
      for (const len of full.kernel[name]) want.add(len < 0 ? `errno ${-len}` : `class ${classes.find((k) => len >= k.lenFrom && len <= k.lenTo)!.index}`);
      assert.deepEqual([...buckets].sort(), [...want].sort(), name);
    }
  }
});

test('the fixture corpus is the reference corpus\' pages and lengths, as scripts/make-corpus-fixture.mjs copied them', (t) => {
  const missing = fullCorpusMissing();
  if (missing) return t.skip(`needs the reference corpus: ${missing}`);
  const corpus = loadCorpus();
  const full = loadFullCorpus();
  for (let i = 0; i < corpus.count; i++) {
    const p = corpus.corpusPage[i];
    assert.ok(corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE).equals(full.pages.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)), `page ${i}`);
    assert.equal(corpus.category[i], full.category[p]);
    for (const name of COMPRESSOR_NAMES) assert.equal(corpus.kernel[name][i], full.kernel[name][p], `page ${i} ${name}`);
  }
});

for (const name of COMPRESSOR_NAMES) {
  test(`${name}: compressed length equals the kernel's for all fixture corpus pages`, () => {
    const corpus = loadCorpus();
    assert.ok(corpus.count >= 2000, `${corpus.count} pages`);
    const bad = mismatches(corpus, name);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${corpus.count} pages differ`);
  });
}

for (const name of COMPRESSOR_NAMES) {
  test(`${name}: compressed length equals the kernel's for all 8,000 reference corpus pages (../shared)`, (t) => {
    const missing = fullCorpusMissing();
    if (missing) return t.skip(`longer test, needs the reference corpus: ${missing}`);
    const corpus = loadFullCorpus();
    assert.equal(corpus.count, 8000);
    const bad = mismatches(corpus, name);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${corpus.count} pages differ`);
  });
}

/**
 * The replay's one-thread path: a call into the module per batch and compressor for lz4, lz4hc,
 * lzo and lzo-rle on pages where they lie, the others page by page; results in the job's order.
 */
function batchMismatches(corpus: Corpus): string[] {
  const names = [...COMPRESSOR_NAMES];
  const batch = 256;
  const pool = new CompressPool(names, batch, 1);
  const out: string[] = [];
  try {
    for (let start = 0; start < corpus.count; start += batch) {
      const n = Math.min(batch, corpus.count - start);
      pool.shared.pages.set(corpus.pages.subarray(start * PAGE_SIZE, (start + n) * PAGE_SIZE));
      // two jobs per batch, odd then even pages, last first
      for (const parity of [1, 0]) {
        let jobs = 0;
        for (let i = n - 1; i >= 0; i--) if (i % 2 === parity) pool.shared.slots[jobs++] = i;
        pool.run(jobs);
        for (let j = 0; j < jobs; j++) {
          const i = start + pool.shared.slots[j];
          names.forEach((name, c) => {
            const got = pool.shared.lengths[j * names.length + c];
            if (got !== corpus.kernel[name][i]) out.push(`${name} page ${i}: got ${got}, kernel ${corpus.kernel[name][i]}`);
          });
        }
      }
    }
  } finally {
    pool.close();
  }
  return out;
}

test("the replay's one-thread batch path gives the kernel's length for all fixture corpus pages, every compressor", () => {
  const bad = batchMismatches(loadCorpus());
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} results differ`);
});

test("the replay's one-thread batch path gives the kernel's length for all 8,000 reference corpus pages (../shared)", (t) => {
  const missing = fullCorpusMissing();
  if (missing) return t.skip(`longer test, needs the reference corpus: ${missing}`);
  const bad = batchMismatches(loadFullCorpus());
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} results differ`);
});
