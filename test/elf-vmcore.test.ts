/**
 * ELF vmcores: a real QEMU guest dump (fixtures/elf/vmcore-fill.elf, Linux 6.12, filtered by
 * makedumpfile -E, scripts/make-elf-vmcore-fixture.sh) read to the figures drgn gave with the
 * guest's DWARF debug info (fixtures/elf/vmcore-fill.expected.json): the class of every page
 * frame, and exactly drgn's anonymous and shmem frames delivered by default, holding the pages
 * the guest's init wrote.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openElf } from '../src/sources/elf/elf-reader.js';
import { VmcoreSource } from '../src/sources/elf/vmcore-source.js';
import { InputFile } from '../src/sources/input-file.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const VMCORE = path.join(ROOT, 'fixtures/elf/vmcore-fill.elf');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures/elf/vmcore-fill.expected.json'), 'utf8'));
const fill = EXPECTED.fill as Record<string, number>;
const drgn = EXPECTED.drgn as { pages_in_file: Record<string, number>; pages_absent: Record<string, number>; ksm: number };

function openVmcore(allPages = false): VmcoreSource {
  const s = openElf(InputFile.open(VMCORE), { allPages });
  assert.ok(s instanceof VmcoreSource);
  return s;
}

function drain(src: VmcoreSource) {
  const b = new PageBatch();
  const out = { pfns: [] as number[], tags: new Map<string, number>(), uniq: new Set<number>(), flagsByTag: new Map<string, Set<number>>() };
  for (let n = src.read(b); n > 0; n = src.read(b)) {
    for (let i = 0; i < n; i++) {
      out.pfns.push(b.pfn[i]);
      const tag = b.content.toString('latin1', i * 4096, i * 4096 + 4);
      out.tags.set(tag, (out.tags.get(tag) ?? 0) + 1);
      if (tag === 'ZSDA') out.uniq.add(b.content.readUInt32LE(i * 4096 + 4));
      if (!out.flagsByTag.has(tag)) out.flagsByTag.set(tag, new Set());
      out.flagsByTag.get(tag)!.add(b.flags[i]);
    }
  }
  return out;
}

test('vmcore fixture: detected by its VMCOREINFO note; pages in and not in the file as the program headers say', () => {
  const src = openVmcore();
  assert.equal(src.info.kind, 'kernel vmcore');
  assert.equal(src.info.detected_by, 'VMCOREINFO note');
  assert.equal(src.info.kernel_release, EXPECTED.guest.kernel);
  const pages = src.info.pages as Record<string, number>;
  assert.equal(pages.in_file, EXPECTED.fixture_pt_load.pages_in_file);
  assert.equal(pages.not_in_file, EXPECTED.fixture_pt_load.pages_not_in_file);
  assert.equal(src.info.warning, undefined);
  src.close();
});

test('vmcore fixture: every page frame classified as drgn classifies it (DWARF, free lists), class by class', () => {
  const src = openVmcore();
  drain(src);
  const c = src.info.classification as { classified: boolean; pages: Record<string, number>; absent_pages: Record<string, number>; anonymous_detail: { ksm: number } };
  assert.equal(c.classified, true);
  const ours: Record<string, number> = {};
  const theirs: Record<string, number> = {};
  for (const k of Object.keys(drgn.pages_in_file)) {
    ours[k] = c.pages[k] + c.absent_pages[k];
    theirs[k] = drgn.pages_in_file[k] + drgn.pages_absent[k];
  }
  assert.deepEqual(ours, theirs);
  assert.equal(c.anonymous_detail.ksm, drgn.ksm);
  src.close();
});

test('vmcore fixture: by default exactly the anonymous and shmem frames drgn found are delivered, with what the guest wrote', () => {
  const src = openVmcore();
  const d = drain(src);
  const expected = [...EXPECTED.drgn_anonymous_pfns, ...EXPECTED.drgn_shmem_pfns].sort((a: number, b: number) => a - b);
  assert.deepEqual([...d.pfns].sort((a, b) => a - b), expected);
  assert.equal(d.tags.get('ZSDA'), fill.FILL_UNIQUE);
  assert.equal(d.uniq.size, fill.FILL_UNIQUE);
  assert.equal(d.tags.get('ZSDD'), fill.FILL_DUP);
  assert.equal(d.tags.get('ZSDS'), fill.FILL_SHMEM);
  for (const f of d.flagsByTag.get('ZSDA')!) assert.ok(f & PAGE_FLAG.ANON, `anonymous page flags ${f}`);
  for (const f of d.flagsByTag.get('ZSDS')!) assert.ok(f & PAGE_FLAG.SHMEM, `shmem page flags ${f}`);
  // readPhys reaches the same frames by physical address
  const anonPfn = EXPECTED.drgn_anonymous_pfns[0] as number;
  const buf = Buffer.alloc(4096);
  assert.equal(src.readPhys(anonPfn * 4096, buf, 0, 4096), true);
  src.close();
});

test('vmcore fixture with --all-pages: every page in the file is delivered', () => {
  const src = openVmcore(true);
  const d = drain(src);
  assert.equal(d.pfns.length, EXPECTED.fixture_pt_load.pages_in_file);
  assert.equal(src.totalPages, d.pfns.length);
  src.close();
});

test('vmcore fixture through the CLI: report with the breakdown, no warning', () => {
  const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', VMCORE]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.inputs[0].format, 'elf-vmcore');
  assert.equal(rep.inputs[0].pages, EXPECTED.drgn_anonymous_pfns.length + EXPECTED.drgn_shmem_pfns.length);
  assert.equal(rep.inputs[0].info.classification.classified, true);
});

test('vmcore whose VMCOREINFO lacks struct page facts: every page analyzed, one warning line on stderr', () => {
  const dir = tmpDir();
  const data = fs.readFileSync(VMCORE);
  const at = data.indexOf('SIZE(page)=');
  assert.ok(at > 0);
  data.write('SIZE(pag_)=', at, 'latin1');
  const p = path.join(dir, 'no-size-page.elf');
  fs.writeFileSync(p, data);
  const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', p]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /warning: pages cannot be classified \(VMCOREINFO lacks SIZE\(page\)\); analyzing all pages/);
  assert.equal(JSON.parse(r.stdout).inputs[0].pages, EXPECTED.fixture_pt_load.pages_in_file);
});
