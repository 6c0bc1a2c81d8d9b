/**
 * What a figure cannot tell: conditions under which the report's numbers mislead if read alone.
 * Each is a code (stable, for CI) and a sentence; the table and Markdown print them under the
 * headline, JSON carries them in `warnings`.
 */
import { int, pct } from './units.js';

export interface ReportWarning {
  code: 'tiny_input' | 'duplicate_input' | 'pages_left_out' | 'pages_not_in_dump' | 'no_processes';
  message: string;
}

/** below this many pages to zswap, partly filled zspages dominate the pool figures */
export const TINY_PAGES = 4096;

interface InputFacts {
  path: string;
  pages: number;
  info: Record<string, unknown>;
}

export function inputWarnings(inputs: InputFacts[], nonzeroPages: number): ReportWarning[] {
  const out: ReportWarning[] = [];
  if (nonzeroPages < TINY_PAGES) {
    out.push({
      code: 'tiny_input',
      message:
        `only ${int(nonzeroPages)} pages go to zswap: zsmalloc allocates whole zspages per size class, so at this size ` +
        `partly filled zspages weigh heavily in the pool figures, which do not scale to a larger memory`,
    });
  }
  for (const i of inputs) {
    const d = delivery(i.info);
    if (!d) continue;
    if (d.leftOut > d.dumped / 2) {
      out.push({
        code: 'pages_left_out',
        message:
          `${i.path}: ${int(d.leftOut)} of ${int(d.dumped)} pages in the dump (${pct(d.leftOut / d.dumped)}) are not what zswap would see ` +
          `(${d.leftOutBy}) and were left out; the figures are for the ${int(i.pages)} delivered (--all-pages analyzes every page)`,
      });
    }
    if (d.absentInScope > 0) {
      out.push({
        code: 'pages_not_in_dump',
        message: `${i.path}: ${int(d.absentInScope)} anonymous or shmem pages were excluded from the dump when it was made (makedumpfile -d); they are not in the figures`,
      });
    }
  }
  return out;
}

export interface Delivery {
  /** pages the dump holds */
  dumped: number;
  delivered: number;
  leftOut: number;
  /** "280 other kernel, 16 slab" */
  leftOutBy: string;
  /** anonymous and shmem pages the dump does not hold */
  absentInScope: number;
}

const IN_SCOPE = new Set(['anonymous', 'shmem']);

/** What a classified kernel dump or a process core delivered of the pages it holds (null: everything). */
export function delivery(info: Record<string, unknown>): Delivery | null {
  const cls = info.classification as { classified?: boolean; pages?: Record<string, number>; absent_pages?: Record<string, number>; delivered_pages?: number } | undefined;
  if (cls?.classified && cls.pages && typeof cls.delivered_pages === 'number') {
    return summarize(cls.pages, cls.delivered_pages, cls.absent_pages ?? {});
  }
  if (info.kind === 'process core' && info.pages && typeof info.pages === 'object') {
    const pages = info.pages as Record<string, number>;
    const kinds = { anonymous: pages.anonymous ?? 0, shmem: pages.shmem ?? 0, file_backed: pages.file_backed ?? 0, vdso_vsyscall: pages.vdso_vsyscall ?? 0 };
    return summarize(kinds, kinds.anonymous + kinds.shmem, {});
  }
  return null;
}

function summarize(pages: Record<string, number>, delivered: number, absent: Record<string, number>): Delivery | null {
  const dumped = Object.values(pages).reduce((a, b) => a + b, 0);
  if (dumped === 0 || delivered > dumped) return null;
  const leftOut = dumped - delivered;
  const leftOutBy = Object.entries(pages)
    .filter(([k, v]) => !IN_SCOPE.has(k) && v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${int(v)} ${k.replace(/_/g, ' ')}`)
    .join(', ');
  const absentInScope = [...IN_SCOPE].reduce((a, k) => a + (absent[k] ?? 0), 0);
  return { dumped, delivered, leftOut, leftOutBy, absentInScope };
}
