/**
 * What every zswap replica shares (mm/zswap.c, 6.12): the reject counters zswap_compress() bumps,
 * the global pool limit with its hysteresis (zswap_check_limits()), and the memory spent outside
 * the pool pages.
 */
import { ENOSPC } from '../model/kernel.js';
import type { MetadataSizes } from './metadata.js';
import type { Zpool } from './zpool.js';

export interface PoolLimit {
  /** totalram_pages * max_pool_percent / 100 */
  readonly maxPages: number;
  /** maxPages * accept_threshold_percent / 100 */
  readonly acceptThresholdPages: number;
}

/** zswap_check_limits(): the pool counts as full from reaching max_pages until it drains to the threshold. */
export class PoolLimitCheck {
  /** zswap_pool_reached_full */
  reachedFull = false;
  /** pool_limit_hit */
  hits = 0;

  constructor(readonly limit: PoolLimit) {}

  check(curPages: number): boolean {
    if (curPages >= this.limit.maxPages) {
      this.hits++;
      this.reachedFull = true;
    } else if (this.reachedFull && curPages <= this.limit.acceptThresholdPages) {
      this.reachedFull = false;
    }
    return this.reachedFull;
  }
}

/** The store's refusals, by the counter the kernel bumps. */
export class RejectCounters {
  rejectCompressFail = 0;
  rejectCompressPoor = 0;
  rejectAllocFail = 0;
  /** stores refused while the pool was full (not a kernel counter: the kernel just returns false) */
  rejectPoolLimit = 0;

  /**
   * zswap_compress() failed: `comp` is the compression result (length or -errno), `alloc` what
   * zpool_malloc() returned (0 when it was not called). -ENOSPC from either is
   * reject_compress_poor, another compressor error reject_compress_fail, another allocator error
   * reject_alloc_fail.
   */
  countReject(comp: number, alloc: number): void {
    if (comp === -ENOSPC || alloc === -ENOSPC) this.rejectCompressPoor++;
    else if (comp < 0) this.rejectCompressFail++;
    else this.rejectAllocFail++;
  }

  get rejectedPages(): number {
    return this.rejectCompressFail + this.rejectCompressPoor + this.rejectAllocFail + this.rejectPoolLimit;
  }
}

export interface MetadataBreakdown {
  entries: number;
  xarray: number;
  allocator: number;
  dedup_objects: number;
  dedup_index: number;
  total: number;
}

/**
 * Memory outside the pool pages: a zswap_entry and an xarray slot per stored page, the allocator's
 * handles and zspage descriptors, and with dedup what each of the `objects` adds to the entry of
 * its first slot (a zswap_obj is allocated in place of that entry), and index cost per object.
 */
export function metadataBreakdown(sizes: MetadataSizes, dedup: boolean, storedPages: number, zpool: Zpool, objects: number): MetadataBreakdown {
  const b: MetadataBreakdown = {
    entries: storedPages * (dedup ? sizes.dedupEntryBytes : sizes.entryBytes),
    xarray: storedPages * sizes.xarrayBytesPerEntry,
    allocator: zpool.metadataBytes(sizes),
    dedup_objects: dedup ? objects * (sizes.dedupObjectBytes - sizes.dedupEntryBytes) : 0,
    dedup_index: dedup ? objects * sizes.dedupIndexBytesPerObject : 0,
    total: 0,
  };
  b.total = b.entries + b.xarray + b.allocator + b.dedup_objects + b.dedup_index;
  return b;
}
