/**
 * A trace that is safe to share (issue 14): by default a hash-only trace holds no host name, no
 * process name, no mapping path and no address — the bytes are searched for each — and analyzes
 * to the same figures; --keep-names keeps them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CaptureSource } from '../src/sources/capture-reader.js';
import { InputFile } from '../src/sources/input-file.js';
import { NO_PFN, PageBatch } from '../src/sources/page-batch.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();

/** What a capture says about its machine: names, and addresses as the bytes they are written as. */
function disclosures(file: string): { names: string[]; addresses: Buffer[]; pids: number[] } {
  const src = new CaptureSource(InputFile.open(file));
  const batch = new PageBatch();
  const addresses: Buffer[] = [];
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(n % 2 ** 32, 0);
    b.writeUInt32LE(Math.floor(n / 2 ** 32), 4);
    return b;
  };
  for (let n = src.read(batch); n > 0; n = src.read(batch)) {
    for (let i = 0; i < n; i++) {
      if (batch.vaddr[i] !== 0) addresses.push(u64(batch.vaddr[i]));
      if (batch.pfn[i] !== NO_PFN) addresses.push(u64(batch.pfn[i]));
    }
  }
  src.close();
  const names = new Set<string>();
  if (typeof src.info.hostname === 'string') names.add(JSON.stringify(src.info.hostname));
  const pids = new Set<number>();
  for (const m of src.mappings) {
    if (m.path && !m.path.startsWith('[')) names.add(m.path);
    if (m.comm) names.add(JSON.stringify(m.comm));
    names.add(m.start);
    pids.add(m.pid);
  }
  return { names: [...names], addresses, pids: [...pids] };
}

function check(trace: string, from: ReturnType<typeof disclosures>): void {
  const bytes = fs.readFileSync(trace);
  const text = bytes.toString('latin1');
  for (const name of from.names) assert.ok(!text.includes(name), `${trace} holds ${name}`);
  for (const pid of from.pids) assert.ok(!text.includes(`"pid":${pid},`) && !text.includes(`${pid}]`), `${trace} holds PID ${pid}`);
  assert.ok(!text.includes('"hostname"'), 'no hostname field');
  for (const a of from.addresses) assert.ok(!bytes.includes(a), `${trace} holds address 0x${a.readBigUInt64LE().toString(16)}`);
}

test('a default trace of a capture holds no host name, process name, path, PID or address, and analyzes to the same figures; --keep-names keeps them', () => {
  const capture = path.join(ROOT, 'fixtures', 'capture', 'sleep.zsdc');
  const from = disclosures(capture);
  assert.ok(from.names.length >= 4 && from.addresses.length > 20, 'the capture does name things');
  const trace = path.join(dir, 'sleep.trace');
  assert.equal(runCli(['convert', '--hash-only', '-o', trace, capture]).status, 0);
  check(trace, from);
  const figures = (f: string) => {
    const r = runCli(['analyze', '-c', 'lzo,zstd', '-f', 'json', f]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).results;
  };
  assert.deepEqual(figures(trace), figures(capture));

  const named = path.join(dir, 'sleep-named.trace');
  assert.equal(runCli(['convert', '--hash-only', '--keep-names', '-o', named, capture]).status, 0);
  const text = fs.readFileSync(named, 'latin1');
  assert.ok(from.names.every((n) => text.includes(n)), 'every name kept');
  const src = new CaptureSource(InputFile.open(trace));
  assert.deepEqual([...new Set(src.mappings.map((m) => m.path))].sort(), ['[heap]', '[stack]', 'anonymous', 'file'].filter((k) => src.mappings.some((m) => m.path === k)));
  assert.equal(src.info.redacted, true);
  src.close();
});

test('a live hash-only capture and recording: nothing names the machine, the process or its files', { timeout: 60_000 }, async (t) => {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return t.skip('live capture needs root on Linux');
  const target = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const full = path.join(dir, 'live.zsdc');
    assert.equal(runCli(['capture', '-p', String(target.pid), '-o', full]).status, 0);
    const from = disclosures(full);
    for (const args of [[], ['--interval', '0.2', '--samples', '2']]) {
      const trace = path.join(dir, `live${args.length}.trace`);
      const r = runCli(['capture', '-p', String(target.pid), '--hash-only', ...args, '-o', trace]);
      assert.equal(r.status, 0, r.stderr);
      check(trace, from);
      assert.ok(!fs.readFileSync(trace, 'latin1').includes(`${target.pid}`), 'the PID nowhere');
    }
  } finally {
    target.kill();
  }
});
