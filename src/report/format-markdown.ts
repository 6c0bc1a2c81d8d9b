/** Markdown: the headline, the warnings and the main table, for pull requests and CI summaries. */
import { DRILL_COLUMNS, DRILL_LEGEND, drillTables, figureCells } from './drill-down-rows.js';
import type { AnalyzeReport } from './report.js';
import { bytes, fixed2, int, pct } from './units.js';

/** table cells must not break the row */
const cell = (v: string | number) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: (string | number)[]) => `| ${cells.map(cell).join(' | ')} |`;

export function formatMarkdown(report: AnalyzeReport): string {
  const out: string[] = [];
  const p = report.pages;
  out.push(`## zswap-dedup: ${report.inputs.map((i) => `\`${i.path}\``).join(', ')}`, '');
  if (report.headline) out.push(`**${report.headline.text}**`, '');
  for (const w of report.warnings) out.push(`> **Warning:** ${w.message}`, '>');
  if (report.warnings.length) out.splice(out.length - 1, 1, '');
  out.push(
    `${int(p.total)} pages: ${int(p.zero)} zero-filled (swap zeromap), ${int(p.nonzero)} to zswap, ${int(p.distinct_contents)} distinct contents. ` +
      `Replica of ${report.kernel_model} zswap on ${report.config.zpool}; hash ${report.config.hash} (${report.config.identity === 'bytes' ? 'byte-verified' : '128-bit fingerprint identity'}).`,
    '',
  );
  out.push(
    row(['compressor', 'dedup', 'stored pages', 'rejected', 'unique objects', 'compressed', 'pool pages', 'pool', 'metadata', 'pool + metadata', 'net saving']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  );
  for (const r of report.results) {
    out.push(
      row([
        r.compressor,
        r.dedup ? 'yes' : 'no',
        int(r.stored_pages),
        int(r.rejected_pages),
        r.dedup ? int(r.unique_objects!) : '',
        bytes(r.compressed_bytes),
        int(r.pool_pages),
        bytes(r.pool_bytes),
        bytes(r.metadata_bytes),
        bytes(r.total_bytes),
        r.saving ? `${bytes(r.saving.net_bytes)} (${pct(r.saving.net_ratio)})` : '',
      ]),
    );
  }
  out.push('');
  for (const s of report.summary) {
    out.push(`- **${s.compressor}**: dedup = ${fixed2(s.dedup)}, compress = ${fixed2(s.compress)}, dedup × compress = ${fixed2(s.dedup_x_compress)}`);
  }
  for (const t of drillTables(report)) {
    out.push('', `### ${t.title}`, '', row([t.head, ...DRILL_COLUMNS]), row(['---', ...DRILL_COLUMNS.map(() => '---:')]));
    t.rows.forEach((r, i) => out.push(row([t.labels[i].filter(Boolean).join(' '), ...figureCells(r)])));
  }
  if (report.by_process || report.by_mapping) out.push('', `_${DRILL_LEGEND}_`);
  return out.join('\n') + '\n';
}
