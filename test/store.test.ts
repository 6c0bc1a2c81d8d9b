import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EINVAL, ENOSPC } from '../src/model/kernel.js';
import { DEFAULT_METADATA_SIZES } from '../src/store/metadata.js';
import { ZbudPool } from '../src/store/zbud-pool.js';
import { buildSizeClassTable } from '../src/store/zsmalloc-classes.js';
import { ZsmallocPool } from '../src/store/zsmalloc-pool.js';
import { ZswapStore } from '../src/store/zswap-store.js';
import { ContentIndex } from '../src/replay/content-index.js';
import { seriesKeyGroups } from '../src/replay/series-key-groups.js';
import { expectedPoolPages } from './helpers/corpus.js';
import { randomBytes } from './helpers/random.js';

test('zsmalloc pool pages follow Σ ceil(n_c / objs_c) × pages_c of the kernel table', () => {
  const table = buildSizeClassTable(8);
  const r = randomBytes(20000, 3);
  const lengths: number[] = [];
  const pool = new ZsmallocPool(table);
  for (let i = 0; i < 5000; i++) {
    // skew towards small objects so many classes get several zspages
    const len = 1 + ((r[2 * i] | (r[2 * i + 1] << 8)) % (i % 3 === 0 ? 4096 : 600));
    lengths.push(len);
    assert.equal(pool.malloc(len), 0);
  }
  assert.equal(pool.totalPages, expectedPoolPages(lengths));
  assert.equal(pool.objects, 5000);
  assert.equal(pool.malloc(0), -EINVAL);
  assert.equal(pool.malloc(4097), -ENOSPC);
});

test('zbud pairs two objects per page when their chunks fit, refuses more than 3968 bytes', () => {
  const pool = new ZbudPool();
  assert.equal(pool.malloc(1900), 0); // 30 chunks, page 1
  assert.equal(pool.malloc(1900), 0); // fits the 33 free chunks of page 1
  assert.equal(pool.totalPages, 1);
  assert.equal(pool.malloc(2100), 0); // 33 chunks, page 2 (30 free left)
  assert.equal(pool.malloc(2100), 0); // does not fit in 30: page 3
  assert.equal(pool.totalPages, 3);
  assert.equal(pool.malloc(64), 0); // 1 chunk: first unbuddied list with room (30 free, page 2 or 3)
  assert.equal(pool.totalPages, 3);
  assert.equal(pool.malloc(3968), 0);
  assert.equal(pool.malloc(3969), -ENOSPC);
  assert.equal(pool.totalPages, 4);
});

test('a store without dedup keeps one object per page; with dedup one per content', () => {
  const table = buildSizeClassTable(8);
  const plain = new ZswapStore('lz4', new ZsmallocPool(table), false, null);
  const dedup = new ZswapStore('lz4', new ZsmallocPool(table), true, null);
  const pages: [number, number][] = [[0, 100], [1, 200], [0, 100], [2, -EINVAL], [2, -EINVAL], [0, 100], [3, -ENOSPC]];
  for (const [content, len] of pages) {
    plain.store(content, len);
    dedup.store(content, len);
  }
  assert.equal(plain.storedPages, 4);
  assert.equal(dedup.storedPages, 4);
  assert.equal(plain.poolObjects, 4);
  assert.equal(dedup.poolObjects, 2);
  assert.equal(dedup.duplicatePages, 2);
  assert.equal(plain.compressedBytes, 500);
  assert.equal(dedup.compressedBytes, 300);
  assert.equal(plain.rejectCompressFail, 2);
  assert.equal(dedup.rejectCompressFail, 2); // a rejected content is never an object: compressed and rejected again
  assert.equal(plain.rejectCompressPoor, 1);
  assert.equal(dedup.compressions, 5);
  assert.equal(dedup.pagesSharing(0, 3), 3);
  assert.equal(dedup.pagesSharing(2, 2), 0);
  const m = dedup.metadataBytes(DEFAULT_METADATA_SIZES);
  assert.equal(m.entries, 4 * 56);
  // a zswap_obj takes the place of its first slot's entry: it adds 96 - 56 bytes to it
  assert.equal(m.dedup_objects, 2 * (DEFAULT_METADATA_SIZES.dedupObjectBytes - DEFAULT_METADATA_SIZES.dedupEntryBytes));
  assert.equal(m.dedup_objects, 2 * 40);
  assert.equal(m.total, m.entries + m.xarray + m.allocator + m.dedup_objects + m.dedup_index);
});

test('pool limit: stores refused from reaching max_pages until the pool drains to the threshold', () => {
  const table = buildSizeClassTable(8);
  const store = new ZswapStore('zstd', new ZsmallocPool(table), false, { maxPages: 10, acceptThresholdPages: 9 });
  for (let i = 0; i < 15; i++) store.store(i, 4000); // huge class: one page each
  assert.equal(store.storedPages, 10);
  assert.equal(store.zpool.totalPages, 10);
  assert.equal(store.rejectPoolLimit, 5);
  assert.equal(store.poolLimitHit, 5);
  // with dedup, a page sharing an object is refused as well while the pool is full
  const d = new ZswapStore('zstd', new ZsmallocPool(table), true, { maxPages: 1, acceptThresholdPages: 0 });
  d.store(0, 4000);
  d.store(0, 4000);
  assert.equal(d.storedPages, 1);
  assert.equal(d.rejectPoolLimit, 1);
  assert.equal(d.pagesSharing(0, 2), 1);
});

/** a content index keyed by fingerprint (no page reads) with the given (low word, high word) hashes added in order */
function indexOf(hashes: readonly (readonly [number, number])[]): ContentIndex {
  const index = new ContentIndex(1, false, () => {}, 16);
  const fp = new Uint32Array(4);
  hashes.forEach(([lo, hi], i) => {
    fp[0] = i;
    index.findOrAdd(lo, hi, null, 0, fp, 0, i);
  });
  return index;
}

test('the dedup store collides contents on the series\' 32-bit key even when the index keys on 64 bits', () => {
  // three contents: 0 and 2 share the low 32 bits of their hash (the series' key), 1 does not
  const index = indexOf([[0xdeadbeef, 1], [0x12345678, 1], [0xdeadbeef, 2]]);
  const groups = seriesKeyGroups(index, 64, 32);
  assert.equal(groups.groupOf(2), 0);
  assert.equal(groups.groupOf(1), 1);
  assert.equal(groups.groupOf(0), 0);
  assert.equal(seriesKeyGroups(index, 32, 32), index, 'an index keyed on 32 bits is its own grouping');
  const store = new ZswapStore('lz4', new ZsmallocPool(buildSizeClassTable(8)), true, null, groups);
  for (const [content, length] of [[0, 100], [1, 200], [2, 300], [2, 300], [0, 100]] as const) store.store(content, length);
  // content 2 finds content 0's object under its key, fails verification, and is stored as without
  // dedup each time; content 0's second copy shares
  assert.equal(store.storedPages, 5);
  assert.equal(store.dedupObjects, 2);
  assert.equal(store.duplicatePages, 1);
  assert.equal(store.verifyFailures, 2);
  assert.equal(store.collisionPages, 2);
});

test('the series key group of every content is the first content with its low word, across the index\'s rehashes', () => {
  // 6,000 contents on 900 low words (and some whole-hash collisions): the index grows from 16
  // slots, so probe paths are rebuilt many times and wrap around the table's end
  const r = randomBytes(6000 * 8, 11);
  const words = new Uint32Array(r.buffer, r.byteOffset, 6000 * 2);
  const hashes: [number, number][] = [];
  for (let i = 0; i < 6000; i++) hashes.push([Math.imul(words[2 * i] % 900, 0x01000193) >>> 0, i % 7 === 0 ? 5 : words[2 * i + 1]]);
  const index = indexOf(hashes);
  assert.equal(index.count, 6000);
  const first = new Map<number, number>();
  let shared = 0;
  hashes.forEach(([lo], id) => {
    if (!first.has(lo)) first.set(lo, id);
    else shared++;
    assert.equal(index.lowWordGroupOf(id), first.get(lo), `content ${id}`);
  });
  assert.ok(shared > 5000);
  assert.ok(index.collisionPairs > 0, 'some contents share the whole hash too');
});
