/**
 * Which pages of a kernel dump zswap would see. Each dumped page frame is classified from its
 * struct page, as the kernel itself tells them apart (include/linux/page-flags.h, mm/ of 6.12)
 * and as makedumpfile's filtering does:
 *
 *   anonymous   mapping has PAGE_MAPPING_ANON (KSM pages have ANON|MOVABLE; counted as anonymous)
 *   shmem       mapping is an address_space and PG_swapbacked is set (tmpfs, shared anonymous,
 *               SysV shm, memfd), or a swap-backed page in the swap cache without mapping
 *   page cache  mapping is an address_space without PG_swapbacked
 *   slab        page type PGTY_slab (6.12 keeps the type in the top byte of page_type)
 *   free        page type PGTY_buddy, every page of that buddy block (order in page->private),
 *               and unreferenced pages without mapping (per-CPU free lists)
 *   hugetlb     page type PGTY_hugetlb
 *   other kernel  everything else: reserved, page tables, kernel allocations, zsmalloc, offline …
 *   no struct page  the struct page is not in the dump (or its section has no memory map)
 *
 * Tail pages of a compound page (large folio, THP, slab of higher order) follow their head.
 *
 * The struct pages are found through SPARSEMEM's section table (SYMBOL(mem_section), works
 * with and without SPARSEMEM_VMEMMAP), read a page of the table at a time, and through the
 * kernel page tables, a chunk of
 * CHUNK_PFNS struct pages at a time (256 KiB for 64-byte struct pages): memory stays bounded
 * whatever the size of the dump. A chunk is aligned to the largest buddy block, so every free
 * block that covers a page starts inside the page's chunk.
 *
 * Work is bounded by the dump, not by what its VMCOREINFO claims: at most MAX_SECTIONS sections
 * (x86_64's 2^(52-27)), walked a table page at a time; and the page frames a dump describes but
 * does not hold are classified only as far as its struct pages could cover them
 * (absentBudget), the rest counted as not classified.
 */
import type { PhysicalMemory } from '../physical-memory.js';
import type { KernelLayout } from './kernel-layout.js';
import { KernelVm } from './kernel-vm.js';

export const PAGE_CLASS = {
  ANON: 0,
  SHMEM: 1,
  PAGE_CACHE: 2,
  SLAB: 3,
  FREE: 4,
  HUGETLB: 5,
  KERNEL: 6,
  NO_STRUCT_PAGE: 7,
} as const;
export const PAGE_CLASS_COUNT = 8;
/** names used in reports, by class number */
export const PAGE_CLASS_NAMES = ['anonymous', 'shmem', 'page_cache', 'slab', 'free', 'hugetlb', 'other_kernel', 'no_struct_page'] as const;

/** classify() result: class number in the low 4 bits, these details above */
export const CLASS_MASK = 0xf;
export const DETAIL_KSM = 1 << 4;
export const DETAIL_COMPOUND = 1 << 5;
export const DETAIL_SWAPCACHE = 1 << 6;
export const DETAIL_SWAPBACKED = 1 << 7;

const SECTION_HAS_MEM_MAP = 2;
/** low bits of section_mem_map that are flags (SECTION_MAP_LAST_BIT is 4, or 5 with ZONE_DEVICE) */
const SECTION_MAP_MASK = ~0x1fn;
const MIN_CHUNK_PFNS = 4096;
/** x86_64 has at most 2^(MAX_PHYSMEM_BITS 52 - SECTION_SIZE_BITS 27) memory sections */
export const MAX_SECTIONS = 2 ** 25;
const TABLE_PAGE = 4096;

/**
 * Reads u64 entries of kernel tables (mem_section roots and sections) a 4 KiB page at a time,
 * keeping the last page: a walk over a table costs one page-table walk and read per page.
 */
class TableReader {
  private readonly page = Buffer.alloc(TABLE_PAGE);
  private pageVa = -1n;
  private pageOk = false;
  private readonly word = Buffer.alloc(8);

  constructor(private readonly vm: KernelVm) {}

  /** the page holding va (page-aligned), or null when it is not in the dump */
  private load(pageVa: bigint): Buffer | null {
    if (pageVa !== this.pageVa) {
      this.pageVa = pageVa;
      this.pageOk = this.vm.readVirt(pageVa, this.page, 0, TABLE_PAGE);
    }
    return this.pageOk ? this.page : null;
  }

  /** low 32 bits of the u64 at va, or -1 when it is not in the dump */
  low32(va: bigint): number {
    const off = Number(va & 0xfffn);
    if (off > TABLE_PAGE - 8) return this.u64(va) === null ? -1 : this.word.readUInt32LE(0);
    const page = this.load(va - BigInt(off));
    return page ? page.readUInt32LE(off) : -1;
  }

  u64(va: bigint): bigint | null {
    const off = Number(va & 0xfffn);
    if (off > TABLE_PAGE - 8) return this.vm.readVirt(va, this.word, 0, 8) ? this.word.readBigUInt64LE(0) : null;
    const page = this.load(va - BigInt(off));
    return page ? page.readBigUInt64LE(off) : null;
  }

  /** the table page holding va, or null when it is not in the dump (a whole page of entries to skip) */
  pageAt(va: bigint): Buffer | null {
    return this.load(va - (va & 0xfffn));
  }
}

export class PageClassifier {
  readonly chunkPfns: number;
  private readonly vm: KernelVm;
  private readonly pfnSectionShift: number;
  private readonly sectionsPerRoot: number;
  readonly extreme: boolean;
  /** the SPARSEMEM_EXTREME root array, and the section arrays (a page of each kept) */
  private readonly rootTable: TableReader;
  private readonly table: TableReader;
  /** page frames countRange() may still classify one by one */
  private absentBudget: number;
  /** page frames of absent ranges left unclassified once the budget was spent */
  absentNotClassified = 0;
  // the chunk in hand (two are kept: pages of a dump mostly come in PFN order)
  private readonly chunks: Chunk[];
  private readonly headBuf: Buffer;
  private headHi = -1;
  private headLo = -1;
  private headOk = false;
  /** PG_head as a bit number, from PG_head_mask (-1 when absent) */
  private readonly headBit: number;

  constructor(
    mem: PhysicalMemory,
    readonly layout: KernelLayout,
  ) {
    this.vm = new KernelVm(mem, layout.topPgtPhys, layout.fiveLevel, layout.smeMask);
    this.rootTable = new TableReader(this.vm);
    this.table = new TableReader(this.vm);
    // each absent page frame classified needs its struct page in the dump: a real dump never
    // describes more than dumpBytes / SIZE(page) of them
    this.absentBudget = 2 * Math.ceil(mem.dumpBytes / layout.structPageSize) + (1 << 20);
    this.pfnSectionShift = layout.sectionSizeBits - 12;
    this.chunkPfns = Math.max(MIN_CHUNK_PFNS, 2 ** (layout.pageOrders - 1));
    const nrSections = 2 ** (layout.maxPhysmemBits - layout.sectionSizeBits);
    if (nrSections > MAX_SECTIONS) {
      throw new LayoutError(`VMCOREINFO describes 2^${layout.maxPhysmemBits - layout.sectionSizeBits} memory sections (MAX_PHYSMEM_BITS ${layout.maxPhysmemBits}, SECTION_SIZE_BITS ${layout.sectionSizeBits}), more than x86_64 has (2^25)`);
    }
    const perRoot = Math.floor(4096 / layout.memSectionSize);
    if (layout.memSectionLength === nrSections) {
      this.extreme = false;
      this.sectionsPerRoot = 1;
    } else if (layout.memSectionLength === Math.ceil(nrSections / perRoot)) {
      this.extreme = true;
      this.sectionsPerRoot = perRoot;
    } else {
      throw new LayoutError(`LENGTH(mem_section)=${layout.memSectionLength} fits neither SPARSEMEM (${nrSections}) nor SPARSEMEM_EXTREME (${Math.ceil(nrSections / perRoot)})`);
    }
    if (this.chunkPfns > 2 ** this.pfnSectionShift) throw new LayoutError('buddy blocks larger than a memory section');
    this.chunks = [new Chunk(this.chunkPfns, layout.structPageSize), new Chunk(this.chunkPfns, layout.structPageSize)];
    this.headBuf = Buffer.alloc(layout.structPageSize);
    const hm = layout.pgHeadMask;
    this.headBit = hm !== null && hm > 0n && (hm & (hm - 1n)) === 0n ? hm.toString(2).length - 1 : -1;
  }

  /**
   * Checks that the section table and the struct pages of at least one section can be read;
   * returns how many sections with a memory map it looked at to find one.
   */
  probe(maxPfn: number): number {
    const lastSection = Math.min(
      Math.floor(Math.max(0, maxPfn - 1) / 2 ** this.pfnSectionShift),
      this.layout.memSectionLength * this.sectionsPerRoot - 1,
    );
    let withMap = 0;
    for (let s = 0; s <= lastSection; s = this.nextSection(s)) {
      const base = this.sectionMemMap(s);
      if (base === null) continue;
      withMap++;
      const va = base + BigInt(s * 2 ** this.pfnSectionShift) * BigInt(this.layout.structPageSize);
      if (this.vm.readVirt(va, this.headBuf, 0, this.layout.structPageSize)) return withMap;
    }
    if (withMap === 0) throw new LayoutError('no memory section of the dump has a memory map (mem_section unreadable?)');
    throw new LayoutError('the struct page arrays are not in the dump (or the page tables that map them are not)');
  }

  /**
   * The section after `nr` that may have a memory map: past a missing SPARSEMEM_EXTREME root,
   * or past a page of the section table that is not in the dump, at once.
   */
  private nextSection(nr: number): number {
    let base: bigint;
    let i: number;
    let limit: number;
    if (this.extreme) {
      const r = Math.floor(nr / this.sectionsPerRoot);
      const root = this.root(r);
      if (root === null) return this.nextRoot(r) * this.sectionsPerRoot;
      base = root;
      i = nr % this.sectionsPerRoot;
      limit = this.sectionsPerRoot;
    } else {
      base = this.layout.memSection;
      i = nr;
      limit = this.layout.memSectionLength;
    }
    const first = nr - i;
    const va = this.entryVa(base, i);
    const page = this.table.pageAt(va);
    if (page === null) return first + this.afterTablePage(base, i);
    // the rest of this table page, in a tight loop
    const size = this.layout.memSectionSize;
    let off = Number(va & 0xfffn);
    for (i++, off += size; i < limit && off <= TABLE_PAGE - 8; i++, off += size) {
      if (page.readUInt32LE(off) & SECTION_HAS_MEM_MAP) return first + i;
    }
    return first + i;
  }

  /** virtual address of entry i of a section array at `base` (its section_mem_map word) */
  private entryVa(base: bigint, i: number): bigint {
    return base + BigInt(i * this.layout.memSectionSize + this.layout.offSectionMemMap);
  }

  /** the first entry index of the array at `base` whose word lies in the table page after entry i's */
  private afterTablePage(base: bigint, i: number): number {
    const size = this.layout.memSectionSize;
    const at = Number(base & 0xfffn) + i * size + this.layout.offSectionMemMap;
    const nextPage = (Math.floor(at / TABLE_PAGE) + 1) * TABLE_PAGE;
    return Math.max(i + 1, Math.ceil((nextPage - Number(base & 0xfffn) - this.layout.offSectionMemMap) / size));
  }

  /** root r of a SPARSEMEM_EXTREME table, or null when it is not allocated (or beyond the table) */
  private root(r: number): bigint | null {
    if (r >= this.layout.memSectionLength) return null;
    const root = this.rootTable.u64(this.layout.memSection + BigInt(r) * 8n);
    return root === 0n ? null : root;
  }

  /** the first root after missing root r that may be allocated (the rest of its page scanned at once) */
  private nextRoot(r: number): number {
    const va = this.layout.memSection + BigInt(r) * 8n;
    let off = Number(va & 0xfffn);
    const page = this.rootTable.pageAt(va);
    if (page === null) return r + Math.max(1, Math.ceil((TABLE_PAGE - off) / 8));
    for (r++, off += 8; r < this.layout.memSectionLength && off <= TABLE_PAGE - 8; r++, off += 8) {
      if (page.readUInt32LE(off) !== 0 || page.readUInt32LE(off + 4) !== 0) return r;
    }
    return r;
  }

  /**
   * Adds the classes of page frames [first, first + count) to `counts` (indexed by class),
   * skipping whole sections and roots that have no memory map: fast for huge ranges of absent
   * memory.
   */
  countRange(first: number, count: number, counts: Float64Array): void {
    const perSection = 2 ** this.pfnSectionShift;
    const end = first + count;
    const lastSection = this.layout.memSectionLength * this.sectionsPerRoot;
    let pfn = first;
    while (pfn < end) {
      const nr = Math.floor(pfn / perSection);
      if (nr >= lastSection) {
        counts[PAGE_CLASS.NO_STRUCT_PAGE] += end - pfn;
        return;
      }
      if (!this.sectionHasMap(nr)) {
        // up to the next section that may have a map: missing roots and table pages skipped at once
        const stop = Math.min(end, this.nextSection(nr) * perSection);
        counts[PAGE_CLASS.NO_STRUCT_PAGE] += stop - pfn;
        pfn = stop;
        continue;
      }
      if (this.absentBudget === 0) {
        // the dump's struct pages cannot cover more: the rest is counted, not classified
        this.absentNotClassified += end - pfn;
        return;
      }
      const stop = Math.min(end, (nr + 1) * perSection, pfn + this.absentBudget);
      this.absentBudget -= stop - pfn;
      for (; pfn < stop; pfn++) counts[this.classify(pfn) & CLASS_MASK]++;
    }
  }

  /** does section `nr` have a memory map (without building its address) */
  private sectionHasMap(nr: number): boolean {
    const w = this.sectionWord(nr);
    if (w === null) return false;
    const low = this.table.low32(w);
    return low !== -1 && (low & SECTION_HAS_MEM_MAP) !== 0;
  }

  /** address of section nr's section_mem_map word, or null when its root is missing */
  private sectionWord(nr: number): bigint | null {
    if (!this.extreme) return nr < this.layout.memSectionLength ? this.entryVa(this.layout.memSection, nr) : null;
    const root = this.root(Math.floor(nr / this.sectionsPerRoot));
    return root === null ? null : this.entryVa(root, nr % this.sectionsPerRoot);
  }

  /** virtual address of struct page 0 as the section encodes it (struct page of pfn = it + pfn * size), or null */
  private sectionMemMap(nr: number): bigint | null {
    const w = this.sectionWord(nr);
    if (w === null) return null;
    const coded = this.table.u64(w);
    return coded !== null && (Number(coded & 0xffn) & SECTION_HAS_MEM_MAP) !== 0 ? BigInt.asUintN(64, coded & SECTION_MAP_MASK) : null;
  }

  /** Class of page frame `pfn` (PAGE_CLASS in the low bits, DETAIL_* above). */
  classify(pfn: number): number {
    const c0 = pfn - (pfn % this.chunkPfns);
    let ch = this.chunks[0];
    if (ch.first !== c0) {
      if (this.chunks[1].first === c0) {
        ch = this.chunks[1];
        this.chunks[1] = this.chunks[0];
        this.chunks[0] = ch;
      } else {
        ch = this.chunks[1];
        this.chunks[1] = this.chunks[0];
        this.chunks[0] = ch;
        this.load(ch, c0);
      }
    }
    return ch.classes[pfn - c0];
  }

  private load(ch: Chunk, c0: number): void {
    const L = this.layout;
    const n = this.chunkPfns;
    const size = L.structPageSize;
    ch.first = c0;
    const base = this.sectionMemMap(Math.floor(c0 / 2 ** this.pfnSectionShift));
    if (base === null) {
      ch.classes.fill(PAGE_CLASS.NO_STRUCT_PAGE);
      return;
    }
    const va = BigInt.asUintN(64, base + BigInt(c0) * BigInt(size));
    ch.vaHi = Number(va >> 32n);
    ch.vaLo = Number(va & 0xffffffffn);
    const buf = ch.pages;
    const bad = ch.bad;
    bad.fill(0);
    if (!this.vm.readVirt(va, buf, 0, n * size)) {
      for (const [s, e] of this.vm.holes) for (let i = Math.floor(s / size); i < Math.min(n, Math.ceil(e / size)); i++) bad[i] = 1;
    }
    // free buddy blocks: the first page carries the type and the order
    const free = ch.free;
    free.fill(0);
    for (let i = 0; i < n; i++) {
      if (bad[i] || buf.readUInt32LE(i * size + L.offMapcount) >>> 24 !== L.typeBuddy) continue;
      const order = buf.readUInt32LE(i * size + L.offPrivate);
      const hi = buf.readUInt32LE(i * size + L.offPrivate + 4);
      const len = hi === 0 && order < L.pageOrders ? 2 ** order : 1;
      free.fill(1, i, Math.min(n, i + len));
    }
    for (let i = 0; i < n; i++) ch.classes[i] = bad[i] ? PAGE_CLASS.NO_STRUCT_PAGE : free[i] ? PAGE_CLASS.FREE : this.classifyPage(ch, i);
  }

  private classifyPage(ch: Chunk, i: number): number {
    const L = this.layout;
    const size = L.structPageSize;
    let buf = ch.pages;
    let at = i * size;
    let detail = 0;
    const chLo = buf.readUInt32LE(at + L.offCompoundHead);
    if (chLo & 1) {
      // a tail page: classify as its head
      detail |= DETAIL_COMPOUND;
      const chHi = buf.readUInt32LE(at + L.offCompoundHead + 4);
      const headLo = chLo - 1;
      const diff = (chHi - ch.vaHi) * 4294967296 + (headLo - ch.vaLo);
      const idx = diff / size;
      if (Number.isInteger(idx) && idx >= 0 && idx < this.chunkPfns) {
        if (ch.bad[idx]) return PAGE_CLASS.NO_STRUCT_PAGE;
        at = idx * size;
      } else {
        if (chHi !== this.headHi || headLo !== this.headLo) {
          this.headHi = chHi;
          this.headLo = headLo;
          this.headOk = this.vm.readVirt((BigInt(chHi) << 32n) | BigInt(headLo), this.headBuf, 0, size);
        }
        if (!this.headOk) return PAGE_CLASS.NO_STRUCT_PAGE;
        buf = this.headBuf;
        at = 0;
      }
    }
    const type = buf.readUInt32LE(at + L.offMapcount) >>> 24;
    if (type === L.typeSlab) return PAGE_CLASS.SLAB | detail;
    if (type === L.typeHugetlb) return PAGE_CLASS.HUGETLB | detail;
    if (type === L.typeBuddy) return PAGE_CLASS.FREE | detail;
    if (type >= 0xf0 && type < 0xff) return PAGE_CLASS.KERNEL | detail;
    const fLo = buf.readUInt32LE(at + L.offFlags);
    const fHi = buf.readUInt32LE(at + L.offFlags + 4);
    const bit = (b: number) => (b < 32 ? (fLo >>> b) & 1 : (fHi >>> (b - 32)) & 1);
    if (this.headBit >= 0 && bit(this.headBit)) detail |= DETAIL_COMPOUND;
    const swapbacked = bit(L.pgSwapbacked) === 1;
    const swapcache = L.pgSwapcache !== null && bit(L.pgSwapcache) === 1;
    if (swapbacked) detail |= DETAIL_SWAPBACKED;
    if (swapcache && swapbacked) detail |= DETAIL_SWAPCACHE;
    const mLo = buf.readUInt32LE(at + L.offMapping);
    const mHi = buf.readUInt32LE(at + L.offMapping + 4);
    if (mLo & 1) return PAGE_CLASS.ANON | detail | ((mLo & 3) === 3 ? DETAIL_KSM : 0);
    if (mLo & 2) return PAGE_CLASS.KERNEL | detail; // non-LRU movable (balloon, z3fold …)
    if (mLo !== 0 || mHi !== 0) return (swapbacked ? PAGE_CLASS.SHMEM : PAGE_CLASS.PAGE_CACHE) | detail;
    if (swapbacked && swapcache) return PAGE_CLASS.SHMEM | detail; // shmem folio on its way to swap
    if (!(detail & DETAIL_COMPOUND) && buf.readInt32LE(at + L.offRefcount) === 0) return PAGE_CLASS.FREE;
    return PAGE_CLASS.KERNEL | detail;
  }
}

class Chunk {
  first = -1;
  vaHi = 0;
  vaLo = 0;
  readonly pages: Buffer;
  readonly bad: Uint8Array;
  readonly free: Uint8Array;
  readonly classes: Uint8Array;
  constructor(n: number, size: number) {
    this.pages = Buffer.alloc(n * size);
    this.bad = new Uint8Array(n);
    this.free = new Uint8Array(n);
    this.classes = new Uint8Array(n);
  }
}

/** the dump's layout cannot be used for classification (the message says why) */
export class LayoutError extends Error {}
