/**
 * What bench/kernel-rate.c times the kernel's C doing, done by the replay's own code on one
 * thread: the zero check and xxh64 of every page (scanPages(), as the replay's scan) and the
 * compression of every non-zero page (the replay's CompressPool job), on the module batch the
 * pages are read into. Only that work is timed, not the reading.
 */
import type { CompressorName } from '../src/compress/compressor.js';
import { kernelLib } from '../src/compress/wasm/kernel-lib.js';
import { CompressPool } from '../src/replay/compress-pool.js';
import { moduleBatch } from '../src/replay/content-indexer.js';
import { openSource } from '../src/sources/open-source.js';
import { BATCH_PAGES } from '../src/sources/page-batch.js';

export interface KernelWork {
  pages: number;
  /** seconds spent scanning and compressing (reading left out) */
  busySeconds: number;
  /** sum of the compressed lengths (keeps the work from being optimised away, and checks it) */
  sink: number;
}

/** A reusable batch, compression pool and scan area for kernelWork() runs. */
export class KernelWorkBench {
  private readonly batch = moduleBatch(BATCH_PAGES);
  private readonly pool: CompressPool;
  private readonly scanAt: number;
  private readonly flags: Uint8Array;

  constructor(compressors: CompressorName[]) {
    const lib = kernelLib();
    this.pool = new CompressPool(compressors, BATCH_PAGES, 1, { pages: this.batch.content });
    this.scanAt = lib.reserve(BATCH_PAGES * 17);
    this.flags = new Uint8Array(lib.memory.buffer, this.scanAt + BATCH_PAGES * 16, BATCH_PAGES);
  }

  /** one pass over `file`; compress: false times the scan alone */
  run(file: string, compress = true): KernelWork {
    const lib = kernelLib();
    const { batch, pool, scanAt, flags } = this;
    const batchAt = lib.offsetOf(batch.content);
    const source = openSource(file, 'auto');
    let busy = 0n;
    let sink = 0;
    let pages = 0;
    for (let n = source.read(batch); n > 0; n = source.read(batch)) {
      const t = process.hrtime.bigint();
      lib.exports.scanPages(batchAt, n, scanAt + BATCH_PAGES * 16, scanAt, 0, 0, 0);
      let jobs = 0;
      for (let i = 0; i < n; i++) if (flags[i] === 0) pool.shared.slots[jobs++] = i;
      if (compress) pool.run(jobs);
      busy += process.hrtime.bigint() - t;
      if (compress) for (let j = 0; j < jobs; j++) sink += pool.shared.lengths[j];
      pages += n;
    }
    source.close();
    return { pages, busySeconds: Number(busy) / 1e9, sink };
  }

  close(): void {
    this.pool.close();
  }
}
