/** Captures over time (format version 2): samples of page events read back, idle ages, and the rules refused when broken. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { CaptureSource, type CaptureTimeline } from '../src/sources/capture-reader.js';
import { CaptureWriter } from '../src/sources/capture-writer.js';
import { InputFile } from '../src/sources/input-file.js';
import { PageBatch } from '../src/sources/page-batch.js';
import { openTimeline } from '../src/timeline/open-timeline.js';
import { EventBatch, IDLE_UNKNOWN, PAGE_EVENT, type Timeline } from '../src/timeline/timeline.js';
import { InputError } from '../src/util/errors.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const { APPEAR, CHANGE, GONE, SWAPPED, SWAPPED_IN } = PAGE_EVENT;

function page(tag: number): Buffer {
  const b = Buffer.alloc(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i += 8) b.writeUInt32LE((tag * 2654435761 + i) >>> 0, i);
  return b;
}

type Step = { time: number; pages?: [key: number, event: number, tag: number][]; events?: [event: number, keys: number[]][]; accessed?: number[] };

/** A capture file of the given samples (content pages tagged by number). */
function writeTimeline(name: string, steps: Step[], idle = 'page_idle'): string {
  const file = path.join(dir, name);
  const w = new CaptureWriter(file, false, { source: 'test', time: '', tool: 'test', idle_method: idle });
  for (const s of steps) {
    w.beginSample(s.time);
    for (const [key, event, tag] of s.pages ?? []) w.addPage(page(tag), 0, { pfn: 100 + key, vaddr: 0, flags: 1, mapping: 0, mapcount: 1, key, event });
    for (const [event, keys] of s.events ?? []) w.addEvents(event, Uint32Array.from(keys), keys.length);
    if (s.accessed) {
      const keys = Math.max(...s.accessed) + 1;
      const bits = new Uint8Array(Math.ceil(keys / 8));
      for (const k of s.accessed) bits[k >> 3] |= 1 << (k & 7);
      w.addAccess(bits, keys);
    }
  }
  w.finish();
  return file;
}

interface Seen {
  time: number;
  events: [key: number, event: number, tag: number | null][];
  ages: number[];
}

/** Every sample: its events (content pages identified by their tag) and the idle ages of keys 0 … keyLimit - 1. */
function readAll(t: Timeline, tags: number[]): Seen[] {
  const out: Seen[] = [];
  const batch = new EventBatch(3); // small, so that records and events span batches
  for (let s = t.nextSample(); s; s = t.nextSample()) {
    const events: Seen['events'] = [];
    for (let n = t.read(batch); n > 0; n = t.read(batch)) {
      for (let i = 0; i < n; i++) {
        const content = batch.event[i] === APPEAR || batch.event[i] === CHANGE;
        const tag = content ? tags.find((g) => page(g).equals(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE))) ?? -1 : null;
        events.push([batch.key[i], batch.event[i], tag]);
      }
    }
    out.push({ time: s.time, events, ages: [...t.idleAges().subarray(0, t.keyLimit)] });
  }
  return out;
}

const steps: Step[] = [
  { time: 0, pages: [[0, APPEAR, 10], [1, APPEAR, 11], [2, APPEAR, 12], [3, APPEAR, 13]] },
  { time: 1, pages: [[1, CHANGE, 21], [4, APPEAR, 14]], events: [[GONE, [2]], [SWAPPED, [3]]], accessed: [0] },
  { time: 3, pages: [[2, APPEAR, 32]], events: [[SWAPPED_IN, [3]]] },
];
const tags = [10, 11, 12, 13, 21, 14, 32];

test('a recording over time reads back sample by sample: events, contents, idle ages, contents again by ordinal', () => {
  const file = writeTimeline('three.zsdc', steps);
  const t = openTimeline([file], 'auto');
  try {
    assert.equal(t.inputs[0].idleMethod, 'page_idle');
    const seen = readAll(t, tags);
    const U = IDLE_UNKNOWN;
    assert.deepEqual(seen, [
      { time: 0, events: [[0, APPEAR, 10], [1, APPEAR, 11], [2, APPEAR, 12], [3, APPEAR, 13]], ages: [U, U, U, U] },
      // key 0 accessed, 1 changed (an access), 3 swapped out (idle since sample 0), 4 new
      { time: 1, events: [[1, CHANGE, 21], [4, APPEAR, 14], [2, GONE, null], [3, SWAPPED, null]], ages: [0, 0, U, 1, U] },
      // key 2 handed to a new page; 3 back in memory (an access); 0, 1 and 4 untouched since sample 1
      { time: 3, events: [[2, APPEAR, 32], [3, SWAPPED_IN, null]], ages: [2, 2, U, 0, 2] },
    ]);
    const again = Buffer.alloc(PAGE_SIZE);
    [10, 11, 12, 13, 21, 14, 32].forEach((tag, ordinal) => {
      t.readContent(ordinal, again, 0);
      assert.ok(again.equals(page(tag)), `content ${ordinal}`);
    });
  } finally {
    t.close();
  }
});

test('without an idle method every age is unknown; a shorter input merged with a longer one keeps its pages', () => {
  const a = writeTimeline('a.zsdc', steps, 'none');
  const b = writeTimeline('b.zsdc', [{ time: 0, pages: [[0, APPEAR, 50], [1, APPEAR, 51]] }], 'none');
  const t = openTimeline([a, b], 'auto');
  try {
    const seen = readAll(t, [...tags, 50, 51]);
    assert.equal(seen.length, 3);
    assert.deepEqual(seen[0].events.map((e) => e[0]), [0, 1, 2, 3, 4, 5], 'keys across both inputs');
    assert.deepEqual(seen[0].events.slice(4), [[4, APPEAR, 50], [5, APPEAR, 51]]);
    // b's keys 0 and 1 are merged keys 4 and 5, so a's key 4 becomes 6; a's key 2 gone in sample 1 is reused at sample 2
    assert.deepEqual(seen[1].events, [[1, CHANGE, 21], [6, APPEAR, 14], [2, GONE, null], [3, SWAPPED, null]]);
    assert.deepEqual(seen[2].events, [[2, APPEAR, 32], [3, SWAPPED_IN, null]]);
    assert.ok(seen.every((s) => s.ages.every((x) => x === IDLE_UNKNOWN)));
    assert.deepEqual(t.inputs.map((i) => i.path), [a, b]);
  } finally {
    t.close();
  }
});

test('a page source refuses a recording of several samples; one of one sample reads as before', () => {
  const many = writeTimeline('many.zsdc', steps);
  const src = new CaptureSource(InputFile.open(many));
  const batch = new PageBatch();
  assert.equal(src.read(batch), 4);
  assert.throws(() => src.read(batch), (e: unknown) => e instanceof InputError && /recording over time/.test(e.message));
  src.close();
  const one = writeTimeline('one.zsdc', steps.slice(0, 1));
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', one]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).pages.total, 4);
});

test('broken timeline rules and damaged records: one-line errors naming the file', () => {
  const cases: [string, Step[], RegExp][] = [
    ['change-unknown', [{ time: 0, pages: [[0, CHANGE, 1]] }], /key 0 has never appeared/],
    ['skip', [{ time: 0, pages: [[1, APPEAR, 1]] }], /skips keys/],
    ['twice', [{ time: 0, pages: [[0, APPEAR, 1]] }, { time: 1, pages: [[0, CHANGE, 2]], events: [[SWAPPED, [0]]] }], /two events in sample 1/],
    ['gone-twice', [{ time: 0, pages: [[0, APPEAR, 1]] }, { time: 1, events: [[GONE, [0]]], pages: [] }, { time: 2, events: [[GONE, [0]]] }], /goes while it is not alive/],
    ['gone-reappear', [{ time: 0, pages: [[0, APPEAR, 1], [1, APPEAR, 2]] }, { time: 1, events: [[GONE, [0]], [SWAPPED_IN, [1]]] }], /swapped in while it is not swapped out/],
    ['time-back', [{ time: 0 }, { time: 2 }, { time: 1 }], /never decreasing/],
    ['first-time', [{ time: 5 }], /0 for sample 0/],
    ['access-beyond', [{ time: 0, pages: [[0, APPEAR, 1]] }, { time: 1, accessed: [7] }], /covers 8 page keys, only 1 exist/],
  ];
  for (const [name, s, message] of cases) {
    const f = writeTimeline(`${name}.zsdc`, s);
    const r = runCli(['convert', '-o', path.join(dir, 'out.zsdc'), f]);
    const t = openTimeline([f], 'auto');
    let error: unknown = null;
    try {
      readAll(t, []);
    } catch (e) {
      error = e;
    } finally {
      t.close();
    }
    assert.ok(error instanceof InputError, `${name}: ${String(error)}`);
    assert.match(error.message, message, name);
    assert.ok(error.message.startsWith(f), `${name} names the file`);
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  // record-level damage: an events record with a content event, a page record with a keyless event
  const good = fs.readFileSync(writeTimeline('good.zsdc', steps));
  const damage = (name: string, type: number, edit: (b: Buffer, at: number) => void, message: RegExp) => {
    const b = Buffer.from(good);
    let at = (20 + b.readUInt32LE(16) + 7) & ~7;
    while (b.readUInt16LE(at) !== type) at += 8 + ((b.readUInt32LE(at + 4) + 7) & ~7);
    edit(b, at);
    const f = path.join(dir, name);
    fs.writeFileSync(f, b);
    const r = runCli(['convert', '-o', path.join(dir, 'out.zsdc'), f]);
    assert.equal(r.status, 2, name);
    assert.match(r.stderr, message, name);
  };
  damage('events-type.zsdc', 5, (b, at) => b.writeUInt16LE(APPEAR, at + 8), /only gone, swapped, swapped-in/);
  damage('events-count.zsdc', 5, (b, at) => b.writeUInt32LE(1000, at + 12), /length 12 for 1000 keys/);
  damage('page-event.zsdc', 1, (b, at) => b.writeUInt16LE(GONE, at + 2), /only appear or change carry a page/);
  damage('sample-index.zsdc', 4, (b, at) => b.writeUInt32LE(3, at + 8), /is sample 3, expected 0/);
  damage('access-deflate.zsdc', 6, (b, at) => b.fill(0xff, at + 16, at + 18), /access record .* inflate/);
});

test('the shipped recording of a real process over a minute (fixtures/capture/python-churn.trace) reads back; every sample holds what its summary counted', () => {
  const file = path.join(ROOT, 'fixtures', 'capture', 'python-churn.trace');
  const t = openTimeline([file], 'auto') as CaptureTimeline;
  try {
    assert.equal(t.inputs[0].format, 'trace');
    assert.equal(t.inputs[0].idleMethod, 'none', 'recorded on this machine: no idle tracking');
    const batch = new EventBatch();
    const live = new Set<number>();
    const totals = { appear: 0, change: 0, gone: 0 };
    let samples = 0;
    let last = 0;
    for (let s = t.nextSample(); s; s = t.nextSample()) {
      const counted = { appear: 0, change: 0, gone: 0, swapped_out: 0, swapped_in: 0 };
      for (let n = t.read(batch); n > 0; n = t.read(batch)) {
        for (let i = 0; i < n; i++) {
          const k = batch.key[i];
          switch (batch.event[i]) {
            case APPEAR:
              assert.ok(!live.has(k));
              live.add(k);
              counted.appear++;
              break;
            case CHANGE:
              counted.change++;
              break;
            case GONE:
              assert.ok(live.delete(k));
              counted.gone++;
              break;
            case SWAPPED:
              counted.swapped_out++;
              break;
            case SWAPPED_IN:
              counted.swapped_in++;
          }
        }
      }
      const summary = t.sampleSummary as Record<string, number>;
      assert.deepEqual(counted, { appear: summary.appear, change: summary.change, gone: summary.gone, swapped_out: summary.swapped_out, swapped_in: summary.swapped_in }, `sample ${s.index}`);
      assert.equal(live.size, summary.pages, `sample ${s.index}: live pages`);
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += counted[k];
      samples++;
      last = s.time;
    }
    assert.ok(samples >= 10 && last >= 55, `${samples} samples over ${last} s`);
    assert.ok(totals.gone > 0 && totals.change > 0 && totals.appear >= totals.gone, JSON.stringify(totals));
    assert.equal(live.size, 0, 'the process exited before the last sample: every page gone');
  } finally {
    t.close();
  }
});
