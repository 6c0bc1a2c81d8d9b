/**
 * zswap of Linux 6.12 over time (mm/zswap.c): one entry per swap slot, stored, loaded, invalidated
 * and written back, in a zsmalloc pool that fragments and compacts (zsmalloc-replica.ts).
 *
 * - store (zswap_store()): the pool limit check (zswap_check_limits()), compression result,
 *   zs_malloc(); with the dedup series (v2) a page whose content is an indexed object shares it
 *   instead, and a page whose key another content holds is stored as without dedup.
 *   The new entry is referenced and goes to the LRU tail. An older entry of the same slot (a page
 *   re-dirtied and swapped out again) is freed after a successful store, or erased on a reject.
 *   Every reject while the pool is flagged full queues the shrink worker.
 * - load (zswap_load()): a swap-in through the swap cache is an exclusive load: the entry is freed.
 * - invalidate (zswap_invalidate()): the swap slot is freed (unmap, exit): the entry is freed.
 * - shrink worker (shrink_worker()): writes back from the LRU head until the pool is at or below
 *   the accept threshold; a referenced entry is rotated to the tail with its bit cleared
 *   (shrink_memcg_cb()) and counts as a failure, as does a pass over the memcgs without any
 *   attempt; the worker gives up at MAX_RECLAIM_RETRIES. With dedup, an entry whose object other
 *   slots share is passed over first (rotated to the tail, its bit untouched: dedup_wb_skip),
 *   and shrink_memcg() walks on to the next entry, once around the list at most.
 *   It runs to completion right after the reject that queued it.
 * - compaction (zs_compact()) when the caller says the kernel ran it.
 *
 * Modelled as one memcg on one node, without the memcg zswap limit (memory.zswap.max), the
 * memory-pressure shrinker (zswap.shrinker_enabled, Kconfig default off) and concurrent swap-ins
 * racing with writeback (reject_reclaim_fail).
 */
import type { CompressorName } from '../compress/compressor.js';
import { GrowableU32 } from '../replay/growable.js';
import { COLLISION, DedupObjects } from './dedup-objects.js';
import type { MetadataSizes } from './metadata.js';
import type { ZsmallocReplica } from './zsmalloc-replica.js';
import { ZswapLru } from './zswap-lru.js';
import { metadataBreakdown, PoolLimitCheck, RejectCounters, type MetadataBreakdown, type PoolLimit } from './zswap-rules.js';
import type { HashGroups } from './zswap-store.js';

/** MAX_RECLAIM_RETRIES (include/linux/swap.h) */
export const MAX_RECLAIM_RETRIES = 16;

const NONE = -1;
/** where shrink_worker()'s memcg cursor (zswap_next_shrink) points next: the root, the memcg with entries, the end of the pass */
const CURSOR_ROOT = 0;
const CURSOR_PASS_END = 2;

export class ZswapReplica extends RejectCounters {
  /** stored_pages: live entries */
  storedPages = 0;
  /** Σ entry->length over live entries: memcg's zswap charge (memory.zswap.current) */
  chargedBytes = 0;
  /** stock: Σ length over live entries' objects (with dedup: DedupObjects.compressedBytes) */
  private plainBytes = 0;
  /** cumulative: zswpout (successful stores), zswpin (loads from zswap), invalidated entries */
  stores = 0;
  loads = 0;
  invalidations = 0;
  /** written_back_pages, and what those writebacks freed */
  writtenBack = 0;
  /** pool pages freed by writeback (zspages emptied by it) */
  writebackFreedPages = 0;
  /** writebacks that only dropped a reference of a shared object: none with series v2, which never writes a shared slot back */
  writebackShared = 0;
  /** dedup_wb_skip: entries passed over by the writeback walk because their object was shared */
  writebackSkippedShared = 0;
  /** compressor invocations */
  compressions = 0;
  /** dedup_hits */
  dedupHits = 0;
  /** shrink worker runs, and the runs that gave up after MAX_RECLAIM_RETRIES failures */
  shrinkWorkerRuns = 0;
  shrinkWorkerGaveUp = 0;
  private readonly limits: PoolLimitCheck | null;
  private readonly lru = new ZswapLru();
  /** zswap_next_shrink: NULL at boot, so the first pass starts at the root */
  private shrinkCursor = CURSOR_ROOT;
  /** per slot: 1 + zpool handle (stock, or a dedup collision) or 1 + object (dedup); 0 when the slot has no entry */
  private readonly entry = new GrowableU32(1024);
  /** dedup: 1 when the slot's entry owns a zpool handle (a collision stored as without dedup) */
  private readonly entryPlain = new GrowableU32(1024);
  private readonly entryLength = new GrowableU32(1024);
  readonly objects: DedupObjects | null;

  constructor(
    readonly compressor: CompressorName,
    readonly zpool: ZsmallocReplica,
    readonly dedup: boolean,
    readonly limit: PoolLimit | null,
    groups: HashGroups | null = null,
  ) {
    super();
    this.limits = limit ? new PoolLimitCheck(limit) : null;
    this.objects = dedup ? new DedupObjects(groups) : null;
  }

  get poolLimitHit(): number {
    return this.limits?.hits ?? 0;
  }

  /** Σ length of the compressed objects (and plain entries) in the pool */
  get compressedBytes(): number {
    return (this.objects ? this.objects.compressedBytes : 0) + this.plainBytes;
  }

  hasEntry(slot: number): boolean {
    return this.entry.get(slot) !== 0;
  }

  /**
   * zswap_store() of a non-zero page in swap slot `slot`; `length` is its compression result
   * (length or -errno). Returns whether zswap took it (else it goes to the swap device).
   */
  store(slot: number, content: number, length: number): boolean {
    if (this.limits?.check(this.zpool.totalPages)) {
      this.rejectPoolLimit++;
      this.rejected(slot);
      return false;
    }
    let data = NONE;
    let plain = !this.objects;
    if (this.objects) {
      data = this.objects.find(content);
      if (data === COLLISION) {
        plain = true;
        data = NONE;
      } else if (data !== NONE) {
        this.dedupHits++;
      }
    }
    if (data === NONE) {
      this.compressions++;
      const handle = length < 0 ? 0 : this.zpool.malloc(length);
      if (length < 0 || handle < 0) {
        this.countReject(length, handle);
        this.rejected(slot);
        return false;
      }
      data = plain ? handle : this.objects!.create(content, handle, length);
      if (plain) this.plainBytes += length;
    }
    if (this.entry.get(slot) !== 0) this.freeEntry(slot);
    this.entry.set(slot, data + 1);
    this.entryPlain.set(slot, plain && this.objects ? 1 : 0);
    this.entryLength.set(slot, length);
    this.lru.add(slot);
    this.storedPages++;
    this.stores++;
    this.chargedBytes += length;
    return true;
  }

  /** zswap_load() through the swap cache: true when zswap held the page (the entry is freed), false when it comes from the swap device */
  load(slot: number): boolean {
    if (this.entry.get(slot) === 0) return false;
    this.freeEntry(slot);
    this.loads++;
    return true;
  }

  /** zswap_invalidate(): the swap slot is freed */
  invalidate(slot: number): boolean {
    if (this.entry.get(slot) === 0) return false;
    this.freeEntry(slot);
    this.invalidations++;
    return true;
  }

  /** zs_compact() (the zsmalloc shrinker, or drop_caches); returns the pages freed */
  compact(): number {
    return this.zpool.compact();
  }

  metadataBytes(sizes: MetadataSizes): MetadataBreakdown {
    return metadataBreakdown(sizes, this.dedup, this.storedPages, this.zpool, this.objects?.objects ?? 0);
  }

  /** the reject path: queue the shrink worker if the pool is flagged full, erase a stale entry */
  private rejected(slot: number): void {
    if (this.limits?.reachedFull) this.shrinkWorker();
    if (this.entry.get(slot) !== 0) this.freeEntry(slot);
  }

  /**
   * shrink_worker(): walks the memcg hierarchy round robin (mem_cgroup_iter() from the cursor
   * zswap_next_shrink, which outlives the run) — here the root, which holds no entries, then the
   * one memcg with entries, then the end of the pass — taking one LRU entry of that memcg per
   * pass, until the pool is at the accept threshold. A rotated (referenced) entry or a pass
   * without any attempt is a failure; the 16th ends the run. So a run that starts where the last
   * one stopped, after the memcg, begins with a pass without attempts: one failure.
   */
  private shrinkWorker(): void {
    const thr = this.limit!.acceptThresholdPages;
    let failures = 0;
    let attempts = 0;
    this.shrinkWorkerRuns++;
    do {
      const at = this.shrinkCursor;
      this.shrinkCursor = (at + 1) % 3;
      if (at === CURSOR_ROOT) continue; // -ENOENT: no entries of its own
      if (at === CURSOR_PASS_END) {
        if (attempts === 0 && ++failures === MAX_RECLAIM_RETRIES) break;
        attempts = 0;
        continue;
      }
      let slot = this.lru.head;
      if (slot === NONE) continue; // -ENOENT: nothing scanned
      attempts++;
      // shrink_memcg(): a shared entry is no candidate; walk past it, once around the list at most
      let left = this.lru.count;
      while (slot !== NONE && this.isShared(slot)) {
        this.writebackSkippedShared++;
        this.lru.moveTail(slot);
        slot = left-- > 1 ? this.lru.head : NONE;
      }
      if (slot === NONE) {
        if (++failures === MAX_RECLAIM_RETRIES) break;
        continue;
      }
      if (this.lru.isReferenced(slot)) {
        this.lru.rotate(slot);
        if (++failures === MAX_RECLAIM_RETRIES) break;
        continue;
      }
      this.lru.moveTail(slot);
      this.writeback(slot);
    } while (this.zpool.totalPages > thr);
    if (failures === MAX_RECLAIM_RETRIES) this.shrinkWorkerGaveUp++;
  }

  /** dedup: do other slots share the entry's object? */
  private isShared(slot: number): boolean {
    return this.objects !== null && this.entryPlain.get(slot) === 0 && this.objects.refsOf(this.entry.get(slot) - 1) > 1;
  }

  /** zswap_writeback_entry(): the page goes to the swap device, the entry (and with dedup its object, whose last reference it holds) is freed */
  private writeback(slot: number): void {
    const before = this.zpool.totalPages;
    this.freeEntry(slot);
    this.writtenBack++;
    this.writebackFreedPages += before - this.zpool.totalPages;
  }

  /** zswap_entry_free(): off the LRU, the data released (the last reference frees the object), uncharged */
  private freeEntry(slot: number): void {
    const data = this.entry.get(slot) - 1;
    const length = this.entryLength.get(slot);
    this.lru.del(slot);
    if (this.objects && this.entryPlain.get(slot) === 0) {
      const handle = this.objects.put(data);
      if (handle !== NONE) this.zpool.free(handle);
    } else {
      this.zpool.free(data);
      this.plainBytes -= length;
    }
    this.entry.set(slot, 0);
    this.storedPages--;
    this.chargedBytes -= length;
  }
}
