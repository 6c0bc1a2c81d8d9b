/**
 * Idle ages recorded inside a Linux 6.12 guest (this machine's host kernel has neither idle page
 * tracking nor soft-dirty).
 *
 * One guest (stock kernel with CONFIG_IDLE_PAGE_TRACKING and CONFIG_MEM_SOFT_DIRTY, QEMU TCG, no
 * swap) with the host root shared read-only: test/workloads/idle.py keeps writing its HOT pages
 * and reading its READ pages and leaves its COLD pages alone, while `zswap-dedup capture
 * --interval 2 --samples 4` records it (kernel/guest/idle-capture-job.sh), once with
 * `--idle page_idle` and once with `--idle soft_dirty`. Read back through the project's timeline
 * reader, at every sample after the first:
 *   - every HOT page has idle age 0 (with both methods);
 *   - every COLD page is idle since the first sample: its age is the sample's time (both);
 *   - READ pages: age 0 with page_idle (a read is an access), idle since the first sample with
 *     soft_dirty (reads are invisible to it: the write-only fallback);
 *   - at the first sample every age is unknown (nothing was marked before it).
 * The file and the CLI name the method. About a minute with the kernel cached.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { openTimeline } from '../src/timeline/open-timeline.js';
import { EventBatch, IDLE_UNKNOWN, PAGE_EVENT } from '../src/timeline/timeline.js';
import { CHROOT_SHARES, ensureInitramfs, ensureKernel, REPO_ROOT, runJob, tail, type JobResult } from './lib/guest.js';

const PAGES = 48;
let kernel = '';
let initrd = '';
let dir = '';
let job: JobResult;

before(async () => {
  kernel = await ensureKernel();
  initrd = await ensureInitramfs();
  dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-idle-'));
  job = await runJob({
    kernel,
    initrd,
    memoryMiB: 256,
    swapMiB: 0,
    files: { 'idle-capture-job.sh': join(REPO_ROOT, 'kernel', 'guest', 'idle-capture-job.sh') },
    extraShares: CHROOT_SHARES,
    script: 'sh /job/idle-capture-job.sh\n',
    timeoutMs: 420_000,
  });
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Kind = 'HOTPAGE' | 'READPGE' | 'COLDPGE';

interface Observed {
  time: number;
  /** idle ages of the workload's pages, by kind */
  ages: Record<Kind, number[]>;
}

/** the kind of a workload page: its 16-byte marker over the whole page (HOT pages: but for a counter in the last 8 bytes) */
function markedKind(page: Buffer): Kind | null {
  const kind = page.toString('latin1', 0, 7);
  if (kind !== 'HOTPAGE' && kind !== 'READPGE' && kind !== 'COLDPGE') return null;
  const marker = page.subarray(0, 16);
  const end = kind === 'HOTPAGE' ? PAGE_SIZE - 16 : PAGE_SIZE;
  for (let at = 16; at < end; at += 16) if (!page.subarray(at, at + 16).equals(marker)) return null;
  return kind;
}

/** Per sample, the idle age of every marked page, each page known by the content its key last carried. */
function readRecording(file: string): { method: string; samples: Observed[] } {
  const t = openTimeline([file], 'auto');
  try {
    const kindOf = new Map<number, Kind>();
    const batch = new EventBatch();
    const samples: Observed[] = [];
    for (let s = t.nextSample(); s; s = t.nextSample()) {
      for (let n = t.read(batch); n > 0; n = t.read(batch)) {
        for (let i = 0; i < n; i++) {
          const key = batch.key[i];
          if (batch.event[i] === PAGE_EVENT.GONE) kindOf.delete(key);
          if (batch.event[i] !== PAGE_EVENT.APPEAR && batch.event[i] !== PAGE_EVENT.CHANGE) continue;
          const kind = markedKind(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
          if (kind) kindOf.set(key, kind);
          else kindOf.delete(key);
        }
      }
      const ages = t.idleAges();
      const obs: Observed = { time: s.time, ages: { HOTPAGE: [], READPGE: [], COLDPGE: [] } };
      for (const [key, kind] of kindOf) obs.ages[kind].push(ages[key]);
      samples.push(obs);
    }
    return { method: t.inputs[0].idleMethod, samples };
  } finally {
    t.close();
  }
}

function recording(method: string): { method: string; samples: Observed[] } {
  const name = `idle-${method}.zsdc`;
  const data = job.outputs[name];
  assert.ok(data, `the guest left no ${name}\n--- last console lines ---\n${tail(job.console, 60)}`);
  const file = join(dir, name);
  writeFileSync(file, data);
  return readRecording(file);
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-3;

for (const method of ['page_idle', 'soft_dirty'] as const) {
  it(`--idle ${method}: pages kept in use are never idle, pages left alone are idle since the first sample`, () => {
    const stderr = job.outputs[`idle-${method}.stderr`]?.toString() ?? '';
    assert.match(stderr, new RegExp(`recorded 4 samples 2 s apart; idle ages by ${method === 'page_idle' ? 'idle page tracking' : 'soft-dirty bits'}`), stderr);
    const r = recording(method);
    assert.equal(r.method, method, 'the file says which method');
    assert.equal(r.samples.length, 4);
    for (const kind of ['HOTPAGE', 'READPGE', 'COLDPGE'] as const) assert.equal(r.samples[0].ages[kind].length, PAGES, `${kind} pages recorded`);
    assert.ok(Object.values(r.samples[0].ages).flat().every((a) => a === IDLE_UNKNOWN), 'nothing known at the first sample');
    const report: string[] = [];
    for (const s of r.samples.slice(1)) {
      const { HOTPAGE: hot, READPGE: readPages, COLDPGE: cold } = s.ages;
      report.push(`t=${s.time.toFixed(2)} hot ${JSON.stringify([...new Set(hot)])} read ${JSON.stringify([...new Set(readPages)])} cold ${JSON.stringify([...new Set(cold)])}`);
      assert.equal(hot.length, PAGES);
      assert.ok(hot.every((a) => a === 0), `written pages are never idle (t=${s.time}): ${JSON.stringify(hot)}`);
      assert.ok(cold.every((a) => close(a, s.time)), `untouched pages are idle since sample 0 (t=${s.time}): ${JSON.stringify(cold)}`);
      if (method === 'page_idle') assert.ok(readPages.every((a) => a === 0), `read pages are accessed (t=${s.time}): ${JSON.stringify(readPages)}`);
      else assert.ok(readPages.every((a) => close(a, s.time)), `soft-dirty does not see reads (t=${s.time}): ${JSON.stringify(readPages)}`);
    }
    console.log(`--idle ${method}:\n  ${report.join('\n  ')}`);
  });
}
