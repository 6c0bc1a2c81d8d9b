import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EINVAL, ENOSPC } from '../src/model/kernel.js';
import { DEFAULT_METADATA_SIZES } from '../src/store/metadata.js';
import { buildSizeClassTable } from '../src/store/zsmalloc-classes.js';
import { ZsmallocPool } from '../src/store/zsmalloc-pool.js';
import { ZsmallocReplica } from '../src/store/zsmalloc-replica.js';
import { ZswapReplica } from '../src/store/zswap-replica.js';
import type { PoolLimit } from '../src/store/zswap-rules.js';
import { ZswapStore } from '../src/store/zswap-store.js';
import { Rng } from './helpers/random.js';

const table = buildSizeClassTable(8);
const HUGE = 4000; // huge class: one page per object
const replica = (dedup: boolean, limit: PoolLimit | null = null, groups: { groupOf(c: number): number } | null = null) =>
  new ZswapReplica('lz4', new ZsmallocReplica(table), dedup, limit, groups);

test('stores only: the replica gives the snapshot store figures, stock and dedup, limit included', () => {
  const rng = new Rng(5);
  const lengths = Array.from({ length: 300 }, (_, c) => (c % 17 === 0 ? -EINVAL : c % 29 === 0 ? -ENOSPC : 1 + rng.below(4096)));
  for (const limit of [null, { maxPages: 400, acceptThresholdPages: 360 }]) {
    for (const dedup of [false, true]) {
      const snap = new ZswapStore('lz4', new ZsmallocPool(table), dedup, limit);
      const r = replica(dedup, limit);
      for (let slot = 0; slot < 3000; slot++) {
        const content = rng.below(rng.below(2) ? 300 : 30);
        snap.store(content, lengths[content]);
        r.store(slot, content, lengths[content]);
      }
      if (limit) assert.ok(snap.rejectPoolLimit > 0, 'the limit was reached');
      // without writeback the shrink worker runs but the snapshot has none: compare only the unlimited case's pool
      if (limit) continue;
      for (const k of ['storedPages', 'compressedBytes', 'chargedBytes', 'rejectCompressFail', 'rejectCompressPoor', 'compressions'] as const) {
        assert.equal(r[k], snap[k], `${k} dedup=${dedup}`);
      }
      assert.equal(r.zpool.totalPages, snap.zpool.totalPages);
      assert.equal(r.dedupHits, snap.duplicatePages);
      assert.deepEqual(r.metadataBytes(DEFAULT_METADATA_SIZES), snap.metadataBytes(DEFAULT_METADATA_SIZES));
    }
  }
});

test('loads and invalidations free entries; the pool keeps the zspages they leave partly used', () => {
  const r = replica(false);
  const L = 1016; // 1024-byte slots, four to a one-page zspage
  for (let slot = 0; slot < 8; slot++) r.store(slot, slot, L);
  assert.equal(r.zpool.totalPages, 2);
  assert.ok(r.load(1));
  assert.ok(r.invalidate(2));
  assert.ok(!r.load(2), 'a slot without an entry is read from the swap device');
  assert.ok(r.load(5));
  assert.equal(r.storedPages, 5);
  assert.equal(r.loads, 2);
  assert.equal(r.invalidations, 1);
  assert.equal(r.zpool.totalPages, 2);
  assert.equal(r.zpool.packedPages(), 2);
  for (const slot of [0, 3]) r.invalidate(slot); // first zspage empty: freed
  assert.equal(r.zpool.totalPages, 1);
  assert.equal(r.compressedBytes, 3 * L);
  assert.equal(r.chargedBytes, 3 * L);
});

test('pool limit: the shrink worker rotates referenced entries, then writes back from the LRU head to the threshold', () => {
  const r = replica(false, { maxPages: 10, acceptThresholdPages: 9 });
  for (let slot = 0; slot < 10; slot++) assert.ok(r.store(slot, slot, HUGE));
  assert.ok(!r.store(10, 10, HUGE), 'full: refused, the worker is queued');
  assert.equal(r.poolLimitHit, 1);
  assert.equal(r.writtenBack, 1, 'ten rotations clear every referenced bit, then the oldest goes');
  assert.ok(!r.hasEntry(0));
  assert.equal(r.zpool.totalPages, 9);
  assert.ok(r.store(11, 11, HUGE), 'at the threshold the flag clears');
  assert.ok(!r.store(12, 12, HUGE));
  assert.equal(r.writtenBack, 2);
  assert.ok(!r.hasEntry(1), 'the next oldest, no longer referenced, goes without rotation');
  assert.equal(r.writebackFreedPages, 2);
  assert.equal(r.rejectPoolLimit, 2);
});

test('pool limit: a worker that meets sixteen referenced entries gives up without writing back', () => {
  const r = replica(false, { maxPages: 20, acceptThresholdPages: 18 });
  for (let slot = 0; slot < 20; slot++) r.store(slot, slot, HUGE);
  assert.ok(!r.store(20, 20, HUGE));
  assert.equal(r.shrinkWorkerGaveUp, 1);
  assert.equal(r.writtenBack, 0);
  assert.ok(!r.store(21, 21, HUGE));
  // the second run: four more rotations (16..19), then 0, 1, 2 unreferenced: written back to 17 ≤ 18
  assert.equal(r.shrinkWorkerGaveUp, 1);
  assert.equal(r.writtenBack, 2);
  assert.equal(r.zpool.totalPages, 18);
});

test('pool limit: the worker\'s memcg cursor outlives a run, so the next run starts with a pass that finds nothing: one failure', () => {
  const r = replica(false, { maxPages: 31, acceptThresholdPages: 30 });
  for (let slot = 0; slot < 31; slot++) r.store(slot, slot, HUGE);
  assert.ok(!r.store(31, 31, HUGE)); // run 1: root, the memcg: 16 rotations (0..15)
  assert.ok(!r.store(32, 32, HUGE)); // run 2: the end of the pass (a failure), then 15 rotations (16..30)
  assert.equal(r.shrinkWorkerGaveUp, 2);
  assert.equal(r.writtenBack, 0, 'with 16 rotations in the second run slot 0 would have gone');
  assert.ok(!r.store(33, 33, HUGE)); // run 3: a failure at the end of the pass, then slot 0 goes
  assert.equal(r.writtenBack, 1);
  assert.equal(r.zpool.totalPages, 30);
});

test('dedup: shared objects live until their last slot; writeback passes over shared entries and frees an object per page', () => {
  const r = replica(true, { maxPages: 3, acceptThresholdPages: 2 });
  r.store(0, 7, HUGE);
  r.store(1, 7, HUGE); // hit
  r.store(2, 8, HUGE);
  r.store(3, 9, HUGE);
  assert.equal(r.dedupHits, 1);
  assert.equal(r.objects!.objects, 3);
  assert.equal(r.objects!.savedBytes, HUGE);
  assert.equal(r.zpool.totalPages, 3);
  // full: each pass of the worker passes over slots 0 and 1 (content 7, shared) without a failure,
  // rotates slot 2 then 3 (referenced: two failures), then writes back slot 2 (frees content 8)
  assert.ok(!r.store(4, 7, HUGE), 'a hit is refused too while the pool is full');
  assert.equal(r.writtenBack, 1);
  assert.equal(r.writebackShared, 0);
  assert.equal(r.writebackFreedPages, 1);
  assert.ok(r.writebackSkippedShared >= 2);
  assert.ok(r.hasEntry(0) && r.hasEntry(1) && !r.hasEntry(2) && r.hasEntry(3));
  assert.equal(r.objects!.savedBytes, HUGE, 'the shared object is untouched');
  assert.equal(r.objects!.objects, 2);
  assert.ok(r.load(0)); // its first slot goes: the object stays for slot 1
  assert.equal(r.objects!.objects, 2);
  assert.equal(r.objects!.savedBytes, 0);
  r.invalidate(1);
  r.invalidate(3);
  assert.equal(r.zpool.totalPages, 0);
  assert.equal(r.storedPages, 0);
  assert.equal(r.chargedBytes, 0);
  assert.equal(r.objects!.objects, 0);
});

test('dedup: the worker walks past shared entries without counting them as failures', () => {
  const r = replica(true, { maxPages: 2, acceptThresholdPages: 1 });
  for (let slot = 0; slot < 20; slot++) r.store(slot, 0, HUGE); // one object, twenty slots
  r.store(20, 1, HUGE);
  assert.equal(r.zpool.totalPages, 2);
  assert.ok(!r.store(21, 2, HUGE));
  // pass 1: twenty shared entries passed over, slot 20 rotated (referenced: one failure);
  // pass 2: twenty more, then slot 20 written back: the pool is at the threshold
  assert.equal(r.writebackSkippedShared, 40);
  assert.equal(r.writtenBack, 1);
  assert.equal(r.shrinkWorkerGaveUp, 0);
  assert.ok(!r.hasEntry(20));
  assert.equal(r.objects!.objects, 1);
  assert.equal(r.storedPages, 20);
});

test('dedup: a content whose key another content holds is stored as without dedup, and shares once the key is free', () => {
  // contents 1 and 2 share a hash key (group 1)
  const r = replica(true, null, { groupOf: (c) => (c === 2 ? 1 : c) });
  r.store(0, 1, 100);
  r.store(1, 2, 200); // verify failure: a plain entry, no object
  assert.equal(r.objects!.verifyFailures, 1);
  assert.equal(r.objects!.objects, 1);
  r.store(2, 2, 200); // the key still points at content 1: another failure, another plain entry
  assert.equal(r.objects!.verifyFailures, 2);
  assert.equal(r.objects!.objects, 1);
  assert.equal(r.compressedBytes, 500);
  r.invalidate(0); // content 1's object goes, the key is free
  r.store(3, 2, 200); // now content 2 gets an indexed object of its own
  r.store(4, 2, 200); // and shares it
  assert.equal(r.dedupHits, 1);
  assert.equal(r.objects!.objects, 1);
  assert.equal(r.objects!.privateObjects, 0);
  assert.equal(r.compressions, 4);
  r.invalidate(1);
  r.invalidate(2);
  assert.equal(r.compressedBytes, 200);
  assert.equal(r.storedPages, 2);
});

test('a store over a live entry (a re-dirtied page swapped again) frees the old one after, a refused one erases it', () => {
  const r = replica(true);
  r.store(0, 5, 300);
  r.store(0, 5, 300); // same content: shares its own old object, then the old entry goes
  assert.equal(r.storedPages, 1);
  assert.equal(r.dedupHits, 1);
  assert.equal(r.objects!.objects, 1);
  assert.ok(!r.store(0, 6, -EINVAL));
  assert.equal(r.storedPages, 0);
  assert.equal(r.zpool.totalPages, 0);
});
