/** The human report: compressors side by side, without and with dedup. */
import { PAGE_SIZE } from '../model/kernel.js';
import type { AnalyzeReport, StoreResult } from './report.js';
import { fixed2, int, mib, pct, renderTextTable } from './text-table.js';

type Row = [label: string, value: (r: StoreResult) => string];

const ROWS: Row[] = [
  ['stored pages', (r) => int(r.stored_pages)],
  ['rejected pages', (r) => int(r.rejected_pages)],
  ['unique objects', (r) => (r.dedup ? int(r.unique_objects!) : '-')],
  ['duplicate pages', (r) => (r.dedup ? int(r.duplicate_pages!) : '-')],
  ['compressions', (r) => int(r.compressions)],
  ['compressed MiB', (r) => mib(r.compressed_bytes)],
  ['pool pages', (r) => int(r.pool_pages)],
  ['pool MiB', (r) => mib(r.pool_bytes)],
  ['metadata MiB', (r) => mib(r.metadata_bytes)],
  ['pool + metadata MiB', (r) => mib(r.total_bytes)],
  ['net dedup saving MiB', (r) => (r.saving ? mib(r.saving.net_bytes) : '-')],
  ['net dedup saving', (r) => (r.saving ? pct(r.saving.net_ratio) : '-')],
];

function rejectNote(report: AnalyzeReport): string[] {
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

export function formatTable(report: AnalyzeReport): string {
  const out: string[] = [];
  const c = report.config;
  out.push(
    `${report.tool.name} ${report.tool.version} · replica of the zswap store of ${report.kernel_model} · ${c.zpool}` +
      (c.zpool === 'zsmalloc' ? ` (chain ${c.zsmalloc_chain_size})` : '') +
      ` · ${c.hash}, ${c.identity === 'bytes' ? 'matches verified byte by byte' : 'identity by 128-bit fingerprint'}`,
  );
  if (c.pool_limit) out.push(`pool limit ${int(c.pool_limit.max_pages)} pages, accepting again at ${int(c.pool_limit.accept_threshold_pages)}`);
  for (const i of report.inputs) {
    const shared = i.distinct_contents === undefined ? '' : `, ${int(i.distinct_contents)} distinct, ${int(i.pages_shared_with_other_inputs!)} pages shared with other inputs`;
    out.push(`input  ${i.path}  (${i.format}, ${int(i.pages)} pages, ${mib(i.pages * PAGE_SIZE)} MiB, ${int(i.zero_pages)} zero${shared})`);
  }
  const p = report.pages;
  out.push(
    `pages  ${int(p.total)} total · ${int(p.zero)} zero-filled (swap zeromap, never in zswap) · ${int(p.nonzero)} to zswap · ${int(p.distinct_contents)} distinct contents`,
  );
  out.push('');

  const compressors = [...new Set(report.results.map((r) => r.compressor))];
  const head1 = [''];
  const head2 = [''];
  for (const name of compressors) head1.push('', name);
  for (let i = 0; i < compressors.length; i++) head2.push('no dedup', 'dedup');
  const rows = [head1, head2];
  for (const [label, value] of ROWS) {
    const row = [label];
    for (const name of compressors) {
      for (const dedup of [false, true]) row.push(value(report.results.find((r) => r.compressor === name && r.dedup === dedup)!));
    }
    rows.push(row);
  }
  out.push(renderTextTable(rows));
  const notes = rejectNote(report);
  if (notes.length) out.push('', 'rejected pages:', ...notes);

  out.push('', 'summary (zdb style; ratios of logical bytes of stored pages):');
  for (const s of report.summary) {
    out.push(
      `  ${s.compressor}: dedup = ${fixed2(s.dedup)}, compress = ${fixed2(s.compress)}, dedup × compress = ${fixed2(s.dedup_x_compress)}; ` +
        `with pool and metadata: ${fixed2(s.memory_ratio)} → ${fixed2(s.memory_ratio_dedup)}`,
    );
  }

  const first = report.results.find((r) => r.dedup);
  if (first?.refcount_histogram?.length) {
    out.push('', `refcount histogram (${first.compressor} with dedup; bucket n holds refcounts above n/2 up to n):`);
    const h = [['refcnt', 'objects', 'alloc MiB', 'pages', 'referenced MiB']];
    for (const b of first.refcount_histogram) {
      h.push([String(b.refcnt), int(b.objects), mib(b.allocated_bytes), int(b.referenced_pages), mib(b.referenced_bytes)]);
    }
    out.push(renderTextTable(h, '  '));
  }

  if (report.top_duplicates.length) {
    out.push('', 'top duplicated contents (non-zero):');
    const t = [['pages', report.hash.name, 'content']];
    for (const d of report.top_duplicates) t.push([int(d.pages), d.hash, d.description]);
    out.push(renderTextTable(t, '  ', 'rll'));
  }

  if (report.sharing_matrix) {
    out.push('', 'sharing between inputs (row: pages of that input whose content the column input holds too; diagonal: held more than once):');
    const names = report.sharing_matrix.inputs.map((_p, i) => `#${i + 1}`);
    const m = [['', ...names]];
    report.sharing_matrix.pages.forEach((row, i) => m.push([`#${i + 1} ${report.sharing_matrix!.inputs[i]}`, ...row.map(int)]));
    out.push(renderTextTable(m, '  '));
  }

  const hsh = report.hash;
  out.push(
    '',
    `hash collisions: ${hsh.name} over ${int(hsh.distinct_contents)} distinct contents, ${int(hsh.hash_matches)} hash matches, ` +
      `${int(hsh.verify_failures)} of them different contents`,
  );
  const ct = [['bits', 'colliding pairs', 'expected if uniform']];
  for (const r of hsh.collisions) ct.push([String(r.bits), int(r.pairs), r.expected_pairs < 0.01 ? r.expected_pairs.toExponential(1) : r.expected_pairs.toFixed(2)]);
  out.push(renderTextTable(ct, '  '));
  return out.join('\n') + '\n';
}
