/**
 * The QEMU runner's swap disks (test-kernel/lib/guest.ts, used by every guest
 * test): a disk of 2 GiB or more has exactly the size asked for.  The runner
 * used `mib << 20`, a 32-bit shift: 2048 MiB threw, and the million-object
 * run's 4160 MiB disk silently became 64 MiB.  Sparse files, so cheap here.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwapDisk, MAX_SWAP_MIB } from '../test-kernel/lib/guest.js';

it('swap disks of 64 MiB, 2 GiB, 4 GiB and 4160 MiB have exactly that size, sparse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-swapdisk-'));
  try {
    for (const mib of [64, 2047, 2048, 4096, 4160]) {
      const disk = join(dir, `swap-${mib}.img`);
      createSwapDisk(disk, mib);
      const st = statSync(disk);
      assert.equal(st.size, mib * 1024 * 1024, `${mib} MiB`);
      assert.ok(st.blocks * 512 < 1 << 20, `${mib} MiB disk is sparse (${st.blocks} blocks)`);
      rmSync(disk);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('swap disk sizes that are not a whole number of MiB from 1 to the maximum are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-swapdisk-'));
  try {
    for (const mib of [0, -1, 1.5, Number.NaN, MAX_SWAP_MIB + 1]) {
      assert.throws(() => createSwapDisk(join(dir, 'bad.img'), mib), /swap disk of .* MiB: want an integer/, String(mib));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
