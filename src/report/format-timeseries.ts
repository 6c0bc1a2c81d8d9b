/** The time series for people (a table per sample and a summary line per compressor) and as CSV. */
import type { ReplicaFigures, SampleFigures } from '../replay/timeline-replay.js';
import type { TimeSeriesDocument, TimeSeriesSummary } from './timeseries.js';
import { renderTable } from './text-layout.js';
import { bytes, int, pct } from './units.js';

const seconds = (t: number): string => t.toFixed(1);

/** "lz4: peak pool + metadata 12.30 MiB at 40 s, 10.10 MiB with dedup (saving 17.9 %); at the end 8.00 → 7.20 MiB (10.0 %)" */
export function summaryLine(s: TimeSeriesSummary): string {
  const p = s.peak;
  const f = s.final;
  return (
    `${s.compressor}: peak pool + metadata ${bytes(p.plain_total_bytes)} at ${seconds(p.time)} s, ` +
    `${bytes(p.dedup_total_bytes)} with dedup (saving ${pct(p.saving_ratio)}; dedup's own peak ${bytes(s.peak_dedup_total_bytes)}); ` +
    `at the end ${bytes(f.plain_total_bytes)} → ${bytes(f.dedup_total_bytes)} (saving ${pct(f.saving_ratio)})`
  );
}

export function formatTimeSeriesTable(doc: TimeSeriesDocument): string {
  const out: string[] = [];
  const c = doc.config;
  out.push(
    `zswap-dedup ${doc.tool.version} · ${doc.kernel_model} · replay over time · reclaim ${c.reclaim} · compaction ${c.compaction}`,
    `inputs: ${doc.inputs.map((i) => `${i.path} (${i.format}, idle ages: ${i.idle_method})`).join(', ')}`,
    '',
  );
  const header = ['sample', 'time s', 'live', 'out'];
  for (const name of c.compressors) header.push(name, `${name} dedup`, `${name} frag pg`);
  const rows = [header];
  for (const s of doc.samples) {
    const row = [String(s.index), seconds(s.time), int(s.pages.live), int(s.pages.out)];
    for (const name of c.compressors) {
      const plain = s.results.find((r) => r.compressor === name && !r.dedup)!;
      const dedup = s.results.find((r) => r.compressor === name && r.dedup)!;
      row.push(bytes(plain.total_bytes), bytes(dedup.total_bytes), `${int(plain.fragmentation_pages)}/${int(dedup.fragmentation_pages)}`);
    }
    rows.push(row);
  }
  out.push(renderTable(rows, '  '), '');
  const last = doc.samples[doc.samples.length - 1];
  if (last) {
    out.push('Counters since the first sample (without / with dedup):');
    const counters: [string, (r: ReplicaFigures) => number][] = [
      ['stores', (r) => r.stores],
      ['loads', (r) => r.loads],
      ['invalidations', (r) => r.invalidations],
      ['written back', (r) => r.written_back],
      ['pool pages freed by writeback', (r) => r.writeback_freed_pool_pages],
      ['rejects', (r) => r.rejects.compress_fail + r.rejects.compress_poor + r.rejects.alloc_fail + r.rejects.pool_limit],
      ['pool_limit_hit', (r) => r.pool_limit_hit],
      ['compacted pages', (r) => r.compacted_pages],
      ['dedup hits', (r) => r.dedup_hits],
      ['written back, shared (freed nothing)', (r) => r.writeback_shared],
      ['shared entries passed over by writeback', (r) => r.dedup_wb_skip],
    ];
    const crow = [['', ...c.compressors]];
    for (const [label, get] of counters) {
      crow.push([label, ...c.compressors.map((name) => `${int(get(find(last, name, false)))} / ${int(get(find(last, name, true)))}`)]);
    }
    out.push(renderTable(crow, '  '), '');
  }
  out.push('Summary:');
  for (const s of doc.summary) out.push(`  ${summaryLine(s)}`);
  return out.join('\n') + '\n';
}

function find(s: SampleFigures, compressor: string, dedup: boolean): ReplicaFigures {
  return s.results.find((r) => r.compressor === compressor && r.dedup === dedup)!;
}

const CSV_COLUMNS: [string, (s: SampleFigures, r: ReplicaFigures) => string | number | boolean][] = [
  ['sample', (s) => s.index],
  ['time', (s) => s.time],
  ['compressor', (_s, r) => r.compressor],
  ['dedup', (_s, r) => r.dedup],
  ['pages_live', (s) => s.pages.live],
  ['pages_resident', (s) => s.pages.resident],
  ['pages_out', (s) => s.pages.out],
  ['pages_out_zero', (s) => s.pages.outZero],
  ['stored_pages', (_s, r) => r.stored_pages],
  ['pool_pages', (_s, r) => r.pool_pages],
  ['packed_pool_pages', (_s, r) => r.packed_pool_pages],
  ['fragmentation_pages', (_s, r) => r.fragmentation_pages],
  ['compressed_bytes', (_s, r) => r.compressed_bytes],
  ['charged_bytes', (_s, r) => r.charged_bytes],
  ['metadata_bytes', (_s, r) => r.metadata_bytes],
  ['total_bytes', (_s, r) => r.total_bytes],
  ['zspages', (_s, r) => r.zspages],
  ['stores', (_s, r) => r.stores],
  ['loads', (_s, r) => r.loads],
  ['invalidations', (_s, r) => r.invalidations],
  ['written_back', (_s, r) => r.written_back],
  ['writeback_freed_pool_pages', (_s, r) => r.writeback_freed_pool_pages],
  ['reject_compress_fail', (_s, r) => r.rejects.compress_fail],
  ['reject_compress_poor', (_s, r) => r.rejects.compress_poor],
  ['reject_alloc_fail', (_s, r) => r.rejects.alloc_fail],
  ['reject_pool_limit', (_s, r) => r.rejects.pool_limit],
  ['pool_limit_hit', (_s, r) => r.pool_limit_hit],
  ['compressions', (_s, r) => r.compressions],
  ['compacted_pages', (_s, r) => r.compacted_pages],
  ['dedup_objects', (_s, r) => r.dedup_objects],
  ['dedup_hits', (_s, r) => r.dedup_hits],
  ['dedup_shared_pages', (_s, r) => r.dedup_shared_pages],
  ['dedup_saved_bytes', (_s, r) => r.dedup_saved_bytes],
  ['dedup_verify_fail', (_s, r) => r.dedup_verify_fail],
  ['writeback_shared', (_s, r) => r.writeback_shared],
  ['dedup_wb_skip', (_s, r) => r.dedup_wb_skip],
];

/** One row per sample, compressor and dedup off/on; every value a number or a plain word (nothing to quote). */
export function formatTimeSeriesCsv(doc: TimeSeriesDocument): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const s of doc.samples) for (const r of s.results) lines.push(CSV_COLUMNS.map(([, get]) => String(get(s, r))).join(','));
  return lines.join('\n') + '\n';
}

export function formatTimeSeriesJson(doc: TimeSeriesDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
