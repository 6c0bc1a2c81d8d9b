/**
 * The replay pipeline: pages from the sources, zero check, dedup index, compression of each
 * distinct content once per compressor, then every page into every store replica (each chosen
 * compressor without and with dedup), in input order.
 */
import { COMPRESSOR_NAMES, type CompressorName } from '../compress/compressor.js';
import { PAGE_SIZE } from '../model/kernel.js';
import { fingerprint128, PAGE_HASHES, type HashName } from '../hash/page-hash.js';
import { BATCH_PAGES, DIGEST_HASH_WORDS, FINGERPRINT_WORDS, LENGTH_SLOTS, PageBatch, PAGE_FLAG } from '../sources/page-batch.js';
import type { PageSource } from '../sources/page-source.js';
import type { MetadataSizes } from '../store/metadata.js';
import { ZbudPool } from '../store/zbud-pool.js';
import type { ZpoolName } from '../store/zpool.js';
import { buildSizeClassTable, type SizeClassTable } from '../store/zsmalloc-classes.js';
import { ZsmallocPool } from '../store/zsmalloc-pool.js';
import { ZswapStore, type PoolLimit } from '../store/zswap-store.js';
import { InputError } from '../util/errors.js';
import { CompressPool } from './compress-pool.js';
import { ContentIndex } from './content-index.js';
import { MAX_SHARING_INPUTS, SourceSharing, type SharingReport } from './source-sharing.js';
import { isZeroFilled } from './zero-page.js';

/** where each hash sits among a trace record's digest words (capture-format.ts) */
const DIGEST_WORD_OF_HASH: Record<HashName, number> = { xxh64: 0, xxh32: 2, jhash2: 3, crc32c: 4 };

/** pages are numbered across all inputs in a u32 (16 TiB of pages) */
const MAX_PAGES = 2 ** 32 - 1;

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
  onProgress?: (p: ReplayProgress) => void;
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
  /** identity was decided by fingerprint because some input carries no page contents */
  fingerprintIdentity: boolean;
  /** reads a distinct content's page again (null when it came from a trace) */
  readContent(id: number, dst: Buffer): boolean;
}

export function replay(sources: PageSource[], opts: ReplayOptions): ReplayOutcome {
  const fingerprintIdentity = !opts.verify || sources.some((s) => !s.hasContent);
  const classTable = buildSizeClassTable(opts.chainSize);
  const k = opts.compressors.length;
  const traceSlot = opts.compressors.map((n) => COMPRESSOR_NAMES.indexOf(n));
  const newPool = () => (opts.zpool === 'zbud' ? new ZbudPool() : new ZsmallocPool(classTable));
  /** global ordinal of each source's first page, filled in as sources are read */
  const firstOrdinal: number[] = [];
  const sourceOf = (ordinal: number) => {
    let s = firstOrdinal.length - 1;
    while (firstOrdinal[s] > ordinal) s--;
    return s;
  };
  const readStored = (ordinal: number, dst: Buffer, at: number) => {
    const s = sourceOf(ordinal);
    sources[s].readPage(ordinal - firstOrdinal[s], dst, at);
  };
  const index = new ContentIndex(k, !fingerprintIdentity, readStored);
  const stores = opts.compressors.map((compressor) => ({
    compressor,
    plain: new ZswapStore(compressor, newPool(), false, opts.limit),
    dedup: new ZswapStore(compressor, newPool(), true, opts.limit, index),
  }));
  // the series' dedup_hash_bits: index keys keep only the low hashBits bits
  const maskLo = opts.hashBits >= 32 ? 0xffffffff : 2 ** opts.hashBits - 1;
  const maskHi = opts.hashBits >= 64 ? 0xffffffff : opts.hashBits <= 32 ? 0 : 2 ** (opts.hashBits - 32) - 1;
  const hash = PAGE_HASHES[opts.hash];
  const hashWord = DIGEST_WORD_OF_HASH[opts.hash];

  const batch = new PageBatch(BATCH_PAGES);
  const words = new Uint32Array(batch.content.buffer, batch.content.byteOffset, batch.content.length / 4);
  const h = new Uint32Array(2);
  const fp = new Uint32Array(FINGERPRINT_WORDS);
  const sharing = sources.length > 1 && sources.length <= MAX_SHARING_INPUTS ? new SourceSharing(sources.length) : null;
  const ids = new Int32Array(BATCH_PAGES);
  const jobIds = new Int32Array(BATCH_PAGES);
  const pool = sources.some((s) => s.hasContent) ? new CompressPool(opts.compressors, BATCH_PAGES, opts.threads) : null;
  const summaries: SourceSummary[] = [];
  const totalBytes = sources.reduce((a, s) => a + s.totalBytes, 0);
  let doneBytes = 0;
  let pages = 0;
  let zeroPages = 0;

  try {
  sources.forEach((source, input) => {
    const summary: SourceSummary = { path: source.path, format: source.format, pages: 0, zeroPages: 0, info: source.info };
    summaries.push(summary);
    firstOrdinal.push(pages);
    for (let n = source.read(batch); n > 0; n = source.read(batch)) {
      if (pages + n > MAX_PAGES) throw new InputError(source.path, `more than ${MAX_PAGES} pages in all inputs`);
      // 1: zero check and dedup index; contents seen for the first time go to the compress job
      let jobs = 0;
      for (let i = 0; i < n; i++) {
        const at = i * PAGE_SIZE;
        let id: number;
        if (batch.digestOnly) {
          if (batch.flags[i] & PAGE_FLAG.ZERO_FILLED) {
            summary.zeroPages++;
            ids[i] = -1;
            continue;
          }
          const hw = i * DIGEST_HASH_WORDS;
          const lo = (batch.hashes[hw + hashWord] & maskLo) >>> 0;
          const hi = hashWord === 0 ? (batch.hashes[hw + 1] & maskHi) >>> 0 : 0;
          id = index.findOrAdd(lo, hi, null, 0, batch.fingerprint, i * FINGERPRINT_WORDS, pages + i);
          if (index.lastWasNew) {
            for (let c = 0; c < k; c++) index.lengths[id * k + c] = batch.lengths[i * LENGTH_SLOTS + traceSlot[c]];
          }
        } else {
          if (isZeroFilled(words, at)) {
            summary.zeroPages++;
            ids[i] = -1;
            continue;
          }
          hash.hash(batch.content, at, h, 0);
          if (fingerprintIdentity) fingerprint128(batch.content, at, fp, 0);
          id = index.findOrAdd((h[0] & maskLo) >>> 0, (h[1] & maskHi) >>> 0, batch.content, at, fp, 0, pages + i);
          if (index.lastWasNew) {
            pool!.slot(jobs).set(batch.content.subarray(at, at + PAGE_SIZE));
            jobIds[jobs++] = id;
          }
        }
        ids[i] = id;
      }
      // 2: compress the new contents (on all threads)
      if (jobs > 0) {
        pool!.run(jobs);
        const lengths = pool!.shared.lengths;
        for (let j = 0; j < jobs; j++) for (let c = 0; c < k; c++) index.lengths[jobIds[j] * k + c] = lengths[j * k + c];
      }
      // 3: every non-zero page into every store, in input order
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        if (id < 0) continue;
        sharing?.add(input, id);
        for (let c = 0; c < k; c++) {
          const len = index.lengths[id * k + c];
          stores[c].plain.store(id, len);
          stores[c].dedup.store(id, len);
        }
      }
      summary.pages += n;
      pages += n;
      opts.onProgress?.({ bytesRead: doneBytes + source.bytesRead, totalBytes, pages });
    }
    doneBytes += source.totalBytes;
    zeroPages += summary.zeroPages;
  });
  } finally {
    pool?.close();
  }

  return {
    options: opts,
    pages,
    zeroPages,
    sources: summaries,
    index,
    stores,
    classTable,
    fingerprintIdentity,
    sharing: sharing ? sharing.report(index.count) : null,
    readContent(id, out) {
      const s = sourceOf(index.ordinal[id]);
      if (!sources[s].hasContent) return false;
      readStored(index.ordinal[id], out, 0);
      return true;
    },
  };
}
