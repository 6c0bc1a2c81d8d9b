/**
 * One zswap configuration (compressor × zpool × dedup on/off × pool limit) replayed page by page:
 * the decision sequence of zswap_store() in mm/zswap.c (6.12) from the pool-limit check on.
 * Zero-filled pages never get here (swap_writepage() puts them in the zeromap), and the steps
 * that only fail under memory shortage (entry, pool ref, list_lru, xarray allocations) always
 * succeed in the replica.
 *
 * With dedup a page whose content is already a pool object shares it after the limit check and
 * without compressing; the object itself is allocated, counted and charged once.
 */
import { ENOSPC, type CompressorName } from '../compress/compressor.js';
import { GrowableU32 } from '../replay/growable.js';
import type { MetadataSizes } from './metadata.js';
import type { Zpool } from './zpool.js';

export interface PoolLimit {
  /** totalram_pages * max_pool_percent / 100 */
  readonly maxPages: number;
  /** maxPages * accept_threshold_percent / 100 */
  readonly acceptThresholdPages: number;
}

export class ZswapStore {
  storedPages = 0;
  rejectCompressFail = 0;
  rejectCompressPoor = 0;
  rejectAllocFail = 0;
  /** stores refused while the pool was full (not a kernel counter: the kernel just returns false) */
  rejectPoolLimit = 0;
  poolLimitHit = 0;
  /** sum of entry->length over the objects in the pool */
  compressedBytes = 0;
  /** compressor invocations (with dedup: pages that found no shared object) */
  compressions = 0;
  /** pages that shared an existing object (dedup only) */
  duplicatePages = 0;
  private reachedFull = false;
  /** dedup: one bit per content id, set when the content is an object in this pool */
  private readonly inPool: GrowableU32 | null;
  /** dedup with a pool limit: pages sharing each object (without a limit every page of an accepted content does) */
  private readonly refs: GrowableU32 | null;

  constructor(
    readonly compressor: CompressorName,
    readonly zpool: Zpool,
    readonly dedup: boolean,
    readonly limit: PoolLimit | null,
  ) {
    this.inPool = dedup ? new GrowableU32(1024) : null;
    this.refs = dedup && limit ? new GrowableU32(1024) : null;
  }

  /** objects in the pool: one per stored page, or one per unique content with dedup */
  get poolObjects(): number {
    return this.zpool.objects;
  }

  /** One non-zero page reaches zswap_store(). `length` is its compression result (length or -errno). */
  store(content: number, length: number): void {
    if (this.limit && this.poolIsFull()) {
      this.rejectPoolLimit++;
      return;
    }
    if (this.inPool && this.inPool.testBit(content)) {
      this.storedPages++;
      this.duplicatePages++;
      if (this.refs) this.refs.add(content, 1);
      return;
    }
    this.compressions++;
    if (length < 0) {
      if (length === -ENOSPC) this.rejectCompressPoor++;
      else this.rejectCompressFail++;
      return;
    }
    const ret = this.zpool.malloc(length);
    if (ret < 0) {
      if (ret === -ENOSPC) this.rejectCompressPoor++;
      else this.rejectAllocFail++;
      return;
    }
    this.storedPages++;
    this.compressedBytes += length;
    if (this.inPool) this.inPool.setBit(content);
    if (this.refs) this.refs.set(content, 1);
  }

  /** zswap_check_limits(): the pool counts as full from reaching max_pages until it drains to the threshold. */
  private poolIsFull(): boolean {
    const cur = this.zpool.totalPages;
    const limit = this.limit!;
    if (cur >= limit.maxPages) {
      this.poolLimitHit++;
      this.reachedFull = true;
    } else if (this.reachedFull && cur <= limit.acceptThresholdPages) {
      this.reachedFull = false;
    }
    return this.reachedFull;
  }

  get rejectedPages(): number {
    return this.rejectCompressFail + this.rejectCompressPoor + this.rejectAllocFail + this.rejectPoolLimit;
  }

  /** Pages referencing `content` in this store, given how many pages of that content were replayed. */
  pagesSharing(content: number, contentPages: number): number {
    if (this.refs) return this.refs.get(content);
    return this.inPool!.testBit(content) ? contentPages : 0;
  }

  metadataBytes(sizes: MetadataSizes): MetadataBreakdown {
    const entry = this.dedup ? sizes.dedupEntryBytes : sizes.entryBytes;
    const b: MetadataBreakdown = {
      entries: this.storedPages * entry,
      xarray: this.storedPages * sizes.xarrayBytesPerEntry,
      allocator: this.zpool.metadataBytes(sizes),
      dedup_objects: this.dedup ? this.poolObjects * sizes.dedupObjectBytes : 0,
      dedup_index: this.dedup ? this.poolObjects * sizes.dedupIndexBytesPerObject : 0,
      total: 0,
    };
    b.total = b.entries + b.xarray + b.allocator + b.dedup_objects + b.dedup_index;
    return b;
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
