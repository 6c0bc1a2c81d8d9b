#!/usr/bin/env node
// Lists the physical pages zswap-dedup's page classifier reads (page tables, mem_section,
// struct pages) when it classifies every page frame of an ELF vmcore, so that
// scripts/make-elf-vmcore-fixture.sh can trim a fixture down to them and the pages under test.
// The fixture's expected classification does not come from here (drgn gives it), so a wrong
// list only makes the fixture's test fail. Needs `npx tsc -p .` first.
// Usage: node scripts/elf-vmcore-metadata-pages.mjs VMCORE > pfns.json
import fs from 'node:fs';
import { InputFile } from '../dist/src/sources/input-file.js';
import { openElf } from '../dist/src/sources/elf/elf-reader.js';
import { layoutFromVmcoreinfo } from '../dist/src/sources/kernel-pages/kernel-layout.js';
import { PageClassifier } from '../dist/src/sources/kernel-pages/page-classifier.js';

const src = openElf(InputFile.open(process.argv[2]), { allPages: true });
const lr = layoutFromVmcoreinfo(src.vmcoreinfo);
if (!lr.ok) throw new Error(lr.reason);
const touched = new Set();
const recorder = {
  vmcoreinfo: src.vmcoreinfo,
  maxPfn: src.maxPfn,
  readPhys(paddr, dst, at, len) {
    for (let p = Math.floor(paddr / 4096); p <= Math.floor((paddr + len - 1) / 4096); p++) touched.add(p);
    return src.readPhys(paddr, dst, at, len);
  },
};
const c = new PageClassifier(recorder, lr.layout);
c.probe(src.maxPfn);
// the page frames the dump describes (PT_LOAD physical ranges), as a reader classifies them
const fd = fs.openSync(process.argv[2], 'r');
const eh = Buffer.alloc(64);
fs.readSync(fd, eh, 0, 64, 0);
const phoff = Number(eh.readBigUInt64LE(32));
const phnum = eh.readUInt16LE(56);
const ph = Buffer.alloc(56 * phnum);
fs.readSync(fd, ph, 0, ph.length, phoff);
fs.closeSync(fd);
for (let i = 0; i < phnum; i++) {
  if (ph.readUInt32LE(i * 56) !== 1 || ph.readBigUInt64LE(i * 56 + 16) >= 0xffffffff80000000n) continue;
  const pa = Number(ph.readBigUInt64LE(i * 56 + 24));
  const memsz = Number(ph.readBigUInt64LE(i * 56 + 40));
  for (let pfn = Math.ceil(pa / 4096); pfn < Math.floor((pa + memsz) / 4096); pfn++) c.classify(pfn);
}
process.stdout.write(JSON.stringify([...touched].sort((a, b) => a - b)) + '\n');
src.close();
