/**
 * Real programs of the study swapped by the Linux 6.12 guest's kernel, and the kernel's counters
 * compared with the analyzer's prediction for exactly the pages that went out.
 *
 * study/guest/counters-job.sh runs the workloads in the guest's cgroup "study", freezes it,
 * captures it (before.zsdc), pushes it out with memory.reclaim and lists the frames its processes
 * still map (resident.txt). The pages that went out are those of before.zsdc whose frame is not
 * listed (`swappedPages`): a frozen cgroup changes nothing, and one physical page is one zswap
 * entry however many processes map it. Their contents, as a raw page file, are what `analyze` is asked
 * about; `compareCounters` sets the kernel's counter deltas beside its answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { openSource } from '../src/sources/open-source.js';
import { NO_PFN, PageBatch } from '../src/sources/page-batch.js';
import { CHROOT_SHARES, GuestError, REPO_ROOT, runJob, tail } from '../test-kernel/lib/guest.js';
import { parseMeasurement, type AnalyzerReport, type AnalyzerResult, type Measurement } from '../test-kernel/lib/measure.js';

export type GuestWorkload = 'redis-replica' | 'flask' | 'node-cluster';

export interface CountersRun {
  counters: Measurement;
  before: string;
  /** frames still mapped after reclaim, one PFN a line */
  resident: string;
  console: string;
  durationMs: number;
}

/** Boots the guest, runs counters-job.sh on the workloads and keeps both captures in `dir`. */
export async function runCountersJob(o: {
  kernel: string;
  initrd: string;
  bootParams: string[];
  workloads: GuestWorkload[];
  /** sizes for the job (REDIS_KEYS, GUNICORN_WORKERS, NODE_WORKERS, LOAD_SECONDS) */
  env?: Record<string, string>;
  memoryMiB?: number;
  dir: string;
  timeoutMs?: number;
}): Promise<CountersRun> {
  const env = Object.entries(o.env ?? {}).map(([k, v]) => {
    if (!/^[A-Z_]+$/.test(k) || !/^[0-9]+$/.test(v)) throw new Error(`counters job: bad size ${k}=${v}`);
    return `${k}=${v} `;
  });
  const job = await runJob({
    kernel: o.kernel,
    initrd: o.initrd,
    memoryMiB: o.memoryMiB ?? 1536,
    append: o.bootParams,
    // every page takes a swap slot, zswap entries too
    swapMiB: o.memoryMiB ?? 1536,
    files: { 'counters-job.sh': path.join(REPO_ROOT, 'study', 'guest', 'counters-job.sh') },
    extraShares: CHROOT_SHARES,
    script: `${env.join('')}sh /job/counters-job.sh ${o.workloads.join(' ')}\n`,
    timeoutMs: o.timeoutMs ?? 1_800_000,
  });
  const need = (name: string): Buffer => {
    const b = job.outputs[name];
    if (!b) throw new GuestError(`the guest left no ${name}\n${tail(job.console, 60)}`);
    return b;
  };
  const before = path.join(o.dir, 'before.zsdc');
  const resident = path.join(o.dir, 'resident.txt');
  fs.writeFileSync(before, need('before.zsdc'), { mode: 0o600 });
  fs.writeFileSync(resident, need('resident.txt'), { mode: 0o600 });
  const counters = parseMeasurement(need('counters.txt').toString(), job.console, job.durationMs);
  return { counters, before, resident, console: job.console, durationMs: job.durationMs };
}

export interface SwappedPages {
  /** pages (physical frames) captured before reclaim */
  before: number;
  /** of them still mapped after reclaim */
  resident: number;
  /** pages of `before` gone after reclaim: written to `raw` */
  swapped: number;
  /** zero-filled among the swapped pages */
  swapped_zero: number;
}

/** The pages of capture `before` whose frame `resident` (one PFN a line) no longer lists, their contents written to `raw` (a raw page file). */
export function swappedPages(before: string, resident: string, raw: string): SwappedPages {
  const frames = new Set<number>();
  for (const line of fs.readFileSync(resident, 'utf8').split('\n')) {
    if (!line) continue;
    if (!/^[0-9]+$/.test(line)) throw new Error(`${resident}: '${line}' is not a frame number`);
    frames.add(Number(line));
  }
  const r: SwappedPages = { before: 0, resident: 0, swapped: 0, swapped_zero: 0 };
  const fd = fs.openSync(raw, 'w', 0o600);
  try {
    const source = openSource(before, 'auto');
    try {
      if (!source.hasContent) throw new Error(`${before}: a trace, not a capture with contents`);
      const batch = new PageBatch();
      for (let n; (n = source.read(batch)) > 0; ) {
        for (let i = 0; i < n; i++) {
          if (batch.pfn[i] === NO_PFN) throw new Error(`${before}: a page without a frame number (captured without PFNs)`);
          r.before++;
          if (frames.has(batch.pfn[i])) {
            r.resident++;
            continue;
          }
          const content = batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
          fs.writeSync(fd, content);
          r.swapped++;
          if (content.every((b) => b === 0)) r.swapped_zero++;
        }
      }
    } finally {
      source.close();
    }
  } finally {
    fs.closeSync(fd);
  }
  return r;
}

export interface CounterRow {
  quantity: string;
  kernel: number;
  analyzer: number;
  /** what the analyzer's figure is */
  source: string;
}

/**
 * The kernel's counter deltas beside the analyzer's result for the swapped pages: the dedup
 * result when the guest ran the series with zswap.dedup=1, else the stock one.
 */
export function compareCounters(m: Measurement, report: AnalyzerReport, compressor: string, swapped: SwappedPages, dedupKernel: boolean): CounterRow[] {
  const dedupOn = m.values.get('zswap.param.dedup') === 'Y';
  const a = report.results.find((x) => x.compressor === compressor && x.dedup === dedupOn) as AnalyzerResult | undefined;
  if (!a) throw new Error(`the analyzer's report has no ${dedupOn ? 'dedup' : 'stock'} result for ${compressor}`);
  const written = m.delta('vmstat', 'zswpout') + m.delta('vmstat', 'pswpout') + m.delta('vmstat', 'swpout_zero');
  const rows: CounterRow[] = [
    { quantity: 'pages written out (zswpout + pswpout + swpout_zero)', kernel: written, analyzer: swapped.swapped, source: 'pages of the first capture gone after reclaim' },
    { quantity: 'vmstat swpout_zero', kernel: m.delta('vmstat', 'swpout_zero'), analyzer: report.pages.zero, source: 'pages.zero' },
    { quantity: 'vmstat zswpout', kernel: m.delta('vmstat', 'zswpout'), analyzer: a.stored_pages, source: 'stored_pages' },
    { quantity: 'vmstat pswpout (to disk)', kernel: m.delta('vmstat', 'pswpout'), analyzer: a.rejected_pages, source: 'rejected_pages' },
    { quantity: 'debugfs stored_pages', kernel: m.delta('zswap', 'stored_pages'), analyzer: a.stored_pages, source: 'stored_pages' },
    { quantity: 'debugfs pool_total_size (bytes)', kernel: m.delta('zswap', 'pool_total_size'), analyzer: a.pool_pages * PAGE_SIZE, source: 'pool_pages × 4096' },
    { quantity: 'debugfs reject_compress_poor', kernel: m.delta('zswap', 'reject_compress_poor'), analyzer: a.rejects.compress_poor, source: 'rejects.compress_poor' },
    { quantity: 'debugfs reject_compress_fail', kernel: m.delta('zswap', 'reject_compress_fail'), analyzer: a.rejects.compress_fail, source: 'rejects.compress_fail' },
    { quantity: 'debugfs reject_alloc_fail', kernel: m.delta('zswap', 'reject_alloc_fail'), analyzer: a.rejects.alloc_fail, source: 'rejects.alloc_fail' },
    { quantity: 'memory.zswap.current (bytes)', kernel: m.num('memcg.zswap.current'), analyzer: a.memcg_zswap_bytes, source: 'memcg_zswap_bytes' },
    { quantity: 'memory.stat zswapped (bytes)', kernel: m.num('after.memcg.zswapped') - m.num('before.memcg.zswapped'), analyzer: a.stored_pages * PAGE_SIZE, source: 'stored_pages × 4096' },
  ];
  if (dedupKernel) {
    rows.push(
      { quantity: 'debugfs dedup_objects', kernel: m.delta('zswap', 'dedup_objects'), analyzer: a.unique_objects ?? 0, source: 'unique_objects' },
      { quantity: 'debugfs dedup_hits', kernel: m.delta('zswap', 'dedup_hits'), analyzer: a.duplicate_pages ?? 0, source: 'duplicate_pages' },
      { quantity: 'debugfs dedup_saved_bytes', kernel: m.delta('zswap', 'dedup_saved_bytes'), analyzer: a.dedup_saved_bytes ?? 0, source: 'dedup_saved_bytes' },
      { quantity: 'debugfs dedup_verify_fail', kernel: m.delta('zswap', 'dedup_verify_fail'), analyzer: a.dedup_verify_fail ?? 0, source: 'dedup_verify_fail' },
    );
  }
  return rows;
}

/** The rows as a table for a terminal or a test log; ≠ marks a difference. */
export function formatRows(title: string, rows: CounterRow[]): string {
  const w = Math.max(...rows.map((r) => r.quantity.length));
  const lines = [title, `  ${'quantity'.padEnd(w)}  ${'kernel'.padStart(11)}  ${'analyzer'.padStart(11)}  analyzer's figure`];
  for (const r of rows) {
    lines.push(`${r.kernel === r.analyzer ? ' ' : '≠'} ${r.quantity.padEnd(w)}  ${String(r.kernel).padStart(11)}  ${String(r.analyzer).padStart(11)}  ${r.source}`);
  }
  return lines.join('\n');
}
