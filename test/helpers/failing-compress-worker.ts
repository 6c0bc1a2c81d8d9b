/**
 * A CompressPool worker whose compressor throws on the first page it gets (after claiming it):
 * the real worker loop with one real compressor wrapped to fail, for test/compress-pool.test.ts.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import type { PageCompressor } from '../../src/compress/compressor.js';
import { createCompressor } from '../../src/compress/registry.js';
import { serveCompressJobs, type CompressWorkerData } from '../../src/replay/compress-pool.js';

export const INJECTED_FAILURE = 'injected failure in a compression worker';

const data = workerData as CompressWorkerData;
// imported by the test for the message, run as a worker by the pool
if (!isMainThread) serveCompressJobs(data, () =>
  data.names.map((n): PageCompressor => {
    const real = createCompressor(n);
    return {
      name: real.name,
      compress() {
        throw new Error(INJECTED_FAILURE);
      },
    };
  }),
);
