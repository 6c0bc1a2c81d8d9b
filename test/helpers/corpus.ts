/** The shared golden corpus: 8,000 pages and the modelled kernel's compressed length of each. */
import fs from 'node:fs';
import path from 'node:path';
import { COMPRESSOR_NAMES, type CompressorName } from '../../src/compress/compressor.js';
import { KERNEL } from '../../src/model/kernel.js';
import { SHARED } from './paths.js';

export const CORPUS_PAGES = path.join(SHARED, 'corpus', 'pages.bin');
const KERNEL_CSV = path.join(SHARED, 'corpus', `kernel-${KERNEL.series}.csv`);
const INDEX_CSV = path.join(SHARED, 'corpus', 'index.csv');
export const CLASSES_CSV = path.join(SHARED, 'spec', `zsmalloc-classes-${KERNEL.series}.csv`);

function readShared(file: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: the tests need the shared reference material beside the clone (../shared)`);
  }
  return fs.readFileSync(file, 'utf8');
}

export interface Corpus {
  pages: Buffer;
  count: number;
  /** kernel length (or -errno) per compressor, per page */
  kernel: Record<CompressorName, Int16Array>;
  category: string[];
}

let cached: Corpus | null = null;

export function loadCorpus(): Corpus {
  if (cached) return cached;
  readShared(KERNEL_CSV);
  const pages = fs.readFileSync(CORPUS_PAGES);
  const count = pages.length / 4096;
  const lines = readShared(KERNEL_CSV).trim().split('\n');
  const header = lines[0].split(',');
  const kernel = Object.fromEntries(COMPRESSOR_NAMES.map((n) => [n, new Int16Array(count)])) as Record<CompressorName, Int16Array>;
  for (const line of lines.slice(1)) {
    const cells = line.split(',').map(Number);
    header.forEach((h, i) => {
      if (i > 0) kernel[h as CompressorName][cells[0]] = cells[i];
    });
  }
  const category: string[] = [];
  for (const line of readShared(INDEX_CSV).trim().split('\n').slice(1)) {
    const [page, cat] = line.split(',');
    category[Number(page)] = cat;
  }
  cached = { pages, count, kernel, category };
  return cached;
}

export interface ClassRow {
  index: number;
  size: number;
  pages: number;
  objs: number;
  waste: number;
  huge: number;
  lenFrom: number;
  lenTo: number;
}

/** The kernel's class table as shared/spec lists it (not our computation). */
export function loadKernelClasses(): ClassRow[] {
  return readShared(CLASSES_CSV)
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const c = l.split(',');
      const [from, to] = c[7].split('-').map(Number);
      return { index: +c[0], size: +c[1], pages: +c[2], objs: +c[3], waste: +c[4], huge: +c[5], lenFrom: from, lenTo: to };
    });
}

/** Expected pool pages for objects of the given compressed lengths, from the kernel's class table. */
export function expectedPoolPages(lengths: number[]): number {
  const classes = loadKernelClasses();
  const perClass = new Map<ClassRow, number>();
  for (const len of lengths) {
    const c = classes.find((k) => len >= k.lenFrom && len <= k.lenTo);
    if (!c) throw new Error(`no class for length ${len}`);
    perClass.set(c, (perClass.get(c) ?? 0) + 1);
  }
  let pages = 0;
  for (const [c, n] of perClass) pages += Math.ceil(n / c.objs) * c.pages;
  return pages;
}
