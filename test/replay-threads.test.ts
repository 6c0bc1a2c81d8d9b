/**
 * With worker threads the replay overlaps batches (the workers compress one while the calling
 * thread reads and indexes the next): the outcome must be that of one thread, page for page,
 * also when a content new in one batch comes again in the next while its job still runs.
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

/** the fixture corpus, each page followed one batch later (and, every third, two batches later) by a copy of it */
function inputs(): string[] {
  const corpus = loadCorpus();
  const order: number[] = [];
  for (let i = 0; i < corpus.count; i++) {
    order.push(i);
    if (i >= BATCH_PAGES - 3) order.push(i - (BATCH_PAGES - 3));
    if (i % 3 === 0 && i >= 2 * BATCH_PAGES) order.push(i - 2 * BATCH_PAGES);
  }
  const page = (i: number) => corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  const half = Math.floor(order.length / 2);
  return [order.slice(0, half), order.slice(half)].map((part, n) => {
    const file = path.join(dir, `part${n}.raw`);
    fs.writeFileSync(file, Buffer.concat(part.map(page)));
    return file;
  });
}

async function run(files: string[], threads: number): Promise<ReplayOutcome> {
  const sources = files.map((f) => openSource(f, 'raw'));
  try {
    return await replay(sources, defaultReplayOptions(compressors, threads));
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
    lengths: Array.from(o.index.lengths.subarray(0, o.index.count * compressors.length)),
    pagesPerContent: Array.from(o.index.pages.subarray(0, o.index.count)),
    stores: o.stores.map(({ plain, dedup }) =>
      [plain, dedup].map((s) => [s.storedPages, s.compressedBytes, s.compressions, s.duplicatePages, s.zpool.totalPages, s.rejectCompressFail]),
    ),
    sharing: JSON.stringify(o.sharing),
  };
}

test('the replay gives the same figures on 1, 2 and 3 threads across overlapped batches and inputs', async () => {
  const files = inputs();
  const one = figures(await run(files, 1));
  assert.ok(one.pages > 10 * BATCH_PAGES, 'the input spans many batches');
  assert.ok(one.stores[0][1][3] > one.pages / 3, 'copies one and two batches later are found as duplicates');
  for (const threads of [2, 3]) assert.deepEqual(figures(await run(files, threads)), one, `${threads} threads`);
});
