/**
 * A recording over time and the hash-only trace `convert --hash-only` makes of it must replay to
 * the same figures, sample by sample, under every reclaim policy: the trace is what users share
 * instead of the recording, and the study keeps only traces.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import type { TimeSeriesDocument } from '../src/report/timeseries.js';
import { CaptureWriter } from '../src/sources/capture-writer.js';
import { PAGE_EVENT } from '../src/timeline/timeline.js';
import { makePage } from './helpers/array-timeline.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { Rng } from './helpers/random.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const { APPEAR, CHANGE, GONE, SWAPPED, SWAPPED_IN } = PAGE_EVENT;

/** what the writer knows of a key */
const PRESENT = 1;
const OUT = 2;
const DEAD = 3;

/**
 * A page_idle recording as `capture --interval` writes one (content records in walk order, then
 * GONE, SWAPPED, SWAPPED_IN, then the ACCESS bits of the live pages): 400 pages at 0 s, then at
 * each later sample pages change (some to zero, some to a copy), go, are swapped out and in by
 * the recorded kernel, new ones appear on the keys of pages gone before; a third of the live
 * pages are accessed each time, so idle ages differ from write ages.
 */
function writeRecording(file: string): void {
  const rng = new Rng(20261201);
  const w = new CaptureWriter(file, false, { source: 'test', time: '', tool: 'test', idle_method: 'page_idle' });
  const state: number[] = [];
  const freeKeys: number[] = [];
  let tag = 0;
  const content = (): Buffer => {
    const r = rng.below(20);
    if (r === 0) return Buffer.alloc(PAGE_SIZE);
    // a copy of an earlier page's content: dedup hits
    if (r < 6 && tag > 0) return makePage(1 + rng.below(tag), 0);
    tag++;
    return r < 8 ? makePage(tag, 0) : makePage(tag, 200 + rng.below(3500));
  };
  const meta = (key: number, event: number) => ({ pfn: 5000 + key, vaddr: key * PAGE_SIZE, flags: 1, mapping: 0, mapcount: 1, key, event });
  const times = [0, 20, 45, 70, 100, 140, 190, 260];
  for (const [index, time] of times.entries()) {
    w.beginSample(time);
    const gone: number[] = [];
    const out: number[] = [];
    const back: number[] = [];
    const touched = new Set<number>();
    const pages: [number, number][] = [];
    if (index === 0) {
      for (let k = 0; k < 400; k++) pages.push([k, APPEAR]);
    } else {
      for (let k = 0; k < state.length; k++) {
        const r = rng.below(100);
        if (state[k] === PRESENT) {
          if (r < 12) pages.push([k, CHANGE]);
          else if (r < 18) gone.push(k);
          else if (r < 24) out.push(k);
          else if (r < 58) touched.add(k);
        } else if (state[k] === OUT) {
          if (r < 30) back.push(k);
          else if (r < 40) pages.push([k, CHANGE]);
          else if (r < 46) gone.push(k);
        }
      }
      for (let n = 20 + rng.below(40); n > 0; n--) pages.push([-1, APPEAR]);
      // the walk finds them in address order, not key order
      for (let i = pages.length - 1; i > 0; i--) {
        const j = rng.below(i + 1);
        [pages[i], pages[j]] = [pages[j], pages[i]];
      }
    }
    for (const [k, event] of pages) {
      // pages gone in an earlier sample hand their keys on; then new keys, in the order found
      const key = k >= 0 ? k : freeKeys.length ? freeKeys.shift()! : state.length;
      w.addPage(content(), 0, meta(key, event));
      state[key] = PRESENT;
    }
    if (gone.length) w.addEvents(GONE, Uint32Array.from(gone), gone.length);
    if (out.length) w.addEvents(SWAPPED, Uint32Array.from(out), out.length);
    if (back.length) w.addEvents(SWAPPED_IN, Uint32Array.from(back), back.length);
    for (const k of gone) state[k] = DEAD;
    for (const k of out) state[k] = OUT;
    for (const k of back) state[k] = PRESENT;
    if (index > 0) {
      const bits = new Uint8Array(Math.ceil(state.length / 8));
      for (const k of touched) bits[k >> 3] |= 1 << (k & 7);
      w.addAccess(bits, state.length);
    }
    for (const k of gone) freeKeys.push(k);
  }
  w.finish();
}

function replay(file: string, policy: string): TimeSeriesDocument {
  const r = runCli(['analyze', '--no-progress', '-c', 'lz4,zstd', '--reclaim', policy, '-f', 'json', file]);
  assert.equal(r.status, 0, `${policy} ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as TimeSeriesDocument;
}

test('a recording over time and its hash-only traces replay to the same figures at every sample, under every policy', () => {
  const rec = path.join(dir, 'rec.zsdc');
  const trace = path.join(dir, 'rec.trace');
  const again = path.join(dir, 'again.trace');
  const key = ['--key-file', path.join(ROOT, 'fixtures', 'capture', 'fixtures.key')];
  writeRecording(rec);
  // and a trace of that trace (re-keyed or redacted traces are made so): the second convert reads digests
  for (const [from, to] of [[rec, trace], [trace, again]]) {
    const c = runCli(['convert', '--hash-only', '--no-progress', ...key, '-o', to, from]);
    assert.equal(c.status, 0, c.stderr);
  }
  const series: Record<string, TimeSeriesDocument> = {};
  for (const policy of ['all', 'idle:30', 'idle:120', 'limit:600K', 'recorded']) {
    const fromRec = replay(rec, policy);
    assert.equal(fromRec.samples.length, 8);
    for (const file of [trace, again]) {
      const fromTrace = replay(file, policy);
      for (const [i, s] of fromRec.samples.entries()) assert.deepEqual(fromTrace.samples[i], s, `${policy}, ${path.basename(file)}, sample ${i} at ${s.time} s`);
    }
    series[policy] = fromRec;
  }
  // the fixture exercises what can go wrong: loads back, frees, zero pages, dedup hits, fragmentation
  const idle = series['idle:30'].samples;
  assert.ok(idle.some((s) => s.pages.swappedIn > 0), 'pages accessed after they went out come back');
  assert.ok(idle.some((s) => s.pages.outZero > 0), 'zero pages go out');
  assert.ok(idle.some((s) => s.pages.events.gone > 0 && s.pages.events.change > 0));
  const last = idle[idle.length - 1].results;
  assert.ok(last.some((r) => r.dedup && r.dedup_hits > 0), 'copies are deduplicated');
  assert.ok(last.some((r) => r.fragmentation_pages > 0), 'frees left the pool fragmented');
  assert.notDeepEqual(idle, series['idle:120'].samples);
});
