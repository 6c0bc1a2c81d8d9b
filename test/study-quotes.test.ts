/**
 * The README's headline and the cover letter's "Real workloads" section are rewritten from the
 * study's results (study/quotes.ts): only those regions change, the cover letter stays 72-column
 * ASCII, and the figures are those of docs/study.md's summaries.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadResults, summarize } from '../study/report.js';
import { wrap, writeQuotes, type StudyQuoteInput } from '../study/quotes.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

test('wrap: greedy to the width, figure and unit together, two spaces after a full stop only within a line', () => {
  const text = 'Net saving 20.8 % here.  Then more words follow until the line is full and breaks.';
  const out = wrap(text, 20, '  ');
  for (const line of out.split('\n')) assert.ok(line.length <= 20, line);
  assert.ok(!/\d\n/.test(out) && !/^\s*%/m.test(out), out);
  assert.equal(out.replace(/\n {2}/g, ' ').replace(/ {2}/g, ' '), text.replace(/ {2}/g, ' '));
});

test('writeQuotes rewrites the README headline and the cover letter section from the results, nothing else', () => {
  const repo = tmpDir();
  fs.mkdirSync(path.join(repo, 'kernel', 'patches'), { recursive: true });
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const letter = fs.readFileSync(path.join(ROOT, 'kernel', 'patches', '0000-cover-letter.patch'), 'utf8');
  fs.writeFileSync(path.join(repo, 'README.md'), readme);
  fs.writeFileSync(path.join(repo, 'kernel', 'patches', '0000-cover-letter.patch'), letter);

  const sums = [...loadResults(path.join(ROOT, 'study', 'results')).values()].map((runs) => summarize(runs.slice(0, 1)));
  assert.ok(sums.length >= 2, 'the kept results');
  const q: StudyQuoteInput = { sums, runs: 1, objectBytes: 96, entryBytes: 56, objectExtra: 40, cold: [] };
  writeQuotes(repo, q);

  const best = [...sums].sort((a, b) => b.net_saving.lz4.median - a.net_saving.lz4.median)[0];
  const bestText = `${best.workload} +${(best.net_saving.lz4.median * 100).toFixed(1)} %`;
  const r = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
  const para = r.slice(r.indexOf('**On real programs**'), r.indexOf('\n\n', r.indexOf('**On real programs**')));
  assert.match(para, new RegExp(`across ${sums.length}\\s+workloads`));
  assert.ok(para.replace(/\s+/g, ' ').includes(bestText), para);
  // outside the paragraph, the README is as it was
  const before = readme.indexOf('**On real programs**');
  assert.equal(r.slice(0, before), readme.slice(0, before));
  assert.equal(r.slice(r.indexOf('\n\n', before)), readme.slice(readme.indexOf('\n\n', before)));

  const l = fs.readFileSync(path.join(repo, 'kernel', 'patches', '0000-cover-letter.patch'), 'utf8');
  const head = l.indexOf('\nReal workloads\n==============\n');
  const so = l.indexOf('\nSo:', head);
  assert.equal(l.slice(0, head), letter.slice(0, letter.indexOf('\nReal workloads\n')));
  assert.equal(l.slice(so), letter.slice(letter.indexOf('\nSo:', letter.indexOf('\nReal workloads\n'))));
  const section = l.slice(head, so);
  for (const line of section.split('\n')) assert.ok(line.length <= 72 && /^[\x20-\x7e]*$/.test(line), `not 72-column ASCII: ${line}`);
  assert.ok(section.replace(/\s+/g, ' ').includes(bestText), section);
  assert.match(section, /\+40 bytes per stored content/);
  // a second run changes nothing more
  writeQuotes(repo, q);
  assert.equal(fs.readFileSync(path.join(repo, 'kernel', 'patches', '0000-cover-letter.patch'), 'utf8'), l);
  assert.equal(fs.readFileSync(path.join(repo, 'README.md'), 'utf8'), r);
});
