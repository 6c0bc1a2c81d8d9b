/**
 * `npm run study`: runs each workload (study/workloads.ts) several times, each instance in a cgroup
 * of its own, drives it with real load, captures it with `zswap-dedup capture`, keeps a hash-only
 * trace per instance and a result JSON per run, then writes docs/study.md (study/report.ts).
 *
 * One run of a workload:
 *   1. start: `<script>.sh start` in each instance's cgroup (servers stay in it)
 *   2. load: `<script>.sh load` in a cgroup of its own for loadSeconds
 *   3. capture, while the load still runs: `zswap-dedup capture --cgroup <instance> --shmem --freeze`
 *      (contents, fast, so each instance is frozen briefly), one file per instance
 *   4. stop: every process of the run's cgroups is killed (cgroup.kill)
 *   5. `zswap-dedup convert --hash-only` makes the traces; `zswap-dedup analyze -c all -f json`
 *      analyzes the instances together; study/page-stats.ts adds where duplicates live,
 *      same-filled pages and words for the top contents; the content captures are deleted
 */
import crypto from 'node:crypto';
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { AnalyzeReport } from '../src/report/report.js';
import { DigestKey } from '../src/sources/digest-key.js';
import { writeFileAtomic } from '../src/util/atomic-file.js';
import { Cgroup, destroyStudyCgroups, sleep } from './cgroup.js';
import { contentStats, locality, type ContentStats, type Locality } from './page-stats.js';
import { writeStudyReport, type FullRun } from './report.js';
import { findWorkload, WORKLOADS, type Workload } from './workloads.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'zswap-dedup');
const SCRIPTS = path.join(REPO, 'study', 'workloads');
export const RUN_SCHEMA = 'zswap-dedup/study-run/v1';

export interface RunResult {
  schema: typeof RUN_SCHEMA;
  workload: string;
  run: number;
  instances: number;
  load_seconds: number;
  what: string;
  driver: string;
  time: string;
  host: { kernel: string; cpus: number; memory_bytes: number };
  /** per instance: what the capture saw (processes, pages left out) */
  captures: { instance: number; trace: string; bytes: number; summary: unknown }[];
  content: Omit<ContentStats, 'descriptions' | 'summaries'>;
  locality: Locality;
  analyze: AnalyzeReport;
  seconds: { start: number; capture: number; convert: number; analyze: number };
}

interface Options {
  runs: number;
  results: string;
  traces: string;
  work: string;
  report: boolean;
}

const execFileAsync = promisify(execFile);
const log = (msg: string) => process.stderr.write(`study: ${msg}\n`);

function waitExit(child: ChildProcess, timeoutMs: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still running after ${timeoutMs / 1000} s`)), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Runs the CLI; resolves to its stdout, rejects with the end of its stderr on failure. */
async function tool(args: string[]): Promise<string> {
  try {
    return (await execFileAsync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 })).stdout;
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    throw new Error(`zswap-dedup ${args[0]} failed (exit ${err.code}): ${String(err.stderr ?? e).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

/** Steps 1-4: start, load, capture (content), stop. Returns the content captures. */
async function runWorkload(w: Workload, run: number, o: Options, t: RunResult['seconds']): Promise<string[]> {
  const work = path.join(o.work, w.name, `run-${run}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.chmodSync(work, 0o755); // servers run as their own users (postgres, mysql, www-data)
  const env = { ...process.env, ...w.env, STUDY_SEED: String(run) };
  const script = path.join(SCRIPTS, `${w.script}.sh`);
  const instances = Array.from({ length: w.instances }, (_, i) => new Cgroup(`${w.name}-r${run}-i${i}`));
  const load = new Cgroup(`${w.name}-r${run}-load`);
  const captures = instances.map((_, i) => path.join(work, `i${i}.zsdc`));
  try {
    let t0 = performance.now();
    for (let i = 0; i < w.instances; i++) {
      const c = instances[i].spawn('bash', [script, 'start', work, String(i), String(w.instances)], path.join(work, `start-${i}.log`), env);
      const code = await waitExit(c, 300_000, `${w.name} start ${i}`);
      if (code !== 0) throw new Error(`${w.name}: start of instance ${i} failed (exit ${code}), see ${work}/start-${i}.log`);
    }
    t.start = seconds(t0);
    const driver = load.spawn('bash', [script, 'load', work, String(w.instances), String(w.loadSeconds)], path.join(work, 'load.log'), env);
    let loadCode: number | null = null;
    const loadDone = waitExit(driver, (w.loadSeconds + 120) * 1000, `${w.name} load`).then((c) => (loadCode = c));
    await Promise.race([sleep(w.loadSeconds * 1000), loadDone]);
    if (loadCode !== null && loadCode !== 0) throw new Error(`${w.name}: load failed (exit ${loadCode}), see ${work}/load.log`);
    t0 = performance.now();
    for (let i = 0; i < w.instances; i++) {
      await tool(['capture', '--cgroup', instances[i].dir, '--shmem', '--freeze', '--no-progress', '-o', captures[i]]);
    }
    t.capture = seconds(t0);
  } finally {
    await load.destroy();
    for (const c of instances) await c.destroy();
  }
  return captures;
}

/** Step 5: traces, the analyzer's report, where duplicates live, same-filled pages; deletes the captures. */
async function analyzeRun(w: Workload, run: number, o: Options, captures: string[], t: RunResult['seconds']): Promise<RunResult> {
  const traceDir = path.join(o.traces, w.name, `run-${run}`);
  fs.rmSync(traceDir, { recursive: true, force: true });
  fs.mkdirSync(traceDir, { recursive: true });
  const traces = captures.map((_, i) => path.join(traceDir, `i${i}.trace`));
  let t0 = performance.now();
  // one key for the instances of a run, so that they analyze together; it is then thrown away
  // (the traces keep only its id: nobody can test a guess of a page against them)
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-study-key-'));
  const key = path.join(keyDir, 'run.key');
  fs.writeFileSync(key, crypto.randomBytes(32), { mode: 0o600 });
  let report: AnalyzeReport;
  let where: Locality;
  let stats: ContentStats;
  try {
    await Promise.all(captures.map((c, i) => tool(['convert', '--hash-only', '--key-file', key, '--no-progress', '-o', traces[i], c])));
    t.convert = seconds(t0);
    // the first run's traces go into the repository, compressed (xz: about a third of the size)
    if (run === 1) await Promise.all(traces.map((f) => execFileAsync('xz', ['-T1', '-6', '-k', '-f', f])));
    t0 = performance.now();
    report = JSON.parse(await tool(['analyze', '-c', 'all', '-f', 'json', '--no-progress', '--threads', '1', ...traces])) as AnalyzeReport;
    where = locality(traces);
    // the report names contents by their keyed xxh64: the captures' pages are keyed alike to describe them
    stats = contentStats(captures, new Set(report.top_duplicates.map((d) => d.hash)), DigestKey.fromFile(key));
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
  const { descriptions, summaries, ...content } = stats;
  for (const d of report.top_duplicates) d.description = descriptions[d.hash] ?? d.description;
  t.analyze = seconds(t0);
  for (const c of captures) fs.rmSync(c, { force: true });
  return {
    schema: RUN_SCHEMA,
    workload: w.name,
    run,
    instances: w.instances,
    load_seconds: w.loadSeconds,
    what: w.what,
    driver: w.driver,
    time: new Date().toISOString(),
    host: { kernel: os.release(), cpus: os.cpus().length, memory_bytes: os.totalmem() },
    captures: captures.map((_, i) => ({
      instance: i,
      trace: path.relative(REPO, traces[i]),
      bytes: fs.statSync(traces[i]).size,
      summary: summaries[i],
    })),
    content,
    locality: where,
    analyze: report,
    seconds: t,
  };
}

async function main(argv: string[]): Promise<number> {
  const cmd = new Command('study')
    .description('run the duplicate-page study on real programs (Linux, root) and write docs/study.md')
    .option('--only <names>', `comma-separated workloads (default: all of ${WORKLOADS.map((w) => w.name).join(', ')})`)
    .option('--runs <n>', 'runs per workload', '3')
    .option('--results <dir>', 'result JSON per run', path.join(REPO, 'study', 'results'))
    .option('--traces <dir>', 'hash-only traces per run and instance', path.join(REPO, 'study', 'traces'))
    .option('--work <dir>', 'scratch directory (servers\' data, content captures)', path.join(os.tmpdir(), 'zswap-study'))
    .option('--docs <dir>', 'where study.md and its chart go', path.join(REPO, 'docs'))
    .option('--no-report', 'do not rewrite docs/study.md')
    .option('--report-only', 'only rewrite docs/study.md from the results already there')
    .parse(argv);
  const f = cmd.opts<{ only?: string; runs: string; results: string; traces: string; work: string; docs: string; report: boolean; reportOnly?: boolean }>();
  const o: Options = { runs: Number(f.runs), results: path.resolve(f.results), traces: path.resolve(f.traces), work: path.resolve(f.work), report: f.report };
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error(`--runs: '${f.runs}' is not a positive integer`);
  if (f.reportOnly) {
    writeStudyReport(o.results, path.resolve(f.docs));
    return 0;
  }
  if (process.getuid?.() !== 0) throw new Error('the study starts servers in cgroups and captures them: run it as root');
  const chosen = f.only ? f.only.split(',').map((n) => findWorkload(n.trim())) : WORKLOADS;
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping the workloads`);
    void destroyStudyCgroups().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const failures: string[] = [];
  const t0 = performance.now();
  const started = new Date().toISOString();
  const load0 = os.loadavg()[0];
  // The analysis of one run (mostly digesting pages for its traces) overlaps the next run's
  // start and load; at most one analysis is pending.
  let pending: Promise<void> = Promise.resolve();
  const finish = async (w: Workload, run: number, captures: string[], t: RunResult['seconds'], t1: number) => {
    try {
      const r = await analyzeRun(w, run, o, captures, t);
      const file = path.join(o.results, w.name, `run-${run}.json`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, JSON.stringify(r, null, 1) + '\n', 0o644);
      const p = r.analyze.pages;
      log(`${w.name} run ${run}: ${p.total} pages, ${p.zero} zero, ${r.locality.duplicate_pages} duplicate non-zero (${seconds(t1)} s)`);
    } catch (e) {
      failures.push(`${w.name} run ${run}: ${(e as Error).message}`);
      log(failures[failures.length - 1]);
    }
  };
  try {
    // round by round, so that every workload has its first run early and the runs of one
    // workload are spread over the study's time (and over what else the machine does)
    for (let run = 1; run <= o.runs; run++) {
      for (const w of chosen) {
        const t1 = performance.now();
        const t: RunResult['seconds'] = { start: 0, capture: 0, convert: 0, analyze: 0 };
        let captures: string[];
        try {
          captures = await runWorkload(w, run, o, t);
        } catch (e) {
          failures.push(`${w.name} run ${run}: ${(e as Error).message}`);
          log(failures[failures.length - 1]);
          continue;
        }
        await pending;
        pending = finish(w, run, captures, t, t1);
      }
    }
    await pending;
  } finally {
    await destroyStudyCgroups();
  }
  log(`done in ${seconds(t0)} s`);
  if (!f.only && failures.length === 0) {
    const full: FullRun = {
      started,
      seconds: seconds(t0),
      runs: o.runs * chosen.length,
      cpus: os.cpus().length,
      loadavg_start: load0,
      loadavg_end: os.loadavg()[0],
    };
    writeFileAtomic(path.join(o.results, 'last-full-run.json'), JSON.stringify(full, null, 1) + '\n', 0o644);
  }
  if (o.report) writeStudyReport(o.results, path.resolve(f.docs));
  if (failures.length > 0) {
    log(`${failures.length} run(s) failed:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

main(process.argv).then(
  (code) => (process.exitCode = code),
  (e) => {
    log((e as Error).message);
    process.exitCode = 2;
  },
);
