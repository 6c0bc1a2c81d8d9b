/**
 * The hook through which a page classifier chooses which pages of a kernel dump are delivered
 * when SourceOptions.allPages is false ("only what zswap would see"). Dump readers call
 * forDump() once, after opening, with the dump seen as physical memory (VMCOREINFO included);
 * the predicate it returns is asked about every dumped PFN before the page is decompressed.
 * Without a filter (or when forDump returns null) every dumped page is delivered.
 */
import type { PhysicalMemory } from '../physical-memory.js';
import type { SourceOptions } from '../source-options.js';

export interface DumpPageFilter {
  readonly name: string;
  /** a predicate on PFNs (true: deliver the page), or null to deliver every dumped page */
  forDump(mem: PhysicalMemory, info: Record<string, unknown>): ((pfn: number) => boolean) | null;
}

/** SourceOptions as dump readers read them: `pageFilter` is optional until the classifier lands. */
export interface DumpSourceOptions extends SourceOptions {
  pageFilter?: DumpPageFilter;
}

/** The filter to apply, or null; records the choice in `info.page_filter`. */
export function choosePageFilter(options: SourceOptions, mem: PhysicalMemory, info: Record<string, unknown>): ((pfn: number) => boolean) | null {
  if (options.allPages) {
    info.page_filter = 'none (--all-pages)';
    return null;
  }
  const filter = (options as DumpSourceOptions).pageFilter;
  if (!filter) {
    info.page_filter = 'none (no page classifier for kernel dumps yet: every dumped page is delivered)';
    return null;
  }
  const keep = filter.forDump(mem, info);
  info.page_filter = keep ? filter.name : `none (${filter.name} declined)`;
  return keep;
}
