/**
 * Streams the pages of PT_LOAD runs into page batches, asking a decision function for each page
 * (deliver with these flags, or skip), coalescing consecutive file pages into one read, and
 * remembering where every delivered page lives (OrdinalMap) so readPage() finds it again.
 */
import { PAGE_SIZE } from '../../model/kernel.js';
import type { ByteSource } from '../input-file.js';
import { OrdinalMap } from '../ordinal-map.js';
import type { PageBatch } from '../page-batch.js';
import type { PageRun } from './elf-pages.js';

/** decide(page, inFile, segment) → PAGE_FLAG bits to deliver the page with, or -1 to skip it */
export type PageDecision = (page: number, inFile: boolean, segment: number) => number;

export class RunStreamer {
  private ri = 0;
  private k = 0;
  private readonly map = new OrdinalMap(PAGE_SIZE);
  /** positions at or above this are pages past p_filesz (zero-filled): zeroBase + page * PAGE_SIZE */
  private readonly zeroBase: number;
  /** file offset → bytes in the file, for pages that straddle p_filesz */
  private readonly partialBytes = new Map<number, number>();
  /** highest file offset consumed, for progress */
  bytesRead = 0;

  constructor(
    private readonly file: ByteSource,
    private readonly runs: readonly PageRun[],
    /** batch.pfn of a delivered page, from its page number */
    private readonly pfnOf: (page: number) => number,
    /** batch.mapping of a delivered page, from its segment (process cores; else left alone) */
    private readonly mappingOf?: (segment: number) => number,
  ) {
    this.zeroBase = (Math.ceil(file.size / PAGE_SIZE) + 1) * PAGE_SIZE;
  }

  get done(): boolean {
    return this.ri >= this.runs.length;
  }

  get delivered(): number {
    return this.map.pages;
  }

  /**
   * Fills the batch with the next pages `decide` accepts. Runs of pages past p_filesz go to
   * `absentRun` whole when it is given (they are never delivered then), else page by page to
   * `decide`.
   */
  fill(batch: PageBatch, decide: PageDecision, absentRun?: (first: number, count: number, segment: number) => void): number {
    batch.reset();
    const runs = this.runs;
    const content = batch.content;
    let pendSlot = 0;
    let pendOff = 0;
    let pendCount = 0;
    const flush = () => {
      if (pendCount > 0) this.file.readExactly(content, pendSlot * PAGE_SIZE, pendCount * PAGE_SIZE, pendOff, 'page');
      pendCount = 0;
    };
    while (batch.count < batch.capacity && this.ri < runs.length) {
      const run = runs[this.ri];
      if (this.k >= run.pages) {
        this.ri++;
        this.k = 0;
        continue;
      }
      if (run.fileOffset < 0 && absentRun) {
        absentRun(run.first + this.k, run.pages - this.k, run.segment);
        this.ri++;
        this.k = 0;
        continue;
      }
      const page = run.first + this.k;
      const off = run.fileOffset < 0 ? -1 : run.fileOffset + this.k * PAGE_SIZE;
      this.k++;
      if (off >= 0) this.bytesRead = Math.max(this.bytesRead, off + run.fileBytes);
      const flags = decide(page, off >= 0, run.segment);
      if (flags < 0) continue;
      const slot = batch.count++;
      batch.flags[slot] = flags;
      batch.pfn[slot] = this.pfnOf(page);
      if (this.mappingOf) {
        batch.mapping[slot] = this.mappingOf(run.segment);
        batch.mapcount[slot] = 0;
      }
      const at = slot * PAGE_SIZE;
      if (off < 0) {
        content.fill(0, at, at + PAGE_SIZE);
        this.map.push(this.zeroBase + page * PAGE_SIZE);
      } else if (run.fileBytes < PAGE_SIZE) {
        this.file.readExactly(content, at, run.fileBytes, off, 'page');
        content.fill(0, at + run.fileBytes, at + PAGE_SIZE);
        this.partialBytes.set(off, run.fileBytes);
        this.map.push(off);
      } else {
        if (pendCount > 0 && pendSlot + pendCount === slot && pendOff + pendCount * PAGE_SIZE === off) {
          pendCount++;
        } else {
          flush();
          pendSlot = slot;
          pendOff = off;
          pendCount = 1;
        }
        this.map.push(off);
      }
    }
    flush();
    return batch.count;
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    const pos = this.map.position(ordinal);
    if (pos >= this.zeroBase) {
      dst.fill(0, at, at + PAGE_SIZE);
      return;
    }
    const bytes = this.partialBytes.get(pos) ?? PAGE_SIZE;
    this.file.readExactly(dst, at, bytes, pos, 'page');
    if (bytes < PAGE_SIZE) dst.fill(0, at + bytes, at + PAGE_SIZE);
  }
}
