/**
 * The benchmarks' inputs, made from ../shared/corpus/pages.bin (8,000 real pages) in a temporary
 * folder: uniq files of `passes` passes over the corpus with a pass/page number stamped into each
 * non-zero page (nearly all distinct pages), the corpus four times (dup4), one page alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_SIZE } from '../src/model/kernel.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** ../shared beside the clone */
export const SHARED = path.resolve(here, '../../..', 'shared');
export const KERNEL_RATE_SOURCE = path.resolve(here, '../../bench/kernel-rate.c');

export class BenchInputs {
  readonly dir: string;
  readonly corpusPages: number;
  private readonly corpus: Buffer;
  private readonly uniq = new Map<number, string>();

  /** exits with status 2 when the corpus is not beside the clone */
  constructor(tool: string) {
    const corpus = path.join(SHARED, 'corpus', 'pages.bin');
    if (!fs.existsSync(corpus)) {
      process.stderr.write(`${tool}: ${corpus} not found (the shared reference material must sit beside the clone)\n`);
      process.exit(2);
    }
    this.corpus = fs.readFileSync(corpus);
    this.corpusPages = this.corpus.length / PAGE_SIZE;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `zswap-dedup-${tool}-`));
  }

  /** `passes` stamped passes over the corpus, written pass by pass, made once per size */
  uniqFile(passes: number): string {
    const made = this.uniq.get(passes);
    if (made) return made;
    const file = path.join(this.dir, `uniq${passes}.raw`);
    const fd = fs.openSync(file, 'w');
    const pass = Buffer.alloc(this.corpus.length);
    for (let p = 0; p < passes; p++) {
      this.corpus.copy(pass);
      for (let i = 0; i < this.corpusPages; i++) pass.writeUInt32LE(p * this.corpusPages + i + 1, i * PAGE_SIZE + 100);
      fs.writeSync(fd, pass);
    }
    fs.closeSync(fd);
    this.uniq.set(passes, file);
    return file;
  }

  /** every corpus page four times, in four passes: 75 % of pages are duplicates */
  dup4File(): string {
    const file = path.join(this.dir, 'dup4.raw');
    if (!fs.existsSync(file)) fs.writeFileSync(file, Buffer.concat([this.corpus, this.corpus, this.corpus, this.corpus]));
    return file;
  }

  /** the first page of `file` alone */
  onePageFile(file: string): string {
    const one = path.join(this.dir, 'one.raw');
    const fd = fs.openSync(file, 'r');
    const page = Buffer.alloc(PAGE_SIZE);
    fs.readSync(fd, page, 0, PAGE_SIZE, 0);
    fs.closeSync(fd);
    fs.writeFileSync(one, page);
    return one;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
