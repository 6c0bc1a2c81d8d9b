/**
 * The cost of a dedup index lookup as the index grows to a million objects
 * (kernel/dedup/dedup-scale.c in the guest, on the dedup kernel with its
 * CONFIG_ZSWAP_DEDUP_DEBUG timing): 1 GiB guest, lz4, dedup on; a region of
 * $ZSWAP_DEDUP_SCALE_PAGES pages (default 1048576 + 8192) filled with distinct
 * tiny pages and paged out chunk by chunk, lookups of misses and hits
 * measured at each checkpoint (minimum and median over 8 sub-batches: a mean
 * on a shared host is mostly host preemption), with the slab memory per
 * object.  Prints a table for the cover letter; asserts only that every page
 * stored became an object of its own and that nearly all were stored.
 *
 * Not a *.test.* file: `npm run test:kernel` (and so CI) does not run it
 * (about a million zswap stores under TCG).  Run it with
 * kernel/run-dedup-scale.sh.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { ensureInitramfs, runJob } from '../lib/guest.js';
import { dedupBootParams, ensureDedupKernel, ensureDedupTools } from '../lib/dedup.js';

const TOTAL = Number(process.env.ZSWAP_DEDUP_SCALE_PAGES || 1048576 + 8192);
const CHECKPOINTS = [1024, 16384, 131072, 1048576].filter((c) => c <= TOTAL);

describe('dedup index lookup cost up to a million objects', () => {
  let kernel = '';
  let initrd = '';
  let tools = '';

  before(async () => {
    kernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
  });

  it(`lookups at ${CHECKPOINTS.join(', ')} objects / lz4`, async () => {
    const run = await runJob({
      kernel,
      initrd,
      memoryMiB: 1024,
      append: dedupBootParams('lz4', true),
      swapMiB: Math.ceil((TOTAL + 16384) * 4096 / (1 << 20)),
      files: { 'dedup-scale': join(tools, 'dedup-scale') },
      script: `mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1\n/job/dedup-scale ${TOTAL} ${CHECKPOINTS.join(' ')} >/out/scale.txt || exit 1\ngrep -E '^(MemTotal|Slab|SUnreclaim|Zswap|Zswapped):' /proc/meminfo >>/out/scale.txt\n`,
      timeoutMs: 7_200_000,
    });
    const text = run.outputs['scale.txt']?.toString() ?? '';
    console.log(`guest ${(run.durationMs / 1000).toFixed(0)} s, host load ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n${text}`);
    const rows = text.split('\n').filter((l) => l.startsWith('objects ')).map((l) => {
      const f = l.split(/\s+/);
      const at = (k: string, i = 1): number => Number(f[f.indexOf(k) + i]);
      return {
        objects: at('objects'), trees: at('trees'),
        miss: [at('miss_lookup_ns'), at('miss_lookup_ns', 2)], hit: [at('hit_lookup_ns'), at('hit_lookup_ns', 2)],
        missStore: [at('miss_store_ns'), at('miss_store_ns', 2)], hitStore: [at('hit_store_ns'), at('hit_store_ns', 2)],
        slabKiB: at('slab_kb'), poolBytes: at('pool_bytes'),
      };
    });
    assert.equal(rows.length, CHECKPOINTS.length, text);
    const counter = (name: string): number => Number(new RegExp(`^reject ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    const done = Number(/^done objects (\d+)$/m.exec(text)?.[1] ?? NaN);
    // every page stored is an object of its own (distinct contents); MADV_PAGEOUT may leave a few resident
    assert.equal(done, counter('stored_pages'), `stored pages = objects:\n${text}`);
    assert.ok(done >= 0.99 * TOTAL, `at least 99 % of the ${TOTAL} pages stored:\n${text}`);
    const first = rows[0];
    const us = (x: number): string => (x / 1000).toFixed(2);
    console.log(['objects  trees  objects/tree  miss lookup µs min (median)  hit lookup µs min (median)  miss store µs min  hit store µs min  slab B/object  pool B/object',
      ...rows.map((r) => [r.objects, r.trees, (r.objects / r.trees).toFixed(0), `${us(r.miss[0])} (${us(r.miss[1])})`, `${us(r.hit[0])} (${us(r.hit[1])})`,
        us(r.missStore[0]), us(r.hitStore[0]),
        r === first ? '–' : ((r.slabKiB - first.slabKiB) * 1024 / (r.objects - first.objects)).toFixed(0),
        (r.poolBytes / r.objects).toFixed(0)].join('  '))].join('\n'));
  });
});
