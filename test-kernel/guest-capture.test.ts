/**
 * Capture inside a Linux 6.12 guest, and dumps of the same guest, against a known page set.
 *
 * One guest (stock kernel, QEMU TCG, 128 MiB, no swap) with the host root shared read-only:
 * zswap-fill holds the "edge" page set (517 pages: boundary, zero, one-byte, same-filled and
 * duplicated random pages) in anonymous memory, and
 *
 *  1. `zswap-dedup capture -p <zswap-fill>` runs *in the guest* (the host's node, chrooted into
 *     the host root with the guest's own /proc, /sys, /dev and /tmp), as root, with /proc/kcore:
 *     the capture's pages inside the workload's region equal the page set exactly, page by page
 *     at their virtual addresses (so as a content multiset too; zero pages are real anonymous
 *     pages and are captured, zero-filled), the summary says contents came from /proc/kcore, and
 *     every captured page read again from /proc/kcore at its PFN equals the captured bytes
 *     (kernel/guest/kcore-check.mjs);
 *  2. while the workload still holds its pages, QEMU dumps the guest (QMP dump-guest-memory,
 *     `elf` and `kdump-zlib` with -device vmcoreinfo): read through the project's readers with the
 *     default options (anonymous and shmem pages), each dump's pages contain the page set as a
 *     content multiset, every region page is delivered at the PFN the capture recorded with the
 *     captured content, classification and VMCOREINFO (6.12) are there, and the CLI's
 *     `analyze -f json` reads the capture and both dumps.
 *
 * A missing kernel is built (kernel/build-kernel.sh); a failed build, boot, capture or dump fails
 * the test with the console tail. Nothing is skipped. About 20 s with the kernel cached.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_FLAG } from '../src/sources/page-batch.js';
import { ensureInitramfs, ensureKernel, REPO_ROOT, tail } from './lib/guest.js';
import {
  captureAndDumpInGuest,
  containedPages,
  multisetOf,
  multisetsEqual,
  pageSetHashes,
  readDeliveredPages,
  type DeliveredPages,
  type GuestCapture,
} from './lib/guest-capture.js';
import { edgeSet, loadCorpus, PAGE, type PageSet } from './lib/pagesets.js';

let kernel = '';
let initrd = '';
let dir = '';
before(async () => {
  kernel = await ensureKernel();
  initrd = await ensureInitramfs();
  dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-capture-'));
});
after(() => {
  // the dumps (an ELF dump is the guest's whole memory) go with the directory
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface AnalyzeInput {
  path: string;
  format: string;
  pages: number;
  zero_pages: number;
  info: Record<string, unknown>;
}

function analyzeJson(files: string[]): { inputs: AnalyzeInput[]; ms: number } {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'zswap-dedup'), 'analyze', '-f', 'json', '--no-progress', '-c', 'lzo', ...files],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  if (r.status !== 0) throw new Error(`zswap-dedup analyze failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return { inputs: (JSON.parse(r.stdout) as { inputs: AnalyzeInput[] }).inputs, ms: Date.now() - started };
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  ')).join('\n');
}

it('capture in a 6.12 guest (/proc/kcore) equals the page set; its QEMU dumps (ELF, kdump-zlib) hold it', async () => {
  const set: PageSet = edgeSet(loadCorpus());
  const setHashes = pageSetHashes(set);
  const setMultiset = multisetOf(setHashes);
  const setZero = (() => {
    let n = 0;
    for (let i = 0; i < set.pages; i++) if (set.data.subarray(i * PAGE, (i + 1) * PAGE).every((b) => b === 0)) n++;
    return n;
  })();

  const g: GuestCapture = await captureAndDumpInGuest({ kernel, initrd, set, dir });
  const consoleTail = `\n--- last console lines ---\n${tail(g.job.console, 60)}`;
  assert.equal(g.pages, set.pages, 'zswap-fill mapped the whole page set');
  assert.deepEqual(Object.fromEntries(g.afterDump), { present: set.pages, swapped: 0, none: 0 }, 'the region stayed resident through capture and dumps');

  // --- the capture, read through the project's CaptureSource (openSource detects it) ---
  const captured = readDeliveredPages(g.capturePath);
  assert.equal(captured.format, 'capture');
  const meta = captured.info as { content_from?: string; pfn?: boolean; kernel_release?: string; summary?: Record<string, unknown> };
  const summary = meta.summary as {
    content_from: string;
    pfn: boolean;
    pages: number;
    processes: { pid: number; comm: string; present: number; captured: number; swapped: number; unreadable: number; exited: boolean; shmem_excluded: number; file_excluded: number }[];
  };
  assert.ok(summary, `the capture has no summary record${consoleTail}`);
  assert.equal(summary.content_from, 'kcore', `capture summary: contents from ${summary.content_from}, not /proc/kcore\n${g.captureStderr}`);
  assert.equal(meta.content_from, 'kcore', 'capture header: content_from');
  assert.match(g.captureStderr, /contents from \/proc\/kcore/, 'the CLI says /proc/kcore on stderr');
  assert.equal(summary.pfn, true, 'PFNs read (CAP_SYS_ADMIN in the guest)');
  assert.match(meta.kernel_release ?? '', /^6\.12\./, 'captured inside the 6.12 guest, not on the host');
  assert.equal(summary.processes.length, 1);
  const proc = summary.processes[0];
  assert.equal(proc.pid, g.pid);
  assert.equal(proc.exited, false);
  assert.equal(proc.swapped, 0, 'nothing of the workload swapped');
  assert.equal(proc.unreadable, 0, 'every present page readable');
  assert.equal(summary.pages, captured.pages.length, 'summary pages = page records');

  const regionEnd = g.region + set.pages * PAGE;
  const region = captured.pages.filter((p) => p.vaddr >= g.region && p.vaddr < regionEnd);
  const byOffset = new Map<number, (typeof region)[number]>();
  for (const p of region) {
    const i = (p.vaddr - g.region) / PAGE;
    assert.ok(Number.isInteger(i) && !byOffset.has(i), `region page at 0x${p.vaddr.toString(16)} captured twice or unaligned`);
    byOffset.set(i, p);
  }
  const mismatched: string[] = [];
  for (let i = 0; i < set.pages; i++) {
    const p = byOffset.get(i);
    if (!p) mismatched.push(`page ${i} (0x${(g.region + i * PAGE).toString(16)}) not captured`);
    else if (p.hash !== setHashes[i]) mismatched.push(`page ${i} (0x${p.vaddr.toString(16)}, PFN ${p.pfn}) differs from the page set`);
  }
  assert.deepEqual(mismatched.slice(0, 20), [], `${mismatched.length} of ${set.pages} region pages are not the page set's${consoleTail}`);
  assert.equal(region.length, set.pages, 'region pages captured = page set');
  const regionMultiset = multisetOf(region.map((p) => p.hash));
  assert.ok(multisetsEqual(regionMultiset, setMultiset), 'region content multiset = page set multiset');
  assert.ok(region.every((p) => p.pfn >= 0 && (p.flags & PAGE_FLAG.ANON) !== 0), 'region pages: anonymous, with PFNs');
  const regionZero = region.filter((p) => p.zero).length;
  assert.equal(regionZero, setZero, 'zero pages of the set captured as zero-filled anonymous pages');
  assert.equal(new Set(region.map((p) => p.pfn)).size, set.pages, 'one physical page per region page');

  // every captured page again from /proc/kcore, in the guest
  const k = (key: string): number => Number(g.kcore.get(key));
  assert.equal(g.kcore.get('content_from'), 'kcore');
  assert.equal(k('pages'), captured.pages.length, 'kcore-check read the whole capture');
  assert.deepEqual(
    { no_pfn: k('no_pfn'), kcore_unreadable: k('kcore_unreadable'), kcore_differs: k('kcore_differs'), kcore_equal: k('kcore_equal') },
    { no_pfn: 0, kcore_unreadable: 0, kcore_differs: 0, kcore_equal: captured.pages.length },
    'every captured page equals /proc/kcore at its PFN',
  );

  // --- the dumps ---
  assert.deepEqual(g.dumps.map((d) => d.format), ['elf', 'kdump-zlib']);
  const regionByPfn = new Map(region.map((p) => [p.pfn, p]));
  const dumpResults: { name: string; d: DeliveredPages; found: number; atPfn: number; anonFlagged: number }[] = [];
  for (const dump of g.dumps) {
    const d = readDeliveredPages(dump.path);
    const name = dump.format;
    const cls = d.info.classification as { classified?: boolean; kernel_release?: string; pages?: Record<string, number>; delivered_pages?: number } | undefined;
    assert.ok(cls?.classified, `${name}: pages classified (VMCOREINFO describes the memory map): ${JSON.stringify(d.info).slice(0, 800)}`);
    assert.match(cls?.kernel_release ?? '', /^6\.12\./, `${name}: VMCOREINFO OSRELEASE`);
    assert.equal(cls?.delivered_pages, d.pages.length, `${name}: delivered pages counted`);
    assert.ok((cls?.pages?.anonymous ?? 0) >= captured.pages.length, `${name}: at least the captured pages are anonymous`);
    if (name === 'elf') {
      assert.equal(d.format, 'elf-vmcore');
      assert.equal(d.info.detected_by, 'VMCOREINFO note');
    } else {
      assert.equal(d.format, 'flattened-kdump', 'QEMU 7.2 writes kdump-zlib as a flattened stream');
      assert.equal(d.info.compression, 'zlib');
      assert.ok(Number(d.info.vmcoreinfo_keys) > 0, `${name}: VMCOREINFO in the kdump sub-header`);
    }
    const found = containedPages(setMultiset, multisetOf(d.pages.map((p) => p.hash)));
    const dumpByPfn = new Map(d.pages.map((p) => [p.pfn, p]));
    let atPfn = 0;
    let anonFlagged = 0;
    const off: string[] = [];
    for (const [pfn, p] of regionByPfn) {
      const q = dumpByPfn.get(pfn);
      if (q && q.hash === p.hash) atPfn++;
      else off.push(`PFN ${pfn}: ${q ? 'other content' : 'not delivered'}`);
      if (q && (q.flags & PAGE_FLAG.ANON) !== 0) anonFlagged++;
    }
    dumpResults.push({ name, d, found, atPfn, anonFlagged });
    assert.equal(found, set.pages, `${name}: ${set.pages - found} pages of the page set are missing among the ${d.pages.length} delivered pages`);
    assert.deepEqual(off.slice(0, 20), [], `${name}: ${off.length} region pages not at the capture's PFN with its content`);
    assert.equal(anonFlagged, set.pages, `${name}: region pages classified anonymous`);
  }

  // the CLI on all three, as a user would run it
  const cli = analyzeJson([g.capturePath, ...g.dumps.map((d) => d.path)]);
  assert.deepEqual(cli.inputs.map((i) => i.format), ['capture', 'elf-vmcore', 'flattened-kdump']);
  assert.deepEqual(cli.inputs.map((i) => i.pages), [captured.pages.length, ...dumpResults.map((r) => r.d.pages.length)], 'CLI pages per input = pages read in-process');

  const [elf, kdz] = dumpResults;
  const zeroOf = (d: DeliveredPages): string => String(d.pages.filter((p) => p.zero).length);
  const t = (s: string): string => `${(g.timings.get(s) ?? NaN).toFixed(1)} s`;
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  console.log(
    `guest capture and dumps: ${set.name} set (${set.pages} pages), 128 MiB guest, zswap-fill pid ${g.pid}, region 0x${g.region.toString(16)}, ` +
      `kernel ${meta.kernel_release}, guest run ${(g.job.durationMs / 1000).toFixed(1)} s\n` +
      table([
        ['', 'page set', 'capture', 'ELF dump', 'kdump-zlib'],
        ['pages delivered', String(set.pages), String(captured.pages.length), String(elf.d.pages.length), String(kdz.d.pages.length)],
        ['  zero-filled', String(setZero), String(captured.pages.filter((p) => p.zero).length), zeroOf(elf.d), zeroOf(kdz.d)],
        ['page set found (multiset)', String(set.pages), String(containedPages(setMultiset, regionMultiset)), String(elf.found), String(kdz.found)],
        ['region pages (by address)', String(set.pages), String(region.length), '-', '-'],
        ['  equal to the set', String(set.pages), String(set.pages - mismatched.length), '-', '-'],
        ['  zero-filled', String(setZero), String(regionZero), '-', '-'],
        ["at the capture's PFN", '-', String(region.length), String(elf.atPfn), String(kdz.atPfn)],
        ['  classified anonymous', '-', String(region.filter((p) => p.flags & PAGE_FLAG.ANON).length), String(elf.anonFlagged), String(kdz.anonFlagged)],
        ['content source', 'corpus', `${summary.content_from} (${k('kcore_equal')}/${captured.pages.length} = kcore)`, 'QEMU ELF', 'QEMU kdump-zlib'],
        ['file size', mb(set.data.length), mb(g.job.outputs['cap.zsdc'].length), mb(g.dumps[0].bytes), mb(g.dumps[1].bytes)],
        ['time', '-', `capture ${t('capture')}, kcore check ${t('kcore-check')}`, `dump ${g.dumps[0].ms} ms, read ${elf.d.ms} ms`, `dump ${g.dumps[1].ms} ms, read ${kdz.d.ms} ms`],
      ]) +
      `\nworkload (zswap-fill) in the capture: present ${proc.present}, captured ${proc.captured}, shmem left out ${proc.shmem_excluded}, file left out ${proc.file_excluded}; ` +
      `dumps' anonymous pages: ELF ${(elf.d.info.classification as { pages: Record<string, number> }).pages.anonymous}, kdump ${(kdz.d.info.classification as { pages: Record<string, number> }).pages.anonymous}; ` +
      `CLI analyze of the three: ${cli.ms} ms`,
  );
});
