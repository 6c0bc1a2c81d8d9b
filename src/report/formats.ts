/** The report object → its output formats. A new format is one more entry here. */
import { formatCsv } from './format-csv.js';
import { formatMarkdown } from './format-markdown.js';
import { formatTable, type LayoutOptions } from './format-table.js';
import type { AnalyzeReport } from './report.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const FORMATTERS: Record<ReportFormat, (report: AnalyzeReport, layout: LayoutOptions) => string> = {
  table: formatTable,
  json: (report) => JSON.stringify(report, null, 2) + '\n',
  csv: formatCsv,
  markdown: formatMarkdown,
};

export function renderReport(report: AnalyzeReport, format: ReportFormat, layout: LayoutOptions = { width: 80 }): string {
  return FORMATTERS[format](report, layout);
}
