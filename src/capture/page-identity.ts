/**
 * Which page is which across the samples of a recording. The keys here are identities: every
 * page found has one, also pages no record is written for (first seen swapped out, unreadable);
 * the key a recording writes (timeline.ts) is given with the page's first record (record-keys.ts).
 *
 * zswap stores one entry per swapped-out anonymous page: a page mapped by several processes
 * (fork's copy-on-write, KSM) is one entry, and a page keeps being the same page when the kernel
 * moves it (swap-out and back in, migration, compaction) although its frame changes. So one key
 * stands for one such page. At each sample every virtual page in scope (process, virtual page
 * number) is found at a location — a frame (PFN), a swap entry (type, offset), or, without
 * PFNs (--no-pfn), nowhere known — and gets its key by these rules, in this order:
 *
 *   1. same place: a virtual page at the location where it was at the previous sample keeps
 *      that location's key (the location is "confirmed");
 *   2. the page moved: a virtual page now at a location no one confirmed, whose key of the
 *      previous sample no one confirmed either, takes its key along (swap-out, swap-in,
 *      migration; a page freed and faulted in again at the same address looks the same and is
 *      recorded as a CHANGE of that key);
 *   3. otherwise a virtual page at a location that already has a key in this sample shares it
 *      (a new sharer: a child after fork, KSM merging); one at a location of the previous sample
 *      that no virtual page took along keeps that key if its content is unchanged (mremap), else
 *      that key is GONE and the page is new; anything else is a new page.
 *
 * A copy-on-write break is rule 1 for the side that kept the frame and "new page" for the
 * writer. A process is told apart from a later one with the same PID by its start time. Keys of
 * pages no virtual page holds any more are GONE; their numbers are reused from the next sample
 * on, lowest first. Locations that are neither frames nor swap slots (migration, hwpoison, device and marker
 * entries: swap types ≥ FIRST_SPECIAL_SWAP_TYPE) are in transit: the page keeps its key and
 * state until a later sample finds it again.
 */
import { PageMap } from './page-map.js';

/** where a virtual page was found */
export const LOC = {
  FRAME: 0,
  SWAP: 1,
  /** present, frame unknown (--no-pfn) */
  NONE: 2,
  /** a non-swap entry (migration …) */
  TRANSIT: 3,
} as const;

/**
 * Swap types from here on are special entries in 6.12 with every option that adds some
 * (include/linux/swap.h: 32 - device 4 - migration 3 - hwpoison 1 - PTE marker 1 = MAX_SWAPFILES 23).
 */
export const FIRST_SPECIAL_SWAP_TYPE = 23;

/** key states */
export const KEY = {
  FREE: 0,
  /** handed out in this sample, fate not decided yet */
  NEW: 1,
  PRESENT: 2,
  SWAPPED: 3,
  /** alive but never read (swapped out since it was first found): not announced */
  HIDDEN: 4,
} as const;

function grown<T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, n: number, make: (n: number) => T, fill?: number): T {
  if (a.length >= n) return a;
  const b = make(Math.max(n, a.length * 2));
  if (fill !== undefined) b.fill(fill);
  b.set(a);
  return b;
}

/** The virtual pages in scope found by one sample's walk, in walk order. */
export class SampleWalk {
  count = 0;
  proc = new Uint32Array(1024);
  vpage = new Float64Array(1024);
  kind = new Uint8Array(1024);
  loc = new Float64Array(1024);
  /** the frame whose idle bit stands for the page (the head of a large folio) */
  idleFrame = new Float64Array(1024);
  flags = new Uint32Array(1024);
  mapping = new Uint32Array(1024);
  /** soft-dirty bit: 0 clean, 1 written, 2 unknown (process not cleared at the previous sample) */
  softDirty = new Uint8Array(1024);
  /** the key (after PageIdentity.resolve), -1: none */
  key = new Int32Array(1024);

  reset(): void {
    this.count = 0;
  }

  push(proc: number, vpage: number, kind: number, loc: number, idleFrame: number, flags: number, mapping: number, softDirty: number): void {
    const i = this.count++;
    if (i === this.proc.length) {
      const n = i * 2;
      this.proc = grown(this.proc, n, (m) => new Uint32Array(m));
      this.vpage = grown(this.vpage, n, (m) => new Float64Array(m));
      this.kind = grown(this.kind, n, (m) => new Uint8Array(m));
      this.loc = grown(this.loc, n, (m) => new Float64Array(m));
      this.idleFrame = grown(this.idleFrame, n, (m) => new Float64Array(m));
      this.flags = grown(this.flags, n, (m) => new Uint32Array(m));
      this.mapping = grown(this.mapping, n, (m) => new Uint32Array(m));
      this.softDirty = grown(this.softDirty, n, (m) => new Uint8Array(m));
      this.key = grown(this.key, n, (m) => new Int32Array(m));
    }
    this.proc[i] = proc;
    this.vpage[i] = vpage;
    this.kind[i] = kind;
    this.loc[i] = loc;
    this.idleFrame[i] = idleFrame;
    this.flags[i] = flags;
    this.mapping[i] = mapping;
    this.softDirty[i] = softDirty;
    this.key[i] = -1;
  }
}

export class PageIdentity {
  /** per key */
  state = new Uint8Array(1024);
  /** sample in which the key was last found */
  private stamp = new Int32Array(1024).fill(-1);
  /** first virtual page of the key in this sample's walk */
  primary = new Int32Array(1024);
  /** rule 3 (mremap): the key continues only if its content is unchanged */
  tentative = new Uint8Array(1024);
  /** the content fingerprint last recorded (4 words per key) */
  fingerprint = new Uint32Array(4 * 1024);
  /** the frame whose idle bit was set for the key at the previous sample (-1: none) */
  markedFrame = new Float64Array(1024).fill(-1);
  /** the key a split key's virtual pages move to (rule 3 with a changed content), -1: none */
  private renamed = new Int32Array(1024).fill(-1);
  limit = 0;
  /** keys gone in earlier samples (reusable), and in this one */
  private free: number[] = [];
  private freeNext: number[] = [];
  private prevLoc = new PageMap();
  private prevVirt = new PageMap();
  private curLoc = new PageMap();
  private sample = -1;

  /** keys alive (announced or hidden) */
  get alive(): number {
    let n = 0;
    for (let k = 0; k < this.limit; k++) if (this.state[k] !== KEY.FREE) n++;
    return n;
  }

  private alloc(): number {
    const k = this.free.length ? this.free.pop()! : this.limit++;
    if (k >= this.state.length) {
      const n = k + 1;
      this.state = grown(this.state, n, (m) => new Uint8Array(m));
      this.stamp = grown(this.stamp, n, (m) => new Int32Array(m), -1);
      this.primary = grown(this.primary, n, (m) => new Int32Array(m));
      this.tentative = grown(this.tentative, n, (m) => new Uint8Array(m));
      this.fingerprint = grown(this.fingerprint, 4 * n, (m) => new Uint32Array(m));
      this.markedFrame = grown(this.markedFrame, n, (m) => new Float64Array(m), -1);
      this.renamed = grown(this.renamed, n, (m) => new Int32Array(m), -1);
    }
    this.state[k] = KEY.NEW;
    this.stamp[k] = -1;
    this.tentative[k] = 0;
    this.markedFrame[k] = -1;
    this.renamed[k] = -1;
    return k;
  }

  private assign(walk: SampleWalk, i: number, k: number): void {
    walk.key[i] = k;
    if (this.stamp[k] !== this.sample) {
      this.stamp[k] = this.sample;
      this.primary[k] = i;
      this.tentative[k] = 0;
    }
    const kind = walk.kind[i];
    if (kind === LOC.FRAME || kind === LOC.SWAP) this.curLoc.set(kind, walk.loc[i], k);
  }

  /** Gives every virtual page of the walk its key (the rules above). */
  resolve(walk: SampleWalk, sample: number): void {
    this.sample = sample;
    this.curLoc.clear();
    const n = walk.count;
    const located = (i: number) => walk.kind[i] === LOC.FRAME || walk.kind[i] === LOC.SWAP;
    // 1. same place; without a location (no PFN, in transit) the virtual page is the identity
    for (let i = 0; i < n; i++) {
      const kv = this.prevVirt.get(walk.proc[i], walk.vpage[i]);
      if (kv < 0) continue;
      if (!located(i) || this.prevLoc.get(walk.kind[i], walk.loc[i]) === kv) this.assign(walk, i, kv);
    }
    // 2. the page moved with its virtual page
    for (let i = 0; i < n; i++) {
      if (walk.key[i] >= 0 || !located(i)) continue;
      const kv = this.prevVirt.get(walk.proc[i], walk.vpage[i]);
      if (kv >= 0 && this.stamp[kv] !== sample && this.curLoc.get(walk.kind[i], walk.loc[i]) < 0) this.assign(walk, i, kv);
    }
    // 3. sharers, mremap, new pages
    for (let i = 0; i < n; i++) {
      if (walk.key[i] >= 0) continue;
      if (walk.kind[i] === LOC.TRANSIT) continue; // first seen in transit: found later
      if (located(i)) {
        const here = this.curLoc.get(walk.kind[i], walk.loc[i]);
        if (here >= 0) {
          this.assign(walk, i, here);
          continue;
        }
        const kl = this.prevLoc.get(walk.kind[i], walk.loc[i]);
        if (kl >= 0 && this.stamp[kl] !== sample && this.state[kl] !== KEY.FREE) {
          this.assign(walk, i, kl);
          this.tentative[kl] = 1;
          continue;
        }
      }
      this.assign(walk, i, this.alloc());
    }
  }

  /** was the key found in this sample? */
  found(k: number): boolean {
    return this.stamp[k] === this.sample;
  }

  /** A key whose page turned out to be another one (rule 3, content changed): the new key. */
  split(k: number): number {
    const k2 = this.alloc();
    this.stamp[k2] = this.sample;
    this.primary[k2] = this.primary[k];
    this.renamed[k] = k2;
    this.retire(k);
    return k2;
  }

  /** The key is gone: reusable from the next sample on. */
  retire(k: number): void {
    this.state[k] = KEY.FREE;
    this.freeNext.push(k);
  }

  /** A key never announced (its page could not be read, or it went while hidden): no GONE for it. */
  release(k: number): void {
    this.retire(k);
  }

  /** Ends the sample: where each live key is, for the next one. */
  finish(walk: SampleWalk): void {
    this.prevLoc.clear();
    this.prevVirt.clear();
    for (let i = 0; i < walk.count; i++) {
      let k = walk.key[i];
      if (k < 0) continue;
      if (this.renamed[k] >= 0 && this.stamp[this.renamed[k]] === this.sample) k = walk.key[i] = this.renamed[k];
      if (this.state[k] === KEY.FREE) {
        walk.key[i] = -1;
        continue;
      }
      this.prevVirt.set(walk.proc[i], walk.vpage[i], k);
      if (walk.kind[i] === LOC.FRAME || walk.kind[i] === LOC.SWAP) this.prevLoc.set(walk.kind[i], walk.loc[i], k);
    }
    // lowest first: new pages take freed keys in walk order, so within a sample key order stays
    // address order (the order a replay takes a sample's stores and frees in)
    if (this.freeNext.length) {
      this.free.push(...this.freeNext);
      this.free.sort((a, b) => b - a);
    }
    this.freeNext = [];
  }
}
