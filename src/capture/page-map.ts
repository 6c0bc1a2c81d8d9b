/**
 * A map from a pair (u32 a, integer b < 2^53) to an int32, open addressing on typed arrays
 * (20 bytes per slot): which page key a virtual page (process, virtual page number) or a
 * location (frame or swap entry) held. Cleared and refilled each sample without allocating.
 */
const EMPTY = -1;

export class PageMap {
  private a: Uint32Array;
  private b: Float64Array;
  private v: Int32Array;
  private used = 0;

  constructor(initial = 1 << 12) {
    this.a = new Uint32Array(initial);
    this.b = new Float64Array(initial).fill(EMPTY);
    this.v = new Int32Array(initial);
  }

  get size(): number {
    return this.used;
  }

  private slot(a: number, b: number): number {
    const mask = this.b.length - 1;
    let s = (Math.imul(a ^ (b | 0), 0x9e3779b1) ^ Math.imul(Math.floor(b / 2 ** 32) + 1, 0x85ebca6b)) & mask;
    while (this.b[s] !== EMPTY && (this.b[s] !== b || this.a[s] !== a)) s = (s + 1) & mask;
    return s;
  }

  /** the value stored for (a, b), or `missing` */
  get(a: number, b: number, missing = -1): number {
    const s = this.slot(a, b);
    return this.b[s] === EMPTY ? missing : this.v[s];
  }

  set(a: number, b: number, value: number): void {
    const s = this.slot(a, b);
    if (this.b[s] === EMPTY) {
      this.a[s] = a;
      this.b[s] = b;
      if (++this.used * 2 > this.b.length) {
        this.v[s] = value;
        this.grow();
        return;
      }
    }
    this.v[s] = value;
  }

  clear(): void {
    if (this.used === 0) return;
    this.b.fill(EMPTY);
    this.used = 0;
  }

  private grow(): void {
    const { a, b, v } = this;
    this.a = new Uint32Array(a.length * 2);
    this.b = new Float64Array(b.length * 2).fill(EMPTY);
    this.v = new Int32Array(v.length * 2);
    this.used = 0;
    for (let s = 0; s < b.length; s++) if (b[s] !== EMPTY) this.set(a[s], b[s], v[s]);
  }
}
