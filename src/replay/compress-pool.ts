/**
 * Compresses a batch of pages with every chosen compressor, on this thread and on worker
 * threads, and scans another batch for the replay (zero check and hashes, scanPages() of the
 * kernel library) ahead of that. A job is a list of page numbers (slots) of the batch's pages,
 * which lie in the kernel library's shared memory (src/compress/wasm/kernel-lib.ts): the replay's
 * batch itself, so no page is copied for the job. On one thread a job is one call into the module
 * per wasm compressor.
 * With workers the replay stays synchronous and deterministic: the calling thread publishes a job
 * through shared memory, claims pages itself, and waits (Atomics.wait) until every page is done.
 * Pages are claimed one at a time, so slow compressors (deflate, lz4hc) balance out.
 *
 * A job may begin with scan tasks (SCAN_TASK_PAGES pages each, claimed before any compression):
 * the replay indexes a batch only once all of it is scanned, so it waits for them alone
 * (waitScanned()) and lets the compression run on meanwhile. A worker's module is not the one the
 * pages lie in: it copies each page to its own and scans it there.
 *
 * Claims and completions carry the job's tag, so a worker that wakes late (or is still starting)
 * can never take or count a page of another job: it simply finds nothing to do. The calling
 * thread never waits for a worker that has not started, it only waits for claimed pages.
 *
 * A worker that fails (a page it claimed will never be counted done) raises the error flag, wakes
 * the calling thread and leaves its message on a port the calling thread reads synchronously: the
 * job ends with that error instead of waiting for the page.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { CompressorName, PageCompressor } from '../compress/compressor.js';
import { FP_SEED_HI, FP_SEED_LO } from '../hash/fingerprint-seed.js';
import { PAGE_SIZE } from '../model/kernel.js';
import { createCompressor } from '../compress/registry.js';
import { kernelLib } from '../compress/wasm/kernel-lib.js';
import { WasmPageCompressor } from '../compress/wasm-compressor.js';

/** control words in the shared Int32Array */
const CTL_GENERATION = 0; // bumped for every job; -1 tells workers to exit
const CTL_NEXT = 1; // tag << 16 | next page to claim
const CTL_COUNT = 2; // tasks in the job: scan tasks, then one per page to compress
const CTL_DONE = 3; // tag << 16 | tasks finished
const CTL_ERROR = 4; // non-zero when a worker failed
const CTL_SCAN_FIRST = 5; // the scanned batch's first page among `pages`
const CTL_SCAN_PAGES = 6; // pages the scan tasks cover (0: none)
const CTL_SCANNED = 7; // tag << 16 | scan tasks finished
const CTL_WORDS = 8;
/** pages per scan task: a claim costs a shared-counter update, a page's scan about 0.35 µs */
const SCAN_TASK_PAGES = 8;
const INDEX_MASK = 0xffff;
const TAG_MASK = 0x7fff;
/** how long the calling thread sleeps between looks at a job it waits for (a notify ends it early) */
const WAIT_MS = 1000;

export interface SharedBatch {
  control: Int32Array;
  /** the pages a job's slots number */
  pages: Uint8Array;
  /** job page j is page slots[j] */
  slots: Int32Array;
  /** job page j, compressor c: lengths[j * k + c] */
  lengths: Int16Array;
  /** where scan tasks leave their results (null: jobs scan nothing) */
  scan: ScanResults | null;
}

/** scanPages()' results for a batch, in the kernel library's memory of the thread that owns the pages */
export interface ScanResults {
  /** per page: 1 when zero-filled */
  flags: Uint8Array;
  /** per page, 4 words: xxh64 (seed 0), then (fingerprint) the fingerprint seed's xxh64 */
  hashes: Uint32Array;
  fingerprint: boolean;
}

/** scans pages [from, to) of the batch starting at page `first` of the job's pages */
type ScanTask = (first: number, from: number, to: number) => void;

/** what a worker thread gets as workerData */
export interface CompressWorkerData {
  names: CompressorName[];
  shared: SharedBatch;
  /** where a failing worker leaves its message */
  errors: MessagePort;
}

/**
 * The job's shared arrays in the kernel library's memory (released by release()), and room for
 * `capacity` pages there unless `pages` (already in that memory) is given.
 */
function allocSharedBatch(capacity: number, compressors: number, pages: Uint8Array | null, scan: ScanResults | null): { shared: SharedBatch; at: number; bytes: number } {
  if (capacity + scanTasks(capacity) > INDEX_MASK) throw new RangeError(`batch capacity ${capacity} too large for a job`);
  const lib = kernelLib();
  if (pages && lib.offsetOf(pages) < 0) throw new RangeError('the pages are not in the kernel library module');
  if (scan && (lib.offsetOf(scan.flags) < 0 || lib.offsetOf(scan.hashes) < 0)) throw new RangeError('the scan results are not in the kernel library module');
  const pageBytes = pages ? 0 : capacity * PAGE_SIZE;
  const slotsAt = pageBytes + CTL_WORDS * 4;
  const lengthsAt = slotsAt + capacity * 4;
  const bytes = lengthsAt + capacity * compressors * 2;
  const at = lib.reserve(bytes);
  const buf = lib.memory.buffer;
  return {
    at,
    bytes,
    shared: {
      pages: pages ?? new Uint8Array(buf, at, pageBytes),
      control: new Int32Array(buf, at + pageBytes, CTL_WORDS).fill(0),
      slots: new Int32Array(buf, at + slotsAt, capacity),
      lengths: new Int16Array(buf, at + lengthsAt, capacity * compressors),
      scan,
    },
  };
}

/** one view per page of `pages`, made once: a job then allocates nothing per page */
export function pageViews(pages: Uint8Array): Uint8Array[] {
  const views: Uint8Array[] = [];
  for (let at = 0; at + PAGE_SIZE <= pages.length; at += PAGE_SIZE) views.push(pages.subarray(at, at + PAGE_SIZE));
  return views;
}

function scanTasks(pages: number): number {
  return Math.ceil(pages / SCAN_TASK_PAGES);
}

/** This thread's scans, where the pages lie in its own module: one call per task, no copy. */
function scanInPlace(shared: SharedBatch): ScanTask {
  const lib = kernelLib();
  const scan = shared.scan;
  if (!scan) return () => {};
  const pagesAt = lib.offsetOf(shared.pages);
  const flagsAt = lib.offsetOf(scan.flags);
  const hashesAt = lib.offsetOf(scan.hashes);
  const fp = scan.fingerprint ? 1 : 0;
  return (first, from, to) =>
    lib.exports.scanPages(pagesAt + (first + from) * PAGE_SIZE, to - from, flagsAt + from, hashesAt + from * 16, fp, FP_SEED_LO, FP_SEED_HI);
}

/** A worker's scans: each page copied to its module's page, scanned there, the results copied back. */
export function scanCopied(shared: SharedBatch, views: Uint8Array[]): ScanTask {
  const lib = kernelLib();
  const scan = shared.scan;
  if (!scan) return () => {};
  const out = new Uint32Array(lib.memory.buffer, lib.memory.byteOffset + lib.hashOut, 4);
  const { flags, hashes } = scan;
  const fp = scan.fingerprint ? 1 : 0;
  const words = fp ? 4 : 2;
  return (first, from, to) => {
    for (let i = from; i < to; i++) {
      lib.load(views[first + i], 0, PAGE_SIZE);
      const zero = lib.exports.scanPage(fp, FP_SEED_LO, FP_SEED_HI);
      flags[i] = zero;
      if (zero) continue;
      for (let w = 0; w < words; w++) hashes[i * 4 + w] = out[w];
    }
  };
}

/**
 * Claims and runs tasks of the job tagged `tag` until none is left (only its scan tasks when
 * `scansOnly`); used by the pool and its workers. Only lengths are kept (no stream copies). Only
 * the last task wakes the pool (and the last scan task, for waitScanned()): a notify per page
 * costs a call into the runtime.
 */
export function runClaimed(shared: SharedBatch, views: Uint8Array[], tag: number, compressors: PageCompressor[], scan: ScanTask, scansOnly = false): void {
  const { control, slots, lengths } = shared;
  const k = compressors.length;
  for (;;) {
    const v = Atomics.load(control, CTL_NEXT);
    const i = v & INDEX_MASK;
    if (v >>> 16 !== tag) return;
    const scanPages = Atomics.load(control, CTL_SCAN_PAGES);
    const scans = scanTasks(scanPages);
    if (i >= (scansOnly ? scans : Atomics.load(control, CTL_COUNT))) return;
    // The pool changes NEXT before the other words when it starts a job, so if this succeeds,
    // the words just read were this job's, and the job cannot end before this task is counted done.
    if (Atomics.compareExchange(control, CTL_NEXT, v, v + 1) !== v) continue;
    if (i < scans) {
      const from = i * SCAN_TASK_PAGES;
      scan(Atomics.load(control, CTL_SCAN_FIRST), from, Math.min(scanPages, from + SCAN_TASK_PAGES));
      if (((Atomics.add(control, CTL_SCANNED, 1) + 1) & INDEX_MASK) === scans) Atomics.notify(control, CTL_SCANNED);
    } else {
      const j = i - scans;
      const page = views[slots[j]];
      for (let c = 0; c < k; c++) lengths[j * k + c] = compressors[c].compress(page, null);
    }
    const done = Atomics.add(control, CTL_DONE, 1) + 1;
    if ((done & INDEX_MASK) === Atomics.load(control, CTL_COUNT)) Atomics.notify(control, CTL_DONE);
  }
}

/**
 * A worker thread's life: wait for a job, take part in it, until told to exit. Any error ends the
 * worker and the job it was in (see the file comment); `makeCompressors` runs inside, so a
 * compressor that cannot start is reported the same way.
 */
export function serveCompressJobs(data: CompressWorkerData, makeCompressors: () => PageCompressor[]): void {
  const control = data.shared.control;
  try {
    const compressors = makeCompressors();
    const views = pageViews(data.shared.pages);
    const scan = scanCopied(data.shared, views);
    let seen = 0;
    for (;;) {
      Atomics.wait(control, CTL_GENERATION, seen);
      const gen = Atomics.load(control, CTL_GENERATION);
      if (gen < 0) break;
      seen = gen;
      runClaimed(data.shared, views, gen, compressors, scan);
    }
  } catch (e) {
    data.errors.postMessage(e instanceof Error ? e.message : String(e));
    Atomics.store(control, CTL_ERROR, 1);
    Atomics.notify(control, CTL_DONE);
    Atomics.notify(control, CTL_SCANNED);
  }
  data.errors.close();
}

export interface CompressPoolOptions {
  /** the pages jobs are made of, in the kernel library's memory; default: room of its own for `capacity` pages */
  pages?: Uint8Array;
  /** where jobs that scan leave the results, in the kernel library's memory */
  scan?: ScanResults;
  /** the worker threads' script (tests give one that fails); default ./compress-worker.js */
  workerScript?: URL;
}

export class CompressPool {
  readonly shared: SharedBatch;
  private readonly region: { at: number; bytes: number };
  private readonly compressors: PageCompressor[];
  /** per compressor its code in the module's compressPages(), -1 when not one of the module's */
  private readonly wasmAlg: number[];
  private readonly views: Uint8Array[];
  private readonly scanHere: ScanTask;
  /** byte offsets in the module's memory of the pages, slots and lengths */
  private readonly pagesAt: number;
  private readonly slotsAt: number;
  private readonly lengthsAt: number;
  private readonly workers: Worker[] = [];
  /** one port per worker, where it leaves its error message */
  private readonly errorPorts: MessagePort[] = [];
  /** a worker's error that came as an event (it failed outside its job loop) */
  private failure: string | null = null;
  private generation = 0;
  /** pages to compress of the job start() began and finish() has not ended */
  private running = 0;
  /** with workers: that job's tasks, and its scan tasks waitScanned() has not waited for */
  private tasks = 0;
  private scans = 0;

  constructor(
    names: CompressorName[],
    readonly capacity: number,
    threads: number,
    options: CompressPoolOptions = {},
  ) {
    const { shared, at, bytes } = allocSharedBatch(capacity, names.length, options.pages ?? null, options.scan ?? null);
    this.shared = shared;
    this.region = { at, bytes };
    this.compressors = names.map((n) => createCompressor(n));
    this.wasmAlg = this.compressors.map((c) => (c instanceof WasmPageCompressor ? c.wasmAlg : -1));
    this.views = pageViews(shared.pages);
    this.scanHere = scanInPlace(shared);
    const lib = kernelLib();
    this.pagesAt = lib.offsetOf(shared.pages);
    this.slotsAt = lib.offsetOf(shared.slots);
    this.lengthsAt = lib.offsetOf(shared.lengths);
    for (let t = 1; t < threads; t++) {
      const channel = new MessageChannel();
      channel.port1.unref();
      this.errorPorts.push(channel.port1);
      const data: CompressWorkerData = { names, shared: this.shared, errors: channel.port2 };
      const w = new Worker(options.workerScript ?? new URL('./compress-worker.js', import.meta.url), {
        workerData: data,
        transferList: [channel.port2],
      });
      w.on('error', (e) => (this.failure ??= e.message));
      w.unref();
      this.workers.push(w);
    }
  }

  /** threads compressing: the workers and the calling thread */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** page i of the pages jobs are made of */
  page(i: number): Uint8Array {
    return this.views[i];
  }

  /** Compresses pages shared.slots[0..n-1]; afterwards shared.lengths[j * k + c] holds the results. */
  run(n: number): void {
    this.start(n);
    this.finish();
  }

  /**
   * Hands pages shared.slots[0..n-1] to the workers and returns at once: the calling thread may
   * prepare the next job meanwhile (but not touch slots or lengths) until finish() has returned.
   * When `scanPages` is given, the job first scans pages [0, scanPages) of the batch that starts
   * at page `scanFirst` of the pages into shared.scan (its results are there once waitScanned()
   * has returned). Without workers the scan is done at once and the compression waits for finish().
   */
  start(n: number, scanFirst = 0, scanPages = 0): void {
    if (this.running !== 0 || this.tasks !== 0) throw new Error('a compression job is still running');
    if (scanPages > 0 && !this.shared.scan) throw new Error('this pool has no room for scan results');
    const scans = scanTasks(scanPages);
    if (n + scans > 0 && this.workers.length > 0) this.throwIfFailed();
    this.running = n;
    if (this.workers.length === 0) {
      if (scanPages > 0) this.scanHere(scanFirst, 0, scanPages);
      return;
    }
    if (n + scans === 0) return;
    this.tasks = n + scans;
    this.scans = scans;
    const ctl = this.shared.control;
    this.generation = (this.generation + 1) & TAG_MASK || 1;
    const tag = this.generation;
    Atomics.store(ctl, CTL_NEXT, (tag << 16) | INDEX_MASK); // closed: nothing to claim yet
    Atomics.store(ctl, CTL_COUNT, n + scans);
    Atomics.store(ctl, CTL_SCAN_FIRST, scanFirst);
    Atomics.store(ctl, CTL_SCAN_PAGES, scanPages);
    Atomics.store(ctl, CTL_SCANNED, tag << 16);
    Atomics.store(ctl, CTL_DONE, tag << 16);
    Atomics.store(ctl, CTL_NEXT, tag << 16);
    Atomics.store(ctl, CTL_GENERATION, tag);
    Atomics.notify(ctl, CTL_GENERATION);
  }

  /** Waits until the running job's scan tasks are done, taking part in them; the compression runs on. */
  waitScanned(): void {
    const scans = this.scans;
    this.scans = 0;
    if (scans === 0) return;
    runClaimed(this.shared, this.views, this.generation, this.compressors, this.scanHere, true);
    this.waitFor(CTL_SCANNED, scans);
  }

  /** Ends the job start() began (nothing when none): this thread claims what is left, then waits for the rest. */
  finish(): void {
    const n = this.running;
    const tasks = this.tasks;
    this.running = 0;
    this.tasks = 0;
    this.scans = 0;
    if (this.workers.length === 0) return void (n > 0 && this.runHere(n));
    if (tasks === 0) return;
    runClaimed(this.shared, this.views, this.generation, this.compressors, this.scanHere);
    this.waitFor(CTL_DONE, tasks);
  }

  /** until the count in control word `word` (tag << 16 | count) reaches `count`, or a worker fails */
  private waitFor(word: number, count: number): void {
    const ctl = this.shared.control;
    for (let v = Atomics.load(ctl, word); (v & INDEX_MASK) < count; v = Atomics.load(ctl, word)) {
      if (Atomics.load(ctl, CTL_ERROR) !== 0) break;
      Atomics.wait(ctl, word, v, WAIT_MS);
    }
    this.throwIfFailed();
  }

  /** one thread: one call into the module per wasm compressor, others page by page */
  private runHere(n: number): void {
    const { slots, lengths } = this.shared;
    const k = this.compressors.length;
    for (let c = 0; c < k; c++) {
      const alg = this.wasmAlg[c];
      if (alg >= 0) {
        kernelLib().exports.compressPages(alg, this.pagesAt, this.slotsAt, n, this.lengthsAt + 2 * c, k);
        continue;
      }
      const compressor = this.compressors[c];
      for (let j = 0; j < n; j++) lengths[j * k + c] = compressor.compress(this.views[slots[j]], null);
    }
  }

  private throwIfFailed(): void {
    if (Atomics.load(this.shared.control, CTL_ERROR) === 0 && this.failure === null) return;
    let message = this.failure;
    for (const port of this.errorPorts) message ??= (receiveMessageOnPort(port)?.message as string | undefined) ?? null;
    throw new Error(`a compression worker failed: ${message ?? 'no message'}`);
  }

  close(): void {
    const { at, bytes } = this.region;
    this.region.bytes = 0;
    const release = () => bytes > 0 && kernelLib().release(at, bytes);
    if (this.workers.length === 0) return void release();
    Atomics.store(this.shared.control, CTL_GENERATION, -1);
    Atomics.notify(this.shared.control, CTL_GENERATION);
    // the region is reused only once no worker can write to it any more
    void Promise.all(this.workers.map((w) => w.terminate())).then(release);
    this.workers.length = 0;
  }
}
