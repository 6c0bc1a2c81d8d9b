/**
 * Kernel virtual addresses of an x86_64 dump, translated by walking the kernel's own page
 * tables (init_top_pgt) through PhysicalMemory: 4- or 5-level paging, 1 GiB and 2 MiB pages,
 * the SME encryption bit masked off. Translations are cached per 2 MiB region, so reading
 * struct pages costs a page-table walk per 2 MiB, not per page.
 */
import type { PhysicalMemory } from '../physical-memory.js';

const PRESENT = 1n;
const PAGE_SIZE_BIT = 1n << 7n;
const ADDR_MASK = 0x000ffffffffff000n;
const MASK_1G = 0x000fffffc0000000n;
const MASK_2M = 0x000fffffffe00000n;
const MAX_CACHE = 1 << 14;

/** a 2 MiB region: its physical base when mapped by a large page, else its page table's address */
interface Region {
  huge: boolean;
  phys: number;
}

export class KernelVm {
  private readonly cache = new Map<bigint, Region | null>();
  private readonly entry = Buffer.alloc(8);
  /** byte ranges of dst (relative to `at`) that the last readVirt could not fill */
  readonly holes: [number, number][] = [];

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly topPgtPhys: number,
    private readonly fiveLevel: boolean,
    private readonly smeMask: bigint,
  ) {}

  private readEntry(tablePhys: number, index: number): bigint | null {
    if (!this.mem.readPhys(tablePhys + index * 8, this.entry, 0, 8)) return null;
    const e = this.entry.readBigUInt64LE(0);
    if ((e & PRESENT) === 0n) return null;
    return e & ~this.smeMask;
  }

  private region(va: bigint): Region | null {
    const key = va >> 21n;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const r = this.walk(va);
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(key, r);
    return r;
  }

  private walk(va: bigint): Region | null {
    // canonical address check
    const top = va >> (this.fiveLevel ? 56n : 47n);
    if (top !== 0n && top !== (this.fiveLevel ? 0xffn : 0x1ffffn)) return null;
    let table = this.topPgtPhys;
    const idx = (shift: bigint) => Number((va >> shift) & 511n);
    let e: bigint | null;
    if (this.fiveLevel) {
      e = this.readEntry(table, idx(48n));
      if (e === null) return null;
      table = Number(e & ADDR_MASK);
    }
    e = this.readEntry(table, idx(39n));
    if (e === null) return null;
    e = this.readEntry(Number(e & ADDR_MASK), idx(30n));
    if (e === null) return null;
    if (e & PAGE_SIZE_BIT) return { huge: true, phys: Number(e & MASK_1G) + Number(va & 0x3fe00000n) };
    e = this.readEntry(Number(e & ADDR_MASK), idx(21n));
    if (e === null) return null;
    if (e & PAGE_SIZE_BIT) return { huge: true, phys: Number(e & MASK_2M) };
    return { huge: false, phys: Number(e & ADDR_MASK) };
  }

  /** physical address of a kernel virtual address, or -1 when it is not mapped (or not in the dump) */
  translate(va: bigint): number {
    const r = this.region(va);
    if (!r) return -1;
    const inRegion = Number(va & 0x1fffffn);
    if (r.huge) return r.phys + inRegion;
    const e = this.readEntry(r.phys, inRegion >>> 12);
    if (e === null) return -1;
    return Number(e & ADDR_MASK) + (inRegion & 0xfff);
  }

  /**
   * Reads `len` bytes at kernel virtual address `va` into dst[at…]. Pieces that are unmapped or
   * not in the dump are zero-filled and listed in `holes`; returns true when there are none.
   */
  readVirt(va: bigint, dst: Uint8Array, at: number, len: number): boolean {
    this.holes.length = 0;
    let done = 0;
    while (done < len) {
      const cur = va + BigInt(done);
      const inPage = Number(cur & 0xfffn);
      const n = Math.min(len - done, 4096 - inPage);
      const pa = this.translate(cur);
      if (pa < 0 || !this.mem.readPhys(pa, dst, at + done, n)) {
        dst.fill(0, at + done, at + done + n);
        const last = this.holes[this.holes.length - 1];
        if (last && last[1] === done) last[1] = done + n;
        else this.holes.push([done, done + n]);
      }
      done += n;
    }
    return this.holes.length === 0;
  }
}
