/** The timeline interface: every older input is a timeline of one sample. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { openSource } from '../src/sources/open-source.js';
import { PageBatch } from '../src/sources/page-batch.js';
import { openTimeline } from '../src/timeline/open-timeline.js';
import { EventBatch, IDLE_UNKNOWN, PAGE_EVENT } from '../src/timeline/timeline.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { writeMixedRaw } from './helpers/pages.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const ROOT_FIXTURES = path.join(ROOT, 'fixtures', 'capture');

test('raw pages and a capture, opened together, are one sample of APPEAR events with keys 0, 1, 2 … in input order', () => {
  const a = writeMixedRaw(dir, 'a.raw', 100, 60);
  const b = writeMixedRaw(dir, 'b.raw', 400, 30);
  const capture = path.join(dir, 'b.zsdc');
  assert.equal(runCli(['convert', '-o', capture, b.file]).status, 0);
  const t = openTimeline([a.file, capture], 'auto');
  try {
    assert.deepEqual(t.inputs.map((i) => [i.format, i.idleMethod, i.hasContent]), [['raw', 'none', true], ['capture', 'none', true]]);
    assert.deepEqual(t.nextSample(), { index: 0, time: 0 });
    const batch = new EventBatch(64);
    const expected = Buffer.concat([fs.readFileSync(a.file), fs.readFileSync(b.file)]);
    const again = Buffer.alloc(PAGE_SIZE);
    let key = 0;
    const inputs = new Set<number>();
    for (let n = t.read(batch); n > 0; n = t.read(batch)) {
      inputs.add(batch.input);
      for (let i = 0; i < n; i++, key++) {
        assert.equal(batch.key[i], key);
        assert.equal(batch.event[i], PAGE_EVENT.APPEAR);
        const page = expected.subarray(key * PAGE_SIZE, (key + 1) * PAGE_SIZE);
        assert.ok(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE).equals(page), `page ${key}`);
        t.readContent(key, again, 0);
        assert.ok(again.equals(page), `page ${key} read again`);
      }
    }
    assert.deepEqual([...inputs], [0, 1]);
    assert.equal(key, a.pages + b.pages);
    assert.equal(t.keyLimit, key);
    const ages = t.idleAges();
    assert.ok(ages.length >= key && ages.subarray(0, key).every((x) => x === IDLE_UNKNOWN));
    assert.equal(t.nextSample(), null);
    assert.equal(t.bytesRead, t.totalBytes);
  } finally {
    t.close();
  }
});

test('a trace is a one-sample timeline of digests, equal to what its page source delivers', () => {
  const trace = path.join(ROOT_FIXTURES, 'python-fork.trace');
  const t = openTimeline([trace], 'auto');
  const s = openSource(trace, 'auto');
  try {
    assert.equal(t.inputs[0].format, 'trace');
    assert.equal(t.inputs[0].hasContent, false);
    t.nextSample();
    const batch = new EventBatch();
    const plain = new PageBatch();
    let total = 0;
    for (let n = t.read(batch); n > 0; n = t.read(batch)) {
      assert.equal(s.read(plain), n);
      assert.ok(batch.digestOnly);
      assert.deepEqual(batch.hashes.subarray(0, n * 5), plain.hashes.subarray(0, n * 5));
      assert.deepEqual(batch.lengths, plain.lengths);
      total += n;
    }
    assert.ok(total > 0);
    assert.equal(s.read(plain), 0);
  } finally {
    t.close();
    s.close();
  }
});
