/**
 * analyze --by process|mapping on real fixtures: the figures of every process and mapping are
 * worked out here from the files themselves (capture records, the core's program headers and
 * page bytes), with plain maps and sets, not with the analyzer's code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { GroupFigures } from '../src/replay/group-sharing.js';
import type { AnalyzeReport } from '../src/report/report.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const FORK_TRACE = path.join(ROOT, 'fixtures', 'capture', 'python-fork.trace');
const GCORE = path.join(ROOT, 'fixtures', 'elf', 'gcore-fill.core');
const GCORE_EXPECTED = path.join(ROOT, 'fixtures', 'elf', 'gcore-fill.expected.json');

type Expected = GroupFigures;

/** figures per group from (group, content key or null for zero, mapcount) per page */
function expectedFigures(pages: { group: string; key: string | null; mapcount: number }[]): Map<string, Expected> {
  const total = new Map<string, number>();
  const holders = new Map<string, Set<string>>();
  const perGroup = new Map<string, Map<string, number>>();
  const out = new Map<string, Expected>();
  for (const p of pages) {
    let e = out.get(p.group);
    if (!e) out.set(p.group, (e = { pages: 0, zero_pages: 0, distinct_contents: 0, duplicates_within: 0, pages_shared_with_others: 0, pages_mapped_more_than_once: 0, dedup_share_pages: 0 }));
    e.pages++;
    if (p.mapcount > 1) e.pages_mapped_more_than_once++;
    if (p.key === null) {
      e.zero_pages++;
      continue;
    }
    total.set(p.key, (total.get(p.key) ?? 0) + 1);
    if (!holders.has(p.key)) holders.set(p.key, new Set());
    holders.get(p.key)!.add(p.group);
    if (!perGroup.has(p.group)) perGroup.set(p.group, new Map());
    const g = perGroup.get(p.group)!;
    g.set(p.key, (g.get(p.key) ?? 0) + 1);
  }
  for (const [group, contents] of perGroup) {
    const e = out.get(group)!;
    for (const [key, n] of contents) {
      e.distinct_contents++;
      e.duplicates_within += n - 1;
      if (holders.get(key)!.size > 1) e.pages_shared_with_others += n;
      e.dedup_share_pages += (n * (total.get(key)! - 1)) / total.get(key)!;
    }
  }
  for (const e of out.values()) e.dedup_share_pages = Math.round(e.dedup_share_pages * 100) / 100;
  return out;
}

/** A capture file's pages as its records say: mapping record (pid), zero flag, digest, map count. */
function traceRecords(file: string): { pages: { mapping: number; key: string | null; mapcount: number }[]; mappings: Map<number, Record<string, unknown>> } {
  const b = fs.readFileSync(file);
  assert.equal(b.toString('latin1', 0, 7), 'ZSDCAPT');
  let at = Math.ceil((20 + b.readUInt32LE(16)) / 8) * 8;
  const pages: { mapping: number; key: string | null; mapcount: number }[] = [];
  const mappings = new Map<number, Record<string, unknown>>();
  while (at < b.length) {
    const type = b.readUInt16LE(at);
    const len = b.readUInt32LE(at + 4);
    const body = at + 8;
    if (type === 3) {
      const m = JSON.parse(b.toString('utf8', body, body + len)) as Record<string, unknown>;
      mappings.set(m.id as number, m);
    } else if (type === 2) {
      const flags = b.readUInt32LE(body + 16);
      // the digest: five hash words, a reserved word, the 128-bit fingerprint
      const zero = (flags & 0x80000000) !== 0;
      pages.push({ mapping: b.readUInt32LE(body + 20), key: zero ? null : b.toString('hex', body + 32, body + 32 + 40), mapcount: b.readUInt32LE(body + 24) });
    }
    at = body + Math.ceil(len / 8) * 8;
  }
  return { pages, mappings };
}

function analyzeBy(by: string, ...files: string[]): AnalyzeReport {
  const r = runCli(['analyze', '-c', 'lz4', '-f', 'json', '--no-progress', '--by', by, ...files]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as AnalyzeReport;
}

const figuresOf = (r: Expected) => ({
  pages: r.pages,
  zero_pages: r.zero_pages,
  distinct_contents: r.distinct_contents,
  duplicates_within: r.duplicates_within,
  pages_shared_with_others: r.pages_shared_with_others,
  pages_mapped_more_than_once: r.pages_mapped_more_than_once,
  dedup_share_pages: r.dedup_share_pages,
});

test('--by process,mapping on a forked Python process: every process and mapping as its trace records say', () => {
  const { pages, mappings } = traceRecords(FORK_TRACE);
  const pidOf = (m: number) => (mappings.get(m)?.pid as number | undefined) ?? -1;
  const byProcess = expectedFigures(pages.map((p) => ({ group: String(pidOf(p.mapping)), key: p.key, mapcount: p.mapcount })));
  const byMapping = expectedFigures(pages.map((p) => ({ group: String(p.mapping), key: p.key, mapcount: p.mapcount })));
  assert.equal(byProcess.size, 2, 'a parent and its forked child');

  const rep = analyzeBy('process,mapping', FORK_TRACE);
  assert.equal(rep.by_process!.length, byProcess.size);
  for (const row of rep.by_process!) {
    assert.deepEqual(figuresOf(row), byProcess.get(String(row.pid)), `pid ${row.pid}`);
    assert.equal(row.comm, 'python3');
  }
  // the child's copy-on-write pages are the parent's physical pages: counted once, with the parent
  const [parent, child] = [...rep.by_process!].sort((a, b) => b.pages - a.pages);
  assert.ok(parent.pages_mapped_more_than_once > child.pages, 'the parent holds the pages both map');
  assert.ok(child.pages_shared_with_others > 0, 'the child rewrote pages with contents the parent holds');

  assert.equal(rep.by_mapping!.length, byMapping.size);
  const byStart = new Map([...mappings.values()].map((m) => [`${m.pid} ${m.start}`, m.id as number]));
  for (const row of rep.by_mapping!) {
    const id = byStart.get(`${row.pid} ${row.start}`)!;
    assert.deepEqual(figuresOf(row), byMapping.get(String(id)), `mapping ${id}`);
    const m = mappings.get(id)!;
    if (m.path === '[heap]' || m.path === '[stack]') assert.equal(row.kind, m.path);
    else if (m.path === '') assert.equal(row.kind, 'anonymous');
    else if ((m.path as string).startsWith('/')) assert.deepEqual([row.kind, row.name], ['file', m.path], 'a private file mapping\'s copy-on-write pages');
  }
  // one level alone gives the same rows, and only that level
  const processOnly = analyzeBy('process', FORK_TRACE);
  assert.deepEqual(processOnly.by_process, rep.by_process);
  assert.equal(processOnly.by_mapping, undefined);
  assert.deepEqual(analyzeBy('mapping', FORK_TRACE).by_mapping, rep.by_mapping);
  // the dedup shares add up to the pages dedup frees
  assert.ok(Math.abs(rep.by_process!.reduce((a, r) => a + r.dedup_share_pages, 0) - (rep.pages.nonzero - rep.pages.distinct_contents)) < 0.05);

  // the table shows both, fitted to 80 columns
  const table = runCli(['analyze', '-c', 'lz4', '--no-progress', '--by', 'process,mapping', FORK_TRACE], { env: { ...process.env, COLUMNS: '80' } });
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^per process \(2, /m);
  assert.match(table.stdout, /python3 pid \d+ +1,980 /);
  assert.match(table.stdout, /per mapping \(\d+, most dedup share first; \d+ more in --format json or csv\)/);
  assert.match(table.stdout, /pid \d+ \[heap\]/);
  for (const line of table.stdout.split('\n')) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  // Markdown: a table per level, a row per process
  const md = runCli(['analyze', '-c', 'lz4', '-f', 'markdown', '--by', 'process', FORK_TRACE]);
  assert.match(md.stdout, /^### per process$/m);
  for (const row of rep.by_process!) assert.match(md.stdout, new RegExp(`^\\| python3 pid ${row.pid} \\| ${row.pages.toLocaleString('en-US')} \\|`, 'm'));
  // without --by: none of it
  const plain = runCli(['analyze', '-c', 'lz4', '-f', 'json', '--no-progress', FORK_TRACE]);
  const p = JSON.parse(plain.stdout) as AnalyzeReport;
  assert.equal(p.by_process, undefined);
  assert.equal(p.by_mapping, undefined);
});

test('--by mapping on a redacted trace: mapping kinds, no names, the same figures', () => {
  const redacted = path.join(tmpDir(), 'fork-redacted.trace');
  // the shipped trace is keyed with fixtures.key: it converts under that key only
  const c = runCli(['convert', '--hash-only', '--key-file', path.join(ROOT, 'fixtures', 'capture', 'fixtures.key'), '-o', redacted, FORK_TRACE]);
  assert.equal(c.status, 0, c.stderr);
  const named = analyzeBy('mapping', FORK_TRACE);
  const kinds = analyzeBy('mapping', redacted);
  assert.equal(kinds.inputs[0].info.redacted, true);
  assert.deepEqual(kinds.by_mapping!.map(figuresOf), named.by_mapping!.map(figuresOf));
  assert.deepEqual(kinds.by_mapping!.map((r) => r.kind), named.by_mapping!.map((r) => r.kind));
  for (const r of kinds.by_mapping!) {
    assert.equal(r.name, null);
    assert.equal(r.comm, null);
    assert.equal(r.start, null);
  }
  const table = runCli(['analyze', '-c', 'lz4', '--no-progress', '--by', 'mapping', redacted]);
  assert.doesNotMatch(table.stdout, /python|\.so|0x7f/);
  assert.match(table.stdout, /process \d+ file/);
  assert.match(table.stdout, /process \d+ \[heap\]/);
});

test('--by mapping on a gcore process core: one row per anonymous / shmem segment, as its program headers and bytes say', () => {
  const facts = JSON.parse(fs.readFileSync(GCORE_EXPECTED, 'utf8')) as {
    readelf: { loads: { offset: number; vaddr: number; filesz: number }[]; nt_file: { start: number; end: number; name: string }[]; sysinfo_ehdr: number };
  };
  const core = fs.readFileSync(GCORE);
  const pages: { group: string; key: string | null; mapcount: number }[] = [];
  for (const l of facts.readelf.loads) {
    if (l.vaddr >= 2 ** 63) continue; // [vsyscall]
    if (l.vaddr === facts.readelf.sysinfo_ehdr) continue; // vDSO
    const file = facts.readelf.nt_file.find((f) => f.start < l.vaddr + l.filesz && f.end > l.vaddr);
    if (file && !file.name.startsWith('/dev/zero')) continue; // file-backed: not what zswap sees
    for (let off = 0; off < l.filesz; off += 4096) {
      const page = core.subarray(l.offset + off, l.offset + off + 4096);
      pages.push({ group: `0x${l.vaddr.toString(16)}`, key: page.every((b) => b === 0) ? null : page.toString('base64'), mapcount: 0 });
    }
  }
  const want = expectedFigures(pages);
  const rep = analyzeBy('process,mapping', GCORE);
  assert.equal(rep.by_mapping!.length, want.size);
  for (const row of rep.by_mapping!) assert.deepEqual(figuresOf(row), want.get(row.start!), row.start!);
  const shm = rep.by_mapping!.find((r) => r.kind === 'shmem')!;
  assert.equal(shm.name, '/dev/zero (deleted)');
  assert.equal(rep.by_mapping!.filter((r) => r.kind === '[stack]').length, 1, 'the stack found by the thread\'s stack pointer');
  assert.equal(rep.by_process!.length, 1);
  assert.equal(rep.by_process![0].comm, 'elf-fill');
  assert.equal(rep.by_process![0].pages, rep.pages.total);
  assert.equal(rep.by_process![0].mappings, want.size);
});

test('--by on inputs without processes: one row per input, a warning says why; bad levels are usage errors', () => {
  const raw = path.join(ROOT, 'fixtures', 'sample-python.raw');
  const rep = analyzeBy('process', raw, GCORE);
  assert.ok(rep.warnings.some((w) => w.code === 'no_processes' && w.message.includes('sample-python.raw')));
  const rawRow = rep.by_process!.find((r) => r.input === 0)!;
  assert.equal(rawRow.pid, null);
  assert.equal(rawRow.pages, rep.inputs[0].pages);
  assert.equal(rawRow.zero_pages, rep.inputs[0].zero_pages);
  const bad = runCli(['analyze', '--by', 'thread', raw]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^zswap-dedup: --by: unknown level 'thread'/);
  const overTime = runCli(['analyze', '--by', 'process', '--reclaim', 'all', FORK_TRACE]);
  assert.equal(overTime.status, 2);
  assert.match(overTime.stderr, /^zswap-dedup: --by applies to the snapshot report/);
  const csv = runCli(['analyze', '-c', 'lz4', '-f', 'csv', '--no-progress', '--by', 'process', raw, GCORE]);
  const lines = csv.stdout.trim().split('\n');
  assert.match(lines[0], /^level,input,pid,comm,kind,name,start,perms,mappings,pages,/);
  assert.equal(lines.length, 3);
});
