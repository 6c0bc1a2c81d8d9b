/**
 * Golden data: real pages and the modelled kernel's compressed length of each. The fixture
 * (fixtures/corpus/, 2,254 pages chosen by scripts/make-corpus-fixture.mjs so that every category,
 * size class and reject of the reference corpus is there) is always present; the full 8,000-page
 * reference corpus only when ../shared sits beside the clone (CI), for the longer tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { COMPRESSOR_NAMES, type CompressorName } from '../../src/compress/compressor.js';
import { KERNEL } from '../../src/model/kernel.js';
import { ROOT, SHARED } from './paths.js';

export const FIXTURE_CORPUS = path.join(ROOT, 'fixtures', 'corpus');
const SHARED_CORPUS = path.join(SHARED, 'corpus');
/** the kernel's class table as ../shared/spec lists it, copied into the fixture (not our computation) */
export const CLASSES_CSV = path.join(FIXTURE_CORPUS, `zsmalloc-classes-${KERNEL.series}.csv`);

export interface Corpus {
  pages: Buffer;
  count: number;
  /** kernel length (or -errno) per compressor, per page */
  kernel: Record<CompressorName, Int16Array>;
  category: string[];
  /** the page's number in the 8,000-page reference corpus */
  corpusPage: Int32Array;
}

function parseCorpus(pages: Buffer, kernelCsv: string, indexCsv: string): Corpus {
  const count = pages.length / 4096;
  const lines = kernelCsv.trim().split('\n');
  const header = lines[0].split(',');
  const kernel = Object.fromEntries(COMPRESSOR_NAMES.map((n) => [n, new Int16Array(count)])) as Record<CompressorName, Int16Array>;
  for (const line of lines.slice(1)) {
    const cells = line.split(',').map(Number);
    header.forEach((h, i) => {
      if (i > 0) kernel[h as CompressorName][cells[0]] = cells[i];
    });
  }
  const category: string[] = [];
  const corpusPage = new Int32Array(count);
  for (const line of indexCsv.trim().split('\n').slice(1)) {
    const [page, cat, from] = line.split(',');
    category[Number(page)] = cat;
    // the full corpus' index has a source path in the third column: its pages are themselves
    corpusPage[Number(page)] = /^\d+$/.test(from) ? Number(from) : Number(page);
  }
  return { pages, count, kernel, category, corpusPage };
}

let fixture: Corpus | null = null;

/** The shipped fixture corpus (always present). */
export function loadCorpus(): Corpus {
  if (fixture) return fixture;
  const read = (f: string) => fs.readFileSync(path.join(FIXTURE_CORPUS, f), 'utf8');
  const pages = zlib.brotliDecompressSync(fs.readFileSync(path.join(FIXTURE_CORPUS, 'pages.bin.br')));
  fixture = parseCorpus(pages, read(`kernel-${KERNEL.series}.csv`), read('index.csv'));
  return fixture;
}

/** Why the full reference corpus cannot be used here, or null when it can. */
export function fullCorpusMissing(): string | null {
  for (const f of ['pages.bin', 'index.csv', `kernel-${KERNEL.series}.csv`]) {
    const file = path.join(SHARED_CORPUS, f);
    if (!fs.existsSync(file)) return `${file} is absent (the reference material beside the clone, as CI has it)`;
  }
  return null;
}

let full: Corpus | null = null;

/** The 8,000-page reference corpus in ../shared; call only when fullCorpusMissing() is null. */
export function loadFullCorpus(): Corpus {
  if (full) return full;
  const read = (f: string) => fs.readFileSync(path.join(SHARED_CORPUS, f), 'utf8');
  full = parseCorpus(fs.readFileSync(path.join(SHARED_CORPUS, 'pages.bin')), read(`kernel-${KERNEL.series}.csv`), read('index.csv'));
  return full;
}

/** Page numbers of `corpus` in `category`, in order (all-zero pages left out when `nonZero`). */
export function pagesOf(corpus: Corpus, category: string, nonZero = false): number[] {
  const out: number[] = [];
  for (let i = 0; i < corpus.count; i++) {
    if (corpus.category[i] !== category) continue;
    if (nonZero && corpus.pages.subarray(i * 4096, (i + 1) * 4096).every((b) => b === 0)) continue;
    out.push(i);
  }
  return out;
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
  return fs
    .readFileSync(CLASSES_CSV, 'utf8')
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
