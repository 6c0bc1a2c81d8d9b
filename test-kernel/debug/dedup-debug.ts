/**
 * The dedup integrity run (kernel/dedup/integrity.sh, all five phases) on a
 * debug build of the dedup kernel, on the SMP guest (GUEST_CPUS vCPUs, full
 * preemption), booted with panic_on_warn=1:
 *
 * - kasan: generic KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP,
 *   DEBUG_VM, DEBUG_LIST (kernel/config/dedup-debug.config).  The console and
 *   the kernel log must hold no KASAN report, no BUG, no WARNING, no lockdep
 *   splat, and KASAN must have been on.
 * - kcsan: KCSAN with lockdep (kernel/config/dedup-kcsan.config).  KCSAN
 *   reports data races anywhere in the kernel; 6.12 has some of its own
 *   (vmstat, scheduler, and zswap's plain u64 statistics such as
 *   zswap_reject_compress_fail, which the series leaves as they are).  Every
 *   report is listed with the functions it names; none may name a function
 *   of the dedup series (or come from a line it added), and nothing else may
 *   be reported (no BUG other than KCSAN's, no WARNING, no lockdep splat).
 *
 * In both, lockdep must still be active at the end (/proc/lockdep_stats
 * "debug_locks: 1": lockdep turns itself off after its first report).
 *
 * Not a *.test.* file: `npm run test:kernel` (and so CI) does not run it, the
 * debug builds alone take 20-40 minutes each.  Run it with
 * kernel/run-debug-integrity.sh [kasan|kcsan|all] (builds the kernels first).
 * Kinds: $ZSWAP_DEDUP_DEBUG_KINDS (default kasan,kcsan); compressors:
 * $ZSWAP_DEDUP_DEBUG_COMPRESSORS (default lz4); phase size:
 * $ZSWAP_DEDUP_DEBUG_ARGS ("PAGES CYCLES PROCS", default 1024 3 3).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureInitramfs, GUEST_CPUS } from '../lib/guest.js';
import { ensureDebugKernel, ensureDedupTools } from '../lib/dedup.js';
import { checkIntegrity, runIntegrity } from '../lib/dedup-integrity.js';

const KINDS = (process.env.ZSWAP_DEDUP_DEBUG_KINDS || 'kasan,kcsan').split(',').filter(Boolean) as ('kasan' | 'kcsan')[];
const COMPRESSORS = (process.env.ZSWAP_DEDUP_DEBUG_COMPRESSORS || 'lz4').split(',').filter(Boolean);
const SPLAT = /BUG: |KASAN|WARNING: |possible circular locking|inconsistent lock state|possible recursive locking|sleeping function called from invalid context|INFO: lockdep|Kernel panic|list_(add|del) corruption|refcount_t: /;
/**
 * functions the dedup series adds (mm/zswap.c, mm/memcontrol.c); reports that name only stock
 * functions are listed for review: a static function of the series may be inlined into its
 * stock caller, so the summary prints every report that names a zswap function at all
 */
const SERIES = /zswap_obj_|zswap_dedup_|zswap_entry_(release|new|shared|handle|obj)\b|__zswap_entry_free|obj_cgroup_uncharge_zswap_bytes/;

interface RaceReport {
  title: string;
  functions: string[];
  text: string[];
}

/** KCSAN reports: "BUG: KCSAN: data-race in a / b" up to the closing line of '=' */
function kcsanReports(lines: string[]): RaceReport[] {
  const reports: RaceReport[] = [];
  let current: RaceReport | null = null;
  for (const line of lines) {
    const m = /BUG: KCSAN: (.*)$/.exec(line);
    if (m) {
      current = { title: m[1], functions: [], text: [line] };
      reports.push(current);
      continue;
    }
    if (!current) continue;
    if (/^={20,}/.test(line.trim())) { current = null; continue; }
    current.text.push(line);
    const f = /^\s*([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/.exec(line);
    if (f) current.functions.push(f[1]);
  }
  return reports;
}

describe('dedup kernel debug builds: integrity runs clean on SMP', { concurrency: 1 }, () => {
  let initrd = '';
  let tools = '';

  before(async () => {
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
  });

  for (const kind of KINDS) {
    for (const compressor of COMPRESSORS) {
      it(`integrity under ${kind === 'kasan' ? 'KASAN + lockdep' : 'KCSAN + lockdep'} / ${compressor} / ${GUEST_CPUS} vCPUs`, async () => {
        const kernel = await ensureDebugKernel(kind);
        const r = await runIntegrity(kernel, initrd, tools, compressor, {
          // pci=noacpi: PCI interrupt routing without evaluating the ACPI _PRT
          // method, whose AML loop hit ACPICA's 30 s loop timeout under the
          // sanitizers + TCG on a loaded host, leaving virtio without IRQs
          append: ['panic_on_warn=1', 'pci=noacpi'],
          args: process.env.ZSWAP_DEDUP_DEBUG_ARGS ?? '1024 3 3',
          timeoutMs: 5_400_000,
          // the whole kernel log: the console (loglevel=4) shows only errors,
          // lockdep and KCSAN reports are warnings
          after: 'grep -E "debug_locks|lock-classes|direct dependencies" /proc/lockdep_stats | sed "s/^ */lockdep /" >>/out/result.txt\ndmesg | sed "s/^/dmesg /" >>/out/result.txt',
        });
        const dmesg = r.text.split('\n').filter((l) => l.startsWith('dmesg ')).map((l) => l.slice(6));
        const lockdep = r.text.split('\n').filter((l) => l.startsWith('lockdep '));
        const log = [...r.console.split('\n'), ...dmesg];
        let summary = `${checkIntegrity(`${compressor} (${kind}+lockdep)`, r)} (guest ${r.seconds.toFixed(0)} s)\n${lockdep.join('\n')}`;
        if (kind === 'kasan') {
          const splats = log.filter((l) => SPLAT.test(l) && !/KernelAddressSanitizer initialized/.test(l));
          summary += `\nkernel log: ${dmesg.length} lines; console and log lines matching a splat: ${splats.length}`;
          console.log(summary);
          assert.deepEqual(splats, [], `debug kernel reported problems:\n${splats.join('\n')}\n--- console ---\n${r.console}`);
          assert.ok(dmesg.some((l) => /KernelAddressSanitizer initialized/.test(l)), `KASAN is on:\n${dmesg.slice(0, 40).join('\n')}`);
        } else {
          // the kernel log holds every report (the console may repeat some)
          const reports = kcsanReports(dmesg);
          const byTitle = new Map<string, number>();
          for (const rep of reports) byTitle.set(rep.title, (byTitle.get(rep.title) ?? 0) + 1);
          const ours = reports.filter((rep) => rep.functions.some((f) => SERIES.test(f)));
          const other = dmesg.filter((l) => SPLAT.test(l) && !/BUG: KCSAN: /.test(l));
          const zswap = reports.filter((rep) => rep.functions.some((f) => /zswap|zpool|zs_/.test(f)));
          summary += `\nKCSAN: ${reports.length} reports, ${byTitle.size} distinct, ${ours.length} naming a function of the series`
            + `${[...byTitle].map(([t, n]) => `\n  ${n} × ${t}`).join('')}`
            + `${zswap.length ? `\nreports naming zswap, for review:\n${zswap.map((rep) => rep.text.join('\n')).join('\n--\n')}` : ''}`;
          console.log(summary);
          assert.ok(dmesg.some((l) => /kcsan: (enabled early|selftest: \d+\/\d+ tests passed)/.test(l)), `KCSAN is on:\n${dmesg.filter((l) => /kcsan/i.test(l)).join('\n')}`);
          assert.deepEqual(ours.map((rep) => rep.text.join('\n')), [], 'KCSAN reports in the series\' code');
          assert.deepEqual(other, [], `debug kernel reported problems besides KCSAN's:\n${other.join('\n')}`);
        }
        assert.ok(lockdep.some((l) => /debug_locks:\s+1/.test(l)), `lockdep still active at the end:\n${lockdep.join('\n')}`);
      });
    }
  }
});
