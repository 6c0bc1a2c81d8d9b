/** Worker thread of CompressPool: waits for a job generation, claims and compresses pages. */
import { workerData } from 'node:worker_threads';
import { DST_BUFFER_SIZE, type CompressorName } from '../compress/compressor.js';
import { createCompressor } from '../compress/registry.js';
import { CTL_ERROR, CTL_FINISHED, CTL_GENERATION, compressClaimed, type SharedBatch } from './compress-pool.js';

const { names, shared } = workerData as { names: CompressorName[]; shared: SharedBatch };
const control = shared.control;
const dst = new Uint8Array(DST_BUFFER_SIZE);
let compressors;
try {
  compressors = names.map((n) => createCompressor(n));
} catch {
  Atomics.store(control, CTL_ERROR, 1);
}

let seen = 0;
for (;;) {
  Atomics.wait(control, CTL_GENERATION, seen);
  const gen = Atomics.load(control, CTL_GENERATION);
  if (gen < 0) break;
  seen = gen;
  try {
    if (compressors) compressClaimed(shared, compressors, dst);
  } catch {
    Atomics.store(control, CTL_ERROR, 1);
  }
  Atomics.add(control, CTL_FINISHED, 1);
  Atomics.notify(control, CTL_FINISHED);
}
