/**
 * `npm run study:cold`: the cold part, in the Linux 6.12 QEMU guest (idle page tracking; the host
 * kernel has none). study/guest/cold-job.sh records one workload (COLD_WORKLOADS: the study's
 * workloads that fit the 1.5 GiB TCG guest, at guest sizes; `--only a,b` for some) for 150 s with
 * `capture --interval 30 --idle page_idle` under light load; each recording is replayed here with
 * `analyze --reclaim all | idle:30 | idle:120` (zswap holds every page, or the pages idle that
 * long), and the last sample's figures go to study/results/cold/<workload>.json; the recording's
 * hash-only trace is kept as study/traces/cold/<workload>.trace.xz. `--reanalyze` re-computes the
 * kept results from those traces (no guest run).
 * Needs the guest kernel of the kernel tests (built and cached by test-kernel/lib/guest.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { writeFileAtomic } from '../src/util/atomic-file.js';
import { CHROOT_SHARES, ensureInitramfs, ensureKernel, runJob, tail } from '../test-kernel/lib/guest.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const execFileAsync = promisify(execFile);
const BIN = path.join(REPO, 'bin', 'zswap-dedup');
export const COLD_POLICIES = ['all', 'idle:30', 'idle:120'] as const;
const COMPRESSORS = ['lzo', 'lz4', 'zstd'];

export interface ColdResult {
  schema: 'zswap-dedup/study-cold/v1';
  workload: string;
  what: string;
  time: string;
  kernel: string;
  interval_seconds: number;
  /** time of the last sample (the recording's length) */
  duration_seconds: number;
  trace: string;
  /** per policy, at the last sample */
  policies: {
    policy: string;
    time: number;
    live_pages: number;
    /** pages zswap holds under the policy (lz4, stock) */
    stored_pages: number;
    /**
     * per compressor: pool + metadata stock and with dedup; dedup_hits counts every hit since the
     * first sample (pages stored again after a load hit again), dedup_shared_pages the entries
     * sharing an object at the last sample
     */
    results: { compressor: string; stock_bytes: number; dedup_bytes: number; dedup_hits: number; dedup_shared_pages: number; net_ratio: number }[];
  }[];
}

interface SeriesDoc {
  samples: {
    time: number;
    pages: { live: number };
    results: { compressor: string; dedup: boolean; stored_pages: number; total_bytes: number; dedup_hits: number; dedup_shared_pages: number }[];
  }[];
}

/** `analyze --reclaim <policy>` of a recording (or its hash-only trace): each policy's figures at the last sample */
async function coldPolicies(workload: string, input: string): Promise<ColdResult['policies']> {
  const policies: ColdResult['policies'] = [];
  for (const policy of COLD_POLICIES) {
    const { stdout } = await execFileAsync(
      process.execPath,
      [BIN, 'analyze', '--no-progress', '-c', COMPRESSORS.join(','), '--reclaim', policy, '-f', 'json', input],
      { maxBuffer: 64 << 20 },
    );
    const doc = JSON.parse(stdout) as SeriesDoc;
    const last = doc.samples[doc.samples.length - 1];
    // pages idle ≥ 120 s can only be told at a sample 120 s or more after the first
    if (last.time < 120) throw new Error(`${workload}: the recording ends at ${last.time.toFixed(0)} s (${doc.samples.length} samples): too short for idle:120`);
    const pick = (c: string, dedup: boolean) => last.results.find((r) => r.compressor === c && r.dedup === dedup)!;
    policies.push({
      policy,
      time: last.time,
      live_pages: last.pages.live,
      stored_pages: pick('lz4', false).stored_pages,
      results: COMPRESSORS.map((c) => {
        const stock = pick(c, false).total_bytes;
        const d = pick(c, true);
        return {
          compressor: c,
          stock_bytes: stock,
          dedup_bytes: d.total_bytes,
          dedup_hits: d.dedup_hits,
          dedup_shared_pages: d.dedup_shared_pages,
          net_ratio: stock > 0 ? (stock - d.total_bytes) / stock : 0,
        };
      }),
    });
  }
  return policies;
}

/** --reanalyze: each kept result's figures again from its kept hash-only trace, with the analyzer as built now */
async function reanalyze(names: string[]): Promise<void> {
  const out = path.join(REPO, 'study', 'results', 'cold');
  for (const name of names) {
    const file = path.join(out, `${name}.json`);
    if (!fs.existsSync(file)) continue;
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as ColdResult;
    result.policies = await coldPolicies(name, path.join(REPO, result.trace));
    writeFileAtomic(file, JSON.stringify(result, null, 1) + '\n', 0o644);
    process.stderr.write(`study:cold: ${name}: re-analyzed from ${result.trace}\n`);
  }
}

/**
 * The workloads measured cold in the guest: study workload name, the name study/guest/workloads.sh
 * knows it by, the sizes (smaller than on the host: 1.5 GiB guest, every instruction emulated).
 * The others are left out for their size: see docs/study.md.
 */
export const COLD_WORKLOADS = [
  {
    workload: 'flask-gunicorn',
    guest: 'flask',
    env: { GUNICORN_WORKERS: '2' },
    what: 'Flask order service under gunicorn, 2 sync workers; 10 s of ab, then a burst of 20 requests every 5 s',
  },
  {
    workload: 'redis-replica',
    guest: 'redis-replica',
    env: { REDIS_KEYS: '20000' },
    what: 'Redis 7 primary and replica, 20,000 user hashes and 20,000 sessions; 10 s of redis-benchmark, then 20 GETs every 5 s',
  },
  {
    workload: 'node-cluster',
    guest: 'node-cluster',
    env: { NODE_WORKERS: '2' },
    what: 'Node.js feed service, cluster of 2 workers; 10 s of ab, then a burst of 20 requests every 5 s',
  },
] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, reanalyze: { type: 'boolean' } } });
  const names = values.only ? values.only.split(',') : COLD_WORKLOADS.map((w) => w.workload);
  for (const n of names) if (!COLD_WORKLOADS.some((w) => w.workload === n)) throw new Error(`no cold workload '${n}' (known: ${COLD_WORKLOADS.map((w) => w.workload).join(', ')})`);
  if (values.reanalyze) return reanalyze(names);
  const kernel = await ensureKernel();
  const initrd = await ensureInitramfs();
  const failed: string[] = [];
  for (const w of COLD_WORKLOADS.filter((x) => names.includes(x.workload))) {
    // one workload that fails in the guest does not cost the others their run
    try {
      await recordCold(kernel, initrd, w);
    } catch (e) {
      process.stderr.write(`study:cold: ${w.workload}: ${(e as Error).message}\n`);
      failed.push(w.workload);
    }
  }
  if (failed.length) throw new Error(`no recording of ${failed.join(', ')} (see above)`);
}

async function recordCold(kernel: string, initrd: string, w: (typeof COLD_WORKLOADS)[number]): Promise<void> {
  const workload = w.workload;
  const out = path.join(REPO, 'study', 'results', 'cold');
  const traces = path.join(REPO, 'study', 'traces', 'cold');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-study-cold-'));
  try {
    process.stderr.write(`study:cold: recording ${workload} in the guest (about 5 minutes)\n`);
    const env = Object.entries(w.env).map(([k, v]) => `${k}=${v} `).join('');
    const job = await runJob({
      kernel,
      initrd,
      memoryMiB: 1536,
      swapMiB: 0,
      files: { 'cold-job.sh': path.join(REPO, 'study', 'guest', 'cold-job.sh') },
      extraShares: CHROOT_SHARES,
      script: `${env}sh /job/cold-job.sh ${w.guest}\n`,
      timeoutMs: 1_500_000,
    });
    const rec = job.outputs['cold.zsdc'];
    if (!rec) throw new Error(`the guest left no recording\n${tail(job.console, 40)}`);
    const recording = path.join(work, 'cold.zsdc');
    fs.writeFileSync(recording, rec, { mode: 0o600 });
    fs.mkdirSync(traces, { recursive: true });
    const trace = path.join(traces, `${workload}.trace`);
    await execFileAsync(process.execPath, [BIN, 'convert', '--hash-only', '--no-progress', '-o', trace, recording]);
    await execFileAsync('xz', ['-T1', '-6', '-f', trace]);
    const result: ColdResult = {
      schema: 'zswap-dedup/study-cold/v1',
      workload,
      what: w.what,
      time: new Date().toISOString(),
      kernel: 'Linux 6.12 (QEMU guest, stock, CONFIG_IDLE_PAGE_TRACKING)',
      interval_seconds: 30,
      duration_seconds: 0,
      trace: path.relative(REPO, `${trace}.xz`),
      policies: [],
    };
    result.policies = await coldPolicies(workload, recording);
    result.duration_seconds = Math.round(result.policies[0].time);
    fs.mkdirSync(out, { recursive: true });
    writeFileAtomic(path.join(out, `${workload}.json`), JSON.stringify(result, null, 1) + '\n', 0o644);
    process.stderr.write(`study:cold: ${workload}: ${result.policies.map((p) => `${p.policy} ${p.stored_pages} pages`).join(', ')}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`study:cold: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
