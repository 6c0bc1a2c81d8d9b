/**
 * With worker threads the replay overlaps batches (one job scans a batch on all threads, then
 * compresses the previous batch's new contents, while the calling thread indexes, stores and
 * reads on): the outcome must be that of one thread, page for page, also when a content new in
 * one batch comes again in the same batch or in the next ones while its job still runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { CompressorName } from '../src/compress/compressor.js';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { defaultReplayOptions, replay, type ReplayOutcome } from '../src/replay/pipeline.js';
import { openSource } from '../src/sources/open-source.js';
import { BATCH_PAGES } from '../src/sources/page-batch.js';
import { loadCorpus } from './helpers/corpus.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const compressors: CompressorName[] = ['lz4', 'lzo-rle', 'zstd'];

/**
 * The fixture corpus over three inputs, each page followed one batch later (and, every third, two
 * batches later) by a copy of it; every seventh page is copied again a few pages on (the same
 * batch mostly) and every eleventh is followed by a zero-filled page.
 */
function inputs(): string[] {
  const corpus = loadCorpus();
  const ZERO = -1;
  const order: number[] = [];
  for (let i = 0; i < corpus.count; i++) {
    order.push(i);
    if (i >= BATCH_PAGES - 3) order.push(i - (BATCH_PAGES - 3));
    if (i % 3 === 0 && i >= 2 * BATCH_PAGES) order.push(i - 2 * BATCH_PAGES);
    if (i % 7 === 0 && i >= 5) order.push(i - 5);
    if (i % 11 === 0) order.push(ZERO);
  }
  const zero = Buffer.alloc(PAGE_SIZE);
  const page = (i: number) => (i === ZERO ? zero : corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
  const third = Math.floor(order.length / 3);
  return [order.slice(0, third), order.slice(third, 2 * third), order.slice(2 * third)].map((part, n) => {
    const file = path.join(dir, `part${n}.raw`);
    fs.writeFileSync(file, Buffer.concat(part.map(page)));
    return file;
  });
}

async function run(files: string[], threads: number, verify: boolean): Promise<ReplayOutcome> {
  const sources = files.map((f) => openSource(f, 'raw'));
  try {
    return await replay(sources, { ...defaultReplayOptions(compressors, threads), verify });
  } finally {
    for (const s of sources) s.close();
  }
}

function figures(o: ReplayOutcome) {
  return {
    pages: o.pages,
    zeroPages: o.zeroPages,
    sources: o.sources.map((s) => [s.pages, s.zeroPages]),
    contents: o.index.count,
    // the scan's results: each content's hash and fingerprint, and its first page
    hashLo: Array.from(o.index.hashLo.subarray(0, o.index.count)),
    hashHi: Array.from(o.index.hashHi.subarray(0, o.index.count)),
    fingerprints: o.index.fingerprint ? Array.from(o.index.fingerprint.subarray(0, 4 * o.index.count)) : null,
    firstPage: Array.from(o.index.ordinal.subarray(0, o.index.count)),
    lengths: Array.from(o.index.lengths.subarray(0, o.index.count * compressors.length)),
    pagesPerContent: Array.from(o.index.pages.subarray(0, o.index.count)),
    stores: o.stores.map(({ plain, dedup }) =>
      [plain, dedup].map((s) => [s.storedPages, s.compressedBytes, s.compressions, s.duplicatePages, s.zpool.totalPages, s.rejectCompressFail]),
    ),
    sharing: JSON.stringify(o.sharing),
  };
}

for (const verify of [true, false]) {
  test(`the replay gives the same figures on 1, 2 and 3 threads across overlapped batches and inputs (${verify ? 'byte verification' : 'fingerprint identity'})`, async () => {
    const files = inputs();
    const one = figures(await run(files, 1, verify));
    assert.ok(one.pages > 10 * BATCH_PAGES, 'the input spans many batches');
    assert.ok(one.zeroPages > one.pages / 40, 'zero-filled pages are among them');
    assert.ok(one.stores[0][1][3] > one.pages / 3, 'copies in the same batch and one and two batches later are found as duplicates');
    assert.equal(one.fingerprints?.filter((w) => w !== 0).length ?? 0, verify ? 0 : 4 * one.contents, 'fingerprints (none zero) only without byte verification');
    for (const threads of [2, 3]) assert.deepEqual(figures(await run(files, threads, verify)), one, `${threads} threads`);
  });
}
