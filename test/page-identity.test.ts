/**
 * The page-key rules of a recording (capture/page-identity.ts) on walks built by hand: the moves
 * this machine cannot show live (swap, migration, KSM, mremap) keep or change keys as zswap would
 * count the page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, LOC, PageIdentity, SampleWalk } from '../src/capture/page-identity.js';

type Where = [proc: number, vpage: number, kind: number, loc: number];

/** Resolves successive samples; returns each sample's keys (in walk order). Keys not found are retired, found ones marked present. */
function run(samples: Where[][]): { keys: number[][]; id: PageIdentity } {
  const id = new PageIdentity();
  const walk = new SampleWalk();
  const keys: number[][] = [];
  samples.forEach((sample, s) => {
    walk.reset();
    for (const [proc, vpage, kind, loc] of sample) walk.push(proc, vpage, kind, loc, loc, 0, 0, 2);
    id.resolve(walk, s);
    for (let k = 0; k < id.limit; k++) {
      if (id.found(k)) id.state[k] = walk.kind[id.primary[k]] === LOC.SWAP ? KEY.SWAPPED : KEY.PRESENT;
      else if (id.state[k] !== KEY.FREE) id.retire(k);
    }
    keys.push([...walk.key.subarray(0, walk.count)]);
    id.finish(walk);
  });
  return { keys, id };
}

const { FRAME, SWAP, TRANSIT } = LOC;

test('a page keeps its key through swap-out, swap-in to another frame, and migration', () => {
  const { keys } = run([
    [[1, 100, FRAME, 10], [1, 101, FRAME, 11]],
    [[1, 100, SWAP, 0x41], [1, 101, FRAME, 12]], // 100 swapped out; 101 migrated
    [[1, 100, FRAME, 20], [1, 101, FRAME, 12]], // 100 swapped in elsewhere
  ]);
  assert.deepEqual(keys, [[0, 1], [0, 1], [0, 1]]);
});

test('one key per physical page or swap slot, whoever maps it; a child after fork shares its parent\'s keys', () => {
  const { keys } = run([
    [[1, 100, FRAME, 10], [1, 101, SWAP, 0x81]],
    [[1, 100, FRAME, 10], [1, 101, SWAP, 0x81], [2, 100, FRAME, 10], [2, 101, SWAP, 0x81]],
  ]);
  assert.deepEqual(keys, [[0, 1], [0, 1, 0, 1]]);
});

test('copy-on-write: the side that keeps the frame keeps the key, the writer has a new page', () => {
  const parentWrites = run([
    [[1, 100, FRAME, 10], [2, 100, FRAME, 10]],
    [[1, 100, FRAME, 30], [2, 100, FRAME, 10]],
  ]);
  assert.deepEqual(parentWrites.keys, [[0, 0], [1, 0]]);
  const childWrites = run([
    [[1, 100, FRAME, 10], [2, 100, FRAME, 10]],
    [[1, 100, FRAME, 10], [2, 100, FRAME, 30]],
  ]);
  assert.deepEqual(childWrites.keys, [[0, 0], [0, 1]]);
});

test('KSM merging two pages into one frame: one key stays, the other is not found (gone)', () => {
  const { keys, id } = run([
    [[1, 100, FRAME, 10], [2, 200, FRAME, 11]],
    [[1, 100, FRAME, 12], [2, 200, FRAME, 12]],
  ]);
  assert.deepEqual(keys, [[0, 1], [0, 0]]);
  assert.equal(id.state[1], KEY.FREE);
});

test('mremap (same frame, another address) keeps the key on condition that the content is unchanged; a new process on a reused frame too', () => {
  const id = new PageIdentity();
  const walk = new SampleWalk();
  walk.push(1, 100, FRAME, 10, 10, 0, 0, 2);
  id.resolve(walk, 0);
  id.state[0] = KEY.PRESENT;
  id.finish(walk);
  walk.reset();
  walk.push(1, 500, FRAME, 10, 10, 0, 0, 2);
  id.resolve(walk, 1);
  assert.equal(walk.key[0], 0);
  assert.equal(id.tentative[0], 1, 'content decides: unchanged = moved, else the frame was reused by a new page');
  const k2 = id.split(0);
  id.state[k2] = KEY.PRESENT;
  id.finish(walk);
  assert.notEqual(k2, 0, 'a split page gets a new key, the old one is gone');
  assert.equal(walk.key[0], k2);
  assert.equal(id.state[0], KEY.FREE);
});

test('a page in transit (migration entry) keeps its key and place; gone keys are handed out again only from the next sample', () => {
  const { keys } = run([
    [[1, 100, FRAME, 10], [1, 101, FRAME, 11]],
    [[1, 100, TRANSIT, 0xff]], // 101 unmapped: key 1 gone now
    [[1, 100, FRAME, 13], [1, 102, FRAME, 14], [1, 103, FRAME, 15]],
  ]);
  assert.deepEqual(keys[1], [0]);
  assert.deepEqual(keys[2], [0, 1, 2], 'key 1, gone in sample 1, is reused in sample 2');
  const same = run([
    [[1, 100, FRAME, 10]],
    [[1, 101, FRAME, 11]], // 100 gone, 101 new in the same sample: not key 0
  ]);
  assert.deepEqual(same.keys, [[0], [1]]);
});

test('freed keys are reused from the next sample on, lowest first, in walk order', () => {
  const page = (vpage: number, frame: number): Where => [1, vpage, FRAME, frame];
  const { keys } = run([
    [page(100, 10), page(101, 11), page(102, 12), page(103, 13), page(104, 14)],
    [page(100, 10), page(104, 14)], // 101..103 freed: keys 1, 2, 3
    [page(100, 10), page(101, 21), page(102, 22), page(103, 23), page(104, 14), page(105, 25)],
  ]);
  assert.deepEqual(keys, [[0, 1, 2, 3, 4], [0, 4], [0, 1, 2, 3, 4, 5]]);
});
