/**
 * Proof against the real kernel: for page sets built from ../shared/corpus plus
 * synthetic zero, near-zero, same-filled and duplicate pages, a Linux 6.12
 * guest (QEMU, TCG) swaps the pages out through zswap and the counter deltas
 * must equal the analyzer's no-dedup prediction exactly:
 *
 *   debugfs stored_pages              = stored_pages
 *   debugfs reject_compress_fail/poor = rejects.compress_fail/poor
 *   debugfs reject_alloc_fail         = rejects.alloc_fail
 *   debugfs pool_total_size           = pool_pages × 4096
 *   vmstat swpout_zero                = pages.zero
 *   vmstat pswpout (disk writes)      = rejected_pages
 *   memory.zswap.current (bytes)      = compressed_bytes
 *
 * and the bookkeeping that makes those deltas mean "exactly the page set":
 * zswap empty before, every region page swapped (pagemap), nothing else of the
 * workload swapped (VmSwap), no writeback, no pool limit.
 *
 * Compressors: $ZSWAP_KERNEL_COMPRESSORS (comma-separated), default all seven
 * (14 guest boots, about 1 min with the kernel cached, two guests at a time).
 * The kernel is built once and cached (kernel/build-kernel.sh); a failed build
 * or boot fails the test with the build log or console tail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInitramfs, ensureKernel } from './lib/guest.js';
import { analyze, measureInGuest, type AnalyzerReport, type Measurement } from './lib/measure.js';
import { edgeSet, loadCorpus, mixSet, PAGE, type PageSet } from './lib/pagesets.js';

const ALL = 'lzo,lzo-rle,lz4,lz4hc,zstd,deflate,842';
const COMPRESSORS = (process.env.ZSWAP_KERNEL_COMPRESSORS || ALL).split(',').filter(Boolean);
const SETS = ['mix', 'edge'] as const;

interface Row {
  quantity: string;
  kernel: number;
  expected: number;
  source: string;
}

function table(title: string, rows: Row[]): string {
  const w = Math.max(...rows.map((r) => r.quantity.length));
  const lines = [title, `  ${'quantity'.padEnd(w)}  ${'kernel'.padStart(10)}  ${'analyzer'.padStart(10)}  source of the expectation`];
  for (const r of rows) {
    const mark = r.kernel === r.expected ? ' ' : '≠';
    lines.push(`${mark} ${r.quantity.padEnd(w)}  ${String(r.kernel).padStart(10)}  ${String(r.expected).padStart(10)}  ${r.source}`);
  }
  return lines.join('\n');
}

/** One line per case for the closing summary: kernel/analyzer for the predicted quantities. */
function summaryLine(name: string, rows: Row[]): string {
  const pick = ['stored_pages', 'reject_compress_fail', 'reject_compress_poor', 'pool_total_size (bytes)', 'zswap bytes (memory.zswap.current)', 'vmstat swpout_zero'];
  const cells = pick.map((q) => {
    const r = rows.find((x) => x.quantity === q)!;
    return `${r.kernel}/${r.expected}`.padStart(18);
  });
  const ok = rows.every((r) => r.kernel === r.expected) ? 'exact' : 'DIFFERS';
  return `${name.padEnd(14)}${cells.join('')}  ${ok}`;
}

const SUMMARY_HEADER = `${'case'.padEnd(14)}${['stored', 'reject_fail', 'reject_poor', 'pool_bytes', 'zswap_bytes', 'zero'].map((h) => h.padStart(18)).join('')}`;

function rowsFor(m: Measurement, report: AnalyzerReport, compressor: string, set: PageSet): Row[] {
  const a = report.results.find((r) => r.compressor === compressor && !r.dedup);
  assert.ok(a, `analyzer report has no no-dedup result for ${compressor}`);
  return [
    // what the analyzer predicts
    { quantity: 'stored_pages', kernel: m.delta('zswap', 'stored_pages'), expected: a.stored_pages, source: 'stored_pages' },
    { quantity: 'reject_compress_fail', kernel: m.delta('zswap', 'reject_compress_fail'), expected: a.rejects.compress_fail, source: 'rejects.compress_fail' },
    { quantity: 'reject_compress_poor', kernel: m.delta('zswap', 'reject_compress_poor'), expected: a.rejects.compress_poor, source: 'rejects.compress_poor' },
    { quantity: 'reject_alloc_fail', kernel: m.delta('zswap', 'reject_alloc_fail'), expected: a.rejects.alloc_fail, source: 'rejects.alloc_fail' },
    { quantity: 'pool_limit_hit', kernel: m.delta('zswap', 'pool_limit_hit'), expected: a.pool_limit_hit, source: 'pool_limit_hit' },
    { quantity: 'pool_total_size (bytes)', kernel: m.delta('zswap', 'pool_total_size'), expected: a.pool_pages * PAGE, source: 'pool_pages × 4096' },
    { quantity: 'zswap bytes (memory.zswap.current)', kernel: m.num('memcg.zswap.current'), expected: a.compressed_bytes, source: 'compressed_bytes' },
    { quantity: 'vmstat zswpout', kernel: m.delta('vmstat', 'zswpout'), expected: a.stored_pages, source: 'stored_pages' },
    { quantity: 'vmstat swpout_zero', kernel: m.delta('vmstat', 'swpout_zero'), expected: report.pages.zero, source: 'pages.zero' },
    { quantity: 'vmstat pswpout (to disk)', kernel: m.delta('vmstat', 'pswpout'), expected: a.rejected_pages, source: 'rejected_pages' },
    // what makes the deltas mean "exactly the page set"
    { quantity: 'zswap stored_pages before', kernel: m.num('before.zswap.stored_pages'), expected: 0, source: 'fresh boot: zswap empty' },
    { quantity: 'zswap pool_total_size before', kernel: m.num('before.zswap.pool_total_size'), expected: 0, source: 'fresh boot: pool empty' },
    { quantity: 'reject_kmemcache_fail', kernel: m.delta('zswap', 'reject_kmemcache_fail'), expected: 0, source: 'no allocation failure' },
    { quantity: 'written_back_pages', kernel: m.delta('zswap', 'written_back_pages'), expected: 0, source: 'no writeback' },
    { quantity: 'region pages swapped (pagemap)', kernel: m.num('pagemap.swapped'), expected: set.pages, source: 'pages.total' },
    { quantity: 'region pages resident (pagemap)', kernel: m.num('pagemap.present'), expected: 0, source: 'all pushed out' },
    { quantity: 'workload VmSwap (kB)', kernel: m.num('proc.VmSwap'), expected: set.pages * 4, source: 'pages.total × 4: nothing else swapped' },
  ];
}

describe('Linux 6.12 zswap in QEMU equals the analyzer (no dedup)', { concurrency: 2 }, () => {
  let kernel = '';
  let initrd = '';
  let dir = '';
  const sets = new Map<string, { set: PageSet; file: string; report: AnalyzerReport }>();
  const summary: string[] = [];

  before(async () => {
    kernel = await ensureKernel();
    initrd = await ensureInitramfs();
    const corpus = loadCorpus();
    dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-pagesets-'));
    for (const set of [mixSet(corpus), edgeSet(corpus)]) {
      const file = join(dir, `${set.name}.raw`);
      writeFileSync(file, set.data);
      sets.set(set.name, { set, file, report: analyze(file, COMPRESSORS) });
      console.log(`page set ${set.name}: ${set.pages} pages (${sets.get(set.name)!.report.pages.zero} zero): ${set.description}`);
    }
  });

  after(() => {
    if (summary.length) console.log(`\nkernel vs analyzer, all cases (kernel/analyzer):\n${SUMMARY_HEADER}\n${summary.join('\n')}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const setName of SETS) {
    for (const compressor of COMPRESSORS) {
      it(`${setName} / ${compressor}`, async () => {
        const { set, file, report } = sets.get(setName)!;
        const m = await measureInGuest({ kernel, initrd, compressor, pageSetFile: file, pages: set.pages });
        assert.equal(m.values.get('zswap.param.compressor'), compressor, 'guest runs the asked compressor');
        assert.equal(m.values.get('zswap.param.zpool'), 'zsmalloc');
        const rows = rowsFor(m, report, compressor, set);
        const text = table(
          `${setName} / ${compressor}: ${set.pages} pages, guest ${(m.durationMs / 1000).toFixed(1)} s, kernel ${m.values.get('kernel.release')}`,
          rows,
        );
        console.log(text);
        summary.push(summaryLine(`${setName}/${compressor}`, rows));
        const off = rows.filter((r) => r.kernel !== r.expected);
        assert.deepEqual(
          off.map((r) => `${r.quantity}: kernel ${r.kernel}, expected ${r.expected}`),
          [],
          `kernel and analyzer differ:\n${text}\nzsmalloc classes:\n${m.zsmalloc.join('\n')}`,
        );
      });
    }
  }
});
