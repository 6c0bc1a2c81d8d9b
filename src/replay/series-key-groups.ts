/**
 * The dedup series (v2, kernel/patches/) keys its index on the low DEDUP_KEY_BITS (32) bits of
 * the page hash (struct zswap_obj's u32 hash; zswap_dedup_key() in mm/zswap.c). The content
 * index may key on more bits (--hash-bits, default the hash's width, so that reports name every
 * content by its whole hash); the dedup store asks this which content first had each series key,
 * so that contents colliding in those 32 bits collide in the model as they do in the kernel.
 */
import type { ContentIndex } from './content-index.js';
import type { HashGroups } from '../store/zswap-store.js';
import { GrowableU32 } from './growable.js';

export class SeriesKeyGroups implements HashGroups {
  /** series key → first content id with it */
  private readonly first = new Map<number, number>();
  /** first content with the same series key, per content id (filled in id order) */
  private readonly group = new GrowableU32(1024);
  private done = 0;
  private readonly mask: number;

  constructor(
    private readonly index: ContentIndex,
    bits: number,
  ) {
    this.mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  }

  /** Content ids are given in order of first appearance, so the first id with a key is the first content with it. */
  groupOf(content: number): number {
    while (this.done <= content) {
      const id = this.done++;
      const key = (this.index.hashLo[id] & this.mask) >>> 0;
      const head = this.first.get(key);
      if (head === undefined) this.first.set(key, id);
      this.group.set(id, head ?? id);
    }
    return this.group.get(content);
  }
}

/** The grouping the dedup store needs: the index's own when it keys on no more bits than the series. */
export function seriesKeyGroups(index: ContentIndex, hashBits: number, seriesBits: number): HashGroups {
  return hashBits <= seriesBits ? index : new SeriesKeyGroups(index, seriesBits);
}
