/**
 * The page classifier on synthetic kernel memory built from the 6.12 definitions
 * (include/linux/page-flags.h, mm_types.h, arch/x86 paging): what no small real fixture shows —
 * 5-level paging, 1 GiB and 2 MiB mappings, a buddy block running past its first chunk, a
 * compound tail whose head lies in another chunk, KSM, SPARSEMEM without EXTREME, and the
 * VMCOREINFO checks. The real-dump check against drgn is test/elf-vmcore.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutFromVmcoreinfo } from '../src/sources/kernel-pages/kernel-layout.js';
import { CLASS_MASK, DETAIL_COMPOUND, DETAIL_KSM, PAGE_CLASS, PageClassifier } from '../src/sources/kernel-pages/page-classifier.js';
import { openKernelPageFilter } from '../src/sources/kernel-pages/page-filter.js';
import { PAGE_FLAG } from '../src/sources/page-batch.js';
import type { PhysicalMemory } from '../src/sources/physical-memory.js';

const PAGE = 4096;
const START_KERNEL_MAP = 0xffffffff80000000n;
const VMEMMAP = 0xffd4000000000000n; // a 5-level-paging vmemmap address
const VMEMMAP4 = 0xffffea0000000000n;
const DIRECT = 0xff11000000000000n;
const DIRECT4 = 0xffff888000000000n;
const SIZE = 64;
const OFF = { flags: 0, compound_head: 8, mapping: 24, private: 40, mapcount: 48, refcount: 52 };
const PG_HEAD = 6;
const PG_SWAPBACKED = 19;
const PG_SWAPCACHE = 9;
const PGTY = { buddy: 0xf0, offline: 0xf1, table: 0xf2, hugetlb: 0xf4, slab: 0xf5 };

/** sparse physical memory: pages allocated on write */
class FakeMemory implements PhysicalMemory {
  readonly pages = new Map<number, Buffer>();
  vmcoreinfo: Map<string, string> = new Map();
  maxPfn = 0;
  dumpBytes = 1 << 30;
  page(pfn: number): Buffer {
    let p = this.pages.get(pfn);
    if (!p) this.pages.set(pfn, (p = Buffer.alloc(PAGE)));
    return p;
  }
  write64(pa: number, v: bigint): void {
    this.page(Math.floor(pa / PAGE)).writeBigUInt64LE(BigInt.asUintN(64, v), pa % PAGE);
  }
  readPhys(paddr: number, dst: Uint8Array, at: number, len: number): boolean {
    for (let done = 0; done < len; ) {
      const pfn = Math.floor((paddr + done) / PAGE);
      const p = this.pages.get(pfn);
      if (!p) return false;
      const o = (paddr + done) % PAGE;
      const n = Math.min(len - done, PAGE - o);
      p.copy(dst, at + done, o, o + n);
      done += n;
    }
    return true;
  }
}

interface Built {
  mem: FakeMemory;
  /** writes struct page fields of pfn */
  set(pfn: number, f: { flags?: bigint; compound_head?: bigint; mapping?: bigint; private?: bigint; page_type?: number; refcount?: number }): void;
  pageVa(pfn: number): bigint;
}

/**
 * Kernel memory for `pfns` page frames: page tables (levels 5 or 4), a direct map by 1 GiB
 * pages, the vmemmap by 2 MiB pages (first 2 MiB by 4 KiB pages), mem_section.
 */
function build(levels: 4 | 5, extreme: boolean, pfns: number): Built {
  const mem = new FakeMemory();
  mem.maxPfn = pfns;
  let nextFree = 0x10000; // page frames for tables and struct pages, far above the frames classified
  const alloc = () => nextFree++;
  const top = alloc();
  const physBase = 0x1000000;
  const topVa = START_KERNEL_MAP + BigInt(top * PAGE - physBase);
  const tables = new Map<string, number>();
  const idx = (va: bigint, shift: bigint) => Number((va >> shift) & 511n);
  const table = (parent: number, i: number, key: string): number => {
    let t = tables.get(key);
    if (t === undefined) {
      t = alloc();
      tables.set(key, t);
      mem.write64(parent * PAGE + i * 8, BigInt(t * PAGE) | 0x63n);
    }
    return t;
  };
  const map = (va: bigint, pa: number, size: '4k' | '2m' | '1g') => {
    let t = top;
    let key = '';
    if (levels === 5) {
      key += idx(va, 48n) + '/';
      t = table(t, idx(va, 48n), key);
    }
    key += idx(va, 39n) + '/';
    t = table(t, idx(va, 39n), key);
    if (size === '1g') return mem.write64(t * PAGE + idx(va, 30n) * 8, BigInt(pa) | 0xe3n);
    key += idx(va, 30n) + '/';
    t = table(t, idx(va, 30n), key);
    if (size === '2m') return mem.write64(t * PAGE + idx(va, 21n) * 8, BigInt(pa) | 0xe3n);
    key += idx(va, 21n) + '/';
    t = table(t, idx(va, 21n), key);
    mem.write64(t * PAGE + idx(va, 12n) * 8, BigInt(pa) | 0x63n);
  };
  const direct = levels === 5 ? DIRECT : DIRECT4;
  const vmemmap = levels === 5 ? VMEMMAP : VMEMMAP4;
  map(direct, 0, '1g');
  // struct pages: 4 KiB mappings for the first 2 MiB, a 2 MiB page after
  const memmapBytes = pfns * SIZE;
  for (let off = 0; off < memmapBytes; ) {
    if (off < 2 << 20) {
      map(vmemmap + BigInt(off), alloc() * PAGE, '4k');
      off += PAGE;
    } else {
      const base = Math.ceil(nextFree / 512) * 512;
      nextFree = base + 512;
      map(vmemmap + BigInt(off), base * PAGE, '2m');
      off += 2 << 20;
    }
  }
  // mem_section (section of 2^15 pages, 16-byte entries)
  const sections = Math.ceil(pfns / 32768);
  const maxPhysmemBits = levels === 5 ? 52 : 46;
  const nrSections = 2 ** (maxPhysmemBits - 27);
  const rootFrame = alloc();
  let memSectionSym: bigint;
  if (extreme) {
    const secFrame = alloc();
    mem.write64(rootFrame * PAGE, direct + BigInt(secFrame * PAGE));
    for (let s = 0; s < sections; s++) mem.write64(secFrame * PAGE + s * 16, vmemmap | 3n);
    memSectionSym = direct + BigInt(rootFrame * PAGE);
  } else {
    for (let s = 0; s < sections; s++) mem.write64(rootFrame * PAGE + s * 16, vmemmap | 3n);
    memSectionSym = direct + BigInt(rootFrame * PAGE);
  }
  const info = new Map<string, string>([
    ['OSRELEASE', '6.12.0-synthetic'],
    ['PAGESIZE', '4096'],
    ['SIZE(page)', String(SIZE)],
    ['OFFSET(page.flags)', String(OFF.flags)],
    ['OFFSET(page._refcount)', String(OFF.refcount)],
    ['OFFSET(page.mapping)', String(OFF.mapping)],
    ['OFFSET(page.lru)', '8'],
    ['OFFSET(page._mapcount)', String(OFF.mapcount)],
    ['OFFSET(page.private)', String(OFF.private)],
    ['OFFSET(page.compound_head)', String(OFF.compound_head)],
    ['NUMBER(PG_swapbacked)', String(PG_SWAPBACKED)],
    ['NUMBER(PG_swapcache)', String(PG_SWAPCACHE)],
    ['NUMBER(PG_head_mask)', String(1 << PG_HEAD)],
    ['NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)', String((PGTY.buddy << 24) | 0)], // as %ld of an int: negative
    ['NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)', String(((PGTY.slab << 24) | 0) >> 0)],
    ['NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)', String(((PGTY.hugetlb << 24) | 0) >> 0)],
    ['NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)', String(((PGTY.offline << 24) | 0) >> 0)],
    ['LENGTH(zone.free_area)', '11'],
    ['SYMBOL(mem_section)', memSectionSym.toString(16)],
    ['LENGTH(mem_section)', String(extreme ? nrSections / 256 : nrSections)],
    ['SIZE(mem_section)', '16'],
    ['OFFSET(mem_section.section_mem_map)', '0'],
    ['NUMBER(SECTION_SIZE_BITS)', '27'],
    ['NUMBER(MAX_PHYSMEM_BITS)', String(maxPhysmemBits)],
    ['SYMBOL(init_top_pgt)', topVa.toString(16)],
    ['NUMBER(phys_base)', String(physBase)],
    ['NUMBER(pgtable_l5_enabled)', levels === 5 ? '1' : '0'],
    ['NUMBER(sme_mask)', '0'],
  ]);
  mem.vmcoreinfo = info;
  const pageVa = (pfn: number) => vmemmap + BigInt(pfn * SIZE);
  const translate = (va: bigint): number => {
    // walk our own tables the simple way, for writing struct pages
    let t = top;
    const rd = (tbl: number, i: number) => mem.pages.get(tbl)!.readBigUInt64LE(i * 8);
    if (levels === 5) t = Number(rd(t, idx(va, 48n)) & ~0xfffn) / PAGE;
    t = Number(rd(t, idx(va, 39n)) & ~0xfffn) / PAGE;
    let e = rd(t, idx(va, 30n));
    if (e & 0x80n) return Number(e & 0xfffffc0000000n) + Number(va & 0x3fffffffn);
    t = Number(e & ~0xfffn) / PAGE;
    e = rd(t, idx(va, 21n));
    if (e & 0x80n) return Number(e & 0xfffffffe00000n) + Number(va & 0x1fffffn);
    t = Number(e & ~0xfffn) / PAGE;
    e = rd(t, idx(va, 12n));
    return Number(e & 0xffffffffff000n) + Number(va & 0xfffn);
  };
  const set: Built['set'] = (pfn, f) => {
    const pa = translate(pageVa(pfn));
    const p = mem.page(Math.floor(pa / PAGE));
    const o = pa % PAGE;
    if (f.flags !== undefined) p.writeBigUInt64LE(f.flags, o + OFF.flags);
    if (f.compound_head !== undefined) p.writeBigUInt64LE(f.compound_head, o + OFF.compound_head);
    if (f.mapping !== undefined) p.writeBigUInt64LE(f.mapping, o + OFF.mapping);
    if (f.private !== undefined) p.writeBigUInt64LE(f.private, o + OFF.private);
    if (f.page_type !== undefined) p.writeUInt32LE(f.page_type >>> 0, o + OFF.mapcount);
    if (f.refcount !== undefined) p.writeInt32LE(f.refcount, o + OFF.refcount);
  };
  for (let pfn = 0; pfn < pfns; pfn++) set(pfn, { refcount: 1, page_type: 0xffffffff });
  return { mem, set, pageVa };
}

const ANON_VMA = 0xffff888001234560n;
const ADDRESS_SPACE = 0xffff888007654320n;
const bit = (n: number) => 1n << BigInt(n);

for (const [levels, extreme] of [[5, true], [4, true], [4, false]] as const) {
  test(`classes from struct pages: ${levels}-level paging, SPARSEMEM${extreme ? '_EXTREME' : ''}`, () => {
    const pfns = 3 * 4096 + 100;
    const b = build(levels, extreme, pfns);
    b.set(10, { mapping: ANON_VMA | 1n, flags: bit(PG_SWAPBACKED) });
    b.set(11, { mapping: ANON_VMA | 3n, flags: bit(PG_SWAPBACKED) }); // KSM
    b.set(12, { mapping: ADDRESS_SPACE, flags: bit(PG_SWAPBACKED) }); // shmem
    b.set(13, { mapping: ADDRESS_SPACE }); // page cache
    b.set(14, { mapping: 0n, flags: bit(PG_SWAPBACKED) | bit(PG_SWAPCACHE) }); // shmem on its way to swap
    b.set(15, { mapping: ADDRESS_SPACE | 2n }); // non-LRU movable
    b.set(16, { refcount: 0 }); // on a per-CPU free list
    b.set(17, { page_type: PGTY.table << 24 });
    b.set(18, { page_type: PGTY.offline << 24 });
    // a slab of order 2 at 20..23
    b.set(20, { page_type: PGTY.slab << 24, flags: bit(PG_HEAD) });
    for (const t of [21, 22, 23]) b.set(t, { compound_head: b.pageVa(20) + 1n, refcount: 0 });
    // buddy block of order 10 at 2048: 2048..3071 free; order 3 at 4088 (runs to 4095)
    b.set(2048, { page_type: PGTY.buddy << 24, private: 10n, refcount: 0 });
    b.set(4088, { page_type: PGTY.buddy << 24, private: 3n, refcount: 0 });
    // an anonymous large folio 4096..4111 whose tails lie in the next chunk from 8192's view:
    // head at 4100 is in chunk 1, tail at 8200 points back to it (head in another chunk)
    b.set(4100, { mapping: ANON_VMA | 1n, flags: bit(PG_HEAD) | bit(PG_SWAPBACKED) });
    b.set(8200, { compound_head: b.pageVa(4100) + 1n, refcount: 0 });
    b.set(8201, { page_type: PGTY.hugetlb << 24, flags: bit(PG_HEAD) });
    const lr = layoutFromVmcoreinfo(b.mem.vmcoreinfo);
    assert.ok(lr.ok, lr.ok ? '' : lr.reason);
    const c = new PageClassifier(b.mem, lr.layout);
    assert.ok(c.probe(pfns) >= 1);
    const cls = (pfn: number) => c.classify(pfn) & CLASS_MASK;
    assert.equal(cls(10), PAGE_CLASS.ANON);
    assert.equal(c.classify(11) & (CLASS_MASK | DETAIL_KSM), PAGE_CLASS.ANON | DETAIL_KSM);
    assert.equal(cls(12), PAGE_CLASS.SHMEM);
    assert.equal(cls(13), PAGE_CLASS.PAGE_CACHE);
    assert.equal(cls(14), PAGE_CLASS.SHMEM);
    assert.equal(cls(15), PAGE_CLASS.KERNEL);
    assert.equal(cls(16), PAGE_CLASS.FREE);
    assert.equal(cls(17), PAGE_CLASS.KERNEL);
    assert.equal(cls(18), PAGE_CLASS.KERNEL);
    for (const p of [20, 21, 22, 23]) assert.equal(cls(p), PAGE_CLASS.SLAB, `slab page ${p}`);
    assert.equal(c.classify(22) & DETAIL_COMPOUND, DETAIL_COMPOUND);
    for (const p of [2047, 3072]) assert.equal(cls(p), PAGE_CLASS.KERNEL, `outside the buddy block: ${p}`);
    for (const p of [2048, 2049, 2500, 3071, 4088, 4095]) assert.equal(cls(p), PAGE_CLASS.FREE, `buddy page ${p}`);
    assert.equal(cls(8200), PAGE_CLASS.ANON);
    assert.equal(cls(8201), PAGE_CLASS.HUGETLB);
    assert.equal(cls(9), PAGE_CLASS.KERNEL);
    // past the last section with a memory map
    assert.equal(cls(40000), PAGE_CLASS.NO_STRUCT_PAGE);
    // back to the first chunk after others: same answers
    assert.equal(cls(10), PAGE_CLASS.ANON);

    const filter = openKernelPageFilter(b.mem, { allPages: false });
    assert.equal(filter.warning, null);
    assert.equal(filter.decide(10), PAGE_FLAG.ANON | PAGE_FLAG.SWAPBACKED);
    assert.equal(filter.decide(11), PAGE_FLAG.ANON | PAGE_FLAG.KSM | PAGE_FLAG.SWAPBACKED);
    assert.equal(filter.decide(12), PAGE_FLAG.SHMEM | PAGE_FLAG.FILE_OR_SHARED | PAGE_FLAG.SWAPBACKED);
    assert.equal(filter.decide(13), -1);
    assert.equal(filter.decide(2500), -1);
    filter.absent(2501);
    const info = filter.info() as { pages: Record<string, number>; absent_pages: Record<string, number>; delivered_pages: number };
    assert.deepEqual([info.pages.anonymous, info.pages.shmem, info.pages.page_cache, info.pages.free, info.absent_pages.free, info.delivered_pages], [2, 1, 1, 1, 1, 3]);
  });
}

test('VMCOREINFO without what classification needs: named in the reason, pages all delivered', () => {
  const b = build(4, true, 100);
  for (const [key, value, reason] of [
    ['SIZE(page)', null, /lacks SIZE\(page\)/],
    ['NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)', '-129', /implausible NUMBER\(PAGE_BUDDY_MAPCOUNT_VALUE\)/],
    ['OFFSET(page.mapping)', '4000', /implausible OFFSET\(page.mapping\)/],
    ['OFFSET(page.mapping)', '60', /OFFSET\(page.mapping\)=60 outside SIZE\(page\)=64/],
    ['SYMBOL(init_top_pgt)', '1000', /not a kernel image address/],
    ['LENGTH(mem_section)', '77', /fits neither SPARSEMEM/],
    ['SYMBOL(mem_section)', 'ffff888000000000', /no memory section of the dump has a memory map/],
  ] as const) {
    const info = new Map(b.mem.vmcoreinfo);
    if (value === null) info.delete(key);
    else info.set(key, value);
    const mem = Object.assign(Object.create(Object.getPrototypeOf(b.mem)), b.mem, { vmcoreinfo: info }) as FakeMemory;
    const f = openKernelPageFilter(mem, { allPages: false });
    assert.equal(f.classifying, false, key);
    assert.match(f.warning ?? '', reason, key);
    assert.equal(f.decide(5), 0);
  }
  const none = openKernelPageFilter(Object.assign(Object.create(FakeMemory.prototype), b.mem, { vmcoreinfo: null }), { allPages: false });
  assert.match(none.warning ?? '', /no VMCOREINFO/);
});
