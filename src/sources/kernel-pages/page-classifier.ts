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
 * with and without SPARSEMEM_VMEMMAP) and read through the kernel page tables, a chunk of
 * CHUNK_PFNS struct pages at a time (256 KiB for 64-byte struct pages): memory stays bounded
 * whatever the size of the dump. A chunk is aligned to the largest buddy block, so every free
 * block that covers a page starts inside the page's chunk.
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

const SECTION_HAS_MEM_MAP = 2n;
/** low bits of section_mem_map that are flags (SECTION_MAP_LAST_BIT is 4, or 5 with ZONE_DEVICE) */
const SECTION_MAP_MASK = ~0x1fn;
const MIN_CHUNK_PFNS = 4096;

export class PageClassifier {
  readonly chunkPfns: number;
  private readonly vm: KernelVm;
  private readonly pfnSectionShift: number;
  private readonly sectionsPerRoot: number;
  readonly extreme: boolean;
  private readonly roots = new Map<number, bigint | null>();
  private readonly sections = new Map<number, bigint | null>();
  private readonly word = Buffer.alloc(8);
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
    this.pfnSectionShift = layout.sectionSizeBits - 12;
    this.chunkPfns = Math.max(MIN_CHUNK_PFNS, 2 ** (layout.pageOrders - 1));
    const nrSections = 2 ** (layout.maxPhysmemBits - layout.sectionSizeBits);
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

  /** Checks that the section table and at least one memory map can be read; returns how many sections have one. */
  probe(maxPfn: number): number {
    const lastSection = Math.min(
      Math.floor(Math.max(0, maxPfn - 1) / 2 ** this.pfnSectionShift),
      this.layout.memSectionLength * this.sectionsPerRoot - 1,
    );
    let withMap = 0;
    let readable = false;
    for (let s = 0; s <= lastSection; s++) {
      if (this.rootMissing(s)) {
        // a whole root of sections without memory: skip it at once
        s += this.sectionsPerRoot - 1 - (s % this.sectionsPerRoot);
        continue;
      }
      const base = this.sectionMemMap(s);
      if (base === null) continue;
      withMap++;
      if (!readable) {
        const first = s * 2 ** this.pfnSectionShift;
        const va = base + BigInt(first) * BigInt(this.layout.structPageSize);
        readable = this.vm.readVirt(va, this.headBuf, 0, this.layout.structPageSize);
      }
    }
    if (withMap === 0) throw new LayoutError('no memory section of the dump has a memory map (mem_section unreadable?)');
    if (!readable) throw new LayoutError('the struct page arrays are not in the dump (or the page tables that map them are not)');
    return withMap;
  }

  /** true when section `nr` lies under a SPARSEMEM_EXTREME root that is not allocated (or beyond the table) */
  private rootMissing(nr: number): boolean {
    if (!this.extreme) return nr >= this.layout.memSectionLength;
    const r = Math.floor(nr / this.sectionsPerRoot);
    if (r >= this.layout.memSectionLength) return true;
    this.sectionMemMap(nr);
    return this.roots.get(r) === null;
  }

  /**
   * Adds the classes of page frames [first, first + count) to `counts` (indexed by class),
   * skipping whole sections and roots that have no memory map: fast for huge ranges of absent
   * memory.
   */
  countRange(first: number, count: number, counts: Float64Array): void {
    const perSection = 2 ** this.pfnSectionShift;
    const end = first + count;
    let pfn = first;
    while (pfn < end) {
      const nr = Math.floor(pfn / perSection);
      if (this.rootMissing(nr)) {
        const stop = Math.min(end, (nr - (nr % this.sectionsPerRoot) + this.sectionsPerRoot) * perSection);
        counts[PAGE_CLASS.NO_STRUCT_PAGE] += stop - pfn;
        pfn = stop;
        continue;
      }
      const stop = Math.min(end, (nr + 1) * perSection);
      if (this.sectionMemMap(nr) === null) {
        counts[PAGE_CLASS.NO_STRUCT_PAGE] += stop - pfn;
        pfn = stop;
        continue;
      }
      for (; pfn < stop; pfn++) counts[this.classify(pfn) & CLASS_MASK]++;
    }
  }

  private readU64(va: bigint): bigint | null {
    return this.vm.readVirt(va, this.word, 0, 8) ? this.word.readBigUInt64LE(0) : null;
  }

  /** virtual address of struct page 0 as the section encodes it (struct page of pfn = it + pfn * size), or null */
  private sectionMemMap(nr: number): bigint | null {
    const hit = this.sections.get(nr);
    if (hit !== undefined) return hit;
    const L = this.layout;
    let entry: bigint;
    if (this.extreme) {
      const r = Math.floor(nr / this.sectionsPerRoot);
      if (r >= L.memSectionLength) return null;
      let root = this.roots.get(r);
      if (root === undefined) {
        root = this.readU64(L.memSection + BigInt(r) * 8n);
        if (root === 0n) root = null;
        this.roots.set(r, root);
      }
      if (root === null) {
        this.sections.set(nr, null);
        return null;
      }
      entry = root + BigInt((nr % this.sectionsPerRoot) * L.memSectionSize);
    } else {
      if (nr >= L.memSectionLength) return null;
      entry = L.memSection + BigInt(nr * L.memSectionSize);
    }
    const coded = this.readU64(entry + BigInt(L.offSectionMemMap));
    const base = coded !== null && (coded & SECTION_HAS_MEM_MAP) !== 0n ? BigInt.asUintN(64, coded & SECTION_MAP_MASK) : null;
    if (this.sections.size > 1 << 16) this.sections.clear();
    this.sections.set(nr, base);
    return base;
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
