/**
 * Cost of dedup on SMP: guest time per zswap store and per load, dedup off
 * and on (the same kernel, the zswap.dedup knob), and the stock 6.12 kernel
 * as the baseline.  kernel/dedup/dedup-timing copies a page set into
 * anonymous memory, times MADV_PAGEOUT of it (one store per page, plus
 * reclaim's own work) and the read faults that bring it back (one load per
 * page), with one process and with one process per vCPU at once, in three
 * layouts (the tool's header): "split" (no two processes store the same
 * content: with dedup on every store is a miss), "held" (every process stores
 * the whole set while a copy of it is held in zswap: every store is a hit,
 * every load one of a shared object) and "same" (every process stores the
 * whole set at once: one miss per content, the others hits, racing).
 *
 * The guest runs under `-icount shift=0,sleep=off` (ICOUNT below): guest time
 * advances one nanosecond per guest instruction, so a time measured in the
 * guest is the number of instructions executed meanwhile on all vCPUs, the
 * same whatever the host's load (TCG on a shared 2-core host made host-time
 * figures useless: on/off ratios 0.21-4.56).  The vCPUs still take turns on
 * one host thread: the SMP kernel paths (locks, atomics, per-CPU data, IPIs)
 * run and are counted, but nothing runs in parallel, so cache-line bouncing
 * and lock waits of real contention are not measured
 * (ZSWAP_DEDUP_TIMING_ICOUNT=off runs multi-threaded TCG in host time for that,
 * on a quiet host).  Reported: per configuration the median and the range of
 * the time per page of the machine as a whole (first start to last end over
 * all pages of all processes) over $ZSWAP_DEDUP_TIMING_ROUNDS rounds (default
 * 5), the kernel's own time per index lookup (debugfs dedup_lookup_ns /
 * dedup_lookups, CONFIG_ZSWAP_DEDUP_DEBUG) and the insert races (dedup_races).
 *
 * Asserts only what must hold whatever the timing: every page is stored in
 * every round, and dedup_hits moves by exactly what the layout implies (none
 * with dedup off or for split, one per store for held, all stores but one per
 * content for same).  The figures go to the cover letter and
 * kernel/dedup/README.md.  Compressors: $ZSWAP_DEDUP_TIMING_COMPRESSORS
 * (default lz4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInitramfs, ensureKernel, GUEST_CPUS, runJob } from './lib/guest.js';
import { dedupBootParams, ensureDedupKernel, ensureDedupTools } from './lib/dedup.js';
import { timingSet } from './lib/dedup-pagesets.js';
import { zswapBootParams } from './lib/measure.js';
import { loadCorpus, type PageSet } from './lib/pagesets.js';

const COMPRESSORS = (process.env.ZSWAP_DEDUP_TIMING_COMPRESSORS || 'lz4').split(',').filter(Boolean);
const ROUNDS = Number(process.env.ZSWAP_DEDUP_TIMING_ROUNDS || 5);
const ICOUNT = process.env.ZSWAP_DEDUP_TIMING_ICOUNT === 'off' ? undefined : 'shift=0,sleep=off';

type Layout = 'split' | 'held' | 'same';
interface Config { layout: Layout; procs: number }

const procsSet = [...new Set([1, GUEST_CPUS])];
const DEDUP_CONFIGS: Config[] = [
  ...procsSet.map((procs) => ({ layout: 'split' as const, procs })),
  ...procsSet.map((procs) => ({ layout: 'held' as const, procs })),
  ...(GUEST_CPUS > 1 ? [{ layout: 'same' as const, procs: GUEST_CPUS }] : []),
];
// without the series, held and same store exactly what split stores: only the page count differs
const STOCK_CONFIGS: Config[] = procsSet.map((procs) => ({ layout: 'split' as const, procs }));

interface Round { mode: string; store: number; load: number; stored: number; hits: number }
interface ConfigRun { config: Config; held?: number; rounds: Round[]; lookupNs?: number; races?: number }

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const name = (c: Config): string => `${c.layout}/${c.procs}`;

/** One guest run of dedup-timing over `configs`; returns each configuration's rounds. */
async function timingRun(o: {
  kernel: string; initrd: string; tools: string; set: PageSet; setFile: string;
  append: string[]; modes: string; configs: Config[];
}): Promise<{ runs: ConfigRun[]; text: string; seconds: number }> {
  const d = '/sys/kernel/debug/zswap';
  const lookups = ['dedup_lookups', 'dedup_lookup_ns', 'dedup_races'].map((f) => `$(cat ${d}/${f} 2>/dev/null || echo 0)`).join(' ');
  const run = await runJob({
    kernel: o.kernel,
    initrd: o.initrd,
    memoryMiB: 512,
    icount: ICOUNT,
    append: o.append,
    swapMiB: 64 * GUEST_CPUS,
    swapHeader: true,
    files: { 'dedup-timing': join(o.tools, 'dedup-timing'), 'set.raw': o.setFile },
    script: [
      'swapon /dev/vda || exit 1',
      ...o.configs.map((c) => [
        `echo "config ${name(c)} ${lookups}" >>/out/timing.txt`,
        `/job/dedup-timing /job/set.raw ${ROUNDS} ${c.procs} ${o.modes} ${c.layout} >>/out/timing.txt || exit 1`,
        `echo "lookups ${lookups}" >>/out/timing.txt`,
      ].join('\n')),
      '',
    ].join('\n'),
    timeoutMs: 900_000,
  });
  const text = run.outputs['timing.txt']?.toString() ?? '';
  const runs: ConfigRun[] = [];
  let current: ConfigRun | undefined;
  let before = [0, 0, 0];
  for (const line of text.split('\n')) {
    const c = /^config (\w+)\/(\d+) (\d+) (\d+) (\d+)$/.exec(line);
    if (c) {
      current = { config: { layout: c[1] as Layout, procs: Number(c[2]) }, rounds: [] };
      runs.push(current);
      before = [Number(c[3]), Number(c[4]), Number(c[5])];
      continue;
    }
    const l = /^lookups (\d+) (\d+) (\d+)$/.exec(line);
    if (l && current) current.races = Number(l[3]) - before[2];
    if (l && current && Number(l[1]) > before[0]) current.lookupNs = (Number(l[2]) - before[1]) / (Number(l[1]) - before[0]);
    const h = /^held (-?\d+)$/.exec(line);
    if (h && current) current.held = Number(h[1]);
    const m = /^round \d+ dedup (\S) store_ns \d+ load_ns \d+ span_store_ns (\d+) span_load_ns (\d+) stored (-?\d+) hits (-?\d+)$/.exec(line);
    if (m && current) current.rounds.push({ mode: m[1], store: Number(m[2]), load: Number(m[3]), stored: Number(m[4]), hits: Number(m[5]) });
  }
  return { runs, text, seconds: run.durationMs / 1000 };
}

/** What every round must show, whatever the timing. */
function checkRounds(r: ConfigRun | undefined, c: Config, modes: string, pages: number, text: string): ConfigRun {
  assert.ok(r, `${name(c)} ran:\n${text}`);
  assert.equal(r.rounds.length, ROUNDS * modes.length, `all rounds of ${name(c)} ran:\n${text}`);
  const perStore = c.layout === 'split' ? pages : pages * c.procs;
  if (c.layout === 'held') assert.equal(r.held, pages, `${name(c)}: the held copy stored, every page:\n${text}`);
  for (const round of r.rounds) {
    assert.equal(round.stored, perStore, `${name(c)} dedup ${round.mode}: every page stored in every round:\n${text}`);
    const hits =
      round.mode === '-' ? -1 :
      round.mode === '0' || c.layout === 'split' ? 0 :
      c.layout === 'held' ? pages * c.procs : pages * (c.procs - 1);
    assert.equal(round.hits, hits, `${name(c)} dedup ${round.mode}: dedup_hits delta:\n${text}`);
  }
  return r;
}

describe('dedup cost on SMP: store and load time per page, off vs on vs stock', { concurrency: 1 }, () => {
  let dedupKernel = '';
  let stockKernel = '';
  let initrd = '';
  let tools = '';
  let dir = '';
  let set: PageSet;
  let setFile = '';
  const table: string[] = [];

  before(async () => {
    stockKernel = await ensureKernel();
    dedupKernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
    dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-timing-'));
    set = timingSet(loadCorpus(), 1024, 1);
    setFile = join(dir, 'set.raw');
    writeFileSync(setFile, set.data);
  });

  after(() => {
    if (table.length) {
      const clock = ICOUNT ? `guest ns per page under -icount ${ICOUNT} (= guest instructions, all vCPUs)` : 'guest ns per page, multi-threaded TCG (host time: depends on host load)';
      console.log(`\n${clock}, median [min-max] of ${ROUNDS} rounds, ${set.pages} distinct pages; on/off and off/stock of the medians:\n`
        + `${'compressor/layout/procs'.padEnd(24)}${['stock store', 'off store', 'on store', 'on/off', 'stock load', 'off load', 'on load', 'on/off', 'off/stock', 'lookup ns', 'races'].map((h) => h.padStart(22)).join('')}\n${table.join('\n')}`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const compressor of COMPRESSORS) {
    it(`timing / ${compressor}`, async () => {
      const dedup = await timingRun({ kernel: dedupKernel, initrd, tools, set, setFile, append: dedupBootParams(compressor, false), modes: '01', configs: DEDUP_CONFIGS });
      const stock = await timingRun({ kernel: stockKernel, initrd, tools, set, setFile, append: zswapBootParams(compressor), modes: '-', configs: STOCK_CONFIGS });
      console.log(`${compressor}: dedup kernel guest ${dedup.seconds.toFixed(0)} s, stock ${stock.seconds.toFixed(0)} s\n${dedup.text}${stock.text}`);
      const stockByProcs = new Map<number, ConfigRun>();
      for (const c of STOCK_CONFIGS) stockByProcs.set(c.procs, checkRounds(stock.runs.find((r) => name(r.config) === name(c)), c, '-', set.pages, stock.text));
      for (const c of DEDUP_CONFIGS) {
        const r = checkRounds(dedup.runs.find((x) => name(x.config) === name(c)), c, '01', set.pages, dedup.text);
        const pick = (mode: string, k: 'store' | 'load'): number[] => r.rounds.filter((x) => x.mode === mode).map((x) => x[k]);
        const base = stockByProcs.get(c.procs)!;
        const cell = (xs: number[]): string => `${median(xs).toFixed(0)} [${Math.min(...xs)}-${Math.max(...xs)}]`.padStart(22);
        const ratio = (a: number[], b: number[]): string => (median(b) / median(a)).toFixed(3).padStart(22);
        const stockStore = base.rounds.map((x) => x.store);
        const stockLoad = base.rounds.map((x) => x.load);
        table.push(`${`${compressor}/${name(c)}`.padEnd(24)}${cell(stockStore)}${cell(pick('0', 'store'))}${cell(pick('1', 'store'))}${ratio(pick('0', 'store'), pick('1', 'store'))}`
          + `${cell(stockLoad)}${cell(pick('0', 'load'))}${cell(pick('1', 'load'))}${ratio(pick('0', 'load'), pick('1', 'load'))}`
          + `${ratio(stockStore, pick('0', 'store'))}${(r.lookupNs ?? NaN).toFixed(0).padStart(22)}${String(r.races ?? NaN).padStart(10)}`);
      }
    });
  }
});
