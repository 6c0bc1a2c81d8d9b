/**
 * The answer first: one or two sentences (and the same as numbers) saying what dedup would save,
 * pool and metadata counted, with which compressor it saves most, and what zero-filled pages
 * already give — the way KSM sums itself up in one general_profit figure.
 */
import type { CompressorName } from '../compress/compressor.js';
import { PAGE_SIZE } from '../model/kernel.js';
import type { StoreResult } from './report.js';
import { bytes, int, pct } from './units.js';

export interface Headline {
  /** the sentences the table and Markdown reports start with */
  text: string;
  /** the compressor with which dedup saves the most bytes (pool + metadata) */
  best_compressor: CompressorName;
  /** pool + metadata without and with dedup, for that compressor */
  total_bytes_without_dedup: number;
  total_bytes_with_dedup: number;
  /** total_bytes_without_dedup − total_bytes_with_dedup (negative: dedup costs more than it saves) */
  net_saving_bytes: number;
  net_saving_ratio: number;
  /** every compressor's net saving ratio, in the order chosen */
  net_saving_ratio_by_compressor: Partial<Record<CompressorName, number>>;
  /** zero-filled pages go to the swap zeromap, never into zswap: what that already gives */
  zero_pages: number;
  zero_bytes: number;
  zero_ratio: number;
  pages: number;
}

export function buildHeadline(results: StoreResult[], pages: number, zeroPages: number): Headline | null {
  const dedup = results.filter((r) => r.dedup && r.saving);
  if (dedup.length === 0) return null;
  let best = dedup[0];
  for (const r of dedup) if (r.saving!.net_bytes > best.saving!.net_bytes) best = r;
  const plain = results.find((r) => !r.dedup && r.compressor === best.compressor)!;
  const s = best.saving!;
  const others = dedup.filter((r) => r !== best).map((r) => `${r.compressor} ${pct(r.saving!.net_ratio)}`);
  const among = dedup.length > 1 ? `, the best of ${dedup.length} compressors (${others.join(', ')})` : '';
  const change = `${bytes(plain.total_bytes)} → ${bytes(best.total_bytes)}`;
  const first =
    s.net_bytes > 0
      ? `Dedup would save ${bytes(s.net_bytes)} (${pct(s.net_ratio)}) of zswap memory, pool and metadata counted, with ${best.compressor}${among}: ${change}.`
      : s.net_bytes === 0
        ? `Dedup would save nothing with ${best.compressor}${among}: ${change}.`
        : `Dedup would cost ${bytes(-s.net_bytes)} (${pct(-s.net_ratio)}) more zswap memory than it saves, pool and metadata counted, even with ${best.compressor}${among}: ${change}.`;
  const zeroRatio = pages > 0 ? zeroPages / pages : 0;
  const second = `Zero-filled pages already stay out of zswap: ${int(zeroPages)} of ${int(pages)} pages (${pct(zeroRatio)}, ${bytes(zeroPages * PAGE_SIZE)}).`;
  return {
    text: `${first} ${second}`,
    best_compressor: best.compressor,
    total_bytes_without_dedup: plain.total_bytes,
    total_bytes_with_dedup: best.total_bytes,
    net_saving_bytes: s.net_bytes,
    net_saving_ratio: s.net_ratio,
    net_saving_ratio_by_compressor: Object.fromEntries(dedup.map((r) => [r.compressor, r.saving!.net_ratio])),
    zero_pages: zeroPages,
    zero_bytes: zeroPages * PAGE_SIZE,
    zero_ratio: zeroRatio,
    pages,
  };
}
