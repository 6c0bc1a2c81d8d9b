#!/usr/bin/env node
/**
 * Makes fixtures/corpus/ from the 8,000-page reference corpus in ../shared (read-only), so that
 * `npm test` has kernel-exact golden data in a clone with nothing beside it:
 *
 *   pages.bin.br          the chosen pages, 4 KiB each, in corpus order, brotli-compressed
 *   index.csv             page,category,corpus_page (the page's number in ../shared/corpus)
 *   kernel-6.12.csv       the kernel's length (or -errno) for each chosen page and compressor,
 *                         copied from ../shared/corpus/kernel-6.12.csv, renumbered
 *   zsmalloc-classes-6.12.csv   ../shared/spec's class table, copied as it is
 *
 * Which pages: for every compressor, every zsmalloc size class its kernel lengths fall into and
 * every reject errno, the first and the last page of each category that lands there (so every
 * class, reject and category of the corpus is covered), then every STRIDE-th page of each
 * category. Deterministic: the same ../shared gives the same files.
 *
 *   node scripts/make-corpus-fixture.mjs [../shared] [fixtures/corpus]
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const PAGE = 4096;
const STRIDE = 10;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const shared = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared'));
const out = path.resolve(process.argv[3] ?? path.join(root, 'fixtures', 'corpus'));

const read = (f) => fs.readFileSync(path.join(shared, f));
const pages = read('corpus/pages.bin');
const count = pages.length / PAGE;
const kernelLines = read('corpus/kernel-6.12.csv').toString('utf8').trim().split('\n');
const header = kernelLines[0];
const lengths = kernelLines.slice(1).map((l) => l.split(',').map(Number));
const category = [];
for (const line of read('corpus/index.csv').toString('utf8').trim().split('\n').slice(1)) {
  const [page, cat] = line.split(',');
  category[Number(page)] = cat;
}
const classesCsv = read('spec/zsmalloc-classes-6.12.csv');
const classRanges = classesCsv
  .toString('utf8')
  .split('\n')
  .filter((l) => /^\d/.test(l))
  .map((l) => {
    const c = l.split(',');
    const [from, to] = c[7].split('-').map(Number);
    return { index: Number(c[0]), from, to };
  });
const bucketOf = (len) => (len < 0 ? `reject${len}` : `class${classRanges.find((c) => len >= c.from && len <= c.to).index}`);

const chosen = new Set();
const firstLast = new Map();
for (const row of lengths) {
  const page = row[0];
  for (let c = 1; c < row.length; c++) {
    const key = `${c}/${bucketOf(row[c])}/${category[page]}`;
    const fl = firstLast.get(key);
    if (!fl) firstLast.set(key, [page, page]);
    else fl[1] = page;
  }
}
for (const [a, b] of firstLast.values()) chosen.add(a).add(b);
const seenPerCategory = new Map();
for (let p = 0; p < count; p++) {
  const n = seenPerCategory.get(category[p]) ?? 0;
  seenPerCategory.set(category[p], n + 1);
  if (n % STRIDE === 0) chosen.add(p);
}
const picked = [...chosen].sort((a, b) => a - b);

const raw = Buffer.alloc(picked.length * PAGE);
picked.forEach((p, i) => pages.copy(raw, i * PAGE, p * PAGE, (p + 1) * PAGE));
const packed = zlib.brotliCompressSync(raw, {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
});
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'pages.bin.br'), packed);
fs.writeFileSync(path.join(out, 'index.csv'), ['page,category,corpus_page', ...picked.map((p, i) => `${i},${category[p]},${p}`)].join('\n') + '\n');
fs.writeFileSync(
  path.join(out, 'kernel-6.12.csv'),
  [header, ...picked.map((p, i) => [i, ...lengths[p].slice(1)].join(','))].join('\n') + '\n',
);
fs.writeFileSync(path.join(out, 'zsmalloc-classes-6.12.csv'), classesCsv);

const perCategory = {};
for (const p of picked) perCategory[category[p]] = (perCategory[category[p]] ?? 0) + 1;
console.log(`${picked.length} of ${count} pages (${JSON.stringify(perCategory)}), ${raw.length} bytes -> pages.bin.br ${packed.length} bytes`);
