/**
 * Keyed digests in traces (issue 14): a default trace holds no plain digest of any page; the same
 * pages traced under two keys share no digest yet analyze to the same figures (collision tables
 * included, for every hash and key width); traces made with one --key-file analyze together with
 * dedup across them, as their content captures do; different keys are refused; plain traces of
 * older builds still read, with a warning; inspect names everything a file discloses.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fingerprint128 } from '../src/hash/page-hash.js';
import { xxh64Words } from '../src/hash/xxhash.js';
import { PAGE_SIZE } from '../src/model/kernel.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { CaptureSource } from '../src/sources/capture-reader.js';
import { DigestKey } from '../src/sources/digest-key.js';
import { DIGEST_HASH_WORD, DIGEST_HASH_WORDS, FINGERPRINT_WORDS } from '../src/sources/digest-layout.js';
import { InputFile } from '../src/sources/input-file.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';
import type { CaptureDisclosure } from '../src/cli/inspect.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { writePlainTrace } from './helpers/plain-trace.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const sample = path.join(ROOT, 'fixtures', 'sample-python.raw');
const keyFile = path.join(dir, 'fleet.key');
fs.writeFileSync(keyFile, crypto.randomBytes(32));

function cli(args: string[], status = 0): string {
  const r = runCli(args);
  assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A report's figures: everything but what names the inputs or shows a (keyed) hash value. */
function figures(args: string[]): unknown {
  const report = JSON.parse(cli(['analyze', '-f', 'json', '--no-verify', ...args])) as AnalyzeReport & Record<string, unknown>;
  const { results, pages, sharing_matrix, hash, headline } = report;
  return { results, pages, sharing: sharing_matrix?.pages ?? null, hash, headline, top: report.top_duplicates.map((t) => t.pages) };
}

/** per DIGEST record of a trace: its hash words and fingerprint words (zero-filled pages: null) */
function digests(trace: string): (number[] | null)[] {
  const src = new CaptureSource(InputFile.open(trace));
  const batch = new PageBatch();
  const out: (number[] | null)[] = [];
  for (let n = src.read(batch); n > 0; n = src.read(batch)) {
    for (let i = 0; i < n; i++) {
      if (batch.flags[i] & PAGE_FLAG.ZERO_FILLED) out.push(null);
      else out.push([...batch.hashes.subarray(i * DIGEST_HASH_WORDS, (i + 1) * DIGEST_HASH_WORDS), ...batch.fingerprint.subarray(i * FINGERPRINT_WORDS, (i + 1) * FINGERPRINT_WORDS)]);
    }
  }
  src.close();
  return out;
}

test('the keyed T-function keeps exactly the equal low bits of every hash, for every width; the fingerprint is a keyed permutation', () => {
  const key = DigestKey.fromFile(keyFile);
  const again = DigestKey.fromFile(keyFile);
  const other = DigestKey.random();
  assert.equal(key.id, again.id);
  assert.notEqual(key.id, other.id);
  assert.match(key.id, /^[0-9a-f]{32}$/);
  const pairs = 4000;
  const hashes = new Uint32Array(2 * pairs * DIGEST_HASH_WORDS);
  const fp = new Uint32Array(2 * pairs * FINGERPRINT_WORDS);
  crypto.randomFillSync(hashes);
  crypto.randomFillSync(fp);
  const widths: [number, number][] = [
    [DIGEST_HASH_WORD.xxh64, 64],
    [DIGEST_HASH_WORD.xxh32, 32],
    [DIGEST_HASH_WORD.jhash2, 32],
    [DIGEST_HASH_WORD.crc32c, 32],
  ];
  const value = (h: Uint32Array, p: number, word: number, width: number) =>
    BigInt(h[p * DIGEST_HASH_WORDS + word]) | (width === 64 ? BigInt(h[p * DIGEST_HASH_WORDS + word + 1]) << 32n : 0n);
  // pair k: page 2k+1 equals page 2k in the low n bits and differs at bit n (n from 0 to the width)
  const shared: number[][] = [];
  for (let k = 0; k < pairs; k++) {
    shared.push([]);
    for (const [word, width] of widths) {
      const n = (k * 7 + word) % (width + 1);
      shared[k].push(n);
      const a = value(hashes, 2 * k, word, width);
      const b = value(hashes, 2 * k + 1, word, width);
      const mask = (1n << BigInt(n)) - 1n;
      let v = (b & ~mask) | (a & mask);
      if (n < width) v = ((v >> BigInt(n)) & 1n) === ((a >> BigInt(n)) & 1n) ? v ^ (1n << BigInt(n)) : v;
      hashes[(2 * k + 1) * DIGEST_HASH_WORDS + word] = Number(v & 0xffffffffn);
      if (width === 64) hashes[(2 * k + 1) * DIGEST_HASH_WORDS + word + 1] = Number(v >> 32n);
    }
    if (k % 2 === 0) fp.copyWithin((2 * k + 1) * FINGERPRINT_WORDS, 2 * k * FINGERPRINT_WORDS, (2 * k + 1) * FINGERPRINT_WORDS);
  }
  const plainH = hashes.slice();
  const plainF = fp.slice();
  const h2 = hashes.slice();
  const f2 = fp.slice();
  const h3 = hashes.slice();
  const f3 = fp.slice();
  key.keyDigests(2 * pairs, hashes, 0, fp, 0);
  again.keyDigests(2 * pairs, h2, 0, f2, 0);
  other.keyDigests(2 * pairs, h3, 0, f3, 0);
  assert.deepEqual(h2, hashes, 'one key, one function');
  assert.deepEqual(f2, fp);
  let differ = 0;
  for (let i = 0; i < hashes.length; i++) if (h3[i] !== hashes[i]) differ++;
  assert.ok(differ > hashes.length * 0.9, 'another key, other values');
  let changed = 0;
  for (let i = 0; i < hashes.length; i++) if (plainH[i] !== hashes[i]) changed++;
  assert.ok(changed > hashes.length * 0.9, 'keyed values are not the plain ones');
  const lowEqual = (x: bigint, y: bigint) => {
    let n = 0;
    while (n < 64 && ((x >> BigInt(n)) & 1n) === ((y >> BigInt(n)) & 1n)) n++;
    return n;
  };
  for (let k = 0; k < pairs; k++) {
    widths.forEach(([word, width], w) => {
      const n = lowEqual(value(hashes, 2 * k, word, width), value(hashes, 2 * k + 1, word, width));
      assert.equal(Math.min(n, width), shared[k][w], `pair ${k}, hash word ${word}: equal low bits`);
    });
    const same = (f: Uint32Array) => f.subarray(2 * k * 4, 2 * k * 4 + 4).every((v, j) => v === f[(2 * k + 1) * 4 + j]);
    assert.equal(same(fp), same(plainF), `pair ${k}: fingerprints equal exactly when the plain ones are`);
  }
});

test('a default trace holds no plain digest of any page, nor the key; the same pages traced again share no digest and analyze to the same figures', () => {
  const a = path.join(dir, 'a.trace');
  const b = path.join(dir, 'b.trace');
  cli(['convert', '--hash-only', '-o', a, sample]);
  cli(['convert', '--hash-only', '-o', b, sample]);
  const bytes = fs.readFileSync(a);
  const raw = fs.readFileSync(sample);
  const words = new Uint32Array(4);
  let checked = 0;
  for (let at = 0; at < raw.length; at += PAGE_SIZE) {
    if (raw.subarray(at, at + PAGE_SIZE).every((x) => x === 0)) continue;
    fingerprint128(raw, at, words, 0);
    assert.ok(!bytes.includes(Buffer.from(words.buffer)), `page ${at / PAGE_SIZE}: plain fingerprint in the trace`);
    xxh64Words(raw, at, PAGE_SIZE, 0, 0, words, 0);
    assert.ok(!bytes.includes(Buffer.from(words.buffer, 0, 8)), `page ${at / PAGE_SIZE}: plain xxh64 in the trace`);
    checked++;
  }
  assert.ok(checked > 400);
  const da = digests(a);
  const db = digests(b);
  assert.equal(da.length, raw.length / PAGE_SIZE);
  da.forEach((d, i) => {
    if (d === null) return assert.equal(db[i], null);
    for (let w = 0; w < d.length; w++) assert.notEqual(d[w], db[i]![w], `page ${i} word ${w}: equal under two keys`);
  });
  const ka = new CaptureSource(InputFile.open(a));
  const kb = new CaptureSource(InputFile.open(b));
  assert.notEqual((ka.info.digest_key as { id: string }).id, (kb.info.digest_key as { id: string }).id);
  assert.equal((ka.info.digest_key as { origin: string }).origin, 'random');
  ka.close();
  kb.close();
  for (const opts of [['-c', 'all'], ['--hash', 'crc32c', '--hash-bits', '10'], ['--hash', 'jhash2'], ['--hash', 'xxh32', '--hash-bits', '7'], ['--hash-bits', '40']]) {
    const want = figures([...opts, sample]);
    assert.deepEqual(figures([...opts, a]), want, opts.join(' '));
    assert.deepEqual(figures([...opts, b]), want, opts.join(' '));
  }
  // a --key-file trace holds the key's id, never the key
  const k = path.join(dir, 'k.trace');
  cli(['convert', '--hash-only', '--key-file', keyFile, '-o', k, sample]);
  const kbytes = fs.readFileSync(k);
  assert.ok(!kbytes.includes(fs.readFileSync(keyFile)));
  assert.ok(kbytes.includes(Buffer.from(`"id":"${DigestKey.fromFile(keyFile).id}","origin":"key-file"`)));
});

/** sample-python.raw cut into two overlapping halves: pages [0, 340) and [170, 512) */
function halves(): [string, string] {
  const raw = fs.readFileSync(sample);
  const one = path.join(dir, 'one.raw');
  const two = path.join(dir, 'two.raw');
  fs.writeFileSync(one, raw.subarray(0, 340 * PAGE_SIZE));
  fs.writeFileSync(two, raw.subarray(170 * PAGE_SIZE));
  return [one, two];
}

test('two traces made with one --key-file analyze together, with dedup across them, to the figures of their content captures; other keys are refused', () => {
  const [oneRaw, twoRaw] = halves();
  const names = ['one', 'two'];
  const captures = [oneRaw, twoRaw].map((r, i) => {
    const c = path.join(dir, `${names[i]}.zsdc`);
    cli(['convert', '-o', c, r]);
    return c;
  });
  const keyed = captures.map((c, i) => {
    const t = path.join(dir, `${names[i]}.trace`);
    cli(['convert', '--hash-only', '--key-file', keyFile, '-o', t, c]);
    return t;
  });
  const together = figures(keyed) as { sharing: number[][] };
  assert.ok(together.sharing[0][1] > 100, 'the halves share their middle pages');
  assert.deepEqual(together, figures(captures));
  // the replay over time compares the same way
  const series = (files: string[]) => {
    const doc = JSON.parse(cli(['analyze', '--reclaim', 'all', '-c', 'lz4', '-f', 'json', '--no-verify', ...files])) as { samples: { results: unknown }[] };
    return doc.samples.map((s) => s.results);
  };
  assert.deepEqual(series(keyed), series(captures));

  // another key, a random key, page contents, or a plain trace beside a keyed one: one line, exit 2, both files named
  const otherKey = path.join(dir, 'other.key');
  fs.writeFileSync(otherKey, crypto.randomBytes(32));
  const other = path.join(dir, 'two-other.trace');
  cli(['convert', '--hash-only', '--key-file', otherKey, '-o', other, captures[1]]);
  const random = path.join(dir, 'two-random.trace');
  cli(['convert', '--hash-only', '-o', random, captures[1]]);
  const plain = path.join(dir, 'two-plain.trace');
  writePlainTrace(twoRaw, plain);
  for (const second of [other, random, captures[1], plain, twoRaw]) {
    for (const extra of [[], ['--reclaim', 'all']]) {
      const r = runCli(['analyze', ...extra, keyed[0], second]);
      assert.equal(r.status, 2, `${second}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /different digest keys/);
      assert.ok(lines[0].includes(keyed[0]) && lines[0].includes(second), lines[0]);
    }
  }
  // and --key-file needs a key worth the name
  const short = path.join(dir, 'short.key');
  fs.writeFileSync(short, 'secret\n');
  const r = runCli(['convert', '--hash-only', '--key-file', short, '-o', path.join(dir, 'x.trace'), oneRaw]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /short\.key: key file holds 7 bytes, at least 16/);
  assert.equal(runCli(['convert', '--key-file', keyFile, '-o', path.join(dir, 'x.zsdc'), oneRaw]).status, 2, '--key-file without --hash-only');
});

test('a plain trace of an older build still reads, with a warning; convert keys it to the same figures', () => {
  const plain = path.join(dir, 'plain.trace');
  writePlainTrace(sample, plain);
  const r = runCli(['analyze', '-f', 'json', '--no-verify', plain]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /plain\.trace: warning: a plain trace \(format version 1 or 2\): its digests are not keyed/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const keyed = path.join(dir, 'plain-keyed.trace');
  cli(['convert', '--hash-only', '-o', keyed, plain]);
  assert.deepEqual(figures([keyed]), figures([plain]));
  assert.deepEqual(figures([keyed]), figures([sample]));
  assert.equal(runCli(['analyze', keyed]).stderr, '', 'a keyed trace warns of nothing');
  // a plain trace still goes with contents, as before
  assert.equal(runCli(['analyze', plain, sample]).status, 0);
});

function inspect(file: string): CaptureDisclosure {
  return JSON.parse(cli(['inspect', '-f', 'json', file])) as CaptureDisclosure;
}

test('inspect lists every disclosed field: names, paths, PIDs, addresses of a capture; none of them in a default trace; the key id', () => {
  const capture = path.join(ROOT, 'fixtures', 'capture', 'sleep.zsdc');
  const src = new CaptureSource(InputFile.open(capture));
  const batch = new PageBatch();
  let pages = 0;
  for (let n = src.read(batch); n > 0; n = src.read(batch)) pages += n;
  src.close();
  const c = inspect(capture);
  const headerText = fs.readFileSync(capture).subarray(20, 20 + fs.readFileSync(capture).readUInt32LE(16)).toString('utf8');
  assert.deepEqual(c.header, JSON.parse(headerText), 'every header field, as written');
  assert.equal(c.discloses.host_name, src.info.hostname);
  assert.equal(c.discloses.kernel_release, src.info.kernel_release);
  assert.equal(c.discloses.page_contents, true);
  assert.deepEqual(new Set(c.discloses.processes.map((p) => p.pid)), new Set(src.mappings.map((m) => m.pid)));
  assert.deepEqual(c.discloses.process_names.sort(), [...new Set(src.mappings.map((m) => m.comm))].sort());
  assert.deepEqual(c.discloses.mapping_paths.sort(), [...new Set(src.mappings.map((m) => m.path).filter((p) => p.startsWith('/')))].sort());
  assert.equal(c.discloses.mapping_address_ranges, src.mappings.length);
  assert.equal(c.discloses.virtual_addresses, pages);
  assert.equal(c.discloses.physical_addresses, pages);
  assert.equal(c.pages.records, pages);
  assert.equal(c.records.page, pages);
  const table = cli(['inspect', capture]);
  for (const name of [String(src.info.hostname), ...c.discloses.process_names, ...c.discloses.mapping_paths.slice(0, 2)]) assert.ok(table.includes(name), `table lacks ${name}`);

  const trace = path.join(dir, 'sleep.trace');
  cli(['convert', '--hash-only', '-o', trace, capture]);
  const t = inspect(trace);
  assert.equal(t.discloses.host_name, null);
  assert.deepEqual(t.discloses.process_names, []);
  assert.deepEqual(t.discloses.mapping_paths, []);
  assert.deepEqual(t.discloses.input_paths, []);
  assert.deepEqual(t.discloses.names_in_summaries, []);
  assert.equal(t.discloses.mapping_address_ranges + t.discloses.virtual_addresses + t.discloses.physical_addresses, 0);
  assert.equal(t.discloses.page_contents, false);
  assert.deepEqual(t.discloses.digests, { keyed: true, key_id: (t.header.digest_key as { id: string }).id, key_origin: 'random' });
  assert.equal(t.records.digest, pages);

  const named = path.join(dir, 'sleep-named.trace');
  cli(['convert', '--hash-only', '--keep-names', '--key-file', keyFile, '-o', named, capture]);
  const n = inspect(named);
  assert.equal(n.discloses.host_name, src.info.hostname);
  assert.deepEqual(n.discloses.mapping_paths.sort(), c.discloses.mapping_paths.sort());
  assert.deepEqual(n.discloses.process_names, c.discloses.process_names);
  assert.ok(n.discloses.input_paths.includes(capture));
  assert.deepEqual(n.discloses.digests, { keyed: true, key_id: DigestKey.fromFile(keyFile).id, key_origin: 'key-file' });

  const plain = path.join(dir, 'inspect-plain.trace');
  writePlainTrace(sample, plain);
  assert.deepEqual(inspect(plain).discloses.digests, { keyed: false, key_id: null, key_origin: null });
  assert.match(cli(['inspect', plain]), /PLAIN \(unkeyed\)/);

  const dump = JSON.parse(cli(['inspect', '-f', 'json', path.join(ROOT, 'fixtures', 'elf', 'gcore-fill.core')]));
  assert.equal(dump.discloses.page_contents, true);
  assert.equal(dump.info.command, 'elf-fill');
  const bad = runCli(['inspect', path.join(dir, 'missing.trace')]);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});
