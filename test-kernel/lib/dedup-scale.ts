/**
 * The output of kernel/dedup/dedup-scale.c: per checkpoint the index lookup
 * and store cost (minimum and median over sub-batches), slab and pool size;
 * at the end zswap's counters.  Used by test-kernel/debug/dedup-scale.ts.
 */
import assert from 'node:assert/strict';

export interface ScaleRow {
  objects: number;
  trees: number;
  /** ns per lookup, [minimum, median] over the sub-batches */
  miss: [number, number];
  hit: [number, number];
  /** ns per store (MADV_PAGEOUT), [minimum, median] */
  missStore: [number, number];
  hitStore: [number, number];
  slabKiB: number;
  poolBytes: number;
}

export interface ScaleResult {
  rows: ScaleRow[];
  /** dedup_objects at the end */
  objects: number;
  /** the "reject NAME N" counters: stored_pages, reject_*, written_back_pages, dedup_hits, dedup_verify_fail */
  counters: Map<string, number>;
}

export function parseScale(text: string): ScaleResult {
  const rows = text.split('\n').filter((l) => l.startsWith('objects ')).map((l) => {
    const f = l.trim().split(/\s+/);
    const at = (k: string, i = 1): number => {
      const j = f.indexOf(k);
      assert.ok(j >= 0 && j + i < f.length, `no ${k} in: ${l}`);
      return Number(f[j + i]);
    };
    return {
      objects: at('objects'), trees: at('trees'),
      miss: [at('miss_lookup_ns'), at('miss_lookup_ns', 2)], hit: [at('hit_lookup_ns'), at('hit_lookup_ns', 2)],
      missStore: [at('miss_store_ns'), at('miss_store_ns', 2)], hitStore: [at('hit_store_ns'), at('hit_store_ns', 2)],
      slabKiB: at('slab_kb'), poolBytes: at('pool_bytes'),
    } as ScaleRow;
  });
  const counters = new Map<string, number>();
  for (const m of text.matchAll(/^reject (\w+) (\d+)$/gm)) counters.set(m[1], Number(m[2]));
  const done = /^done objects (\d+)$/m.exec(text);
  return { rows, objects: done ? Number(done[1]) : NaN, counters };
}

/**
 * What every run must show: a row per checkpoint; nearly every page stored
 * (swap readahead of the measured batches can load a few region pages back);
 * every stored page an object of its own except pages whose key collided
 * with another content's (at most dedup_verify_fail of them); no reject.
 */
export function checkScale(r: ScaleResult, total: number, checkpoints: number[]): void {
  assert.equal(r.rows.length, checkpoints.length, 'a row per checkpoint');
  const c = (k: string): number => {
    const v = r.counters.get(k);
    assert.ok(v !== undefined, `counter ${k} reported`);
    return v;
  };
  const stored = c('stored_pages');
  assert.ok(stored >= 0.99 * total, `at least 99 % of the ${total} pages stored (${stored})`);
  assert.ok(r.objects <= stored && stored - r.objects <= c('dedup_verify_fail'),
    `stored pages ${stored} = objects ${r.objects} + collisions (at most dedup_verify_fail ${c('dedup_verify_fail')})`);
  for (const k of ['reject_compress_fail', 'reject_alloc_fail', 'reject_kmemcache_fail', 'reject_reclaim_fail', 'pool_limit_hit', 'written_back_pages']) {
    assert.equal(c(k), 0, k);
  }
}

/** The table for the cover letter: µs per lookup and store, slab and pool bytes per object. */
export function scaleTable(r: ScaleResult): string {
  const first = r.rows[0];
  const us = (x: number): string => (x / 1000).toFixed(2);
  return ['objects  trees  objects/tree  miss lookup µs min (median)  hit lookup µs min (median)  miss store µs min  hit store µs min  slab B/object  pool B/object',
    ...r.rows.map((row) => [row.objects, row.trees, (row.objects / row.trees).toFixed(0),
      `${us(row.miss[0])} (${us(row.miss[1])})`, `${us(row.hit[0])} (${us(row.hit[1])})`,
      us(row.missStore[0]), us(row.hitStore[0]),
      row === first ? '–' : ((row.slabKiB - first.slabKiB) * 1024 / (row.objects - first.objects)).toFixed(0),
      (row.poolBytes / row.objects).toFixed(0)].join('  '))].join('\n');
}
