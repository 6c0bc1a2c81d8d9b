/**
 * Page sets with known duplication for the dedup kernel tests, built from
 * ../shared/corpus like lib/pagesets.ts (deterministic, shuffled with a fixed
 * seed).
 */
import { type Corpus, PAGE, type PageSet, shuffled } from './pagesets.js';

function isZero(p: Buffer): boolean {
  for (let i = 0; i < p.length; i++) if (p[i] !== 0) return false;
  return true;
}

const COPIES = [1, 2, 3, 4, 6, 8, 12, 16];

/**
 * "dup": 240 distinct non-zero corpus pages (every category, incompressible
 * ones included) with 1, 2, 3, 4, 6, 8, 12 or 16 copies each in turn, 24 zero
 * pages, 16 same-filled pages of a non-zero word with 4 copies each, and the
 * first 4 random corpus pages with 5 copies each (rejected every time).
 */
export function dupSet(corpus: Corpus): PageSet {
  const parts: Buffer[] = [];
  let picked = 0;
  for (let i = 7; i < corpus.count && picked < 240; i += 33) {
    const page = corpus.pages.subarray(i * PAGE, (i + 1) * PAGE);
    if (isZero(page)) continue;
    for (let c = 0; c < COPIES[picked % COPIES.length]; c++) parts.push(page);
    picked++;
  }
  for (let k = 0; k < 24; k++) parts.push(Buffer.alloc(PAGE));
  for (let k = 0; k < 16; k++) {
    const p = Buffer.alloc(PAGE);
    const word = Buffer.alloc(8);
    word.writeBigUInt64LE(0x0102030405060708n * BigInt(k + 3));
    for (let o = 0; o < PAGE; o += 8) word.copy(p, o);
    for (let c = 0; c < 4; c++) parts.push(p);
  }
  const random = corpus.category.map((c, i) => (c === 'random' ? i : -1)).filter((i) => i >= 0).slice(0, 4);
  for (const i of random) for (let c = 0; c < 5; c++) parts.push(corpus.pages.subarray(i * PAGE, (i + 1) * PAGE));
  const order = shuffled(parts, 0xd0d0);
  return {
    name: 'dup',
    description: `${picked} corpus pages × (1..16 copies), 24 zero, 16 same-filled × 4, 4 random × 5`,
    data: Buffer.concat(order),
    pages: order.length,
  };
}

/**
 * Pages for the timing run: distinct corpus pages that every compressor
 * stores (no zero page, nothing rejected, none near the 4 KiB limit), so that
 * every page of the set is one zswap store, each content once.  `copies` > 1 repeats each page
 * that many times (shuffled): the share of duplicate stores is 1 - 1/copies.
 */
export function timingSet(corpus: Corpus, distinct: number, copies: number): PageSet {
  const lengths = [...corpus.kernelLengths.values()];
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  let picked = 0;
  for (let i = 5; i < corpus.count && picked < distinct; i += 7) {
    const page = corpus.pages.subarray(i * PAGE, (i + 1) * PAGE);
    if (isZero(page) || lengths.some((l) => l[i] < 0 || l[i] > 3000)) continue;
    const key = page.toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    for (let c = 0; c < copies; c++) parts.push(page);
    picked++;
  }
  const order = shuffled(parts, 0x7133 + copies);
  return {
    name: `timing-x${copies}`,
    description: `${picked} storable corpus pages × ${copies}`,
    data: Buffer.concat(order),
    pages: order.length,
  };
}
