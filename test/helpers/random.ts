/** Deterministic pseudo-random numbers (xorshift32), so test inputs and mutants are reproducible. */
export class Rng {
  private x: number;

  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }

  /** next u32 */
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.x = x;
    return x;
  }

  /** 0 .. n-1 */
  below(n: number): number {
    return this.next() % n;
  }

  /** [0, 1) */
  float(): number {
    return this.next() / 2 ** 32;
  }
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() & 0xff;
  return out;
}
