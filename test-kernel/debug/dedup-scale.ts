/**
 * The cost of a dedup index lookup as the index grows to a million objects
 * (kernel/dedup/dedup-scale.c in the guest, on the dedup kernel with its
 * CONFIG_ZSWAP_DEDUP_DEBUG timing): 1 GiB guest, lz4, dedup on; a region of
 * $ZSWAP_DEDUP_SCALE_PAGES pages (default 1048576 + 8192) filled with distinct
 * tiny pages and paged out chunk by chunk, lookups of misses and hits
 * measured at each checkpoint (minimum and median over 8 sub-batches: a mean
 * on a shared host is mostly host preemption), with the slab memory per
 * object.  Prints a table for the cover letter; asserts only that every page
 * stored became an object of its own and that nearly all were stored.
 *
 * Not a *.test.* file: `npm run test:kernel` (and so CI) does not run it
 * (about a million zswap stores under TCG).  Run it with
 * kernel/run-dedup-scale.sh.
 */
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { ensureInitramfs, runJob } from '../lib/guest.js';
import { dedupBootParams, ensureDedupKernel, ensureDedupTools } from '../lib/dedup.js';
import { checkScale, parseScale, scaleTable } from '../lib/dedup-scale.js';

const TOTAL = Number(process.env.ZSWAP_DEDUP_SCALE_PAGES || 1048576 + 8192);
const CHECKPOINTS = [1024, 16384, 131072, 1048576].filter((c) => c <= TOTAL);

describe('dedup index lookup cost up to a million objects', () => {
  let kernel = '';
  let initrd = '';
  let tools = '';

  before(async () => {
    kernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    tools = await ensureDedupTools();
  });

  it(`lookups at ${CHECKPOINTS.join(', ')} objects / lz4`, async () => {
    const run = await runJob({
      kernel,
      initrd,
      memoryMiB: 1024,
      append: dedupBootParams('lz4', true),
      swapMiB: Math.ceil((TOTAL + 16384) * 4096 / (1 << 20)),
      files: { 'dedup-scale': join(tools, 'dedup-scale') },
      script: `mkswap /dev/vda >/dev/null && swapon /dev/vda || exit 1\n/job/dedup-scale ${TOTAL} ${CHECKPOINTS.join(' ')} >/out/scale.txt || exit 1\ngrep -E '^(MemTotal|Slab|SUnreclaim|Zswap|Zswapped):' /proc/meminfo >>/out/scale.txt\n`,
      timeoutMs: 7_200_000,
    });
    const text = run.outputs['scale.txt']?.toString() ?? '';
    console.log(`guest ${(run.durationMs / 1000).toFixed(0)} s, host load ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n${text}`);
    const result = parseScale(text);
    console.log(scaleTable(result));
    checkScale(result, TOTAL, CHECKPOINTS);
  });
});
