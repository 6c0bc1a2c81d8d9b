/**
 * docs/study.md, docs/study-net-saving.svg and study/results/summary.json from the result JSON of
 * every run (study/results/<workload>/run-<n>.json). Every figure in the document is computed
 * here from those files; the words around them are fixed text, and the sentences that depend on
 * the figures are chosen by them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StoreResult } from '../src/report/report.js';
import { barChartSvg } from '../src/report/svg-chart.js';
import { DEFAULT_METADATA_SIZES, type MetadataSizes } from '../src/store/metadata.js';
import { writeFileAtomic } from '../src/util/atomic-file.js';
import type { ColdResult } from './cold.js';
import { coldSection, countersSection } from './guest-report.js';
import { writeQuotes, type ColdQuote } from './quotes.js';
import type { RunResult } from './run.js';
import { WORKLOADS } from './workloads.js';

const COMPRESSORS = ['lzo', 'lzo-rle', 'lz4', 'lz4hc', 'zstd', 'deflate', '842'];
const CHART_COMPRESSORS = ['lzo', 'lz4', 'zstd'];
const MiB = 1024 * 1024;

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1] };
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const signedPct = (x: number, digits = 1) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x * 100).toFixed(digits)} %`;
/** median, with the runs' range when they differ */
const showPct = (s: Spread, signed = false, digits = 1) => {
  const f = signed ? signedPct : pct;
  return s.min === s.max ? f(s.median, digits) : `${f(s.median, digits)} (${f(s.min, digits)} … ${f(s.max, digits)})`;
};
const showInt = (s: Spread) => (s.min === s.max ? s.median.toLocaleString('en-US') : `${Math.round(s.median).toLocaleString('en-US')} (${s.min.toLocaleString('en-US')} … ${s.max.toLocaleString('en-US')})`);

function dedupResult(r: RunResult, compressor: string): StoreResult & { saving: { net_ratio: number; net_bytes: number } } {
  const x = r.analyze.results.find((s) => s.dedup && s.compressor === compressor);
  if (!x || !x.saving) throw new Error(`${r.workload} run ${r.run}: no dedup result for ${compressor}`);
  return x as StoreResult & { saving: { net_ratio: number; net_bytes: number } };
}

function plainResult(r: RunResult, compressor: string): StoreResult {
  const x = r.analyze.results.find((s) => !s.dedup && s.compressor === compressor);
  if (!x) throw new Error(`${r.workload} run ${r.run}: no result for ${compressor}`);
  return x;
}

export function loadResults(dir: string): Map<string, RunResult[]> {
  const out = new Map<string, RunResult[]>();
  const order = WORKLOADS.map((w) => w.name);
  if (!fs.existsSync(dir)) return out;
  const names = fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isDirectory());
  names.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999) || a.localeCompare(b));
  for (const name of names) {
    const runs = fs
      .readdirSync(path.join(dir, name))
      .filter((f) => /^run-\d+\.json$/.test(f))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, name, f), 'utf8')) as RunResult)
      .sort((a, b) => a.run - b.run);
    if (runs.length > 0) out.set(name, runs);
  }
  return out;
}

/** Per workload: the figures of the tables, as spreads over its runs. */
export interface WorkloadSummary {
  workload: string;
  what: string;
  driver: string;
  instances: number;
  runs: number;
  processes: Spread;
  pages: Spread;
  zero_share: Spread;
  same_filled_nonzero_share: Spread;
  /** non-zero same-filled pages / (zero + non-zero same-filled pages) */
  same_filled_nonzero_of_same_filled: Spread;
  duplicate_share: Spread;
  within_process_share: Spread;
  across_processes_share: Spread;
  across_instances_share: Spread;
  /** compressor → net saving ratio (pool + metadata) with dedup */
  net_saving: Record<string, Spread>;
  /** compressor → pool + metadata in bytes without and with dedup (medians) */
  total_bytes: Record<string, { stock: number; dedup: number }>;
  seconds: Spread;
  /** description of the most copied content of the first run */
  top_content: string;
}

export function summarize(runs: RunResult[]): WorkloadSummary {
  const s = (f: (r: RunResult) => number) => spread(runs.map(f));
  const nz = (r: RunResult) => Math.max(r.locality.nonzero_pages, 1);
  const net: Record<string, Spread> = {};
  const totals: Record<string, { stock: number; dedup: number }> = {};
  for (const c of COMPRESSORS) {
    net[c] = s((r) => dedupResult(r, c).saving.net_ratio);
    totals[c] = { stock: s((r) => plainResult(r, c).total_bytes).median, dedup: s((r) => dedupResult(r, c).total_bytes).median };
  }
  const r0 = runs[0];
  return {
    workload: r0.workload,
    what: r0.what,
    driver: r0.driver,
    instances: r0.instances,
    runs: runs.length,
    processes: s((r) => r.locality.processes),
    pages: s((r) => r.analyze.pages.total),
    zero_share: s((r) => r.analyze.pages.zero / r.analyze.pages.total),
    same_filled_nonzero_share: s((r) => r.content.same_filled_nonzero_pages / r.analyze.pages.total),
    same_filled_nonzero_of_same_filled: s((r) => r.content.same_filled_nonzero_pages / Math.max(r.content.same_filled_nonzero_pages + r.content.zero_pages, 1)),
    duplicate_share: s((r) => r.locality.duplicate_pages / nz(r)),
    within_process_share: s((r) => r.locality.within_process / nz(r)),
    across_processes_share: s((r) => r.locality.across_processes / nz(r)),
    across_instances_share: s((r) => r.locality.across_instances / nz(r)),
    net_saving: net,
    total_bytes: totals,
    seconds: s((r) => r.seconds.start + r.seconds.capture + r.seconds.convert + r.seconds.analyze + r.load_seconds),
    top_content: r0.analyze.top_duplicates[0] ? `${r0.analyze.top_duplicates[0].description}, ${r0.analyze.top_duplicates[0].pages.toLocaleString('en-US')} copies` : 'none',
  };
}

function table(head: string[], rows: string[][], align?: string[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  return [
    `| ${head.join(' | ')} |`,
    `|${a.map((x) => (x === 'l' ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function histogramRow(r: RunResult): string[] {
  const x = dedupResult(r, 'lz4');
  const buckets = new Map<number, number>();
  for (const h of x.refcount_histogram ?? []) buckets.set(h.refcnt, (buckets.get(h.refcnt) ?? 0) + h.referenced_pages);
  const stored = Math.max(x.stored_pages, 1);
  const cols = [1, 2, 4, 8, 16];
  let rest = 0;
  for (const [k, v] of buckets) if (k > 16) rest += v;
  return [
    `${r.workload} (run ${r.run})`,
    (x.unique_objects ?? 0).toLocaleString('en-US'),
    ...cols.map((k) => pct((buckets.get(k) ?? 0) / stored)),
    pct(rest / stored),
  ];
}

/** the analyzer's metadata model as its report names it (config.metadata_sizes) */
function reportedSizes(sizes: MetadataSizes): Record<string, number> {
  return Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

const sameModel = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * The results analyzed under the analyzer's current model of the series' costs; the others
 * (analyzed by an older build, their traces not kept for --reanalyze) are left out and named.
 */
function currentResults(all: Map<string, RunResult[]>): { current: Map<string, RunResult[]>; stale: RunResult[] } {
  const model = reportedSizes(DEFAULT_METADATA_SIZES);
  const current = new Map<string, RunResult[]>();
  const stale: RunResult[] = [];
  for (const [name, runs] of all) {
    const ok = runs.filter((r) => sameModel(r.analyze.config.metadata_sizes, model));
    stale.push(...runs.filter((r) => !ok.includes(r)));
    if (ok.length > 0) current.set(name, ok);
  }
  return { current, stale };
}

/**
 * docs/study.md, its chart and summary.json; with `quotesIn` (the repository), also the README's
 * headline and the cover letter's "Real workloads" section (study/quotes.ts)
 */
export function writeStudyReport(resultsDir: string, docsDir: string, quotesIn?: string): void {
  const loaded = loadResults(resultsDir);
  if (loaded.size === 0) throw new Error(`no results in ${resultsDir}: run the study first`);
  const { current: all, stale } = currentResults(loaded);
  if (all.size === 0) throw new Error(`no result in ${resultsDir} was analyzed under the analyzer's current model of the series' costs: run the study again (or --reanalyze where traces are kept)`);
  const sz = DEFAULT_METADATA_SIZES;
  /** what a shared object adds to the entry of the slot that stored it */
  const objectExtra = sz.dedupObjectBytes - sz.dedupEntryBytes + sz.dedupIndexBytesPerObject;
  const sums = [...all.values()].map(summarize);
  const runs = [...all.values()].flat();
  const first = runs[0];
  const md: string[] = [];
  const lz4 = sums.map((s) => ({ w: s.workload, v: s.net_saving.lz4.median })).sort((a, b) => b.v - a.v);
  const pays = lz4.filter((x) => x.v > 0.01);
  const costs = lz4.filter((x) => x.v < 0);
  const dup = spread(sums.map((s) => s.duplicate_share.median));
  const multi = sums.filter((s) => s.instances > 1);
  const totalPages = runs.reduce((a, r) => a + r.analyze.pages.total, 0);
  const headline =
    `Across ${sums.length} workloads (${runs.length} runs, ${(totalPages * 4096 / 2 ** 30).toFixed(1)} GiB of anonymous and shared memory), ` +
    `non-zero duplicate pages are a median ${pct(dup.median)} of memory (${pct(dup.min)} … ${pct(dup.max)}); ` +
    `after the series' metadata, dedup with lz4 saves more than 1 % of zswap's memory on ${pays.length} of ${sums.length} workloads ` +
    `(best: ${lz4[0].w}, ${signedPct(lz4[0].v)}) and costs memory on ${costs.length} (worst: ${lz4[lz4.length - 1].w}, ${signedPct(lz4[lz4.length - 1].v)}).`;

  md.push('# How many duplicates are there really? A study on real programs');
  md.push('');
  md.push(`**Headline.** ${headline}`);
  md.push('');
  md.push(
    '*Generated by `npm run study` (study/run.ts, study/report.ts) from the result files in `study/results/`; ' +
      '`node dist/study/run.js --report-only` rewrites it from them. Do not edit by hand.*',
  );
  md.push('');
  md.push('## What was run');
  md.push('');
  md.push(
    `Each workload ran ${runsText(sums)} on the development machine ` +
      `(${first.host.cpus} cores, ${(first.host.memory_bytes / 2 ** 30).toFixed(0)} GiB, Linux ${first.host.kernel}, ${first.time.slice(0, 10)}), ` +
      'each instance in a cgroup v2 of its own, servers started by `study/workloads/<script>.sh start`, load from the same script in a separate cgroup. ' +
      'While the load still ran, `zswap-dedup capture --cgroup <instance> --shmem --freeze` took every anonymous and shared-memory page ' +
      '(each physical page once, page cache and swapped pages left out); `convert --hash-only` made one trace per instance and ' +
      '`analyze -c all --by process` replayed the instances together through the 6.12 zswap replica, stock and with the dedup series. ' +
      'Sizes are chosen for a 2-core, 24 GiB machine shared with other work and a whole study under 30 minutes: tens to a few hundred MiB per workload, ' +
      'where production instances hold gigabytes; what grows with size (buffer pools, caches, heaps) is filled with data of the same kind.',
  );
  md.push('');
  md.push(
    table(
      ['workload', 'what runs', 'driven by', 'instances', 'runs', 'processes'],
      sums.map((s) => [s.workload, s.what, s.driver, String(s.instances), String(s.runs), showInt(s.processes)]),
      ['l', 'l', 'l', 'r', 'r', 'r'],
    ),
  );
  md.push('');
  md.push('Figures are the median over the runs with the range (min … max) in brackets where the runs differ.');
  const again = runs.filter((r) => r.reanalyzed);
  if (again.length > 0) {
    md.push('');
    md.push(
      `${again.length} run(s) were replayed again from their kept traces by \`node dist/study/run.js --reanalyze\` ` +
        `(${[...new Set(again.map((r) => r.reanalyzed!.slice(0, 10)))].join(', ')}), with the analyzer's model of that day; ` +
        'their pages, same-filled counts and content descriptions (where a copy count names one content) are those of the run.',
    );
  }
  if (stale.length > 0) {
    md.push('');
    md.push(
      `Left out: ${stale.length} run(s) analyzed by an older build under another model of the series' costs, whose traces are not kept ` +
        `to analyze again (run ${[...new Set(stale.map((r) => r.run))].sort((a, b) => a - b).join(' and ')} of ${new Set(stale.map((r) => r.workload)).size} workloads); ` +
        'a new `npm run study` replaces them.',
    );
  }
  md.push('');
  md.push('## Pages: zero, same-filled, duplicate');
  md.push('');
  md.push(
    '*Zero*: every byte zero (6.12 keeps these out of zswap in the swap zeromap). *Same-filled*: one non-zero 8-byte word repeated over the page, ' +
      'what zswap stored without compression up to 6.11. *Duplicate*: a non-zero page whose content another page also holds, counting every copy ' +
      'beyond the first (what a dedup index finds), identity by 128-bit fingerprint, as a share of the non-zero pages.',
  );
  md.push('');
  md.push(
    table(
      ['workload', 'pages', 'MiB', 'zero', 'same-filled, non-zero', 'duplicate (excluding zero)'],
      sums.map((s) => [
        s.workload,
        showInt(s.pages),
        ((s.pages.median * 4096) / MiB).toFixed(0),
        showPct(s.zero_share),
        showPct(s.same_filled_nonzero_share, false, 2),
        showPct(s.duplicate_share),
      ]),
    ),
  );
  md.push('');
  md.push('## Where the duplicates live');
  md.push('');
  md.push(
    'Duplicate pages as a share of the non-zero pages, by the narrowest scope that finds them: a dedup per process finds the first column; per ' +
      'instance (the series with `zswap.dedup_scope=memcg` and a memcg per container) the first two; only a global index (the series\' default) all three. ' +
      'A physical page mapped by several processes (fork, shared memory) is one page here, as it is one page to zswap. ' +
      'Computed from the analyzer\'s own drill-down (`analyze --by process`: duplicates within each process, distinct contents per input, i.e. per instance).',
  );
  md.push('');
  md.push(
    table(
      ['workload', 'instances', 'within a process', 'across processes of an instance', 'across instances', 'all'],
      sums.map((s) => [
        s.workload,
        String(s.instances),
        showPct(s.within_process_share),
        showPct(s.across_processes_share),
        s.instances > 1 ? showPct(s.across_instances_share) : '—',
        showPct(s.duplicate_share),
      ]),
    ),
  );
  md.push('');
  md.push('## Net saving with dedup, per compressor');
  md.push('');
  md.push(
    'Net saving = (pool + metadata without dedup − with dedup) / (pool + metadata without dedup), every page offered to zswap once, with the ' +
      `costs of the series as posted (v2), as the analyzer models them: every stored page keeps its \`zswap_entry\` (${sz.dedupEntryBytes} B) and ` +
      `xarray slot (${sz.xarrayBytesPerEntry} B); each distinct stored content is a \`struct zswap_obj\` (${sz.dedupObjectBytes} B, slab) allocated in ` +
      `place of the entry of the slot that stored it, i.e. +${objectExtra} B per object, whether shared or not; zsmalloc handles ` +
      `(${sz.handleBytes} B per pool object) and zspage descriptors (${sz.zspageBytes} B) are counted with and without dedup. Negative: dedup costs memory.`,
  );
  md.push('');
  md.push(
    table(
      ['workload', ...COMPRESSORS],
      sums.map((s) => [s.workload, ...COMPRESSORS.map((c) => showPct(s.net_saving[c], true))]),
    ),
  );
  md.push('');
  md.push('![Net saving with dedup by workload and compressor](study-net-saving.svg)');
  md.push('');
  md.push('Pool + metadata in MiB (medians over the runs), stock → with dedup:');
  md.push('');
  md.push(
    table(
      ['workload', ...CHART_COMPRESSORS],
      sums.map((s) => [
        s.workload,
        ...CHART_COMPRESSORS.map((c) => `${(s.total_bytes[c].stock / MiB).toFixed(1)} → ${(s.total_bytes[c].dedup / MiB).toFixed(1)}`),
      ]),
    ),
  );
  md.push('');
  md.push('## Refcount histogram');
  md.push('');
  md.push(
    'Share of the pages stored in zswap (lz4, first run of each workload) held by objects of each refcount, in `zdb -S` buckets ' +
      '(1, 2, 3–4, 5–8, 9–16, more).',
  );
  md.push('');
  md.push(
    table(
      ['workload', 'objects', '1', '2', '3–4', '5–8', '9–16', '> 16'],
      [...all.values()].map((r) => histogramRow(r[0])),
    ),
  );
  md.push('');
  md.push('## Most duplicated contents');
  md.push('');
  md.push('The three contents with the most copies in the first run of each workload, described from the page (the traces hold no content):');
  md.push('');
  md.push(
    table(
      ['workload', 'copies', 'content'],
      [...all.values()].flatMap((r) =>
        r[0].analyze.top_duplicates.slice(0, 3).map((d, i) => [i === 0 ? r[0].workload : '', d.pages.toLocaleString('en-US'), d.description]),
      ),
      ['l', 'r', 'l'],
    ),
  );
  md.push('');
  md.push('Most frequent non-zero same-filled words:');
  md.push('');
  const words = new Map<string, number>();
  for (const r of runs) for (const w of r.content.same_filled_words) words.set(`${r.workload}: ${w.word}`, (words.get(`${r.workload}: ${w.word}`) ?? 0) + w.pages);
  const topWords = [...words].sort((a, b) => b[1] - a[1]).slice(0, 8);
  md.push(topWords.length === 0 ? '(none)' : table(['workload: word', 'pages, all runs'], topWords.map(([k, v]) => [k, v.toLocaleString('en-US')])));
  md.push('');

  md.push('## What it means for the dedup series');
  md.push('');
  md.push(interpretation(sums, objectExtra));
  md.push('');
  md.push('## Compared with the published figures');
  md.push('');
  md.push(comparison(sums));
  md.push('');
  // the sections of the runs in the 6.12 QEMU guest (study/guest-report.ts)
  md.push(coldSection(resultsDir));
  md.push('');
  md.push(countersSection(resultsDir));
  md.push('');
  md.push('## Limits');
  md.push('');
  md.push(
    '- **Sizes**: each workload holds tens to a few hundred MiB so that all of them, three runs each, fit a 2-core, 24 GiB machine in about half an hour; ' +
      'production instances hold gigabytes. Shares of duplicates that come from per-process or per-instance copies of the same start-up data ' +
      '(flask-gunicorn, postgres-x3) shrink as the data each process builds for itself grows; those from allocator and runtime patterns do not.',
  );
  md.push(
    '- **Shared memory is seen where a live process maps it**: a capture walks page tables (pagemap), so a shmem page that no process of the cgroup ' +
      'maps at that moment is not seen, though zswap could store it. PostgreSQL\'s shared buffers are mapped by whichever backends touched them; the ' +
      'postgres script runs a CHECKPOINT after loading, so that the long-lived checkpointer has touched every buffer the load wrote.',
  );
  md.push(
    '- **A snapshot, all anonymous memory**: zswap receives cold pages only (see above).',
  );
  const full = readLastFullRun(resultsDir);
  md.push(
    '- **Time**: ' +
      (full
        ? `the last full study (${full.runs} runs) took ${Math.round(full.seconds / 60)} minutes on ${full.cpus} cores that other work kept busy ` +
          `(load average ${full.loadavg_start.toFixed(1)} at the start, ${full.loadavg_end.toFixed(1)} at the end)` +
          (full.workloads ? `; it used ${cpuText(full.workloads)} of CPU time. ` : '. ')
        : '') +
      'The figures do not depend on speed: each instance is frozen while it is captured.',
  );
  md.push('');
  md.push('## Re-analyze the runs');
  md.push('');
  md.push(
    'Every run writes one hash-only trace per instance (per page: keyed hashes and a keyed 128-bit fingerprint, the compressed length under ' +
      'each of the seven 6.12 compressors, the mapping kind and a process number; no content, names or addresses). The instances of one run ' +
      'share one throw-away key, so they analyze together; traces of different runs do not. The first run of each workload is kept in the repository, compressed: ' +
      '`study/traces/<workload>/run-1/i<n>.trace.xz` (unpack with `xz -dk`). Analyze them with other settings without rerunning anything, e.g.',
  );
  md.push('');
  md.push('```sh');
  const example = runs.find((r) => r.instances > 1 && r.run === 1) ?? first;
  md.push(`xz -dk ${path.dirname(example.captures[0].trace)}/*.trace.xz`);
  md.push(`zswap-dedup analyze -c zstd,842 --zpool zbud ${path.dirname(example.captures[0].trace)}/*.trace`);
  md.push(`zswap-dedup analyze --hash crc32c --hash-bits 20 ${path.dirname(example.captures[0].trace)}/i0.trace`);
  md.push('```');
  md.push('');
  md.push(
    'The per-run results (`study/results/<workload>/run-<n>.json`, schema `zswap-dedup/study-run/v1`) hold the analyzer\'s whole JSON report, ' +
      'the capture summaries, where the duplicates live and the same-filled counts; `study/results/summary.json` holds the figures of this page.',
  );
  md.push('');
  md.push('## How to run it');
  md.push('');
  md.push('```sh');
  md.push('npm ci && sudo npm run study                          # installs the workloads (apt-get), runs all, writes this page');
  md.push('sudo npm run study -- --only redis,postgres-x3 --runs 2  # a subset');
  md.push('sudo npm run study:cold                              # the cold part in the 6.12 QEMU guest (kernel of npm run test:kernel)');
  md.push('sudo npm run study:guest                             # the kernel\'s counters on real programs, stock and dedup kernels, in the guest');
  md.push('node dist/study/run.js --report-only                   # this page again from study/results/');
  md.push('node dist/study/run.js --reanalyze                     # replay the kept traces with the analyzer as built now, then this page');
  md.push('```');
  md.push('');
  md.push(
    'Parts: `study/install-deps.sh` (the Debian packages, with apt-get), `study/workloads.ts` (the workloads and their sizes), ' +
      '`study/workloads/*.sh` (start and load of each), `study/cgroup.ts`, `study/run.ts` (one run: start, load, capture, stop, analyze), ' +
      '`study/page-stats.ts` (where duplicates live, from the analyzer\'s `--by process`; same-filled pages), `study/report.ts` (this page, the chart through `src/report/svg-chart.ts`), ' +
      '`study/cold.ts` and `study/guest/cold-job.sh` (the cold part in the guest). ' +
      `The ${runs.length} runs took ${Math.round(runs.reduce((a, r) => a + r.seconds.start + r.seconds.capture + r.load_seconds, 0) / 60)} minutes ` +
      'of starting, loading and capturing; the analysis of one run overlaps the next run.',
  );
  md.push('');

  fs.mkdirSync(docsDir, { recursive: true });
  writeFileAtomic(path.join(docsDir, 'study.md'), md.join('\n'), 0o644);
  writeFileAtomic(
    path.join(docsDir, 'study-net-saving.svg'),
    barChartSvg({
      title: 'Net saving of zswap memory with dedup (pool + metadata)',
      axis: 'net saving, % of pool + metadata without dedup (median of runs)',
      categories: sums.map((s) => (s.instances > 1 ? `${s.workload} (${s.instances} inst.)` : s.workload)),
      series: CHART_COMPRESSORS.map((c) => ({
        name: c,
        values: sums.map((s) => s.net_saving[c].median * 100),
        min: sums.map((s) => s.net_saving[c].min * 100),
        max: sums.map((s) => s.net_saving[c].max * 100),
      })),
      format: (v) => `${Math.round(v * 10) / 10} %`,
    }),
    0o644,
  );
  if (quotesIn) {
    writeQuotes(quotesIn, {
      sums,
      runs: spread(sums.map((s) => s.runs)).median,
      objectBytes: sz.dedupObjectBytes,
      entryBytes: sz.dedupEntryBytes,
      objectExtra,
      cold: coldQuotes(resultsDir),
    });
  }
  writeFileAtomic(
    path.join(resultsDir, 'summary.json'),
    JSON.stringify({ schema: 'zswap-dedup/study-summary/v1', headline, multi_instance: multi.map((s) => s.workload), workloads: sums }, null, 1) + '\n',
    0o644,
  );
}

export interface FullRun {
  started: string;
  seconds: number;
  runs: number;
  cpus: number;
  loadavg_start: number;
  loadavg_end: number;
  /** per workload, per run: wall seconds of each step and CPU seconds of each part (study/run.ts); absent in files of older builds */
  workloads?: { workload: string; runs: { run: number; seconds: RunResult['seconds']; cpu_seconds: NonNullable<RunResult['cpu_seconds']> }[] }[];
}

/** "12 min (workloads 4, load 3, capture 1, convert 3, analyze 0, study 0)": CPU time of a full run, by part */
function cpuText(workloads: NonNullable<FullRun['workloads']>): string {
  const parts = { workloads: 0, load: 0, capture: 0, convert: 0, analyze: 0, study: 0 };
  for (const w of workloads) {
    for (const r of w.runs) {
      const c = r.cpu_seconds;
      parts.workloads += c.workload;
      parts.load += c.load;
      parts.capture += c.capture;
      parts.convert += c.convert;
      parts.analyze += c.analyze;
      parts.study += c.study;
    }
  }
  const min = (x: number) => Math.round(x / 60);
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return `${min(total)} min (${Object.entries(parts).map(([k, v]) => `${k} ${min(v)}`).join(', ')})`;
}

/** study/results/last-full-run.json: written by a run of every workload, not by --only */
function readLastFullRun(resultsDir: string): FullRun | null {
  const f = path.join(resultsDir, 'last-full-run.json');
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as FullRun) : null;
}

function coldResults(resultsDir: string): ColdResult[] {
  const dir = path.join(resultsDir, 'cold');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  return files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ColdResult);
}

/** lz4's figures of each guest recording, every page against pages idle at least 120 s */
function coldQuotes(resultsDir: string): ColdQuote[] {
  return coldResults(resultsDir).flatMap((c) => {
    const at = (policy: string) => {
      const p = c.policies.find((x) => x.policy === policy);
      const lz4 = p?.results.find((r) => r.compressor === 'lz4');
      return p && lz4 ? { hits: lz4.dedup_shared_pages / Math.max(p.stored_pages, 1), net: lz4.net_ratio } : null;
    };
    const all = at('all');
    const idle120 = at('idle:120');
    return all && idle120 ? [{ workload: c.workload, what: c.what, all, idle120 }] : [];
  });
}

function runsText(sums: WorkloadSummary[]): string {
  const r = spread(sums.map((s) => s.runs));
  if (r.min !== r.max) return `${r.min} to ${r.max} times`;
  return r.min === 1 ? 'once' : `${r.min} times`;
}

/** where most of a workload's duplicates are */
function mainPlace(s: WorkloadSummary): string {
  const places: [string, number][] = [
    ['within processes', s.within_process_share.median],
    ['across processes', s.across_processes_share.median],
    ['across instances', s.across_instances_share.median],
  ];
  places.sort((a, b) => b[1] - a[1]);
  return places[0][0];
}

/** objectExtra: bytes an object adds to the entry of its first slot (the series' cost per distinct content) */
function interpretation(sums: WorkloadSummary[], objectExtra: number): string {
  const by = (c: string) => sums.map((s) => ({ w: s.workload, v: s.net_saving[c].median }));
  const pays = by('lz4').filter((x) => x.v > 0.01).sort((a, b) => b.v - a.v);
  const costs = by('lz4').filter((x) => x.v < 0).sort((a, b) => a.v - b.v);
  const zstdWorse = sums.filter((s) => s.net_saving.zstd.median < s.net_saving.lz4.median).length;
  const out: string[] = [];
  out.push(
    `- **Where it pays** (lz4, more than 1 %): ${
      pays.length ? pays.map((x) => `${x.w} ${signedPct(x.v)} (duplicates mostly ${mainPlace(sums.find((s) => s.workload === x.w)!)})`).join(', ') : 'nowhere'
    }.`,
  );
  out.push(
    `- **Where it costs**: ${costs.length ? costs.map((x) => `${x.w} ${signedPct(x.v)}`).join(', ') : 'nowhere'}. With few duplicates, the ` +
      `${objectExtra} bytes an object adds to every distinct content are pure overhead; this is the price of turning dedup on for a workload that has nothing to share, ` +
      'and the case for keeping `zswap.dedup` off by default, as the series does.',
  );
  out.push(
    `- **Compressor**: on ${zstdWorse} of ${sums.length} workloads the net saving is lower with zstd than with lz4: a better compressor leaves less ` +
      'to save per duplicate while the metadata per object stays the same.',
  );
  const cheap = sums.filter((s) => s.duplicate_share.median >= 0.05 && s.net_saving.lz4.median < 0.02);
  if (cheap.length > 0) {
    out.push(
      `- **Many duplicates, little saving**: ${cheap.map((s) => `${s.workload} (${pct(s.duplicate_share.median)} duplicate, ${signedPct(s.net_saving.lz4.median)} with lz4; most copied: ${s.top_content})`).join('; ')}. ` +
        'Duplicates that compress to a few bytes (same-filled, mostly-zero pages) free almost no pool memory when shared, while every distinct ' +
        'content still pays its object: what dedup saves is the compressed size of the copies, not their number.',
    );
  }
  const multi = sums.filter((s) => s.instances > 1);
  if (multi.length > 0) {
    out.push(
      '- **Scope**: across instances, ' +
        multi.map((s) => `${s.workload} ${pct(s.across_instances_share.median)} of its non-zero pages (of ${pct(s.duplicate_share.median)} duplicate)`).join('; ') +
        '. What lies across instances is lost to `dedup_scope=memcg` when each instance has its memcg; what lies within one instance is not.',
    );
  }
  const sf = spread(sums.map((s) => s.same_filled_nonzero_share.median));
  out.push(
    `- **Same-filled pages**: non-zero same-filled pages are a median ${pct(sf.median, 2)} of memory (up to ${pct(sf.max, 2)}); ` +
      'dedup stores each such content once, which recovers what 6.12 gave up when it dropped same-filled handling.',
  );
  out.push(
    '- **Snapshot, not swap**: these are all anonymous pages of a running workload; zswap sees only the cold ones. Duplicates made of ' +
      'rarely touched data (per-worker copies of start-up data) tend to be cold, so the cold part can hold a larger share of them than the ' +
      'snapshot: the guest measurements of the next section show how much for the workloads they cover.',
  );
  return out.join('\n');
}

function comparison(sums: WorkloadSummary[]): string {
  const dup = spread(sums.map((s) => s.duplicate_share.median));
  const sf = spread(sums.map((s) => s.same_filled_nonzero_share.median));
  const zero = spread(sums.map((s) => s.zero_share.median));
  const sfOfSame = spread(sums.map((s) => s.same_filled_nonzero_of_same_filled.median));
  const multi = sums.filter((s) => s.instances > 1);
  const acrossShare = multi.length
    ? spread(multi.map((s) => (s.duplicate_share.median > 0 ? s.across_instances_share.median / s.duplicate_share.median : 0)))
    : null;
  const rows = [
    [
      '2016 zswap dedup patch (Desireddy, linux-mm, Aug 2016): [cover letter](http://mail.spinics.net/lists/linux-mm/msg112379.html)',
      'phones with 1–3 GB RAM, pages stored in zswap under memory pressure',
      'about 10–15 % of the pages stored in zswap are duplicates (15–20 % in their device test), zero-filled pages 10–20 %',
      `duplicates (excluding zero) ${pct(dup.min)} … ${pct(dup.max)} of memory, median ${pct(dup.median)}; zero pages median ${pct(zero.median)}`,
    ],
    [
      'Barker et al., "An Empirical Study of Memory Sharing in Virtual Machines", USENIX ATC 2012',
      'memory traces of real user machines and VMs',
      'sharing excluding zero pages generally under 15 %; about 90 % of the sharing potential lies within one machine',
      acrossShare
        ? 'share of the duplicates that lie across instances: ' +
          multi
            .map((s) => `${s.workload} ${pct(s.duplicate_share.median > 0 ? s.across_instances_share.median / s.duplicate_share.median : 0, 0)} (of ${pct(s.duplicate_share.median)} duplicate)`)
            .join(', ') +
          '; instances here are processes on one kernel, not VMs with kernels of their own'
        : 'no multi-instance workload in this run',
    ],
    [
      'Arif, "mm: store zero pages to be swapped out in a bitmap" (linux-mm, 2024): [cover letter](http://mail.spinics.net/lists/linux-mm/msg386797.html)',
      "Meta's server fleet, pages swapped out",
      'less than 1 % of the same-filled pages swapped out are non-zero',
      `non-zero same-filled pages are a median ${pct(sfOfSame.median)} of the same-filled pages (${pct(sfOfSame.min)} … ${pct(sfOfSame.max)}), ${pct(sf.median, 2)} of memory`,
    ],
  ];
  return (
    table(['source', 'what was measured', 'their figure', 'this study'], rows, ['l', 'l', 'l', 'l']) +
    '\n\nThe published figures count pages *stored in zswap*, i.e. cold pages under pressure; this study counts all anonymous and shared memory ' +
    'of each workload, so the comparison holds for the share of duplicates only as far as duplicates are as cold as other pages.'
  );
}
