/**
 * The kernel on real programs, CI-sized (the study's `npm run study:guest` at a small size): a
 * Redis primary and its replica (Debian's redis-server through a chroot of the host root, 5,000
 * keys, 5 s of redis-benchmark) in a cgroup of the 6.12 guest, frozen, captured, pushed into zswap
 * with memory.reclaim, and the frames its processes still map listed (study/guest/counters-job.sh).
 * The pages of the capture whose frame is not listed are handed to `analyze` with the kernel's compressor,
 * and every counter must equal its prediction (study/guest-counters.ts):
 *   zswpout + pswpout + swpout_zero = pages that went out; swpout_zero = zero pages;
 *   zswpout = debugfs stored_pages = stored_pages; pswpout = rejected pages; reject counters;
 *   pool_total_size = pool pages × 4096; memory.zswap.current; memory.stat zswapped;
 *   with the dedup series (zswap.dedup=1) also dedup_objects, dedup_hits, dedup_saved_bytes,
 *   dedup_verify_fail.
 * Each guest about 1.5-3 minutes under TCG. Installs redis with study/install-deps.sh (apt-get)
 * when the host lacks it.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCounters, formatRows, runCountersJob, swappedPages } from '../study/guest-counters.js';
import { dedupBootParams, ensureDedupKernel } from './lib/dedup.js';
import { ensureInitramfs, ensureKernel, REPO_ROOT } from './lib/guest.js';
import { analyze, zswapBootParams } from './lib/measure.js';

const COMPRESSOR = 'lz4';
const SIZES = { REDIS_KEYS: '5000', LOAD_SECONDS: '5' };
let initrd = '';
let dir = '';

before(async () => {
  if (!existsSync('/usr/bin/redis-server')) {
    const r = spawnSync('bash', [join(REPO_ROOT, 'study', 'install-deps.sh'), 'redis'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'study/install-deps.sh redis failed');
  }
  initrd = await ensureInitramfs();
  dir = mkdtempSync(join(tmpdir(), 'zswap-study-counters-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function check(kind: 'stock' | 'dedup'): Promise<void> {
  const kernel = kind === 'dedup' ? await ensureDedupKernel() : await ensureKernel();
  const runDir = mkdtempSync(join(dir, `${kind}-`));
  const run = await runCountersJob({
    kernel,
    initrd,
    bootParams: kind === 'dedup' ? dedupBootParams(COMPRESSOR, true) : zswapBootParams(COMPRESSOR),
    workloads: ['redis-replica'],
    env: SIZES,
    memoryMiB: 1024,
    dir: runDir,
    timeoutMs: 900_000,
  });
  assert.equal(run.counters.values.get('zswap.param.dedup'), kind === 'dedup' ? 'Y' : undefined);
  const pages = swappedPages(run.before, run.resident, join(runDir, 'swapped.raw'));
  const report = analyze(join(runDir, 'swapped.raw'), [COMPRESSOR]);
  const rows = compareCounters(run.counters, report, COMPRESSOR, pages, kind === 'dedup');
  const text = formatRows(
    `${kind} kernel, ${COMPRESSOR}: ${pages.swapped} of ${pages.before} captured pages went out, ${pages.resident} stayed resident, guest ${(run.durationMs / 1000).toFixed(0)} s`,
    rows,
  );
  console.log(text);
  assert.ok(pages.swapped > 1000, `only ${pages.swapped} pages went out:\n${text}`);
  assert.deepEqual(rows.filter((r) => r.kernel !== r.analyzer).map((r) => `${r.quantity}: kernel ${r.kernel}, analyzer ${r.analyzer}`), [], `kernel and analyzer differ:\n${text}`);
}

it('redis primary + replica on the stock 6.12 kernel: zswap counters equal the analyzer on the pages that went out', () => check('stock'));
it('redis primary + replica on the dedup series (zswap.dedup=1): zswap and dedup counters equal the analyzer', () => check('dedup'));
