/** Markdown: the same numbers as the table, for pull requests and CI summaries. */
import type { AnalyzeReport } from './report.js';
import { fixed2, int, mib, pct } from './text-table.js';

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

export function formatMarkdown(report: AnalyzeReport): string {
  const out: string[] = [];
  const p = report.pages;
  out.push(`## zswap-dedup: ${report.inputs.map((i) => `\`${i.path}\``).join(', ')}`, '');
  out.push(
    `${int(p.total)} pages: ${int(p.zero)} zero-filled (swap zeromap), ${int(p.nonzero)} to zswap, ${int(p.distinct_contents)} distinct contents. ` +
      `Replica of ${report.kernel_model} zswap on ${report.config.zpool}; hash ${report.config.hash} (${report.config.identity === 'bytes' ? 'byte-verified' : '128-bit fingerprint identity'}).`,
    '',
  );
  out.push(
    row(['compressor', 'dedup', 'stored pages', 'rejected', 'unique objects', 'compressed MiB', 'pool pages', 'pool MiB', 'metadata MiB', 'pool + metadata MiB', 'net saving']),
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
        mib(r.compressed_bytes),
        int(r.pool_pages),
        mib(r.pool_bytes),
        mib(r.metadata_bytes),
        mib(r.total_bytes),
        r.saving ? `${mib(r.saving.net_bytes)} MiB (${pct(r.saving.net_ratio)})` : '',
      ]),
    );
  }
  out.push('');
  for (const s of report.summary) {
    out.push(`- **${s.compressor}**: dedup = ${fixed2(s.dedup)}, compress = ${fixed2(s.compress)}, dedup × compress = ${fixed2(s.dedup_x_compress)}`);
  }
  return out.join('\n') + '\n';
}
