/**
 * The replay over time: a timeline's samples, one after the other, through a zswap replica with
 * churn (src/store/zswap-replica.ts) per chosen compressor, without and with dedup. At each sample:
 *   1. the sample's events: contents indexed and compressed (ContentIndexer); a page that went
 *      away is invalidated, a page whose content changed while swapped out was loaded first;
 *   2. the reclaim policy (reclaim-policy.ts): pages accessed since they went out are loaded back,
 *      then pages go out, the coldest first (key order for `all` and `recorded`);
 *   3. optionally zs_compact(), then one row of figures per replica.
 * The order matters (zsmalloc reuses the slot freed last, dedup hits count per store), so it is
 * fixed by what the recording holds, never by how a reader batches it. The recording cannot tell
 * in which order loads and invalidations happened between two samples; the replica takes the
 * events' order in the file: a capture writes contents in the order its walk found them, then
 * its GONE, SWAPPED and SWAPPED_IN records (capture/recording.ts), and convert copies that order
 * into a trace. Then the policy's loads and stores go in key order, stores of idle pages the
 * longest idle first, as reclaim isolates folios from the old end of the LRU (isolate_lru_folios(),
 * mm/vmscan.c); keys are handed out in the order pages were first found, the recording's stand-in
 * for the LRU's order among pages idle equally long, which it cannot see.
 */
import type { CompressorName } from '../compress/compressor.js';
import { PAGE_HASHES } from '../hash/page-hash.js';
import { DEDUP_KEY_BITS, PAGE_SIZE } from '../model/kernel.js';
import { buildSizeClassTable, type SizeClassTable } from '../store/zsmalloc-classes.js';
import { ZsmallocReplica, type ZsClassStat } from '../store/zsmalloc-replica.js';
import { ZswapReplica } from '../store/zswap-replica.js';
import { EventBatch, PAGE_EVENT, type Timeline, type TimelineSample } from '../timeline/timeline.js';
import { nextTurn } from '../util/next-turn.js';
import type { ContentIndex } from './content-index.js';
import type { ReplayOptions } from './pipeline.js';
import { ContentIndexer } from './content-indexer.js';
import { grownArray } from './growable.js';
import { seriesKeyGroups } from './series-key-groups.js';
import type { ReclaimPolicy } from './reclaim-policy.js';

/**
 * When the replica runs zs_compact() (the zsmalloc shrinker, under global reclaim or
 * drop_caches; memcg reclaim never calls it): never, at the end of every sample, or after the
 * samples listed (when the caller knows the kernel compacted there).
 */
export type CompactionModel = 'never' | 'sample' | { readonly samples: readonly number[] };

export interface TimelineReplayOptions extends Omit<ReplayOptions, 'zpool' | 'onProgress'> {
  reclaim: ReclaimPolicy;
  compaction: CompactionModel;
  /** add every replica's zsmalloc class statistics to each sample (what debugfs prints) */
  classStats?: boolean;
  onSample?: (row: SampleFigures) => void;
}

/** key states */
const DEAD = 0;
const RESIDENT = 1;
const OUT = 2;
/** content of a zero-filled page */
const ZERO = -1;

/** What the timeline did and what the policy made of it at one sample (common to every replica). */
export interface SamplePages {
  /** live pages (keys) at the sample, and of them resident and swapped out by the modelled kernel */
  live: number;
  resident: number;
  out: number;
  /** of the pages out, zero-filled ones (in the swap zeromap, never in zswap) */
  outZero: number;
  /** since the first sample: zero-filled pages swapped out and in (vmstat swpout_zero, swpin_zero) */
  zeroSwapOuts: number;
  zeroSwapIns: number;
  /** the sample's events */
  events: { appear: number; change: number; gone: number; swapped: number; swapped_in: number };
  /** the policy's decisions at this sample: pages sent out, pages brought back */
  swappedOut: number;
  swappedIn: number;
}

export interface ReplicaFigures {
  compressor: CompressorName;
  dedup: boolean;
  stored_pages: number;
  pool_pages: number;
  /** pages a freshly packed pool with the same objects would use (the snapshot's pool_pages) */
  packed_pool_pages: number;
  /** pool_pages − packed_pool_pages */
  fragmentation_pages: number;
  compressed_bytes: number;
  /** memcg's charge: Σ entry length (memory.zswap.current) */
  charged_bytes: number;
  metadata_bytes: number;
  /** pool_pages × 4096 + metadata_bytes */
  total_bytes: number;
  zspages: number;
  /** counters since the first sample, as the kernel's (debugfs, vmstat) count them */
  stores: number;
  loads: number;
  invalidations: number;
  written_back: number;
  writeback_freed_pool_pages: number;
  rejects: { compress_fail: number; compress_poor: number; alloc_fail: number; pool_limit: number };
  pool_limit_hit: number;
  compressions: number;
  compacted_pages: number;
  dedup_objects: number;
  dedup_hits: number;
  /** entries whose data another entry's object holds now: Σ (refs − 1) over live objects (dedup_hits counts every hit since the first sample) */
  dedup_shared_pages: number;
  dedup_saved_bytes: number;
  dedup_verify_fail: number;
  /** writebacks of a slot whose object other slots still shared, freeing nothing: 0 with series v2, which passes them over */
  writeback_shared: number;
  /** entries the writeback walk passed over because their object was shared (the series' dedup_wb_skip) */
  dedup_wb_skip: number;
  /** with TimelineReplayOptions.classStats */
  classes?: ZsClassStat[];
}

export interface SampleFigures {
  index: number;
  time: number;
  pages: SamplePages;
  results: ReplicaFigures[];
}

export interface TimelineOutcome {
  options: TimelineReplayOptions;
  samples: SampleFigures[];
  index: ContentIndex;
  classTable: SizeClassTable;
  fingerprintIdentity: boolean;
  replicas: { compressor: CompressorName; plain: ZswapReplica; dedup: ZswapReplica }[];
}

export async function replayTimeline(timeline: Timeline, opts: TimelineReplayOptions): Promise<TimelineOutcome> {
  const run = new TimelineReplay(timeline, opts);
  try {
    for (let s = timeline.nextSample(); s; s = timeline.nextSample()) await run.replaySample(s);
  } finally {
    run.close();
  }
  return run.outcome();
}

class TimelineReplay {
  private readonly batch = new EventBatch();
  private readonly ids = new Int32Array(this.batch.capacity);
  private readonly indexer: ContentIndexer;
  private readonly fingerprintIdentity: boolean;
  private readonly classTable: SizeClassTable;
  private readonly replicas: TimelineOutcome['replicas'];
  private readonly all: ZswapReplica[];
  private readonly k: number;
  /** per key: state, content id (ZERO for a zero page), time of the last content change, time it went out */
  private state = new Uint8Array(1024);
  private content = new Int32Array(1024);
  private changedAt = new Float64Array(1024);
  private outAt = new Float64Array(1024);
  /** per key: the recorded kernel holds it swapped out */
  private recordedOut = new Uint8Array(1024);
  private readonly samples: SampleFigures[] = [];
  private live = 0;
  private out = 0;
  private outZero = 0;
  private zeroSwapOuts = 0;
  private zeroSwapIns = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly opts: TimelineReplayOptions,
  ) {
    this.fingerprintIdentity = !opts.verify || timeline.inputs.some((i) => !i.hasContent);
    this.indexer = new ContentIndexer(this.batch, {
      compressors: opts.compressors,
      hash: opts.hash,
      hashBits: opts.hashBits,
      fingerprintIdentity: this.fingerprintIdentity,
      anyContent: timeline.inputs.some((i) => i.hasContent),
      threads: opts.threads,
      readStored: (ordinal, dst, at) => timeline.readContent(ordinal, dst, at),
    });
    this.classTable = buildSizeClassTable(opts.chainSize);
    const index = this.indexer.index;
    // the series keys its index on 32 bits of the hash: contents colliding there collide in the model
    const dedupGroups = seriesKeyGroups(index, Math.min(opts.hashBits, PAGE_HASHES[opts.hash].bits), DEDUP_KEY_BITS);
    this.replicas = opts.compressors.map((compressor) => ({
      compressor,
      plain: new ZswapReplica(compressor, new ZsmallocReplica(this.classTable), false, opts.limit),
      dedup: new ZswapReplica(compressor, new ZsmallocReplica(this.classTable), true, opts.limit, dedupGroups),
    }));
    this.all = this.replicas.flatMap((r) => [r.plain, r.dedup]);
    this.k = opts.compressors.length;
  }

  async replaySample(sample: TimelineSample): Promise<void> {
    const events = { appear: 0, change: 0, gone: 0, swapped: 0, swapped_in: 0 };
    const moves = { swappedOut: 0, swappedIn: 0 };
    const batch = this.batch;
    const t = sample.time;
    for (let n = this.timeline.read(batch); n > 0; n = this.timeline.read(batch)) {
      this.ensureKeys(this.timeline.keyLimit);
      this.indexer.indexBatch(n, this.ids, batch.event);
      for (let i = 0; i < n; i++) {
        const key = batch.key[i];
        switch (batch.event[i]) {
          case PAGE_EVENT.APPEAR:
            events.appear++;
            this.state[key] = RESIDENT;
            this.content[key] = this.ids[i];
            this.changedAt[key] = t;
            this.recordedOut[key] = 0;
            this.live++;
            break;
          case PAGE_EVENT.CHANGE:
            events.change++;
            // written since: if the modelled kernel had it out, the write faulted it back in first
            if (this.state[key] === OUT) {
              this.swapIn(key);
              moves.swappedIn++;
            }
            this.content[key] = this.ids[i];
            this.changedAt[key] = t;
            this.recordedOut[key] = 0;
            break;
          case PAGE_EVENT.GONE:
            events.gone++;
            if (this.state[key] === OUT) this.invalidate(key);
            if (this.state[key] !== DEAD) this.live--;
            this.state[key] = DEAD;
            break;
          case PAGE_EVENT.SWAPPED:
            events.swapped++;
            this.recordedOut[key] = 1;
            break;
          case PAGE_EVENT.SWAPPED_IN:
            events.swapped_in++;
            this.recordedOut[key] = 0;
            if (this.opts.reclaim.kind === 'recorded' && this.state[key] === OUT) {
              this.swapIn(key);
              moves.swappedIn++;
            }
            break;
        }
      }
      await nextTurn();
    }
    this.applyPolicy(t, moves);
    const compaction = this.opts.compaction;
    if (compaction === 'sample' || (compaction !== 'never' && compaction.samples.includes(sample.index))) for (const r of this.all) r.compact();
    const row: SampleFigures = {
      index: sample.index,
      time: t,
      pages: {
        live: this.live,
        resident: this.live - this.out,
        out: this.out,
        outZero: this.outZero,
        zeroSwapOuts: this.zeroSwapOuts,
        zeroSwapIns: this.zeroSwapIns,
        events,
        ...moves,
      },
      results: this.replicas.flatMap((r) => [this.figures(r.plain), this.figures(r.dedup)]),
    };
    this.samples.push(row);
    this.opts.onSample?.(row);
  }

  private ensureKeys(limit: number): void {
    if (this.state.length >= limit) return;
    this.state = grownArray(this.state, limit);
    this.content = grownArray(this.content, limit);
    this.changedAt = grownArray(this.changedAt, limit);
    this.outAt = grownArray(this.outAt, limit);
    this.recordedOut = grownArray(this.recordedOut, limit);
  }

  /**
   * Seconds the page had been idle at this sample: the recording's age where it knew one, else
   * the time since its content last changed (written-since only, like soft-dirty).
   */
  private ageOf(key: number, ages: Float32Array, t: number): number {
    const a = ages[key];
    return a >= 0 ? a : t - this.changedAt[key];
  }

  private applyPolicy(t: number, moves: { swappedOut: number; swappedIn: number }): void {
    const policy = this.opts.reclaim;
    const keyLimit = Math.min(this.state.length, this.timeline.keyLimit);
    if (policy.kind === 'all' || policy.kind === 'recorded') {
      for (let key = 0; key < keyLimit; key++) {
        if (this.state[key] !== RESIDENT) continue;
        if (policy.kind === 'recorded' && !this.recordedOut[key]) continue;
        this.swapOut(key, t);
        moves.swappedOut++;
      }
      return;
    }
    const ages = this.timeline.idleAges();
    // accessed since it went out: loaded back
    for (let key = 0; key < keyLimit; key++) {
      if (this.state[key] === OUT && this.ageOf(key, ages, t) < t - this.outAt[key]) {
        this.swapIn(key);
        moves.swappedIn++;
      }
    }
    const candidates: number[] = [];
    const age = new Float64Array(keyLimit);
    for (let key = 0; key < keyLimit; key++) {
      if (this.state[key] !== RESIDENT) continue;
      age[key] = this.ageOf(key, ages, t);
      if (policy.kind === 'idle' && age[key] < policy.seconds) continue;
      candidates.push(key);
    }
    candidates.sort((a, b) => age[b] - age[a] || a - b);
    let n = candidates.length;
    if (policy.kind === 'limit') n = Math.max(0, Math.min(n, this.live - this.out - policy.pages));
    for (let i = 0; i < n; i++) {
      this.swapOut(candidates[i], t);
      moves.swappedOut++;
    }
  }

  /** reclaim swaps the page out: the zeromap takes a zero page, zswap (or the swap device) the rest */
  private swapOut(key: number, t: number): void {
    this.state[key] = OUT;
    this.outAt[key] = t;
    this.out++;
    const id = this.content[key];
    if (id === ZERO) {
      this.outZero++;
      this.zeroSwapOuts++;
      return;
    }
    const lengths = this.indexer.index.lengths;
    for (let c = 0; c < this.k; c++) {
      const len = lengths[id * this.k + c];
      this.replicas[c].plain.store(key, id, len);
      this.replicas[c].dedup.store(key, id, len);
    }
  }

  /** a fault brings it back: zswap_load() where a replica holds it */
  private swapIn(key: number): void {
    this.state[key] = RESIDENT;
    this.out--;
    if (this.content[key] === ZERO) {
      this.outZero--;
      this.zeroSwapIns++;
    }
    for (const r of this.all) r.load(key);
  }

  private invalidate(key: number): void {
    this.out--;
    if (this.content[key] === ZERO) this.outZero--;
    for (const r of this.all) r.invalidate(key);
  }

  private figures(r: ZswapReplica): ReplicaFigures {
    const pool = r.zpool;
    const metadata = r.metadataBytes(this.opts.metadata).total;
    const packed = pool.packedPages();
    const o = r.objects;
    return {
      compressor: r.compressor,
      dedup: r.dedup,
      stored_pages: r.storedPages,
      pool_pages: pool.totalPages,
      packed_pool_pages: packed,
      fragmentation_pages: pool.totalPages - packed,
      compressed_bytes: r.compressedBytes,
      charged_bytes: r.chargedBytes,
      metadata_bytes: metadata,
      total_bytes: pool.totalPages * PAGE_SIZE + metadata,
      zspages: pool.zspages,
      stores: r.stores,
      loads: r.loads,
      invalidations: r.invalidations,
      written_back: r.writtenBack,
      writeback_freed_pool_pages: r.writebackFreedPages,
      rejects: { compress_fail: r.rejectCompressFail, compress_poor: r.rejectCompressPoor, alloc_fail: r.rejectAllocFail, pool_limit: r.rejectPoolLimit },
      pool_limit_hit: r.poolLimitHit,
      compressions: r.compressions,
      compacted_pages: pool.pagesCompacted,
      dedup_objects: o ? o.objects : 0,
      dedup_hits: r.dedupHits,
      dedup_shared_pages: o ? o.sharedSlots : 0,
      dedup_saved_bytes: o ? o.savedBytes : 0,
      dedup_verify_fail: o ? o.verifyFailures : 0,
      writeback_shared: r.writebackShared,
      dedup_wb_skip: r.writebackSkippedShared,
      ...(this.opts.classStats ? { classes: pool.classStats() } : {}),
    };
  }

  close(): void {
    this.indexer.close();
  }

  outcome(): TimelineOutcome {
    return {
      options: this.opts,
      samples: this.samples,
      index: this.indexer.index,
      classTable: this.classTable,
      fingerprintIdentity: this.fingerprintIdentity,
      replicas: this.replicas,
    };
  }
}
