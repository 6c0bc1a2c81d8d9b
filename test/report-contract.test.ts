/** The JSON contract and the other output formats, through the CLI as users run it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalyzeReport } from '../src/report/report.js';
import { METADATA_OPTIONS } from '../src/store/metadata.js';
import { runCli } from './helpers/cli.js';
import { writeMixedRaw } from './helpers/pages.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const mixed = writeMixedRaw(dir);
const input = mixed.file;

function analyzeJson(...args: string[]): AnalyzeReport {
  const r = runCli(['analyze', '--format', 'json', '--no-progress', ...args, input]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as AnalyzeReport;
}

test('JSON: schema, page counts and, per chosen compressor, one result without and one with dedup', () => {
  const rep = analyzeJson('--compressor', 'lz4,zstd,lzo-rle');
  assert.equal(rep.schema, 'zswap-dedup/analyze/v1');
  assert.equal(rep.pages.total, mixed.pages);
  assert.equal(rep.pages.zero, mixed.zero);
  assert.ok(mixed.zero >= 5);
  assert.deepEqual(
    rep.results.map((r) => `${r.compressor}:${r.dedup}`),
    ['lz4:false', 'lz4:true', 'zstd:false', 'zstd:true', 'lzo-rle:false', 'lzo-rle:true'],
  );
  for (const r of rep.results) {
    for (const key of ['stored_pages', 'rejected_pages', 'compressed_bytes', 'pool_pages', 'metadata_bytes'] as const) {
      assert.equal(typeof r[key], 'number', `${r.compressor} ${key}`);
      assert.ok(Number.isInteger(r[key]) && r[key] >= 0, `${r.compressor} ${key} = ${r[key]}`);
    }
    assert.equal(typeof r.dedup, 'boolean');
    assert.equal(r.stored_pages + r.rejected_pages, rep.pages.total - rep.pages.zero);
    if (r.dedup) {
      const plain = rep.results.find((x) => x.compressor === r.compressor && !x.dedup)!;
      assert.equal(r.stored_pages, plain.stored_pages, 'stored_pages counts logical pages in both modes');
      // every stored page is an object, a hit, or a page whose key collided (stored without dedup)
      assert.equal(r.unique_objects! + r.duplicate_pages! + r.dedup_verify_fail!, r.stored_pages);
      assert.ok(r.duplicate_pages! >= 200 - rep.pages.zero, 'the repeated pages are found');
      assert.ok(r.compressed_bytes < plain.compressed_bytes);
      assert.ok(r.pool_pages <= plain.pool_pages);
      assert.equal(r.saving!.net_bytes, plain.pool_bytes + plain.metadata_bytes - (r.pool_bytes + r.metadata_bytes));
    } else {
      assert.equal(r.unique_objects, undefined);
    }
  }
});

test('default compressors are lzo, lz4, zstd; "all" gives the seven', () => {
  assert.deepEqual([...new Set(analyzeJson().results.map((r) => r.compressor))], ['lzo', 'lz4', 'zstd']);
  assert.equal(new Set(analyzeJson('-c', 'all').results.map((r) => r.compressor)).size, 7);
});

test('table, csv and markdown carry the same figures', () => {
  const rep = analyzeJson('-c', 'zstd');
  const plain = rep.results[0];
  const table = runCli(['analyze', '-c', 'zstd', input]);
  assert.equal(table.status, 0);
  assert.match(table.stdout, new RegExp(`stored pages\\s+${plain.stored_pages.toLocaleString('en-US')}\\s`));
  const s = rep.summary[0];
  const f = (v: number) => v.toFixed(2).replace('.', '\\.');
  assert.match(table.stdout, new RegExp(`^\\s+zstd\\s+${f(s.dedup)}\\s+${f(s.compress)}\\s+${f(s.dedup_x_compress)}\\s+${f(s.memory_ratio)}\\s+${f(s.memory_ratio_dedup)}$`, 'm'));
  assert.match(table.stdout, /refcount histogram/);
  const csv = runCli(['analyze', '-c', 'zstd', '-f', 'csv', input]).stdout.trim().split('\n');
  assert.equal(csv.length, 3);
  const head = csv[0].split(',');
  const row = csv[1].split(',');
  assert.equal(row[head.indexOf('pool_pages')], String(plain.pool_pages));
  assert.equal(row[head.indexOf('dedup')], 'false');
  const md = runCli(['analyze', '-c', 'zstd', '-f', 'markdown', input]).stdout;
  assert.match(md, /^\| compressor \| dedup \|/m);
  assert.match(md, new RegExp(`\\| zstd \\| no \\| ${plain.stored_pages.toLocaleString('en-US')} \\|`));
});

test('--output writes the report to the file, nothing to stdout', () => {
  const out = path.join(dir, 'report.json');
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', '-o', out, input]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal((JSON.parse(fs.readFileSync(out, 'utf8')) as AnalyzeReport).results.length, 2);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('--fail-under: exit 1 below the threshold, 0 at or above it', () => {
  const rep = analyzeJson('-c', 'zstd');
  const ratio = rep.results[1].saving!.net_ratio;
  const below = runCli(['analyze', '-c', 'zstd', '-f', 'json', '--fail-under', String(ratio + 0.01), input]);
  assert.equal(below.status, 1);
  assert.match(below.stderr, /net dedup saving .* is below --fail-under/);
  assert.doesNotThrow(() => JSON.parse(below.stdout), 'the report is still printed');
  const above = runCli(['analyze', '-c', 'zstd', '-f', 'json', '--fail-under', String(ratio - 0.01), input]);
  assert.equal(above.status, 0);
});

test('pool limit: stores refused once the modelled pool is full', () => {
  const unlimited = analyzeJson('-c', 'lz4').results[0];
  const limited = analyzeJson('-c', 'lz4', '--max-pool-percent', '10', '--total-ram', String(unlimited.pool_pages * 4096 * 5)).results[0];
  assert.equal(limited.pool_pages < unlimited.pool_pages, true);
  assert.ok(limited.rejects.pool_limit > 0);
  assert.ok(limited.pool_limit_hit > 0);
  const r = runCli(['analyze', '--max-pool-percent', '10', input]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--max-pool-percent needs --total-ram/);
});

test('zbud as the zpool: objects above 3968 bytes are reject_compress_poor', () => {
  const rep = analyzeJson('-c', 'lz4', '--zpool', 'zbud');
  const zs = analyzeJson('-c', 'lz4').results[0];
  const zb = rep.results[0];
  assert.equal(rep.config.zpool, 'zbud');
  assert.ok(zb.rejects.compress_poor > 0);
  assert.equal(zb.rejected_pages, zs.rejected_pages + zb.rejects.compress_poor);
  assert.equal(zb.zspages, null);
});

test('several inputs: per-input breakdown and the sharing matrix', () => {
  const page = (b: number) => Buffer.alloc(4096, b);
  const write = (name: string, pages: Buffer[]) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, Buffer.concat(pages));
    return f;
  };
  const a = write('a.raw', [page(1), page(2), page(2), page(3)]);
  const b = write('b.raw', [page(2), page(4), page(4), page(4)]);
  const c = write('c.raw', [page(4), page(0), page(5)]);
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', a, b, c]);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as AnalyzeReport;
  assert.deepEqual(
    rep.inputs.map((i) => [i.pages, i.zero_pages, i.distinct_contents, i.pages_shared_with_other_inputs]),
    [
      [4, 0, 3, 2],
      [4, 0, 2, 4],
      [3, 1, 2, 1],
    ],
  );
  assert.deepEqual(rep.sharing_matrix!.pages, [
    [2, 2, 0],
    [1, 3, 3],
    [0, 1, 0],
  ]);
  assert.equal(rep.pages.distinct_contents, 5);
  assert.equal(rep.results[1].unique_objects, 5);
  const one = JSON.parse(runCli(['analyze', '-c', 'lz4', '-f', 'json', a]).stdout) as AnalyzeReport;
  assert.equal(one.sharing_matrix, null);
});

test('each hidden metadata size option reaches the model (config.metadata_sizes)', () => {
  const args = METADATA_OPTIONS.flatMap((o, i) => [`--${o.option}`, String(100 + i)]);
  const sizes = analyzeJson('-c', 'lz4', ...args).config.metadata_sizes;
  assert.deepEqual(Object.values(sizes), METADATA_OPTIONS.map((_o, i) => 100 + i));
  assert.equal(runCli(['analyze', '--entry-bytes', 'x', input]).status, 2);
});
