/**
 * The kdump fixtures made by the real tools (fixtures/kdump/README.md) against figures established
 * without our reader (expected.json: from QEMU's ELF dumps of the same memory) and against the
 * guest workload's formula.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { KdumpSource } from '../src/sources/kdump/kdump-reader.js';
import { FlattenedFile } from '../src/sources/kdump/flattened-reader.js';
import { InputFile } from '../src/sources/input-file.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';
import { runCli } from './helpers/cli.js';
import { fixturePath, flatten, loadExpected, readDump, workloadContent } from './helpers/kdump-fixtures.js';
import { randomBytes } from './helpers/random.js';
import { tmpDir } from './helpers/tmp.js';

const expected = loadExpected();
const LINUX = ['linux-none.kd', 'linux-zlib.kd', 'linux-lzo.kd', 'linux-snappy.kd', 'linux-zstd.kd'];
const CLASSIFY = 'linux-classify.kd';
const dir = tmpDir();

for (const [name, x] of Object.entries(expected.fixtures)) {
  test(`${name}: pages, PFNs, contents and header figures as expected (${x.made_by})`, () => {
    const workloadPfns = Object.keys(x.workload_pages).map(Number);
    const r = readDump(fixturePath(name), { keepPfns: workloadPfns, keepAll: true });
    try {
      const info = r.source.info as Record<string, any>;
      assert.equal(r.source.format, x.format);
      assert.equal(r.pages, x.pages);
      assert.equal(r.source.totalPages, x.pages);
      assert.equal(r.pfns[0], x.first_pfn);
      assert.equal(r.pfns.at(-1), x.last_pfn);
      for (let i = 1; i < r.pfns.length; i++) assert.ok(r.pfns[i] > r.pfns[i - 1], 'PFN order');
      assert.equal(r.digest, x.digest_sha256, 'pages equal the ELF dump at the same PFNs');
      assert.equal(r.zeroPages, x.zero_pages);
      // how the pages were stored
      const pages = info.pages as Record<string, number>;
      for (const k of ['zero', 'uncompressed', 'zlib', 'lzo', 'snappy', 'zstd'] as const) assert.equal(pages[k], x.stored[k], k);
      assert.equal(pages.lost, 0);
      assert.equal(pages.filtered, 0);
      assert.equal(info.max_pfn, x.max_pfn);
      assert.equal(info.ram_pages, x.ram_pages);
      assert.equal(info.dumped_pages, x.dumped_pages);
      assert.equal(info.pages_in_file, x.pages);
      assert.deepEqual(info.split ? [info.split.start_pfn, info.split.end_pfn] : null, x.split);
      assert.equal(info.vmcoreinfo_keys, x.vmcoreinfo_keys);
      assert.equal(info.osrelease, x.osrelease ?? undefined);
      assert.equal(info.kernel_release, x.kernel_release || x.osrelease || null);
      if (x.flattened) assert.deepEqual(info.flattened, x.flattened);
      // the workload's pages, rebuilt from the formula
      assert.deepEqual(Object.keys(x.workload_pages).sort(), Object.keys(name.startsWith('linux') ? expected.workload : {}).sort());
      for (const [pfn, c] of Object.entries(x.workload_pages)) {
        assert.ok(r.kept.get(Number(pfn))?.equals(workloadContent(c)), `workload page at PFN ${pfn} (content ${c})`);
      }
      // readPage() gives back every delivered page
      const again = Buffer.alloc(PAGE_SIZE + 8);
      for (let o = r.pages - 1; o >= 0; o -= o % 3 === 0 ? 1 : 2) {
        r.source.readPage(o, again, 8);
        assert.ok(again.subarray(8).equals(r.all[o]), `readPage(${o})`);
      }
    } finally {
      r.source.close();
    }
  });
}

test('all five compressions of the Linux part hold identical pages', () => {
  const digests = LINUX.map((f) => readDumpClosed(f).digest);
  assert.equal(new Set(digests).size, 1);
  assert.equal(LINUX.length, 5);
});

function readDumpClosed(name: string) {
  const r = readDump(fixturePath(name));
  r.source.close();
  return r;
}

test('QEMU flattened file equals its makedumpfile -R rearrangement', () => {
  const flat = readDump(fixturePath('qemu-bios-zlib.flat'), { keepAll: true });
  const kd = readDump(fixturePath('qemu-bios-zlib.kd'), { keepAll: true });
  try {
    assert.equal(flat.digest, kd.digest);
    assert.deepEqual(flat.pfns, kd.pfns);
    const { flattened, ...flatInfo } = flat.source.info;
    assert.ok(flattened);
    assert.deepEqual(flatInfo, kd.source.info);
    // and byte for byte: the reassembled file is the -R output
    const f = new FlattenedFile(InputFile.open(fixturePath('qemu-bios-zlib.flat')));
    const whole = Buffer.alloc(f.size);
    f.readExactly(whole, 0, f.size, 0);
    f.close();
    assert.ok(whole.equals(fs.readFileSync(fixturePath('qemu-bios-zlib.kd'))));
  } finally {
    flat.source.close();
    kd.source.close();
  }
});

test('readPhys: workload pages by physical address, holes and excluded pages refused, VMCOREINFO map', () => {
  const x = expected.fixtures['linux-lzo.kd'];
  const src = new KdumpSource(InputFile.open(fixturePath('linux-lzo.kd')), { allPages: true });
  try {
    assert.equal(src.maxPfn, x.max_pfn);
    assert.equal(src.vmcoreinfo?.get('OSRELEASE'), expected.guest_release);
    assert.equal(src.vmcoreinfo?.get('PAGESIZE'), '4096');
    const page = Buffer.alloc(PAGE_SIZE);
    for (const [pfn, c] of Object.entries(x.workload_pages)) {
      assert.ok(src.readPhys(Number(pfn) * PAGE_SIZE, page, 0, PAGE_SIZE));
      assert.ok(page.equals(workloadContent(c)), `PFN ${pfn}`);
    }
    // a read across two consecutive workload pages, unaligned
    const pfns = Object.keys(x.workload_pages).map(Number).sort((a, b) => a - b);
    const p = pfns.find((q) => x.workload_pages[String(q + 1)] !== undefined)!;
    const two = Buffer.alloc(100);
    assert.ok(src.readPhys(p * PAGE_SIZE + PAGE_SIZE - 50, two, 0, 100));
    assert.ok(two.subarray(0, 50).equals(workloadContent(x.workload_pages[String(p)]).subarray(PAGE_SIZE - 50)));
    assert.ok(two.subarray(50).equals(workloadContent(x.workload_pages[String(p + 1)]).subarray(0, 50)));
    // outside this split part, beyond the end, negative
    assert.equal(src.readPhys(0, page, 0, 8), false);
    assert.equal(src.readPhys(x.max_pfn * PAGE_SIZE, page, 0, 8), false);
    assert.equal(src.readPhys(-4096, page, 0, 8), false);
    // an excluded page inside the split range: a PFN between first and last not delivered
    const delivered = new Set(readDumpClosed('linux-lzo.kd').pfns);
    const excluded = Array.from({ length: x.split![1] - x.split![0] }, (_, i) => x.split![0] + i).find((q) => !delivered.has(q));
    if (excluded !== undefined) assert.equal(src.readPhys(excluded * PAGE_SIZE, page, 0, 8), false);
  } finally {
    src.close();
  }
  // a hole (between the 2 MiB of RAM and the BIOS ROM at the top of 4 GiB), through the flattened file
  const bios = new KdumpSource(new FlattenedFile(InputFile.open(fixturePath('qemu-bios-zlib.flat'))), { allPages: true });
  try {
    const page = Buffer.alloc(PAGE_SIZE);
    assert.equal(bios.vmcoreinfo, null);
    assert.equal(bios.readPhys(600 * PAGE_SIZE, page, 0, 16), false);
    assert.equal(bios.readPhys(511 * PAGE_SIZE, page, 0, PAGE_SIZE + 1), false, 'a read running into the hole');
    assert.ok(bios.readPhys(0xfffff000, page, 0, PAGE_SIZE));
    const biosPages = readDump(fixturePath('qemu-bios-zlib.kd'), { keepPfns: [0xfffff] });
    biosPages.source.close();
    assert.ok(page.equals(biosPages.kept.get(0xfffff)!), 'the last ROM page');
  } finally {
    bios.close();
  }
});

test('a flattened file cut into many small pieces in shuffled order equals its kdump file', () => {
  const kd = fs.readFileSync(fixturePath('linux-zlib.kd'));
  // pieces of 1..9000 bytes, written in a shuffled order, one gap left unwritten (reads as zeros)
  const pieces: [number, number][] = [];
  const rnd = randomBytes(4096, 77);
  let k = 0;
  for (let at = 0; at < kd.length; ) {
    const len = Math.min(kd.length - at, 1 + ((rnd[k % 4096] << 8) | rnd[(k + 1) % 4096]) % 9000);
    pieces.push([at, len]);
    at += len;
    k += 2;
  }
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = ((rnd[(3 * i) % 4096] << 8) | rnd[(3 * i + 1) % 4096]) % (i + 1);
    [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
  }
  const file = path.join(dir, 'shuffled.flat');
  fs.writeFileSync(file, flatten(kd, pieces));
  const a = readDumpClosed('linux-zlib.kd');
  const b = readDump(file);
  b.source.close();
  assert.equal(b.source.format, 'flattened-kdump');
  assert.equal(b.digest, a.digest);
  assert.equal((b.source.info.flattened as { pieces: number }).pieces, pieces.length);
});

test('the CLI analyzes every fixture with --all-pages (exit 0, pages and zero pages as expected)', () => {
  for (const [name, x] of Object.entries(expected.fixtures)) {
    const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', '--threads', '1', '--all-pages', fixturePath(name)]);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.inputs[0].format, x.format);
    assert.equal(rep.inputs[0].pages, x.pages);
    assert.equal(rep.inputs[0].zero_pages, x.zero_pages);
  }
});

test('page classification through the kdump reader: only the workload (anonymous) pages are delivered by default', () => {
  const x = expected.fixtures[CLASSIFY];
  const workload = Object.keys(x.workload_pages).map(Number).sort((a, b) => a - b);
  assert.equal(workload.length, 96);
  const src = new KdumpSource(InputFile.open(fixturePath(CLASSIFY)), { allPages: false, warn: () => assert.fail('no warning expected') });
  try {
    const batch = new PageBatch(40);
    const pfns: number[] = [];
    const pages: Buffer[] = [];
    for (let n = src.read(batch); n > 0; n = src.read(batch)) {
      for (let i = 0; i < n; i++) {
        pfns.push(batch.pfn[i]);
        assert.ok(batch.flags[i] & PAGE_FLAG.ANON, `PFN ${batch.pfn[i]} delivered as anonymous`);
        pages.push(Buffer.from(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)));
      }
    }
    // by construction the file holds the 96 workload pages and kernel metadata only
    assert.deepEqual(pfns, workload);
    pfns.forEach((p, i) => assert.ok(pages[i].equals(workloadContent(x.workload_pages[String(p)])), `PFN ${p}`));
    const info = src.info as Record<string, any>;
    assert.equal(src.totalPages, null);
    assert.equal(info.classification.classified, true);
    assert.equal(info.classification.pages.anonymous, 96);
    assert.equal(info.classification.delivered_pages, 96);
    assert.equal(info.pages.filtered, x.pages - 96);
    // every RAM page the file does not hold is counted by class, once
    const absent = Object.values(info.classification.absent_pages as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(absent, x.ram_pages - x.dumped_pages);
    // re-reading delivered pages: their descriptors are not consecutive
    const again = Buffer.alloc(PAGE_SIZE);
    for (let o = pages.length - 1; o >= 0; o--) {
      src.readPage(o, again, 0);
      assert.ok(again.equals(pages[o]), `readPage(${o})`);
    }
  } finally {
    src.close();
  }
  const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', '--threads', '1', fixturePath(CLASSIFY)]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(JSON.parse(r.stdout).inputs[0].pages, 96);
});

test('a split part lacks the kernel metadata: every page is delivered, with one warning line', () => {
  const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', '--threads', '1', fixturePath('linux-zlib.kd')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /linux-zlib\.kd: warning: pages cannot be classified/);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.inputs[0].pages, expected.fixtures['linux-zlib.kd'].pages);
  assert.equal(rep.inputs[0].info.classification.classified, false);
});
