#!/usr/bin/env node
// Helper of scripts/make-kdump-fixtures.sh: prints (JSON) the PFNs the kernel page classifier
// reads through readPhys while it classifies every page of a kdump file, so that a trimmed
// fixture can keep exactly the kernel metadata classification needs (the figures the tests
// expect from that fixture do not come from here). Needs the compiled tree (`npx tsc -p .`).
//
//   node scripts/kdump-classifier-pfns.mjs DUMP.kd
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { KdumpSource } = await import(path.join(root, 'dist/src/sources/kdump/kdump-reader.js'));
const { InputFile } = await import(path.join(root, 'dist/src/sources/input-file.js'));
const { PageBatch } = await import(path.join(root, 'dist/src/sources/page-batch.js'));

const read = new Set();
const original = KdumpSource.prototype.readPhys;
KdumpSource.prototype.readPhys = function (paddr, dst, at, len) {
  for (let p = Math.floor(paddr / 4096); p * 4096 < paddr + len; p++) read.add(p);
  return original.call(this, paddr, dst, at, len);
};
const src = new KdumpSource(InputFile.open(process.argv[2]), { allPages: true, warn: () => {} });
const batch = new PageBatch();
while (src.read(batch) > 0);
const info = src.info.classification;
src.close();
if (!info.classified) {
  console.error(`not classified: ${info.reason}`);
  process.exit(1);
}
console.log(JSON.stringify([...read].sort((a, b) => a - b)));
