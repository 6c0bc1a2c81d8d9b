/**
 * Acceptance: a dump built with known duplicates, zero pages and incompressible pages gives exactly
 * the counts and pool pages that follow from the kernel's own compressed lengths
 * (shared/corpus/kernel-6.12.csv) and the kernel's class table (shared/spec), not from our code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COMPRESSOR_NAMES } from '../src/compress/compressor.js';
import { EINVAL, ENOSPC, PAGE_SIZE } from '../src/model/kernel.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { runCli } from './helpers/cli.js';
import { expectedPoolPages, loadCorpus } from './helpers/corpus.js';
import { tmpDir } from './helpers/tmp.js';

/** corpus page → how many copies go into the dump (1 = no duplicate) */
function layout(): { page: number | 'zero'; copies: number }[] {
  const c = loadCorpus();
  const pick = (cat: string, n: number, from = 0) => {
    const out: number[] = [];
    for (let i = 0; i < c.count && out.length < n; i++) if (c.category[i] === cat && !isZero(i) && i >= from) out.push(i);
    return out;
  };
  const isZero = (i: number) => c.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE).every((b) => b === 0);
  const l: { page: number | 'zero'; copies: number }[] = [];
  pick('heap_py', 40).forEach((p, i) => l.push({ page: p, copies: 1 + (i % 5) }));
  pick('pattern', 12).forEach((p, i) => l.push({ page: p, copies: 3 + (i % 4) * 7 }));
  pick('elf', 60).forEach((p) => l.push({ page: p, copies: 1 }));
  pick('text', 20).forEach((p, i) => l.push({ page: p, copies: i < 10 ? 2 : 1 }));
  pick('random', 15).forEach((p, i) => l.push({ page: p, copies: i < 5 ? 3 : 1 })); // rejected by every compressor
  pick('compressed', 25).forEach((p) => l.push({ page: p, copies: 1 }));
  l.push({ page: 'zero', copies: 37 });
  return l;
}

test('synthetic dump: stored, rejected, unique, duplicate pages and pool pages as the kernel data predicts, for all seven compressors', () => {
  const corpus = loadCorpus();
  const items = layout();
  // interleave copies so duplicates are not adjacent
  const order: (number | 'zero')[] = [];
  const maxCopies = Math.max(...items.map((i) => i.copies));
  for (let round = 0; round < maxCopies; round++) for (const it of items) if (round < it.copies) order.push(it.page);
  const dump = Buffer.alloc(order.length * PAGE_SIZE);
  order.forEach((p, i) => {
    if (p !== 'zero') corpus.pages.copy(dump, i * PAGE_SIZE, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
  });
  const file = path.join(tmpDir(), 'synthetic.raw');
  fs.writeFileSync(file, dump);

  const r = runCli(['analyze', '--compressor', 'all', '--format', 'json', '--no-progress', file]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AnalyzeReport;
  const zeroCopies = items.find((i) => i.page === 'zero')!.copies;
  assert.equal(report.pages.total, order.length);
  assert.equal(report.pages.zero, zeroCopies);
  assert.equal(report.pages.distinct_contents, items.length - 1);

  for (const name of COMPRESSOR_NAMES) {
    const pages = items.filter((i): i is { page: number; copies: number } => i.page !== 'zero');
    const len = (p: number) => corpus.kernel[name][p];
    const accepted = pages.filter((i) => len(i.page) > 0);
    const storedLens = accepted.flatMap((i) => Array<number>(i.copies).fill(len(i.page)));
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    const rejectedWith = (errno: number) => sum(pages.filter((i) => len(i.page) === -errno).map((i) => i.copies));
    const plain = report.results.find((x) => x.compressor === name && !x.dedup)!;
    const dedup = report.results.find((x) => x.compressor === name && x.dedup)!;

    assert.equal(plain.stored_pages, storedLens.length, `${name} stored`);
    assert.equal(dedup.stored_pages, storedLens.length, `${name} stored with dedup`);
    for (const res of [plain, dedup]) {
      assert.equal(res.rejects.compress_fail, rejectedWith(EINVAL), `${name} reject_compress_fail`);
      assert.equal(res.rejects.compress_poor, rejectedWith(ENOSPC), `${name} reject_compress_poor`);
      assert.equal(res.rejected_pages, rejectedWith(EINVAL) + rejectedWith(ENOSPC), `${name} rejected`);
    }
    assert.ok(plain.rejected_pages >= 25, `${name}: the random pages are rejected`);
    assert.equal(plain.compressed_bytes, sum(storedLens), `${name} compressed bytes`);
    assert.equal(plain.pool_pages, expectedPoolPages(storedLens), `${name} pool pages`);

    assert.equal(dedup.unique_objects, accepted.length, `${name} unique objects`);
    assert.equal(dedup.duplicate_pages, storedLens.length - accepted.length, `${name} duplicate pages`);
    assert.equal(dedup.compressed_bytes, sum(accepted.map((i) => len(i.page))), `${name} unique compressed bytes`);
    assert.equal(dedup.pool_pages, expectedPoolPages(accepted.map((i) => len(i.page))), `${name} dedup pool pages`);
    assert.equal(dedup.compressions, order.length - zeroCopies - dedup.duplicate_pages!, `${name} compressions`);
  }
});
