/**
 * Per group of pages (a process, a mapping): how many pages, how many zero-filled, and which
 * contents it holds how often, so that the report can say what is duplicated within a group and
 * what it shares with other groups — KSM's per-process profit, for every group at once.
 *
 * Contents per group are kept as (content, group) → pages in an open-addressing table of typed
 * arrays: memory grows with the distinct (content, group) pairs, never with pages, and adding a
 * page allocates nothing (the table doubles now and then).
 */
const EMPTY = -1;

export interface GroupFigures {
  pages: number;
  zero_pages: number;
  /** distinct non-zero contents */
  distinct_contents: number;
  /** non-zero pages whose content the group already holds (pages − zero − distinct) */
  duplicates_within: number;
  /** non-zero pages whose content another group holds too */
  pages_shared_with_others: number;
  /** pages the source says more than one mapping maps (counted once, here) */
  pages_mapped_more_than_once: number;
  /**
   * the group's part of what dedup saves, in pages: a page whose content n pages hold in all
   * inputs saves (n − 1) / n of a page, so the parts of all groups add up to the duplicate pages
   */
  dedup_share_pages: number;
}

export class GroupSharing {
  /** @param contents false: count pages only (no content figures, no memory per pair) */
  constructor(private readonly contents = true) {}

  private pages = new Uint32Array(64);
  private zero = new Uint32Array(64);
  private mapped = new Uint32Array(64);
  private groups = 0;
  /** slot s: pairContent[s] (EMPTY when free), pairGroup[s], pairPages[s] */
  private pairContent = new Int32Array(1024).fill(EMPTY);
  private pairGroup = new Int32Array(1024);
  private pairPages = new Uint32Array(1024);
  private pairs = 0;

  get groupCount(): number {
    return this.groups;
  }

  /** pages of a group so far */
  pagesIn(group: number): number {
    return this.pages[group];
  }

  /** Makes groups 0 … n − 1 known (a group may hold no page). */
  ensureGroups(n: number): void {
    if (n <= this.groups) return;
    if (n > this.pages.length) {
      const cap = Math.max(n, this.pages.length * 2);
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(cap);
        b.set(a);
        return b;
      };
      this.pages = grow(this.pages);
      this.zero = grow(this.zero);
      this.mapped = grow(this.mapped);
    }
    this.groups = n;
  }

  /** One page of `group`: content id, or −1 for a zero-filled page; mapcount as the source knows it (0: unknown). */
  add(group: number, content: number, mapcount: number): void {
    this.pages[group]++;
    if (mapcount > 1) this.mapped[group]++;
    if (content < 0) {
      this.zero[group]++;
      return;
    }
    if (!this.contents) return;
    const mask = this.pairContent.length - 1;
    let s = (Math.imul(content, 0x9e3779b1) ^ Math.imul(group + 1, 0x85ebca77)) & mask;
    for (;;) {
      const c = this.pairContent[s];
      if (c === EMPTY) break;
      if (c === content && this.pairGroup[s] === group) {
        this.pairPages[s]++;
        return;
      }
      s = (s + 1) & mask;
    }
    this.pairContent[s] = content;
    this.pairGroup[s] = group;
    this.pairPages[s] = 1;
    if (++this.pairs * 2 > this.pairContent.length) this.rehash();
  }

  private rehash(): void {
    const oc = this.pairContent;
    const og = this.pairGroup;
    const op = this.pairPages;
    const size = oc.length * 2;
    this.pairContent = new Int32Array(size).fill(EMPTY);
    this.pairGroup = new Int32Array(size);
    this.pairPages = new Uint32Array(size);
    const mask = size - 1;
    for (let o = 0; o < oc.length; o++) {
      if (oc[o] === EMPTY) continue;
      let s = (Math.imul(oc[o], 0x9e3779b1) ^ Math.imul(og[o] + 1, 0x85ebca77)) & mask;
      while (this.pairContent[s] !== EMPTY) s = (s + 1) & mask;
      this.pairContent[s] = oc[o];
      this.pairGroup[s] = og[o];
      this.pairPages[s] = op[o];
    }
  }

  /**
   * The figures of every group. `contents` is the number of content ids, `pagesOf[id]` the pages
   * holding content id in all inputs (the dedup index's count).
   */
  figures(contents: number, pagesOf: ArrayLike<number>): GroupFigures[] {
    const out: GroupFigures[] = [];
    for (let g = 0; g < this.groups; g++) {
      out.push({
        pages: this.pages[g],
        zero_pages: this.zero[g],
        distinct_contents: 0,
        duplicates_within: 0,
        pages_shared_with_others: 0,
        pages_mapped_more_than_once: this.mapped[g],
        dedup_share_pages: 0,
      });
    }
    // groups holding each content (saturating at 2: only "more than one" matters)
    const holders = new Uint8Array(contents);
    const size = this.pairContent.length;
    for (let s = 0; s < size; s++) {
      const c = this.pairContent[s];
      if (c !== EMPTY && holders[c] < 2) holders[c]++;
    }
    for (let s = 0; s < size; s++) {
      const c = this.pairContent[s];
      if (c === EMPTY) continue;
      const f = out[this.pairGroup[s]];
      const n = this.pairPages[s];
      f.distinct_contents++;
      f.duplicates_within += n - 1;
      if (holders[c] > 1) f.pages_shared_with_others += n;
      f.dedup_share_pages += (n * (pagesOf[c] - 1)) / pagesOf[c];
    }
    for (const f of out) f.dedup_share_pages = Math.round(f.dedup_share_pages * 100) / 100;
    return out;
  }
}
