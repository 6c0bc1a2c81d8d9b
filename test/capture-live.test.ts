/**
 * Live capture against real processes on this machine: a Python process forks, so parent and
 * child share copy-on-write pages until the child rewrites some of them.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { cgroup2Root } from '../src/capture/targets.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { CaptureSource } from '../src/sources/capture-reader.js';
import { InputFile } from '../src/sources/input-file.js';
import { PageBatch } from '../src/sources/page-batch.js';
import { runCli } from './helpers/cli.js';
import { BIN, ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const N = 300;
const K = 25;
const dir = tmpDir();
const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

/** Starts test/workloads/`script` and waits until its output matches `ready` (it is killed when the tests end). */
async function startWorkload(script: string, args: number[], ready: RegExp): Promise<RegExpExecArray> {
  const p = spawn('python3', [path.join(ROOT, 'test', 'workloads', script), ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(p);
  let out = '';
  for await (const chunk of p.stdout!) {
    out += String(chunk);
    const m = ready.exec(out);
    if (m) return m;
  }
  throw new Error(`${script} did not start: ${out}`);
}

async function startCow(): Promise<{ parent: number; child: number; buffer: number }> {
  const m = await startWorkload('cow.py', [N, K], /parent (\d+)\nchild (\d+)\nbuffer (\d+)\n/);
  const pids = { parent: Number(m[1]), child: Number(m[2]), buffer: Number(m[3]) };
  after(() => {
    try {
      process.kill(pids.child, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  return pids;
}

/** captured pages of the workload's buffer (at `buffer`), as written by the parent or rewritten by the child */
function markedPages(file: string, buffer: number): { pages: number; original: number; rewritten: number } {
  const src = new CaptureSource(InputFile.open(file));
  const batch = new PageBatch();
  let original = 0;
  let rewritten = 0;
  for (let n = src.read(batch); n > 0; n = src.read(batch)) {
    for (let i = 0; i < n; i++) {
      const index = (batch.vaddr[i] - buffer) / PAGE_SIZE;
      if (index < 0 || index >= N) continue;
      const marker = `ZSDTEST-${String(index).padStart(7, '0')}-`;
      const page = batch.content.toString('latin1', i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      if (page === marker.repeat(256)) original++;
      else if (page === 'CHILD-REWRITTEN!' + marker.repeat(255) && index < K) rewritten++;
      else throw new Error(`page ${index} of the buffer has unexpected content`);
    }
  }
  src.close();
  return { pages: original + rewritten, original, rewritten };
}

function needRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0 && process.platform === 'linux') return true;
  t.skip('live capture needs root on Linux');
  return false;
}

/** polls `cond` every 20 ms; false if it did not hold within `ms` */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (cond()) return true;
  return false;
}

function state(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
}

test('two forked processes: copy-on-write pages are captured once, rewritten pages once each', async (t) => {
  if (!needRoot(t)) return;
  const { parent, child, buffer } = await startCow();
  const out = path.join(dir, 'cow.zsdc');
  const r = runCli(['capture', '-p', String(parent), '-p', String(child), '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  assert.match(r.stderr, /physical pages were mapped \d+ times by the captured mappings and are counted once/);
  const m = markedPages(out, buffer);
  assert.equal(m.original, N, 'every original page once, though both processes map most of them');
  assert.equal(m.rewritten, K, "the child's private copies");

  const perProcess = path.join(dir, 'cow-nopfn.zsdc');
  const np = runCli(['capture', '-p', String(parent), '-p', String(child), '--no-pfn', '-o', perProcess]);
  assert.equal(np.status, 0, np.stderr);
  assert.match(np.stderr, /counted more than once/);
  const m2 = markedPages(perProcess, buffer);
  assert.equal(m2.original, 2 * N - K, 'per process: the shared pages twice');
  assert.equal(m2.rewritten, K);
});

test('analyze --pid captures and analyzes in one go; a trace from capture --hash-only gives the same figures', async (t) => {
  if (!needRoot(t)) return;
  const { parent, child } = await startCow();
  const targets = ['--pid', String(parent), '--pid', String(child)];
  const trace = path.join(dir, 'cow.trace');
  // frozen so both runs see the same memory
  process.kill(parent, 'SIGSTOP');
  process.kill(child, 'SIGSTOP');
  try {
    const a = runCli(['analyze', '-c', 'lz4,zstd', '-f', 'json', '--threads', '1', ...targets]);
    assert.equal(a.status, 0, a.stderr);
    const c = runCli(['capture', '--hash-only', '-o', trace, ...targets]);
    assert.equal(c.status, 0, c.stderr);
    const b = runCli(['analyze', '-c', 'lz4,zstd', '-f', 'json', trace]);
    const ra = JSON.parse(a.stdout) as AnalyzeReport;
    const rb = JSON.parse(b.stdout) as AnalyzeReport;
    assert.equal(ra.inputs[0].format, 'capture');
    assert.ok(ra.pages.total > N);
    assert.deepEqual(rb.results, ra.results);
    assert.deepEqual(rb.pages, ra.pages);
  } finally {
    process.kill(parent, 'SIGCONT');
    process.kill(child, 'SIGCONT');
  }
});

test('--freeze stops the targets during the capture and they run again after it, even when capture is killed', async (t) => {
  if (!needRoot(t)) return;
  const { parent, child } = await startCow();
  const out = path.join(dir, 'frozen.zsdc');
  const env = { ...process.env, ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS: '1500' };
  const cap = spawn(process.execPath, [BIN, 'capture', '--freeze', '-p', String(parent), '-p', String(child), '-o', out], { env, stdio: 'ignore' });
  // the capture holds the targets stopped for 1.5 s once it has started (which takes a while on a loaded machine)
  assert.ok(await until(() => state(parent) === 'T', 15_000), 'stopped while capturing');
  // stopped one after the other: on a loaded machine the second SIGSTOP may take effect later
  assert.ok(await until(() => state(child) === 'T', 5000), 'child stopped while capturing');
  cap.kill('SIGKILL');
  await new Promise((r) => cap.on('exit', r));
  await new Promise((r) => setTimeout(r, 300));
  assert.notEqual(state(parent), 'T', 'running again after capture was killed');
  assert.notEqual(state(child), 'T');
  assert.equal(fs.existsSync(out), false, 'no half-written capture');

  const done = spawnSync(process.execPath, [BIN, 'capture', '--freeze', '-p', String(parent), '-o', out], { encoding: 'utf8' });
  assert.equal(done.status, 0, done.stderr);
  assert.notEqual(state(parent), 'T');
});

test('--freeze resumes only what it stopped: a target stopped beforehand stays stopped, also when capture is killed', async (t) => {
  if (!needRoot(t)) return;
  const { parent, child } = await startCow();
  process.kill(child, 'SIGSTOP');
  assert.ok(await until(() => state(child) === 'T', 5000));
  const out = path.join(dir, 'prestopped.zsdc');
  const env = { ...process.env, ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS: '1500' };
  const targets = ['-p', String(parent), '-p', String(child)];
  // killed while capturing: the watchdog resumes the parent only
  const killed = spawn(process.execPath, [BIN, 'capture', '--freeze', ...targets, '-o', out], { env, stdio: 'ignore' });
  assert.ok(await until(() => state(parent) === 'T', 15_000), 'parent stopped while capturing');
  killed.kill('SIGKILL');
  await new Promise((r) => killed.on('exit', r));
  assert.ok(await until(() => state(parent) !== 'T', 5000), 'parent running again');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(state(child), 'T', 'the child was stopped before: it stays stopped');
  // to its end: the same
  const done = spawnSync(process.execPath, [BIN, 'capture', '--freeze', ...targets, '-o', out], { encoding: 'utf8' });
  assert.equal(done.status, 0, done.stderr);
  assert.notEqual(state(parent), 'T');
  assert.equal(state(child), 'T');
  process.kill(child, 'SIGCONT');
});

test('a target that exits during the capture: a warning, and the pages of the others', async (t) => {
  if (!needRoot(t)) return;
  const { parent, child, buffer } = await startCow();
  const out = path.join(dir, 'exit.zsdc');
  const env = { ...process.env, ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS: '1000' };
  const cap = spawn(process.execPath, [BIN, 'capture', '--freeze', '-p', String(parent), '-p', String(child), '-o', out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cap.stderr!.on('data', (d) => (stderr += String(d)));
  await new Promise((r) => setTimeout(r, 500));
  process.kill(child, 'SIGKILL');
  const code = await new Promise((r) => cap.on('exit', r));
  assert.equal(code, 0, stderr);
  assert.match(stderr, new RegExp(`warning: process ${child} \\(python3\\) exited`));
  assert.equal(markedPages(out, buffer).original, N);
});

test('without CAP_SYS_ADMIN: refused with a clear message, or per process with --no-pfn', async (t) => {
  if (!needRoot(t)) return;
  const { parent, buffer } = await startCow();
  const out = path.join(dir, 'nocap.zsdc');
  const run = (...extra: string[]) =>
    spawnSync('setpriv', ['--bounding-set=-sys_admin', process.execPath, BIN, 'capture', '-p', String(parent), '-o', out, ...extra], { encoding: 'utf8' });
  const refused = run();
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /cannot read PFNs .*CAP_SYS_ADMIN.*--no-pfn/);
  assert.equal(fs.existsSync(out), false);
  const perProcess = run('--no-pfn');
  assert.equal(perProcess.status, 0, perProcess.stderr);
  assert.equal(markedPages(out, buffer).original, N);
  // analyze --pid gives the same advice and takes the same option
  const analyze = (...extra: string[]) =>
    spawnSync('setpriv', ['--bounding-set=-sys_admin', process.execPath, BIN, 'analyze', '-c', 'lzo', '-f', 'json', '-p', String(parent), ...extra], { encoding: 'utf8' });
  const advised = analyze();
  assert.equal(advised.status, 2, advised.stderr);
  assert.match(advised.stderr, /--no-pfn/);
  const analyzed = analyze('--no-pfn');
  assert.equal(analyzed.status, 0, analyzed.stderr);
  assert.ok((JSON.parse(analyzed.stdout) as AnalyzeReport).pages.total >= N);
});

/** Starts test/workloads/zero.py: zero-page mappings beside written pages. */
async function startZero(n: number, k: number, z: number): Promise<{ pid: number; small: number; huge: number }> {
  const m = await startWorkload('zero.py', [n, k, z], /pid (\d+)\nsmall (\d+)\nhuge (\d+)\n/);
  return { pid: Number(m[1]), small: Number(m[2]), huge: Number(m[3]) };
}

/** pages of a capture in [start, start + pages × 4096), by page index; and its processes' zero_page counts */
function pagesIn(file: string, start: number, pages: number): { indices: number[]; zeroPage: number } {
  const src = new CaptureSource(InputFile.open(file));
  const batch = new PageBatch();
  const indices: number[] = [];
  for (let n = src.read(batch); n > 0; n = src.read(batch)) {
    for (let i = 0; i < n; i++) {
      const index = (batch.vaddr[i] - start) / PAGE_SIZE;
      if (index >= 0 && index < pages) indices.push(index);
    }
  }
  const summary = src.info.summary as { processes: { zero_page: number }[] };
  src.close();
  return { indices: indices.sort((a, b) => a - b), zeroPage: summary.processes.reduce((a, p) => a + p.zero_page, 0) };
}

test('mappings of the shared zero page are left out and counted: by kpageflags, and by pagemap and content with --no-pfn', async (t) => {
  if (!needRoot(t)) return;
  const [n, k, z] = [64, 8, 8];
  const { pid, small, huge } = await startZero(n, k, z);
  const withPfn = path.join(dir, 'zero-pfn.zsdc');
  const noPfn = path.join(dir, 'zero-nopfn.zsdc');
  process.kill(pid, 'SIGSTOP');
  try {
    for (const [file, extra] of [[withPfn, []], [noPfn, ['--no-pfn']]] as const) {
      const r = runCli(['capture', '-p', String(pid), '-o', file, ...extra]);
      assert.equal(r.status, 0, r.stderr);
    }
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const written = Array.from({ length: k + z }, (_, i) => i);
  const a = pagesIn(withPfn, small, n);
  const b = pagesIn(noPfn, small, n);
  // the written pages, zero-filled ones included (they are the process's own); none only read
  assert.deepEqual(a.indices, written);
  assert.deepEqual(b.indices, written, '--no-pfn: the same pages');
  assert.deepEqual(pagesIn(withPfn, huge, 512).indices, []);
  assert.deepEqual(pagesIn(noPfn, huge, 512).indices, [], '--no-pfn: no page of the huge zero page');
  assert.ok(a.zeroPage >= n - k - z, `zero_page ${a.zeroPage}`);
  assert.equal(b.zeroPage, a.zeroPage, '--no-pfn counts the same zero-page mappings as kpageflags does');
});

test('--cgroup: every process of a cgroup v2, frozen with the cgroup freezer and thawed after', async (t) => {
  if (!needRoot(t)) return;
  const root = cgroup2Root();
  if (!fs.existsSync(path.join(root, 'cgroup.procs'))) {
    t.skip(`no cgroup v2 hierarchy mounted (looked at ${root})`);
    return;
  }
  const { parent, child, buffer } = await startCow();
  const cg = fs.mkdtempSync(path.join(root, 'zswap-dedup-test-'));
  after(() => {
    for (const pid of fs.readFileSync(path.join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        fs.writeFileSync(path.join(root, 'cgroup.procs'), pid);
      } catch {
        /* exited meanwhile */
      }
    }
    fs.rmdirSync(cg);
  });
  for (const pid of [parent, child]) fs.writeFileSync(path.join(cg, 'cgroup.procs'), String(pid));
  const out = path.join(dir, 'cgroup.zsdc');
  const env = { ...process.env, ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS: '1200' };
  const cap = spawn(process.execPath, [BIN, 'capture', '--freeze', '--cgroup', cg, '-o', out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cap.stderr!.on('data', (d) => (stderr += String(d)));
  const frozen = () => /^frozen 1$/m.test(fs.readFileSync(path.join(cg, 'cgroup.events'), 'utf8'));
  assert.ok(await until(frozen, 15_000), 'frozen by the cgroup freezer while capturing');
  const code = await new Promise((r) => cap.on('exit', r));
  assert.equal(code, 0, stderr);
  assert.match(fs.readFileSync(path.join(cg, 'cgroup.events'), 'utf8'), /^frozen 0$/m, 'thawed after');
  const m = markedPages(out, buffer);
  assert.equal(m.original, N);
  assert.equal(m.rewritten, K);
  const src = new CaptureSource(InputFile.open(out));
  assert.deepEqual([...(src.info.pids as number[])].sort(), [parent, child].sort());
  src.close();
});

/** Starts test/workloads/reserve.py: an empty no-access reservation and present pages made no-access. */
async function startReserve(gib: number, guarded: number): Promise<{ pid: number; reserved: number; guarded: number }> {
  const m = await startWorkload('reserve.py', [gib, guarded], /pid (\d+)\nreserved (\d+)\nguarded (\d+)\n/);
  return { pid: Number(m[1]), reserved: Number(m[2]), guarded: Number(m[3]) };
}

test('an empty no-access reservation (64 GiB) is not walked and is reported; present pages made no-access are captured', async (t) => {
  if (!needRoot(t)) return;
  const [gib, g] = [64, 16];
  const w = await startReserve(gib, g);
  const file = path.join(dir, 'reserve.zsdc');
  const r = runCli(['capture', '-p', String(w.pid), '-o', file]);
  assert.equal(r.status, 0, r.stderr);
  const src = new CaptureSource(InputFile.open(file));
  const batch = new PageBatch();
  const guardedSeen: number[] = [];
  for (let n = src.read(batch); n > 0; n = src.read(batch)) {
    for (let i = 0; i < n; i++) {
      const index = (batch.vaddr[i] - w.guarded) / PAGE_SIZE;
      if (index < 0 || index >= g) continue;
      assert.equal(batch.content.toString('latin1', i * PAGE_SIZE, i * PAGE_SIZE + 16), `ZSDGUARD-${String(index).padStart(6, '0')}-`);
      guardedSeen.push(index);
    }
  }
  const summary = src.info.summary as { processes: { reserved_pages: number }[] };
  src.close();
  assert.deepEqual(guardedSeen.sort((a, b) => a - b), Array.from({ length: g }, (_, i) => i), 'the no-access pages that are present');
  // the reservation, and maybe the no-access gaps the loader leaves between a library's segments
  const reserved = summary.processes[0].reserved_pages;
  assert.ok(reserved >= (gib * 2 ** 30) / PAGE_SIZE && reserved < (gib * 2 ** 30) / PAGE_SIZE + (1 << 20), `reserved_pages ${reserved}`);
  assert.match(r.stderr, /not walked: 64\.\d+ GiB of address space reserved with no access/);
});
