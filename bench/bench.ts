/**
 * `npm run bench`: throughput and memory figures (prints, asserts nothing).
 * For each compressor, on ../shared/corpus/pages.bin (8,000 real pages) and on files made from it:
 * pages/s of the whole replay on one thread against the kernel's own C compressors on the same
 * pages (./kernel-yardstick.ts), taken in pairs so that a machine whose speed drifts moves both
 * sides of a ratio alike; of the same zero check, xxh64 and compression in our code alone (the
 * replay's own scan and compression job, reading not timed); of the replay on more threads (its scaling, on an
 * input large enough to pay for starting the workers) and on a duplicate-heavy input; peak RSS;
 * dedup index bytes per unique page.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPRESSOR_NAMES } from '../src/compress/compressor.js';
import { BenchInputs, KERNEL_RATE_SOURCE, SHARED } from './inputs.js';
import { kernelYardstick } from './kernel-yardstick.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const inputs = new BenchInputs('bench');
const corpusPages = inputs.corpusPages;
const uniqFile = (passes: number) => inputs.uniqFile(passes);
// 48,000 pages: the pages of the ratios against the kernel's C
const uniq6 = uniqFile(6);
// its first page alone: the set-up cost of a run (pool, module compilation), taken off the replay
// rates compared with the kernel's, as the kernel's timing has no set-up in it either
const onePageFile = inputs.onePageFile(uniq6);
/** rounds of (kernel C, replay, set-up) for each ratio: the ratio printed is their median */
const ROUNDS = 7;
/** the scaling input holds about this many seconds of one thread's work (a worker takes 70 ms to start) */
const SCALING_SECONDS = 4;
/** and at most this many corpus passes (480,000 pages, 1.97 GB in the temporary folder) */
const MAX_SCALING_PASSES = 60;
/** rounds of (one thread, each thread count) for the scaling: the share printed is their median */
const SCALING_ROUNDS = 3;

interface CaseResult {
  pages: number;
  seconds: number;
  maxRssMiB: number;
  [k: string]: number | string;
}

function run(...args: string[]): CaseResult {
  const out = execFileSync(process.execPath, [path.join(here, 'case.js'), ...args], { encoding: 'utf8' });
  return JSON.parse(out) as CaseResult;
}

/** best of `n` runs (least disturbed by other load on the machine) */
function best(n: number, ...args: string[]): CaseResult {
  let b: CaseResult | null = null;
  for (let i = 0; i < n; i++) {
    const r = run(...args);
    if (!b || r.seconds < b.seconds) b = r;
  }
  return b!;
}

const pps = (r: { pages: number; seconds: number }) => r.pages / r.seconds;
const num = (x: number, w: number) => Math.round(x).toLocaleString('en-US').padStart(w);
const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

const threads = Math.min(8, os.availableParallelism());
/** thread counts the scaling is measured at: powers of two below the machine's count, and its count */
const threadCounts = [2, 4].filter((t) => t < threads).concat(threads > 1 ? [threads] : []);
// `npm run bench -- lz4 lzo` measures only those compressors
const asked = process.argv.slice(2);
const chosen = asked.length > 0 ? COMPRESSOR_NAMES.filter((n) => asked.includes(n)) : COMPRESSOR_NAMES;
const yardstick = kernelYardstick(SHARED, KERNEL_RATE_SOURCE, (s) => process.stderr.write(s + '\n'));
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`zswap-dedup benchmark · node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}) · load average at start ${load()}`);
console.log(
  `inputs: uniq6 (the 8,000 corpus pages 6 times, a number stamped in each: 48,000 nearly all distinct pages; uniq2: 16,000 of them, ` +
    `for all compressors in one run) and dup4 (the corpus 4 times, 32,000 pages)`,
);
console.log(
  'yardstick: ' +
    ('missing' in yardstick
      ? `skipped, the kernel's C compressors cannot be built here: ${yardstick.missing}`
      : "the 6.12 kernel's own compressors (../shared/tools/koracle, gcc -O2) on the same pages: per page a zero check, xxh64 and compression, one pass per round (for several compressors, their times added)"),
);
console.log(
  `replay: zero check, xxh64, dedup index with byte verification, compression of new contents, both stores; ` +
    `× kernel C: ${ROUNDS} rounds of one kernel pass, one replay and one one-page replay (its set-up, taken off), ` +
    `the median of the rounds' ratios and their range`,
);
console.log(
  `the kernel's work alone: what the kernel's C is timed doing (zero check, xxh64, compression of every page), done by the replay's own ` +
    `scan and compression job on one thread, reading not timed, in the same rounds; scaling: the replay's speed-up from 1 thread to ` +
    `${threadCounts.join(', ') || '–'} as a share of linear, the median of ${SCALING_ROUNDS} rounds (one run of each) and their range, on distinct pages enough for about ` +
    `${SCALING_SECONDS} s of one thread's work; dup4 (best of 2)\n`,
);
const tMax = threads;
const header = [
  'compressor',
  'kernel C, pages/s',
  'replay, 1 thread',
  '× kernel C (set-up taken off)',
  "the kernel's work alone, × kernel C",
  'scaling input, pages',
  `replay, ${tMax} threads`,
  'scaling',
  `replay dup4, ${tMax} threads`,
  'peak RSS MiB',
];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
/**
 * One row: `names` compared in one run on the nearly distinct pages of `passes` corpus passes,
 * against the kernel's C for each of them in turn (its time per page summed).
 */
function row(label: string, names: readonly string[], passes: number): void {
  const name = names.join(',');
  const ratioFile = uniqFile(passes);
  const kernel: number[] = [];
  const replay1: number[] = [];
  const ratios: number[] = [];
  const workRatios: number[] = [];
  let rss = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const k = 'missing' in yardstick ? null : names.map((n) => yardstick.run(n, ratioFile, 1)).reduce((a, r) => ({ ...r, seconds: a.seconds + r.seconds }));
    const u1 = run('analyze', name, ratioFile, '1');
    const setUp = run('analyze', name, onePageFile, '1');
    const work = k ? run('kernel-work', name, ratioFile) : null;
    rss = Math.max(rss, u1.maxRssMiB);
    replay1.push(pps(u1));
    if (!k || !work) continue;
    kernel.push(pps(k));
    ratios.push(pps({ pages: u1.pages - 1, seconds: Math.max(1e-9, u1.seconds - setUp.seconds) }) / pps(k));
    workRatios.push(pps({ pages: work.pages, seconds: Number(work.busySeconds) }) / pps(k));
  }
  let scaling = '–';
  let scalingPages = '–';
  let tMaxRate = median(replay1);
  if (threadCounts.length > 0) {
    const scalingPasses = Math.min(MAX_SCALING_PASSES, Math.max(passes, Math.ceil((median(replay1) * SCALING_SECONDS) / corpusPages)));
    const big = uniqFile(scalingPasses);
    // rounds of (one thread, then each thread count): the share of linear taken within a round
    const shares = threadCounts.map(() => [] as number[]);
    const rates = threadCounts.map(() => [] as number[]);
    let pages = 0;
    for (let r = 0; r < SCALING_ROUNDS; r++) {
      const one = run('analyze', name, big, '1');
      pages = one.pages;
      threadCounts.forEach((t, i) => {
        const many = run('analyze', name, big, String(t));
        rss = Math.max(rss, many.maxRssMiB);
        rates[i].push(pps(many));
        shares[i].push(pps(many) / pps(one) / t);
      });
    }
    tMaxRate = median(rates[rates.length - 1]);
    const pct = (x: number) => (x * 100).toFixed(0);
    scaling = threadCounts.map((t, i) => `${t}: ${pct(median(shares[i]))} % (${pct(Math.min(...shares[i]))}–${pct(Math.max(...shares[i]))})`).join(' · ');
    scalingPages = num(pages, 7);
  }
  const d = best(2, 'analyze', name, inputs.dup4File(), String(tMax));
  rss = Math.max(rss, d.maxRssMiB);
  const spread = (xs: number[]) => (xs.length ? `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '–');
  const cells = [
    label,
    kernel.length ? num(median(kernel), 8) : '–',
    num(median(replay1), 8),
    spread(ratios),
    spread(workRatios),
    scalingPages,
    num(tMaxRate, 8),
    scaling,
    num(pps(d), 8),
    rss.toFixed(0),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
for (const name of chosen) row(name, [name], 6);
// what a user comparing them runs: one pass over the input for all of them (16,000 pages, as seven
// compressors take about 200 µs per page together)
if (chosen.length > 1) row(`all ${chosen.length} in one run (uniq2)`, chosen, 2);
console.log(`\nload average at the end ${load()} (1, 5, 15 minutes; ${os.availableParallelism()} CPUs)`);
console.log('');
for (const identity of ['bytes', 'fingerprint']) {
  for (const n of [100_000, 1_000_000, 4_000_000]) {
    const r = run('index', String(n), identity);
    console.log(
      `dedup index (3 compressors, identity by ${identity}): ${n.toLocaleString('en-US').padStart(9)} distinct contents → ` +
        `${Number(r.bytes_per_unique).toFixed(1)} bytes per unique page allocated, peak RSS ${r.maxRssMiB.toFixed(0)} MiB`,
    );
  }
}
inputs.remove();
