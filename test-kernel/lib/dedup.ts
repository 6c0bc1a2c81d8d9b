/**
 * Shared pieces of the dedup kernel tests (issue 5): the patched kernel (the
 * series in kernel/patches/, built as variant "dedup", incrementally on top of
 * the stock build), the guest-side tools, boot parameters, and a measurement
 * that runs the unchanged kernel/guest/zswap-measure on the dedup kernel.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKernel, GuestError, REPO_ROOT, runJob, runKernelScript } from './guest.js';
import { parseMeasurement, zswapBootParams, type Measurement } from './measure.js';

export const PATCHES = join(REPO_ROOT, 'kernel', 'patches');
/** CONFIG_ZSWAP_DEDUP_DEBUG: the series' testing aids (dedup_hash_bits, dedup_index_trees, lookup timing) */
export const DEDUP_CONFIG = join(REPO_ROOT, 'kernel', 'config', 'dedup.config');

/**
 * The dedup kernel: the stock kernel first (cached, and the base of the
 * incremental build), then kernel/seed-variant.sh copies its trees to variant
 * "dedup" (once; exit 1 = nothing to seed, a full build follows), then
 * build-kernel.sh applies kernel/patches and builds.
 */
export async function ensureDedupKernel(): Promise<string> {
  await ensureKernel();
  await runKernelScript('seed-variant.sh', ['--to', 'dedup'], [0, 1]);
  return ensureKernel({ variant: 'dedup', patches: PATCHES, extraConfig: [DEDUP_CONFIG] });
}

/** The dedup kernel with KASAN + lockdep, or KCSAN + lockdep (kernel/build-debug-kernel.sh: a full build, 20-40 min). */
export async function ensureDebugKernel(kind: 'kasan' | 'kcsan' = 'kasan'): Promise<string> {
  const path = await runKernelScript('build-debug-kernel.sh', [kind, '--print-path']);
  if (!existsSync(path)) throw new GuestError(`build-debug-kernel.sh printed ${path}, which does not exist`);
  return path;
}

/** Directory of the static guest tools (dedup-integrity, dedup-timing, test_zswap). */
export async function ensureDedupTools(): Promise<string> {
  const dir = await runKernelScript('build-dedup-tools.sh', ['--print-path']);
  if (!existsSync(join(dir, 'test_zswap'))) throw new GuestError(`build-dedup-tools.sh printed ${dir}, which has no test_zswap`);
  return dir;
}

/** Boot parameters: every stored page stays in zswap (no pool limit, no shrinker), dedup as asked. */
export function dedupBootParams(compressor: string, dedup: boolean, scope: 'global' | 'memcg' = 'global'): string[] {
  return [...zswapBootParams(compressor), `zswap.dedup=${dedup ? 1 : 0}`, `zswap.dedup_scope=${scope}`];
}

/** "key value" lines → map; lines starting with `skip` prefixes are collected apart. */
export function parseKeyValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    values.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return values;
}

/** zswap-measure (kernel/guest/zswap-measure, unchanged) on the dedup kernel. */
export async function measureDedup(opts: {
  kernel: string;
  initrd: string;
  compressor: string;
  dedup: boolean;
  scope?: 'global' | 'memcg';
  pageSetFile: string;
  pages: number;
  /** the series' dedup_hash_bits testing knob: index keys cut to this many bits (forces collisions) */
  hashBits?: number;
}): Promise<Measurement & { slab: Map<string, string> }> {
  const run = await runJob({
    kernel: opts.kernel,
    initrd: opts.initrd,
    memoryMiB: 512,
    append: dedupBootParams(opts.compressor, opts.dedup, opts.scope),
    swapMiB: Math.max(16, Math.ceil((opts.pages * 2 * 4096) / (1 << 20))),
    files: { 'pageset.raw': opts.pageSetFile },
    script: [
      ...(opts.hashBits === undefined ? [] : [`echo ${opts.hashBits} >/sys/kernel/debug/zswap/dedup_hash_bits`]),
      'zswap-measure /job/pageset.raw >/out/result.txt',
      'for p in dedup dedup_scope; do echo "zswap.param.$p $(cat /sys/module/zswap/parameters/$p)"; done >>/out/result.txt',
      // the real sizes of the two structures, from their slab caches
      'for c in zswap_entry zswap_obj; do for f in object_size slab_size objs_per_slab; do echo "slab.$c.$f $(cat /sys/kernel/slab/$c/$f)"; done; done >/out/slab.txt',
      'echo "meminfo.MemTotal $(sed -n \'s/^MemTotal: *\\([0-9]*\\) kB/\\1/p\' /proc/meminfo)" >>/out/slab.txt',
      '',
    ].join('\n'),
    timeoutMs: 300_000,
  });
  return {
    ...parseMeasurement(run.outputs['result.txt']?.toString() ?? '', run.console, run.durationMs),
    slab: parseKeyValues(run.outputs['slab.txt']?.toString() ?? ''),
  };
}

/** The analyzer's JSON report (its schema lives with the analyzer). */
export type { AnalyzeReport as DedupReport, StoreResult as DedupResult } from '../../src/report/report.js';
