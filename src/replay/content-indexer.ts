/**
 * The first steps every replay takes with a batch of pages: the zero check (zero-filled pages go
 * to the swap zeromap, never to zswap), the dedup index (hash, fingerprint or byte comparison,
 * src/replay/content-index.ts), and the compression of each content seen for the first time with
 * every chosen compressor (on all threads). Digest batches of hash-only traces bring their hash,
 * fingerprint and compressed lengths along.
 *
 * A batch whose pages lie in the kernel library's memory (moduleBatch(), what the replay uses) is
 * scanned there in one call (zero check, xxh64, fingerprint) and its new contents compressed where
 * they lie: per page, no copy and no call into the module.
 *
 * With worker threads the replay keeps OVERLAP_BATCHES such batches (moduleBatches()) and
 * overlaps them: once batch b + 1 is read, one job scans it on all threads (startJob(b + 1, n))
 * and then compresses batch b's new contents; this thread indexes b + 1 as soon as all of it is
 * scanned (collect()), puts batch b − 1 into the stores and reads batch b + 2 while the
 * compression runs on (finishJob() ends it). The index is still built in input order on this
 * thread, so the results are those of one thread.
 */
import { COMPRESSOR_NAMES, type CompressorName } from '../compress/compressor.js';
import { kernelLib } from '../compress/wasm/kernel-lib.js';
import { FP_SEED_HI, FP_SEED_LO, fingerprint128, PAGE_HASHES, type HashName, type PageHash } from '../hash/page-hash.js';
import { PAGE_SIZE } from '../model/kernel.js';
import { DIGEST_HASH_WORD, DIGEST_HASH_WORDS, FINGERPRINT_WORDS, LENGTH_SLOTS } from '../sources/digest-layout.js';
import { PAGE_FLAG, PageBatch } from '../sources/page-batch.js';
import { CompressPool } from './compress-pool.js';
import { ContentIndex, type ReadStoredPage } from './content-index.js';
import { isZeroFilled } from './zero-page.js';

/** The index key under the series' dedup_hash_bits: only the low hashBits bits of the hash. */
function keyMasks(hashBits: number): { lo: number; hi: number } {
  return {
    lo: hashBits >= 32 ? 0xffffffff : 2 ** hashBits - 1,
    hi: hashBits >= 64 ? 0xffffffff : hashBits <= 32 ? 0 : 2 ** (hashBits - 32) - 1,
  };
}

/** A batch whose pages lie in the kernel library's memory; give it back with releaseModuleBatches(). */
export function moduleBatch(capacity: number): PageBatch {
  return moduleBatches(capacity, 1)[0];
}

/** `count` batches side by side in one region of the kernel library's memory (one compress pool serves them all). */
export function moduleBatches(capacity: number, count: number): PageBatch[] {
  const lib = kernelLib();
  const bytes = capacity * PAGE_SIZE;
  const at = lib.reserve(bytes * count);
  return Array.from({ length: count }, (_, b) => new PageBatch(capacity, Buffer.from(lib.memory.buffer, at + b * bytes, bytes)));
}

export function releaseModuleBatches(batches: readonly PageBatch[]): void {
  const at = kernelLib().offsetOf(batches[0].content);
  if (at >= 0) kernelLib().release(at, batches[0].content.length * batches.length);
}

/** batches an overlapped replay keeps: one read and indexed, one compressed, one put into the stores */
export const OVERLAP_BATCHES = 3;

/** what scanPages() leaves per page: 1 byte of zero flag, 16 of hashes */
const SCAN_BYTES_PER_PAGE = 17;

export interface IndexerOptions {
  compressors: CompressorName[];
  hash: HashName;
  hashBits: number;
  /** identity by the 128-bit fingerprint instead of comparing bytes */
  fingerprintIdentity: boolean;
  /** some input carries contents (else there is nothing to compress) */
  anyContent: boolean;
  threads: number;
  /** reads the page of content ordinal n again (byte verification) */
  readStored: ReadStoredPage;
  /** distinct contents to make room for at the start (a power of two; the index grows beyond it) */
  initialContents?: number;
}

export class ContentIndexer {
  readonly index: ContentIndex;
  /** content-carrying pages indexed so far (zero ones included): the ordinal of the next */
  ordinals = 0;
  private readonly k: number;
  /** slot of each chosen compressor among a digest's lengths */
  private readonly traceSlot: number[];
  private readonly mask: { lo: number; hi: number };
  private readonly hash: PageHash;
  private readonly hashWord: number;
  private readonly batches: readonly PageBatch[];
  /** each batch's pages as words (the zero check of pages outside the module) */
  private readonly words: Uint32Array[];
  private readonly h = new Uint32Array(2);
  private readonly fp = new Uint32Array(FINGERPRINT_WORDS);
  /** the job collect() prepares: pool page and content id of each new content */
  private nextSlots: Int32Array;
  private nextIds: Int32Array;
  private nextJobs = 0;
  /** content ids of the job startJob() handed to the pool, which finishJob() ends */
  private runIds: Int32Array;
  private runJobs = 0;
  private running = false;
  /** the batch the running job scans, until collect() has waited for it (-1: none) */
  private scanning = -1;
  private readonly pool: CompressPool | null;
  /** byte offset of each batch's pages in the kernel library's memory, -1 when they lie elsewhere */
  private readonly batchAt: number[];
  /** scanPages() results: zero flag per page; xxh64 (seed 0) and fingerprint seed's xxh64 per page, 4 words */
  private scan: { at: number; flags: Uint8Array; hashes: Uint32Array } | null = null;
  private readonly keyFromScan: boolean;

  /** `batch`: one batch, or several from moduleBatches() to overlap (see the file comment) */
  constructor(
    batch: PageBatch | readonly PageBatch[],
    private readonly opts: IndexerOptions,
  ) {
    const batches = Array.isArray(batch) ? (batch as readonly PageBatch[]) : [batch as PageBatch];
    const capacity = batches[0].capacity;
    this.batches = batches;
    this.k = opts.compressors.length;
    this.traceSlot = opts.compressors.map((n) => COMPRESSOR_NAMES.indexOf(n));
    this.index = new ContentIndex(this.k, !opts.fingerprintIdentity, opts.readStored, opts.initialContents);
    this.mask = keyMasks(opts.hashBits);
    this.hash = PAGE_HASHES[opts.hash];
    this.hashWord = DIGEST_HASH_WORD[opts.hash];
    this.words = batches.map((b) => new Uint32Array(b.content.buffer, b.content.byteOffset, b.content.length / 4));
    this.nextSlots = new Int32Array(capacity);
    this.nextIds = new Int32Array(capacity);
    this.runIds = new Int32Array(capacity);
    const lib = kernelLib();
    this.batchAt = batches.map((b) => lib.offsetOf(b.content));
    // in the module and side by side, so that one pool's pages cover them all
    const inModule = this.batchAt.every((at, b) => at >= 0 && at === this.batchAt[0] + b * capacity * PAGE_SIZE && batches[b].capacity === capacity);
    if (!inModule && batches.length > 1) throw new RangeError('overlapped batches must lie side by side in the kernel library module');
    if (inModule) {
      const at = lib.reserve(capacity * SCAN_BYTES_PER_PAGE);
      const buf = lib.memory.buffer;
      this.scan = { at, hashes: new Uint32Array(buf, at, capacity * 4), flags: new Uint8Array(buf, at + capacity * 16, capacity) };
    }
    this.keyFromScan = inModule && opts.hash === 'xxh64';
    const pages = inModule ? Buffer.from(lib.memory.buffer, this.batchAt[0], batches.length * capacity * PAGE_SIZE) : null;
    const scan = this.scan ? { flags: this.scan.flags, hashes: this.scan.hashes, fingerprint: opts.fingerprintIdentity } : undefined;
    this.pool = opts.anyContent ? new CompressPool(opts.compressors, capacity, opts.threads, pages ? { pages, scan } : {}) : null;
  }

  /** true when the pool has worker threads, so that overlapping batches pays */
  get overlaps(): boolean {
    return this.batches.length > 1 && (this.pool?.threads ?? 1) > 1;
  }

  /**
   * Zero check, index and compression of pages 0..n-1 of the (first) batch (only the slots whose
   * `select` entry carries content, APPEAR or CHANGE, when a select array is given): ids[i] is
   * the content id, -1 for a zero-filled page. Returns how many pages were zero-filled.
   */
  indexBatch(n: number, ids: Int32Array, select: Uint8Array | null = null): number {
    this.finishJob();
    const zeros = this.collect(0, n, ids, select);
    this.startJob();
    this.finishJob();
    return zeros;
  }

  /**
   * Zero check and index of pages 0..n-1 of batch `which` (as indexBatch()); its new contents
   * become the next job, which startJob() starts. When the running job scans the batch, this
   * waits for its scan part; else the batch is scanned here. With pages outside the module, no
   * job may run.
   */
  collect(which: number, n: number, ids: Int32Array, select: Uint8Array | null = null): number {
    const batch = this.batches[which];
    const scan = this.scan && !batch.digestOnly ? this.scan : null;
    if (scan && this.scanning === which) {
      this.scanning = -1;
      this.pool!.waitScanned();
    } else if (scan) {
      const fp = this.opts.fingerprintIdentity ? 1 : 0;
      kernelLib().exports.scanPages(this.batchAt[which], n, scan.at + batch.capacity * 16, scan.at, fp, FP_SEED_LO, FP_SEED_HI);
    } else if (this.running && !batch.digestOnly) {
      throw new Error('pages outside the module are copied to the pool: no job may run meanwhile');
    }
    const words = this.words[which];
    const first = which * batch.capacity;
    const slots = this.nextSlots;
    let jobs = this.nextJobs;
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      if (select && select[i] !== 1 && select[i] !== 2) continue;
      const ordinal = this.ordinals++;
      const zero = batch.digestOnly
        ? (batch.flags[i] & PAGE_FLAG.ZERO_FILLED) !== 0
        : scan
          ? scan.flags[i] !== 0
          : isZeroFilled(words, i * PAGE_SIZE);
      if (zero) {
        zeros++;
        ids[i] = -1;
        continue;
      }
      const id = batch.digestOnly ? this.indexDigest(batch, i, ordinal) : scan ? this.indexScanned(batch, scan.hashes, i, ordinal) : this.indexContent(batch, i, ordinal);
      if (this.index.lastWasNew && !batch.digestOnly) {
        // pages in the module are compressed where they lie, others are copied to the pool's own
        if (scan) slots[jobs] = first + i;
        else {
          this.pool!.page(jobs).set(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
          slots[jobs] = jobs;
        }
        this.nextIds[jobs++] = id;
      }
      ids[i] = id;
    }
    this.nextJobs = jobs;
    return zeros;
  }

  /**
   * Starts compressing the contents collect() found new (on the workers, when there are;
   * finishJob() ends it), after scanning pages 0..n-1 of batch `scan` when one is given (for the
   * collect() of that batch, which may run meanwhile).
   */
  startJob(scan = -1, n = 0): void {
    if (this.running) throw new Error('the previous compression job has not been finished');
    const jobs = this.nextJobs;
    const scanPages = scan >= 0 && this.scan && !this.batches[scan].digestOnly ? n : 0;
    if (jobs === 0 && scanPages === 0) return;
    const pool = this.pool!;
    pool.shared.slots.set(this.nextSlots.subarray(0, jobs));
    const ids = this.runIds;
    this.runIds = this.nextIds;
    this.nextIds = ids;
    this.runJobs = jobs;
    this.nextJobs = 0;
    this.running = true;
    this.scanning = scanPages > 0 ? scan : -1;
    pool.start(jobs, scanPages > 0 ? scan * this.batches[0].capacity : 0, scanPages);
  }

  /** Ends the running job and gives its contents their compressed lengths in the index. */
  finishJob(): void {
    if (!this.running) return;
    const jobs = this.runJobs;
    const pool = this.pool!;
    this.running = false;
    this.runJobs = 0;
    this.scanning = -1;
    pool.finish();
    const k = this.k;
    const lengths = pool.shared.lengths;
    const ids = this.runIds;
    for (let j = 0; j < jobs; j++) for (let c = 0; c < k; c++) this.index.lengths[ids[j] * k + c] = lengths[j * k + c];
  }

  /** a page scanned by the module: its xxh64 and fingerprint are in `hashes` (4 words per page) */
  private indexScanned(batch: PageBatch, hashes: Uint32Array, i: number, ordinal: number): number {
    const content = batch.content;
    const w = i * 4;
    let lo = hashes[w];
    let hi = hashes[w + 1];
    if (!this.keyFromScan) {
      this.hash.hash(content, i * PAGE_SIZE, this.h, 0);
      lo = this.h[0];
      hi = this.h[1];
    }
    return this.index.findOrAdd((lo & this.mask.lo) >>> 0, (hi & this.mask.hi) >>> 0, content, i * PAGE_SIZE, hashes, w, ordinal);
  }

  /** a page of a trace: its hash and fingerprint, and its compressed lengths, come with it */
  private indexDigest(batch: PageBatch, i: number, ordinal: number): number {
    const hw = i * DIGEST_HASH_WORDS;
    const lo = (batch.hashes[hw + this.hashWord] & this.mask.lo) >>> 0;
    const hi = this.hashWord === DIGEST_HASH_WORD.xxh64 ? (batch.hashes[hw + this.hashWord + 1] & this.mask.hi) >>> 0 : 0;
    const id = this.index.findOrAdd(lo, hi, null, 0, batch.fingerprint, i * FINGERPRINT_WORDS, ordinal);
    if (this.index.lastWasNew) {
      const k = this.k;
      for (let c = 0; c < k; c++) this.index.lengths[id * k + c] = batch.lengths[i * LENGTH_SLOTS + this.traceSlot[c]];
    }
    return id;
  }

  /** a page with its content: hashed here (and fingerprinted without byte verification) */
  private indexContent(batch: PageBatch, i: number, ordinal: number): number {
    const content = batch.content;
    const at = i * PAGE_SIZE;
    this.hash.hash(content, at, this.h, 0);
    if (this.opts.fingerprintIdentity) fingerprint128(content, at, this.fp, 0);
    return this.index.findOrAdd((this.h[0] & this.mask.lo) >>> 0, (this.h[1] & this.mask.hi) >>> 0, content, at, this.fp, 0, ordinal);
  }

  close(): void {
    this.pool?.close();
    if (this.scan) kernelLib().release(this.scan.at, this.batches[0].capacity * SCAN_BYTES_PER_PAGE);
    this.scan = null;
  }
}
