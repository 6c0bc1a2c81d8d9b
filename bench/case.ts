/**
 * One benchmark case, run in its own process so its peak RSS is its own. Prints one JSON line.
 * <compressors>: one name or several, comma-separated
 *   node dist/bench/case.js analyze <compressors> <file> <threads>   the full replay: zero check, hash, index, both stores
 *   node dist/bench/case.js kernel-work <compressors> <file>   what bench/kernel-rate.c times, in our code on one thread:
 *       zero check, xxh64 and compression of every non-zero page where the replay does them (reading not timed)
 *   node dist/bench/case.js index <n> bytes|fingerprint    dedup index memory for n distinct contents
 */
import fs from 'node:fs';
import type { CompressorName } from '../src/compress/compressor.js';
import { ContentIndex } from '../src/replay/content-index.js';
import { defaultReplayOptions, replay } from '../src/replay/pipeline.js';
import { openSource } from '../src/sources/open-source.js';
import { KernelWorkBench } from './kernel-work.js';

const [mode, arg, file] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let pages = 0;
let extra: Record<string, number> = {};

if (mode === 'analyze') {
  const source = openSource(file, 'auto');
  const out = await replay([source], defaultReplayOptions(arg.split(',') as CompressorName[], Number(process.argv[5] ?? 1)));
  pages = out.pages;
  extra = { distinct: out.index.count, compressions_avoided: out.stores[0].dedup.duplicatePages };
} else if (mode === 'kernel-work') {
  const work = new KernelWorkBench(arg.split(',') as CompressorName[]);
  const r = work.run(file);
  work.close();
  pages = r.pages;
  extra = { busySeconds: r.busySeconds, sink: r.sink };
} else if (mode === 'index') {
  const n = Number(arg);
  const verifyBytes = file === 'bytes';
  const index = new ContentIndex(3, verifyBytes, () => {}, 1 << 12);
  const fp = new Uint32Array(4);
  for (let i = 0; i < n; i++) {
    fp[0] = Math.imul(i, 0x9e3779b1) >>> 0;
    fp[1] = Math.imul(i ^ 0x5bd1e995, 0x85ebca77) >>> 0;
    fp[2] = i;
    index.findOrAdd(fp[0], fp[1], null, 0, fp, 0, i);
  }
  pages = n;
  extra = { bytes_per_unique: index.byteLength / n };
}

const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
// CPU time of all the process's threads (user + system): what a loaded machine distorts least
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
// VmHWM, not getrusage's maxrss: Linux carries ru_maxrss over exec from the parent that forked us
const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
const maxRssMiB = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ mode, arg, pages, seconds, cpuSeconds, maxRssMiB, ...extra }) + '\n');
