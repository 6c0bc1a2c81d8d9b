/**
 * The replay over time as a document: schema `zswap-dedup/timeseries/v1` (README, "Time series").
 * One entry per sample with the page census and, per compressor without and with dedup, the
 * replica's figures; a summary per compressor: pool + metadata at its peak and at the last
 * sample, without and with dedup, and what dedup saves there.
 */
import type { CompressorName } from '../compress/compressor.js';
import { KERNEL_MODEL } from '../model/kernel.js';
import { describeReclaimPolicy } from '../replay/reclaim-policy.js';
import type { ReplicaFigures, SampleFigures, TimelineOutcome } from '../replay/timeline-replay.js';
import type { IdleMethod, TimelineInput } from '../timeline/timeline.js';

export const TIMESERIES_SCHEMA = 'zswap-dedup/timeseries/v1';

export interface TimeSeriesPoint {
  /** pool pages × 4096 + metadata bytes, without and with dedup */
  plain_total_bytes: number;
  dedup_total_bytes: number;
  /** plain − dedup, and its share of plain (0 when plain is 0) */
  saving_bytes: number;
  saving_ratio: number;
  sample: number;
  time: number;
}

export interface TimeSeriesSummary {
  compressor: CompressorName;
  /** the sample where pool + metadata without dedup was largest, and the same sample with dedup */
  peak: TimeSeriesPoint;
  /** the largest pool + metadata with dedup, wherever it fell */
  peak_dedup_total_bytes: number;
  final: TimeSeriesPoint;
}

export interface TimeSeriesDocument {
  schema: typeof TIMESERIES_SCHEMA;
  tool: { name: string; version: string };
  kernel_model: string;
  config: {
    reclaim: string;
    compaction: string;
    compressors: CompressorName[];
    zpool: 'zsmalloc';
    zsmalloc_chain_size: number;
    hash: string;
    hash_bits: number;
    identity: 'bytes' | 'fingerprint128';
    pool_limit: { max_pages: number; accept_threshold_pages: number } | null;
    /** the dedup series the replica follows (kernel/patches/) */
    dedup_series: 'v2';
  };
  inputs: { path: string; format: string; idle_method: IdleMethod; info: Record<string, unknown> }[];
  samples: SampleFigures[];
  summary: TimeSeriesSummary[];
}

function point(s: SampleFigures, plain: ReplicaFigures, dedup: ReplicaFigures): TimeSeriesPoint {
  const saving = plain.total_bytes - dedup.total_bytes;
  return {
    sample: s.index,
    time: s.time,
    plain_total_bytes: plain.total_bytes,
    dedup_total_bytes: dedup.total_bytes,
    saving_bytes: saving,
    saving_ratio: plain.total_bytes > 0 ? Number((saving / plain.total_bytes).toFixed(6)) : 0,
  };
}

export function summarize(samples: SampleFigures[], compressors: CompressorName[]): TimeSeriesSummary[] {
  if (samples.length === 0) return [];
  return compressors.map((compressor) => {
    const pair = (s: SampleFigures) => {
      const plain = s.results.find((r) => r.compressor === compressor && !r.dedup)!;
      const dedup = s.results.find((r) => r.compressor === compressor && r.dedup)!;
      return point(s, plain, dedup);
    };
    const points = samples.map(pair);
    const peak = points.reduce((a, b) => (b.plain_total_bytes > a.plain_total_bytes ? b : a));
    return {
      compressor,
      peak,
      peak_dedup_total_bytes: Math.max(...points.map((p) => p.dedup_total_bytes)),
      final: points[points.length - 1],
    };
  });
}

export function buildTimeSeries(
  outcome: TimelineOutcome,
  inputs: readonly TimelineInput[],
  tool: { name: string; version: string },
): TimeSeriesDocument {
  const o = outcome.options;
  const c = o.compaction;
  return {
    schema: TIMESERIES_SCHEMA,
    tool,
    kernel_model: KERNEL_MODEL,
    config: {
      reclaim: describeReclaimPolicy(o.reclaim),
      compaction: c === 'never' || c === 'sample' ? c : `samples:${c.samples.join(',')}`,
      compressors: o.compressors,
      zpool: 'zsmalloc',
      zsmalloc_chain_size: o.chainSize,
      hash: o.hash,
      hash_bits: o.hashBits,
      identity: outcome.fingerprintIdentity ? 'fingerprint128' : 'bytes',
      pool_limit: o.limit ? { max_pages: o.limit.maxPages, accept_threshold_pages: o.limit.acceptThresholdPages } : null,
      dedup_series: 'v2',
    },
    inputs: inputs.map((i) => ({ path: i.path, format: i.format, idle_method: i.idleMethod, info: i.info })),
    samples: outcome.samples,
    summary: summarize(outcome.samples, o.compressors),
  };
}
