/**
 * Installed with `npm ci --ignore-scripts`, zstd-napi has its JavaScript but no compiled binding.
 * The CLI must then still work for everything but zstd, and zstd must fail in one line, exit 2.
 * The test lays out such an installation for real (the package's files, node_modules whose
 * zstd-napi lacks build/) and runs the CLI from it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const pkg = path.join(tmpDir(), 'zswap-dedup');
fs.mkdirSync(path.join(pkg, 'node_modules'), { recursive: true });
for (const part of ['bin', 'dist/src', 'src/compress/wasm/kernel-lib.wasm', 'src/compress/wasm/deflate.wasm', 'package.json']) {
  fs.cpSync(path.join(ROOT, part), path.join(pkg, part), { recursive: true });
}
for (const dep of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
  if (dep === 'zstd-napi' || dep.startsWith('.')) continue;
  fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(pkg, 'node_modules', dep));
}
// what --ignore-scripts leaves: the package without the build/ its install script makes
fs.cpSync(path.join(ROOT, 'node_modules', 'zstd-napi'), path.join(pkg, 'node_modules', 'zstd-napi'), {
  recursive: true,
  filter: (src) => !src.includes(`${path.sep}build`),
});
const BIN = path.join(pkg, 'bin', 'zswap-dedup');
const fixture = (f: string) => path.join(ROOT, 'fixtures', f);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the laid-out installation really lacks the binding', () => {
  const r = spawnSync(process.execPath, ['-e', "require('zstd-napi/binding.js')"], { cwd: pkg, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Cannot find module '\.\/build\//);
});

test('without the zstd binding: --help and every other compressor work, with the figures of a full install', () => {
  assert.equal(run(['--help']).status, 0);
  assert.equal(run(['analyze', '--help']).status, 0);
  for (const input of ['sample-python.raw', 'kdump/linux-lzo.kd']) {
    const args = ['analyze', '-c', 'lzo,lz4,deflate', '--threads', '1', '-f', 'json', fixture(input)];
    const without = run(args);
    assert.equal(without.status, 0, without.stderr);
    const full = runCli(args);
    assert.equal(full.status, 0, full.stderr);
    const figures = (s: string) => JSON.parse(s).results;
    assert.deepEqual(figures(without.stdout), figures(full.stdout));
  }
});

test('without the zstd binding: zstd in any form is one line on stderr, exit 2', () => {
  const cases = [
    ['analyze', '-c', 'zstd', fixture('sample-python.raw')],
    ['analyze', fixture('sample-python.raw')], // the default list holds zstd
    ['analyze', '-c', 'lzo', fixture('kdump/linux-zstd.kd')], // a dump whose pages are zstd-compressed
    ['convert', '--hash-only', '-o', path.join(pkg, 'x.trace'), fixture('sample-python.raw')], // a trace holds zstd's lengths
  ];
  for (const args of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^zswap-dedup: zstd needs the zstd-napi binding .*npm rebuild zstd-napi.*-c lzo,lz4\)\n$/);
  }
  assert.equal(fs.existsSync(path.join(pkg, 'x.trace')), false);
  // with the binding the same commands work
  assert.equal(runCli(['analyze', '-c', 'lzo', fixture('kdump/linux-zstd.kd')]).status, 0);
});
