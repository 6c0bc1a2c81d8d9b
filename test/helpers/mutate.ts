/** Deterministic mutations of a file's bytes, for hostile-input tests and the fuzzer (scripts/fuzz.mjs). */
import type { Rng } from './random.js';

const BOUNDARY32 = [0, 1, 0x7f, 0xff, 0x1000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/**
 * A mutated copy of `data`: a few bit flips, boundary values written over 2/4/8-byte fields,
 * a truncation, or a slice repeated elsewhere. `headerBias` makes most edits hit the first bytes,
 * where formats keep their counts and offsets.
 */
export function mutate(data: Buffer, rng: Rng, headerBias = 4096): Buffer {
  const rand = () => rng.float();
  const kind = Math.floor(rand() * 5);
  const pos = (limit: number) => Math.floor(rand() * Math.max(1, limit));
  const where = () => (rand() < 0.7 ? pos(Math.min(headerBias, data.length)) : pos(data.length));
  if (kind === 0) return data.subarray(0, pos(data.length));
  const out = Buffer.from(data);
  if (out.length === 0) return out;
  const edits = 1 + pos(4);
  for (let e = 0; e < edits; e++) {
    const at = where();
    if (kind === 1) {
      out[at] ^= 1 << pos(8);
    } else if (kind === 2) {
      const v = BOUNDARY32[pos(BOUNDARY32.length)];
      const width = [2, 4, 8][pos(3)];
      const aligned = at - (at % width);
      for (let b = 0; b < width && aligned + b < out.length; b++) out[aligned + b] = b < 4 ? (v >>> (8 * b)) & 0xff : v >= 0x80000000 ? 0xff : 0;
    } else if (kind === 3) {
      out[at] = pos(256);
    } else {
      const len = 1 + pos(64);
      const from = where();
      out.copy(out, at, from, Math.min(out.length, from + len));
    }
  }
  return out;
}
