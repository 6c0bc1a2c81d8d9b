/**
 * The replay of a real recording against the kernel (issue 10 §4): the churn workload
 * (kernel/workload/zswap-churn, the phases of churn-exact) runs in the 6.12 guest while
 * `zswap-dedup capture --trigger` records its two processes (PIDs, /proc/kcore, idle ages by
 * page_idle), one sample after every phase (kernel/guest/churn-capture-job.sh). The recording
 * knows nothing of zswap: a page it saw in memory and finds swapped (pagemap PM_SWAP) at the next
 * sample was swapped out, one found back in memory unchanged was swapped in, one no longer mapped
 * is gone. `zswap-dedup analyze --reclaim recorded` replays that file; after every phase its
 * figures must equal the kernel's counters: stored_pages, pool_total_size, written_back_pages,
 * the reject counters, pool_limit_hit, vmstat zswpout/zswpin/zswpwb/swpout_zero/swpin_zero, with
 * the series' dedup_hits, dedup_objects, dedup_saved_bytes, dedup_verify_fail, dedup_wb_skip;
 * for lz4, zstd and lzo, stock kernel and dedup kernel.
 *
 * What the kernel decides that userspace cannot see, and how each is handled:
 *   - the moment the zsmalloc shrinker compacts (global reclaim or drop_caches; the workload
 *     compacts once, after swapout-second): the CLI replay without compaction is exact but for
 *     pool_total_size from that phase on, which is bounded: the kernel's pool lies between the
 *     replay's freshly packed pool (packed_pool_pages) and its uncompacted one. The same file
 *     replayed with compaction at that sample (what the recording cannot know, told by the test)
 *     is exact there too, zsmalloc size classes included. No other compaction happens: no global
 *     reclaim runs (vmstat pgscan_kswapd and pgscan_direct stay 0, asserted);
 *   - when the shrink worker runs after a refused store: the workload waits for it after every
 *     store that went to the swap device (as in churn-exact), so no store races it;
 *   - the order of events between two samples: the workload stores, loads and frees in address
 *     order, which is the recording's key order (keys are reused lowest first), the order the
 *     replay takes a sample's events in.
 * Compressors: $ZSWAP_CHURN_COMPRESSORS (default lz4,zstd,lzo).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CompressorName } from '../src/compress/compressor.js';
import { replayTimeline, type SampleFigures } from '../src/replay/timeline-replay.js';
import { openTimeline } from '../src/timeline/open-timeline.js';
import { BIN } from '../test/helpers/paths.js';
import { churnBootParams, churnCounters, churnPlan, churnReplayOptions, classDifferences, parseChurnOutput, type ChurnPhase, type ChurnPlan } from './lib/churn.js';
import { ensureDedupKernel } from './lib/dedup.js';
import { CHROOT_SHARES, ensureInitramfs, ensureKernel, REPO_ROOT, runJob, tail } from './lib/guest.js';
import { loadCorpus } from './lib/pagesets.js';

const COMPRESSORS = (process.env.ZSWAP_CHURN_COMPRESSORS || 'lz4,zstd,lzo').split(',').filter(Boolean) as CompressorName[];
const MEMORY_MIB = 256;
const MAX_POOL_PERCENT = 1;

interface RecordedRun {
  memTotalKiB: number;
  phases: ChurnPhase[];
  /** the recording, copied out of the guest */
  file: string;
  captureStderr: string;
  seconds: number;
}

async function runRecorded(o: { kernel: string; initrd: string; compressor: string; dedup: boolean | null; plan: ChurnPlan; dir: string }): Promise<RecordedRun> {
  const started = Date.now();
  const job = await runJob({
    kernel: o.kernel,
    initrd: o.initrd,
    memoryMiB: MEMORY_MIB,
    // one vCPU, as churn-exact: the wait for the shrink worker after a refused store is conclusive
    cpus: 1,
    append: churnBootParams(o.compressor, MAX_POOL_PERCENT, o.dedup),
    swapMiB: 32,
    files: {
      'pageset.raw': o.plan.pageSet,
      'churn.txt': Buffer.from(o.plan.script),
      'churn-capture-job.sh': join(REPO_ROOT, 'kernel', 'guest', 'churn-capture-job.sh'),
    },
    extraShares: CHROOT_SHARES,
    script: 'sh /job/churn-capture-job.sh\n',
    timeoutMs: 900_000,
  });
  const mem = /MemTotal:\s+(\d+) kB/.exec(job.outputs['meminfo.txt']?.toString() ?? '');
  if (!mem) throw new Error(`no MemTotal from the guest\n${tail(job.console, 60)}`);
  const data = job.outputs['churn.zsdc'];
  assert.ok(data, `the guest left no recording\n${tail(job.console, 60)}`);
  const file = join(o.dir, `churn-${o.compressor}-${o.dedup ? 'dedup' : 'stock'}.zsdc`);
  writeFileSync(file, data);
  return {
    memTotalKiB: Number(mem[1]),
    phases: parseChurnOutput(job.outputs['churn.out']?.toString() ?? ''),
    file,
    captureStderr: job.outputs['capture.stderr']?.toString() ?? '',
    seconds: (Date.now() - started) / 1000,
  };
}

/** `analyze --reclaim recorded` on the recording, as a user runs it: its time series */
function analyzeRecorded(run: RecordedRun, compressor: CompressorName): SampleFigures[] {
  const series = join(tmpdir(), `capture-churn-${process.pid}-${compressor}.json`);
  try {
    const r = spawnSync(process.execPath, [
      BIN, 'analyze', run.file, '--reclaim', 'recorded', '-c', compressor,
      '--max-pool-percent', String(MAX_POOL_PERCENT), '--total-ram', `${run.memTotalKiB}K`,
      '--series', series, '--threads', '1', '--no-progress',
    ], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `analyze failed: ${r.stderr}`);
    return JSON.parse(readFileSync(series, 'utf8')).samples as SampleFigures[];
  } finally {
    rmSync(series, { force: true });
  }
}

/** the same file replayed in-process, told the sample at which the kernel compacted */
async function replayToldCompaction(run: RecordedRun, compressor: CompressorName, compactSample: number): Promise<SampleFigures[]> {
  const out = await replayTimeline(openTimeline([run.file], 'auto'), churnReplayOptions(compressor, run.memTotalKiB, MAX_POOL_PERCENT, { samples: [compactSample] }));
  return out.samples;
}

const replicaOf = (s: SampleFigures, dedup: boolean) => s.results.find((x) => x.dedup === dedup)!;

/**
 * Differences between the kernel after each phase and the replay's sample after it (phase i is
 * sample i + 1: sample 0 is the recording's start). `blindFrom`: from this phase on the replay
 * could not know of a compaction, so pool_total_size is only held to its bounds.
 */
function compare(phases: ChurnPhase[], samples: SampleFigures[], dedup: boolean, blindFrom: number | null, classes: boolean): { diffs: string[]; bounded: string[] } {
  const diffs: string[] = [];
  const bounded: string[] = [];
  phases.forEach((phase, i) => {
    const s = samples[i + 1];
    const r = replicaOf(s, dedup);
    const v = (k: string) => phase.values.get(k);
    for (const [k, want] of churnCounters(s, r, dedup)) {
      if (k === 'zswap.pool_total_size' && blindFrom !== null && i >= blindFrom) {
        const kernel = v(k)! / 4096;
        bounded.push(`${phase.name}: kernel ${kernel} pool pages, replay without compaction ${r.pool_pages}, packed ${r.packed_pool_pages}`);
        if (!(kernel >= r.packed_pool_pages && kernel <= r.pool_pages)) diffs.push(`${phase.name}: pool pages kernel ${kernel} outside [packed ${r.packed_pool_pages}, uncompacted ${r.pool_pages}]`);
        continue;
      }
      if (v(k) !== want) diffs.push(`${phase.name}: ${k} kernel ${v(k)} replay ${want}`);
    }
    if (classes) diffs.push(...classDifferences(phase, r));
  });
  return { diffs, bounded };
}

describe('a recording of the churn workload, replayed, equals the kernel after every phase', { concurrency: 1 }, () => {
  let stock = '';
  let dedupKernel = '';
  let initrd = '';
  let plan: ChurnPlan;
  let dir = '';
  const table: string[] = [];

  before(async () => {
    stock = await ensureKernel();
    dedupKernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    plan = churnPlan(loadCorpus(), { steps: false, compactLate: true });
    dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-capture-churn-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const compressor of COMPRESSORS) {
    for (const dedup of [false, true]) {
      it(`${compressor} / ${dedup ? 'dedup kernel, dedup on' : 'stock kernel'}`, async () => {
        const run = await runRecorded({ kernel: dedup ? dedupKernel : stock, initrd, compressor, dedup: dedup ? true : null, plan, dir });
        assert.deepEqual(run.phases.map((p) => p.name), plan.phases, 'every phase ran');
        assert.match(run.captureStderr, new RegExp(`recorded ${plan.phases.length + 1} samples on request \\(ended by "stop"\\); idle ages by idle page tracking`), run.captureStderr);
        const last = run.phases.at(-1)!.values;
        assert.equal((last.get('vmstat.pgscan_kswapd') ?? -1) + (last.get('vmstat.pgscan_direct') ?? -1), 0, 'no global reclaim ran (it would compact and swap out on its own)');

        const compactPhase = plan.phases.indexOf('compact');
        const blind = analyzeRecorded(run, compressor);
        const told = await replayToldCompaction(run, compressor, compactPhase + 1);
        for (const samples of [blind, told]) assert.equal(samples.length, plan.phases.length + 1, 'one sample per phase, and the first');
        const b = compare(run.phases, blind, dedup, compactPhase, false);
        const t = compare(run.phases, told, dedup, null, true);
        const at = (name: string) => replicaOf(told[plan.phases.indexOf(name) + 1], dedup);
        const end = at('exit');
        const k = (name: string, key: string) => run.phases[plan.phases.indexOf(name)].values.get(key);
        table.push(
          `${compressor.padEnd(5)} ${dedup ? 'dedup' : 'stock'}  ${run.seconds.toFixed(0).padStart(4)} s  MemTotal ${run.memTotalKiB} kB  phases ${run.phases.length}  ` +
            `stored ${end.stores} loads ${end.loads} inval ${end.invalidations} wb ${end.written_back} (passed over ${end.dedup_wb_skip}) limit_hit ${end.pool_limit_hit} ` +
            `hits ${end.dedup_hits}  compacted: kernel pool ${(k('compact', 'zswap.pool_total_size') ?? 0) / 4096} pages, replay ${replicaOf(blind[compactPhase + 1], dedup).pool_pages} uncompacted / ${at('compact').pool_pages} told  ` +
            `differences: CLI replay ${b.diffs.length}, told the compaction ${t.diffs.length}`,
        );
        console.log(table.at(-1));
        assert.deepEqual(b.diffs, [], `kernel ≠ analyze --reclaim recorded:\n${b.diffs.slice(0, 40).join('\n')}\nbounded:\n${b.bounded.join('\n')}`);
        assert.deepEqual(t.diffs, [], `kernel ≠ replay told the compaction:\n${t.diffs.slice(0, 40).join('\n')}`);
        // the recording saw what the workload did (and the workload exercises what it is meant to)
        const events = (name: string) => told[plan.phases.indexOf(name) + 1].pages.events;
        assert.deepEqual([events('swapout').swapped, events('swapin').swapped_in, events('free').gone, events('refill').appear >= 100], [300, 60, 100, true], 'swap-outs, swap-ins, frees and new pages recorded as such');
        // (of the 60 swapped in, zero pages come from the swap zeromap and pages zswap refused from the disk)
        assert.ok(at('swapin').loads > 0 && at('free').invalidations > 0, 'swap-ins load, frees invalidate');
        assert.ok(at('exit').invalidations > at('free').invalidations, 'the process exit invalidates');
        assert.ok(at('pool-limit').pool_limit_hit > 0 && at('pool-limit').written_back > 0, 'the pool limit makes the worker write back');
        assert.ok(at('compact').compacted_pages > 0, 'compaction has something to do');
        if (dedup) assert.ok(at('swapout-duplicates').dedup_hits >= at('refill').dedup_hits + 50, 'copies share objects');
      });
    }
  }
});
