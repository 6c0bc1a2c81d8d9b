/**
 * The study's figures beside the analyzer's report (study/page-stats.ts): where duplicates live,
 * by dedup scope, from the analyzer's own `--by process` drill-down, and the same-filled pages,
 * on captures whose answer is known by construction.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { CaptureWriter } from '../src/sources/capture-writer.js';
import { DigestKey } from '../src/sources/digest-key.js';
import { PAGE_FLAG } from '../src/sources/page-batch.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { contentStats, localityOf } from '../study/page-stats.js';
import { runCli } from './helpers/cli.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
/** the instances of a study run are traced under one key (study/run.ts) */
const keyFile = path.join(dir, 'run.key');
fs.writeFileSync(keyFile, crypto.randomBytes(32));

function page(fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(PAGE_SIZE);
  fill(b);
  return b;
}
const X = page((b) => b.write('content X, a page of a heap', 100));
const Y = page((b) => b.write('content Y', 7));
const W = page((b) => b.write('content W', 3000));
const S = page((b) => b.fill(0x11)); // same-filled, not zero
const ZERO = page(() => {});

/** One instance: a capture with a mapping per process and the given pages in each. */
function instance(name: string, processes: { pid: number; pages: Buffer[] }[]): string {
  const file = path.join(dir, `${name}.zsdc`);
  const w = new CaptureWriter(file, false, { source: 'test', time: new Date(0).toISOString(), tool: 'test' });
  let pfn = 1000 * processes[0].pid;
  processes.forEach((p, k) => {
    w.addMapping({ id: k + 1, pid: p.pid, comm: `p${p.pid}`, start: '1000', end: '9000', perms: 'rw-p', path: '' });
    p.pages.forEach((content, i) => w.addPage(content, 0, { pfn: pfn++, vaddr: 0x1000 * (i + 1), flags: PAGE_FLAG.ANON, mapping: k + 1, mapcount: 1 }));
  });
  w.finish();
  return file;
}

const a = instance('a', [
  { pid: 1, pages: [X, X, Y, ZERO] },
  { pid: 2, pages: [X, W] },
]);
const b = instance('b', [{ pid: 3, pages: [X, Y, S, S] }]);

function trace(capture: string, key = keyFile): string {
  const out = capture.replace(/\.zsdc$/, key === keyFile ? '.trace' : '-own-key.trace');
  const r = runCli(['convert', '--hash-only', '--key-file', key, '-o', out, capture]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** the run's analysis (study/run.ts): the instances' traces together, drilled down per process */
function analyze(...inputs: string[]): AnalyzeReport {
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', '--by', 'process', ...inputs]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as AnalyzeReport;
}

test('where duplicates live: per process, across processes of an instance, across instances', () => {
  const l = localityOf(analyze(trace(a), trace(b)));
  // non-zero pages 9; contents X Y W S; (content, instance) 6; (content, process) 7
  assert.deepEqual(l, {
    nonzero_pages: 9,
    distinct_contents: 4,
    duplicate_pages: 5,
    within_process: 2, // X twice in process 1, S twice in process 3
    across_processes: 1, // X of process 2
    across_instances: 2, // X and Y of instance b
    processes: 3,
  });
  // one instance alone: nothing across instances
  assert.deepEqual(localityOf(analyze(trace(a))), {
    nonzero_pages: 5,
    distinct_contents: 3,
    duplicate_pages: 2,
    within_process: 1,
    across_processes: 1,
    across_instances: 0,
    processes: 2,
  });
  // the content captures themselves give the same answer as their traces
  assert.deepEqual(localityOf(analyze(a, b)), l);
  // instances traced under different keys have nothing to compare: the analyzer refuses them
  const other = path.join(dir, 'other.key');
  fs.writeFileSync(other, crypto.randomBytes(32));
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', '--by', 'process', trace(a), trace(b, other)]);
  assert.equal(r.status, 2, r.stderr);
});

test('same-filled pages and descriptions come from the content captures', () => {
  const s = contentStats([a, b], new Set());
  assert.equal(s.pages, 10);
  assert.equal(s.zero_pages, 1);
  assert.equal(s.same_filled_nonzero_pages, 2);
  assert.deepEqual(s.same_filled_words, [{ word: '0x1111111111111111', pages: 2 }]);
  assert.equal(s.summaries.length, 2);
  // the analyzer names a content by its xxh64; the study describes it from the capture
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', trace(b)]);
  assert.equal(r.status, 0, r.stderr);
  const top = (JSON.parse(r.stdout) as { top_duplicates: { pages: number; hash: string }[] }).top_duplicates;
  assert.equal(top.length, 1);
  // the trace's hashes are keyed: the study keys the captures' pages alike to find them
  assert.deepEqual(contentStats([b], new Set([top[0].hash]), DigestKey.fromFile(keyFile)).descriptions, { [top[0].hash]: 'all bytes 0x11' });
  assert.deepEqual(contentStats([b], new Set([top[0].hash])).descriptions, {}, 'unkeyed, no page matches');
});

test('localityOf needs the drill-down and contentStats refuses traces', () => {
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', trace(a)]);
  assert.equal(r.status, 0, r.stderr);
  assert.throws(() => localityOf(JSON.parse(r.stdout) as AnalyzeReport), /--by process/);
  assert.throws(() => contentStats([trace(b)], new Set()), /content capture/);
});
