/**
 * Page sets for the kernel tests: deterministic selections of ../shared/corpus
 * plus synthetic zero pages, near-zero and same-filled pages, and duplicates,
 * shuffled with a fixed seed. Each set is a raw file of whole 4 KiB pages, the
 * same file the analyzer reads on the host and the guest's zswap-fill maps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './guest.js';

export const PAGE = 4096;

export interface Corpus {
  pages: Buffer;
  count: number;
  category: string[];
  /** kernel-6.12.csv: compressor → per-page length or negative errno */
  kernelLengths: Map<string, number[]>;
}

/** ../shared beside the clone (CI lays it there), or $ZSWAP_DEDUP_SHARED. */
export function sharedDir(): string {
  return resolve(process.env.ZSWAP_DEDUP_SHARED ?? join(REPO_ROOT, '..', 'shared'));
}

export function loadCorpus(): Corpus {
  const dir = join(sharedDir(), 'corpus');
  const bin = join(dir, 'pages.bin');
  if (!existsSync(bin)) throw new Error(`corpus not found: ${bin} (set ZSWAP_DEDUP_SHARED to the shared/ folder)`);
  const pages = readFileSync(bin);
  const count = pages.length / PAGE;
  const category: string[] = [];
  for (const line of readFileSync(join(dir, 'index.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [page, cat] = line.split(',');
    category[Number(page)] = cat;
  }
  const kernelLengths = new Map<string, number[]>();
  const rows = readFileSync(join(dir, 'kernel-6.12.csv'), 'utf8').trim().split('\n');
  const names = rows[0].split(',').slice(1);
  for (const n of names) kernelLengths.set(n, []);
  for (const row of rows.slice(1)) {
    const cells = row.split(',').map(Number);
    names.forEach((n, i) => { kernelLengths.get(n)![cells[0]] = cells[i + 1]; });
  }
  return { pages, count, category, kernelLengths };
}

/** The pages in a seeded Fisher–Yates order, the same on every machine. */
export function shuffled(parts: Buffer[], seed: number): Buffer[] {
  const next = rng(seed);
  const order = parts.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** mulberry32: small seeded PRNG, so page sets are the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PageSet {
  name: string;
  description: string;
  data: Buffer;
  pages: number;
}

class Builder {
  readonly parts: Buffer[] = [];
  constructor(private readonly corpus: Corpus) {}
  corpusPage(i: number, copies = 1): void {
    for (let c = 0; c < copies; c++) this.parts.push(this.corpus.pages.subarray(i * PAGE, (i + 1) * PAGE));
  }
  synthetic(page: Buffer, copies = 1): void {
    for (let c = 0; c < copies; c++) this.parts.push(page);
  }
  build(name: string, description: string, seed: number): PageSet {
    const order = shuffled(this.parts, seed);
    return { name, description, data: Buffer.concat(order), pages: order.length };
  }
}

/** First corpus page of each category (at or after `from`) that is not all zero. */
function firstOfEachCategory(corpus: Corpus, from: number): number[] {
  const seen = new Set<string>();
  const picked: number[] = [];
  for (let k = 0; k < corpus.count; k++) {
    const i = (from + k) % corpus.count;
    const cat = corpus.category[i];
    if (seen.has(cat) || isZero(corpus.pages.subarray(i * PAGE, (i + 1) * PAGE))) continue;
    seen.add(cat);
    picked.push(i);
  }
  return picked;
}

function isZero(p: Buffer): boolean {
  for (let i = 0; i < p.length; i++) if (p[i] !== 0) return false;
  return true;
}

/**
 * "mix": every 10th corpus page (all categories, 800 pages), 48 extra zero pages,
 * and 15 extra copies of one page of each category (random ones included, so
 * rejected duplicates too).
 */
export function mixSet(corpus: Corpus): PageSet {
  const b = new Builder(corpus);
  for (let i = 3; i < corpus.count; i += 10) b.corpusPage(i);
  b.synthetic(Buffer.alloc(PAGE), 48);
  const dups = firstOfEachCategory(corpus, 1000);
  for (const i of dups) b.corpusPage(i, 15);
  return b.build('mix', `every 10th corpus page + 48 zero pages + 15 extra copies of ${dups.length} pages`, 0x5eed1);
}

/**
 * "edge": pages at the zswap boundaries: corpus pages whose 6.12 compressed
 * length (shared/corpus/kernel-6.12.csv) is ≥ 3600 bytes or rejected by some
 * compressors but not all (at most 96), every 25th corpus page, 32 zero pages,
 * 32 pages zero but for one byte, 32 same-filled pages of a non-zero 8-byte
 * word, and 4 random corpus pages twice more.
 */
export function edgeSet(corpus: Corpus): PageSet {
  const b = new Builder(corpus);
  const lengths = [...corpus.kernelLengths.values()];
  const boundary: number[] = [];
  for (let i = 0; i < corpus.count && boundary.length < 96; i++) {
    const ls = lengths.map((l) => l[i]);
    const rejected = ls.filter((l) => l < 0).length;
    const near = ls.some((l) => l >= 3600);
    if (near || (rejected > 0 && rejected < ls.length)) boundary.push(i);
  }
  for (const i of boundary) b.corpusPage(i);
  for (let i = 11; i < corpus.count; i += 25) if (!boundary.includes(i)) b.corpusPage(i);
  b.synthetic(Buffer.alloc(PAGE), 32);
  for (let k = 0; k < 32; k++) {
    const p = Buffer.alloc(PAGE);
    p[(k * 509) % PAGE] = 1 + ((k * 37) % 255);
    b.synthetic(p);
  }
  for (let k = 0; k < 32; k++) {
    const p = Buffer.alloc(PAGE);
    const word = Buffer.alloc(8);
    word.writeBigUInt64LE(0x0101010101010101n * BigInt(k + 1) + BigInt(k) * 0x1000n);
    for (let o = 0; o < PAGE; o += 8) word.copy(p, o);
    b.synthetic(p);
  }
  const random = corpus.category.map((c, i) => (c === 'random' ? i : -1)).filter((i) => i >= 0).slice(0, 4);
  for (const i of random) b.corpusPage(i, 2);
  return b.build('edge', `${boundary.length} boundary pages + every 25th corpus page + 32 zero, 32 one-byte, 32 same-filled + 4 random ×2`, 0x5eed2);
}
