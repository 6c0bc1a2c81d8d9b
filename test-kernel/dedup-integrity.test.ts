/**
 * Integrity of the dedup kernel: kernel/dedup/integrity.sh in the guest, for
 * $ZSWAP_DEDUP_INTEGRITY_COMPRESSORS (default lz4,zstd).  Several processes
 * whose pages are full of duplicates swap out and back in over several
 * cycles, every page is checked every time, in five phases: global scope,
 * forced hash collisions, writeback forced by memory.zswap.max, memcg scope
 * over two cgroups, and dedup toggled on and off during the run.  After each
 * phase zswap must be empty again (no leaked entry or object), and the phases
 * must really have exercised what they are for: hits, collisions told apart,
 * writebacks.
 */
import { before, describe, it } from 'node:test';
import { ensureInitramfs } from './lib/guest.js';
import { ensureDedupKernel, ensureDedupTools } from './lib/dedup.js';
import { checkIntegrity, runIntegrity } from './lib/dedup-integrity.js';

const COMPRESSORS = (process.env.ZSWAP_DEDUP_INTEGRITY_COMPRESSORS || 'lz4,zstd').split(',').filter(Boolean);

describe('dedup kernel: integrity under duplicates, collisions, writeback, scopes', { concurrency: 2 }, () => {
  let kernel = '';
  let initrd = '';
  let tools = '';

  before(async () => {
    kernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
  });

  for (const compressor of COMPRESSORS) {
    it(`integrity / ${compressor}`, async () => {
      const r = await runIntegrity(kernel, initrd, tools, compressor);
      console.log(`${checkIntegrity(compressor, r)} (guest ${r.seconds.toFixed(0)} s)`);
    });
  }
});
