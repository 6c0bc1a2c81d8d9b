/** `analyze --reclaim … --series … --chart …`: the replay over time from the command line. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { TIMESERIES_SCHEMA, type TimeSeriesDocument } from '../src/report/timeseries.js';
import { CaptureWriter } from '../src/sources/capture-writer.js';
import { PAGE_EVENT } from '../src/timeline/timeline.js';
import { makePage } from './helpers/array-timeline.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const { APPEAR, CHANGE, GONE } = PAGE_EVENT;

/** 3 samples, 60 s apart: 200 pages appear (every 4th a copy), 50 change and 40 go, then 20 more change; key k untouched keeps its age */
function writeRecording(): string {
  const file = path.join(dir, 'rec.zsdc');
  const w = new CaptureWriter(file, false, { source: 'test', time: '', tool: 'test', idle_method: 'page_idle' });
  const page = (c: number) => (c % 4 === 3 ? makePage(c - 1, (c * 37) % 3000) : makePage(c, (c * 37) % 3000));
  const meta = (key: number, event: number) => ({ pfn: 1000 + key, vaddr: 0, flags: 1, mapping: 0, mapcount: 1, key, event });
  w.beginSample(0);
  for (let k = 0; k < 200; k++) w.addPage(page(k), 0, meta(k, APPEAR));
  w.beginSample(60);
  for (let k = 0; k < 50; k++) w.addPage(page(500 + k), 0, meta(k, CHANGE));
  w.addEvents(GONE, Uint32Array.from({ length: 40 }, (_, i) => 150 + i), 40);
  w.beginSample(120);
  for (let k = 0; k < 20; k++) w.addPage(page(900 + k), 0, meta(k, CHANGE));
  w.finish();
  return file;
}

test('a recording replays under each policy to a versioned JSON series, CSV rows, an SVG and a PNG chart', () => {
  const rec = writeRecording();
  for (const policy of ['all', 'idle:30', 'limit:400K']) {
    const json = path.join(dir, `s-${policy.replace(':', '-')}.json`);
    const csv = path.join(dir, 's.csv');
    const svg = path.join(dir, 'c.svg');
    const png = path.join(dir, 'c.png');
    const r = runCli(['analyze', '--reclaim', policy, '-c', 'lz4,zstd', '--series', json, '--chart', svg, rec]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Summary:\n {2}lz4: peak pool \+ metadata [\d.]+ MiB at [\d.]+ s/);
    const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as TimeSeriesDocument;
    assert.equal(doc.schema, TIMESERIES_SCHEMA);
    assert.equal(doc.config.reclaim, policy === 'limit:400K' ? 'limit:409600' : policy);
    assert.deepEqual(doc.samples.map((s) => s.time), [0, 60, 120]);
    assert.deepEqual(doc.samples.map((s) => s.pages.live), [200, 160, 160]);
    assert.equal(doc.inputs[0].idle_method, 'page_idle');
    for (const s of doc.samples) assert.equal(s.results.length, 4);
    if (policy === 'all') assert.deepEqual(doc.samples.map((s) => s.pages.out), [200, 160, 160]);
    if (policy === 'limit:400K') for (const s of doc.samples) assert.equal(s.pages.resident, Math.min(s.pages.live, 100));
    if (policy === 'idle:30') {
      // nothing is idle 30 s at the first sample; the 110 pages untouched since 0 s are at 60 s
      assert.deepEqual(doc.samples.map((s) => s.pages.out), [0, 110, 140]);
    }
    assert.equal(runCli(['analyze', '--reclaim', policy, '-c', 'lz4,zstd', '-f', 'csv', '-o', csv, '--chart', png, rec]).status, 0);
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows.length, 1 + 3 * 4);
    assert.match(rows[0], /^sample,time,compressor,dedup,/);
    const chart = fs.readFileSync(svg, 'utf8');
    assert.equal((chart.match(/<polyline class="series"/g) ?? []).length, 4);
    assert.ok(fs.readFileSync(png).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
  }
});

test('a wrong policy or a snapshot-only option is one line on stderr and exit 2', () => {
  const raw = path.join(dir, 'p.raw');
  fs.writeFileSync(raw, Buffer.concat([makePage(1, 100), Buffer.alloc(PAGE_SIZE)]));
  for (const args of [
    ['--reclaim', 'idle:soon'],
    ['--reclaim', 'sometimes'],
    ['--reclaim', 'limit:'],
    ['--reclaim', 'all', '--compaction', 'often'],
    ['--reclaim', 'all', '--fail-under', '0.1'],
    ['--reclaim', 'all', '--zpool', 'zbud'],
  ]) {
    const r = runCli(['analyze', ...args, raw]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('the shipped recording of a real process (python3 over a minute) replays under each policy', () => {
  const rec = path.join(ROOT, 'fixtures', 'capture', 'python-churn.trace');
  for (const policy of ['all', 'idle:20', 'limit:16M', 'recorded']) {
    const r = runCli(['analyze', '--reclaim', policy, '-c', 'lz4', '-f', 'json', rec]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as TimeSeriesDocument;
    assert.equal(doc.samples.length, 13);
    assert.equal(doc.inputs[0].idle_method, 'none');
    assert.ok(doc.samples[11].pages.live > 6000, 'the process held about 27 MiB at its last sample');
    assert.equal(doc.samples[12].pages.live, 0, 'it exited before the last');
    const peak = Math.max(...doc.samples.map((s) => s.pages.out));
    if (policy === 'recorded') assert.equal(peak, 0, 'the host kernel swapped nothing out');
    else assert.ok(peak > 1000, policy);
    const warned = policy === 'recorded' ? /swapped nothing out/ : policy === 'all' ? null : /idle ages unknown in this recording/;
    if (warned) assert.match(r.stderr, warned);
    else assert.equal(r.stderr, '');
    assert.equal(doc.samples[12].results[0].stored_pages, 0, 'the exit invalidated everything');
  }
});
