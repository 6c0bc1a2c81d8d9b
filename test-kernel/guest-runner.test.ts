/**
 * The QEMU runner's hooks that later kernel tests build on (captures through
 * /proc/kcore, dump-guest-memory): a read-only 9p share, a writable one, the
 * console as a two-way channel (the guest waits for the host), QMP, and
 * VMCOREINFO handed to QEMU through `-device vmcoreinfo` (fw_cfg); and the
 * guest config others rely on: SMP with every vCPU online, full preemption,
 * idle page tracking and soft-dirty; and a swap disk over 4 GiB, whole.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInitramfs, ensureKernel, GUEST_CPUS, Qmp, runJob } from './lib/guest.js';

const BIG_SWAP_MIB = 4160;
let kernel = '';
let initrd = '';
before(async () => {
  kernel = await ensureKernel();
  initrd = await ensureInitramfs();
});

it('guest runner: 9p shares, console handshake, QMP, vmcoreinfo', async () => {
  const sockDir = mkdtempSync(join(tmpdir(), 'zswap-dedup-qmp-'));
  const qmpSocket = join(sockDir, 'qmp.sock');
  const fromHost: Record<string, unknown> = {};
  try {
    const run = await runJob({
      kernel,
      initrd,
      qmpSocket,
      // more than 4 GiB: the runner's disk size once wrapped around at 32 bits (4160 MiB -> 64 MiB)
      swapMiB: BIG_SWAP_MIB,
      files: { 'hello.txt': Buffer.from('from the host\n') },
      script: [
        'cat /job/hello.txt >/out/hello.txt',
        'if touch /job/new 2>/dev/null; then echo writable >/out/job-share; else echo read-only >/out/job-share; fi',
        // etc/vmcoreinfo = {u16 host_format, u16 guest_format, u32 size, u64 paddr}, written by the guest kernel
        'raw=/sys/firmware/qemu_fw_cfg/by_name/etc/vmcoreinfo/raw',
        'od -An -tu2 -j2 -N2 $raw >/out/vmcoreinfo-format',
        'od -An -tu4 -j4 -N4 $raw >/out/vmcoreinfo-size',
        'uname -r >/out/release',
        'cat /sys/block/vda/size >/out/vda-sectors',
        'mkswap /dev/vda >/dev/null && swapon /dev/vda && grep "^/dev/vda " /proc/swaps >/out/swaps; swapoff /dev/vda',
        // SMP with the runner's vCPUs, preemption chosen at boot (PREEMPT_DYNAMIC)
        'cat /sys/devices/system/cpu/online >/out/cpus-online',
        'uname -v >/out/version',
        "dmesg | grep -o 'Dynamic Preempt: .*' >/out/preempt",
        // idle page tracking: the bitmap reads (8 bytes = 64 PFNs)
        'dd if=/sys/kernel/mm/page_idle/bitmap bs=8 count=1 2>/dev/null | wc -c >/out/idle-bytes',
        // soft-dirty: the first mapping of a fresh process reads soft-dirty (pagemap bit 55);
        // clear_refs 4 clears it, and a page nobody writes stays clean
        "sd() { dd if=/proc/$1/pagemap bs=8 skip=$((0x$(head -n1 /proc/$1/maps | cut -d- -f1) / 4096)) count=1 2>/dev/null | od -An -tx1 | tr -d ' '; }",
        'sh -c \'sleep 2\' & p=$!; sleep 1',
        'sd $p >/out/pagemap-before',
        'echo 4 >/proc/$p/clear_refs',
        'sd $p >/out/pagemap-after',
        'wait $p',
        'echo "@@ waiting for host"',
        'read -r reply',
        'echo "$reply" >/out/reply',
        '',
      ].join('\n'),
      onConsoleLine: (line, guest) => {
        if (line !== '@@ waiting for host') return;
        void (async () => {
          const qmp = await Qmp.connect(qmpSocket);
          fromHost.status = await qmp.execute('query-status');
          fromHost.dump = await qmp.execute('query-dump-guest-memory-capability');
          qmp.close();
          guest.send('go from host\n');
        })().catch((e: Error) => {
          fromHost.error = e.message;
          guest.send('qmp failed\n');
        });
      },
      timeoutMs: 120_000,
    });
    const out = (name: string): string => run.outputs[name]?.toString().trim() ?? '';
    console.log(`guest runner: ${out('release')}, boot+job ${(run.durationMs / 1000).toFixed(1)} s, QMP status ${JSON.stringify(fromHost.status)}, dump formats ${JSON.stringify(fromHost.dump)}`);
    assert.equal(fromHost.error, undefined);
    assert.equal(out('hello.txt'), 'from the host');
    assert.equal(out('job-share'), 'read-only');
    assert.match(out('release'), /^6\.12\./);
    assert.equal(Number(out('vda-sectors')), BIG_SWAP_MIB * 2048, 'the guest sees the whole swap disk');
    // /proc/swaps: Filename Type Size(KiB) Used Priority; the size leaves out the header page
    assert.equal(Number(out('swaps').split(/\s+/)[2]), BIG_SWAP_MIB * 1024 - 4, `/proc/swaps: ${out('swaps')}`);
    assert.equal(out('vmcoreinfo-format'), '1', 'the guest kernel gave QEMU its VMCOREINFO note (ELF format)');
    assert.ok(Number(out('vmcoreinfo-size')) > 0, 'VMCOREINFO note size');
    assert.equal(out('reply'), 'go from host');
    assert.equal(out('cpus-online'), GUEST_CPUS === 1 ? '0' : `0-${GUEST_CPUS - 1}`, 'every vCPU online');
    assert.match(out('version'), /\bSMP PREEMPT_DYNAMIC\b/, `uname -v: ${out('version')}`);
    assert.equal(out('preempt'), 'Dynamic Preempt: full', 'full preemption, chosen at boot');
    assert.equal(out('idle-bytes'), '8', '/sys/kernel/mm/page_idle/bitmap reads');
    // pagemap entries are little-endian u64: bit 55 (soft-dirty) is bit 7 of byte 6
    const softDirty = (hex: string): boolean => (parseInt(hex.slice(12, 14), 16) & 0x80) !== 0;
    assert.match(out('pagemap-before'), /^[0-9a-f]{16}$/);
    assert.equal(softDirty(out('pagemap-before')), true, `soft-dirty before clear_refs: ${out('pagemap-before')}`);
    assert.equal(softDirty(out('pagemap-after')), false, `soft-dirty after clear_refs: ${out('pagemap-after')}`);
    assert.equal((fromHost.status as { status?: string }).status, 'running');
    const formats = ((fromHost.dump as { formats?: string[] }).formats ?? []);
    assert.ok(formats.includes('elf') && formats.includes('kdump-zlib'), `dump formats: ${formats.join(',')}`);
  } finally {
    rmSync(sockDir, { recursive: true, force: true });
  }
});
