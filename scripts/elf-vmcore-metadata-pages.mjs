#!/usr/bin/env node
// Lists the physical pages zswap-dedup's page classifier reads (page tables, mem_section,
// struct pages) when it classifies every page frame of an ELF vmcore, so that
// scripts/make-vmcore-fixture.sh can trim a fixture down to them and the pages under test.
// The fixture's expected classification does not come from here (drgn gives it), so a wrong
// list only makes the fixture's test fail. Needs `npx tsc -p .` first.
// Usage: node scripts/elf-vmcore-metadata-pages.mjs VMCORE > pfns.json
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
for (let pfn = 0; pfn < src.maxPfn; pfn++) c.classify(pfn);
process.stdout.write(JSON.stringify([...touched].sort((a, b) => a - b)) + '\n');
src.close();
