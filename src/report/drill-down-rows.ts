/**
 * The drill-down (analyze --by) as rows of text, for the table, Markdown and CSV: who each row
 * is (a process, or a mapping by kind and name) and its figures.
 */
import type { MappingRow, ProcessRow } from '../replay/drill-down.js';
import type { AnalyzeReport } from './report.js';
import { int } from './units.js';

export const DRILL_COLUMNS = ['pages', 'zero', 'dup in', 'shared', 'mapped>1', 'share'] as const;

export const DRILL_LEGEND =
  'zero: zero-filled pages; dup in: pages whose content the row already holds; shared: pages whose content another row holds too; ' +
  'mapped>1: physical pages more than one mapping maps, counted once, here; share: the row\'s part of the pages dedup frees (a content held n times gives each of its pages (n−1)/n)';

const inputTag = (report: AnalyzeReport, input: number) => (report.inputs.length > 1 ? `#${input + 1} ` : '');

export function processLabel(report: AnalyzeReport, r: ProcessRow): string {
  if (r.pid === null) return `${inputTag(report, r.input)}${report.inputs[r.input].format} input (no processes)`;
  const redacted = report.inputs[r.input].info.redacted === true;
  return `${inputTag(report, r.input)}${r.comm ? `${r.comm} ` : ''}${redacted ? 'process' : 'pid'} ${r.pid}`;
}

/** a mapping as [who, what]: the process, then its kind and name (a path may be cut at the front to fit) */
export function mappingLabel(report: AnalyzeReport, r: MappingRow): [string, string] {
  const tag = inputTag(report, r.input);
  if (r.kind === null) return r.pid === null ? [`${tag}${report.inputs[r.input].format} input`, '(no mappings)'] : [`${tag}pid ${r.pid}`, '(no mapping)'];
  const redacted = report.inputs[r.input].info.redacted === true;
  const who = `${tag}${redacted ? 'process' : 'pid'} ${r.pid}`;
  if (r.name !== null) return [who, `${r.kind} ${r.name}`];
  return [who, r.kind === 'anonymous' && r.start ? `anon ${r.start}` : r.kind];
}

export function figureCells(r: ProcessRow | MappingRow): string[] {
  return [int(r.pages), int(r.zero_pages), int(r.duplicates_within), int(r.pages_shared_with_others), int(r.pages_mapped_more_than_once), r.dedup_share_pages.toFixed(1)];
}

export interface DrillTable {
  title: string;
  head: string;
  /** who, and what (mappings; '' for processes) */
  labels: [string, string][];
  rows: (ProcessRow | MappingRow)[];
}

export function drillTables(report: AnalyzeReport): DrillTable[] {
  const out: DrillTable[] = [];
  if (report.by_process) out.push({ title: 'per process', head: 'process', labels: report.by_process.map((r) => [processLabel(report, r), '']), rows: report.by_process });
  if (report.by_mapping) out.push({ title: 'per mapping', head: 'mapping', labels: report.by_mapping.map((r) => mappingLabel(report, r)), rows: report.by_mapping });
  return out;
}
