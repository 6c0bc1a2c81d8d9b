/**
 * The dedup integrity run (kernel/dedup/integrity.sh, all five phases) on the
 * debug build of the dedup kernel: KASAN (generic), lockdep (PROVE_LOCKING),
 * DEBUG_ATOMIC_SLEEP, DEBUG_VM, DEBUG_LIST (kernel/config/dedup-debug.config),
 * booted with panic_on_warn=1.  Besides the integrity checks, the console must
 * hold no KASAN report, no BUG, no WARNING, no lockdep splat, and lockdep must
 * still be active at the end (/proc/lockdep_stats "debug_locks: 1": lockdep
 * turns itself off after its first report).
 *
 * Not a *.test.* file: `npm run test:kernel` (and so CI) does not run it, the
 * debug build alone takes 20-40 minutes.  Run it with
 * kernel/run-debug-integrity.sh (builds the debug kernel first).
 * Compressors: $ZSWAP_DEDUP_KASAN_COMPRESSORS (default lz4).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureInitramfs } from '../lib/guest.js';
import { ensureDebugKernel, ensureDedupTools } from '../lib/dedup.js';
import { checkIntegrity, runIntegrity } from '../lib/dedup-integrity.js';

const COMPRESSORS = (process.env.ZSWAP_DEDUP_KASAN_COMPRESSORS || 'lz4').split(',').filter(Boolean);
const SPLAT = /BUG: |KASAN|WARNING: |possible circular locking|inconsistent lock state|possible recursive locking|sleeping function called from invalid context|INFO: lockdep|Kernel panic|list_(add|del) corruption|refcount_t: /;

describe('dedup kernel with KASAN and lockdep: integrity run clean', { concurrency: 1 }, () => {
  let kernel = '';
  let initrd = '';
  let tools = '';

  before(async () => {
    kernel = await ensureDebugKernel();
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
  });

  for (const compressor of COMPRESSORS) {
    it(`integrity under KASAN + lockdep / ${compressor}`, async () => {
      const r = await runIntegrity(kernel, initrd, tools, compressor, {
        // pci=noacpi: PCI interrupt routing without evaluating the ACPI _PRT
        // method, whose AML loop hit ACPICA's 30 s loop timeout under
        // KASAN + lockdep + TCG on a loaded host, leaving virtio without IRQs
        append: ['panic_on_warn=1', 'pci=noacpi'],
        args: process.env.ZSWAP_DEDUP_KASAN_ARGS ?? '1024 3 3',
        timeoutMs: 3_600_000,
        // the whole kernel log: the console (loglevel=4) shows only errors,
        // lockdep reports are warnings
        after: 'grep -E "debug_locks|lock-classes|direct dependencies" /proc/lockdep_stats | sed "s/^ */lockdep /" >>/out/result.txt\ndmesg | sed "s/^/dmesg /" >>/out/result.txt',
      });
      const dmesg = r.text.split('\n').filter((l) => l.startsWith('dmesg ')).map((l) => l.slice(6));
      const splats = [...r.console.split('\n'), ...dmesg].filter((l) => SPLAT.test(l) && !/KernelAddressSanitizer initialized/.test(l));
      const lockdep = r.text.split('\n').filter((l) => l.startsWith('lockdep '));
      console.log(`${checkIntegrity(`${compressor} (KASAN+lockdep)`, r)} (guest ${r.seconds.toFixed(0)} s)\n${lockdep.join('\n')}\n`
        + `kernel log: ${dmesg.length} lines, ${dmesg.filter((l) => /KernelAddressSanitizer initialized|lockdep: /.test(l)).join(' | ')}; console and log lines matching a splat: ${splats.length}`);
      assert.deepEqual(splats, [], `debug kernel reported problems:\n${splats.join('\n')}\n--- console ---\n${r.console}`);
      assert.ok(lockdep.some((l) => /debug_locks:\s+1/.test(l)), `lockdep still active at the end:\n${lockdep.join('\n')}`);
      assert.ok(dmesg.some((l) => /KernelAddressSanitizer initialized/.test(l)), `KASAN is on:\n${dmesg.slice(0, 40).join('\n')}`);
    });
  }
});
