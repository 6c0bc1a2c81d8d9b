/** The page decompressors of the dump readers: lzo1x and snappy (ours), zlib and zstd (libraries). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import binding from 'zstd-napi/binding.js';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { lzo1xCompress } from '../src/compress/lzo.js';
import { DecompressError } from '../src/sources/decompress/errors.js';
import { lzo1xDecompress } from '../src/sources/decompress/lzo1x.js';
import { PageDecompressor } from '../src/sources/decompress/page-decompressor.js';
import { snappyDecompress } from '../src/sources/decompress/snappy.js';
import { loadCorpus } from './helpers/corpus.js';
import { randomBytes } from './helpers/random.js';

/** pages of every kind: the fixture corpus, plus made-up ones */
function samplePages(): Buffer[] {
  const pages: Buffer[] = [];
  const all = loadCorpus().pages;
  for (let i = 0; i < all.length / PAGE_SIZE; i += 3) pages.push(all.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
  pages.push(Buffer.alloc(PAGE_SIZE));
  pages.push(Buffer.alloc(PAGE_SIZE, 0xa5));
  pages.push(Buffer.from(randomBytes(PAGE_SIZE, 1)));
  const text = Buffer.alloc(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) text[i] = 'the quick brown fox jumps over the lazy dog\n'.charCodeAt(i % 44);
  pages.push(text);
  const mixed = Buffer.from(randomBytes(PAGE_SIZE, 2));
  mixed.fill(0, 1000, 3000);
  pages.push(mixed);
  return pages;
}

function expectDecompressError(f: () => unknown, what: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DecompressError, `${what}: ${(e as Error).stack}`);
    return;
  }
  assert.fail(`${what}: no error`);
}

test('lzo1x: streams of the LZO1X-1 compressor decompress to their input, whole pages and short inputs', () => {
  const dst = Buffer.alloc(2 * PAGE_SIZE);
  const out = Buffer.alloc(PAGE_SIZE);
  let n = 0;
  for (const page of samplePages()) {
    const len = lzo1xCompress(0, page, PAGE_SIZE, dst, dst.length);
    assert.ok(len > 0);
    out.fill(0x33);
    assert.equal(lzo1xDecompress(dst, 0, len, out, 0, PAGE_SIZE), PAGE_SIZE);
    assert.ok(out.equals(page));
    n++;
  }
  assert.ok(n >= 5);
  // shorter inputs exercise the first-byte literal run and the long-literal encodings
  const src = Buffer.from(randomBytes(3000, 9));
  src.fill(7, 500, 2500);
  for (const size of [1, 2, 3, 4, 17, 18, 20, 21, 22, 100, 237, 238, 239, 300, 2999]) {
    const len = lzo1xCompress(0, src, size, dst, dst.length);
    const got = Buffer.alloc(size);
    assert.equal(lzo1xDecompress(dst, 0, len, got, 0, size), size, `size ${size}`);
    assert.ok(got.equals(src.subarray(0, size)), `size ${size}`);
  }
});

test('lzo1x: truncated, overlong and corrupt streams are errors, never out-of-bounds', () => {
  const page = samplePages().at(-1)!;
  const dst = Buffer.alloc(2 * PAGE_SIZE);
  const len = lzo1xCompress(0, page, PAGE_SIZE, dst, dst.length);
  const out = Buffer.alloc(PAGE_SIZE);
  for (let cut = 0; cut < len; cut++) expectDecompressError(() => lzo1xDecompress(dst, 0, cut, out, 0, PAGE_SIZE), `cut at ${cut}`);
  // trailing bytes after the end marker
  expectDecompressError(() => lzo1xDecompress(dst, 0, len + 1, out, 0, PAGE_SIZE), 'trailing byte');
  // output budget smaller than the stream makes
  expectDecompressError(() => lzo1xDecompress(dst, 0, len, out, 0, PAGE_SIZE - 1), 'short output');
  // a match before the start of the output
  expectDecompressError(() => lzo1xDecompress(Buffer.from([0x12, 0x41, 0x80, 0x10, 0x11, 0, 0]), 0, 7, out, 0, PAGE_SIZE), 'far match');
  // random corruption: either an error or some output, never an exception of another kind
  const bad = Buffer.alloc(len);
  for (let k = 0; k < 2000; k++) {
    dst.copy(bad, 0, 0, len);
    const r = randomBytes(3, k + 100);
    bad[((r[0] << 8) | r[1]) % len] ^= r[2] | 1;
    try {
      lzo1xDecompress(bad, 0, len, out, 0, PAGE_SIZE);
    } catch (e) {
      assert.ok(e instanceof DecompressError, (e as Error).stack);
    }
  }
});

/** snappy elements written by hand */
function varint(n: number): number[] {
  const b: number[] = [];
  while (n >= 0x80) {
    b.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  b.push(n);
  return b;
}

test('snappy: every element kind', () => {
  const lit = Buffer.from(randomBytes(300, 5));
  // literal of 5 (tag 4 << 2), copy-1 of 4 bytes offset 5, copy-2 of 10 offset 9, copy-4 of 3 offset 14,
  // a literal with a 1-byte length (tag 60) of 70 bytes, one with a 2-byte length (tag 61) of 300
  const s = Buffer.from([
    ...varint(5 + 4 + 10 + 3 + 70 + 300),
    4 << 2, ...lit.subarray(0, 5),
    0x01 | (0 << 2) | (0 << 5), 5,
    0x02 | (9 << 2), 9, 0,
    0x03 | (2 << 2), 14, 0, 0, 0,
    60 << 2, 69, ...lit.subarray(0, 70),
    61 << 2, 299 & 0xff, 299 >> 8, ...lit.subarray(0, 300),
  ]);
  const exp = Buffer.alloc(392);
  lit.copy(exp, 0, 0, 5);
  for (let i = 5; i < 9; i++) exp[i] = exp[i - 5];
  for (let i = 9; i < 19; i++) exp[i] = exp[i - 9];
  for (let i = 19; i < 22; i++) exp[i] = exp[i - 14];
  lit.copy(exp, 22, 0, 70);
  lit.copy(exp, 92, 0, 300);
  const out = Buffer.alloc(PAGE_SIZE);
  assert.equal(snappyDecompress(s, 0, s.length, out, 0, PAGE_SIZE), 392);
  assert.ok(out.subarray(0, 392).equals(exp));
  // a run: one literal byte, then a copy of offset 1 (overlapping)
  const run = Buffer.from([...varint(PAGE_SIZE), 0, 0x5a, ...Array.from({ length: 63 }, () => [0x02 | (63 << 2), 1, 0]).flat(), 0x02 | (62 << 2), 1, 0]);
  const runOut = Buffer.alloc(PAGE_SIZE);
  assert.equal(snappyDecompress(run, 0, run.length, runOut, 0, PAGE_SIZE), PAGE_SIZE);
  assert.ok(runOut.equals(Buffer.alloc(PAGE_SIZE, 0x5a)));
});

test('snappy: bad blocks are errors', () => {
  const out = Buffer.alloc(PAGE_SIZE);
  const cases: [string, number[]][] = [
    ['empty', []],
    ['truncated varint', [0x80]],
    ['varint over 5 bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['declares more than a page', varint(PAGE_SIZE + 1)],
    ['declares 10, makes 1', [10, 0, 1]],
    ['literal beyond the input', [10, 9 << 2, 1, 2]],
    ['copy offset 0', [8, 0, 1, 0x01, 0]],
    ['copy before the start', [8, 0, 1, 0x01, 2]],
    ['copy-2 truncated', [8, 0, 1, 0x02]],
    ['copy-4 truncated', [8, 0, 1, 0x03, 1, 0, 0]],
    ['output beyond the declared length', [2, 0, 1, 0x01 | (7 << 2), 1]],
    ['literal length bytes truncated', [8, 62 << 2, 1]],
  ];
  for (const [what, bytes] of cases) {
    const b = Buffer.from(bytes);
    expectDecompressError(() => snappyDecompress(b, 0, b.length, out, 0, PAGE_SIZE), what);
  }
});

function zstdFrame(data: Buffer): Buffer {
  const b = Buffer.alloc(binding.compressBound(data.length));
  return b.subarray(0, binding.compress(b, data, 1));
}

test('page decompressor: zlib and zstd pages, and the one-page rule for every codec', () => {
  const d = new PageDecompressor(PAGE_SIZE);
  const out = Buffer.alloc(PAGE_SIZE + 16);
  for (const page of samplePages().slice(-5)) {
    const z = zlib.deflateSync(page);
    d.decompress('zlib', z, 0, z.length, out, 16);
    assert.ok(out.subarray(16).equals(page));
    const frame = zstdFrame(page);
    d.decompress('zstd', frame, 0, frame.length, out, 16);
    assert.ok(out.subarray(16).equals(page));
  }
  const half = Buffer.alloc(PAGE_SIZE / 2, 1);
  const big = Buffer.alloc(PAGE_SIZE * 2, 1);
  for (const [codec, data] of [
    ['zlib', zlib.deflateSync(half)],
    ['zlib', zlib.deflateSync(big)],
    ['zlib', zlib.deflateSync(Buffer.alloc(PAGE_SIZE)).subarray(0, 6)],
    ['zlib', Buffer.from('not zlib at all')],
    ['zstd', zstdFrame(half)],
    ['zstd', zstdFrame(big)],
    ['zstd', zstdFrame(Buffer.alloc(PAGE_SIZE, 3)).subarray(0, 8)],
    ['zstd', Buffer.from('not zstd at all')],
    ['snappy', Buffer.from([...varint(PAGE_SIZE / 2), 0, 1, 0x02 | (63 << 2), 1, 0])],
    ['lzo', Buffer.from([0x11, 0, 0])],
  ] as const) {
    expectDecompressError(() => d.decompress(codec, data, 0, data.length, out, 0), `${codec} ${data.length}`);
  }
  // the zstd context recovers after an error
  const good = zstdFrame(Buffer.alloc(PAGE_SIZE, 9));
  d.decompress('zstd', good, 0, good.length, out, 0);
  assert.ok(out.subarray(0, PAGE_SIZE).equals(Buffer.alloc(PAGE_SIZE, 9)));
});
