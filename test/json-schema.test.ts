/**
 * The JSON Schemas shipped in schema/ hold for what the CLI really writes: analyze reports of
 * every kind of input and option that shapes them, and time series (stdout and --series).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Ajv, { type ValidateFunction } from 'ajv';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const ajv = new Ajv.default({ allErrors: true, strict: true, strictRequired: false }) // required in if/then names properties defined beside it;
function schema(name: string): ValidateFunction {
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', name), 'utf8')));
}
const analyzeV1 = schema('analyze-v1.schema.json');
const timeseriesV1 = schema('timeseries-v1.schema.json');
const fixture = (f: string) => path.join(ROOT, 'fixtures', f);
const dir = tmpDir();

function check(validate: ValidateFunction, doc: unknown, what: string): void {
  assert.ok(validate(doc), `${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}

function json(args: string[]): unknown {
  const r = runCli([...args, '--threads', '1', '-f', 'json']);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout);
}

test('package.json ships the schemas', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('schema'));
  const ids = ['analyze-v1', 'timeseries-v1'].map((n) => JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', `${n}.schema.json`), 'utf8')).$id);
  assert.deepEqual(ids, ['zswap-dedup/analyze/v1', 'zswap-dedup/timeseries/v1']);
});

const REPORTS: [string, string[]][] = [
  ['raw pages, every compressor', ['analyze', '-c', 'all', fixture('sample-python.raw')]],
  ['a kdump dump', ['analyze', fixture('kdump/linux-lzo.kd')]],
  ['a trace, with --fail-under', ['analyze', '--fail-under', '0.5', fixture('capture/python-fork.trace')]],
  ['several inputs (sharing matrix), zbud, a pool limit', ['analyze', '--zpool', 'zbud', '--max-pool-percent', '20', '--total-ram', '4M', fixture('sample-python.raw'), fixture('elf/gcore-fill.core')]],
  ['the same file twice (a warning)', ['analyze', '-c', 'lzo', fixture('sample-python.raw'), fixture('sample-python.raw')]],
  ['no verify, few hash bits', ['analyze', '--no-verify', '--hash-bits', '16', '-c', 'lz4', fixture('elf/vmcore-fill.elf')]],
  ['drill-down of a raw input (no processes: a no_processes warning)', ['analyze', '-c', 'lz4', '--by', 'process', fixture('sample-python.raw')]],
  // a keyed trace and page contents are not analyzed together (their digests cannot be compared): one each
  ['drill-down by process and mapping of a trace', ['analyze', '-c', 'lz4', '--by', 'process,mapping', fixture('capture/python-fork.trace')]],
  ['drill-down by process and mapping of a process core', ['analyze', '-c', 'lz4', '--by', 'process,mapping', fixture('elf/gcore-fill.core')]],
];

for (const [what, args] of REPORTS) {
  test(`analyze report: ${what} — valid zswap-dedup/analyze/v1`, () => check(analyzeV1, json(args), what));
}

test('time series: stdout, --series file, with a pool limit and compaction — valid zswap-dedup/timeseries/v1', () => {
  const trace = fixture('capture/python-churn.trace');
  check(timeseriesV1, json(['analyze', '--reclaim', 'all', '-c', 'lzo,zstd', trace]), 'stdout');
  const series = path.join(dir, 'series.json');
  const r = runCli(['analyze', '--reclaim', 'idle:10', '--compaction', 'sample', '--max-pool-percent', '10', '--total-ram', '64M', '-c', 'lz4', '--series', series, trace]);
  assert.equal(r.status, 0, r.stderr);
  check(timeseriesV1, JSON.parse(fs.readFileSync(series, 'utf8')), '--series');
});

test('the schemas reject what breaks them (a missing headline, a report under the other schema)', () => {
  const report = json(['analyze', '-c', 'lzo', fixture('sample-python.raw')]) as Record<string, unknown>;
  check(analyzeV1, report, 'as written');
  const { headline: _h, ...noHeadline } = report;
  assert.equal(analyzeV1(noHeadline), false);
  assert.equal(analyzeV1({ ...report, results: [{ ...(report.results as object[])[1], saving: undefined, refcount_histogram: 'x' }] }), false);
  assert.equal(timeseriesV1(report), false);
  const drill = json(['analyze', '-c', 'lz4', '--by', 'process', fixture('capture/python-fork.trace')]) as { by_process: object[] };
  assert.equal(analyzeV1({ ...drill, by_process: [{ ...drill.by_process[0], pages: -1 }] }), false);
});
