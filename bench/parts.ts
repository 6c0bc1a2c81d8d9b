/**
 * `npm run bench:parts [compressor…]`: where one thread's replay time goes, against the kernel's
 * C, on uniq6 (48,000 nearly distinct pages; default lz4, lzo, lzo-rle). Prints, asserts nothing.
 *
 * `npm run bench` times whole runs in fresh processes, as a user meets them; this times the parts
 * in one process once its code is warm (the first pass of each part is not counted), so that a
 * few milliseconds are not lost in the noise of process start and JIT warm-up:
 *   kernel C         bench/kernel-rate.c: zero check, xxh64 and compression of pages in memory
 *   reading          the raw source's read(2) into the module's batch, nothing else
 *   scan             zero check and xxh64 of every page (the replay's scanPages())
 *   scan + compress  the same plus compression: what the kernel's C is timed doing
 *   replay           the whole replay: reading, scan, dedup index, compression, both stores
 * In each round every part takes the fastest of three passes (as kernel-rate does), and the
 * table shows the medians of the rounds. The index and the stores are what is left of the
 * replay after reading and the kernel's work.
 */
import { COMPRESSOR_NAMES, type CompressorName } from '../src/compress/compressor.js';
import { BATCH_PAGES } from '../src/sources/page-batch.js';
import { moduleBatch } from '../src/replay/content-indexer.js';
import { defaultReplayOptions, replay } from '../src/replay/pipeline.js';
import { openSource } from '../src/sources/open-source.js';
import { BenchInputs, KERNEL_RATE_SOURCE, SHARED } from './inputs.js';
import { KernelWorkBench } from './kernel-work.js';
import { kernelYardstick } from './kernel-yardstick.js';

const ROUNDS = 9;
/** timed passes per part and round (the fastest counts), after one untimed pass */
const PASSES = 3;

const asked = process.argv.slice(2);
const chosen = (asked.length > 0 ? COMPRESSOR_NAMES.filter((n) => asked.includes(n)) : ['lz4', 'lzo', 'lzo-rle']) as CompressorName[];
const yardstick = kernelYardstick(SHARED, KERNEL_RATE_SOURCE, (s) => process.stderr.write(s + '\n'));
if ('missing' in yardstick) {
  process.stderr.write(`bench:parts: the kernel's C compressors cannot be built here: ${yardstick.missing}\n`);
  process.exit(2);
}
const inputs = new BenchInputs('bench-parts');
const file = inputs.uniqFile(6);
const batch = moduleBatch(BATCH_PAGES);

/** seconds of the fastest of PASSES timed passes, after an untimed one */
async function fastest(pass: () => number | Promise<number>): Promise<number> {
  await pass();
  let best = Infinity;
  for (let i = 0; i < PASSES; i++) best = Math.min(best, await pass());
  return best;
}

function readAlone(): number {
  const source = openSource(file, 'auto');
  const t = process.hrtime.bigint();
  while (source.read(batch) > 0);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  source.close();
  return seconds;
}

async function replayOnce(name: CompressorName): Promise<number> {
  const t = process.hrtime.bigint();
  await replay([openSource(file, 'auto')], defaultReplayOptions([name], 1));
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (s: number) => (s * 1000).toFixed(1).padStart(6);

console.log(`where one thread's replay time goes · uniq6 (48,000 nearly distinct pages) · warm, in one process · medians of ${ROUNDS} rounds, each part the fastest of ${PASSES} passes`);
console.log('');
console.log('| compressor | kernel C, ms | reading | scan | scan + compress | replay | replay − reading − (scan + compress) | scan + compress, × kernel C | replay, × kernel C |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const name of chosen) {
  const work = new KernelWorkBench([name]);
  const parts = { kernel: [] as number[], read: [] as number[], scan: [] as number[], work: [] as number[], replay: [] as number[], rest: [] as number[], workRatio: [] as number[], replayRatio: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    const kernel = yardstick.run(name, file, PASSES).seconds;
    const read = await fastest(readAlone);
    const scan = await fastest(() => work.run(file, false).busySeconds);
    const both = await fastest(() => work.run(file).busySeconds);
    const whole = await fastest(() => replayOnce(name));
    parts.kernel.push(kernel);
    parts.read.push(read);
    parts.scan.push(scan);
    parts.work.push(both);
    parts.replay.push(whole);
    parts.rest.push(whole - read - both);
    parts.workRatio.push(kernel / both);
    parts.replayRatio.push(kernel / whole);
  }
  work.close();
  const m = (k: keyof typeof parts) => median(parts[k]);
  console.log(
    `| ${name} | ${ms(m('kernel'))} | ${ms(m('read'))} | ${ms(m('scan'))} | ${ms(m('work'))} | ${ms(m('replay'))} | ${ms(m('rest'))} | ` +
      `${m('workRatio').toFixed(2)}× | ${m('replayRatio').toFixed(2)}× |`,
  );
}
inputs.remove();
