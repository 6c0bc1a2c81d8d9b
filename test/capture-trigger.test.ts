/**
 * `capture --trigger CTL,ACK`: samples at the moments a workload asks for, and only then. The
 * Python churn workload takes a step, the test writes "sample" to CTL and waits for "ack N" on
 * ACK before the next step: every sample holds exactly one step's events, however slow the
 * machine. Unknown commands are answered with an error line, "stop" ends the recording and
 * keeps the file, and a path that is no named pipe is a one-line error before anything is written.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, test, type TestContext } from 'node:test';
import { runCli } from './helpers/cli.js';
import { markedEventsPerSample } from './helpers/marked-events.js';
import { BIN, ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const N = 64;
const dir = tmpDir();
const running: ChildProcess[] = [];
after(() => running.forEach((c) => c.kill('SIGKILL')));

function mkfifo(name: string): string {
  const p = path.join(dir, name);
  const r = spawnSync('mkfifo', [p]);
  assert.equal(r.status, 0, String(r.stderr));
  return p;
}

/** a line-by-line conversation: send a line, get the next line that matches */
function lines(input: NodeJS.ReadableStream, want: RegExp): () => Promise<string> {
  const rl = readline.createInterface({ input });
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  rl.on('line', (l) => {
    if (!want.test(l)) return;
    const w = waiting.shift();
    if (w) w(l);
    else queue.push(l);
  });
  return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r)));
}

/** test/workloads/churn.py started ("start" answered): its PIDs and a step function */
async function startChurn(): Promise<{ pids: number[]; step: (cmd: string) => Promise<string>; end: () => void }> {
  const w = spawn('python3', [path.join(ROOT, 'test', 'workloads', 'churn.py')], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, CHURN_PAGES: String(N) } });
  running.push(w);
  const okLine = lines(w.stdout!, /^ok /);
  const started = new Promise<string>((resolve) => {
    let text = '';
    w.stdout!.on('data', (d) => {
      text += String(d);
      if (/^ok start/m.test(text)) resolve(text);
    });
  });
  w.stdin!.write('start\n');
  const pids = [w.pid!, Number(/child (\d+)/.exec(await started)![1])];
  await okLine();
  return {
    pids,
    step: (cmd) => {
      w.stdin!.write(cmd + '\n');
      return okLine();
    },
    end: () => w.stdin!.end('exit\n'),
  };
}

/** capture of `pids` into `out`, sampling on request through two fresh named pipes */
function triggeredCapture(pids: number[], out: string) {
  const ctl = mkfifo(`ctl-${path.basename(out)}`);
  const ack = mkfifo(`ack-${path.basename(out)}`);
  const cap = spawn(process.execPath, [BIN, 'capture', ...pids.flatMap((p) => ['-p', String(p)]), '--trigger', `${ctl},${ack}`, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(cap);
  let stderr = '';
  cap.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((r) => cap.on('exit', r));
  const ackLine = lines(fs.createReadStream(ack), /./);
  const request = async (command: string) => {
    await fs.promises.writeFile(ctl, command + '\n');
    return ackLine();
  };
  return { request, exited, stderr: () => stderr };
}

test('--trigger: one sample per request, each with exactly the events of the step before it; stop keeps the file', { timeout: 120_000 }, async (t: TestContext) => {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return t.skip('live capture needs root on Linux');
  const churn = await startChurn();
  const out = path.join(dir, 'steps.zsdc');
  const { request, exited, stderr } = triggeredCapture(churn.pids, out);

  const STEPS = ['child-write 20', 'parent-write 10', 'alloc-b', 'free-b', 'child-exit'];
  // the first request waits for the first sample (taken at start) and takes the second: nothing changed in between
  assert.equal(await request('sample'), 'ack 1');
  for (const [i, s] of STEPS.entries()) {
    await churn.step(s);
    assert.equal(await request('sample'), `ack ${i + 2}`, s);
  }
  assert.equal(await request('rewind'), 'error unknown command: rewind');
  assert.equal(await request('stop'), 'ack stop');
  assert.equal(await exited, 0, stderr());
  assert.match(stderr(), new RegExp(`recorded ${STEPS.length + 2} samples on request \\(ended by "stop"\\)`));
  assert.match(stderr(), /'rewind' is no command/);

  const perSample = markedEventsPerSample(out);
  assert.deepEqual(perSample, [
    { 'appear ZSDCHRN': N },
    {}, // requested at once: nothing happened since the first sample
    { 'appear CHILDPG': 20 },
    { 'appear PARENTW': 10 },
    { 'appear BUFFERB': N },
    { 'gone BUFFERB': N },
    { 'gone CHILDPG': 20, 'gone ZSDCHRN': 10 },
  ]);
  churn.end();
});

test('--trigger: pages moved by mremap keep their keys; those rewritten after the move are GONE and APPEAR anew', { timeout: 120_000 }, async (t: TestContext) => {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return t.skip('live capture needs root on Linux');
  // the moved pages keep their frames at new addresses (page-identity.ts rule 3): an unchanged one
  // continues its key without a record; a rewritten one is another page, split off the old key in
  // the middle of the sample (its old recorded key is GONE, the new one given with its APPEAR)
  const churn = await startChurn();
  const out = path.join(dir, 'moved.zsdc');
  const { request, exited, stderr } = triggeredCapture([churn.pids[0]], out);
  const J = 12;
  // the first sample is taken at start: this one is known to come after it, before any step
  assert.equal(await request('sample'), 'ack 1');
  for (const [i, s] of ['alloc-m', `move-m ${J}`, 'free-m'].entries()) {
    await churn.step(s);
    assert.equal(await request('sample'), `ack ${i + 2}`, s);
  }
  assert.equal(await request('stop'), 'ack stop');
  assert.equal(await exited, 0, stderr());
  // the file reads back (keys dense: a split that skipped or reused a key wrongly would not)
  const perSample = markedEventsPerSample(out);
  assert.deepEqual(perSample, [
    { 'appear ZSDCHRN': N },
    {},
    { 'appear MREMAPD': N },
    { 'gone MREMAPD': J, 'appear MOVEDPG': J },
    { 'gone MREMAPD': N - J, 'gone MOVEDPG': J },
  ]);
  churn.end();
});

test('--trigger with a path that is no named pipe: one line, exit 2, no output file', () => {
  const plain = path.join(dir, 'plain-file');
  fs.writeFileSync(plain, '');
  const out = path.join(dir, 'never.zsdc');
  for (const [arg, why] of [
    [plain, /not a named pipe \(create one with mkfifo\)/],
    [path.join(dir, 'missing'), /no such named pipe/],
    [`${mkfifo('ctl2')},`, /CTL or CTL,ACK/],
  ] as const) {
    const r = runCli(['capture', '-p', String(process.pid), '--trigger', arg, '-o', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(fs.existsSync(out), false);
  }
});
