/**
 * zbud page accounting for a pool that has only seen allocations (mm/zbud.c, 6.12): a page holds
 * at most two objects ("buddies") in 64-byte chunks after a one-chunk header. zbud_alloc() takes
 * the first half-used page whose free chunks fit, searching from the exact fit upward, else a new
 * page. Without frees every half-used page has its first buddy set, so pages are told apart by
 * their free-chunk count only.
 */
import { EINVAL, ENOSPC, PAGE_SIZE, ZBUD } from '../model/kernel.js';
import type { Zpool } from './zpool.js';

const CHUNK_SHIFT = ZBUD.chunkShift;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const ZHDR_SIZE_ALIGNED = CHUNK_SIZE;
const NCHUNKS = (PAGE_SIZE - ZHDR_SIZE_ALIGNED) >> CHUNK_SHIFT;
/** largest object zbud accepts: PAGE_SIZE - ZHDR_SIZE_ALIGNED - CHUNK_SIZE = 3968 */
export const ZBUD_MAX_ALLOC = PAGE_SIZE - ZHDR_SIZE_ALIGNED - CHUNK_SIZE;

export class ZbudPool implements Zpool {
  readonly name = 'zbud' as const;
  /** half-used pages by number of free chunks (pool->unbuddied[]) */
  private readonly unbuddied = new Float64Array(NCHUNKS);
  totalPages = 0;
  objects = 0;

  malloc(length: number): number {
    if (length === 0) return -EINVAL;
    if (length > ZBUD_MAX_ALLOC) return -ENOSPC;
    const chunks = (length + CHUNK_SIZE - 1) >> CHUNK_SHIFT;
    this.objects++;
    for (let free = chunks; free < NCHUNKS; free++) {
      if (this.unbuddied[free] > 0) {
        this.unbuddied[free]--;
        return 0;
      }
    }
    this.totalPages++;
    this.unbuddied[NCHUNKS - chunks]++;
    return 0;
  }

  /** zbud encodes the handle as the object's address and keeps its header inside the page. */
  metadataBytes(): number {
    return 0;
  }
}
