import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EINVAL, ENOSPC } from '../src/model/kernel.js';
import { buildSizeClassTable } from '../src/store/zsmalloc-classes.js';
import { ZsmallocPool } from '../src/store/zsmalloc-pool.js';
import { fullnessGroup, ZsmallocReplica } from '../src/store/zsmalloc-replica.js';
import { Rng } from './helpers/random.js';

const table = buildSizeClassTable(8);
/** a compressed length whose class has `objs` objects in a one-page zspage (1024-byte slots: 4) */
function lengthFor(size: number): number {
  const len = size - 8;
  const cls = table.classes[table.classOfLength[len]];
  assert.equal(cls.size, size);
  return len;
}
const L1024 = lengthFor(1024); // 1 page, 4 objects
const L2048 = lengthFor(2048); // 1 page, 2 objects

test('fullness groups follow get_fullness_group(): 0, 100 and tenths rounded up', () => {
  assert.equal(fullnessGroup(0, 4), 0);
  assert.equal(fullnessGroup(4, 4), 11);
  assert.equal(fullnessGroup(1, 4), 3); // 25 % → ratio 2 → group 3 (ZS_INUSE_RATIO_30)
  assert.equal(fullnessGroup(1, 128), 1); // 0 % by integer division, still the 10 % group
  assert.equal(fullnessGroup(127, 128), 10); // 99 %
});

test('allocations only: the same pages as the counting pool, whatever the order of sizes', () => {
  const rng = new Rng(7);
  const replica = new ZsmallocReplica(table);
  const counting = new ZsmallocPool(table);
  for (let i = 0; i < 20000; i++) {
    const len = 1 + rng.below(i % 4 === 0 ? 4096 : 700);
    assert.ok(replica.malloc(len) >= 0);
    counting.malloc(len);
  }
  assert.equal(replica.totalPages, counting.totalPages);
  assert.equal(replica.zspages, counting.zspages);
  assert.equal(replica.packedPages(), counting.totalPages);
  assert.equal(replica.malloc(0), -EINVAL);
  assert.equal(replica.malloc(4097), -ENOSPC);
});

test('a free leaves its slot empty; the next object goes to the fullest zspage below 100 %', () => {
  const pool = new ZsmallocReplica(table);
  const h = Array.from({ length: 8 }, () => pool.malloc(L1024)); // zspage A: h0-h3, B: h4-h7
  assert.equal(pool.totalPages, 2);
  pool.free(h[1]);
  pool.free(h[2]);
  pool.free(h[3]); // A 25 %
  pool.free(h[4]); // B 75 %
  assert.equal(pool.totalPages, 2, 'partly used zspages stay');
  assert.equal(pool.packedPages(), 1);
  pool.malloc(L1024); // into B (the fuller one): B is full again
  pool.malloc(L1024); // B full, so into A
  const stats = pool.classStats().find((s) => s.size === 1024)!;
  assert.deepEqual(stats.groups, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]); // A at 50 %, B at 100 %
  assert.equal(pool.totalPages, 2);
  pool.free(h[0]);
  const last = pool.malloc(L1024);
  pool.free(last);
  assert.equal(pool.totalPages, 2);
});

test('a zspage is freed with its last object, and the pool drains to nothing', () => {
  const rng = new Rng(3);
  const pool = new ZsmallocReplica(table);
  const live: number[] = [];
  for (let round = 0; round < 5000; round++) {
    if (live.length > 0 && rng.below(3) === 0) pool.free(live.splice(rng.below(live.length), 1)[0]);
    else live.push(pool.malloc(1 + rng.below(4096)));
    assert.ok(pool.packedPages() <= pool.totalPages);
  }
  for (const h of live) pool.free(h);
  assert.equal(pool.totalPages, 0);
  assert.equal(pool.zspages, 0);
  assert.equal(pool.objects, 0);
  assert.throws(() => pool.free(live[0]), /not allocated/);
});

test('compaction moves the emptiest zspage into the fullest and frees what it empties', () => {
  const pool = new ZsmallocReplica(table);
  const h = Array.from({ length: 12 }, () => pool.malloc(L1024)); // A h0-3, B h4-7, C h8-11
  for (const i of [1, 2, 3, 6, 7, 11]) pool.free(h[i]); // A 1 object, B 2, C 3
  assert.equal(pool.totalPages, 3);
  assert.equal(pool.canCompact(), 1);
  assert.equal(pool.compact(), 1); // A's object into C (the fullest): C full, A freed
  assert.equal(pool.totalPages, 2);
  assert.equal(pool.canCompact(), 0);
  assert.equal(pool.pagesCompacted, 1);
  // h0 now lives in C: freeing C's objects and B's frees everything
  for (const i of [0, 4, 5, 8, 9, 10]) pool.free(h[i]);
  assert.equal(pool.totalPages, 0);
});

test('after compaction no class could free a page more; random churn keeps every count consistent', () => {
  const rng = new Rng(11);
  const pool = new ZsmallocReplica(table);
  const live: number[] = [];
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 400; i++) live.push(pool.malloc(i % 2 ? L2048 : 1 + rng.below(1500)));
    for (let i = 0; i < 300; i++) pool.free(live.splice(rng.below(live.length), 1)[0]);
    const before = pool.totalPages;
    const expected = pool.canCompact();
    const freed = pool.compact();
    assert.equal(freed, expected, 'zs_can_compact() predicts what __zs_compact() frees');
    assert.equal(pool.totalPages, before - freed);
    assert.equal(pool.canCompact(), 0);
    const stats = pool.classStats();
    assert.equal(stats.reduce((a, s) => a + s.pagesUsed, 0), pool.totalPages);
    assert.equal(stats.reduce((a, s) => a + s.objUsed, 0), live.length);
  }
  for (const h of live) pool.free(h);
  assert.equal(pool.totalPages, 0);
});
