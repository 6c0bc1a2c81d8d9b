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
 *   5. `zswap-dedup convert --hash-only` makes the traces; `zswap-dedup analyze -c all -f json
 *      --by process` analyzes the instances together (where duplicates live comes from its
 *      drill-down, study/page-stats.ts); the content captures give same-filled pages and words
 *      for the top contents, and are deleted
 *
 * Every run records its wall time per step and the CPU time of each part (the workload's
 * cgroups, the load's, the tools'): the CPU times tell how long a run takes on an idle machine
 * when the study itself ran on a busy one. A run of every workload writes them per workload into
 * study/results/last-full-run.json.
 *
 * --reanalyze replays the kept traces of every result with the analyzer as built now (a new model
 * of the series' costs, say) without rerunning the workloads.
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
import { carryDescriptions, contentStats, localityOf, type ContentStats, type Locality } from './page-stats.js';
import { loadResults, writeStudyReport, type FullRun } from './report.js';
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
  /** wall time of each step; wall: the run from start to its result (its analysis overlaps the next run) */
  seconds: { start: number; load?: number; capture: number; convert: number; analyze: number; wall?: number };
  /** when --reanalyze replayed the run's kept traces with a newer analyzer (the rest is the run's) */
  reanalyzed?: string;
  /**
   * CPU time in seconds: the workload's processes, the load generators, capture, convert and
   * analyze, and the study's own work on the captures (same-filled pages, descriptions)
   */
  cpu_seconds?: { workload: number; load: number; capture: number; convert: number; analyze: number; study: number };
}

type Seconds = RunResult['seconds'];
type CpuSeconds = NonNullable<RunResult['cpu_seconds']>;

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

/** Runs the CLI (in cgroup `cg` when given); resolves to its stdout, rejects with the end of its stderr on failure. */
async function tool(args: string[], cg?: Cgroup): Promise<string> {
  const [cmd, argv] = cg ? cg.argv(process.execPath, [BIN, ...args]) : [process.execPath, [BIN, ...args]];
  try {
    return (await execFileAsync(cmd, argv, { encoding: 'utf8', maxBuffer: 256 << 20 })).stdout;
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    throw new Error(`zswap-dedup ${args[0]} failed (exit ${err.code}): ${String(err.stderr ?? e).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;
const round1 = (x: number) => Math.round(x * 10) / 10;
/** CPU seconds of a cgroup (0 when it is already gone) */
const cpuOf = (c: Cgroup) => {
  try {
    return round1(c.cpuSeconds());
  } catch {
    return 0;
  }
};

/** Steps 1-4: start, load, capture (content), stop. Returns the content captures. */
async function runWorkload(w: Workload, run: number, o: Options, t: Seconds, cpu: CpuSeconds): Promise<string[]> {
  const work = path.join(o.work, w.name, `run-${run}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.chmodSync(work, 0o755); // servers run as their own users (postgres, mysql, www-data)
  const env = { ...process.env, ...w.env, STUDY_SEED: String(run) };
  const script = path.join(SCRIPTS, `${w.script}.sh`);
  const instances = Array.from({ length: w.instances }, (_, i) => new Cgroup(`${w.name}-r${run}-i${i}`));
  const load = new Cgroup(`${w.name}-r${run}-load`);
  const capturing = new Cgroup(`${w.name}-r${run}-capture`);
  const captures = instances.map((_, i) => path.join(work, `i${i}.zsdc`));
  try {
    let t0 = performance.now();
    for (let i = 0; i < w.instances; i++) {
      const c = instances[i].spawn('bash', [script, 'start', work, String(i), String(w.instances)], path.join(work, `start-${i}.log`), env);
      const code = await waitExit(c, 300_000, `${w.name} start ${i}`);
      if (code !== 0) throw new Error(`${w.name}: start of instance ${i} failed (exit ${code}), see ${work}/start-${i}.log`);
    }
    t.start = seconds(t0);
    t0 = performance.now();
    const driver = load.spawn('bash', [script, 'load', work, String(w.instances), String(w.loadSeconds)], path.join(work, 'load.log'), env);
    let loadCode: number | null = null;
    const loadDone = waitExit(driver, (w.loadSeconds + 120) * 1000, `${w.name} load`).then((c) => (loadCode = c));
    await Promise.race([sleep(w.loadSeconds * 1000), loadDone]);
    if (loadCode !== null && loadCode !== 0) throw new Error(`${w.name}: load failed (exit ${loadCode}), see ${work}/load.log`);
    t.load = seconds(t0);
    t0 = performance.now();
    for (let i = 0; i < w.instances; i++) {
      await tool(['capture', '--cgroup', instances[i].dir, '--shmem', '--freeze', '--no-progress', '-o', captures[i]], capturing);
    }
    t.capture = seconds(t0);
  } finally {
    cpu.load = cpuOf(load);
    cpu.workload = round1(instances.reduce((a, c) => a + cpuOf(c), 0));
    cpu.capture = cpuOf(capturing);
    await load.destroy();
    await capturing.destroy();
    for (const c of instances) await c.destroy();
  }
  return captures;
}

/** Step 5: traces, the analyzer's report, where duplicates live, same-filled pages; deletes the captures. */
async function analyzeRun(w: Workload, run: number, o: Options, captures: string[], t: Seconds, cpu: CpuSeconds): Promise<RunResult> {
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
  const converting = new Cgroup(`${w.name}-r${run}-convert`);
  const analyzing = new Cgroup(`${w.name}-r${run}-analyze`);
  try {
    await Promise.all(captures.map((c, i) => tool(['convert', '--hash-only', '--key-file', key, '--no-progress', '-o', traces[i], c], converting)));
    t.convert = seconds(t0);
    // the first run's traces go into the repository, compressed (xz: about a third of the size)
    if (run === 1) await Promise.all(traces.map((f) => execFileAsync('xz', ['-T1', '-6', '-k', '-f', f])));
    t0 = performance.now();
    report = await analyzeTraces(traces, analyzing);
    where = localityOf(report);
    // the report names contents by their keyed xxh64: the captures' pages are keyed alike to describe them
    const own = process.cpuUsage();
    stats = contentStats(captures, new Set(report.top_duplicates.map((d) => d.hash)), DigestKey.fromFile(key));
    const used = process.cpuUsage(own);
    cpu.study = round1((used.user + used.system) / 1e6);
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
    cpu.convert = cpuOf(converting);
    cpu.analyze = cpuOf(analyzing);
    await converting.destroy();
    await analyzing.destroy();
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
    cpu_seconds: cpu,
  };
}

/** The analyzer's report of a run's traces (one per instance), with the per-process drill-down that tells where duplicates live. */
async function analyzeTraces(traces: string[], cg?: Cgroup): Promise<AnalyzeReport> {
  return JSON.parse(await tool(['analyze', '-c', 'all', '-f', 'json', '--by', 'process', '--no-progress', '--threads', '1', ...traces], cg)) as AnalyzeReport;
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
    .option('--reanalyze', 'replay the kept traces of the results with the analyzer as built now, then rewrite docs/study.md (no workload runs)')
    .parse(argv);
  const f = cmd.opts<{ only?: string; runs: string; results: string; traces: string; work: string; docs: string; report: boolean; reportOnly?: boolean; reanalyze?: boolean }>();
  const o: Options = { runs: Number(f.runs), results: path.resolve(f.results), traces: path.resolve(f.traces), work: path.resolve(f.work), report: f.report };
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error(`--runs: '${f.runs}' is not a positive integer`);
  const docs = path.resolve(f.docs);
  // the README and the cover letter quote the study as docs/study.md does: rewritten with it, not with a copy elsewhere
  const quotesIn = docs === path.join(REPO, 'docs') ? REPO : undefined;
  if (f.reanalyze) await reanalyze(o);
  if (f.reportOnly || f.reanalyze) {
    if (o.report) writeStudyReport(o.results, docs, quotesIn);
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
  const timings: FullRun['workloads'] = chosen.map((w) => ({ workload: w.name, runs: [] }));
  const finish = async (w: Workload, run: number, captures: string[], t: Seconds, cpu: CpuSeconds, t1: number) => {
    try {
      const r = await analyzeRun(w, run, o, captures, t, cpu);
      t.wall = seconds(t1);
      const file = path.join(o.results, w.name, `run-${run}.json`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, JSON.stringify(r, null, 1) + '\n', 0o644);
      const p = r.analyze.pages;
      timings.find((x) => x.workload === w.name)!.runs.push({ run, seconds: t, cpu_seconds: cpu });
      log(`${w.name} run ${run}: ${p.total} pages, ${p.zero} zero, ${r.locality.duplicate_pages} duplicate non-zero (${t.wall} s)`);
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
        const t: Seconds = { start: 0, load: 0, capture: 0, convert: 0, analyze: 0, wall: 0 };
        const cpu: CpuSeconds = { workload: 0, load: 0, capture: 0, convert: 0, analyze: 0, study: 0 };
        let captures: string[];
        try {
          captures = await runWorkload(w, run, o, t, cpu);
        } catch (e) {
          failures.push(`${w.name} run ${run}: ${(e as Error).message}`);
          log(failures[failures.length - 1]);
          continue;
        }
        await pending;
        pending = finish(w, run, captures, t, cpu, t1);
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
      workloads: timings,
    };
    writeFileAtomic(path.join(o.results, 'last-full-run.json'), JSON.stringify(full, null, 1) + '\n', 0o644);
  }
  if (o.report) writeStudyReport(o.results, docs, quotesIn);
  if (failures.length > 0) {
    log(`${failures.length} run(s) failed:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

/**
 * --reanalyze: every result whose traces are kept (plain, or the first run's .xz) is analyzed
 * again as a new run would analyze it; what came from the content captures (same-filled pages,
 * descriptions of the top contents) is carried over. Results without traces stay as they are
 * (the report names those analyzed under another model).
 */
async function reanalyze(o: Options): Promise<void> {
  const all = loadResults(o.results);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-study-reanalyze-'));
  try {
    for (const runs of all.values()) {
      for (const r of runs) {
        const kept = r.captures.map((c) => {
          const f = path.resolve(REPO, c.trace);
          return fs.existsSync(f) ? f : fs.existsSync(`${f}.xz`) ? `${f}.xz` : null;
        });
        if (kept.some((f) => f === null)) {
          log(`${r.workload} run ${r.run}: traces not kept, left as analyzed on ${r.time.slice(0, 10)}`);
          continue;
        }
        const traces = await Promise.all(
          kept.map(async (f, i) => {
            if (!f!.endsWith('.xz')) return f!;
            const out = path.join(scratch, `${r.workload}-${r.run}-i${i}.trace`);
            fs.writeFileSync(out, (await execFileAsync('xz', ['-dc', f!], { encoding: 'buffer', maxBuffer: 1 << 30 })).stdout, { mode: 0o600 });
            return out;
          }),
        );
        const report = await analyzeTraces(traces);
        if (report.pages.total !== r.analyze.pages.total) {
          throw new Error(`${r.workload} run ${r.run}: its traces hold ${report.pages.total} pages, its result ${r.analyze.pages.total}: not the traces of that run`);
        }
        carryDescriptions(r.analyze.top_duplicates, report.top_duplicates);
        // the inputs as the repository names them, not the scratch copies
        report.inputs.forEach((input, i) => (input.path = r.captures[i].trace));
        if (report.sharing_matrix) report.sharing_matrix.inputs = r.captures.map((c) => c.trace);
        const again: RunResult = { ...r, analyze: report, locality: localityOf(report), reanalyzed: new Date().toISOString() };
        writeFileAtomic(path.join(o.results, r.workload, `run-${r.run}.json`), JSON.stringify(again, null, 1) + '\n', 0o644);
        for (const t of traces) if (t.startsWith(scratch)) fs.rmSync(t);
        log(`${r.workload} run ${r.run}: analyzed again from its traces`);
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main(process.argv).then(
  (code) => (process.exitCode = code),
  (e) => {
    log((e as Error).message);
    process.exitCode = 2;
  },
);
