/**
 * Hash collision statistics over the distinct contents of a run: how many pairs of different
 * contents share a hash value, for the full hash and for its truncations to fewer bits — the
 * question a kernel implementation sizing its hash key must answer.
 */
import type { ContentIndex } from './content-index.js';

export interface CollisionRow {
  bits: number;
  /** pairs of distinct contents with equal (truncated) hash */
  pairs: number;
  /** what a uniform hash would give: C(n, 2) / 2^bits */
  expectedPairs: number;
}

export function collisionTable(index: ContentIndex, hashBits: number): CollisionRow[] {
  const n = index.count;
  const allPairs = (n * (n - 1)) / 2;
  const rows: CollisionRow[] = [{ bits: hashBits, pairs: index.collisionPairs, expectedPairs: allPairs / 2 ** hashBits }];
  const truncated = new Uint32Array(n);
  for (const bits of [32, 24, 16]) {
    if (bits >= hashBits) continue;
    const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    for (let i = 0; i < n; i++) truncated[i] = index.hashLo[i] & mask;
    truncated.sort();
    let pairs = 0;
    let run = 1;
    for (let i = 1; i <= n; i++) {
      if (i < n && truncated[i] === truncated[i - 1]) {
        run++;
      } else {
        pairs += (run * (run - 1)) / 2;
        run = 1;
      }
    }
    rows.push({ bits, pairs, expectedPairs: allPairs / 2 ** bits });
  }
  return rows;
}
