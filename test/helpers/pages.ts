/** Small page sets for tests, written as raw files. */
import fs from 'node:fs';
import path from 'node:path';
import { PAGE_SIZE } from '../../src/model/kernel.js';
import { loadCorpus } from './corpus.js';

/** corpus pages [from, from + n) with every third page repeated twice more, plus 5 zero pages */
export function writeMixedRaw(dir: string, name = 'mixed.raw', from = 0, n = 300): { file: string; pages: number; zero: number } {
  const c = loadCorpus();
  const chunks: Buffer[] = [];
  for (let i = from; i < from + n; i++) {
    const page = c.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    chunks.push(page);
    if (i % 3 === 0) chunks.push(page, page);
  }
  for (let z = 0; z < 5; z++) chunks.push(Buffer.alloc(PAGE_SIZE));
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat(chunks));
  return { file, pages: chunks.length, zero: chunks.filter((p) => p.every((b) => b === 0)).length };
}
