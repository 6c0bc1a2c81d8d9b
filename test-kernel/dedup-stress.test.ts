/**
 * stress-ng under memory pressure on the dedup kernel (zswap.dedup=1): the
 * guest mounts the host's root read-only over 9p and runs Debian's stress-ng
 * (installed on the host by kernel/build-dedup-tools.sh) in a chroot, inside a
 * cgroup whose memory.max is far below what the stressors touch, so their
 * pages cycle through zswap all the time:
 *
 *   stress-ng --vm 2 --vm-bytes 32M --vm-keep --vm-method all --verify
 *
 * (every vm method writes a pattern and reads it back: many identical pages).
 * Twice: once with no zswap limit, once with memory.zswap.max=1M on the
 * cgroup so that stores keep writing back the cgroup's entries, shared ones
 * included.  stress-ng must report a successful run (no verification
 * failure), dedup must have been used, the second run must have written back,
 * and zswap must be empty when the stressors are gone.
 * Length: $ZSWAP_DEDUP_STRESS_SECONDS per run (default 45).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureInitramfs, runJob } from './lib/guest.js';
import { dedupBootParams, ensureDedupKernel, ensureDedupTools, parseKeyValues } from './lib/dedup.js';

const SECONDS = Number(process.env.ZSWAP_DEDUP_STRESS_SECONDS || 45);

function script(zswapMax: string): string {
  return `set -u
mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/stress
echo 24M >/sys/fs/cgroup/stress/memory.max
echo ${zswapMax} >/sys/fs/cgroup/stress/memory.zswap.max
for m in proc sys dev tmp; do mount --bind /$m /host/$m || exit 1; done
d=/sys/kernel/debug/zswap
snap() { for f in stored_pages dedup_hits dedup_objects dedup_verify_fail written_back_pages; do echo "$1.$f $(cat $d/$f)"; done; }
snap before >/out/result.txt
# a new shell, so that $$ is the process that joins the cgroup (and then execs stress-ng)
sh -c 'echo $$ >/sys/fs/cgroup/stress/cgroup.procs && cd /tmp && exec chroot /host /usr/bin/stress-ng --vm 2 --vm-bytes 32M --vm-keep --vm-method all --verify --timeout ${SECONDS}s --metrics-brief' >/out/stress.txt 2>&1
echo "stress.rc $?" >>/out/result.txt
snap after >>/out/result.txt
grep -E '^(zswpout|zswpin|zswpwb) ' /sys/fs/cgroup/stress/memory.stat | sed 's/^/memcg./' >>/out/result.txt
`;
}

describe('stress-ng --vm --verify under memory pressure with dedup on', { concurrency: 2 }, () => {
  let kernel = '';
  let initrd = '';

  before(async () => {
    kernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    await ensureDedupTools(); // installs stress-ng on the host
  });

  for (const zswapMax of ['max', '1M']) {
    it(`stress-ng vm, memory.max 24M, memory.zswap.max ${zswapMax}`, async () => {
      const run = await runJob({
        kernel,
        initrd,
        memoryMiB: 512,
        append: dedupBootParams('lz4', true),
        swapMiB: 256,
        extraShares: [{ tag: 'host', hostPath: '/', readonly: true }],
        script: script(zswapMax),
        timeoutMs: (SECONDS * 4 + 240) * 1000,
      });
      const out = run.outputs['stress.txt']?.toString() ?? '';
      const v = parseKeyValues(run.outputs['result.txt']?.toString() ?? '');
      const n = (k: string): number => Number(v.get(k) ?? NaN);
      const d = (k: string): number => n(`after.${k}`) - n(`before.${k}`);
      console.log(`stress-ng, zswap.max ${zswapMax}: rc ${v.get('stress.rc')}, ${out.split('\n').filter((l) => /successful|fail|vm  /.test(l)).join(' | ')}\n`
        + `  zswpout ${n('memcg.zswpout')}, zswpin ${n('memcg.zswpin')}, zswpwb ${n('memcg.zswpwb')}, dedup_hits ${d('dedup_hits')}, dedup_verify_fail ${d('dedup_verify_fail')}, written_back ${d('written_back_pages')}, `
        + `left after: stored_pages ${n('after.stored_pages')}, dedup_objects ${n('after.dedup_objects')} (guest ${(run.durationMs / 1000).toFixed(0)} s)`);
      assert.equal(v.get('stress.rc'), '0', `stress-ng failed:\n${out}`);
      assert.match(out, /successful run completed/, out);
      assert.doesNotMatch(out, /fail(ed|ure)?:\s*[1-9]|verif\w* (error|fail)/i, out);
      assert.ok(n('memcg.zswpout') > 1000 && n('memcg.zswpin') > 1000, 'pages cycled through zswap');
      assert.ok(d('dedup_hits') > 0, 'dedup was used');
      if (zswapMax !== 'max') assert.ok(n('memcg.zswpwb') > 0, 'entries were written back');
      assert.equal(n('after.stored_pages'), 0, 'zswap empty once the stressors are gone');
      assert.equal(n('after.dedup_objects'), 0, 'no object left');
    });
  }
});
