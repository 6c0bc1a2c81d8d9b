/** Worker thread of CompressPool: waits for a job, claims and compresses pages of it. */
import { workerData } from 'node:worker_threads';
import type { CompressorName } from '../compress/compressor.js';
import { createCompressor } from '../compress/registry.js';
import { CTL_ERROR, CTL_GENERATION, compressClaimed, type SharedBatch } from './compress-pool.js';

const { names, shared } = workerData as { names: CompressorName[]; shared: SharedBatch };
const control = shared.control;

try {
  const compressors = names.map((n) => createCompressor(n));
  let seen = 0;
  for (;;) {
    Atomics.wait(control, CTL_GENERATION, seen);
    const gen = Atomics.load(control, CTL_GENERATION);
    if (gen < 0) break;
    seen = gen;
    compressClaimed(shared, gen, compressors);
  }
} catch {
  // the pool sees the flag after its job; pages this worker never claimed are done by others
  Atomics.store(control, CTL_ERROR, 1);
}
