/** Bad input: one line naming the file and the problem, exit 2, no stack trace, no output file. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, type CliResult } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();

function assertCleanError(r: CliResult, file: string, message: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(file), `names ${file}: ${lines[0]}`);
  assert.match(lines[0], message);
}

test('size not a multiple of 4096, empty file, directory, missing file', () => {
  const odd = path.join(dir, 'odd.raw');
  fs.writeFileSync(odd, Buffer.alloc(4096 * 3 + 100, 1));
  assertCleanError(runCli(['analyze', odd]), odd, /not a multiple of 4096/);
  const empty = path.join(dir, 'empty.raw');
  fs.writeFileSync(empty, '');
  assertCleanError(runCli(['analyze', empty]), empty, /empty/);
  assertCleanError(runCli(['analyze', dir]), dir, /is a directory/);
  const missing = path.join(dir, 'missing.raw');
  assertCleanError(runCli(['analyze', missing]), missing, /no such file/);
});

test('unreadable file', () => {
  const secret = path.join(dir, 'secret.raw');
  fs.writeFileSync(secret, Buffer.alloc(4096, 7));
  fs.chmodSync(secret, 0o000);
  let r: CliResult;
  if (process.getuid?.() === 0) {
    // root reads anything: take away the capabilities that bypass file permissions
    const s = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, BIN, 'analyze', secret], { encoding: 'utf8' });
    assert.equal(s.error, undefined, 'setpriv (util-linux) runs');
    r = { status: s.status, stdout: s.stdout, stderr: s.stderr };
  } else {
    r = runCli(['analyze', secret]);
  }
  assertCleanError(r, secret, /permission denied/);
});

test('a failed run leaves no output file, not even a partial one', () => {
  const good = path.join(dir, 'good.raw');
  fs.writeFileSync(good, Buffer.alloc(4096 * 2, 3));
  const bad = path.join(dir, 'bad.raw');
  fs.writeFileSync(bad, Buffer.alloc(5000, 3));
  const out = path.join(dir, 'report.json');
  assertCleanError(runCli(['analyze', '-f', 'json', '-o', out, good, bad]), bad, /multiple of 4096/);
  assert.equal(fs.existsSync(out), false);
  const trace = path.join(dir, 'out.trace');
  assertCleanError(runCli(['convert', '--hash-only', '-o', trace, good, bad]), bad, /multiple of 4096/);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.') || f.endsWith('.trace') || f.endsWith('.json')), []);
});

test('a file that only starts like an ELF dump is refused with its problem, and --input-format raw reads it as pages', () => {
  const elf = path.join(dir, 'vmcore');
  const head = Buffer.alloc(8192);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(head);
  fs.writeFileSync(elf, head);
  assertCleanError(runCli(['analyze', elf]), elf, /ELF/);
  assert.equal(runCli(['analyze', '--input-format', 'raw', '-f', 'json', elf]).status, 0);
});

test('usage errors exit 2; --help and --version exit 0', () => {
  const good = path.join(dir, 'usage.raw');
  fs.writeFileSync(good, Buffer.alloc(4096, 1));
  const usage = [
    ['analyze', '--compressor', 'lz5', good],
    ['analyze', '--bogus', good],
    ['analyze'],
    ['analyze', '--chain-size', '3', good],
    ['frobnicate'],
    [],
    ['analyze', '--fail-under', '5', good],
    ['analyze', '--fail-under', '0.1', '--fail-on', 'zstd', '-c', 'lzo', good],
    ['analyze', '--fail-on', 'lz5', good],
    ['capture', '--pid', 'abc', '-o', path.join(dir, 'never.zsdc')],
  ];
  for (const args of usage) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.doesNotMatch(r.stderr, /NaN/);
    // one style: the first line is ours, prefixed with the tool's name
    assert.match(r.stderr, /^zswap-dedup: |^Usage: zswap-dedup/, `${args.join(' ')}: ${r.stderr}`);
    if (args.length) assert.match(r.stderr, /^zswap-dedup: /);
  }
  assert.match(runCli(['capture', '--pid', 'abc', '-o', 'x']).stderr, /^zswap-dedup: --pid: 'abc' is not a process id\n/);
  const help = runCli(['analyze', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--compressor <list>/);
  assert.equal(help.stderr, '');
  assert.match(runCli(['--version']).stdout, /^\d+\.\d+\.\d+/);
});
