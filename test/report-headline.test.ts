/** The answer first: headline, warnings, layout and the exit status CI acts on. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalyzeReport } from '../src/report/report.js';
import { bytes, pct } from '../src/report/units.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const SAMPLE = path.join(ROOT, 'fixtures', 'sample-python.raw');
const VMCORE = path.join(ROOT, 'fixtures', 'elf', 'vmcore-fill.elf');
const dir = tmpDir();

function json(...args: string[]): AnalyzeReport {
  const r = runCli(['analyze', '-f', 'json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as AnalyzeReport;
}

test('units: adaptive binary units, separators, no "-0"', () => {
  assert.equal(bytes(0), '0 B');
  assert.equal(bytes(1023), '1023 B');
  assert.equal(bytes(1536), '1.50 KiB');
  assert.equal(bytes(-22968), '-22.4 KiB');
  assert.equal(bytes(1024 * 1024 - 1), '1.00 MiB');
  assert.equal(bytes(5 * 2 ** 30), '5.00 GiB');
  assert.equal(pct(0), '0 %');
  assert.equal(pct(-0.000001), '-0.00010 %');
  assert.equal(pct(0.1234), '12.3 %');
});

test('JSON headline: the best compressor is the one whose net saving is largest, figures from its results', () => {
  const rep = json('-c', 'all', SAMPLE, VMCORE);
  const h = rep.headline!;
  const dedup = rep.results.filter((r) => r.dedup);
  const best = dedup.reduce((a, b) => (b.saving!.net_bytes > a.saving!.net_bytes ? b : a));
  assert.equal(h.best_compressor, best.compressor);
  assert.equal(h.net_saving_bytes, best.saving!.net_bytes);
  assert.equal(h.net_saving_ratio, best.saving!.net_ratio);
  assert.equal(h.total_bytes_with_dedup, best.total_bytes);
  assert.equal(h.total_bytes_without_dedup - h.total_bytes_with_dedup, h.net_saving_bytes);
  assert.equal(h.zero_pages, rep.pages.zero);
  assert.equal(h.pages, rep.pages.total);
  assert.equal(Object.keys(h.net_saving_ratio_by_compressor).length, 7);
  assert.match(h.text, new RegExp(`with ${best.compressor}, the best of 7 compressors`));
});

test('table and Markdown start with the headline; the table fits 80 columns even with seven compressors', () => {
  const rep = json('-c', 'all', SAMPLE, VMCORE);
  const table = runCli(['analyze', '-c', 'all', SAMPLE, VMCORE]);
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.split('\n');
  assert.deepEqual(lines.filter((l) => l.length > 80), []);
  assert.ok(lines.slice(0, 4).join(' ').includes('Dedup would'), lines.slice(0, 4).join('\n'));
  assert.ok(table.stdout.replace(/\s+/g, ' ').includes(rep.headline!.text));
  assert.doesNotMatch(table.stdout, /-0\.0|\b0\.00\b/);
  const md = runCli(['analyze', '-c', 'all', '-f', 'markdown', SAMPLE, VMCORE]).stdout;
  assert.ok(md.split('\n').slice(0, 4).includes(`**${rep.headline!.text}**`));
  // the histogram has a total row that adds up to the stored pages
  const total = /^\s+total\s+([\d,]+)\s+\S+ \S+\s+([\d,]+)/m.exec(table.stdout);
  assert.ok(total, table.stdout);
  const best = rep.results.find((r) => r.dedup && r.compressor === rep.headline!.best_compressor)!;
  assert.equal(Number(total[2].replace(/,/g, '')), best.stored_pages);
});

test('warnings: a tiny input, a dump whose classification left most pages out, in JSON and in the table', () => {
  const rep = json(VMCORE);
  const codes = rep.warnings.map((w) => w.code);
  assert.ok(codes.includes('tiny_input'));
  assert.ok(codes.includes('pages_left_out'));
  const left = rep.warnings.find((w) => w.code === 'pages_left_out')!;
  assert.match(left.message, /312 of 519 pages/);
  const table = runCli(['analyze', VMCORE]).stdout.replace(/\s+/g, ' ');
  assert.ok(table.includes(`warning: ${left.message}`));
  assert.match(table, /left out: 280 other kernel, 16 slab, 16 free/);
});

test('the same file given twice (or by two names) is analyzed once, with a warning', () => {
  const link = path.join(dir, 'again.raw');
  fs.symlinkSync(SAMPLE, link);
  const once = json(SAMPLE);
  const twice = json(SAMPLE, link, SAMPLE);
  assert.equal(twice.inputs.length, 1);
  assert.deepEqual(twice.results, once.results);
  assert.equal(twice.warnings.filter((w) => w.code === 'duplicate_input').length, 2);
});

test('--fail-under with --fail-on best | all | a compressor', () => {
  const trace = path.join(ROOT, 'fixtures', 'capture', 'python-fork.trace');
  const rep = json('-c', 'lzo,zstd', trace);
  const ratios = rep.headline!.net_saving_ratio_by_compressor;
  const best = rep.headline!.best_compressor;
  // "best" saves the most bytes; its ratio (to its own no-dedup total) need not be the higher one
  const [low, high] = (['lzo', 'zstd'] as const).slice().sort((a, b) => ratios[a]! - ratios[b]!);
  assert.ok(ratios[high]! > ratios[low]! && ratios[low]! > 0, JSON.stringify(ratios));
  // a threshold between the two ratios: the higher passes, the lower fails, so does "all"
  const between = String((ratios.lzo! + ratios.zstd!) / 2);
  const run = (on: string) => runCli(['analyze', '-c', 'lzo,zstd', '--fail-under', between, '--fail-on', on, trace]);
  assert.equal(run('best').status, best === high ? 0 : 1);
  assert.equal(run(high).status, 0);
  const all = run('all');
  assert.equal(all.status, 1);
  assert.equal(all.stderr, `zswap-dedup: ${low}: net dedup saving ${ratios[low]!.toFixed(4)} is below --fail-under ${between}\n`);
  assert.equal(run(low).status, 1);
});

test('CSV is quoted: a path with a comma and quotes stays one field', () => {
  const odd = path.join(dir, 'a,b "c".raw');
  fs.copyFileSync(SAMPLE, odd);
  const r = runCli(['analyze', '-f', 'csv', '-c', 'lzo', odd]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.ok(lines[1].startsWith(`"${odd.replace(/"/g, '""')}",lzo,false,`), lines[1]);
});
