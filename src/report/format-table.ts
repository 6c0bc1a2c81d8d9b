/**
 * The human report: the answer first (headline, warnings), then the inputs, the compressors side
 * by side without and with dedup, and the details. Each section is a function of the report;
 * a new section (say, a time series) is one more entry in SECTIONS.
 */
import { PAGE_SIZE } from '../model/kernel.js';
import type { AnalyzeReport, HistogramRow, StoreResult } from './report.js';
import { DRILL_COLUMNS, DRILL_LEGEND, drillTables, figureCells } from './drill-down-rows.js';
import { renderFitted, renderTable } from './text-layout.js';
import { bytes, fixed2, int, pct } from './units.js';
import { delivery } from './warnings.js';

export interface LayoutOptions {
  /** columns available (the terminal's, or 80) */
  width: number;
}

type Section = (report: AnalyzeReport, layout: LayoutOptions) => string[];

type Row = [label: string, value: (r: StoreResult) => string];

const ROWS: Row[] = [
  ['stored pages', (r) => int(r.stored_pages)],
  ['rejected pages', (r) => int(r.rejected_pages)],
  ['unique objects', (r) => (r.dedup ? int(r.unique_objects!) : '-')],
  ['duplicate pages', (r) => (r.dedup ? int(r.duplicate_pages!) : '-')],
  ['compressions', (r) => int(r.compressions)],
  ['compressed', (r) => bytes(r.compressed_bytes)],
  ['pool pages', (r) => int(r.pool_pages)],
  ['pool', (r) => bytes(r.pool_bytes)],
  ['metadata', (r) => bytes(r.metadata_bytes)],
  ['pool + metadata', (r) => bytes(r.total_bytes)],
  ['net dedup saving', (r) => (r.saving ? bytes(r.saving.net_bytes) : '-')],
  ['net dedup saving %', (r) => (r.saving ? pct(r.saving.net_ratio) : '-')],
];

const compressorsOf = (report: AnalyzeReport) => [...new Set(report.results.map((r) => r.compressor))];
const resultOf = (report: AnalyzeReport, compressor: string, dedup: boolean) => report.results.find((r) => r.compressor === compressor && r.dedup === dedup)!;

const header: Section = (report, { width }) => {
  const c = report.config;
  const lines = wrap(
    `${report.tool.name} ${report.tool.version} · ${report.kernel_model} zswap replica · ${c.zpool}` +
      (c.zpool === 'zsmalloc' ? ` (chain ${c.zsmalloc_chain_size})` : '') +
      ` · ${c.hash}, ${c.identity === 'bytes' ? 'verified byte by byte' : 'identity by 128-bit fingerprint'}`,
    width,
  );
  if (c.pool_limit) lines.push(`pool limit ${int(c.pool_limit.max_pages)} pages, accepting again at ${int(c.pool_limit.accept_threshold_pages)}`);
  return lines;
};

/** one paragraph, wrapped at word boundaries to the width */
function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + '  ';
    }
    line += (line.trim() === '' ? '' : ' ') + word;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

const headline: Section = (report, { width }) => {
  const lines = report.headline ? ['', ...wrap(report.headline.text, width)] : [];
  for (const w of report.warnings) lines.push(...wrap(`warning: ${w.message}`, width));
  return lines;
};

const inputs: Section = (report, { width }) => {
  const lines = [''];
  for (const i of report.inputs) {
    const shared = i.distinct_contents === undefined ? '' : `, ${int(i.distinct_contents)} distinct, ${int(i.pages_shared_with_other_inputs!)} shared with other inputs`;
    lines.push(...wrap(`input ${i.path} (${i.format}, ${int(i.pages)} pages, ${bytes(i.pages * PAGE_SIZE)}, ${int(i.zero_pages)} zero${shared})`, width));
    const d = delivery(i.info);
    if (d && d.leftOut > 0) lines.push(...wrap(`delivered ${int(d.delivered)} of the ${int(d.dumped)} pages it holds; left out: ${d.leftOutBy}`, width, '  '));
  }
  const p = report.pages;
  lines.push(...wrap(`pages ${int(p.total)} total · ${int(p.zero)} zero-filled (swap zeromap, never in zswap) · ${int(p.nonzero)} to zswap · ${int(p.distinct_contents)} distinct contents`, width));
  return lines;
};

/** one row per compressor: the figures the headline comes from, readable with all seven */
const overview: Section = (report) => {
  const rows = [['', 'pool + metadata', 'with dedup', 'net saving', '%', 'duplicate pages']];
  for (const name of compressorsOf(report)) {
    const p = resultOf(report, name, false);
    const d = resultOf(report, name, true);
    rows.push([name, bytes(p.total_bytes), bytes(d.total_bytes), bytes(d.saving!.net_bytes), pct(d.saving!.net_ratio), int(d.duplicate_pages!)]);
  }
  return ['', renderTable(rows)];
};

const details: Section = (report, { width }) => {
  const compressors = compressorsOf(report);
  const rows = [[''], ['']];
  for (const name of compressors) rows[0].push('', name);
  for (let i = 0; i < compressors.length; i++) rows[1].push('no dedup', 'dedup');
  for (const [label, value] of ROWS) {
    const row = [label];
    for (const name of compressors) for (const dedup of [false, true]) row.push(value(resultOf(report, name, dedup)));
    rows.push(row);
  }
  const lines = ['', renderFitted(rows, width, 1, 2)];
  const notes = rejectNotes(report);
  if (notes.length) lines.push('', 'rejected pages:', ...notes);
  return lines;
};

function rejectNotes(report: AnalyzeReport): string[] {
  const notes: string[] = [];
  for (const r of report.results) {
    if (r.dedup) continue;
    const parts: string[] = [];
    if (r.rejects.compress_fail) parts.push(`${int(r.rejects.compress_fail)} reject_compress_fail`);
    if (r.rejects.compress_poor) parts.push(`${int(r.rejects.compress_poor)} reject_compress_poor`);
    if (r.rejects.alloc_fail) parts.push(`${int(r.rejects.alloc_fail)} reject_alloc_fail`);
    if (r.rejects.pool_limit) parts.push(`${int(r.rejects.pool_limit)} refused by the pool limit (pool_limit_hit ${int(r.pool_limit_hit)})`);
    if (parts.length) notes.push(`  ${r.compressor}: ${parts.join(', ')}`);
  }
  return notes;
}

const summary: Section = (report, { width }) => {
  const rows = [['', 'dedup', 'compress', 'dedup × compress', 'memory ratio', 'with dedup']];
  for (const s of report.summary) rows.push([s.compressor, fixed2(s.dedup), fixed2(s.compress), fixed2(s.dedup_x_compress), fixed2(s.memory_ratio), fixed2(s.memory_ratio_dedup)]);
  return ['', ...wrap('ratios (zdb style, of the logical bytes of stored pages; memory ratio: with pool and metadata):', width), renderTable(rows, '  ')];
};

/** The histogram of the compressor the headline names (objects and pages are the same for every compressor; bytes differ). */
const histogram: Section = (report, { width }) => {
  const name = report.headline?.best_compressor;
  const r = name ? resultOf(report, name, true) : undefined;
  if (!r?.refcount_histogram?.length) return [];
  const total: HistogramRow = { refcnt: 0, objects: 0, allocated_bytes: 0, referenced_pages: 0, referenced_bytes: 0 };
  const rows = [['refcnt', 'objects', 'allocated', 'pages', 'referenced']];
  for (const b of r.refcount_histogram) {
    rows.push([int(b.refcnt), int(b.objects), bytes(b.allocated_bytes), int(b.referenced_pages), bytes(b.referenced_bytes)]);
    total.objects += b.objects;
    total.allocated_bytes += b.allocated_bytes;
    total.referenced_pages += b.referenced_pages;
    total.referenced_bytes += b.referenced_bytes;
  }
  rows.push(['total', int(total.objects), bytes(total.allocated_bytes), int(total.referenced_pages), bytes(total.referenced_bytes)]);
  const others = compressorsOf(report).length > 1 ? '; the JSON report has every compressor\'s' : '';
  return ['', ...wrap(`refcount histogram (${r.compressor} with dedup, the best compressor${others}; bucket n holds refcounts above n/2 up to n):`, width), renderTable(rows, '  ')];
};

const topDuplicates: Section = (report, { width }) => {
  if (!report.top_duplicates.length) return [];
  const rows = [['pages', report.hash.name, 'content']];
  const room = Math.max(20, width - 2 - Math.max(...report.top_duplicates.map((d) => int(d.pages).length), 5) - 2 - report.top_duplicates[0].hash.length - 2);
  const cut = (t: string) => (t.length > room ? `${t.slice(0, room - 1)}…` : t);
  for (const d of report.top_duplicates) rows.push([int(d.pages), d.hash, cut(d.description)]);
  return ['', 'top duplicated contents (non-zero):', renderTable(rows, '  ', 'rll')];
};

const sharing: Section = (report, { width }) => {
  const m = report.sharing_matrix;
  if (!m) return [];
  const rows = [['', ...m.inputs.map((_p, i) => `#${i + 1}`)]];
  m.pages.forEach((row, i) => rows.push([`#${i + 1}`, ...row.map(int)]));
  return [
    '',
    ...wrap('sharing between inputs (row: pages of that input whose content the column input holds too; diagonal: held more than once):', width),
    ...m.inputs.map((p, i) => `  #${i + 1} ${p}`),
    renderFitted(rows, width, 1, 1, '  '),
  ];
};

const collisions: Section = (report, { width }) => {
  const h = report.hash;
  const rows = [['bits', 'colliding pairs', 'expected if uniform']];
  for (const r of h.collisions) rows.push([String(r.bits), int(r.pairs), r.expected_pairs < 0.01 ? r.expected_pairs.toExponential(1) : r.expected_pairs.toFixed(2)]);
  return [
    '',
    ...wrap(`hash collisions: ${h.name} over ${int(h.distinct_contents)} distinct contents, ${int(h.hash_matches)} hash matches, ${int(h.verify_failures)} of them different contents`, width),
    renderTable(rows, '  '),
  ];
};

/** rows of a drill-down table shown; the JSON and CSV reports have them all */
const DRILL_ROWS = 20;

/** --by: the processes / mappings holding most of the dedup saving, labels cut to fit the width */
const drillDown: Section = (report, { width }) => {
  const lines: string[] = [];
  for (const t of drillTables(report)) {
    const shown = t.rows.slice(0, DRILL_ROWS);
    const cells = shown.map(figureCells);
    const figWidth = DRILL_COLUMNS.reduce((a, h, c) => a + 2 + Math.max(h.length, ...cells.map((r) => r[c].length)), 0);
    const room = Math.max(16, width - 2 - figWidth);
    // the process stays whole; a path keeps its end (the file name), cut at the front
    const cut = ([who, what]: [string, string]) => {
      const l = what ? `${who} ${what}` : who;
      if (l.length <= room) return l;
      return what && who.length + 2 < room ? `${who} …${what.slice(what.length - (room - who.length - 2))}` : `${l.slice(0, room - 1)}…`;
    };
    const rows = [[t.head, ...DRILL_COLUMNS], ...shown.map((_r, i) => [cut(t.labels[i]), ...cells[i]])];
    const more = t.rows.length > shown.length ? `; ${int(t.rows.length - shown.length)} more in --format json or csv` : '';
    lines.push('', ...wrap(`${t.title} (${int(t.rows.length)}, most dedup share first${more}):`, width), renderTable(rows, '  ', 'lrrrrrr'));
  }
  if (lines.length) lines.push(...wrap(DRILL_LEGEND, width, '  '));
  return lines;
};

export const SECTIONS: Section[] = [header, headline, inputs, overview, details, summary, histogram, drillDown, topDuplicates, sharing, collisions];

export function formatTable(report: AnalyzeReport, layout: LayoutOptions = { width: 80 }): string {
  return SECTIONS.flatMap((s) => s(report, layout)).join('\n') + '\n';
}
