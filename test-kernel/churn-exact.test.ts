/**
 * The replay over time against the kernel (issue 10 §4): kernel/workload/zswap-churn runs a
 * multi-phase workload in the 6.12 guest (fill, swap-out, partial swap-in, free half, refill with
 * duplicates, compaction, writeback under a pool limit, a process exit), stock kernel and the
 * dedup series' kernel, for each compressor; after every phase the guest's counters must equal the
 * analyzer's replay of the same events (src/replay/timeline-replay.ts, --reclaim recorded):
 * stored_pages, pool_total_size, written_back_pages, the reject counters, pool_limit_hit,
 * zswpout/zswpin/zswpwb/swpout_zero/swpin_zero, with dedup dedup_hits, dedup_objects,
 * dedup_saved_bytes, dedup_verify_fail, and every zsmalloc size class's fullness groups,
 * objects and pages (debugfs zsmalloc/<pool>/classes).
 *
 * What the kernel decides that a recording cannot see is fixed by the script, so that nothing
 * is left to bound: compaction happens only where the script writes drop_caches (memcg-driven
 * reclaim never calls the zsmalloc shrinker), the shrink worker is waited for after every
 * rejected store, swap readahead is off (vm.page-cluster=0), and both processes are pinned to
 * one CPU. Compressors: $ZSWAP_CHURN_COMPRESSORS (default lz4,zstd,lzo).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CompressorName } from '../src/compress/compressor.js';
import { replayTimeline, type SampleFigures } from '../src/replay/timeline-replay.js';
import { ArrayTimeline } from '../test/helpers/array-timeline.js';
import { churnCounters, churnPlan, churnReplayOptions, classDifferences, runChurn, type ChurnPlan, type ChurnRun } from './lib/churn.js';
import { ensureDedupKernel } from './lib/dedup.js';
import { ensureInitramfs, ensureKernel } from './lib/guest.js';
import { loadCorpus } from './lib/pagesets.js';

const COMPRESSORS = (process.env.ZSWAP_CHURN_COMPRESSORS || 'lz4,zstd,lzo').split(',').filter(Boolean) as CompressorName[];
const MEMORY_MIB = 256;
const MAX_POOL_PERCENT = 1;

async function replayPlan(plan: ChurnPlan, compressor: CompressorName, memTotalKiB: number): Promise<SampleFigures[]> {
  const out = await replayTimeline(new ArrayTimeline(plan.timeline()), churnReplayOptions(compressor, memTotalKiB, MAX_POOL_PERCENT, { samples: [plan.compactSample] }));
  return out.samples;
}

/** kernel counter → replay figure, for every phase */
function compare(run: ChurnRun, samples: SampleFigures[], dedup: boolean): string[] {
  const diffs: string[] = [];
  run.phases.forEach((phase, i) => {
    const s = samples[i];
    const r = s.results.find((x) => x.dedup === dedup)!;
    for (const [k, expected] of churnCounters(s, r, dedup)) if (phase.values.get(k) !== expected) diffs.push(`${phase.name}: ${k} kernel ${phase.values.get(k)} replay ${expected}`);
    diffs.push(...classDifferences(phase, r));
  });
  return diffs;
}

describe('replay over time equals the kernel after every phase', { concurrency: 1 }, () => {
  let stock = '';
  let dedupKernel = '';
  let initrd = '';
  let plan: ChurnPlan;
  const table: string[] = [];

  before(async () => {
    stock = await ensureKernel();
    dedupKernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    plan = churnPlan(loadCorpus());
  });

  for (const compressor of COMPRESSORS) {
    for (const dedup of [false, true]) {
      it(`${compressor} / ${dedup ? 'dedup kernel, dedup on' : 'stock kernel'}`, async () => {
        const run = await runChurn({ kernel: dedup ? dedupKernel : stock, initrd, compressor, dedup: dedup ? true : null, plan, maxPoolPercent: MAX_POOL_PERCENT, memoryMiB: MEMORY_MIB });
        assert.deepEqual(run.phases.map((p) => p.name), plan.phases, 'every phase ran');
        const samples = await replayPlan(plan, compressor, run.memTotalKiB);
        const r = (name: string) => samples[plan.phases.indexOf(name)].results.find((x) => x.dedup === dedup)!;
        const diffs = compare(run, samples, dedup);
        const last = r('exit');
        table.push(
          `${compressor.padEnd(5)} ${dedup ? 'dedup' : 'stock'}  ${run.seconds.toFixed(0).padStart(4)} s  MemTotal ${run.memTotalKiB} kB  phases ${run.phases.length}  ` +
            `stored ${last.stores} loads ${last.loads} inval ${last.invalidations} wb ${last.written_back} (shared ${last.writeback_shared}, passed over ${last.dedup_wb_skip}) ` +
            `limit_hit ${last.pool_limit_hit} compacted ${last.compacted_pages} hits ${last.dedup_hits}  differences ${diffs.length}`,
        );
        console.log(table.at(-1));
        assert.deepEqual(diffs, [], `kernel ≠ replay:\n${diffs.slice(0, 40).join('\n')}`);
        // and the script exercises what it is meant to
        assert.ok(r('swapin').loads > 0 && r('free').invalidations > 0 && r('exit').invalidations > r('free').invalidations, 'loads and invalidations');
        assert.ok(r('free').fragmentation_pages > 0, 'frees leave partly used zspages');
        assert.equal(r('compact').pool_pages, r('compact').packed_pool_pages, 'after compaction the pool is packed');
        assert.ok(r('pool-limit').pool_limit_hit > 0 && r('pool-limit').written_back > 0, 'the pool limit makes the worker write back');
        if (dedup) assert.ok(r('swapout-duplicates').dedup_hits >= r('refill').dedup_hits + 50, 'copies share objects');
      });
    }
  }
});
