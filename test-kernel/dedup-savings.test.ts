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
import { ensureInitramfs, GUEST_CPUS, REPO_ROOT, runJob } from './lib/guest.js';
import { dedupBootParams, ensureDedupKernel, measureDedup, parseKeyValues, type DedupReport, type DedupResult } from './lib/dedup.js';
import { dupSet } from './lib/dedup-pagesets.js';
import { loadCorpus, mixSet, PAGE, type PageSet } from './lib/pagesets.js';

const ALL = 'lzo,lzo-rle,lz4,lz4hc,zstd,deflate,842';
/** new pages the writeback test offers the full pool, 32 at a time, at most */
const TRIGGER_PAGES = 6400;
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

/** The series' index size: roundup_pow_of_two(totalram_pages / 64 + 1), clamped to [64, 2^20]. */
function indexTrees(memTotalKiB: number): number {
  const want = Math.floor(memTotalKiB / 4 / 64) + 1;
  let t = 1;
  while (t < want) t *= 2;
  return Math.min(Math.max(t, 64), 2 ** 20);
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
          { quantity: 'struct zswap_obj (slab object_size)', kernel: Number(m.slab.get('slab.zswap_obj.object_size')), expected: report.config.metadata_sizes.dedup_object_bytes, source: 'config.metadata_sizes.dedup_object_bytes' },
          { quantity: 'struct zswap_entry (slab object_size)', kernel: Number(m.slab.get('slab.zswap_entry.object_size')), expected: report.config.metadata_sizes.dedup_entry_bytes, source: 'config.metadata_sizes.dedup_entry_bytes' },
          { quantity: 'dedup_index_trees', kernel: m.num('after.zswap.dedup_index_trees'), expected: indexTrees(Number(m.slab.get('meminfo.MemTotal'))), source: 'one tree per 64 pages of RAM (kernel/dedup/README.md)' },
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

  /** kernel/dedup/multi-fill.sh as the guest job: `groups` workloads of `file`, optionally under a pool limit */
  async function multiFill(o: { groups: number; file: string; pages: number; scope: 'global' | 'memcg'; compressor?: string; concurrent?: boolean; append?: string[]; trigger?: boolean; shrink?: boolean; memoryMiB?: number }): Promise<{ n: (k: string) => number; seconds: number; text: string }> {
    const compressor = o.compressor ?? 'lz4';
    const run = await runJob({
      kernel,
      initrd,
      memoryMiB: o.memoryMiB ?? 512,
      append: [...dedupBootParams(compressor, true, o.scope), ...(o.append ?? [])],
      swapMiB: Math.ceil(((o.groups + 1) * o.pages * 2 * 4096) / (1 << 20)) + 16,
      files: { 'pageset.raw': o.file, 'multi-fill.sh': join(REPO_ROOT, 'kernel', 'dedup', 'multi-fill.sh'), ...(o.trigger ? { 'trigger.raw': join(dir, 'trigger.raw') } : {}) },
      script: `${o.concurrent ? 'export CONCURRENT=1\n' : ''}${o.trigger ? 'export TRIGGER=/job/trigger.raw\n' : ''}${o.shrink ? 'export SHRINK=1\n' : ''}sh /job/multi-fill.sh ${o.groups} /job/pageset.raw >/out/result.txt\n`,
      timeoutMs: 600_000,
    });
    const text = run.outputs['result.txt']?.toString() ?? '';
    const v = parseKeyValues(text);
    assert.equal(v.get('param.compressor'), compressor);
    assert.equal(v.get('param.dedup_scope'), o.scope);
    const n = (k: string): number => {
      const x = v.get(k);
      assert.ok(x !== undefined && /^-?\d+$/.test(x), `no ${k} in the guest's result:\n${text}`);
      return Number(x);
    };
    return { n, seconds: run.durationMs / 1000, text };
  }

  /** the set concatenated `times` times, analyzed as one input: what a sequential replay of `times` workloads gives */
  function analyzeTimes(setName: string, times: number, compressor: string): DedupResult {
    const { set } = sets.get(setName)!;
    const file = join(dir, `${setName}-x${times}.raw`);
    writeFileSync(file, Buffer.concat(Array.from({ length: times }, () => set.data)));
    return result(analyze(file, [compressor]), compressor, true);
  }

  for (const scope of ['global', 'memcg'] as const) {
    it(`two cgroups with the same pages / lz4 / dedup_scope=${scope}: sharing and charging per scope`, async () => {
      const { set, file, report } = sets.get('dup')!;
      // what the kernel should do: with global scope, the two copies are one page set twice
      // over, every slot charged its full length; with memcg scope, each cgroup dedups on its own
      // and is charged each of its objects once
      const two = analyzeTimes('dup', 2, 'lz4');
      const one = result(report, 'lz4', true);
      const onePlain = result(report, 'lz4', false);
      const r = await multiFill({ groups: 2, file, pages: set.pages, scope });
      const d = (k: string): number => r.n(`after.${k}`) - r.n(`before.${k}`);
      const global = scope === 'global';
      const charge = global ? onePlain.compressed_bytes : one.compressed_bytes;
      const rows: Row[] = [
        { quantity: 'stored_pages', kernel: d('stored_pages'), expected: 2 * one.stored_pages, source: '2 × stored_pages' },
        { quantity: 'dedup_objects', kernel: d('dedup_objects'), expected: global ? two.unique_objects! : 2 * one.unique_objects!, source: global ? 'unique_objects of the set twice' : '2 × unique_objects' },
        { quantity: 'dedup_hits', kernel: d('dedup_hits'), expected: global ? two.duplicate_pages! : 2 * one.duplicate_pages!, source: global ? 'duplicate_pages of the set twice' : '2 × duplicate_pages' },
        { quantity: 'dedup_saved_bytes', kernel: d('dedup_saved_bytes'), expected: global ? two.dedup_saved_bytes! : 2 * one.dedup_saved_bytes!, source: global ? 'dedup_saved_bytes of the set twice' : '2 × dedup_saved_bytes' },
        ...(global ? [{ quantity: 'pool_total_size (bytes)', kernel: d('pool_total_size'), expected: two.pool_pages * PAGE, source: 'pool_pages × 4096 of the set twice' }] : []),
      ];
      for (const g of ['g1', 'g2']) {
        rows.push(
          { quantity: `${g} memory.zswap.current`, kernel: r.n(`after.${g}.zswap.current`), expected: charge, source: global ? 'compressed_bytes no-dedup (per slot)' : 'compressed_bytes dedup (once per object)' },
          { quantity: `${g} memory.stat zswap`, kernel: r.n(`after.${g}.zswap`), expected: charge, source: 'the same bytes' },
          { quantity: `${g} memory.stat zswapped`, kernel: r.n(`after.${g}.zswapped`), expected: one.stored_pages * PAGE, source: 'stored_pages × 4096 (a page per slot)' },
        );
      }
      check(`two cgroups × ${set.pages} pages / lz4 / scope ${scope}, guest ${r.seconds.toFixed(1)} s`, rows);
    });
  }

  it('two cgroups / lz4 / dedup_scope=memcg with cgroup.memory=nokmem: still no sharing across cgroups', async () => {
    const { set, file, report } = sets.get('dup')!;
    const one = result(report, 'lz4', true);
    const r = await multiFill({ groups: 2, file, pages: set.pages, scope: 'memcg', append: ['cgroup.memory=nokmem'] });
    const d = (k: string): number => r.n(`after.${k}`) - r.n(`before.${k}`);
    check(`two cgroups × ${set.pages} pages / lz4 / scope memcg / nokmem, guest ${r.seconds.toFixed(1)} s`, [
      { quantity: 'stored_pages', kernel: d('stored_pages'), expected: 2 * one.stored_pages, source: '2 × stored_pages' },
      { quantity: 'dedup_objects', kernel: d('dedup_objects'), expected: 2 * one.unique_objects!, source: '2 × unique_objects: each cgroup its own' },
      { quantity: 'dedup_hits', kernel: d('dedup_hits'), expected: 2 * one.duplicate_pages!, source: '2 × duplicate_pages' },
      { quantity: 'g1 memory.zswap.current', kernel: r.n('after.g1.zswap.current'), expected: 0, source: 'nokmem: zswap charges nothing' },
      { quantity: 'g2 memory.zswap.current', kernel: r.n('after.g2.zswap.current'), expected: 0, source: 'nokmem: zswap charges nothing' },
    ]);
  });

  for (const compressor of COMPRESSORS.filter((c) => c === 'lz4' || c === 'zstd')) {
    it(`four cgroups reclaimed at once on ${GUEST_CPUS} vCPUs / ${compressor}: concurrent identical stores equal a sequential replay`, async () => {
      const { set, file } = sets.get('dup')!;
      const four = analyzeTimes('dup', 4, compressor);
      const r = await multiFill({ groups: 4, file, pages: set.pages, scope: 'global', compressor, concurrent: true });
      const d = (k: string): number => r.n(`after.${k}`) - r.n(`before.${k}`);
      const races = d('dedup_races');
      // A store that loses a race (its content indexed by another CPU between its lookup and its
      // insert) shares the winner's object, as if it had found it: every counter is the
      // sequential replay's. Its own compressed copy was allocated and freed meanwhile, though,
      // and another store may have been placed next to it in zsmalloc: the pool can hold up to
      // one zspage (at most CONFIG_ZSMALLOC_CHAIN_SIZE = 8 pages) more per race than a
      // sequential replay packs.
      const pool = d('pool_total_size');
      const extra = pool - four.pool_pages * PAGE;
      const retries = [1, 2, 3, 4].map((g) => r.n(`g${g}.reclaim_retries`)).join('/');
      console.log(`concurrent stores / ${compressor}: ${races} stores found their content indexed by another CPU meanwhile (dedup_races); pool ${pool} bytes, ${extra / PAGE} pages more than the sequential replay; memory.reclaim repeated ${retries} times for g1-g4 until no page was resident`);
      assert.ok(extra >= 0 && extra <= races * 8 * PAGE, `pool_total_size ${pool}: ${extra / PAGE} pages above the sequential replay's ${four.pool_pages}, more than 8 per race (${races})`);
      check(`4 cgroups × ${set.pages} pages reclaimed concurrently / ${compressor}, guest ${r.seconds.toFixed(1)} s`, [
        { quantity: 'stored_pages', kernel: d('stored_pages'), expected: four.stored_pages, source: 'stored_pages of the set 4 times' },
        { quantity: 'dedup_objects', kernel: d('dedup_objects'), expected: four.unique_objects!, source: 'unique_objects' },
        { quantity: 'dedup_hits', kernel: d('dedup_hits'), expected: four.duplicate_pages!, source: 'duplicate_pages' },
        { quantity: 'dedup_saved_bytes', kernel: d('dedup_saved_bytes'), expected: four.dedup_saved_bytes!, source: 'dedup_saved_bytes' },
        { quantity: 'dedup_verify_fail', kernel: d('dedup_verify_fail'), expected: four.dedup_verify_fail!, source: 'dedup_verify_fail' },
        // every page zswap refuses goes to the swap disk: pswpout, a per-CPU vm event, counts them exactly
        { quantity: 'vmstat pswpout', kernel: d('vmstat.pswpout'), expected: four.rejects.compress_fail + four.rejects.compress_poor + four.rejects.alloc_fail, source: 'rejects (compress_fail + compress_poor + alloc_fail)' },
        { quantity: 'vmstat zswpout', kernel: d('vmstat.zswpout'), expected: four.stored_pages, source: 'stored_pages' },
      ]);
      // 6.12's reject counters are plain u64s bumped without a lock (mm/zswap.c: `zswap_reject_compress_fail++`):
      // two CPUs refusing pages at once can lose an increment (seen: 871 for 872). So debugfs is a lower bound here.
      const rejected = d('reject_compress_fail');
      assert.ok(rejected <= four.rejects.compress_fail && rejected >= four.rejects.compress_fail * 0.95, `reject_compress_fail ${rejected}: not within the lost increments of ${four.rejects.compress_fail}`);
    });
  }

  it('writeback (pool limit, then shrinker) frees an object per page written back, never a shared one / lz4', async () => {
    // the dup set and 500 more corpus pages, stored with no limit (equal to the analyzer); then
    // max_pool_percent=1 of 192 MiB, below the pool, and new pages reclaimed 32 at a time, 0.2 s
    // apart, until the worker has written the pool back to its threshold (at most
    // TRIGGER_PAGES); then the memory-pressure shrinker
    const corpus = loadCorpus();
    const { set } = sets.get('dup')!;
    const extra: Buffer[] = [];
    for (let i = 3; i < corpus.count && extra.length < 500; i += 5) extra.push(corpus.pages.subarray(i * PAGE, (i + 1) * PAGE));
    const file = join(dir, 'wb.raw');
    writeFileSync(file, Buffer.concat([set.data, ...extra]));
    const trigger = join(dir, 'trigger.raw');
    writeFileSync(trigger, Buffer.concat(Array.from({ length: TRIGGER_PAGES }, (_, k) => {
      const p = Buffer.from(extra[k % extra.length]);
      p.writeUInt32LE(0x7a7a0000 + k, 0); // distinct from every other page
      return p;
    })));
    const pages = set.pages + extra.length;
    const a = result(analyze(file, ['lz4']), 'lz4', true);
    const r = await multiFill({ groups: 1, file, pages: pages + TRIGGER_PAGES, scope: 'global', trigger: true, shrink: true, memoryMiB: 192 });
    const d = (from: string, to: string, k: string): number => r.n(`${to}.${k}`) - r.n(`${from}.${k}`);
    const maxPages = Math.floor((r.n('meminfo.MemTotal') / 4) / 100);
    const phases = [['after', 'limit', 'pool limit'], ['limit', 'shrink', 'shrinker']] as const;
    for (const [from, to, what] of phases) {
      console.log(`writeback, ${what}: ${d(from, to, 'vmstat.zswpout')} stores, ${d(from, to, 'pool_limit_hit')} refused by the full pool, ${d(from, to, 'written_back_pages')} pages written back, `
        + `${d(from, to, 'dedup_wb_skip')} shared entries passed over; objects ${r.n(`${from}.dedup_objects`)} → ${r.n(`${to}.dedup_objects`)}, `
        + `pool ${r.n(`${from}.pool_total_size`)} → ${r.n(`${to}.pool_total_size`)} bytes (limit ${maxPages * PAGE})`);
    }
    check(`fill of ${pages} pages / lz4, guest ${r.seconds.toFixed(1)} s`, [
      { quantity: 'stored_pages', kernel: d('before', 'after', 'stored_pages'), expected: a.stored_pages, source: 'stored_pages' },
      { quantity: 'dedup_objects', kernel: d('before', 'after', 'dedup_objects'), expected: a.unique_objects!, source: 'unique_objects' },
      { quantity: 'pool_total_size (bytes)', kernel: d('before', 'after', 'pool_total_size'), expected: a.pool_pages * PAGE, source: 'pool_pages × 4096' },
    ]);
    assert.ok(r.n('after.pool_total_size') > maxPages * PAGE, 'the filled pool is above the lowered limit');
    for (const [from, to, what] of phases) {
      const written = d(from, to, 'written_back_pages');
      assert.ok(written > 0, `${what}: pages written back`);
      assert.ok(d(from, to, 'dedup_wb_skip') > 0, `${what}: shared entries passed over`);
      assert.ok(d(from, to, 'pool_total_size') < 0, `${what}: the pool shrank`);
      const stores = d(from, to, 'vmstat.zswpout');
      check(`writeback, ${what}`, [
        // every store that is neither a hit nor a collision makes an object, every page written
        // back frees one: had a shared slot been written back, fewer objects would have gone
        { quantity: 'objects change', kernel: d(from, to, 'dedup_objects'), expected: stores - d(from, to, 'dedup_hits') - d(from, to, 'dedup_verify_fail') - written, source: 'stores − hits − collisions − written back' },
        { quantity: 'slots change', kernel: d(from, to, 'stored_pages'), expected: stores - written, source: 'stores − written back' },
        { quantity: 'dedup_saved_bytes change', kernel: d(from, to, 'dedup_saved_bytes'), expected: 0, source: 'no shared object touched (and no hit)' },
        { quantity: 'dedup_hits change', kernel: d(from, to, 'dedup_hits'), expected: 0, source: 'the new pages are all distinct' },
        { quantity: 'vmstat zswpwb', kernel: d(from, to, 'vmstat.zswpwb'), expected: written, source: 'written_back_pages' },
      ]);
    }
    assert.ok(r.n('limit.pool_total_size') <= maxPages * PAGE, 'the worker brought the pool under its limit');
  });
});
