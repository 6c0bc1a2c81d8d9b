/**
 * The dedup series is checkpatch-clean: scripts/checkpatch.pl --strict from
 * the linux-source-6.12 the series applies to (kernel/checkpatch.sh) reports
 * no error, warning or check on any patch of kernel/patches/, the cover
 * letter included.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/guest.js';

it('checkpatch --strict: every patch of the series clean', () => {
  const patches = readdirSync(join(REPO_ROOT, 'kernel', 'patches')).filter((f) => f.endsWith('.patch')).sort();
  assert.ok(patches.length >= 2, `patches: ${patches.join(' ')}`);
  const r = spawnSync(join(REPO_ROOT, 'kernel', 'checkpatch.sh'), [], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.error, undefined);
  const summaries = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+\.patch): (total: .*)$/.exec(line);
    if (m) summaries.set(m[1], m[2]);
  }
  for (const p of patches) {
    assert.match(summaries.get(p) ?? 'not checked', /^total: 0 errors, 0 warnings, 0 checks, /, `${p}:\n${r.stdout}\n${r.stderr}`);
  }
  assert.equal(r.status, 0, `kernel/checkpatch.sh exit ${r.status}:\n${r.stdout}\n${r.stderr}`);
});
