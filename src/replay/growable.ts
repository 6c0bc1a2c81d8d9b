/** A Uint32Array that grows by doubling; used for per-object tables indexed by content id. */
export class GrowableU32 {
  private data: Uint32Array;

  constructor(initial: number) {
    this.data = new Uint32Array(Math.max(16, initial));
  }

  private ensure(index: number): void {
    if (index < this.data.length) return;
    let n = this.data.length;
    while (n <= index) n *= 2;
    const next = new Uint32Array(n);
    next.set(this.data);
    this.data = next;
  }

  get(index: number): number {
    return index < this.data.length ? this.data[index] : 0;
  }

  set(index: number, value: number): void {
    this.ensure(index);
    this.data[index] = value;
  }

  add(index: number, delta: number): void {
    this.ensure(index);
    this.data[index] += delta;
  }

  testBit(bit: number): boolean {
    const w = bit >>> 5;
    return w < this.data.length && (this.data[w] & (1 << (bit & 31))) !== 0;
  }

  setBit(bit: number): void {
    const w = bit >>> 5;
    this.ensure(w);
    this.data[w] |= 1 << (bit & 31);
  }

  get byteLength(): number {
    return this.data.byteLength;
  }
}

/** `a` itself when it holds `min` entries, else a copy doubled until it does (new entries 0). */
export function grownArray<T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(a: T, min: number): T {
  if (a.length >= min) return a;
  let n = Math.max(16, a.length);
  while (n < min) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
