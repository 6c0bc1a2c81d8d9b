/** Our capture format and hash-only traces: round trips, privacy, and damaged files. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalyzeReport } from '../src/report/report.js';
import { CaptureSource } from '../src/sources/capture-reader.js';
import { InputFile } from '../src/sources/input-file.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { loadCorpus, pagesOf } from './helpers/corpus.js';
import { writeMixedRaw } from './helpers/pages.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const firstRandom = pagesOf(loadCorpus(), 'random')[0];
const raw = writeMixedRaw(dir, 'mixed.raw', firstRandom, 60).file; // random and pattern pages
const capture = path.join(dir, 'mixed.zsdc');
const trace = path.join(dir, 'mixed.trace');

function analyze(file: string, ...args: string[]): AnalyzeReport {
  const r = runCli(['analyze', '-c', 'all', '-f', 'json', ...args, file]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as AnalyzeReport;
}

test('convert writes a capture and a trace with mode 0600; the trace holds no page content', () => {
  assert.equal(runCli(['convert', '-o', capture, raw]).status, 0);
  const t = runCli(['convert', '--hash-only', '-o', trace, raw]);
  assert.equal(t.status, 0, t.stderr);
  for (const f of [capture, trace]) assert.equal(fs.statSync(f).mode & 0o777, 0o600);
  const rawBytes = fs.readFileSync(raw);
  const traceBytes = fs.readFileSync(trace);
  assert.ok(traceBytes.length < rawBytes.length / 30, `trace is ${traceBytes.length} bytes`);
  // no 32-byte run of any non-trivial page appears in the trace
  const c = loadCorpus();
  const sample = c.pages.subarray((firstRandom + 10) * 4096 + 1000, (firstRandom + 10) * 4096 + 1032);
  assert.ok(rawBytes.includes(sample));
  assert.ok(!traceBytes.includes(sample));
});

test('a capture and a trace analyze to the same figures as the raw pages they came from', () => {
  const fromRaw = analyze(raw);
  const fromCapture = analyze(capture);
  const fromTrace = analyze(trace);
  assert.equal(fromCapture.inputs[0].format, 'capture');
  assert.equal(fromTrace.inputs[0].format, 'trace');
  assert.equal(fromTrace.hash.identity, 'fingerprint128');
  assert.deepEqual(fromCapture.results, fromRaw.results);
  assert.deepEqual(fromTrace.results, fromRaw.results);
  assert.deepEqual(fromTrace.pages, fromRaw.pages);
  for (const hash of ['xxh32', 'jhash2', 'crc32c']) {
    assert.deepEqual(analyze(trace, '--hash', hash).hash.collisions, analyze(raw, '--hash', hash).hash.collisions, hash);
  }
  assert.equal(fromTrace.top_duplicates[0].description, '(trace: content not recorded)');
});

test('a trace converts to a trace, not to a capture; a keyed trace only under its own key', () => {
  const key = path.join(ROOT, 'fixtures', 'capture', 'fixtures.key');
  const keyed = path.join(dir, 'keyed.trace');
  assert.equal(runCli(['convert', '--hash-only', '--key-file', key, '-o', keyed, trace]).status, 2, 'trace was made with a random key: not again');
  assert.equal(runCli(['convert', '--hash-only', '--key-file', key, '-o', keyed, raw]).status, 0);
  assert.equal(runCli(['convert', '--hash-only', '--key-file', key, '-o', path.join(dir, 'again.trace'), keyed]).status, 0);
  const again = runCli(['convert', '--hash-only', '-o', path.join(dir, 'again2.trace'), keyed]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /keyed\.trace: its digests are keyed with key [0-9a-f]{32}: it converts only with --key-file of that key\n$/);
  assert.ok(!fs.existsSync(path.join(dir, 'again2.trace')));
  const r = runCli(['convert', '-o', path.join(dir, 'nope.zsdc'), trace]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /hash-only trace/);
  assert.ok(!fs.existsSync(path.join(dir, 'nope.zsdc')));
});

function damaged(name: string, edit: (b: Buffer) => Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, edit(Buffer.from(fs.readFileSync(trace))));
  return f;
}

test('damaged captures and traces: exit 2, one line naming the file and the problem', () => {
  const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['truncated.trace', (b) => b.subarray(0, b.length - 100), /truncated/],
    ['no-end.trace', (b) => b.subarray(0, b.length - 16), /no end record/],
    ['version.trace', (b) => (b.writeUInt16LE(9, 8), b), /version 9 is not supported/],
    ['pagesize.trace', (b) => (b.writeUInt32LE(8192, 12), b), /page size 8192/],
    ['meta.trace', (b) => (b.writeUInt32LE(0x7fffffff, 16), b), /metadata length/],
    ['json.trace', (b) => (b[21] = 0x7b, b[20] = 0x7b, b), /not valid JSON/],
    ['count.trace', (b) => (b.writeUInt32LE(3, b.length - 8), b), /end record says 3 pages/],
    ['reclen.trace', (b) => corruptFirstRecord(b, (at) => b.writeUInt32LE(0xfffffff0, at + 4)), /declares/],
    ['rectype.trace', (b) => corruptFirstRecord(b, (at) => b.writeUInt16LE(77, at)), /unknown record type 77/],
    ['length.trace', (b) => corruptFirstRecord(b, (at) => b.writeInt16LE(5000, at + 8 + 32 + 40), 2), /corrupt digest record/],
  ];
  for (const [name, edit, message] of cases) {
    const f = damaged(name, edit);
    const r = runCli(['analyze', f]);
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
    assert.ok(r.stderr.includes(f), `${name}: names the file`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

/** Applies `edit` at the offset of the first record after the header (of the first of that type). */
function corruptFirstRecord(b: Buffer, edit: (at: number) => void, type?: number): Buffer {
  let at = (20 + b.readUInt32LE(16) + 7) & ~7;
  while (type !== undefined && b.readUInt16LE(at) !== type) at += 8 + ((b.readUInt32LE(at + 4) + 7) & ~7);
  edit(at);
  return b;
}

test('shipped capture fixtures (real processes) read back to the page counts their own summaries record', () => {
  for (const name of ['sleep.zsdc', 'python-fork.trace']) {
    const file = path.join(ROOT, 'fixtures', 'capture', name);
    const src = new CaptureSource(InputFile.open(file));
    const batch = new PageBatch();
    let pages = 0;
    let anon = 0;
    for (let n = src.read(batch); n > 0; n = src.read(batch)) {
      pages += n;
      for (let i = 0; i < n; i++) if (batch.flags[i] & PAGE_FLAG.ANON) anon++;
    }
    src.close();
    const summary = src.info.summary as { pages: number; processes: { captured: number }[] };
    assert.equal(pages, summary.pages, name);
    assert.equal(summary.processes.reduce((a, p) => a + p.captured, 0), pages, name);
    assert.equal(anon, pages, `${name}: every captured page is anonymous (no --shmem)`);
    assert.ok(src.mappings.length > 0);
  }
});

/** Per page: [pid of its mapping, map count], read back through the capture reader. */
function pagesByProcess(file: string): [number, number][] {
  const src = new CaptureSource(InputFile.open(file));
  const batch = new PageBatch();
  const out: [number, number][] = [];
  for (let n = src.read(batch); n > 0; n = src.read(batch)) {
    for (let i = 0; i < n; i++) {
      const m = src.mappings.find((x) => x.id === batch.mapping[i]);
      out.push([m ? m.pid : -1, batch.mapcount[i]]);
    }
  }
  src.close();
  return out;
}

test('convert keeps each page\'s mapping (process) and map count; several inputs keep their ids apart', () => {
  const sleep = path.join(ROOT, 'fixtures', 'capture', 'sleep.zsdc');
  const fork = path.join(ROOT, 'fixtures', 'capture', 'python-fork.trace');
  const one = path.join(dir, 'sleep.trace');
  const both = path.join(dir, 'both.trace');
  // python-fork.trace is keyed with the shipped fixtures.key: it goes into a trace of that key only
  const key = ['--key-file', path.join(ROOT, 'fixtures', 'capture', 'fixtures.key')];
  assert.equal(runCli(['convert', '--hash-only', '--keep-names', '-o', one, sleep]).status, 0);
  assert.equal(runCli(['convert', '--hash-only', '--keep-names', ...key, '-o', both, sleep, fork]).status, 0);
  const want = [...pagesByProcess(sleep), ...pagesByProcess(fork)];
  assert.ok(want.every(([pid]) => pid > 0), 'every fixture page names its mapping');
  assert.ok(new Set(want.map(([pid]) => pid)).size >= 3, 'sleep and the two forked Pythons');
  assert.deepEqual(pagesByProcess(one), pagesByProcess(sleep));
  assert.deepEqual(pagesByProcess(both), want);
  // by default PIDs become 1, 2, 3 … in order of appearance: the same pages per process
  const redacted = path.join(dir, 'both-redacted.trace');
  assert.equal(runCli(['convert', '--hash-only', ...key, '-o', redacted, sleep, fork]).status, 0);
  const pseudonym = new Map<number, number>();
  for (const [pid] of want) if (!pseudonym.has(pid)) pseudonym.set(pid, pseudonym.size + 1);
  assert.deepEqual(pagesByProcess(redacted), want.map(([pid, count]) => [pseudonym.get(pid), count]));
});
