/**
 * The study's script end to end on one small workload (a Redis primary and its replica, two
 * instances): installs its Debian packages, runs it once, and checks what a run leaves behind.
 * Needs root and apt (CI runs it through `npm run test:study`, not `npm test`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cgroup2Root } from '../src/capture/targets.js';
import type { AnalyzeReport } from '../src/report/report.js';
import type { RunResult } from '../study/run.js';
import { ROOT } from '../test/helpers/paths.js';
import { runCli } from '../test/helpers/cli.js';

const root = process.getuid?.() === 0;

test('npm run study on redis-replica: traces, result, report, and nothing left running', { skip: !root && 'needs root' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-study-ci-'));
  try {
    const install = spawnSync('bash', [path.join(ROOT, 'study', 'install-deps.sh'), 'redis'], { stdio: 'inherit' });
    assert.equal(install.status, 0, 'install-deps.sh redis');
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'dist', 'study', 'run.js'), '--only', 'redis-replica', '--runs', '1',
        '--results', `${dir}/results`, '--traces', `${dir}/traces`, '--work', `${dir}/work`, '--docs', `${dir}/docs`],
      { encoding: 'utf8', timeout: 600_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /redis-replica run 1: \d+ pages/);

    const result = JSON.parse(fs.readFileSync(`${dir}/results/redis-replica/run-1.json`, 'utf8')) as RunResult;
    assert.equal(result.schema, 'zswap-dedup/study-run/v1');
    assert.equal(result.captures.length, 2, 'one trace per instance');
    const pages = result.analyze.pages;
    assert.ok(pages.total > 2000, `${pages.total} pages: a loaded Redis holds more`);
    assert.equal(result.content.pages, pages.total, 'the content captures and the traces hold the same pages');
    assert.equal(result.content.zero_pages, pages.zero);
    const l = result.locality;
    assert.equal(l.nonzero_pages, pages.nonzero);
    assert.equal(l.within_process + l.across_processes + l.across_instances, l.duplicate_pages);
    assert.equal(l.processes, 2, 'primary and replica');
    for (const c of result.captures) {
      const procs = (c.summary as { processes: { comm: string }[] }).processes;
      assert.deepEqual(procs.map((p) => p.comm), ['redis-server'], 'each instance cgroup holds its server only');
    }
    // the kept traces re-analyze to the stored figures
    const traces = result.captures.map((c) => path.resolve(ROOT, c.trace));
    const again = runCli(['analyze', '-c', 'all', '-f', 'json', ...traces]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as AnalyzeReport).results, result.analyze.results);

    const md = fs.readFileSync(`${dir}/docs/study.md`, 'utf8');
    assert.match(md, /\*\*Headline\.\*\* Across 1 workloads/);
    assert.match(md, /\| redis-replica \|/);
    const svg = fs.readFileSync(`${dir}/docs/study-net-saving.svg`, 'utf8');
    assert.equal([...svg.matchAll(/<rect class="bar"/g)].length, 3, 'lzo, lz4, zstd');

    // nothing of the run is left: no cgroup, no server, no content capture
    assert.ok(!fs.existsSync(path.join(cgroup2Root(), 'zswap-study')), 'study cgroups removed');
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    assert.ok(!ps.split('\n').some((line) => line.includes(`${dir}/work`)), 'no process of the run is left');
    const left = fs.readdirSync(`${dir}/work/redis-replica/run-1`).filter((f) => f.endsWith('.zsdc'));
    assert.deepEqual(left, [], 'content captures are deleted');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
