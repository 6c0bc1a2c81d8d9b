/**
 * The dedup patch series (kernel/patches/) against the analyzer's dedup
 * model, exactly.  The patched 6.12 kernel boots with zswap.dedup=1, swaps a
 * page set with known duplication out through the unchanged zswap-measure,
 * and the counter deltas must equal the analyzer's `dedup: true` result:
 *
 *   debugfs stored_pages             = stored_pages (logical pages)
 *   debugfs dedup_objects            = unique_objects
 *   debugfs dedup_hits               = duplicate_pages
 *   debugfs pool_total_size          = pool_pages × 4096 (dedup)
 *   debugfs dedup_saved_bytes        = dedup_saved_bytes (compressed_bytes without − with dedup)
 *   debugfs dedup_verify_fail        = dedup_verify_fail (0 for xxh64)
 *   debugfs reject_compress_fail/poor = rejects (a rejected content is never
 *                                      an object: each copy is rejected)
 *   memory.zswap.current             = memcg_zswap_bytes (the series charges
 *                                      every slot its full compressed length:
 *                                      compressed_bytes without dedup)
 *   vmstat swpout_zero, pswpout      = pages.zero, rejected_pages
 *
 * Also: the same kernel with zswap.dedup=0 equals the stock prediction (the
 * switch really switches), two cgroups holding the same pages share them
 * under dedup_scope=global but not under dedup_scope=memcg, and with index
 * keys cut to a few bits (debugfs dedup_hash_bits, analyzer --hash-bits) the
 * collisions are told apart and counted the same way.
 *
 * Compressors: $ZSWAP_KERNEL_COMPRESSORS (comma-separated), default all seven.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureInitramfs, REPO_ROOT, runJob } from './lib/guest.js';
import { dedupBootParams, ensureDedupKernel, measureDedup, parseKeyValues, type DedupReport, type DedupResult } from './lib/dedup.js';
import { dupSet } from './lib/dedup-pagesets.js';
import { loadCorpus, mixSet, PAGE, type PageSet } from './lib/pagesets.js';

const ALL = 'lzo,lzo-rle,lz4,lz4hc,zstd,deflate,842';
const COMPRESSORS = (process.env.ZSWAP_KERNEL_COMPRESSORS || ALL).split(',').filter(Boolean);

interface Row { quantity: string; kernel: number; expected: number; source: string }

function check(title: string, rows: Row[]): void {
  const w = Math.max(...rows.map((r) => r.quantity.length));
  const lines = [title, `  ${'quantity'.padEnd(w)}  ${'kernel'.padStart(10)}  ${'expected'.padStart(10)}  source`];
  for (const r of rows) lines.push(`${r.kernel === r.expected ? ' ' : '≠'} ${r.quantity.padEnd(w)}  ${String(r.kernel).padStart(10)}  ${String(r.expected).padStart(10)}  ${r.source}`);
  const text = lines.join('\n');
  console.log(text);
  const off = rows.filter((r) => r.kernel !== r.expected);
  assert.deepEqual(off.map((r) => `${r.quantity}: kernel ${r.kernel}, expected ${r.expected}`), [], `kernel and analyzer differ:\n${text}`);
}

function analyze(file: string, compressors: string[], extra: string[] = []): DedupReport {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'zswap-dedup'), 'analyze', '--format', 'json', '--no-progress', '-c', compressors.join(','), ...extra, file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`analyzer failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as DedupReport;
}

function result(report: DedupReport, compressor: string, dedup: boolean): DedupResult {
  const a = report.results.find((r) => r.compressor === compressor && r.dedup === dedup);
  assert.ok(a, `analyzer report has no ${dedup ? '' : 'no-'}dedup result for ${compressor}`);
  return a;
}

describe('dedup kernel equals the analyzer\'s dedup model', { concurrency: 2 }, () => {
  let kernel = '';
  let initrd = '';
  let dir = '';
  const sets = new Map<string, { set: PageSet; file: string; report: DedupReport }>();
  const summary: string[] = [];
  const sizes = new Map<string, string>();

  before(async () => {
    kernel = await ensureDedupKernel();
    initrd = await ensureInitramfs();
    const corpus = loadCorpus();
    dir = mkdtempSync(join(tmpdir(), 'zswap-dedup-savings-'));
    for (const set of [dupSet(corpus), mixSet(corpus)]) {
      const file = join(dir, `${set.name}.raw`);
      writeFileSync(file, set.data);
      const report = analyze(file, COMPRESSORS);
      sets.set(set.name, { set, file, report });
      console.log(`page set ${set.name}: ${set.pages} pages, ${report.pages.distinct_contents} distinct contents, ${report.pages.zero} zero: ${set.description}`);
    }
  });

  after(() => {
    if (summary.length) {
      console.log(`\ndedup kernel vs analyzer (kernel/analyzer), all exact unless the test failed:\n${'case'.padEnd(16)}${['stored', 'objects', 'hits', 'pool_bytes dedup', 'pool_bytes no-dedup', 'saved_bytes'].map((h) => h.padStart(21)).join('')}\n${summary.join('\n')}`);
    }
    if (sizes.size) console.log(`struct sizes in the guest (slab caches): ${[...sizes].map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const setName of ['dup', 'mix']) {
    for (const compressor of COMPRESSORS) {
      it(`${setName} / ${compressor} / dedup on`, async () => {
        const { set, file, report } = sets.get(setName)!;
        const m = await measureDedup({ kernel, initrd, compressor, dedup: true, pageSetFile: file, pages: set.pages });
        assert.equal(m.values.get('zswap.param.compressor'), compressor);
        assert.equal(m.values.get('zswap.param.dedup'), 'Y');
        for (const [k, v] of m.slab) sizes.set(k, v);
        const a = result(report, compressor, true);
        const plain = result(report, compressor, false);
        const rows: Row[] = [
          { quantity: 'stored_pages', kernel: m.delta('zswap', 'stored_pages'), expected: a.stored_pages, source: 'stored_pages' },
          { quantity: 'dedup_objects', kernel: m.delta('zswap', 'dedup_objects'), expected: a.unique_objects ?? -1, source: 'unique_objects' },
          { quantity: 'dedup_hits', kernel: m.delta('zswap', 'dedup_hits'), expected: a.duplicate_pages ?? -1, source: 'duplicate_pages' },
          { quantity: 'pool_total_size (bytes)', kernel: m.delta('zswap', 'pool_total_size'), expected: a.pool_pages * PAGE, source: 'pool_pages × 4096 (dedup)' },
          { quantity: 'dedup_saved_bytes', kernel: m.delta('zswap', 'dedup_saved_bytes'), expected: a.dedup_saved_bytes ?? -1, source: 'dedup_saved_bytes' },
          { quantity: 'dedup_verify_fail', kernel: m.delta('zswap', 'dedup_verify_fail'), expected: a.dedup_verify_fail ?? -1, source: 'dedup_verify_fail' },
          { quantity: 'reject_compress_fail', kernel: m.delta('zswap', 'reject_compress_fail'), expected: a.rejects.compress_fail, source: 'rejects.compress_fail' },
          { quantity: 'reject_compress_poor', kernel: m.delta('zswap', 'reject_compress_poor'), expected: a.rejects.compress_poor, source: 'rejects.compress_poor' },
          { quantity: 'reject_alloc_fail', kernel: m.delta('zswap', 'reject_alloc_fail'), expected: a.rejects.alloc_fail, source: 'rejects.alloc_fail' },
          { quantity: 'memory.zswap.current', kernel: m.num('memcg.zswap.current'), expected: a.memcg_zswap_bytes, source: 'memcg_zswap_bytes (charged per slot)' },
          { quantity: 'vmstat zswpout', kernel: m.delta('vmstat', 'zswpout'), expected: a.stored_pages, source: 'stored_pages' },
          { quantity: 'vmstat swpout_zero', kernel: m.delta('vmstat', 'swpout_zero'), expected: report.pages.zero, source: 'pages.zero' },
          { quantity: 'vmstat pswpout (to disk)', kernel: m.delta('vmstat', 'pswpout'), expected: a.rejected_pages, source: 'rejected_pages' },
          { quantity: 'zswap stored_pages before', kernel: m.num('before.zswap.stored_pages'), expected: 0, source: 'fresh boot' },
          { quantity: 'written_back_pages', kernel: m.delta('zswap', 'written_back_pages'), expected: 0, source: 'no writeback' },
          { quantity: 'region pages swapped (pagemap)', kernel: m.num('pagemap.swapped'), expected: set.pages, source: 'pages.total' },
          { quantity: 'workload VmSwap (kB)', kernel: m.num('proc.VmSwap'), expected: set.pages * 4, source: 'pages.total × 4' },
        ];
        check(`${setName} / ${compressor} / dedup on: ${set.pages} pages, guest ${(m.durationMs / 1000).toFixed(1)} s`, rows);
        const cell = (k: number, e: number): string => `${k}/${e}`.padStart(21);
        summary.push(`${`${setName}/${compressor}`.padEnd(16)}${cell(rows[0].kernel, rows[0].expected)}${cell(rows[1].kernel, rows[1].expected)}${cell(rows[2].kernel, rows[2].expected)}${cell(rows[3].kernel, rows[3].expected)}${`-/${plain.pool_pages * PAGE}`.padStart(21)}${cell(rows[4].kernel, rows[4].expected)}`);
      });
    }
  }

  for (const compressor of COMPRESSORS.filter((c) => c === 'lz4' || c === 'zstd')) {
    it(`dup / ${compressor} / dedup off on the dedup kernel = the stock prediction`, async () => {
      const { set, file, report } = sets.get('dup')!;
      const m = await measureDedup({ kernel, initrd, compressor, dedup: false, pageSetFile: file, pages: set.pages });
      assert.equal(m.values.get('zswap.param.dedup'), 'N');
      const a = result(report, compressor, false);
      check(`dup / ${compressor} / dedup off`, [
        { quantity: 'stored_pages', kernel: m.delta('zswap', 'stored_pages'), expected: a.stored_pages, source: 'stored_pages (no dedup)' },
        { quantity: 'pool_total_size (bytes)', kernel: m.delta('zswap', 'pool_total_size'), expected: a.pool_pages * PAGE, source: 'pool_pages × 4096 (no dedup)' },
        { quantity: 'memory.zswap.current', kernel: m.num('memcg.zswap.current'), expected: a.compressed_bytes, source: 'compressed_bytes' },
        { quantity: 'dedup_objects', kernel: m.delta('zswap', 'dedup_objects'), expected: 0, source: 'dedup off' },
        { quantity: 'dedup_hits', kernel: m.delta('zswap', 'dedup_hits'), expected: 0, source: 'dedup off' },
        { quantity: 'reject_compress_fail', kernel: m.delta('zswap', 'reject_compress_fail'), expected: a.rejects.compress_fail, source: 'rejects.compress_fail' },
      ]);
    });
  }

  for (const compressor of COMPRESSORS.filter((c) => c === 'lz4' || c === 'zstd')) {
    it(`dup / ${compressor} / dedup_hash_bits=4: forced collisions as the analyzer's --hash-bits 4 predicts`, async () => {
      const { set, file } = sets.get('dup')!;
      const report = analyze(file, [compressor], ['--hash-bits', '4']);
      const a = result(report, compressor, true);
      const m = await measureDedup({ kernel, initrd, compressor, dedup: true, pageSetFile: file, pages: set.pages, hashBits: 4 });
      assert.ok((a.dedup_verify_fail ?? 0) > 0, 'the page set must collide under 4-bit keys');
      check(`dup / ${compressor} / dedup_hash_bits=4, guest ${(m.durationMs / 1000).toFixed(1)} s`, [
        { quantity: 'stored_pages', kernel: m.delta('zswap', 'stored_pages'), expected: a.stored_pages, source: 'stored_pages' },
        { quantity: 'dedup_objects', kernel: m.delta('zswap', 'dedup_objects'), expected: a.unique_objects ?? -1, source: 'unique_objects' },
        { quantity: 'dedup_hits', kernel: m.delta('zswap', 'dedup_hits'), expected: a.duplicate_pages ?? -1, source: 'duplicate_pages' },
        { quantity: 'dedup_verify_fail', kernel: m.delta('zswap', 'dedup_verify_fail'), expected: a.dedup_verify_fail ?? -1, source: 'dedup_verify_fail' },
        { quantity: 'dedup_saved_bytes', kernel: m.delta('zswap', 'dedup_saved_bytes'), expected: a.dedup_saved_bytes ?? -1, source: 'dedup_saved_bytes' },
        { quantity: 'pool_total_size (bytes)', kernel: m.delta('zswap', 'pool_total_size'), expected: a.pool_pages * PAGE, source: 'pool_pages × 4096 (dedup)' },
      ]);
    });
  }

  for (const scope of ['global', 'memcg'] as const) {
    it(`two cgroups with the same pages / lz4 / dedup_scope=${scope}`, async () => {
      const { set, file } = sets.get('dup')!;
      // what the kernel should do: with global scope, the two copies are one
      // page set twice over; with memcg scope, each cgroup dedups on its own
      const twice = join(dir, 'dup-twice.raw');
      writeFileSync(twice, Buffer.concat([set.data, set.data]));
      const two = result(analyze(twice, ['lz4']), 'lz4', true);
      const one = result(sets.get('dup')!.report, 'lz4', true);
      const onePlain = result(sets.get('dup')!.report, 'lz4', false);
      const run = await runJob({
        kernel,
        initrd,
        append: dedupBootParams('lz4', true, scope),
        swapMiB: Math.ceil((set.pages * 4 * 4096) / (1 << 20)),
        files: { 'pageset.raw': file },
        script: TWO_CGROUPS,
        timeoutMs: 300_000,
      });
      const v = parseKeyValues(run.outputs['result.txt']?.toString() ?? '');
      const n = (k: string): number => {
        const x = v.get(k);
        assert.ok(x !== undefined && /^\d+$/.test(x), `no ${k} in the guest's result:\n${run.outputs['result.txt']?.toString()}`);
        return Number(x);
      };
      const d = (k: string): number => n(`after.${k}`) - n(`before.${k}`);
      const global = scope === 'global';
      check(`two cgroups × ${set.pages} pages / lz4 / scope ${scope}, guest ${(run.durationMs / 1000).toFixed(1)} s`, [
        { quantity: 'stored_pages', kernel: d('stored_pages'), expected: 2 * one.stored_pages, source: '2 × stored_pages' },
        { quantity: 'dedup_objects', kernel: d('dedup_objects'), expected: global ? two.unique_objects! : 2 * one.unique_objects!, source: global ? 'unique_objects of the set twice' : '2 × unique_objects' },
        { quantity: 'dedup_hits', kernel: d('dedup_hits'), expected: global ? two.duplicate_pages! : 2 * one.duplicate_pages!, source: global ? 'duplicate_pages of the set twice' : '2 × duplicate_pages' },
        ...(global ? [{ quantity: 'pool_total_size (bytes)', kernel: d('pool_total_size'), expected: two.pool_pages * PAGE, source: 'pool_pages × 4096 of the set twice' }] : []),
        { quantity: 'cgroup a memory.zswap.current', kernel: n('a.zswap.current'), expected: onePlain.compressed_bytes, source: 'compressed_bytes no-dedup' },
        { quantity: 'cgroup b memory.zswap.current', kernel: n('b.zswap.current'), expected: onePlain.compressed_bytes, source: 'compressed_bytes no-dedup' },
      ]);
    });
  }
});

/** Two zswap-fill workloads with the same page set, in cgroups a and b, reclaimed one after the other. */
const TWO_CGROUPS = `set -eu
mkswap /dev/vda >/dev/null
swapon /dev/vda
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
snap() { for f in /sys/kernel/debug/zswap/*; do echo "$1.\${f##*/} $(cat "$f")"; done; }
for g in a b; do
	mkdir /sys/fs/cgroup/$g
	mkfifo /tmp/$g.ctl /tmp/$g.res
	zswap-fill /job/pageset.raw /sys/fs/cgroup/$g/cgroup.procs </tmp/$g.ctl >/tmp/$g.res 2>&1 &
done
exec 3>/tmp/a.ctl 4</tmp/a.res 5>/tmp/b.ctl 6</tmp/b.res
read -r ra <&4
read -r rb <&6
case "$ra $rb" in "ready "*"ready "*) ;; *) echo "zswap-fill: $ra / $rb" >&2; exit 1 ;; esac
pages=\${ra#ready pages=}
pages=\${pages%% *}
snap before >/out/result.txt
for g in a b; do
	echo "$(((pages + 256) * 2 * 4096)) swappiness=200" >/sys/fs/cgroup/$g/memory.reclaim 2>/dev/null || true
done
sleep 3
snap after >>/out/result.txt
for g in a b; do echo "$g.zswap.current $(cat /sys/fs/cgroup/$g/memory.zswap.current)"; done >>/out/result.txt
echo quit >&3
echo quit >&5
wait
`;
