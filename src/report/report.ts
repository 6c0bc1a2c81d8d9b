/**
 * The analysis result as one plain object: what every output format renders, and the JSON
 * document itself (schema below; documented in README.md, "JSON output").
 */
import type { CompressorName } from '../compress/compressor.js';
import { KERNEL_MODEL, PAGE_SIZE } from '../model/kernel.js';
import { PAGE_HASHES } from '../hash/page-hash.js';
import { collisionTable } from '../replay/collisions.js';
import type { MappingRow, ProcessRow } from '../replay/drill-down.js';
import type { ReplayOutcome } from '../replay/pipeline.js';
import type { MetadataBreakdown, ZswapStore } from '../store/zswap-store.js';
import { ZsmallocPool } from '../store/zsmalloc-pool.js';
import { describeContent } from './describe-content.js';
import { buildHeadline, type Headline } from './headline.js';
import { inputWarnings, type ReportWarning } from './warnings.js';

export const REPORT_SCHEMA = 'zswap-dedup/analyze/v1';
const TOP_DUPLICATES = 10;

export interface StoreResult {
  compressor: CompressorName;
  dedup: boolean;
  /** logical pages accepted by zswap (zero and rejected pages excluded) */
  stored_pages: number;
  rejected_pages: number;
  rejects: { compress_fail: number; compress_poor: number; alloc_fail: number; pool_limit: number };
  pool_limit_hit: number;
  /** compressed bytes held by the pool (with dedup: of the unique objects) */
  compressed_bytes: number;
  /** what memcg charges: the compressed length of every stored page, shared or not (memory.zswap.current) */
  memcg_zswap_bytes: number;
  /** objects in the pool: stored pages, or unique objects with dedup */
  pool_objects: number;
  pool_pages: number;
  pool_bytes: number;
  /** zsmalloc only */
  zspages: number | null;
  metadata_bytes: number;
  metadata: MetadataBreakdown;
  /** pool_bytes + metadata_bytes */
  total_bytes: number;
  compressions: number;
  /** objects stored (the series' dedup_objects); pages whose hash key collided are plain entries, not objects */
  unique_objects?: number;
  /** pages that shared an object (dedup_hits) */
  duplicate_pages?: number;
  compressions_avoided?: number;
  /** lookups that found a different content under the same hash (dedup_verify_fail) */
  dedup_verify_fail?: number;
  /** compressed bytes not stored thanks to sharing (dedup_saved_bytes) */
  dedup_saved_bytes?: number;
  saving?: Saving;
  refcount_histogram?: HistogramRow[];
}

export interface Saving {
  pool_pages: number;
  pool_bytes: number;
  /** extra metadata dedup costs (negative when it saves metadata) */
  metadata_cost_bytes: number;
  /** pool + metadata saved: total_bytes without dedup − total_bytes with dedup */
  net_bytes: number;
  /** net_bytes / total_bytes without dedup */
  net_ratio: number;
}

export interface HistogramRow {
  /** bucket label as zdb -S prints it: 1, 2, 4, 8 … meaning refcounts 1, 2, 3–4, 5–8 … */
  refcnt: number;
  objects: number;
  /** compressed bytes of those objects */
  allocated_bytes: number;
  /** pages sharing them */
  referenced_pages: number;
  /** compressed bytes the pages would take without sharing */
  referenced_bytes: number;
}

export interface SummaryRow {
  compressor: CompressorName;
  /** compressed bytes without dedup / with dedup */
  dedup: number;
  /** logical bytes of stored pages / compressed bytes without dedup */
  compress: number;
  dedup_x_compress: number;
  /** logical bytes of stored pages / (pool + metadata), without and with dedup */
  memory_ratio: number;
  memory_ratio_dedup: number;
}

export interface AnalyzeReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: string; version: string };
  kernel_model: string;
  /** the answer in one or two sentences and as numbers (null when no compressor was chosen) */
  headline: Headline | null;
  /** conditions under which the figures mislead if read alone */
  warnings: ReportWarning[];
  config: {
    zpool: string;
    zsmalloc_chain_size: number;
    hash: string;
    /** bits of the hash used as the index key */
    hash_bits: number;
    identity: 'bytes' | 'fingerprint128';
    pool_limit: null | { max_pages: number; accept_threshold_pages: number };
    metadata_sizes: Record<string, number>;
  };
  inputs: {
    path: string;
    format: string;
    pages: number;
    zero_pages: number;
    /** with several inputs */
    distinct_contents?: number;
    pages_shared_with_other_inputs?: number;
    info: Record<string, unknown>;
  }[];
  /** with several inputs: pages[a][b] = non-zero pages of input a whose content input b holds too (diagonal: more than once in a) */
  sharing_matrix: { inputs: string[]; pages: number[][] } | null;
  pages: { total: number; zero: number; nonzero: number; distinct_contents: number };
  results: StoreResult[];
  hash: {
    name: string;
    bits: number;
    identity: 'bytes' | 'fingerprint128';
    distinct_contents: number;
    hash_matches: number;
    verify_failures: number;
    collisions: { bits: number; pairs: number; expected_pairs: number }[];
  };
  top_duplicates: { pages: number; hash: string; description: string }[];
  summary: SummaryRow[];
  /**
   * analyze --by process: per process (captures, traces, process cores; one row per input for
   * inputs that know no processes), most dedup share first. Absent without --by.
   */
  by_process?: ProcessRow[];
  /** analyze --by mapping: the same per mapping (kind, and name where the input keeps names) */
  by_mapping?: MappingRow[];
}

function storeResult(store: ZswapStore, outcome: ReplayOutcome): StoreResult {
  const pool = store.zpool;
  const metadata = store.metadataBytes(outcome.options.metadata);
  const r: StoreResult = {
    compressor: store.compressor,
    dedup: store.dedup,
    stored_pages: store.storedPages,
    rejected_pages: store.rejectedPages,
    rejects: {
      compress_fail: store.rejectCompressFail,
      compress_poor: store.rejectCompressPoor,
      alloc_fail: store.rejectAllocFail,
      pool_limit: store.rejectPoolLimit,
    },
    pool_limit_hit: store.poolLimitHit,
    compressed_bytes: store.compressedBytes,
    memcg_zswap_bytes: store.chargedBytes,
    pool_objects: store.poolObjects,
    pool_pages: pool.totalPages,
    pool_bytes: pool.totalPages * PAGE_SIZE,
    zspages: pool instanceof ZsmallocPool ? pool.zspages : null,
    metadata_bytes: metadata.total,
    metadata,
    total_bytes: pool.totalPages * PAGE_SIZE + metadata.total,
    compressions: store.compressions,
  };
  if (store.dedup) {
    r.unique_objects = store.dedupObjects;
    r.duplicate_pages = store.duplicatePages;
    r.compressions_avoided = store.duplicatePages;
    r.dedup_verify_fail = store.verifyFailures;
    r.dedup_saved_bytes = store.chargedBytes - store.compressedBytes;
  }
  return r;
}

function saving(plain: StoreResult, dedup: StoreResult): Saving {
  const net = plain.total_bytes - dedup.total_bytes;
  return {
    pool_pages: plain.pool_pages - dedup.pool_pages,
    pool_bytes: plain.pool_bytes - dedup.pool_bytes,
    metadata_cost_bytes: dedup.metadata_bytes - plain.metadata_bytes,
    net_bytes: net,
    net_ratio: plain.total_bytes > 0 ? net / plain.total_bytes : 0,
  };
}

/** zdb -S style: bucket b holds refcounts in (2^(b-1), 2^b]. */
function refcountHistogram(store: ZswapStore, outcome: ReplayOutcome, slot: number): HistogramRow[] {
  const index = outcome.index;
  const k = outcome.options.compressors.length;
  const rows: HistogramRow[] = [];
  // pages whose key collided: pool allocations of one page each (plain entries, not objects)
  if (store.collisionPages > 0) {
    rows.push({ refcnt: 1, objects: store.collisionPages, allocated_bytes: store.collisionBytes, referenced_pages: store.collisionPages, referenced_bytes: store.collisionBytes });
  }
  for (let id = 0; id < index.count; id++) {
    const refs = store.pagesSharing(id, index.pages[id]);
    if (refs === 0) continue;
    const bucket = refs === 1 ? 0 : Math.ceil(Math.log2(refs));
    while (rows.length <= bucket) {
      rows.push({ refcnt: 2 ** rows.length, objects: 0, allocated_bytes: 0, referenced_pages: 0, referenced_bytes: 0 });
    }
    const len = index.lengths[id * k + slot];
    const row = rows[bucket];
    row.objects++;
    row.allocated_bytes += len;
    row.referenced_pages += refs;
    row.referenced_bytes += refs * len;
  }
  return rows.filter((r) => r.objects > 0);
}

function hashHex(outcome: ReplayOutcome, id: number): string {
  const { hashLo, hashHi } = outcome.index;
  const bits = PAGE_HASHES[outcome.options.hash].bits;
  const lo = hashLo[id].toString(16).padStart(8, '0');
  return bits === 64 ? hashHi[id].toString(16).padStart(8, '0') + lo : lo;
}

function topDuplicates(outcome: ReplayOutcome): AnalyzeReport['top_duplicates'] {
  const { index } = outcome;
  const top: number[] = [];
  for (let id = 0; id < index.count; id++) {
    if (index.pages[id] < 2) continue;
    if (top.length === TOP_DUPLICATES && index.pages[id] <= index.pages[top[top.length - 1]]) continue;
    let pos = top.length;
    while (pos > 0 && index.pages[top[pos - 1]] < index.pages[id]) pos--;
    top.splice(pos, 0, id);
    if (top.length > TOP_DUPLICATES) top.pop();
  }
  const page = Buffer.alloc(PAGE_SIZE);
  return top.map((id) => ({
    pages: index.pages[id],
    hash: hashHex(outcome, id),
    description: outcome.readContent(id, page) ? describeContent(page) : '(trace: content not recorded)',
  }));
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export interface ReportExtras {
  /** warnings found before the replay (say, an input given twice) */
  warnings?: ReportWarning[];
}

export function buildReport(outcome: ReplayOutcome, tool: { name: string; version: string }, extras: ReportExtras = {}): AnalyzeReport {
  const opts = outcome.options;
  const results: StoreResult[] = [];
  const summary: SummaryRow[] = [];
  outcome.stores.forEach(({ compressor, plain, dedup }, slot) => {
    const p = storeResult(plain, outcome);
    const d = storeResult(dedup, outcome);
    d.saving = saving(p, d);
    d.refcount_histogram = refcountHistogram(dedup, outcome, slot);
    results.push(p, d);
    const logical = p.stored_pages * PAGE_SIZE;
    summary.push({
      compressor,
      dedup: ratio(p.compressed_bytes, d.compressed_bytes),
      compress: ratio(logical, p.compressed_bytes),
      dedup_x_compress: ratio(logical, d.compressed_bytes),
      memory_ratio: ratio(logical, p.total_bytes),
      memory_ratio_dedup: ratio(d.stored_pages * PAGE_SIZE, d.total_bytes),
    });
  });
  const hash = PAGE_HASHES[opts.hash];
  const identity = outcome.fingerprintIdentity ? 'fingerprint128' : 'bytes';
  const nonzero = outcome.pages - outcome.zeroPages;
  return {
    schema: REPORT_SCHEMA,
    tool,
    kernel_model: KERNEL_MODEL,
    headline: buildHeadline(results, outcome.pages, outcome.zeroPages),
    warnings: [...(extras.warnings ?? []), ...inputWarnings(outcome.sources, nonzero), ...drillDownWarnings(outcome)],
    config: {
      zpool: opts.zpool,
      zsmalloc_chain_size: opts.chainSize,
      hash: opts.hash,
      hash_bits: Math.min(opts.hashBits, PAGE_HASHES[opts.hash].bits),
      identity,
      pool_limit: opts.limit ? { max_pages: opts.limit.maxPages, accept_threshold_pages: opts.limit.acceptThresholdPages } : null,
      metadata_sizes: Object.fromEntries(Object.entries(opts.metadata).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v])),
    },
    inputs: outcome.sources.map((s, i) => ({
      path: s.path,
      format: s.format,
      pages: s.pages,
      zero_pages: s.zeroPages,
      ...(outcome.sharing ? outcome.sharing.inputs[i] : {}),
      info: s.info,
    })),
    sharing_matrix: outcome.sharing ? { inputs: outcome.sources.map((s) => s.path), pages: outcome.sharing.pages } : null,
    pages: {
      total: outcome.pages,
      zero: outcome.zeroPages,
      nonzero,
      distinct_contents: outcome.index.count,
    },
    results,
    hash: {
      name: hash.name,
      bits: hash.bits,
      identity,
      distinct_contents: outcome.index.count,
      hash_matches: outcome.index.hashMatches,
      verify_failures: outcome.index.hashMismatches,
      collisions: collisionTable(outcome.index, Math.min(opts.hashBits, hash.bits)).map((r) => ({ bits: r.bits, pairs: r.pairs, expected_pairs: r.expectedPairs })),
    },
    top_duplicates: topDuplicates(outcome),
    summary,
    ...drillDown(outcome),
  };
}

/** most of the dedup saving first, then most pages; ties keep input order */
function byShare<T extends { dedup_share_pages: number; pages: number }>(rows: T[]): T[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.dedup_share_pages - a.r.dedup_share_pages || b.r.pages - a.r.pages || a.i - b.i)
    .map((x) => x.r);
}

function drillDownWarnings(outcome: ReplayOutcome): ReportWarning[] {
  return (outcome.drillDown?.unattributed_inputs ?? []).map((i) => ({
    code: 'no_processes',
    message: `${outcome.sources[i].path}: a ${outcome.sources[i].format} input records no processes or mappings; its pages are one row of the drill-down`,
  }));
}

function drillDown(outcome: ReplayOutcome): Pick<AnalyzeReport, 'by_process' | 'by_mapping'> {
  const d = outcome.drillDown;
  if (!d) return {};
  return {
    ...(d.processes ? { by_process: byShare(d.processes) } : {}),
    ...(d.mappings ? { by_mapping: byShare(d.mappings) } : {}),
  };
}
