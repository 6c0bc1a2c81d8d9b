/**
 * zsmalloc as it evolves under allocations and frees (mm/zsmalloc.c, 6.12): every zspage with its
 * in-use count and free-object list, kept per size class in the fullness groups
 * ZS_INUSE_RATIO_0..100 (list_add at the head), objects placed by find_get_zspage() into the
 * first zspage of the fullest group below 100 %, zspages freed when their last object goes, and
 * compaction (__zs_compact()) moving objects from the emptiest zspages into the fullest ones.
 *
 * The zsmalloc-pool.ts counter gives the same pages for a pool that only saw allocations; this
 * replica is what a pool with frees needs. All state is in typed arrays: per class, zspages are
 * numbered locally (their slots at zspage × objs_per_zspage), handles globally.
 *
 * Not modelled, as a kernel decision the caller cannot see: a free that finds the zspage locked
 * by page migration is deferred to a work item (kick_deferred_free()), and __zs_compact() yields
 * its destination when the migrate lock is contended; the replica frees at once and never yields.
 */
import { EINVAL, ENOSPC } from '../model/kernel.js';
import { grownArray } from '../replay/growable.js';
import { ZS_MAX_ALLOC_SIZE, type SizeClass, type SizeClassTable } from './zsmalloc-classes.js';
import type { AllocatorMetadataSizes, Zpool } from './zpool.js';

/** enum fullness_group: ZS_INUSE_RATIO_0, _10 … _99 (= 10), _100 (= 11) */
export const ZS_INUSE_RATIO_0 = 0;
export const ZS_INUSE_RATIO_10 = 1;
export const ZS_INUSE_RATIO_99 = 10;
export const ZS_INUSE_RATIO_100 = 11;
export const NR_FULLNESS_GROUPS = 12;

const NONE = -1;

/** get_fullness_group() */
export function fullnessGroup(inuse: number, objsPerZspage: number): number {
  if (inuse === 0) return ZS_INUSE_RATIO_0;
  if (inuse === objsPerZspage) return ZS_INUSE_RATIO_100;
  return Math.floor(Math.floor((100 * inuse) / objsPerZspage) / 10) + 1;
}

/** One size class: its zspages, their slots and the fullness lists (struct size_class). */
class ClassZspages {
  readonly objs: number;
  readonly pages: number;
  /** fullness_list[fg]: first zspage of each group, NONE when empty */
  readonly head = new Int32Array(NR_FULLNESS_GROUPS).fill(NONE);
  /** per zspage: objects in use, first free slot, fullness group, list links */
  inuse = new Uint16Array(16);
  freeobj = new Int32Array(16);
  fullness = new Uint8Array(16);
  prev = new Int32Array(16);
  next = new Int32Array(16);
  /** per slot (zspage × objs + index): next free slot (the link_free chain), or the handle in it */
  link = new Int32Array(16);
  handleAt = new Int32Array(16);
  /** zspage numbers ever used, and those free for reuse */
  private used = 0;
  private readonly spare: number[] = [];
  /** live zspages and objects in use (ZS_OBJS_ALLOCATED / objs, ZS_OBJS_INUSE) */
  zspages = 0;
  objsInuse = 0;
  /** zspages in each fullness group (the class_stat of the groups, as debugfs prints them) */
  readonly inGroup = new Float64Array(NR_FULLNESS_GROUPS);

  constructor(readonly cls: SizeClass) {
    this.objs = cls.objsPerZspage;
    this.pages = cls.pagesPerZspage;
  }

  /** alloc_zspage() + init_zspage(): the free list runs 0, 1, … objs - 1 */
  allocZspage(): number {
    let z = this.spare.pop();
    if (z === undefined) {
      z = this.used++;
      const n = this.used;
      this.inuse = grownArray(this.inuse, n);
      this.freeobj = grownArray(this.freeobj, n);
      this.fullness = grownArray(this.fullness, n);
      this.prev = grownArray(this.prev, n);
      this.next = grownArray(this.next, n);
      this.link = grownArray(this.link, n * this.objs);
      this.handleAt = grownArray(this.handleAt, n * this.objs);
    }
    const base = z * this.objs;
    for (let i = 0; i < this.objs; i++) {
      this.link[base + i] = i + 1 < this.objs ? i + 1 : NONE;
      this.handleAt[base + i] = NONE;
    }
    this.inuse[z] = 0;
    this.freeobj[z] = 0;
    this.zspages++;
    return z;
  }

  releaseZspage(z: number): void {
    this.zspages--;
    this.spare.push(z);
  }

  /** insert_zspage(): list_add at the head of the group */
  insert(z: number, fg: number): void {
    const h = this.head[fg];
    this.prev[z] = NONE;
    this.next[z] = h;
    if (h !== NONE) this.prev[h] = z;
    this.head[fg] = z;
    this.fullness[z] = fg;
    this.inGroup[fg]++;
  }

  /** remove_zspage() */
  remove(z: number): void {
    const fg = this.fullness[z];
    const p = this.prev[z];
    const n = this.next[z];
    if (p === NONE) this.head[fg] = n;
    else this.next[p] = n;
    if (n !== NONE) this.prev[n] = p;
    this.inGroup[fg]--;
  }

  /** fix_fullness_group(): returns the (new) group */
  fix(z: number): number {
    const fg = fullnessGroup(this.inuse[z], this.objs);
    if (fg !== this.fullness[z]) {
      this.remove(z);
      this.insert(z, fg);
    }
    return fg;
  }

  /** obj_malloc(): the first free slot of the zspage takes the handle */
  objMalloc(z: number, handle: number): number {
    const slot = this.freeobj[z];
    const at = z * this.objs + slot;
    this.freeobj[z] = this.link[at];
    this.handleAt[at] = handle;
    this.inuse[z]++;
    return slot;
  }

  /** obj_free(): the slot becomes the head of the zspage's free list */
  objFree(z: number, slot: number): void {
    const at = z * this.objs + slot;
    this.link[at] = this.freeobj[z];
    this.handleAt[at] = NONE;
    this.freeobj[z] = slot;
    this.inuse[z]--;
  }

  /** zs_can_compact(): whole zspages' worth of unused slots */
  canCompact(): number {
    const wasted = this.zspages * this.objs - this.objsInuse;
    return wasted <= 0 ? 0 : Math.floor(wasted / this.objs) * this.pages;
  }
}

export class ZsmallocReplica implements Zpool {
  readonly name = 'zsmalloc' as const;
  private readonly classes: ClassZspages[];
  /** per handle: class position, zspage within the class, slot; a free handle has class NONE */
  private hClass = new Int32Array(1024).fill(NONE);
  private hZspage = new Int32Array(1024);
  private hSlot = new Int32Array(1024);
  private handles = 0;
  private readonly freeHandles: number[] = [];
  /** pool->pages_allocated */
  totalPages = 0;
  objects = 0;
  /** pool->stats.pages_compacted */
  pagesCompacted = 0;

  constructor(readonly table: SizeClassTable) {
    this.classes = table.classes.map((c) => new ClassZspages(c));
  }

  get zspages(): number {
    let n = 0;
    for (const c of this.classes) n += c.zspages;
    return n;
  }

  /** zs_malloc(): a handle (≥ 0), or -EINVAL / -ENOSPC for a size zsmalloc refuses */
  malloc(length: number): number {
    if (length === 0) return -EINVAL;
    if (length > ZS_MAX_ALLOC_SIZE) return -ENOSPC;
    const pos = this.table.classOfLength[length];
    const c = this.classes[pos];
    const handle = this.newHandle();
    let z = this.findGetZspage(c);
    if (z !== NONE) {
      this.place(c, pos, z, handle);
      c.fix(z);
    } else {
      z = c.allocZspage();
      this.place(c, pos, z, handle);
      c.insert(z, fullnessGroup(c.inuse[z], c.objs));
      this.totalPages += c.pages;
    }
    c.objsInuse++;
    this.objects++;
    return handle;
  }

  /** zs_free() */
  free(handle: number): void {
    const pos = this.hClass[handle];
    if (pos === NONE) throw new Error(`zsmalloc replica: free of handle ${handle} that is not allocated`);
    const c = this.classes[pos];
    const z = this.hZspage[handle];
    c.objsInuse--;
    c.objFree(z, this.hSlot[handle]);
    this.hClass[handle] = NONE;
    this.freeHandles.push(handle);
    this.objects--;
    if (c.fix(z) === ZS_INUSE_RATIO_0) this.freeZspage(c, z);
  }

  /** zs_compact(): every class from the largest down; returns the pages freed */
  compact(): number {
    let freed = 0;
    for (let pos = this.classes.length - 1; pos >= 0; pos--) freed += this.compactClass(pos);
    this.pagesCompacted += freed;
    return freed;
  }

  /** zs_shrinker_count(): pages compaction would free now */
  canCompact(): number {
    let n = 0;
    for (const c of this.classes) n += c.canCompact();
    return n;
  }

  metadataBytes(sizes: AllocatorMetadataSizes): number {
    return this.objects * sizes.handleBytes + this.zspages * sizes.zspageBytes;
  }

  /** pages a pool holding the same objects, freshly packed, would use: Σ ceil(objs / objs_per_zspage) × pages */
  packedPages(): number {
    let n = 0;
    for (const c of this.classes) n += Math.ceil(c.objsInuse / c.objs) * c.pages;
    return n;
  }

  /**
   * Per distinct class, what /sys/kernel/debug/zsmalloc/<pool>/classes prints: zspages per
   * fullness group (10 % … 100 %), obj_allocated, obj_used, pages_used, freeable.
   */
  classStats(): ZsClassStat[] {
    return this.classes.map((c) => ({
      index: c.cls.index,
      size: c.cls.size,
      groups: Array.from(c.inGroup.subarray(ZS_INUSE_RATIO_10)),
      objAllocated: c.zspages * c.objs,
      objUsed: c.objsInuse,
      pagesUsed: c.zspages * c.pages,
      pagesPerZspage: c.pages,
      freeable: c.canCompact(),
    }));
  }

  /** find_get_zspage(): the first zspage of the fullest group below 100 % */
  private findGetZspage(c: ClassZspages): number {
    for (let fg = ZS_INUSE_RATIO_99; fg >= ZS_INUSE_RATIO_0; fg--) if (c.head[fg] !== NONE) return c.head[fg];
    return NONE;
  }

  private place(c: ClassZspages, pos: number, z: number, handle: number): void {
    this.hClass[handle] = pos;
    this.hZspage[handle] = z;
    this.hSlot[handle] = c.objMalloc(z, handle);
  }

  private newHandle(): number {
    const h = this.freeHandles.pop();
    if (h !== undefined) return h;
    const n = this.handles++;
    if (n >= this.hClass.length) {
      const size = this.hClass.length * 2;
      const hClass = new Int32Array(size).fill(NONE);
      hClass.set(this.hClass);
      this.hClass = hClass;
      this.hZspage = grownArray(this.hZspage, size);
      this.hSlot = grownArray(this.hSlot, size);
    }
    return n;
  }

  /** free_zspage() of an empty zspage (it sits in group 0 after fix_fullness_group) */
  private freeZspage(c: ClassZspages, z: number): void {
    c.remove(z);
    c.releaseZspage(z);
    this.totalPages -= c.pages;
  }

  /** __zs_compact(): isolate the fullest zspage as destination, fill it from the emptiest ones */
  private compactClass(pos: number): number {
    const c = this.classes[pos];
    let dst = NONE;
    let freed = 0;
    while (c.canCompact() > 0) {
      if (dst === NONE) {
        dst = this.isolate(c, ZS_INUSE_RATIO_99, ZS_INUSE_RATIO_10, -1);
        if (dst === NONE) break;
      }
      const src = this.isolate(c, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_99, 1);
      if (src === NONE) break;
      this.migrateZspage(c, pos, src, dst);
      const fg = fullnessGroup(c.inuse[src], c.objs);
      c.insert(src, fg);
      if (fg === ZS_INUSE_RATIO_0) {
        this.freeZspage(c, src);
        freed += c.pages;
      }
      if (fullnessGroup(c.inuse[dst], c.objs) === ZS_INUSE_RATIO_100) {
        c.insert(dst, ZS_INUSE_RATIO_100);
        dst = NONE;
      }
    }
    if (dst !== NONE) c.insert(dst, fullnessGroup(c.inuse[dst], c.objs));
    return freed;
  }

  /** isolate_src_zspage() (groups 10 → 99) / isolate_dst_zspage() (99 → 10): the first of the first non-empty group, off its list */
  private isolate(c: ClassZspages, from: number, to: number, step: 1 | -1): number {
    for (let fg = from; fg !== to + step; fg += step) {
      const z = c.head[fg];
      if (z !== NONE) {
        c.remove(z);
        return z;
      }
    }
    return NONE;
  }

  /** migrate_zspage(): the source's objects in address order into the destination's free slots */
  private migrateZspage(c: ClassZspages, pos: number, src: number, dst: number): void {
    const base = src * c.objs;
    for (let slot = 0; slot < c.objs; slot++) {
      const handle = c.handleAt[base + slot];
      if (handle === NONE) continue;
      this.place(c, pos, dst, handle);
      c.objFree(src, slot);
      if (c.inuse[dst] === c.objs || c.inuse[src] === 0) break;
    }
  }
}

export interface ZsClassStat {
  index: number;
  size: number;
  /** zspages in the fullness groups 10 %, 20 % … 99 %, 100 % */
  groups: number[];
  objAllocated: number;
  objUsed: number;
  pagesUsed: number;
  pagesPerZspage: number;
  freeable: number;
}
