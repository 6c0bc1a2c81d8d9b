/**
 * ELF layouts that real producers make and a reader gets wrong easily, on small cores built byte
 * by byte (test/helpers/elf-build.ts): data not page-aligned in the file, p_filesz < p_memsz,
 * a page straddling p_filesz, segments out of address order, kexec's kernel-text alias,
 * overlaps, NT_FILE ranges, pages not dumped, the vDSO.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../src/util/errors.js';
import { openElf } from '../src/sources/elf/elf-reader.js';
import { VmcoreSource } from '../src/sources/elf/vmcore-source.js';
import { InputFile } from '../src/sources/input-file.js';
import { PAGE_FLAG, PageBatch } from '../src/sources/page-batch.js';
import type { PageSource } from '../src/sources/page-source.js';
import { runCli } from './helpers/cli.js';
import { buildCore, prstatus, taggedPage } from './helpers/elf-build.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
let serial = 0;

function write(buf: Buffer): string {
  const p = path.join(dir, `core-${serial++}`);
  fs.writeFileSync(p, buf);
  return p;
}

function open(p: string, allPages = false): PageSource {
  return openElf(InputFile.open(p), { allPages });
}

function drain(src: PageSource): { pages: Buffer[]; pfns: number[]; flags: number[] } {
  const b = new PageBatch();
  const out = { pages: [] as Buffer[], pfns: [] as number[], flags: [] as number[] };
  for (let n = src.read(b); n > 0; n = src.read(b)) {
    for (let i = 0; i < n; i++) {
      out.pages.push(Buffer.from(b.content.subarray(i * 4096, (i + 1) * 4096)));
      out.pfns.push(b.pfn[i]);
      out.flags.push(b.flags[i]);
    }
  }
  return out;
}

const QEMU_NOTE = { name: 'QEMU', type: 0, desc: Buffer.alloc(0x1b8) };
const pages = (tag: number, n: number, from = 0) => Buffer.concat(Array.from({ length: n }, (_, i) => taggedPage(tag, from + i)));

test('vmcore: pages in file order with their PFNs, from data that is not page-aligned in the file', () => {
  // segment A (pfn 0x100..) after segment B (pfn 0x10..) in the file; 100 bytes of gap so nothing is aligned
  const p = write(
    buildCore({
      gap: 100,
      notes: [{ name: 'CORE', type: 1, desc: prstatus(0) }, QEMU_NOTE],
      loads: [
        { vaddr: 0n, paddr: 0x100000, data: pages(1, 3) },
        { vaddr: 0n, paddr: 0x10000, data: pages(2, 2) },
      ],
    }),
  );
  const src = open(p);
  assert.ok(src instanceof VmcoreSource);
  assert.equal(src.info.kind, 'kernel vmcore');
  assert.match(String(src.info.warning), /cannot be classified/);
  const d = drain(src);
  assert.deepEqual(d.pfns, [0x100, 0x101, 0x102, 0x10, 0x11]);
  assert.deepEqual(d.pages.map((x) => x.readUInt32LE(4)), [1, 1, 1, 2, 2]);
  assert.deepEqual(d.pages.map((x) => x.readUInt32LE(0)), [0, 1, 2, 0, 1]);
  const again = Buffer.alloc(4096);
  for (let i = 0; i < d.pages.length; i++) {
    src.readPage(i, again, 0);
    assert.ok(again.equals(d.pages[i]), `readPage(${i})`);
  }
  src.close();
});

test('vmcore: p_filesz < p_memsz: the tail is not in the dump (not delivered, read as zeros by readPhys); a page straddling p_filesz is file bytes then zeros', () => {
  const data = Buffer.concat([pages(3, 2), taggedPage(3, 2).subarray(0, 100)]);
  const p = write(buildCore({ gap: 3, notes: [QEMU_NOTE], loads: [{ vaddr: 0n, paddr: 0x200000, data, memsz: 5 * 4096 }] }));
  const src = open(p) as VmcoreSource;
  assert.deepEqual(src.info.pages, { in_file: 3, not_in_file: 2, partial: 0 });
  const d = drain(src);
  assert.deepEqual(d.pfns, [0x200, 0x201, 0x202]);
  assert.equal((src.info.classification as Record<string, number>).absent_pages, 2);
  assert.equal(d.pages[2].readUInt32LE(4), 3);
  assert.ok(d.pages[2].subarray(0, 100).equals(taggedPage(3, 2).subarray(0, 100)));
  assert.ok(d.pages[2].subarray(100).every((b) => b === 0));
  const again = Buffer.alloc(4096, 0xee);
  src.readPage(2, again, 0);
  assert.ok(again.equals(d.pages[2]));
  // PhysicalMemory: across the file/tail boundary, and a hole
  const buf = Buffer.alloc(200);
  assert.equal(src.readPhys(0x200000 + 2 * 4096 + 50, buf, 0, 200), true);
  assert.ok(buf.subarray(0, 50).equals(taggedPage(3, 2).subarray(50, 100)));
  assert.ok(buf.subarray(50).every((b) => b === 0));
  assert.equal(src.readPhys(0x100000, buf, 0, 8), false);
  assert.equal(src.readPhys(0x200000 + 5 * 4096 - 4, buf, 0, 8), false);
  assert.equal(src.maxPfn, 0x205);
  src.close();
});

test('vmcore: physical ranges that meet are read across segments; pages a segment covers only in part are left out', () => {
  const p = write(
    buildCore({
      notes: [QEMU_NOTE],
      loads: [
        { vaddr: 0n, paddr: 0x1000, data: pages(4, 2) },
        { vaddr: 0n, paddr: 0x3000, data: pages(5, 1) },
        { vaddr: 0n, paddr: 0x10800, data: pages(6, 2) }, // starts mid-page: 1 whole page
      ],
    }),
  );
  const src = open(p) as VmcoreSource;
  const buf = Buffer.alloc(16);
  assert.equal(src.readPhys(0x3000 - 8, buf, 0, 16), true);
  assert.equal(buf.readUInt32LE(4), 4);
  assert.equal(buf.readUInt32LE(12), 5);
  const d = drain(src);
  assert.deepEqual(d.pfns, [1, 2, 3, 0x11]);
  assert.equal((src.info.pages as Record<string, number>).partial, 2);
  src.close();
});

test("vmcore: kexec's kernel-text PT_LOAD (an alias of RAM) is not delivered twice", () => {
  const ram = pages(7, 8);
  const p = write(
    buildCore({
      notes: [{ name: 'CORE', type: 1, desc: prstatus(1) }],
      loads: [
        { vaddr: 0xffffffff81000000n, paddr: 0x2000, data: ram.subarray(0x2000, 0x4000) },
        { vaddr: 0xffff888000000000n, paddr: 0, data: ram },
      ],
    }),
  );
  const src = open(p) as VmcoreSource;
  assert.equal(src.info.kernel_text_alias_segments, 1);
  assert.equal(drain(src).pages.length, 8);
  src.close();
});

test('vmcore: overlapping physical ranges are refused, naming the file', () => {
  const p = write(
    buildCore({
      notes: [QEMU_NOTE],
      loads: [
        { vaddr: 0n, paddr: 0, data: pages(1, 4) },
        { vaddr: 0n, paddr: 0x3000, data: pages(1, 4) },
      ],
    }),
  );
  assert.throws(() => open(p), (e: unknown) => e instanceof InputError && e.message.startsWith(p) && /overlap in physical memory/.test(e.message));
});

test('vmcore without classification: the warning is one stderr line at the end of a successful run', () => {
  const p = write(buildCore({ notes: [QEMU_NOTE], loads: [{ vaddr: 0n, paddr: 0, data: pages(1, 4) }] }));
  const r = runCli(['analyze', '-f', 'json', '-c', 'lzo', p]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /warning: pages cannot be classified \(the dump has no VMCOREINFO note\)/);
  assert.ok(lines[0].includes(p));
  assert.equal(JSON.parse(r.stdout).inputs[0].pages, 4);
});

function ntFile(entries: [bigint, bigint, string][]): Buffer {
  const head = Buffer.alloc(16 + 24 * entries.length);
  head.writeBigUInt64LE(BigInt(entries.length), 0);
  head.writeBigUInt64LE(4096n, 8);
  entries.forEach(([s, e], i) => {
    head.writeBigUInt64LE(s, 16 + 24 * i);
    head.writeBigUInt64LE(e, 24 + 24 * i);
  });
  return Buffer.concat([head, ...entries.map(([, , n]) => Buffer.from(n + '\0'))]);
}

function auxv(vdso: bigint): Buffer {
  const b = Buffer.alloc(32);
  b.writeBigUInt64LE(33n, 0);
  b.writeBigUInt64LE(vdso, 8);
  return b;
}

test('process core: NT_FILE ranges left out (shmem ones kept), pages not dumped counted, the vDSO left out', () => {
  const p = write(
    buildCore({
      notes: [
        { name: 'CORE', type: 1, desc: prstatus(42) },
        { name: 'CORE', type: 6, desc: auxv(0x7000000n) },
        { name: 'CORE', type: 0x46494c45, desc: ntFile([[0x400000n, 0x403000n, '/usr/bin/x'], [0x6000000n, 0x6002000n, '/dev/zero (deleted)']]) },
      ],
      loads: [
        { vaddr: 0x400000n, paddr: 0, data: pages(1, 1), memsz: 3 * 4096 }, // ELF header page only
        { vaddr: 0x500000n, paddr: 0, data: pages(2, 4) }, // anonymous (heap)
        { vaddr: 0x6000000n, paddr: 0, data: pages(3, 2) }, // shared anonymous
        { vaddr: 0x7000000n, paddr: 0, data: pages(4, 2) }, // vDSO
        { vaddr: 0x7ff00000n, paddr: 0, data: Buffer.alloc(0), memsz: 8 * 4096 }, // not dumped
      ],
    }),
  );
  const src = open(p);
  assert.equal(src.info.kind, 'process core');
  assert.equal(src.info.pid, 42);
  assert.deepEqual(src.info.pages, { anonymous: 4, shmem: 2, file_backed: 1, vdso_vsyscall: 2, not_dumped: 10, partial: 0 });
  const d = drain(src);
  assert.deepEqual(d.pages.map((x) => x.readUInt32LE(4)), [2, 2, 2, 2, 3, 3]);
  assert.deepEqual(d.flags.slice(0, 4), Array(4).fill(PAGE_FLAG.ANON | PAGE_FLAG.SWAPBACKED));
  assert.ok(d.flags[4] & PAGE_FLAG.SHMEM);
  src.close();
  const all = open(p, true);
  assert.equal(drain(all).pages.length, 9);
  all.close();
});

test('process core: overlapping virtual ranges are refused', () => {
  const p = write(
    buildCore({
      notes: [{ name: 'CORE', type: 3, desc: Buffer.alloc(136) }],
      loads: [
        { vaddr: 0x500000n, paddr: 0, data: pages(2, 4) },
        { vaddr: 0x502000n, paddr: 0, data: pages(2, 4) },
      ],
    }),
  );
  assert.throws(() => open(p), (e: unknown) => e instanceof InputError && /overlap at 0x502000/.test(e.message));
});

test('extended program header numbering (e_phnum = PN_XNUM, the count in section header 0)', () => {
  const core = buildCore({ notes: [QEMU_NOTE], loads: [{ vaddr: 0n, paddr: 0x5000, data: pages(9, 2) }] });
  const sh = Buffer.alloc(64);
  sh.writeUInt32LE(2, 44); // sh_info: 2 program headers
  const file = Buffer.concat([core, sh]);
  file.writeUInt16LE(0xffff, 56);
  file.writeBigUInt64LE(BigInt(core.length), 40);
  file.writeUInt16LE(64, 58);
  file.writeUInt16LE(1, 60);
  const src = open(write(file));
  assert.deepEqual(drain(src).pfns, [5, 6]);
  src.close();
});

test("QEMU 7.2's header layout: e_ehsize 8, a section header before the program headers", () => {
  const core = buildCore({ gap: 128, notes: [QEMU_NOTE], loads: [{ vaddr: 0n, paddr: 0, data: pages(8, 2) }] });
  // move the program headers 128 bytes on (into the gap), leave a section header in their place
  const phnum = core.readUInt16LE(56);
  const notesAt = 64 + 56 * phnum;
  const moved = Buffer.alloc(core.length);
  core.copy(moved, 0, 0, 64);
  const ph = Buffer.from(core.subarray(64, notesAt));
  ph.copy(moved, 64 + 128);
  const notesLen = Number(core.readBigUInt64LE(64 + 32));
  core.copy(moved, notesAt + 128, notesAt, notesAt + notesLen);
  core.copy(moved, notesAt + 128 + notesLen, notesAt + notesLen + 128);
  moved.writeBigUInt64LE(BigInt(notesAt + 128), 64 + 128 + 8); // PT_NOTE p_offset
  moved.writeBigUInt64LE(192n, 32); // e_phoff
  moved.writeBigUInt64LE(64n, 40); // e_shoff
  moved.writeUInt16LE(8, 52); // e_ehsize as QEMU 7.2 writes it
  const src = open(write(moved));
  assert.equal(src.info.kind, 'kernel vmcore');
  const d = drain(src);
  assert.deepEqual(d.pfns, [0, 1]);
  assert.equal(d.pages[1].readUInt32LE(4), 8);
  src.close();
});
