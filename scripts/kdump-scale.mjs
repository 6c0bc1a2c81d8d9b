#!/usr/bin/env node
// Scale check of the kdump reader: builds a kdump-compressed file describing a machine of
// --gib GiB (default 16) whose descriptors point at a few hundred real pages taken from
// fixtures/kdump/linux-zlib.kd (zlib-compressed and stored ones), so the file stays small (24
// bytes per page of descriptors) while the reader streams every bitmap bit and descriptor and
// decompresses every page. Reads it whole (optionally also as a flattened file) and prints pages
// per second and the peak RSS. --from none|zlib|lzo|snappy|zstd picks the fixture. Needs the compiled tree (`npx tsc -p .`).
//
//   node scripts/kdump-scale.mjs [--gib 16] [--every 1] [--flattened]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { openSource } = await import(path.join(root, 'dist/src/sources/open-source.js'));
const { PageBatch } = await import(path.join(root, 'dist/src/sources/page-batch.js'));
const { kdumpLayout } = await import(path.join(root, 'dist/test/helpers/kdump-mutate.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const gib = arg('--gib', 16);
const every = arg('--every', 1); // 1: every PFN dumped; 2: every other one, …
const flattened = process.argv.includes('--flattened');
const PAGE = 4096;
const maxPfn = (gib * 2 ** 30) / PAGE;

// the source pages: the fixture's stored pages as they are (compressed or not)
const from = process.argv.includes('--from') ? process.argv[process.argv.indexOf('--from') + 1] : 'zlib';
const fx = fs.readFileSync(path.join(root, `fixtures/kdump/linux-${from}.kd`));
const lay = kdumpLayout(fx);
const blobs = lay.descs.map((d) => ({ data: fx.subarray(d.offset, d.offset + d.size), flags: d.flags }));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kdump-scale-'));
const file = path.join(work, 'big.kd');
const fd = fs.openSync(file, 'w');
const bitmapBytes = Math.ceil(maxPfn / 8 / PAGE) * PAGE;
const bitmapBlocks = (2 * bitmapBytes) / PAGE;
const head = Buffer.alloc(2 * PAGE);
head.write('KDUMP   ', 0, 'latin1');
head.writeInt32LE(6, 8);
head.write('6.12.117', 12 + 130, 'latin1');
head.writeUInt32LE(1, 424); // zlib
head.writeInt32LE(PAGE, 428);
head.writeInt32LE(1, 432);
head.writeUInt32LE(bitmapBlocks, 436);
head.writeUInt32LE(maxPfn % 2 ** 32, 440);
head.writeBigUInt64LE(BigInt(maxPfn), PAGE + 96);
fs.writeSync(fd, head, 0, head.length, 0);
const offBitmap1 = 2 * PAGE;
const bm = Buffer.alloc(bitmapBytes);
let ndesc = 0;
for (let p = 0; p < maxPfn; p++) {
  if (p % every === 0) {
    bm[p >> 3] |= 1 << (p & 7);
    ndesc++;
  }
}
fs.writeSync(fd, Buffer.alloc(bitmapBytes, 0xff), 0, bitmapBytes, offBitmap1);
fs.writeSync(fd, bm, 0, bitmapBytes, offBitmap1 + bitmapBytes);
const offDesc = offBitmap1 + 2 * bitmapBytes;
const dataStart = offDesc + 24 * ndesc;
// data: every blob once
const blobAt = [];
let pos = dataStart;
for (const b of blobs) {
  fs.writeSync(fd, b.data, 0, b.data.length, pos);
  blobAt.push(pos);
  pos += b.data.length;
}
const chunk = Buffer.alloc(24 * 65536);
for (let i = 0; i < ndesc; i += 65536) {
  const n = Math.min(65536, ndesc - i);
  for (let k = 0; k < n; k++) {
    const j = (i + k) % blobs.length;
    chunk.writeBigInt64LE(BigInt(blobAt[j]), 24 * k);
    chunk.writeUInt32LE(blobs[j].data.length, 24 * k + 8);
    chunk.writeUInt32LE(blobs[j].flags, 24 * k + 12);
    chunk.writeBigUInt64LE(0n, 24 * k + 16);
  }
  fs.writeSync(fd, chunk, 0, 24 * n, offDesc + 24 * i);
}
fs.closeSync(fd);
let input = file;
if (flattened) {
  // the same file as a flattened stream of 64 KiB pieces, in order
  input = path.join(work, 'big.flat');
  const src = fs.openSync(file, 'r');
  const out = fs.openSync(input, 'w');
  const h = Buffer.alloc(PAGE);
  h.write('makedumpfile', 0, 'latin1');
  h.writeBigInt64BE(1n, 16);
  h.writeBigInt64BE(1n, 24);
  fs.writeSync(out, h);
  const size = fs.fstatSync(src).size;
  const buf = Buffer.alloc(65536);
  const ph = Buffer.alloc(16);
  for (let at = 0; at < size; at += buf.length) {
    const n = fs.readSync(src, buf, 0, buf.length, at);
    ph.writeBigInt64BE(BigInt(at), 0);
    ph.writeBigInt64BE(BigInt(n), 8);
    fs.writeSync(out, ph);
    fs.writeSync(out, buf, 0, n);
  }
  fs.writeSync(out, Buffer.alloc(16, 0xff));
  fs.closeSync(src);
  fs.closeSync(out);
  fs.rmSync(file);
}
const fileMiB = fs.statSync(input).size / 2 ** 20;

const rss0 = process.memoryUsage().rss;
let peak = rss0;
const t0 = process.hrtime.bigint();
const src = openSource(input, 'auto', { allPages: true });
const batch = new PageBatch();
let pages = 0;
for (let n = src.read(batch); n > 0; n = src.read(batch)) {
  pages += n;
  if ((pages & 0xffff) < n) peak = Math.max(peak, process.memoryUsage().rss);
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
peak = Math.max(peak, process.memoryUsage().rss);
const info = src.info;
src.close();
fs.rmSync(work, { recursive: true, force: true });
console.log(
  `${gib} GiB machine, ${pages} pages (${JSON.stringify(info.pages)}) from a ${fileMiB.toFixed(0)} MiB ${flattened ? 'flattened' : 'kdump'} file: ` +
    `${s.toFixed(1)} s, ${(pages / s / 1000).toFixed(0)} k pages/s (${((pages * PAGE) / s / 2 ** 20).toFixed(0)} MiB/s of pages); ` +
    `RSS ${(rss0 / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
);
