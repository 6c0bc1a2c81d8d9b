/** Worker thread of CompressPool: waits for a job, claims and compresses pages of it. */
import { workerData } from 'node:worker_threads';
import { createCompressor } from '../compress/registry.js';
import { serveCompressJobs, type CompressWorkerData } from './compress-pool.js';

const data = workerData as CompressWorkerData;
serveCompressJobs(data, () => data.names.map((n) => createCompressor(n)));
