/**
 * Progress goes to stderr, only on a terminal unless asked for, and never into the report: a
 * bar with rate and ETA on a terminal (cli-progress), plain lines when forced on elsewhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { BIN, ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const SAMPLE = path.join(ROOT, 'fixtures', 'sample-python.raw');

test('stderr not a terminal: no progress text, and stdout is the JSON report alone', () => {
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', SAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /pages\/s|ETA|%/, 'no progress on a pipe by default');
  assert.doesNotThrow(() => JSON.parse(r.stdout));
  assert.equal(r.stdout.trimStart()[0], '{');
});

test('--progress on a pipe: plain progress lines on stderr only, with rate and ETA; stdout stays clean JSON', () => {
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', '--progress', SAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^progress: \d+ % \| .* of 2\.00 MiB \| [\d,]+ pages \| [\d,]+ pages\/s \| ETA /m);
  assert.doesNotMatch(r.stderr, /\x1b\[|\r/, 'no terminal control codes in a log');
  assert.doesNotMatch(r.stdout, /progress|ETA/);
  JSON.parse(r.stdout);
});

test('stderr a terminal: a progress bar with rate and ETA, cleared at the end; the report file is clean', (t) => {
  if (spawnSync('script', ['--version']).status !== 0) return t.skip('needs script(1) (util-linux) to give the run a terminal');
  const out = path.join(tmpDir(), 'tty.json');
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} analyze -c lz4 -f json -o ${JSON.stringify(out)} ${JSON.stringify(SAMPLE)}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '120' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /[█░]+ \d+ % \| .* pages\/s \| ETA /, 'the bar on the terminal');
  JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.doesNotMatch(fs.readFileSync(out, 'utf8'), /ETA|pages\/s/);
});

test('--progress of a replay over time counts samples, not pages', () => {
  const r = runCli(['analyze', '-c', 'lz4', '--reclaim', 'all', '-f', 'json', '--progress', path.join(ROOT, 'fixtures', 'capture', 'python-churn.trace')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^progress: \d+ % \| .* \| [1-9][\d,]* samples \| [\d.]+ samples\/s \| ETA /m);
  assert.doesNotMatch(r.stderr, / pages\/s/);
  JSON.parse(r.stdout);
});
