/**
 * Physical pages already captured, by PFN, with how many captured mappings pointed at each:
 * an open-addressing table on typed arrays (16 bytes per slot).
 */
export class PfnTable {
  private keys: Float64Array;
  private counts: Uint32Array;
  private used = 0;

  constructor(initial = 1 << 14) {
    this.keys = new Float64Array(initial).fill(-1);
    this.counts = new Uint32Array(initial);
  }

  get size(): number {
    return this.used;
  }

  /** Adds one reference to `pfn`; returns the references it had before (0: first time seen). */
  reference(pfn: number): number {
    const mask = this.keys.length - 1;
    let s = (Math.imul(pfn | 0, 0x9e3779b1) ^ Math.floor(pfn / 2 ** 32)) & mask;
    while (this.keys[s] !== -1 && this.keys[s] !== pfn) s = (s + 1) & mask;
    if (this.keys[s] === pfn) return this.counts[s]++;
    this.keys[s] = pfn;
    this.counts[s] = 1;
    if (++this.used * 2 > this.keys.length) this.grow();
    return 0;
  }

  /** physical pages referenced more than once, and the references to them */
  shared(): { pages: number; references: number } {
    let pages = 0;
    let references = 0;
    for (let s = 0; s < this.keys.length; s++) {
      if (this.keys[s] !== -1 && this.counts[s] > 1) {
        pages++;
        references += this.counts[s];
      }
    }
    return { pages, references };
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    this.keys = new Float64Array(oldKeys.length * 2).fill(-1);
    this.counts = new Uint32Array(oldKeys.length * 2);
    this.used = 0;
    for (let s = 0; s < oldKeys.length; s++) {
      if (oldKeys[s] === -1) continue;
      this.reference(oldKeys[s]);
      this.counts[this.find(oldKeys[s])] = oldCounts[s];
    }
  }

  private find(pfn: number): number {
    const mask = this.keys.length - 1;
    let s = (Math.imul(pfn | 0, 0x9e3779b1) ^ Math.floor(pfn / 2 ** 32)) & mask;
    while (this.keys[s] !== pfn) s = (s + 1) & mask;
    return s;
  }
}
