/**
 * The sections of docs/study.md made from the runs in the 6.12 QEMU guest: the cold part
 * (study/cold.ts, study/results/cold/) and the kernel's counters on real programs
 * (study/guest.ts, study/results/guest-counters/). study/report.ts places them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ColdResult } from './cold.js';
import type { GuestCountersResult } from './guest.js';

const MiB = 1024 * 1024;
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const signedPct = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x * 100).toFixed(1)} %`;
const n = (x: number): string => x.toLocaleString('en-US');

function table(head: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const lines = [`| ${head.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function readJson<T>(dir: string): T[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as T);
}

/** Why the study's other workloads were not measured cold in the guest. */
const NOT_IN_GUEST =
  'Left out of the guest, for their size under emulation (1.5 GiB of guest memory; every instruction emulated by TCG, ' +
  '10-50 times slower than the host, on a machine shared by several engineers): postgres and postgres-x3 (shared buffers of ' +
  '32-64 MB each plus pgbench initialisation of 300,000-600,000 rows), mariadb (a 96 MB buffer pool and 200,000 rows loaded), ' +
  'jvm and jvm-x3 (64-96 MB heaps, and JVM start-up and JIT that take minutes under TCG), chromium (several renderer ' +
  'processes, hundreds of MB), gcc (a build whose memory changes every second, so little of it can stay idle for 120 s, and ' +
  'which ends before that) and pandas, pandas-x3 (batch jobs that end after their work). These were not tried in the guest; ' +
  'the reasons are their sizes and run times on the host, not a failed attempt.';

export function coldSection(resultsDir: string): string {
  const results = readJson<ColdResult>(path.join(resultsDir, 'cold'));
  const out: string[] = ['## The cold part (in the 6.12 guest)', ''];
  if (results.length === 0) {
    out.push('Not measured yet: `npm run study:cold` records it in the QEMU guest (idle page tracking).');
    return out.join('\n');
  }
  out.push(
    'zswap receives cold pages: those reclaim finds idle. The host kernel has no idle page tracking, so `npm run study:cold` ' +
      '(study/cold.ts, study/guest/cold-job.sh) runs each workload inside the Linux 6.12 QEMU guest, from the host\'s root shared read-only, ' +
      'records it for 150-300 s with `capture --interval 30 --idle page_idle` while light load runs (samples 30 s apart, or as fast as they can be taken when one takes longer), and replays the recording with ' +
      '`analyze --reclaim all | idle:30 | idle:120`: zswap holding every page, or the pages idle at least 30 s or 120 s. Figures at the last sample; ' +
      '"sharing an object" counts the entries whose data another entry\'s object holds at that moment (the debugfs counter dedup_hits would also count hits of pages loaded back since).',
  );
  out.push('');
  const rows: string[][] = [];
  for (const c of results) {
    for (const p of c.policies) {
      const lz4 = p.results.find((r) => r.compressor === 'lz4')!;
      rows.push([
        p.policy === 'all' ? `${c.workload} (${c.what}; last sample at ${c.duration_seconds} s)` : '',
        p.policy === 'all' ? 'every page' : `idle ≥ ${p.policy.slice(5)} s`,
        `${n(p.stored_pages)} of ${n(p.live_pages)} (${pct(p.stored_pages / Math.max(p.live_pages, 1))})`,
        `${n(lz4.dedup_shared_pages)} (${pct(lz4.dedup_shared_pages / Math.max(p.stored_pages, 1))})`,
        ...p.results.map((r) => `${(r.stock_bytes / MiB).toFixed(1)} → ${(r.dedup_bytes / MiB).toFixed(1)} MiB, ${signedPct(r.net_ratio)}`),
      ]);
    }
  }
  const comps = results[0].policies[0].results.map((r) => r.compressor);
  out.push(table(['workload', 'zswap holds', 'pages stored (of live)', 'sharing an object (lz4)', ...comps.map((c) => `${c}: pool + metadata, net saving`)], rows, ['l', 'l', 'r', 'r', ...comps.map((): 'r' => 'r')]));
  out.push('');
  out.push(
    `Measured cold in the guest: ${results.map((c) => c.workload).join(', ')}, at guest sizes (fewer workers and keys than on the host), ` +
      'so their "every page" rows differ from the tables above; within one guest run, the rows compare like with like. ' +
      NOT_IN_GUEST,
  );
  return out.join('\n');
}

export function countersSection(resultsDir: string): string {
  const results = readJson<GuestCountersResult>(path.join(resultsDir, 'guest-counters'));
  const out: string[] = ['## The kernel on real programs (6.12 guest, stock and dedup)', ''];
  if (results.length === 0) {
    out.push('Not measured yet: `npm run study:guest` runs it in the QEMU guest.');
    return out.join('\n');
  }
  out.push(
    '`npm run study:guest` (study/guest.ts, study/guest/counters-job.sh) starts study workloads in a cgroup of the Linux 6.12 guest, ' +
      'drives them for a while, freezes the cgroup (cgroup freezer), captures it with `capture` (contents from /proc/kcore), pushes it ' +
      'out with `memory.reclaim` (swappiness=200), and lists the frames its processes still map (pagemap). The pages that went out are those of the ' +
      'capture whose frame is not listed (frozen, nothing changes; one physical page is one swap entry however many ' +
      'processes map it). `analyze` gets exactly those pages, with the compressor the kernel used, and its figures stand beside the ' +
      "kernel's counter deltas: the stock kernel, and the kernel with the dedup series and `zswap.dedup=1`. Pages still mapped after reclaim " +
      'stay out of the comparison (their count is given); every counter the model claims is compared for equality.',
  );
  out.push('');
  for (const r of results) {
    const equal = r.rows.filter((x) => x.equal).length;
    out.push(
      `**${r.kernel} kernel (${r.release}), ${r.compressor}, ${r.workloads.join(' + ')}** (${Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(', ')}): ` +
        `${n(r.pages.before)} pages captured, ${n(r.pages.swapped)} went out (${n(r.pages.swapped_zero)} zero-filled), ${n(r.pages.resident)} stayed resident, ` +
        `${equal} of ${r.rows.length} counters equal the analyzer's figure; ` +
        `${r.reclaim_rounds} memory.reclaim writes, guest ${r.guest_seconds} s.`,
    );
    out.push('');
    out.push(table(['counter', 'kernel', 'analyzer', "analyzer's figure"], r.rows.map((x) => [`${x.equal ? '' : '≠ '}${x.quantity}`, n(x.kernel), n(x.analyzer), x.source]), ['l', 'r', 'r', 'l']));
    out.push('');
  }
  return out.join('\n').trimEnd();
}
