/** The replay over time: policies, churn, and the snapshot figures it must reproduce. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { CompressorName } from '../src/compress/compressor.js';
import { replay } from '../src/replay/pipeline.js';
import { replayTimeline, type TimelineReplayOptions } from '../src/replay/timeline-replay.js';
import type { ReclaimPolicy } from '../src/replay/reclaim-policy.js';
import { openSource } from '../src/sources/open-source.js';
import { DEFAULT_METADATA_SIZES } from '../src/store/metadata.js';
import { openTimeline } from '../src/timeline/open-timeline.js';
import { IDLE_UNKNOWN, PAGE_EVENT, type PageEvent } from '../src/timeline/timeline.js';
import { ArrayTimeline, makePage, type ArrayEvent, type ArraySample } from './helpers/array-timeline.js';
import { Rng } from './helpers/random.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const compressors: CompressorName[] = ['lz4', 'zstd'];
const common = { compressors, chainSize: 8, hash: 'xxh64' as const, hashBits: 64, verify: true, limit: null, metadata: DEFAULT_METADATA_SIZES, threads: 1 };
const options = (reclaim: ReclaimPolicy, extra: Partial<TimelineReplayOptions> = {}): TimelineReplayOptions => ({ ...common, reclaim, compaction: 'never', ...extra });

/** a page of content number c: some incompressible (c % 11 == 0), some zero (c % 13 == 0), the rest of varied sizes */
function pageOf(c: number): Buffer {
  if (c % 13 === 0) return Buffer.alloc(4096);
  return makePage(c, c % 11 === 0 ? 4096 : (c * 37) % 3000);
}

async function snapshotOf(pages: Buffer[]) {
  const file = path.join(dir, `snap-${pages.length}-${Math.random()}.raw`);
  fs.writeFileSync(file, Buffer.concat(pages));
  const src = openSource(file, 'raw');
  try {
    return await replay([src], { ...common, zpool: 'zsmalloc' });
  } finally {
    src.close();
  }
}

test('--reclaim all over a one-sample timeline gives the snapshot figures exactly', async () => {
  const pages = Array.from({ length: 700 }, (_, i) => pageOf(i % 300));
  const file = path.join(dir, 'one.raw');
  fs.writeFileSync(file, Buffer.concat(pages));
  const snap = await snapshotOf(pages);
  const t = openTimeline([file], 'raw');
  const out = await replayTimeline(t, options({ kind: 'all' }));
  t.close();
  assert.equal(out.samples.length, 1);
  const row = out.samples[0];
  assert.equal(row.pages.out, 700);
  assert.equal(row.pages.outZero, snap.zeroPages);
  for (const s of snap.stores) {
    for (const [store, dedup] of [[s.plain, false], [s.dedup, true]] as const) {
      const r = row.results.find((x) => x.compressor === s.compressor && x.dedup === dedup)!;
      const what = `${s.compressor} dedup=${dedup}`;
      assert.equal(r.stored_pages, store.storedPages, what);
      assert.equal(r.pool_pages, store.zpool.totalPages, what);
      assert.equal(r.packed_pool_pages, store.zpool.totalPages, what);
      assert.equal(r.fragmentation_pages, 0, what);
      assert.equal(r.compressed_bytes, store.compressedBytes, what);
      assert.equal(r.charged_bytes, store.chargedBytes, what);
      assert.equal(r.metadata_bytes, store.metadataBytes(DEFAULT_METADATA_SIZES).total, what);
      assert.equal(r.rejects.compress_fail, store.rejectCompressFail, what);
      assert.equal(r.compressions, store.compressions, what);
      assert.equal(r.dedup_hits, store.duplicatePages, what);
      assert.equal(r.dedup_shared_pages, store.duplicatePages, what);
      if (dedup) assert.equal(r.dedup_objects, store.poolObjects, what);
    }
  }
});

/** A random churning timeline: pages appear, change, go away, keys are reused. */
function churn(seed: number, samples: number): { timeline: ArraySample[]; liveAt: Buffer[][] } {
  const rng = new Rng(seed);
  const live = new Map<number, number>(); // key → content
  const dead: number[] = [];
  let nextKey = 0;
  const timeline: ArraySample[] = [];
  const liveAt: Buffer[][] = [];
  for (let s = 0; s < samples; s++) {
    const events: ArrayEvent[] = [];
    const touched = new Set<number>();
    for (const key of [...live.keys()]) {
      const r = rng.below(10);
      if (r === 0) {
        live.delete(key);
        events.push({ key, event: PAGE_EVENT.GONE });
        touched.add(key);
      } else if (r === 1) {
        const c = rng.below(400);
        live.set(key, c);
        events.push({ key, event: PAGE_EVENT.CHANGE, page: pageOf(c) });
      }
    }
    const reusable = dead.splice(0);
    for (let i = 0; i < 150; i++) {
      const key = reusable.length ? reusable.pop()! : nextKey++;
      const c = rng.below(400);
      live.set(key, c);
      events.push({ key, event: PAGE_EVENT.APPEAR, page: pageOf(c) });
    }
    dead.push(...reusable, ...touched);
    timeline.push({ time: s * 10, events });
    liveAt.push([...live.keys()].sort((a, b) => a - b).map((k) => pageOf(live.get(k)!)));
  }
  return { timeline, liveAt };
}

test('--reclaim all under churn: at each sample the live pages give the snapshot figures, pool pages beside fragmentation', async () => {
  const { timeline, liveAt } = churn(9, 6);
  const out = await replayTimeline(new ArrayTimeline(timeline), options({ kind: 'all' }));
  let fragmented = 0;
  let hitsOfFreedEntries = 0;
  for (const [s, row] of out.samples.entries()) {
    const snap = await snapshotOf(liveAt[s]);
    assert.equal(row.pages.live, liveAt[s].length);
    assert.equal(row.pages.out, liveAt[s].length);
    for (const st of snap.stores) {
      for (const [store, dedup] of [[st.plain, false], [st.dedup, true]] as const) {
        const r = row.results.find((x) => x.compressor === st.compressor && x.dedup === dedup)!;
        const what = `sample ${s} ${st.compressor} dedup=${dedup}`;
        assert.equal(r.stored_pages, store.storedPages, what);
        assert.equal(r.compressed_bytes, store.compressedBytes, what);
        assert.equal(r.charged_bytes, store.chargedBytes, what);
        assert.equal(r.packed_pool_pages, store.zpool.totalPages, what);
        assert.ok(r.pool_pages >= r.packed_pool_pages, what);
        if (dedup) assert.equal(r.dedup_objects, store.poolObjects, what);
        // the pages sharing an object now are the snapshot's duplicates; dedup_hits also counts hits of entries since freed
        assert.equal(r.dedup_shared_pages, store.duplicatePages, what);
        hitsOfFreedEntries += r.dedup_hits - r.dedup_shared_pages;
        fragmented += r.fragmentation_pages;
      }
    }
  }
  assert.ok(fragmented > 0, 'frees left partly used zspages');
  assert.ok(hitsOfFreedEntries > 0, 'some hits were of entries freed since');
  const last = out.samples.at(-1)!.results[0];
  assert.ok(last.invalidations > 0 && last.loads > 0);
});

test('compaction at every sample leaves no pool page a packed pool would not need', async () => {
  const { timeline } = churn(4, 5);
  const out = await replayTimeline(new ArrayTimeline(timeline), options({ kind: 'all' }, { compaction: 'sample' }));
  for (const row of out.samples) for (const r of row.results) assert.equal(r.pool_pages, r.packed_pool_pages);
  assert.ok(out.samples.at(-1)!.results.some((r) => r.compacted_pages > 0));
});

const ev = (key: number, event: PageEvent, c?: number): ArrayEvent => ({ key, event, page: c === undefined ? undefined : pageOf(c) });

test('--reclaim idle:10 sends out pages idle 10 s or more, coldest first, and loads back those accessed since', async () => {
  const samples: ArraySample[] = [
    { time: 0, events: [1, 2, 3, 4, 5, 6].map((c, key) => ev(key, PAGE_EVENT.APPEAR, c)) },
    // key 3's age unknown: the time since its content last changed (20 s) stands in
    { time: 20, events: [], ages: [30, 30, 5, IDLE_UNKNOWN, 30, 0] },
    // key 0 accessed 5 s ago (it went out 20 s ago): back; key 2 now idle enough
    { time: 40, events: [ev(4, PAGE_EVENT.GONE)], ages: [5, 50, 25, 40, 0, 2] },
  ];
  const out = await replayTimeline(new ArrayTimeline(samples), options({ kind: 'idle', seconds: 10 }));
  const [s0, s1, s2] = out.samples;
  assert.equal(s0.pages.out, 0);
  assert.deepEqual([s1.pages.out, s1.pages.swappedOut], [4, 4]);
  assert.equal(s1.results[0].stored_pages, 4);
  assert.deepEqual([s2.pages.swappedIn, s2.pages.swappedOut, s2.pages.out, s2.pages.live], [1, 1, 3, 5]);
  const r = s2.results[0];
  assert.deepEqual([r.loads, r.invalidations, r.stored_pages], [1, 1, 3]);
});

test('--reclaim limit keeps the given size resident and sends the coldest out', async () => {
  const samples: ArraySample[] = [
    { time: 0, events: Array.from({ length: 10 }, (_, key) => ev(key, PAGE_EVENT.APPEAR, key + 1)) },
    // key 2 (out since 0 s) was accessed 10 s ago: back in, so the coldest resident page (key 6) goes
    { time: 60, events: [], ages: [60, 60, 10, 60, 60, 60, 50, 40, 30, 20] },
  ];
  const out = await replayTimeline(new ArrayTimeline(samples), options({ kind: 'limit', pages: 4, bytes: 16384 }));
  assert.equal(out.samples[0].pages.out, 6, 'ages unknown at the first sample: all equally cold, input order');
  const s1 = out.samples[1];
  assert.deepEqual([s1.pages.resident, s1.pages.swappedIn, s1.pages.swappedOut], [4, 1, 1]);
  assert.equal(s1.results[0].loads, 1);
  assert.equal(s1.results[0].stored_pages, 6);
});

test('--reclaim recorded follows the recorded kernel: swapped out, swapped in, freed', async () => {
  const samples: ArraySample[] = [
    { time: 0, events: [1, 2, 3, 4].map((c, key) => ev(key, PAGE_EVENT.APPEAR, c)) },
    { time: 1, events: [ev(0, PAGE_EVENT.SWAPPED), ev(1, PAGE_EVENT.SWAPPED), ev(2, PAGE_EVENT.SWAPPED)] },
    { time: 2, events: [ev(0, PAGE_EVENT.SWAPPED_IN), ev(1, PAGE_EVENT.GONE), ev(2, PAGE_EVENT.CHANGE, 9)] },
  ];
  const out = await replayTimeline(new ArrayTimeline(samples), options({ kind: 'recorded' }));
  assert.equal(out.samples[0].results[0].stored_pages, 0);
  assert.equal(out.samples[1].results[0].stored_pages, 3);
  const r = out.samples[2].results[0];
  assert.deepEqual([r.stored_pages, r.loads, r.invalidations, r.stores], [0, 2, 1, 3]);
});
