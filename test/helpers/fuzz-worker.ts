/**
 * Worker thread of scripts/fuzz.mjs: checks mutants start..end-1, publishing the one in hand in a
 * shared heartbeat so that the supervisor can tell a hang (and restart after it), posting
 * findings as they come and counts every few seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkCli, checkInProcess, fuzzBases, mutantCase, type Verdict } from './fuzz.js';

export interface WorkerParams {
  seed: number;
  start: number;
  end: number;
  families: string[];
  cliEvery: number;
  cliTimeoutMs: number;
  slowMs: number;
  maxRssMib: number;
  /** [0]: mutant in hand (-1: none), [1]: mutants done */
  heartbeat: Int32Array;
}

export interface WorkerStats {
  done: number;
  byFamily: Record<string, { ok: number; refused: number }>;
  messages: Record<string, number>;
  cli: number;
  slowest: { ms: number; i: number; what: string };
  peakRssMib: number;
}

export type WorkerMessage =
  | { type: 'finding'; i: number; kind: string; base: string; what: string; detail: string }
  | { type: 'stats'; stats: WorkerStats; final: boolean };

// `node --test dist/test/` loads every file: only a worker started by scripts/fuzz.mjs runs
if (!isMainThread && workerData) run(workerData as WorkerParams);

function tally(stats: WorkerStats, family: string, v: Verdict): void {
  const f = (stats.byFamily[family] ??= { ok: 0, refused: 0 });
  if (v.kind === 'ok') f.ok++;
  else if (v.kind === 'refused') {
    f.refused++;
    const key = (v.message ?? '').replace(/\d+/g, 'N').slice(0, 80);
    stats.messages[key] = (stats.messages[key] ?? 0) + 1;
  }
}

function run(p: WorkerParams): void {
  const bases = fuzzBases(p.families);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-fuzz-'));
  const stats: WorkerStats = { done: 0, byFamily: {}, messages: {}, cli: 0, slowest: { ms: 0, i: -1, what: '' }, peakRssMib: 0 };
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  let lastPost = Date.now();
  try {
    for (let i = p.start; i < p.end; i++) {
      Atomics.store(p.heartbeat, 0, i);
      const c = mutantCase(bases, p.seed, i);
      const name = `mutant-${i}-${c.base.name}`;
      const what = `${c.base.name}: ${c.mutant.what}${c.allPages && c.base.family !== 'recording' ? ' (--all-pages)' : ''}`;
      const v = checkInProcess(c, name);
      tally(stats, c.base.family, v);
      if (v.kind === 'crash' || v.kind === 'cli') post({ type: 'finding', i, kind: 'crash', base: c.base.name, what, detail: v.detail });
      else if (v.ms > p.slowMs) post({ type: 'finding', i, kind: 'slow', base: c.base.name, what, detail: `${v.ms.toFixed(0)} ms in-process` });
      if (v.ms > stats.slowest.ms) stats.slowest = { ms: v.ms, i, what };
      const rss = process.memoryUsage().rss / 2 ** 20;
      stats.peakRssMib = Math.max(stats.peakRssMib, rss);
      if (rss > p.maxRssMib) post({ type: 'finding', i, kind: 'memory', base: c.base.name, what, detail: `RSS ${rss.toFixed(0)} MiB after this mutant` });
      if (p.cliEvery > 0 && i % p.cliEvery === 0) {
        const cv = checkCli(c, dir, p.cliTimeoutMs);
        stats.cli++;
        if (cv.kind === 'cli' || cv.kind === 'crash') {
          post({ type: 'finding', i, kind: 'cli', base: c.base.name, what: what + (c.second ? ` after a second mutant (${c.second.what})` : ''), detail: cv.detail });
        }
      }
      stats.done++;
      Atomics.store(p.heartbeat, 1, stats.done);
      if (Date.now() - lastPost > 5000) {
        post({ type: 'stats', stats, final: false });
        lastPost = Date.now();
      }
    }
    Atomics.store(p.heartbeat, 0, -1);
    post({ type: 'stats', stats, final: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
