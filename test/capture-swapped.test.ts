/**
 * Captures of a process partly swapped out, on this machine: test/workloads/swapped.py pushes
 * half of its marked pages to swap (madvise MADV_PAGEOUT). A page first seen swapped out cannot be
 * read, so it has no record until it comes back; the file must still read back with dense keys,
 * and say exactly what happened to the pages that were read. Without swap on the machine a
 * small swap file is switched on for this test and removed after it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, test, type TestContext } from 'node:test';
import { markedEventsPerSample } from './helpers/marked-events.js';
import { BIN } from './helpers/paths.js';
import { lineWorkload, type LineWorkload } from './helpers/line-workload.js';
import { tmpDir } from './helpers/tmp.js';

const N = 64;
const dir = tmpDir();
const running: ChildProcess[] = [];
after(() => running.forEach((c) => c.kill('SIGKILL')));

/** swap to page out to: what the machine has, else a swap file of ours; false (test skipped, saying why) when neither */
function haveSwap(t: TestContext): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') {
    t.skip('live capture and swap need root on Linux');
    return false;
  }
  if (fs.readFileSync('/proc/swaps', 'utf8').trim().split('\n').length > 1) return true;
  const file = path.join(dir, 'swapfile');
  const steps: [string, string[]][] = [
    ['fallocate', ['-l', '32M', file]],
    ['chmod', ['600', file]],
    ['mkswap', ['-q', file]],
    ['swapon', [file]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      t.skip(`no swap here and ${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
      return false;
    }
  }
  after(() => execFileSync('swapoff', [file]));
  return true;
}

function workload(): LineWorkload {
  const w = lineWorkload('swapped.py', { SWAPPED_PAGES: String(N) });
  running.push(w.proc);
  return w;
}

/** pages of the buffer swapped out, from the workload's "ok" line */
const swappedOut = (reply: string) => Number(/^ok \S+ (\d+)$/m.exec(reply)![1]);

/** The workload started, with its odd pages swapped out; its PID. */
async function startHalfSwapped(): Promise<{ w: ReturnType<typeof workload>; pid: number }> {
  const w = workload();
  const reply = await w.send('start');
  assert.equal(swappedOut(reply), N / 2, `the odd pages went to swap: ${reply}`);
  return { w, pid: Number(/^pid (\d+)/m.exec(reply)![1]) };
}

test('a process with every other page swapped out: the capture reads back, its pages in memory recorded', { timeout: 120_000 }, async (t) => {
  if (!haveSwap(t)) return;
  const { w, pid } = await startHalfSwapped();
  const out = path.join(dir, 'half.zsdc');
  const cap = spawnSync(process.execPath, [BIN, 'capture', '-p', String(pid), '-o', out, '--no-progress'], { encoding: 'utf8' });
  assert.equal(cap.status, 0, cap.stderr);
  assert.deepEqual(markedEventsPerSample(out), [{ 'appear SWAPTST': N / 2 }]);
  const analyzed = spawnSync(process.execPath, [BIN, 'analyze', out, '-f', 'json', '--no-progress'], { encoding: 'utf8' });
  assert.equal(analyzed.status, 0, analyzed.stderr);
  w.proc.stdin!.end('exit\n');
});

const STEPS = ['swap', 'rewrite', 'free'];

test('over time: pages first seen swapped appear when they come back, others go out, change while out, go', { timeout: 180_000 }, async (t) => {
  if (!haveSwap(t)) return;
  const { w, pid } = await startHalfSwapped();
  const out = path.join(dir, 'over-time.zsdc');
  const cap = spawn(process.execPath, [BIN, 'capture', '-p', String(pid), '--interval', '2', '--samples', String(STEPS.length + 1), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(cap);
  let stderr = '';
  const replies: string[] = [];
  let next = 0;
  const stepped = new Promise<void>((resolve) => {
    readline.createInterface({ input: cap.stderr! }).on('line', async (l) => {
      stderr += l + '\n';
      if (/^sample \d+ at/.test(l) && next < STEPS.length) {
        replies.push(await w.send(STEPS[next++]));
        if (next === STEPS.length) resolve();
      }
    });
  });
  const code = await new Promise((r) => cap.on('exit', r));
  await stepped;
  assert.equal(code, 0, stderr);
  assert.equal(swappedOut(replies[0]), N / 2, `the even pages went to swap, the odd ones came back: ${replies[0]}`);
  assert.deepEqual(markedEventsPerSample(out), [
    { 'appear SWAPTST': N / 2 }, // the even pages; the odd ones are out, unread
    { 'appear SWAPTST': N / 2, 'swapped SWAPTST': N / 2 }, // the odd pages back in, read for the first time; the even ones out
    { 'change REWRITE': N }, // rewritten: the even ones back in with new content
    { 'gone REWRITE': N },
  ]);
  const analyzed = spawnSync(process.execPath, [BIN, 'analyze', out, '--reclaim', 'recorded', '-f', 'json', '--no-progress'], { encoding: 'utf8' });
  assert.equal(analyzed.status, 0, analyzed.stderr);
  w.proc.stdin!.end('exit\n');
});
