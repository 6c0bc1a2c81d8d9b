/**
 * Compresses a batch of pages with every chosen compressor, on this thread and on worker
 * threads. The replay stays synchronous and deterministic: the calling thread hands out the
 * batch through shared memory, takes pages itself, and waits (Atomics.wait) until the workers
 * are done. Pages are claimed one at a time, so slow compressors (deflate, lz4hc) balance out.
 */
import { Worker } from 'node:worker_threads';
import { DST_BUFFER_SIZE, PAGE_SIZE, type CompressorName, type PageCompressor } from '../compress/compressor.js';
import { createCompressor } from '../compress/registry.js';

/** control words in the shared Int32Array */
export const CTL_GENERATION = 0; // bumped to start a job; -1 tells workers to exit
export const CTL_NEXT = 1; // next page to claim
export const CTL_COUNT = 2; // pages in the job
export const CTL_FINISHED = 3; // workers done with the current generation
export const CTL_ERROR = 4; // non-zero when a worker failed
export const CTL_WORDS = 8;

export interface SharedBatch {
  control: Int32Array;
  pages: Uint8Array;
  lengths: Int16Array;
}

export function allocSharedBatch(capacity: number, compressors: number): SharedBatch {
  return {
    control: new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4)),
    pages: new Uint8Array(new SharedArrayBuffer(capacity * PAGE_SIZE)),
    lengths: new Int16Array(new SharedArrayBuffer(capacity * compressors * 2)),
  };
}

/** Claims pages of the current job until none is left; used by the pool and its workers alike. */
export function compressClaimed(shared: SharedBatch, compressors: PageCompressor[], dst: Uint8Array): void {
  const { control, pages, lengths } = shared;
  const n = Atomics.load(control, CTL_COUNT);
  const k = compressors.length;
  for (let i = Atomics.add(control, CTL_NEXT, 1); i < n; i = Atomics.add(control, CTL_NEXT, 1)) {
    const page = pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    for (let c = 0; c < k; c++) lengths[i * k + c] = compressors[c].compress(page, dst);
  }
}

export class CompressPool {
  readonly shared: SharedBatch;
  private readonly compressors: PageCompressor[];
  private readonly dst = new Uint8Array(DST_BUFFER_SIZE);
  private readonly workers: Worker[] = [];

  constructor(
    names: CompressorName[],
    readonly capacity: number,
    threads: number,
  ) {
    this.shared = allocSharedBatch(capacity, names.length);
    this.compressors = names.map((n) => createCompressor(n));
    for (let t = 1; t < threads; t++) {
      const w = new Worker(new URL('./compress-worker.js', import.meta.url), {
        workerData: { names, shared: this.shared },
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** page slot i of the next job */
  slot(i: number): Uint8Array {
    return this.shared.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
  }

  /** Compresses slots 0..n-1; afterwards shared.lengths[i * k + c] holds the result. */
  run(n: number): void {
    if (n === 0) return;
    const ctl = this.shared.control;
    Atomics.store(ctl, CTL_COUNT, n);
    Atomics.store(ctl, CTL_NEXT, 0);
    Atomics.store(ctl, CTL_FINISHED, 0);
    if (this.workers.length > 0) {
      Atomics.add(ctl, CTL_GENERATION, 1);
      Atomics.notify(ctl, CTL_GENERATION);
    }
    compressClaimed(this.shared, this.compressors, this.dst);
    for (let done = Atomics.load(ctl, CTL_FINISHED); done < this.workers.length; done = Atomics.load(ctl, CTL_FINISHED)) {
      Atomics.wait(ctl, CTL_FINISHED, done, 1000);
    }
    if (Atomics.load(ctl, CTL_ERROR) !== 0) throw new Error('a compression worker failed');
  }

  close(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.shared.control, CTL_GENERATION, -1);
    Atomics.notify(this.shared.control, CTL_GENERATION);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
