/**
 * Cost of dedup: time per zswap store and per load with dedup off and on,
 * measured in one guest run per compressor (TCG timings are only comparable
 * within a run).  kernel/dedup/dedup-timing copies a page set into anonymous
 * memory, times MADV_PAGEOUT of it (one store per page, plus reclaim's own
 * work) and the read faults that bring it back (one load per page), for dedup
 * off and on, alternating, $ZSWAP_DEDUP_TIMING_ROUNDS rounds (default 5);
 * medians and minima (the least disturbed round: the host is shared) are
 * reported.  Two page sets, both with only pages every
 * compressor stores: "x1" (distinct pages: with dedup on every store is a
 * miss: hash, lookup, compress, object) and "x8" (each page 8 times: 7 of 8
 * stores are hits: hash, lookup, decompress, compare).  Each set runs with one
 * process and with one process per vCPU (GUEST_CPUS) storing and loading the
 * same pages at the same time: the SMP cost (contention on the index locks,
 * the objects' refcounts and the counters).  The kernel's own time per index
 * lookup (debugfs dedup_lookup_ns / dedup_lookups, CONFIG_ZSWAP_DEDUP_DEBUG)
 * is reported too.
 *
 * Asserts only what must hold whatever the timing: every page was stored in
 * both modes.  The figures go to the cover letter and kernel/README-dedup.md.
 * Compressors: $ZSWAP_DEDUP_TIMING_COMPRESSORS (default lz4; CI time, see kernel/dedup/README.md).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInitramfs, GUEST_CPUS, runJob } from './lib/guest.js';
import { dedupBootParams, ensureDedupKernel, ensureDedupTools } from './lib/dedup.js';
import { timingSet } from './lib/dedup-pagesets.js';
import { loadCorpus, type PageSet } from './lib/pagesets.js';

// CI runs lz4 and 5 rounds (134 s at host load 17-23); the figures need a quiet host anyway:
// ZSWAP_DEDUP_TIMING_COMPRESSORS=lz4,zstd,deflate ZSWAP_DEDUP_TIMING_ROUNDS=9 for the full table
const COMPRESSORS = (process.env.ZSWAP_DEDUP_TIMING_COMPRESSORS || 'lz4').split(',').filter(Boolean);
const ROUNDS = Number(process.env.ZSWAP_DEDUP_TIMING_ROUNDS || 5);

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

describe('dedup cost: store and load time, off vs on, one guest run per compressor', { concurrency: 1 }, () => {
  let kernel = '';
  let initrd = '';
  let tools = '';
  let dir = '';
  let sets: { set: PageSet; file: string }[] = [];
  const table: string[] = [];

  before(async () => {
    kernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
    const corpus = loadCorpus();
    dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-timing-'));
    sets = [timingSet(corpus, 1024, 1), timingSet(corpus, 128, 8)].map((set) => {
      const file = join(dir, `${set.name}.raw`);
      writeFileSync(file, set.data);
      return { set, file };
    });
  });

  after(() => {
    if (table.length) {
      console.log(`\nper page in µs, median (min) of ${ROUNDS} rounds; TCG, comparable only within a row's guest run:\n`
        + `${'compressor/set/procs'.padEnd(22)}${['store off', 'store on', 'on/off', 'load off', 'load on', 'on/off', 'lookup ns'].map((h) => h.padStart(16)).join('')}\n${table.join('\n')}`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const compressor of COMPRESSORS) {
    it(`timing / ${compressor}`, async () => {
      const files: Record<string, string> = { 'dedup-timing': join(tools, 'dedup-timing') };
      for (const { set, file } of sets) files[`${set.name}.raw`] = file;
      const runs = sets.flatMap(({ set }) => [...new Set([1, GUEST_CPUS])].map((procs) => ({ set, procs })));
      const run = await runJob({
        kernel,
        initrd,
        memoryMiB: 512,
        append: dedupBootParams(compressor, false),
        swapMiB: 64 * GUEST_CPUS,
        files,
        script: `mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1\nd=/sys/kernel/debug/zswap\n${runs.map(({ set, procs }) => `echo "set ${set.name}/${procs} $(cat $d/dedup_lookups) $(cat $d/dedup_lookup_ns)" >>/out/timing.txt\n/job/dedup-timing /job/${set.name}.raw ${ROUNDS} ${procs} >>/out/timing.txt || exit 1\necho "lookups $(cat $d/dedup_lookups) $(cat $d/dedup_lookup_ns)" >>/out/timing.txt`).join('\n')}\n`,
        timeoutMs: 900_000,
      });
      const text = run.outputs['timing.txt']?.toString() ?? '';
      let current = '';
      let lookupsBefore = [0, 0];
      const lookupNs = new Map<string, number>();
      const rows = new Map<string, { store: number[]; load: number[]; stored: number[] }[]>();
      for (const line of text.split('\n')) {
        const s = /^set (\S+) (\d+) (\d+)/.exec(line);
        if (s) { current = s[1]; lookupsBefore = [Number(s[2]), Number(s[3])]; rows.set(current, [{ store: [], load: [], stored: [] }, { store: [], load: [], stored: [] }]); continue; }
        const l = /^lookups (\d+) (\d+)/.exec(line);
        if (l) { lookupNs.set(current, (Number(l[2]) - lookupsBefore[1]) / Math.max(1, Number(l[1]) - lookupsBefore[0])); continue; }
        const m = /^round \d+ dedup (\d) store_ns (\d+) load_ns (\d+) stored (\d+)/.exec(line);
        if (!m) continue;
        const r = rows.get(current)![Number(m[1])];
        r.store.push(Number(m[2]));
        r.load.push(Number(m[3]));
        r.stored.push(Number(m[4]));
      }
      for (const { set, procs } of runs) {
        const name = `${set.name}/${procs}`;
        const r = rows.get(name);
        assert.ok(r && r[0].store.length === ROUNDS && r[1].store.length === ROUNDS, `all rounds ran for ${name}:\n${text}`);
        for (const mode of r) assert.ok(mode.stored.every((n) => n === set.pages), `every page of ${name} stored in every round, by each process:\n${text}`);
        const [off, on] = r;
        const us = (xs: number[]): string => `${(median(xs) / 1000).toFixed(1)} (${(Math.min(...xs) / 1000).toFixed(1)})`.padStart(16);
        const ratio = (a: number[], b: number[]): string => `${(median(b) / median(a)).toFixed(2)} (${(Math.min(...b) / Math.min(...a)).toFixed(2)})`.padStart(16);
        table.push(`${`${compressor}/${name}`.padEnd(22)}${us(off.store)}${us(on.store)}${ratio(off.store, on.store)}${us(off.load)}${us(on.load)}${ratio(off.load, on.load)}${(lookupNs.get(name) ?? NaN).toFixed(0).padStart(16)}`);
      }
      console.log(`${compressor}: guest ${(run.durationMs / 1000).toFixed(0)} s\n${text}`);
    });
  }
});
