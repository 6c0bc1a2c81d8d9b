/**
 * The multi-phase churn workload of the replay proof (issue 10 §4): a script for
 * kernel/workload/zswap-churn (two processes, every zswap event known), the same
 * script as a timeline for the analyzer's replay, one guest run, and its counters
 * after every phase.
 *
 * Phases: fill two processes; swap the first one out (page by page, in order); swap
 * a part back in (write faults: exclusive loads); free half of what is out
 * (MADV_DONTNEED: invalidations); refill the freed pages with copies of contents
 * still in zswap and swap them out (dedup hits); compact (drop_caches); fill and
 * swap out more than the pool limit allows, waiting after every reject for the
 * shrink worker (writeback from the LRU with the referenced second chance); swap
 * out the second process the same way; it
 * exits (invalidations).
 */
import type { CompressorName } from '../../src/compress/compressor.js';
import type { CompactionModel, ReplicaFigures, SampleFigures, TimelineReplayOptions } from '../../src/replay/timeline-replay.js';
import { DEFAULT_METADATA_SIZES } from '../../src/store/metadata.js';
import { PAGE_EVENT, type PageEvent } from '../../src/timeline/timeline.js';
import type { ArraySample } from '../../test/helpers/array-timeline.js';
import { runJob } from './guest.js';
import { PAGE, shuffled, type Corpus } from './pagesets.js';

/** pages of each process's region, and the page-set layout the script copies from */
const REGION = [1000, 100];
/** keys of the timeline: process 0's pages first, then process 1's */
const keyOf = (proc: number, page: number): number => (proc === 0 ? 0 : REGION[0]) + page;

interface Command {
  /** the workload's line */
  line: string;
  /** timeline events it causes (key, event, page-set index for contents) */
  events: { key: number; event: PageEvent; src?: number }[];
}

export interface ChurnPlan {
  pageSet: Buffer;
  script: string;
  /** phase names, in order; sample i of the timeline is phase i */
  phases: string[];
  /** the sample at which the script compacts */
  compactSample: number;
  timeline(): ArraySample[];
}

export interface ChurnPlanOptions {
  /** pool-limit and swapout-second page by page, the counters after each page (default true) */
  steps?: boolean;
  /** compact after swapout-second instead of before fill-more (default false) */
  compactLate?: boolean;
}

/** every 5th corpus page, shuffled: zero, same-filled, text, binary and incompressible pages among them */
export function churnPlan(corpus: Corpus, o: ChurnPlanOptions = {}): ChurnPlan {
  const steps = o.steps ?? true;
  const parts: Buffer[] = [];
  for (let i = 0; i < corpus.count && parts.length < 1100; i += 5) parts.push(corpus.pages.subarray(i * PAGE, (i + 1) * PAGE));
  const pageSet = Buffer.concat(shuffled(parts, 10));
  const phases: { name: string; step: boolean; commands: Command[] }[] = [];
  let current: Command[] = [];
  const phase = (name: string, step = false) => {
    phases.push({ name, step, commands: current });
    current = [];
  };
  const cmd = (verb: string, proc: number, first: number, n: number, src?: number) => {
    const event = { fill: PAGE_EVENT.APPEAR, out: PAGE_EVENT.SWAPPED, outw: PAGE_EVENT.SWAPPED, in: PAGE_EVENT.SWAPPED_IN, free: PAGE_EVENT.GONE }[verb]!;
    const events = Array.from({ length: n }, (_, i) => ({ key: keyOf(proc, first + i), event, src: src === undefined ? undefined : src + i }));
    current.push({ line: `${verb} ${proc} ${first} ${n}${src === undefined ? '' : ` ${src}`}`, events });
  };
  /** swap out page by page, waiting for the shrink worker after each refused store; with steps the counters after each page */
  const outw = (proc: number, first: number, n: number, name: string) => {
    if (!steps) cmd('outw', proc, first, n);
    for (let i = 0; steps && i < n; i++) {
      cmd('outw', proc, first + i, 1);
      if (i < n - 1) phase(`${name}.${i}`, true);
    }
    phase(name);
  };
  const compact = () => {
    current.push({ line: 'compact', events: [] });
    phase('compact');
  };
  current.push({ line: `region 0 ${REGION[0]}`, events: [] }, { line: `region 1 ${REGION[1]}`, events: [] });
  phase('boot');
  cmd('fill', 0, 0, 300, 0);
  cmd('fill', 1, 0, 100, 300);
  phase('fill');
  cmd('out', 0, 0, 300);
  phase('swapout');
  cmd('in', 0, 0, 60);
  phase('swapin');
  cmd('free', 0, 100, 100);
  phase('free');
  // copies of set[200, 300), whose pages 200..299 are still in zswap
  cmd('fill', 0, 100, 100, 200);
  phase('refill');
  cmd('out', 0, 100, 100);
  phase('swapout-duplicates');
  if (!o.compactLate) compact();
  cmd('fill', 0, 300, 700, 400);
  phase('fill-more');
  outw(0, 300, 700, 'pool-limit');
  outw(1, 0, 100, 'swapout-second');
  if (o.compactLate) compact();
  current.push({ line: 'exit 1', events: Array.from({ length: 100 }, (_, i) => ({ key: keyOf(1, i), event: PAGE_EVENT.GONE })) });
  phase('exit');
  const script = phases.map((p) => [...p.commands.map((c) => c.line), `${p.step ? 'step' : 'phase'} ${p.name}`].join('\n')).join('\n') + '\n';
  return {
    pageSet,
    script,
    phases: phases.map((p) => p.name),
    compactSample: phases.findIndex((p) => p.name === 'compact'),
    timeline: () =>
      phases.map((p, index) => ({
        time: index,
        events: p.commands.flatMap((c) =>
          c.events.map((e) => ({ key: e.key, event: e.event, page: e.src === undefined ? undefined : pageSet.subarray(e.src * PAGE, (e.src + 1) * PAGE) })),
        ),
      })),
  };
}

export interface ChurnPhase {
  name: string;
  values: Map<string, number>;
  /** zsmalloc class rows: index → [size, 10 % … 100 % (11), obj_allocated, obj_used, pages_used, pages_per_zspage, freeable] */
  classes: Map<number, number[]>;
}

export interface ChurnRun {
  memTotalKiB: number;
  phases: ChurnPhase[];
  console: string;
  seconds: number;
}

export function parseChurnOutput(text: string): ChurnPhase[] {
  const phases: ChurnPhase[] = [];
  let cur: ChurnPhase | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('phase ')) {
      cur = { name: line.slice(6), values: new Map(), classes: new Map() };
      phases.push(cur);
    } else if (line.startsWith('end ')) {
      cur = null;
    } else if (cur && line.startsWith('zsmalloc ')) {
      const cells = line.slice(9).trim().split(/\s+/);
      if (/^\d+$/.test(cells[0])) cur.classes.set(Number(cells[0]), cells.slice(1).map(Number));
    } else if (cur && line) {
      const [k, v] = line.split(' ');
      cur.values.set(k, Number(v));
    }
  }
  return phases;
}

/** boot parameters: the given pool limit, no memory-pressure shrinker, dedup as asked */
export function churnBootParams(compressor: string, maxPoolPercent: number, dedup: boolean | null): string[] {
  return [
    'zswap.enabled=1',
    `zswap.compressor=${compressor}`,
    'zswap.zpool=zsmalloc',
    `zswap.max_pool_percent=${maxPoolPercent}`,
    'zswap.shrinker_enabled=0',
    ...(dedup === null ? [] : [`zswap.dedup=${dedup ? 1 : 0}`]),
  ];
}

export async function runChurn(o: { kernel: string; initrd: string; compressor: string; dedup: boolean | null; plan: ChurnPlan; maxPoolPercent: number; memoryMiB: number }): Promise<ChurnRun> {
  const started = Date.now();
  const run = await runJob({
    kernel: o.kernel,
    initrd: o.initrd,
    memoryMiB: o.memoryMiB,
    // One vCPU: the shrink worker runs whenever the workload waits for it, so the wait after a
    // rejected store is conclusive. With a second vCPU a worker queued but not yet started (its
    // vCPU thread descheduled by a busy host) is invisible to the workload, which then stores
    // on before the worker ran: two such stores were measured with 2 vCPUs on a loaded host.
    cpus: 1,
    append: churnBootParams(o.compressor, o.maxPoolPercent, o.dedup),
    swapMiB: 32,
    files: { 'pageset.raw': o.plan.pageSet, 'churn.txt': Buffer.from(o.plan.script) },
    script: [
      'set -e',
      'mkswap /dev/vda >/dev/null',
      'swapon /dev/vda',
      // no swap readahead: a fault loads exactly its own page
      'echo 0 >/proc/sys/vm/page-cluster',
      'grep MemTotal /proc/meminfo >/out/meminfo.txt',
      'echo +memory >/sys/fs/cgroup/cgroup.subtree_control',
      'mkdir /sys/fs/cgroup/zswap-churn',
      'echo $$ >/sys/fs/cgroup/zswap-churn/cgroup.procs',
      'zswap-churn /job/pageset.raw /job/churn.txt >/out/churn.out',
      '',
    ].join('\n'),
    timeoutMs: 900_000,
  });
  const mem = /MemTotal:\s+(\d+) kB/.exec(run.outputs['meminfo.txt']?.toString() ?? '');
  if (!mem) throw new Error(`no MemTotal from the guest\n${run.console.slice(-2000)}`);
  return { memTotalKiB: Number(mem[1]), phases: parseChurnOutput(run.outputs['churn.out']?.toString() ?? ''), console: run.console, seconds: (Date.now() - started) / 1000 };
}

/** Replay options of the proofs: the guest's pool limit (max_pool_percent of its MemTotal, accept threshold 90 %), one compressor, class statistics. */
export function churnReplayOptions(compressor: CompressorName, memTotalKiB: number, maxPoolPercent: number, compaction: CompactionModel): TimelineReplayOptions {
  const maxPages = Math.floor((memTotalKiB / 4 * maxPoolPercent) / 100);
  return {
    compressors: [compressor],
    chainSize: 8,
    hash: 'xxh64',
    hashBits: 64,
    verify: true,
    limit: { maxPages, acceptThresholdPages: Math.floor((maxPages * 90) / 100) },
    metadata: DEFAULT_METADATA_SIZES,
    threads: 1,
    reclaim: { kind: 'recorded' },
    compaction,
    classStats: true,
  };
}

/** kernel counter → the replay's figure for it, after one phase */
export function churnCounters(s: SampleFigures, r: ReplicaFigures, dedup: boolean): [string, number][] {
  const want: [string, number][] = [
    ['zswap.stored_pages', r.stored_pages],
    ['zswap.pool_total_size', r.pool_pages * 4096],
    ['zswap.written_back_pages', r.written_back],
    ['zswap.reject_compress_fail', r.rejects.compress_fail],
    ['zswap.reject_compress_poor', r.rejects.compress_poor],
    ['zswap.reject_alloc_fail', r.rejects.alloc_fail],
    ['zswap.reject_reclaim_fail', 0],
    ['zswap.pool_limit_hit', r.pool_limit_hit],
    ['vmstat.zswpout', r.stores],
    ['vmstat.zswpin', r.loads],
    ['vmstat.zswpwb', r.written_back],
    ['vmstat.swpout_zero', s.pages.zeroSwapOuts],
    ['vmstat.swpin_zero', s.pages.zeroSwapIns],
  ];
  if (dedup) {
    want.push(['zswap.dedup_hits', r.dedup_hits], ['zswap.dedup_objects', r.dedup_objects], ['zswap.dedup_saved_bytes', r.dedup_saved_bytes], ['zswap.dedup_verify_fail', r.dedup_verify_fail], ['zswap.dedup_wb_skip', r.dedup_wb_skip]);
  }
  return want;
}

/** every zsmalloc size class of the replica against the kernel's table after a phase (a step prints none) */
export function classDifferences(phase: ChurnPhase, r: ReplicaFigures): string[] {
  const diffs: string[] = [];
  for (const c of phase.classes.size ? (r.classes ?? []) : []) {
    const row = phase.classes.get(c.index);
    const mine = [c.size, ...c.groups, c.objAllocated, c.objUsed, c.pagesUsed, c.pagesPerZspage, c.freeable];
    if (!row) {
      if (c.objAllocated > 0) diffs.push(`${phase.name}: class ${c.index} missing in the kernel's table`);
      continue;
    }
    if (row.join(' ') !== mine.join(' ')) diffs.push(`${phase.name}: class ${c.index} kernel [${row.join(' ')}] replay [${mine.join(' ')}]`);
  }
  return diffs;
}
