/**
 * One zswap configuration (compressor × zpool × dedup on/off × pool limit) replayed page by page:
 * the decision sequence of zswap_store() in mm/zswap.c (6.12) from the pool-limit check on.
 * Zero-filled pages never get here (swap_writepage() puts them in the zeromap), and the steps
 * that only fail under memory shortage (entry, pool ref, list_lru, xarray allocations) always
 * succeed in the replica.
 *
 * With dedup (the series in kernel/patches/, v2) a page whose content is already an indexed object
 * shares it after the limit check and without compressing; any other page is compressed and
 * becomes an object, indexed under its hash key (zswap_entry_new()). A content whose key is held by
 * a different, already indexed content fails verification (dedup_verify_fail) and is stored
 * exactly as without dedup: a plain entry, no object, never shared, so its copies collide again
 * (zswap_dedup_find()). In the default global scope every stored page is charged to its memcg in
 * full. Concurrent stores of one content end as one object (zswap_obj_publish()), so the
 * sequential replay gives the kernel's counters.
 */
import type { CompressorName } from '../compress/compressor.js';
import { GrowableU32 } from '../replay/growable.js';
import type { MetadataSizes } from './metadata.js';
import type { Zpool } from './zpool.js';
import { metadataBreakdown, PoolLimitCheck, RejectCounters, type MetadataBreakdown, type PoolLimit } from './zswap-rules.js';

export type { MetadataBreakdown, PoolLimit } from './zswap-rules.js';

/** which content first had a given hash value (ContentIndex.groupOf) */
export interface HashGroups {
  groupOf(content: number): number;
}
export class ZswapStore extends RejectCounters {
  storedPages = 0;
  /** sum of entry->length over the objects in the pool */
  compressedBytes = 0;
  /** compressor invocations (with dedup: pages that found no shared object) */
  compressions = 0;
  /** pages that shared an existing object (dedup only; the series' dedup_hits) */
  duplicatePages = 0;
  /** lookups that found an indexed object with the same hash and different content (dedup_verify_fail) */
  verifyFailures = 0;
  /** dedup: pages stored as without dedup because a different content held their key (plain entries) */
  collisionPages = 0;
  collisionBytes = 0;
  /** sum of entry->length over stored pages: what memcg charges (MEMCG_ZSWAP_B, memory.zswap.current) */
  chargedBytes = 0;
  private readonly limits: PoolLimitCheck | null;
  /** dedup: one bit per content id, set when the content is an indexed object in this pool */
  private readonly inPool: GrowableU32 | null;
  /** dedup: the indexed content of a hash group whose first content is not the one indexed */
  private readonly groupOwner = new Map<number, number>();
  /** dedup with a pool limit: pages sharing each object (without a limit every page of an accepted content does) */
  private readonly refs: GrowableU32 | null;

  constructor(
    readonly compressor: CompressorName,
    readonly zpool: Zpool,
    readonly dedup: boolean,
    readonly limit: PoolLimit | null,
    private readonly groups: HashGroups | null = null,
  ) {
    super();
    this.limits = limit ? new PoolLimitCheck(limit) : null;
    this.inPool = dedup ? new GrowableU32(1024) : null;
    this.refs = dedup && limit ? new GrowableU32(1024) : null;
  }

  /** objects in the pool: one per stored page, or one per unique content with dedup */
  get poolObjects(): number {
    return this.zpool.objects;
  }

  /** dedup: struct zswap_obj stored (dedup_objects): the pool objects that are not collision pages */
  get dedupObjects(): number {
    return this.dedup ? this.zpool.objects - this.collisionPages : 0;
  }

  /** One non-zero page reaches zswap_store(). `length` is its compression result (length or -errno). */
  store(content: number, length: number): void {
    if (this.limits?.check(this.zpool.totalPages)) {
      this.rejectPoolLimit++;
      return;
    }
    let group = content;
    let indexable = true;
    if (this.inPool) {
      if (this.inPool.testBit(content)) {
        this.storedPages++;
        this.duplicatePages++;
        this.chargedBytes += length;
        if (this.refs) this.refs.add(content, 1);
        return;
      }
      group = this.groups ? this.groups.groupOf(content) : content;
      const owner = group !== content && this.inPool.testBit(group) ? group : this.groupOwner.get(group);
      if (owner !== undefined && owner !== content) {
        this.verifyFailures++;
        indexable = false;
      }
    }
    this.compressions++;
    const ret = length < 0 ? 0 : this.zpool.malloc(length);
    if (length < 0 || ret < 0) {
      this.countReject(length, ret);
      return;
    }
    this.storedPages++;
    this.compressedBytes += length;
    this.chargedBytes += length;
    if (!this.inPool) return;
    if (!indexable) {
      this.collisionPages++;
      this.collisionBytes += length;
      return;
    }
    this.inPool.setBit(content);
    if (group !== content) this.groupOwner.set(group, content);
    if (this.refs) this.refs.set(content, 1);
  }

  get poolLimitHit(): number {
    return this.limits?.hits ?? 0;
  }

  /** Pages referencing `content` in this store, given how many pages of that content were replayed. */
  pagesSharing(content: number, contentPages: number): number {
    if (this.refs) return this.refs.get(content);
    return this.inPool!.testBit(content) ? contentPages : 0;
  }

  metadataBytes(sizes: MetadataSizes): MetadataBreakdown {
    return metadataBreakdown(sizes, this.dedup, this.storedPages, this.zpool, this.dedupObjects);
  }
}
