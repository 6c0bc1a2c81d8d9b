/**
 * The dedup series (v2, kernel/patches/) keys its index on the low DEDUP_KEY_BITS (32) bits of
 * the page hash (struct zswap_obj's u32 hash; zswap_dedup_key() in mm/zswap.c). The content
 * index may key on more bits (--hash-bits, default the hash's width, so that reports name every
 * content by its whole hash); the dedup store asks which content first had each series key, so
 * that contents colliding in those 32 bits collide in the model as they do in the kernel. The
 * index finds that content on its way (ContentIndex.lowWordGroupOf()).
 */
import type { ContentIndex } from './content-index.js';
import type { HashGroups } from '../store/zswap-store.js';

class LowWordGroups implements HashGroups {
  constructor(private readonly index: ContentIndex) {}

  groupOf(content: number): number {
    return this.index.lowWordGroupOf(content);
  }
}

/** The grouping the dedup store needs: the index's own when it keys on no more bits than the series, else by the hash's low word. */
export function seriesKeyGroups(index: ContentIndex, hashBits: number, seriesBits: number): HashGroups {
  if (hashBits <= seriesBits) return index;
  if (seriesBits !== 32) throw new RangeError(`series keys of ${seriesBits} bits: the content index groups by the hash's low 32 bits only`);
  return new LowWordGroups(index);
}
