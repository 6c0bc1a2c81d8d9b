/**
 * Process cores: a real gdb gcore (fixtures/elf/gcore-fill.core, scripts/make-gcore-fixture.sh)
 * read to the figures that readelf/eu-readelf and the process's own /proc/PID/maps give
 * (fixtures/elf/gcore-fill.expected.json), and to the pages the process wrote.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalyzeReport } from '../src/report/report.js';
import { openSource } from '../src/sources/open-source.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

const CORE = path.join(ROOT, 'fixtures/elf/gcore-fill.core');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures/elf/gcore-fill.expected.json'), 'utf8'));
const fill = EXPECTED.fill as Record<string, number>;
const fromReadelf = EXPECTED.expected.pages_from_readelf as Record<string, number>;

interface Scan {
  pages: number;
  tags: Map<string, number>;
  uniqueIndexes: Set<number>;
  zero: number;
  flags: Map<number, number>;
  info: Record<string, unknown>;
  totalPages: number | null;
}

function scan(allPages: boolean): Scan {
  const src = openSource(CORE, 'auto', { allPages });
  const batch = new PageBatch();
  const s: Scan = { pages: 0, tags: new Map(), uniqueIndexes: new Set(), zero: 0, flags: new Map(), info: src.info, totalPages: src.totalPages };
  const again = Buffer.alloc(4096);
  try {
    for (let n = src.read(batch); n > 0; n = src.read(batch)) {
      for (let i = 0; i < n; i++) {
        const page = batch.content.subarray(i * 4096, (i + 1) * 4096);
        const tag = page.toString('latin1', 0, 4);
        s.tags.set(tag, (s.tags.get(tag) ?? 0) + 1);
        if (tag === 'ZSDA') s.uniqueIndexes.add(page.readUInt32LE(4));
        if (page.every((b) => b === 0)) s.zero++;
        s.flags.set(batch.flags[i], (s.flags.get(batch.flags[i]) ?? 0) + 1);
        // readPage finds every delivered page again
        src.readPage(s.pages + i, again, 0);
        assert.ok(again.equals(page), `readPage(${s.pages + i})`);
      }
      s.pages += n;
    }
  } finally {
    src.close();
  }
  return s;
}

test('gcore: detected as a process core from its notes; anonymous and shmem pages as readelf and /proc/PID/maps count them', () => {
  const s = scan(false);
  assert.equal(s.info.kind, 'process core');
  assert.match(String(s.info.detected_by), /NT_FILE/);
  assert.equal(s.info.command, 'elf-fill');
  const pages = s.info.pages as Record<string, number>;
  assert.equal(pages.anonymous, fromReadelf.anonymous, 'anonymous pages: readelf figure');
  assert.equal(pages.anonymous, EXPECTED.expected.anonymous_pages_from_proc_maps, 'anonymous pages: /proc/PID/maps figure');
  assert.equal(pages.shmem, fromReadelf.shmem);
  assert.equal(pages.file_backed, fromReadelf.file_backed);
  assert.equal(pages.vdso_vsyscall, fromReadelf.vdso_vsyscall);
  assert.equal(s.pages, fromReadelf.anonymous + fromReadelf.shmem);
  assert.equal(s.totalPages, s.pages);
  assert.equal(s.flags.get(PAGE_FLAG.ANON | PAGE_FLAG.SWAPBACKED), fromReadelf.anonymous);
});

test('gcore: the pages the process wrote are all there, each exactly once', () => {
  const s = scan(false);
  assert.equal(s.tags.get('ZSDA'), fill.FILL_UNIQUE);
  assert.equal(s.uniqueIndexes.size, fill.FILL_UNIQUE);
  assert.equal(s.tags.get('ZSDD'), fill.FILL_DUP);
  assert.equal(s.tags.get('ZSDS'), fill.FILL_SHMEM);
  // written-then-cleared and never-touched pages of the fill mapping read as zeros (the rest of
  // the zero pages are unused heap, stack and bss)
  assert.ok(s.zero >= fill.FILL_ZERO + fill.FILL_UNTOUCHED, `${s.zero} zero pages`);
});

test('gcore with --all-pages: every dumped page, file-backed and vDSO included', () => {
  const s = scan(true);
  assert.equal(s.pages, EXPECTED.expected.all_dumped_pages_from_readelf);
  assert.equal(s.tags.get('ZSDA'), fill.FILL_UNIQUE);
});

test('gcore through the CLI: the report counts the delivered pages and the duplicates the process made', () => {
  const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', CORE]);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as AnalyzeReport;
  assert.equal(rep.inputs[0].format, 'elf-core');
  assert.equal(rep.inputs[0].pages, fromReadelf.anonymous + fromReadelf.shmem);
  const dedup = rep.results.find((x) => x.dedup)!;
  // the FILL_DUP identical pages share one object: at least FILL_DUP - 1 duplicates
  assert.ok((dedup.duplicate_pages ?? 0) >= fill.FILL_DUP - 1, `duplicates ${dedup.duplicate_pages}`);
});
