/**
 * Hash matches are confirmed before pages are shared: two different pages with the same crc32c
 * (made with CRC linearity) must stay two objects, and be counted as a collision.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { crc32c } from '../src/hash/crc32c.js';
import { xxh64 } from '../src/hash/xxhash.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { runCli } from './helpers/cli.js';
import { loadCorpus, pagesOf } from './helpers/corpus.js';
import { tmpDir } from './helpers/tmp.js';

/**
 * A page different from `page` with the same CRC-32C. For equal lengths crc(a ^ d) = crc(a) ^ L(d)
 * with L linear, so flipping a set of bits whose L-images XOR to zero keeps the CRC: 64 candidate
 * bits in a 32-dimensional space always contain such a set (Gaussian elimination over GF(2)).
 */
function crcTwin(page: Buffer): Buffer {
  const base = crc32c(page, 0, PAGE_SIZE);
  const firstBit = 8 * 1000;
  const rows: { v: number; set: bigint }[] = [];
  for (let i = 0; i < 64; i++) {
    const bit = firstBit + i;
    const p = Buffer.from(page);
    p[bit >> 3] ^= 1 << (bit & 7);
    let v = (crc32c(p, 0, PAGE_SIZE) ^ base) >>> 0;
    let set = 1n << BigInt(i);
    for (const r of rows) {
      if ((v ^ r.v) >>> 0 < v) {
        v = (v ^ r.v) >>> 0;
        set ^= r.set;
      }
    }
    if (v === 0) {
      const twin = Buffer.from(page);
      for (let j = 0; j < 64; j++) if ((set >> BigInt(j)) & 1n) twin[(firstBit + j) >> 3] ^= 1 << ((firstBit + j) & 7);
      return twin;
    }
    rows.push({ v, set });
    rows.sort((a, b) => b.v - a.v);
  }
  throw new Error('no dependent set among 64 vectors (impossible)');
}

test('pages with equal crc32c but different bytes are not shared, and show up as a collision', () => {
  const c = loadCorpus();
  const [pa, po] = pagesOf(c, 'elf').filter((p) => c.kernel.lz4[p] > 0);
  const a = Buffer.from(c.pages.subarray(pa * PAGE_SIZE, (pa + 1) * PAGE_SIZE));
  const b = crcTwin(a);
  const other = Buffer.from(c.pages.subarray(po * PAGE_SIZE, (po + 1) * PAGE_SIZE));
  assert.equal(crc32c(a, 0, PAGE_SIZE), crc32c(b, 0, PAGE_SIZE));
  assert.notDeepEqual(a, b);
  const file = path.join(tmpDir(), 'twins.raw');
  fs.writeFileSync(file, Buffer.concat([a, b, a, b, other]));

  for (const verify of [[], ['--no-verify']]) {
    const r = runCli(['analyze', '--hash', 'crc32c', '-c', 'lz4', '-f', 'json', ...verify, file]);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as AnalyzeReport;
    assert.equal(rep.pages.distinct_contents, 3, verify.join());
    assert.equal(rep.hash.collisions[0].bits, 32);
    assert.equal(rep.hash.collisions[0].pairs, 1);
    assert.equal(rep.hash.verify_failures, 2);
    // as the dedup series (v2) does it: the twin finds a's object under its hash, fails
    // verification and is stored as without dedup (a plain entry, no object), so its copy collides
    // again; the objects are a's and other's
    const dedup = rep.results.find((x) => x.dedup)!;
    assert.equal(dedup.unique_objects, 2);
    assert.equal(dedup.duplicate_pages, 1);
    assert.equal(dedup.dedup_verify_fail, 2);
    assert.equal(dedup.refcount_histogram!.find((h) => h.refcnt === 1)!.objects, 3);
  }
  // xxh64 tells them apart without any collision
  const x = JSON.parse(runCli(['analyze', '--hash', 'xxh64', '-c', 'lz4', '-f', 'json', file]).stdout) as AnalyzeReport;
  assert.equal(x.hash.collisions[0].pairs, 0);
  assert.equal(x.hash.verify_failures, 0);
  assert.equal(x.pages.distinct_contents, 3);
});

test('--hash-bits: keys cut to the low bits collide; the first content stored per key is the one shared', () => {
  const c = loadCorpus();
  const contents = pagesOf(c, 'elf')
    .filter((p) => c.kernel.zstd[p] > 0)
    .slice(0, 8)
    .map((p) => Buffer.from(c.pages.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)));
  const file = path.join(tmpDir(), 'keys.raw');
  fs.writeFileSync(file, Buffer.concat([...contents, ...contents, ...contents]));
  const out = new Uint32Array(2);
  // by construction: group by the low bit of xxh64; the first content of each group owns the key
  const owners = new Set<number>();
  const seenKeys = new Set<number>();
  contents.forEach((p, i) => {
    xxh64(p, 0, PAGE_SIZE, 0n, out, 0);
    if (!seenKeys.has(out[0] & 1)) {
      seenKeys.add(out[0] & 1);
      owners.add(i);
    }
  });
  const r = runCli(['analyze', '-c', 'zstd', '--hash-bits', '1', '-f', 'json', file]);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as AnalyzeReport;
  const dedup = rep.results[1];
  assert.equal(rep.config.hash_bits, 1);
  assert.equal(rep.results[0].rejected_pages, 0, 'the eight pages are stored by zstd');
  assert.equal(dedup.duplicate_pages, owners.size * 2);
  assert.equal(dedup.unique_objects, owners.size, 'colliding pages are plain entries, not objects');
  assert.equal(dedup.dedup_verify_fail, (contents.length - owners.size) * 3);
  assert.equal(dedup.memcg_zswap_bytes, rep.results[0].compressed_bytes, 'every slot charged in full');
  assert.equal(dedup.dedup_saved_bytes, rep.results[0].compressed_bytes - dedup.compressed_bytes);
  assert.equal(rep.pages.distinct_contents, 8, 'identity is still decided by the bytes');
  const bad = runCli(['analyze', '--hash', 'crc32c', '--hash-bits', '40', file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--hash-bits: 40 is outside 1\.\.32/);
});
