/**
 * `npm run study:guest`: the kernel on real programs. Study workloads run in the Linux 6.12 QEMU
 * guest, once on the stock kernel and once on the dedup series (zswap.dedup=1), are pushed into
 * zswap by memory.reclaim, and the kernel's counters are compared with `analyze` on exactly the
 * pages that went out (study/guest-counters.ts, study/guest/counters-job.sh). One JSON per kernel,
 * compressor and set of workloads goes to study/results/guest-counters/; the exit status is 1 when a counter the
 * model claims exactly differs.
 *
 *   node dist/study/guest.js [--kernels stock,dedup] [--compressors lz4,zstd] [--workloads redis-replica,flask]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/util/atomic-file.js';
import { ensureDedupKernel, dedupBootParams } from '../test-kernel/lib/dedup.js';
import { ensureInitramfs, ensureKernel, REPO_ROOT } from '../test-kernel/lib/guest.js';
import { analyze, zswapBootParams } from '../test-kernel/lib/measure.js';
import { compareCounters, formatRows, runCountersJob, swappedPages, type CounterRow, type GuestWorkload, type SwappedPages } from './guest-counters.js';

/** Sizes in the guest (1.5 GiB, TCG): smaller than on the host, see docs/study.md */
const GUEST_SIZES: Record<string, string> = { REDIS_KEYS: '20000', GUNICORN_WORKERS: '2', NODE_WORKERS: '2', LOAD_SECONDS: '10' };
const KNOWN: GuestWorkload[] = ['redis-replica', 'flask', 'node-cluster'];

export interface GuestCountersResult {
  schema: 'zswap-dedup/study-guest-counters/v1';
  time: string;
  kernel: 'stock' | 'dedup';
  release: string;
  boot_params: string[];
  compressor: string;
  workloads: string[];
  sizes: Record<string, string>;
  guest_seconds: number;
  reclaim_rounds: number;
  pages: SwappedPages;
  /** the analyzer on the swapped pages */
  analyzer: { pages: number; zero: number; distinct_contents: number; stock_total_bytes: number; dedup_total_bytes: number; net_ratio: number };
  rows: (CounterRow & { equal: boolean })[];
  equal: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { compressors: { type: 'string', default: 'lz4' }, workloads: { type: 'string', default: 'redis-replica,flask' }, kernels: { type: 'string', default: 'stock,dedup' } } });
  const compressors = values.compressors.split(',').filter(Boolean);
  const workloads = values.workloads.split(',').filter(Boolean) as GuestWorkload[];
  for (const w of workloads) if (!KNOWN.includes(w)) throw new Error(`unknown guest workload '${w}' (known: ${KNOWN.join(', ')})`);
  const outDir = path.join(REPO_ROOT, 'study', 'results', 'guest-counters');
  const initrd = await ensureInitramfs();
  const kinds = values.kernels.split(',').filter(Boolean);
  for (const k of kinds) if (k !== 'stock' && k !== 'dedup') throw new Error(`--kernels: '${k}' is neither stock nor dedup`);
  const kernels = { stock: kinds.includes('stock') ? await ensureKernel() : '', dedup: kinds.includes('dedup') ? await ensureDedupKernel() : '' };
  let allEqual = true;
  for (const kind of kinds as ('stock' | 'dedup')[]) {
    for (const compressor of compressors) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-study-guest-'));
      try {
        const bootParams = kind === 'dedup' ? dedupBootParams(compressor, true) : zswapBootParams(compressor);
        process.stderr.write(`study:guest: ${workloads.join(' + ')} on the ${kind} kernel, ${compressor} (several minutes under TCG)\n`);
        const run = await runCountersJob({ kernel: kernels[kind], initrd, bootParams, workloads, env: GUEST_SIZES, dir });
        const raw = path.join(dir, 'swapped.raw');
        const pages = swappedPages(run.before, run.resident, raw);
        const report = analyze(raw, [compressor]);
        const rows = compareCounters(run.counters, report, compressor, pages, kind === 'dedup').map((r) => ({ ...r, equal: r.kernel === r.analyzer }));
        const pick = (dedup: boolean) => report.results.find((r) => r.compressor === compressor && r.dedup === dedup)!;
        const result: GuestCountersResult = {
          schema: 'zswap-dedup/study-guest-counters/v1',
          time: new Date().toISOString(),
          kernel: kind,
          release: run.counters.values.get('kernel.release') ?? '',
          boot_params: bootParams,
          compressor,
          workloads,
          sizes: GUEST_SIZES,
          guest_seconds: Math.round(run.durationMs / 1000),
          reclaim_rounds: run.counters.num('reclaim.rounds'),
          pages,
          analyzer: {
            pages: report.pages.total,
            zero: report.pages.zero,
            distinct_contents: report.pages.distinct_contents,
            stock_total_bytes: pick(false).total_bytes,
            dedup_total_bytes: pick(true).total_bytes,
            net_ratio: pick(true).saving?.net_ratio ?? 0,
          },
          rows,
          equal: rows.every((r) => r.equal),
        };
        allEqual &&= result.equal;
        process.stdout.write(`${formatRows(`${kind} kernel, ${compressor}: ${pages.swapped} of ${pages.before} captured pages went out, ${pages.resident} stayed resident (guest ${result.guest_seconds} s)`, rows)}\n\n`);
        fs.mkdirSync(outDir, { recursive: true });
        writeFileAtomic(path.join(outDir, `${kind}-${compressor}-${workloads.join('+')}.json`), JSON.stringify(result, null, 1) + '\n', 0o644);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  if (!allEqual) {
    process.stderr.write('study:guest: the kernel and the analyzer differ (rows marked ≠ above)\n');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`study:guest: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
