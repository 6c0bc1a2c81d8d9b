/** CSV: one row per (compressor, dedup) result, for spreadsheets and CI artifacts (RFC 4180 quoting by csv-stringify). */
import { stringify } from 'csv-stringify/sync';
import type { AnalyzeReport, StoreResult } from './report.js';

const COLUMNS: [string, (r: StoreResult, rep: AnalyzeReport) => string | number | boolean][] = [
  ['inputs', (_r, rep) => rep.inputs.map((i) => i.path).join(' ')],
  ['compressor', (r) => r.compressor],
  ['dedup', (r) => r.dedup],
  ['zpool', (_r, rep) => rep.config.zpool],
  ['hash', (_r, rep) => rep.config.hash],
  ['pages_total', (_r, rep) => rep.pages.total],
  ['pages_zero', (_r, rep) => rep.pages.zero],
  ['stored_pages', (r) => r.stored_pages],
  ['rejected_pages', (r) => r.rejected_pages],
  ['reject_compress_fail', (r) => r.rejects.compress_fail],
  ['reject_compress_poor', (r) => r.rejects.compress_poor],
  ['reject_alloc_fail', (r) => r.rejects.alloc_fail],
  ['reject_pool_limit', (r) => r.rejects.pool_limit],
  ['pool_limit_hit', (r) => r.pool_limit_hit],
  ['unique_objects', (r) => r.unique_objects ?? ''],
  ['duplicate_pages', (r) => r.duplicate_pages ?? ''],
  ['compressions', (r) => r.compressions],
  ['compressed_bytes', (r) => r.compressed_bytes],
  ['pool_pages', (r) => r.pool_pages],
  ['pool_bytes', (r) => r.pool_bytes],
  ['metadata_bytes', (r) => r.metadata_bytes],
  ['total_bytes', (r) => r.total_bytes],
  ['net_saving_bytes', (r) => r.saving?.net_bytes ?? ''],
  ['net_saving_ratio', (r) => (r.saving ? r.saving.net_ratio.toFixed(6) : '')],
];

const DRILL_CSV_COLUMNS = [
  'level', 'input', 'pid', 'comm', 'kind', 'name', 'start', 'perms', 'mappings', 'pages', 'zero_pages', 'distinct_contents',
  'duplicates_within', 'pages_shared_with_others', 'pages_mapped_more_than_once', 'dedup_share_pages',
] as const;

/** analyze --by: one row per process and/or mapping instead of the per-result rows */
function drillDownCsv(report: AnalyzeReport): string {
  const rows: (string | number)[][] = [];
  const levels = [['process', report.by_process], ['mapping', report.by_mapping]] as const;
  for (const [level, list] of levels) {
    for (const row of list ?? []) {
      const r = row as unknown as Record<string, unknown>;
      rows.push(DRILL_CSV_COLUMNS.map((c) => (c === 'level' ? level : c === 'input' ? report.inputs[r.input as number].path : ((r[c] ?? '') as string | number))));
    }
  }
  return stringify(rows, { header: true, columns: [...DRILL_CSV_COLUMNS] });
}

export function formatCsv(report: AnalyzeReport): string {
  const text =
    report.by_process || report.by_mapping
      ? drillDownCsv(report)
      : stringify(
          report.results.map((r) => COLUMNS.map(([, get]) => get(r, report))),
          { header: true, columns: COLUMNS.map(([name]) => name), cast: { boolean: (b) => String(b) } },
        );
  return text.endsWith('\n') ? text : `${text}\n`;
}
