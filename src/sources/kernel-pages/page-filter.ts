/**
 * The per-page decision a kernel dump reader asks while it streams: deliver page frame `pfn`,
 * and with which PAGE_FLAG bits, or skip it. By default only what zswap would see is delivered
 * (anonymous and shmem pages); with allPages every page is, and the classes are still counted.
 * When the dump lacks what classification needs, every page is delivered and `warning` says why.
 *
 * Usage by a reader (ELF vmcore here, kdump-compressed elsewhere):
 *
 *   const filter = openKernelPageFilter(physicalMemory, options);   // after the dump is indexed
 *   for each dumped page frame, in any order (PFN order is fastest):
 *     const flags = filter.decide(pfn);      // -1: skip; else deliver with batch.flags = flags
 *   for each page frame the dump describes but does not hold (filtered out):
 *     filter.absent(pfn);                    // or filter.absentRange(first, count) for a run
 *   at the end: source.info.classification = filter.info(); print filter.warning if not null
 */
import { PAGE_FLAG } from '../page-batch.js';
import type { PhysicalMemory } from '../physical-memory.js';
import type { SourceOptions } from '../source-options.js';
import { layoutFromVmcoreinfo } from './kernel-layout.js';
import {
  CLASS_MASK,
  DETAIL_COMPOUND,
  DETAIL_KSM,
  DETAIL_SWAPBACKED,
  DETAIL_SWAPCACHE,
  LayoutError,
  PAGE_CLASS,
  PAGE_CLASS_COUNT,
  PAGE_CLASS_NAMES,
  PageClassifier,
} from './page-classifier.js';

export interface KernelPageFilter {
  /** true when pages are classified (the dump had what it takes) */
  readonly classifying: boolean;
  /** why pages cannot be classified, as one line for stderr; null when they are */
  readonly warning: string | null;
  /** PAGE_FLAG bits to deliver page frame `pfn` with, or -1 to skip it. Counts the page. */
  decide(pfn: number): number;
  /**
   * Counts page frame `pfn` as described by the dump but absent from it (filtered out by
   * makedumpfile: past p_filesz in an ELF vmcore, a cleared bit in a kdump bitmap).
   */
  absent(pfn: number): void;
  /** absent() for page frames [first, first + count), fast over memory without struct pages */
  absentRange(first: number, count: number): void;
  /** the breakdown so far, for PageSource.info */
  info(): Record<string, unknown>;
}

/** PAGE_FLAG bits describing a page of this class */
export function pageFlagsOf(cls: number): number {
  const c = cls & CLASS_MASK;
  let f = 0;
  if (c === PAGE_CLASS.ANON) {
    f |= PAGE_FLAG.ANON;
    if (cls & DETAIL_KSM) f |= PAGE_FLAG.KSM;
    if (cls & DETAIL_COMPOUND) f |= PAGE_FLAG.THP;
  } else if (c === PAGE_CLASS.SHMEM) {
    f |= PAGE_FLAG.SHMEM | PAGE_FLAG.FILE_OR_SHARED;
  } else if (c === PAGE_CLASS.PAGE_CACHE) {
    f |= PAGE_FLAG.FILE_OR_SHARED;
  }
  if (cls & DETAIL_SWAPBACKED && (c === PAGE_CLASS.ANON || c === PAGE_CLASS.SHMEM)) f |= PAGE_FLAG.SWAPBACKED;
  return f;
}

export function openKernelPageFilter(mem: PhysicalMemory, options: SourceOptions): KernelPageFilter {
  const lr = layoutFromVmcoreinfo(mem.vmcoreinfo);
  if (!lr.ok) return new UnclassifiedFilter(lr.reason);
  let classifier: PageClassifier;
  try {
    classifier = new PageClassifier(mem, lr.layout);
    classifier.probe(mem.maxPfn);
  } catch (e) {
    if (e instanceof LayoutError) return new UnclassifiedFilter(e.message);
    throw e;
  }
  return new ClassifyingFilter(classifier, options.allPages);
}

class UnclassifiedFilter implements KernelPageFilter {
  readonly classifying = false;
  readonly warning: string;
  private pages = 0;
  constructor(readonly reason: string) {
    this.warning = `pages cannot be classified (${reason}); analyzing all pages, kernel memory included`;
  }
  private absentPages = 0;
  decide(): number {
    this.pages++;
    return 0;
  }
  absent(): void {
    this.absentPages++;
  }
  absentRange(_first: number, count: number): void {
    this.absentPages += count;
  }
  info(): Record<string, unknown> {
    return { classified: false, reason: this.reason, delivered: 'all pages (unclassified)', pages: this.pages, absent_pages: this.absentPages };
  }
}

class ClassifyingFilter implements KernelPageFilter {
  readonly classifying = true;
  readonly warning = null;
  private readonly counts = new Float64Array(PAGE_CLASS_COUNT);
  private readonly absentCounts = new Float64Array(PAGE_CLASS_COUNT);
  private ksm = 0;
  private compoundAnon = 0;
  private swapcache = 0;
  private delivered = 0;

  constructor(
    private readonly classifier: PageClassifier,
    private readonly all: boolean,
  ) {}

  decide(pfn: number): number {
    const cls = this.classifier.classify(pfn);
    const c = cls & CLASS_MASK;
    this.counts[c]++;
    if (c === PAGE_CLASS.ANON) {
      if (cls & DETAIL_KSM) this.ksm++;
      if (cls & DETAIL_COMPOUND) this.compoundAnon++;
    }
    if (cls & DETAIL_SWAPCACHE) this.swapcache++;
    if (!this.all && c !== PAGE_CLASS.ANON && c !== PAGE_CLASS.SHMEM) return -1;
    this.delivered++;
    return pageFlagsOf(cls);
  }

  absent(pfn: number): void {
    this.absentCounts[this.classifier.classify(pfn) & CLASS_MASK]++;
  }

  absentRange(first: number, count: number): void {
    this.classifier.countRange(first, count, this.absentCounts);
  }

  info(): Record<string, unknown> {
    const pages: Record<string, number> = {};
    const absent: Record<string, number> = {};
    PAGE_CLASS_NAMES.forEach((n, i) => {
      pages[n] = this.counts[i];
      absent[n] = this.absentCounts[i];
    });
    const L = this.classifier.layout;
    return {
      classified: true,
      kernel_release: L.release,
      kernel: {
        struct_page_size: L.structPageSize,
        memory_model: (this.classifier.extreme ? 'SPARSEMEM_EXTREME' : 'SPARSEMEM') + (L.vmemmap !== null ? ' + VMEMMAP' : ''),
        paging_levels: L.fiveLevel ? 5 : 4,
        kaslr_offset: L.kaslrOffset === null ? null : '0x' + L.kaslrOffset.toString(16),
      },
      pages,
      absent_pages: absent,
      ...(this.classifier.absentNotClassified > 0
        ? {
            absent_pages_not_classified: this.classifier.absentNotClassified,
            note: 'the dump describes more absent memory than its struct pages could cover; the rest of it is counted, not classified',
          }
        : {}),
      anonymous_detail: { ksm: this.ksm, in_large_folios: this.compoundAnon },
      swapcache: this.swapcache,
      delivered: this.all ? 'all pages (--all-pages)' : 'anonymous and shmem pages',
      delivered_pages: this.delivered,
    };
  }
}
