/**
 * The whole pages a PT_LOAD segment holds, as runs: pages whose 4 KiB are all in the file, at
 * most one page that straddles p_filesz (file bytes, then zeros), and the pages past p_filesz
 * up to p_memsz, which are not in the file at all. A page that the segment covers only in part
 * (a segment address or end not on a page boundary) is left out and counted. File offsets need
 * no alignment: a page is wherever the segment puts it.
 */
import { PAGE_SIZE } from '../../model/kernel.js';
import type { ElfSegment } from './elf-format.js';

export interface PageRun {
  /** page number (physical frame or virtual page) of the run's first page */
  readonly first: number;
  readonly pages: number;
  /** file offset of the first page, or -1 when the pages are past p_filesz */
  readonly fileOffset: number;
  /** bytes of file data in each page: PAGE_SIZE, or fewer for the page straddling p_filesz */
  readonly fileBytes: number;
  /** program header index */
  readonly segment: number;
}

export interface SegmentPages {
  readonly runs: PageRun[];
  /** pages the segment covers only in part */
  readonly partial: number;
}

/** `base` is the segment's address as a number (p_paddr for vmcores, p_vaddr for process cores). */
export function segmentPages(seg: ElfSegment, base: number): SegmentPages {
  const runs: PageRun[] = [];
  const fileEnd = base + seg.filesz;
  const memEnd = base + seg.memsz;
  const firstPage = Math.ceil(base / PAGE_SIZE);
  const endPage = Math.floor(memEnd / PAGE_SIZE);
  if (seg.memsz === 0) return { runs, partial: 0 };
  if (endPage <= firstPage) return { runs, partial: 1 };
  const partial = (base % PAGE_SIZE !== 0 ? 1 : 0) + (memEnd % PAGE_SIZE !== 0 ? 1 : 0);
  // pages wholly in the file
  const fullEnd = Math.min(endPage, Math.floor(fileEnd / PAGE_SIZE));
  let p = firstPage;
  if (fullEnd > p) {
    runs.push({ first: p, pages: fullEnd - p, fileOffset: seg.offset + (p * PAGE_SIZE - base), fileBytes: PAGE_SIZE, segment: seg.index });
    p = fullEnd;
  }
  // a page that starts in the file and ends past p_filesz
  if (p < endPage && p * PAGE_SIZE < fileEnd) {
    runs.push({ first: p, pages: 1, fileOffset: seg.offset + (p * PAGE_SIZE - base), fileBytes: fileEnd - p * PAGE_SIZE, segment: seg.index });
    p++;
  }
  // pages past p_filesz
  if (p < endPage) runs.push({ first: p, pages: endPage - p, fileOffset: -1, fileBytes: 0, segment: seg.index });
  return { runs, partial };
}

/** Segments in the order their data lies in the file (program header order breaks ties). */
export function inFileOrder<T extends ElfSegment>(segs: readonly T[]): T[] {
  return [...segs].sort((a, b) => a.offset - b.offset || a.index - b.index);
}
