/**
 * The QEMU runner's swap disks (test-kernel/lib/guest.ts, used by every guest
 * test): a disk of 2 GiB or more has exactly the size asked for.  The runner
 * used `mib << 20`, a 32-bit shift: 2048 MiB threw, and the million-object
 * run's 4160 MiB disk silently became 64 MiB.  Sparse files, so cheap here.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwapDisk, MAX_SWAP_MIB, writeSwapHeader } from '../test-kernel/lib/guest.js';

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

function firstPage(path: string): Buffer {
  const b = Buffer.alloc(4096);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, b.length, 0);
  } finally {
    closeSync(fd);
  }
  return b;
}

it('the swap signature written on the host says what mkswap (util-linux) writes: version, last page, no bad pages, SWAPSPACE2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-swapdisk-'));
  try {
    for (const mib of [64, 4160]) {
      const ours = join(dir, `ours-${mib}.img`);
      const theirs = join(dir, `mkswap-${mib}.img`);
      createSwapDisk(ours, mib);
      writeSwapHeader(ours, mib);
      createSwapDisk(theirs, mib);
      execFileSync('mkswap', ['-p', '4096', theirs], { stdio: 'ignore' });
      const a = firstPage(ours);
      const b = firstPage(theirs);
      // version, last_page, nr_badpages (union swap_header, include/linux/swap.h); the uuid differs
      assert.deepEqual(a.subarray(1024, 1036), b.subarray(1024, 1036), `${mib} MiB: header fields`);
      assert.equal(a.readUInt32LE(1028), mib * 256 - 1, `${mib} MiB: last page`);
      assert.equal(a.subarray(4086).toString('latin1'), b.subarray(4086).toString('latin1'), `${mib} MiB: magic`);
      assert.equal(statSync(ours).size, mib * 1024 * 1024, `${mib} MiB: size kept`);
      rmSync(ours);
      rmSync(theirs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
