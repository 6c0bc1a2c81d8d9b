/**
 * zsmalloc page accounting for a pool that has only seen allocations (mm/zsmalloc.c, 6.12):
 * zs_malloc() adds a zspage of pages_per_zspage pages to a class when none of its zspages has a
 * free slot, so a class with n objects holds ceil(n / objs_per_zspage) zspages.
 */
import { ENOSPC, EINVAL } from '../model/kernel.js';
import { ZS_MAX_ALLOC_SIZE, type SizeClassTable } from './zsmalloc-classes.js';
import type { AllocatorMetadataSizes, Zpool } from './zpool.js';

export class ZsmallocPool implements Zpool {
  readonly name = 'zsmalloc' as const;
  /** objects per distinct class (position in table.classes) */
  readonly classObjects: Float64Array;
  totalPages = 0;
  zspages = 0;
  objects = 0;

  constructor(readonly table: SizeClassTable) {
    this.classObjects = new Float64Array(table.classes.length);
  }

  malloc(length: number): number {
    if (length === 0) return -EINVAL;
    if (length > ZS_MAX_ALLOC_SIZE) return -ENOSPC;
    const pos = this.table.classOfLength[length];
    const cls = this.table.classes[pos];
    if (this.classObjects[pos] % cls.objsPerZspage === 0) {
      this.zspages++;
      this.totalPages += cls.pagesPerZspage;
    }
    this.classObjects[pos]++;
    this.objects++;
    return 0;
  }

  metadataBytes(sizes: AllocatorMetadataSizes): number {
    return this.objects * sizes.handleBytes + this.zspages * sizes.zspageBytes;
  }
}
