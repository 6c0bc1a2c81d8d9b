/**
 * Recording over time against real processes on this machine: a Python parent and its forked
 * child share, rewrite, allocate and free marked pages one step per sample, and the recording
 * says exactly which pages appeared, changed and went, with one key per physical page.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, test, type TestContext } from 'node:test';
import { openTimeline } from '../src/timeline/open-timeline.js';
import { EventBatch, IDLE_UNKNOWN, PAGE_EVENT } from '../src/timeline/timeline.js';
import { markedEventsPerSample } from './helpers/marked-events.js';
import { BIN } from './helpers/paths.js';
import { lineWorkload, type LineWorkload } from './helpers/line-workload.js';
import { tmpDir } from './helpers/tmp.js';

const N = 200;
const dir = tmpDir();
const running: ChildProcess[] = [];
after(() => running.forEach((c) => c.kill('SIGKILL')));

function needRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0 && process.platform === 'linux') return true;
  t.skip('live capture needs root on Linux');
  return false;
}

/** the churn workload, driven line by line */
function churn(): LineWorkload {
  const w = lineWorkload('churn.py', { CHURN_PAGES: String(N) });
  running.push(w.proc);
  return w;
}

const STEPS = ['child-write 20', 'parent-write 10', 'alloc-b', 'child-again 20', 'free-b', 'child-exit', 'alloc-c'];

test('fork, copy-on-write, rewrite in place, allocate, free, exit: each sample records exactly what happened to the marked pages', { timeout: 180_000 }, async (t) => {
  if (!needRoot(t)) return;
  const w = churn();
  const pids = (await w.send('start')).match(/\d+/g)!.map(Number);
  const out = path.join(dir, 'churn.zsdc');
  const cap = spawn(process.execPath, [BIN, 'capture', '-p', String(pids[0]), '-p', String(pids[1]), '--interval', '2', '--samples', String(STEPS.length + 1), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(cap);
  let stderr = '';
  const steps = readline.createInterface({ input: cap.stderr! });
  let next = 0;
  const stepped = new Promise<void>((resolve) => {
    steps.on('line', async (l) => {
      stderr += l + '\n';
      if (/^sample \d+ at/.test(l) && next < STEPS.length) {
        await w.send(STEPS[next++]);
        if (next === STEPS.length) resolve();
      }
    });
  });
  const code = await new Promise((r) => cap.on('exit', r));
  await stepped;
  assert.equal(code, 0, stderr);
  assert.match(stderr, /recorded 8 samples 2 s apart; idle ages by/);

  // per sample: events on marked pages, as "event tag" → count; keys followed across samples
  const perSample = markedEventsPerSample(out, (tl) => {
    assert.ok(tl.idleAges().subarray(0, tl.keyLimit).every((a) => a === IDLE_UNKNOWN), 'this host tracks no idle ages');
  });
  assert.deepEqual(perSample, [
    { 'appear ZSDCHRN': N }, // one key per physical page, though parent and child both map them
    { 'appear CHILDPG': 20 }, // the child's copies; the parent keeps the original frames and keys
    { 'appear PARENTW': 10 }, // now the parent copies; the child keeps the originals
    { 'appear BUFFERB': N },
    { 'change CHILDAG': 20 }, // the child's own pages, rewritten in place
    { 'gone BUFFERB': N },
    { 'gone CHILDAG': 20, 'gone ZSDCHRN': 10 }, // the child exits: its own pages and the originals only it kept
    { 'appear ZSDCHRN': N }, // copies of page 0 of A: new pages, duplicates of each other
  ]);
  w.proc.stdin!.end('exit\n');
});

/** capture of one `sleep` process with these arguments; resolves once stderr shows sample `waitFor` */
function recordSleep(out: string, args: string[], waitFor: number, env: NodeJS.ProcessEnv = process.env) {
  const target = spawn('sleep', ['300'], { stdio: 'ignore' });
  running.push(target);
  const cap = spawn(process.execPath, [BIN, 'capture', '-p', String(target.pid), '-o', out, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  running.push(cap);
  let stderr = '';
  const reached = new Promise<void>((resolve) => {
    cap.stderr!.on('data', (d) => {
      stderr += String(d);
      if (new RegExp(`^sample ${waitFor} at`, 'm').test(stderr)) resolve();
    });
  });
  const exited = new Promise<number | null>((r) => cap.on('exit', r));
  return { target, cap, reached, exited, stderr: () => stderr };
}

test('Ctrl-C ends a recording and keeps what it has; a second Ctrl-C interrupts and leaves nothing', { timeout: 60_000 }, async (t) => {
  if (!needRoot(t)) return;
  const kept = path.join(dir, 'kept.trace');
  const r = recordSleep(kept, ['--interval', '0.3', '--hash-only'], 2);
  await r.reached;
  r.cap.kill('SIGINT');
  assert.equal(await r.exited, 0, r.stderr());
  assert.match(r.stderr(), /stopped early: signal/);
  const tl = openTimeline([kept], 'auto');
  let samples = 0;
  while (tl.nextSample()) samples++;
  tl.close();
  assert.ok(samples >= 3, `${samples} samples kept`);

  // the second Ctrl-C must arrive while a sample is being taken: --freeze with the test pause holds one 3 s
  const gone = path.join(dir, 'gone.trace');
  const r2 = recordSleep(gone, ['--interval', '0.3', '--hash-only', '--freeze'], 0, { ...process.env, ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS: '3000' });
  await r2.reached;
  await new Promise((r) => setTimeout(r, 1000));
  r2.cap.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  r2.cap.kill('SIGINT');
  assert.equal(await r2.exited, 130);
  assert.equal(fs.existsSync(gone), false);
});

test('a target that exits ends a recording of it: the file keeps every sample, its pages gone in the last', { timeout: 60_000 }, async (t) => {
  if (!needRoot(t)) return;
  const out = path.join(dir, 'exits.trace');
  const r = recordSleep(out, ['--interval', '0.3', '--hash-only', '--duration', '60'], 1);
  await r.reached;
  r.target.kill('SIGKILL');
  assert.equal(await r.exited, 0, r.stderr());
  assert.match(r.stderr(), /stopped early: targets exited/);
  const tl = openTimeline([out], 'auto');
  const batch = new EventBatch();
  let appeared = 0;
  let gone = 0;
  for (let s = tl.nextSample(); s; s = tl.nextSample()) {
    for (let n = tl.read(batch); n > 0; n = tl.read(batch)) {
      for (let i = 0; i < n; i++) {
        if (batch.event[i] === PAGE_EVENT.APPEAR) appeared++;
        if (batch.event[i] === PAGE_EVENT.GONE) gone++;
      }
    }
  }
  tl.close();
  assert.ok(appeared > 0);
  assert.equal(gone, appeared, 'every page of the exited process is gone by the end');
});
