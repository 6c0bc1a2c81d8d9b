/**
 * The dedup integrity run (kernel/dedup/integrity.sh) as a guest job, and the
 * assertions every run must meet; used by dedup-integrity.test.ts and by the
 * KASAN + lockdep run (kasan/dedup-kasan.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, runJob } from './guest.js';
import { dedupBootParams, parseKeyValues } from './dedup.js';

export const PHASES = ['global', 'collide', 'writeback', 'memcg', 'toggle'];

/** Run integrity.sh as the guest job; returns its key/value output and the console. */
export async function runIntegrity(kernel: string, initrd: string, tools: string, compressor: string, opts: { append?: string[]; args?: string; timeoutMs?: number; after?: string } = {}): Promise<{ v: Map<string, string>; text: string; console: string; seconds: number }> {
  const run = await runJob({
    kernel,
    initrd,
    memoryMiB: 512,
    append: [...dedupBootParams(compressor, true), ...(opts.append ?? [])],
    swapMiB: 128,
    files: {
      'dedup-integrity': join(tools, 'dedup-integrity'),
      'integrity.sh': join(REPO_ROOT, 'kernel', 'dedup', 'integrity.sh'),
    },
    script: `sh /job/integrity.sh /job ${opts.args ?? ''} >/out/result.txt 2>&1\necho "integrity.rc $?" >>/out/result.txt\n${opts.after ?? ''}\n`,
    timeoutMs: opts.timeoutMs ?? 900_000,
  });
  const text = run.outputs['result.txt']?.toString() ?? '';
  return { v: parseKeyValues(text), text, console: run.console, seconds: run.durationMs / 1000 };
}

/** The assertions every integrity run must meet; returns a one-line summary. */
export function checkIntegrity(label: string, r: { v: Map<string, string>; text: string }): string {
  const { v, text } = r;
  const n = (k: string): number => {
    const x = v.get(k);
    assert.ok(x !== undefined && /^-?\d+$/.test(x), `${label}: no ${k} in the output:\n${text}`);
    return Number(x);
  };
  const bad = text.split('\n').filter((l) => / BAD |FAILED/.test(l));
  assert.equal(v.get('integrity.rc'), '0', `${label}: integrity.sh exited with ${v.get('integrity.rc')}:\n${text}`);
  assert.deepEqual(bad, [], `${label}: integrity failures:\n${text}`);
  for (const p of PHASES) {
    assert.equal(v.get(`${p}.result`), 'PASSED', `${label}: phase ${p}:\n${text}`);
    for (const c of ['stored_pages', 'pool_total_size', 'dedup_objects', 'dedup_saved_bytes']) {
      assert.equal(n(`${p}.after.${c}`), 0, `${label}: ${c} after phase ${p} (a leak)`);
    }
  }
  // each phase exercised what it is for
  for (const p of PHASES) assert.ok(n(`${p}.dedup_hits`) > 0, `${label}: phase ${p} had no dedup hit`);
  assert.ok(n('collide.dedup_verify_fail') > 0, `${label}: forced collisions were not told apart (dedup_verify_fail 0)`);
  assert.equal(n('global.dedup_verify_fail'), 0, `${label}: xxh64 collision in the global phase?`);
  assert.ok(n('writeback.written_back_pages') > 0 && n('writeback.zswpwb') > 0, `${label}: the writeback phase wrote nothing back`);
  assert.equal(n('final.stored_pages'), 0, `${label}: entries left after swapoff`);
  assert.equal(n('final.dedup_objects'), 0, `${label}: objects left after swapoff`);
  return `${label}: ${PHASES.map((p) => `${p} hits ${n(`${p}.dedup_hits`)}`).join(', ')}; collide verify_fail ${n('collide.dedup_verify_fail')}; writeback ${n('writeback.written_back_pages')} pages; `
    + `checks ${text.split('\n').filter((l) => l.startsWith('log ') && / ok proc=/.test(l)).reduce((s, l) => s + Number(/checks=(\d+)/.exec(l)?.[1] ?? 0), 0)} page comparisons, all equal; zswap empty after every phase and after swapoff`;
}
