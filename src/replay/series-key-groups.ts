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
  /**
   * series key → first content id with it: open addressing over typed arrays (a Map boxes every
   * key above 2^30 as a heap number, one allocation per content; it cost 6 % of a replay's time)
   */
  private keys: Uint32Array;
  /** content id + 1 of each slot's key, 0: empty */
  private heads: Int32Array;
  private used = 0;
  /** first content with the same series key, per content id (filled in id order) */
  private readonly group: GrowableU32;
  private done = 0;
  private readonly mask: number;

  /** `initial`: contents to make room for at the start (a power of two) */
  constructor(
    private readonly index: ContentIndex,
    bits: number,
    initial = 1 << 11,
  ) {
    this.mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
    this.keys = new Uint32Array(initial * 2);
    this.heads = new Int32Array(initial * 2);
    this.group = new GrowableU32(initial);
  }

  /** Content ids are given in order of first appearance, so the first id with a key is the first content with it. */
  groupOf(content: number): number {
    while (this.done <= content) {
      const id = this.done++;
      this.group.set(id, this.firstWith((this.index.hashLo[id] & this.mask) >>> 0, id));
    }
    return this.group.get(content);
  }

  /** the first content with `key`, which becomes `id` when there is none yet */
  private firstWith(key: number, id: number): number {
    const last = this.heads.length - 1;
    let s = slotOf(key, last);
    for (let head = this.heads[s]; head !== 0; head = this.heads[s]) {
      if (this.keys[s] === key) return head - 1;
      s = (s + 1) & last;
    }
    this.keys[s] = key;
    this.heads[s] = id + 1;
    if (++this.used * 2 > this.heads.length) this.grow();
    return id;
  }

  private grow(): void {
    const { keys, heads } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.heads = new Int32Array(heads.length * 2);
    const last = this.heads.length - 1;
    for (let o = 0; o < heads.length; o++) {
      if (heads[o] === 0) continue;
      let s = slotOf(keys[o], last);
      while (this.heads[s] !== 0) s = (s + 1) & last;
      this.keys[s] = keys[o];
      this.heads[s] = heads[o];
    }
  }
}

function slotOf(key: number, last: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> 0) & last;
}

/** The grouping the dedup store needs: the index's own when it keys on no more bits than the series. */
export function seriesKeyGroups(index: ContentIndex, hashBits: number, seriesBits: number, initial?: number): HashGroups {
  return hashBits <= seriesBits ? index : new SeriesKeyGroups(index, seriesBits, initial);
}
