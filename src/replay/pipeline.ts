/**
 * The replay pipeline: pages from the sources, zero check, dedup index, compression of each
 * distinct content once per compressor, then every page into every store replica (each chosen
 * compressor without and with dedup), in input order.
 */
import type { CompressorName } from '../compress/compressor.js';
import { PAGE_HASHES, type HashName } from '../hash/page-hash.js';
import { DEDUP_KEY_BITS, PAGE_SIZE, ZSMALLOC } from '../model/kernel.js';
import { BATCH_PAGES, type PageBatch } from '../sources/page-batch.js';
import type { PageSource } from '../sources/page-source.js';
import { DEFAULT_METADATA_SIZES, type MetadataSizes } from '../store/metadata.js';
import { ZbudPool } from '../store/zbud-pool.js';
import type { ZpoolName } from '../store/zpool.js';
import { buildSizeClassTable, type SizeClassTable } from '../store/zsmalloc-classes.js';
import { ZsmallocPool } from '../store/zsmalloc-pool.js';
import { ZswapStore, type PoolLimit } from '../store/zswap-store.js';
import { InputError } from '../util/errors.js';
import { nextTurn } from '../util/next-turn.js';
import type { ContentIndex } from './content-index.js';
import { ContentIndexer, moduleBatches, OVERLAP_BATCHES, releaseModuleBatches } from './content-indexer.js';
import { DrillDown, type DrillDownReport, type DrillLevel } from './drill-down.js';
import { seriesKeyGroups } from './series-key-groups.js';
import { MAX_SHARING_INPUTS, SourceSharing, type SharingReport } from './source-sharing.js';

/** pages are numbered across all inputs in a u32 (16 TiB of pages) */
const MAX_PAGES = 2 ** 32 - 1;
/**
 * The index and the series-key groups start with room for the inputs' pages up to this many
 * contents (no rehash on the way; 2^18 contents are 1 MiB of index slots), and grow beyond it.
 */
const MAX_INITIAL_CONTENTS = 1 << 18;
/** the event loop gets a turn (signals, progress) at least this often, not after every batch */
const TURN_MS = 20;

export interface ReplayOptions {
  compressors: CompressorName[];
  zpool: ZpoolName;
  chainSize: number;
  hash: HashName;
  /** keep only the low bits of the hash as the index key (the series' dedup_hash_bits testing knob) */
  hashBits: number;
  /** true: hash matches are confirmed by comparing bytes; false: by the 128-bit fingerprint */
  verify: boolean;
  limit: PoolLimit | null;
  metadata: MetadataSizes;
  /** threads compressing pages, this one included */
  threads: number;
  /** attribute pages to processes and/or mappings (analyze --by) */
  drillDown?: readonly DrillLevel[];
  onProgress?: (p: ReplayProgress) => void;
}

/** analyze's defaults (zsmalloc at the kernel's chain size, xxh64, byte verification, no pool limit) for these compressors */
export function defaultReplayOptions(compressors: CompressorName[], threads: number): ReplayOptions {
  return {
    compressors,
    zpool: 'zsmalloc',
    chainSize: ZSMALLOC.chainSize.default,
    hash: 'xxh64',
    hashBits: 64,
    verify: true,
    limit: null,
    metadata: DEFAULT_METADATA_SIZES,
    threads,
  };
}

export interface ReplayProgress {
  bytesRead: number;
  totalBytes: number;
  pages: number;
}

export interface SourceSummary {
  path: string;
  format: string;
  pages: number;
  zeroPages: number;
  info: Record<string, unknown>;
}

export interface ReplayOutcome {
  options: ReplayOptions;
  pages: number;
  zeroPages: number;
  sources: SourceSummary[];
  index: ContentIndex;
  /** per chosen compressor: [without dedup, with dedup] */
  stores: { compressor: CompressorName; plain: ZswapStore; dedup: ZswapStore }[];
  classTable: SizeClassTable;
  /** per-input contents and the sharing matrix (several inputs, up to MAX_SHARING_INPUTS) */
  sharing: SharingReport | null;
  /** per process and per mapping, when asked for */
  drillDown: DrillDownReport | null;
  /** identity was decided by fingerprint because some input carries no page contents */
  fingerprintIdentity: boolean;
  /** reads a distinct content's page again (null when it came from a trace) */
  readContent(id: number, dst: Buffer): boolean;
}

/**
 * Replays the sources in order. Asynchronous only so that the event loop runs between batches
 * (signals, progress): the result does not depend on timing.
 */
export async function replay(sources: PageSource[], opts: ReplayOptions): Promise<ReplayOutcome> {
  const run = new Replay(sources, opts);
  try {
    for (let input = 0; input < sources.length; input++) await run.replaySource(sources[input], input);
  } finally {
    run.close();
  }
  return run.outcome();
}

/** Pages are numbered across all inputs; which input delivered page n, and reading it again. */
class InputOrdinals {
  /** global ordinal of each source's first page, filled in as sources are read */
  private readonly first: number[] = [];

  constructor(private readonly sources: PageSource[]) {}

  startSource(ordinal: number): void {
    this.first.push(ordinal);
  }

  sourceOf(ordinal: number): number {
    let s = this.first.length - 1;
    while (this.first[s] > ordinal) s--;
    return s;
  }

  readonly readStored = (ordinal: number, dst: Buffer, at: number): void => {
    const s = this.sourceOf(ordinal);
    this.sources[s].readPage(ordinal - this.first[s], dst, at);
  };
}

/** One run: the dedup index, the store replicas and the per-input summaries, fed batch by batch. */
class Replay {
  private readonly fingerprintIdentity: boolean;
  private readonly classTable: SizeClassTable;
  private readonly k: number;
  private readonly ordinals: InputOrdinals;
  private readonly indexer: ContentIndexer;
  private readonly index: ContentIndex;
  private readonly stores: ReplayOutcome['stores'];
  /**
   * In the kernel library's memory: scanned and compressed where the source reads the pages to.
   * OVERLAP_BATCHES with worker threads (see replaySource()).
   */
  private readonly batches: PageBatch[];
  /** content id of each page of each batch (-1: zero-filled) */
  private readonly ids: Int32Array[];
  private readonly sharing: SourceSharing | null;
  private readonly drill: DrillDown | null;
  private readonly summaries: SourceSummary[] = [];
  private readonly totalBytes: number;
  private doneBytes = 0;
  private pages = 0;
  private zeroPages = 0;

  constructor(
    private readonly sources: PageSource[],
    private readonly opts: ReplayOptions,
  ) {
    this.fingerprintIdentity = !opts.verify || sources.some((s) => !s.hasContent);
    this.classTable = buildSizeClassTable(opts.chainSize);
    this.k = opts.compressors.length;
    this.ordinals = new InputOrdinals(sources);
    this.totalBytes = sources.reduce((a, s) => a + s.totalBytes, 0);
    // a power of two from 4,096 up: what the inputs' sizes promise at most (a trace promises less)
    const initialContents = 2 ** Math.ceil(Math.log2(Math.min(MAX_INITIAL_CONTENTS, Math.max(1 << 12, this.totalBytes / PAGE_SIZE))));
    this.batches = moduleBatches(BATCH_PAGES, opts.threads > 1 ? OVERLAP_BATCHES : 1);
    this.ids = this.batches.map(() => new Int32Array(BATCH_PAGES));
    this.indexer = new ContentIndexer(this.batches, {
      compressors: opts.compressors,
      hash: opts.hash,
      hashBits: opts.hashBits,
      fingerprintIdentity: this.fingerprintIdentity,
      anyContent: sources.some((s) => s.hasContent),
      threads: opts.threads,
      readStored: this.ordinals.readStored,
      initialContents,
    });
    this.index = this.indexer.index;
    const newPool = () => (opts.zpool === 'zbud' ? new ZbudPool() : new ZsmallocPool(this.classTable));
    // the series keys its index on 32 bits of the hash: contents colliding there collide in the model
    const dedupGroups = seriesKeyGroups(this.index, Math.min(opts.hashBits, PAGE_HASHES[opts.hash].bits), DEDUP_KEY_BITS);
    this.stores = opts.compressors.map((compressor) => ({
      compressor,
      plain: new ZswapStore(compressor, newPool(), false, opts.limit),
      dedup: new ZswapStore(compressor, newPool(), true, opts.limit, dedupGroups),
    }));
    this.sharing = sources.length > 1 && sources.length <= MAX_SHARING_INPUTS ? new SourceSharing(sources.length) : null;
    this.drill = opts.drillDown?.length ? new DrillDown(opts.drillDown) : null;
  }

  /**
   * Batch by batch: read, zero check and index on this thread, compression of the new contents
   * (on all threads), then the stores, in input order. With workers, once batch b + 1 is read, one
   * job scans it (all threads) and then compresses batch b's new contents; this thread indexes
   * b + 1 as soon as it is scanned, puts b − 1 into the stores and reads b + 2 meanwhile.
   */
  async replaySource(source: PageSource, input: number): Promise<void> {
    const summary: SourceSummary = { path: source.path, format: source.format, pages: 0, zeroPages: 0, info: source.info };
    this.summaries.push(summary);
    this.ordinals.startSource(this.pages);
    this.drill?.startSource(source);
    const indexer = this.indexer;
    const overlap = indexer.overlaps;
    /** indexed batches not yet stored: the one whose contents are being compressed, and the one before */
    let last = -1;
    let lastPages = 0;
    let older = -1;
    let olderPages = 0;
    let read = 0;
    let turn = performance.now();
    for (let b = 0; ; b = overlap ? (b + 1) % OVERLAP_BATCHES : 0) {
      const batch = this.batches[b];
      const n = source.read(batch);
      if (n <= 0) break;
      if (this.pages + read + n > MAX_PAGES) throw new InputError(source.path, `more than ${MAX_PAGES} pages in all inputs`);
      read += n;
      indexer.finishJob();
      if (!overlap) {
        summary.zeroPages += indexer.collect(b, n, this.ids[b]);
        indexer.startJob();
        indexer.finishJob();
        this.storeBatch(b, n, input, summary, source);
      } else {
        indexer.startJob(b, n);
        summary.zeroPages += indexer.collect(b, n, this.ids[b]);
        if (older >= 0) this.storeBatch(older, olderPages, input, summary, source);
        older = last;
        olderPages = lastPages;
        last = b;
        lastPages = n;
      }
      if (performance.now() - turn >= TURN_MS) {
        await nextTurn();
        turn = performance.now();
      }
    }
    indexer.finishJob();
    if (older >= 0) this.storeBatch(older, olderPages, input, summary, source);
    indexer.startJob();
    indexer.finishJob();
    if (last >= 0) this.storeBatch(last, lastPages, input, summary, source);
    this.doneBytes += source.totalBytes;
    this.zeroPages += summary.zeroPages;
  }

  /** Batch b, whose new contents have their lengths, into the stores, the sharing and drill-down figures. */
  private storeBatch(b: number, n: number, input: number, summary: SourceSummary, source: PageSource): void {
    this.storePages(this.ids[b], n, input);
    this.drill?.addBatch(input, this.batches[b], n, this.ids[b]);
    summary.pages += n;
    this.pages += n;
    this.opts.onProgress?.({ bytesRead: this.doneBytes + source.bytesRead, totalBytes: this.totalBytes, pages: this.pages });
  }

  /** Every non-zero page of a batch into every store, in input order. */
  private storePages(ids: Int32Array, n: number, input: number): void {
    const k = this.k;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (id < 0) continue;
      this.sharing?.add(input, id);
      for (let c = 0; c < k; c++) {
        const len = this.index.lengths[id * k + c];
        this.stores[c].plain.store(id, len);
        this.stores[c].dedup.store(id, len);
      }
    }
  }

  close(): void {
    this.indexer.close();
    releaseModuleBatches(this.batches);
  }

  outcome(): ReplayOutcome {
    const { index, ordinals, sources } = this;
    return {
      options: this.opts,
      pages: this.pages,
      zeroPages: this.zeroPages,
      sources: this.summaries,
      index,
      stores: this.stores,
      classTable: this.classTable,
      fingerprintIdentity: this.fingerprintIdentity,
      sharing: this.sharing ? this.sharing.report(index.count) : null,
      drillDown: this.drill ? this.drill.report(index.count, index.pages) : null,
      readContent(id, out) {
        const ordinal = index.ordinal[id];
        if (!sources[ordinals.sourceOf(ordinal)].hasContent) return false;
        ordinals.readStored(ordinal, out, 0);
        return true;
      },
    };
  }
}
