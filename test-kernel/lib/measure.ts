/**
 * One measurement: boot the 6.12 guest with zswap on (given compressor,
 * zsmalloc, no pool limit, no shrinker), run zswap-measure on a page set, and
 * return the counters it printed; and the analyzer's prediction for the same
 * page-set file.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { AnalyzeReport as AnalyzerReport } from '../../src/report/report.js';
import { REPO_ROOT, runJob, GuestError } from './guest.js';

/** Boot parameters that keep every stored page in zswap (see kernel/README.md). */
export function zswapBootParams(compressor: string): string[] {
  return [
    'zswap.enabled=1',
    `zswap.compressor=${compressor}`,
    'zswap.zpool=zsmalloc',
    'zswap.max_pool_percent=100',
    'zswap.shrinker_enabled=0',
  ];
}

export interface Measurement {
  values: Map<string, string>;
  zsmalloc: string[];
  console: string;
  durationMs: number;
  /** after − before of a /sys/kernel/debug/zswap or /proc/vmstat counter */
  delta(kind: 'zswap' | 'vmstat', name: string): number;
  num(key: string): number;
}

export async function measureInGuest(opts: {
  kernel: string;
  initrd: string;
  compressor: string;
  pageSetFile: string;
  pages: number;
  memoryMiB?: number;
}): Promise<Measurement> {
  const run = await runJob({
    kernel: opts.kernel,
    initrd: opts.initrd,
    memoryMiB: opts.memoryMiB ?? 512,
    append: zswapBootParams(opts.compressor),
    // every page takes a swap slot (zswap entries too): room for all, twice over
    swapMiB: Math.max(16, Math.ceil((opts.pages * 2 * 4096) / (1 << 20))),
    files: { 'pageset.raw': opts.pageSetFile },
    script: 'zswap-measure /job/pageset.raw >/out/result.txt\n',
    timeoutMs: 300_000,
  });
  return parseMeasurement(run.outputs['result.txt']?.toString() ?? '', run.console, run.durationMs);
}

/** zswap-measure's output ("key value" lines, "zsmalloc …" class lines) as a Measurement. */
export function parseMeasurement(text: string, console: string, durationMs: number): Measurement {
  const values = new Map<string, string>();
  const zsmalloc: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('zsmalloc ')) {
      zsmalloc.push(line.slice(9));
      continue;
    }
    const sp = line.indexOf(' ');
    values.set(line.slice(0, sp), line.slice(sp + 1));
  }
  const num = (key: string): number => {
    const v = values.get(key);
    if (v === undefined || !/^-?\d+$/.test(v)) {
      throw new GuestError(`guest result lacks a number for ${key} (got ${v}); result.txt:\n${text}`);
    }
    return Number(v);
  };
  return {
    values,
    zsmalloc,
    console,
    durationMs,
    num,
    delta: (kind, name) => num(`after.${kind}.${name}`) - num(`before.${kind}.${name}`),
  };
}

/** The analyzer's JSON report (its schema lives with the analyzer). */
export type { AnalyzeReport as AnalyzerReport, StoreResult as AnalyzerResult } from '../../src/report/report.js';
export function analyze(file: string, compressors: string[]): AnalyzerReport {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'zswap-dedup'), 'analyze', '--format', 'json', '--no-progress', '-c', compressors.join(','), file],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  if (r.status !== 0) throw new Error(`analyzer failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as AnalyzerReport;
}
