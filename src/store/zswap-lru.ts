/**
 * zswap's list_lru of entries (mm/list_lru.c, mm/zswap.c, 6.12): list_lru_add() puts a stored
 * entry at the tail, the walk starts at the head (the oldest), and the second-chance rotation
 * (LRU_ROTATE) and a writeback attempt (list_move_tail() in shrink_memcg_cb()) move an entry to
 * the tail. One list: the replica models a single memcg on a single node.
 * Entries are numbered by the caller (the swap slot); links live in typed arrays.
 */
const NONE = -1;

export class ZswapLru {
  private prev: Int32Array;
  private next: Int32Array;
  /** entry->referenced: set at store, cleared by the walk's first look */
  private referenced: Uint8Array;
  head = NONE;
  private tail = NONE;
  count = 0;

  constructor(initial = 1024) {
    this.prev = new Int32Array(initial);
    this.next = new Int32Array(initial);
    this.referenced = new Uint8Array(initial);
  }

  private ensure(slot: number): void {
    if (slot < this.prev.length) return;
    let n = this.prev.length;
    while (n <= slot) n *= 2;
    const widen = <T extends Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.prev = widen(this.prev);
    this.next = widen(this.next);
    this.referenced = widen(this.referenced);
  }

  /** zswap_lru_add() of a new entry: referenced, at the tail */
  add(slot: number): void {
    this.ensure(slot);
    this.referenced[slot] = 1;
    this.linkTail(slot);
    this.count++;
  }

  /** zswap_lru_del() */
  del(slot: number): void {
    this.unlink(slot);
    this.count--;
  }

  isReferenced(slot: number): boolean {
    return this.referenced[slot] !== 0;
  }

  /** LRU_ROTATE of a referenced entry: the bit is cleared and the entry goes to the tail */
  rotate(slot: number): void {
    this.referenced[slot] = 0;
    this.moveTail(slot);
  }

  /** list_move_tail() */
  moveTail(slot: number): void {
    if (slot === this.tail) return;
    this.unlink(slot);
    this.linkTail(slot);
  }

  /** entries from the head (oldest) to the tail */
  *entries(): Generator<number> {
    for (let s = this.head; s !== NONE; s = this.next[s]) yield s;
  }

  private linkTail(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = NONE;
    if (this.tail === NONE) this.head = slot;
    else this.next[this.tail] = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }
}
