/**
 * Our deflate length model (src/compress/wasm/assembly/deflate.ts) against the deflate that writes
 * the kernel's streams (pako 2.2.0 with the kernel's parameters, test/helpers/pako-deflate.ts), on
 * thousands of generated pages of every kind that steers deflate somewhere else: incompressible,
 * near the 4096-byte budget, skewed enough to hit the code length limits, text, repeats at the
 * window's edge, records, sparse pages and mixtures; and on the corpus pages the kernel ran.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFLATE_WASM, deflateModel } from '../src/compress/deflate-length.js';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { loadCorpus } from './helpers/corpus.js';
import { PakoDeflate } from './helpers/pako-deflate.js';
import { ROOT } from './helpers/paths.js';
import { Rng } from './helpers/random.js';
import { tmpDir } from './helpers/tmp.js';

const ASC = path.join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

type Gen = (rng: Rng, page: Uint8Array) => void;

function uniform(rng: Rng, page: Uint8Array, from: number, to: number, symbols: number): void {
  for (let i = from; i < to; i++) page[i] = rng.below(symbols);
}

/** symbol k drawn with weight ~ ratio^k: a few frequent symbols, a long tail of rare ones */
function skewed(rng: Rng, page: Uint8Array, from: number, to: number, ratio: number, symbols: number): void {
  const weights = Array.from({ length: symbols }, (_, k) => ratio ** k);
  const cum: number[] = [];
  let sum = 0;
  for (const w of weights) cum.push((sum += w));
  for (let i = from; i < to; i++) {
    const x = rng.float() * sum;
    let k = 0;
    while (k < symbols - 1 && cum[k] <= x) k++;
    page[i] = (k * 37 + 11) & 0xff;
  }
}

function text(rng: Rng, page: Uint8Array, from: number, to: number): void {
  const vocabulary = Array.from({ length: 40 + rng.below(400) }, () => {
    const n = 1 + rng.below(10);
    return Array.from({ length: n }, () => 97 + rng.below(26));
  });
  let i = from;
  while (i < to) {
    // Zipf-like: low ranks far more often
    const word = vocabulary[Math.floor(vocabulary.length * rng.float() ** 3)];
    for (const c of word) if (i < to) page[i++] = c;
    if (i < to) page[i++] = rng.below(12) === 0 ? 10 : rng.below(15) === 0 ? 44 : 32;
  }
}

/** a pattern repeated with mutations, or a block copied from a distance around the window's reach */
function repeats(rng: Rng, page: Uint8Array, from: number, to: number): void {
  const period = rng.below(2) ? 1 + rng.below(40) : [255, 256, 257, 258, 259, 1785, 1786, 1787, 2047, 2048][rng.below(10)];
  uniform(rng, page, from, Math.min(to, from + period), 1 + rng.below(256));
  const mutate = [0, 0.001, 0.01, 0.05][rng.below(4)];
  for (let i = from + period; i < to; i++) page[i] = rng.float() < mutate ? rng.below(256) : page[i - period];
}

function records(rng: Rng, page: Uint8Array, from: number, to: number): void {
  const size = [8, 16, 24, 32, 48, 64, 96][rng.below(7)];
  const base = rng.next();
  let counter = rng.below(1000);
  for (let i = from; i + size <= to; i += size) {
    const v = new DataView(page.buffer, page.byteOffset + i, size);
    v.setUint32(0, counter++, true);
    if (size >= 16) {
      v.setUint32(8, (base + rng.below(4096) * 16) >>> 0, true);
      v.setUint32(12, 0x00007f12, true);
    }
    if (size >= 24 && rng.below(3) === 0) v.setUint32(16, rng.next(), true);
  }
}

function sparse(rng: Rng, page: Uint8Array, from: number, to: number): void {
  const n = rng.below(300);
  for (let k = 0; k < n; k++) page[from + rng.below(to - from)] = rng.below(256);
}

const WHOLE: Record<string, Gen> = {
  random: (rng, p) => uniform(rng, p, 0, PAGE_SIZE, 256),
  alphabet: (rng, p) => uniform(rng, p, 0, PAGE_SIZE, 2 + rng.below(255)),
  'near-budget': (rng, p) => uniform(rng, p, 0, 3700 + rng.below(397), 256),
  skewed: (rng, p) => skewed(rng, p, 0, PAGE_SIZE, 0.5 + rng.float() * 0.45, 2 + rng.below(200)),
  text: (rng, p) => text(rng, p, 0, PAGE_SIZE),
  repeats: (rng, p) => repeats(rng, p, 0, PAGE_SIZE),
  records: (rng, p) => records(rng, p, 0, PAGE_SIZE),
  sparse: (rng, p) => sparse(rng, p, 0, PAGE_SIZE),
  mixed: (rng, p) => {
    const parts = [
      (a: number, b: number) => uniform(rng, p, a, b, 1 + rng.below(256)),
      (a: number, b: number) => skewed(rng, p, a, b, 0.5 + rng.float() * 0.45, 2 + rng.below(100)),
      (a: number, b: number) => text(rng, p, a, b),
      (a: number, b: number) => repeats(rng, p, a, b),
      (a: number, b: number) => records(rng, p, a, b),
      (a: number, b: number) => sparse(rng, p, a, b),
      (a: number, b: number) => p.copyWithin(a, rng.below(a + 1), rng.below(a + 1) + (b - a)),
    ];
    let at = 0;
    while (at < PAGE_SIZE) {
      const end = Math.min(PAGE_SIZE, at + 1 + rng.below(1500));
      parts[rng.below(parts.length)](at, end);
      at = end;
    }
  },
};

const SEEDS = [1, 2, 3, 4, 5, 6];
const PAGES_PER_KIND = 70;

test(`deflate length model: equal to the kernel's deflate (pako oracle) on ${SEEDS.length * PAGES_PER_KIND * Object.keys(WHOLE).length} generated pages, seeds ${SEEDS.join(', ')}`, () => {
  const model = deflateModel();
  const oracle = new PakoDeflate();
  const fixupsBefore = model.lengthLimitFixups();
  const bad: string[] = [];
  let rejected = 0;
  let nearBudget = 0;
  const seen = new Map<string, { min: number; max: number }>();
  for (const seed of SEEDS) {
    for (const [kind, gen] of Object.entries(WHOLE)) {
      const rng = new Rng(seed * 1000 + kind.length * 7919 + kind.charCodeAt(0));
      for (let i = 0; i < PAGES_PER_KIND; i++) {
        const page = new Uint8Array(PAGE_SIZE);
        gen(rng, page);
        const want = oracle.deflate(page, 4 * PAGE_SIZE);
        assert.ok(want.streamEnd, 'the oracle finishes within 16 KiB');
        const got = model.length(page, 0);
        if (got !== want.length) bad.push(`seed ${seed} ${kind} #${i}: model ${got}, pako ${want.length}`);
        // the kernel's budget: Z_STREAM_END within 4096 bytes exactly when the stream is shorter
        if (want.length >= PAGE_SIZE - 8 && want.length <= PAGE_SIZE + 8) {
          nearBudget++;
          assert.equal(oracle.deflate(page, PAGE_SIZE).streamEnd, want.length < PAGE_SIZE, `seed ${seed} ${kind} #${i}: ${want.length} bytes`);
        }
        if (want.length >= PAGE_SIZE) rejected++;
        const s = seen.get(kind) ?? { min: Infinity, max: 0 };
        seen.set(kind, { min: Math.min(s.min, want.length), max: Math.max(s.max, want.length) });
      }
    }
  }
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} pages differ`);
  // the generated pages reach what they are meant to
  assert.ok(rejected > 100, `${rejected} pages over the budget`);
  assert.ok(nearBudget >= 5, `${nearBudget} pages within 8 bytes of the budget`);
  assert.ok(model.lengthLimitFixups() - fixupsBefore >= 20, `${model.lengthLimitFixups() - fixupsBefore} code length limit fix-ups`);
  assert.ok(seen.get('sparse')!.min < 100 && seen.get('random')!.min > PAGE_SIZE, JSON.stringify([...seen]));
});

test('deflate length model: equal to the kernel\'s deflate (pako oracle) on every fixture corpus page, also past the budget', () => {
  const corpus = loadCorpus();
  const model = deflateModel();
  const oracle = new PakoDeflate();
  const bad: string[] = [];
  for (let i = 0; i < corpus.count; i++) {
    const page = corpus.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const want = oracle.deflate(page, 4 * PAGE_SIZE).length;
    const got = model.length(corpus.pages, i * PAGE_SIZE);
    if (got !== want) bad.push(`page ${i} (${corpus.category[i]}): model ${got}, pako ${want}`);
  }
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${corpus.count} pages differ`);
});

test('src/compress/wasm/deflate.wasm equals a rebuild from src/compress/wasm/assembly/deflate.ts', { skip: !fs.existsSync(ASC) && 'the AssemblyScript compiler (a devDependency) is not installed' }, () => {
  const out = path.join(tmpDir(), 'deflate.wasm');
  execFileSync(process.execPath, [ASC, '--config', path.join(ROOT, 'src/compress/wasm/deflate.asconfig.json'), '--outFile', out], { cwd: ROOT, stdio: 'pipe' });
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(fileURLToPath(DEFLATE_WASM))), 'the committed deflate.wasm is stale: run `npm run build:wasm` and commit it');
});
