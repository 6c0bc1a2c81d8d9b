/**
 * Standard input, pipes, FIFOs and compressed dumps: the same pages as the file itself, errors in
 * one line naming the input (never a temporary file), no temporary file left behind, and a FIFO
 * or pipe that stays silent still obeys Ctrl-C and SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { AnalyzeReport } from '../src/report/report.js';
import { runCli } from './helpers/cli.js';
import { BIN, ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
/** TMPDIR of the runs: the spooled copies must never be left in it */
const spoolDir = path.join(dir, 'tmp');
fs.mkdirSync(spoolDir);
const env = { ...process.env, TMPDIR: spoolDir };
const fixture = (f: string) => path.join(ROOT, 'fixtures', f);
const ANALYZE = ['analyze', '-c', 'lzo,lz4', '--threads', '1', '-f', 'json'];

function analyze(args: string[], input?: Buffer): AnalyzeReport & { stderr: string } {
  const r = runCli([...ANALYZE, ...args], { env, input });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(spoolDir), [], 'no temporary file left');
  return { ...(JSON.parse(r.stdout) as AnalyzeReport), stderr: r.stderr };
}

/** what must not depend on how the bytes arrived */
const figures = (r: AnalyzeReport) => ({ pages: r.pages, results: r.results, inputs: r.inputs.map((i) => ({ ...i, path: '' })) });

const COMPRESSED = [
  ['compressed/sample-python.raw.gz', 'sample-python.raw', 'raw'],
  ['compressed/linux-lzo.kd.xz', 'kdump/linux-lzo.kd', 'kdump'],
  ['compressed/qemu-bios-zlib.flat.zst', 'kdump/qemu-bios-zlib.flat', 'flattened-kdump'],
] as const;

for (const [packed, plain, format] of COMPRESSED) {
  test(`${path.extname(packed)} by content, as a file and on standard input: the pages of ${plain}`, () => {
    const want = figures(analyze([fixture(plain)]));
    assert.equal(want.inputs[0].format, format);
    const file = analyze([fixture(packed)]);
    assert.equal(file.inputs[0].path, fixture(packed));
    assert.deepEqual(figures(file), want);
    // the name is no hint: a copy named .bin is decompressed all the same
    const renamed = path.join(dir, `${path.basename(plain)}.bin`);
    fs.copyFileSync(fixture(packed), renamed);
    assert.deepEqual(figures(analyze([renamed])), want);
    const piped = analyze(['-'], fs.readFileSync(fixture(packed)));
    assert.equal(piped.inputs[0].path, 'standard input');
    assert.deepEqual(figures(piped), want);
  });
}

test('a flattened dump piped in (makedumpfile -F … | zswap-dedup analyze -) gives what the file gives', () => {
  const flat = fixture('kdump/qemu-bios-zlib.flat');
  const piped = analyze(['-'], fs.readFileSync(flat));
  assert.equal(piped.inputs[0].format, 'flattened-kdump');
  assert.deepEqual(figures(piped), figures(analyze([flat])));
  // and with a file beside it: standard input is one input among others
  const both = analyze(['-', fixture('sample-python.raw')], fs.readFileSync(flat));
  assert.deepEqual(both.inputs.map((i) => i.path), ['standard input', fixture('sample-python.raw')]);
});

test('a recording over time on standard input: the replay over time and convert read it too', () => {
  const trace = fixture('capture/python-churn.trace');
  const args = ['analyze', '--reclaim', 'all', '-c', 'lzo', '-f', 'json', '--threads', '1'];
  const fromFile = runCli([...args, trace], { env });
  const fromPipe = runCli([...args, '-'], { env, input: fs.readFileSync(trace) });
  assert.equal(fromPipe.status, 0, fromPipe.stderr);
  const series = (s: string) => (JSON.parse(s) as { samples: unknown }).samples;
  assert.deepEqual(series(fromPipe.stdout), series(fromFile.stdout));

  const out = path.join(dir, 'converted.zsdc');
  const c = runCli(['convert', '--no-progress', '-o', out, '-'], { env, input: fs.readFileSync(fixture('compressed/sample-python.raw.gz')) });
  assert.equal(c.status, 0, c.stderr);
  const converted = analyze([out]);
  const original = analyze([fixture('sample-python.raw')]);
  assert.deepEqual([converted.pages, converted.results], [original.pages, original.results]);
  assert.deepEqual(fs.readdirSync(spoolDir), []);
});

test('truncated or corrupt compressed input: one line naming the input, exit 2, no output, no temporary file', () => {
  const gz = fs.readFileSync(fixture('compressed/sample-python.raw.gz'));
  const xz = fs.readFileSync(fixture('compressed/linux-lzo.kd.xz'));
  const zst = fs.readFileSync(fixture('compressed/qemu-bios-zlib.flat.zst'));
  const corrupt = Buffer.from(xz);
  corrupt.fill(0x55, 4000, 4100);
  const cases: [string, Buffer, RegExp][] = [
    ['cut.gz', gz.subarray(0, gz.length >> 1), /gzip stream ends early/],
    ['cut.xz', xz.subarray(0, xz.length >> 1), /xz stream ends early/],
    ['cut.zst', zst.subarray(0, zst.length >> 1), /zstd stream ends early/],
    ['corrupt.xz', corrupt, /xz stream is corrupt/],
  ];
  for (const [name, bytes, why] of cases) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const out = path.join(dir, 'report.json');
    for (const [args, input, shown] of [[[file], undefined, file], [['-'], bytes, 'standard input']] as const) {
      const r = runCli([...ANALYZE, '-o', out, ...args], { env, input });
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`zswap-dedup: ${shown}: `), r.stderr);
      assert.match(r.stderr, why);
      assert.ok(!r.stderr.includes(spoolDir), 'no temporary file named');
      assert.equal(fs.existsSync(out), false);
      assert.deepEqual(fs.readdirSync(spoolDir), []);
    }
  }
});

test('--input-format names the format of the bytes as they are: a compressed file is then not decompressed', () => {
  const r = runCli([...ANALYZE, '--input-format', 'raw', fixture('compressed/sample-python.raw.gz')], { env });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /not a multiple of 4096/);
});

test("standard input given twice, or a terminal, or empty: a usage error", () => {
  const twice = runCli([...ANALYZE, '-', '-'], { env, input: Buffer.alloc(4096) });
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /'-' \(standard input\) can be given once/);
  const empty = runCli([...ANALYZE, '-'], { env, input: Buffer.alloc(0) });
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /^zswap-dedup: standard input: is empty$/m);
});

/**
 * Spawns analyze; resolves with its exit code and stderr. Whatever the test's outcome (a failed
 * assertion, its timeout), the child is killed when the test ends: one left waiting on a FIFO or a
 * pipe would keep the test process, and with it the whole `npm test`, from ever ending.
 */
function start(t: TestContext, args: string[], stdin: 'pipe' | 'ignore' = 'ignore') {
  const child = spawn(process.execPath, [BIN, ...ANALYZE, ...args], { env, stdio: [stdin, 'pipe', 'pipe'] });
  let exited = false;
  t.after(() => {
    if (!exited) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => (exited = true));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, exited: () => exited };
}

/**
 * true once `pid` waits for input on the descriptor that `input` names (a FIFO's path, or 0 for
 * standard input): it is registered in the event loop's epoll set, which happens only after the
 * CLI has set its signal handlers and opened the input. false as soon as the process has ended
 * (it never waited). No time limit of its own: on a loaded machine starting node alone can take
 * many seconds; the test's timeout (which aborts t.signal) is the last resort.
 */
async function waiting(t: TestContext, run: ReturnType<typeof start>, input: string | 0): Promise<boolean> {
  const pid = run.child.pid!;
  const fds = () =>
    input === 0 ? ['0'] : fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === input;
      } catch {
        return false;
      }
    });
  const polled = (fd: string) =>
    fs.readdirSync(`/proc/${pid}/fdinfo`).some((f) => {
      try {
        return new RegExp(`^tfd:\\s+${fd}\\s`, 'm').test(fs.readFileSync(`/proc/${pid}/fdinfo/${f}`, 'utf8'));
      } catch {
        return false;
      }
    });
  for (; !t.signal.aborted && !run.exited(); await new Promise((r) => setTimeout(r, 20))) {
    try {
      if (fds().some(polled)) return true;
    } catch {
      return false; // /proc/PID is gone: the process has ended
    }
  }
  return false;
}

test('a FIFO with a writer is read as a stream', { timeout: 300_000 }, async (t) => {
  const fifo = path.join(dir, 'dump.fifo');
  spawnSync('mkfifo', [fifo]);
  const run = start(t, [fifo]);
  // opening for writing waits (off the main thread) until analyze has opened it for reading
  const writer = fs.createWriteStream(fifo);
  t.after(() => {
    // if analyze never opened the FIFO, a reader of our own lets the waiting open() return
    fs.closeSync(fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    writer.destroy();
  });
  writer.on('error', () => {}); // analyze gone first: its exit code tells
  writer.end(fs.readFileSync(fixture('compressed/qemu-bios-zlib.flat.zst')));
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as AnalyzeReport;
  assert.equal(rep.inputs[0].path, fifo);
  assert.deepEqual(figures(rep), figures(analyze([fixture('kdump/qemu-bios-zlib.flat')])));
});

for (const [what, signal, code] of [['a FIFO without a writer', 'SIGINT', 130], ['a silent pipe on standard input', 'SIGTERM', 143]] as const) {
  test(`${what} still obeys ${signal}: exit ${code}, no report file, no temporary file`, { timeout: 300_000 }, async (t) => {
    const fifo = path.join(dir, `silent-${signal}.fifo`);
    const out = path.join(dir, `silent-${signal}.json`);
    if (signal === 'SIGINT') spawnSync('mkfifo', [fifo]);
    const run = signal === 'SIGINT' ? start(t, ['-o', out, fifo]) : start(t, ['-o', out, '-'], 'pipe');
    if (!(await waiting(t, run, signal === 'SIGINT' ? fifo : 0))) {
      const r = await run.done;
      assert.fail(`analyze did not wait for input: exit ${r.code}: ${r.stderr}`);
    }
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, /zswap-dedup: interrupted/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(fs.readdirSync(spoolDir), []);
  });
}

test('a corrupt compressed stream from a pipe that stays open: one line, exit 2, at once', { timeout: 300_000 }, async (t) => {
  const run = start(t, ['-'], 'pipe');
  // a gzip header with an unknown method, and then nothing: the writer keeps the pipe open
  run.child.stdin!.write(Buffer.from([0x1f, 0x8b, 0x63, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8]));
  const r = await run.done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^zswap-dedup: standard input: gzip stream is corrupt: .*\n$/);
  assert.deepEqual(fs.readdirSync(spoolDir), []);
});
