/**
 * Live capture: the pages zswap could see in the chosen processes, each physical page once.
 * For every mapping, /proc/PID/pagemap gives presence, PFN and the exclusive / file-or-shared
 * bits; /proc/kpageflags says what the physical page is (anon, swap-backed, KSM, THP, the shared
 * zero page); /proc/kpagecount its map count. Contents come from /proc/kcore by PFN where it
 * exists, else from /proc/PID/mem. Nothing is ever written to a target.
 */
import fs from 'node:fs';
import os from 'node:os';
import { PAGE_SIZE } from '../model/kernel.js';
import { InputError } from '../util/errors.js';
import { PageDigester } from '../replay/digest.js';
import { isZeroFilled } from '../replay/zero-page.js';
import { CaptureWriter } from '../sources/capture-writer.js';
import { NO_PFN, PageBatch, PAGE_FLAG } from '../sources/page-batch.js';
import { Freezer } from './freezer.js';
import { KcoreReader, ProcMemReader } from './page-content.js';
import {
  bit,
  KPF_ANON,
  KPF_HUGE,
  KPF_KSM,
  KPF_SWAPBACKED,
  KPF_THP,
  KPF_ZERO_PAGE,
  PhysPageInfo,
  PM_EXCLUSIVE,
  PM_FILE_OR_SHARED_ANON,
  PM_PRESENT,
  PM_SWAPPED,
  pfnOf,
  readEntries,
} from './page-info.js';
import { PfnTable } from './pfn-table.js';
import { isSpecialMapping, looksLikeShmem, parseMaps, type Mapping } from './proc-maps.js';
import { processName, resolveCgroup, selectTargets, type TargetSpec } from './targets.js';

const PAGEMAP_CHUNK = 512;

export interface CaptureOptions {
  targets: TargetSpec;
  output: string;
  freeze: boolean;
  shmem: boolean;
  noPfn: boolean;
  hashOnly: boolean;
  tool: string;
  warn: (message: string) => void;
  onProgress?: (pages: number) => void;
}

export interface ProcessStats {
  pid: number;
  comm: string;
  /** present pages in the mappings walked */
  present: number;
  /** pages written to the capture */
  captured: number;
  /** present pages whose physical page was already captured (COW, KSM, shared) */
  already_captured: number;
  /** swapped-out pages: their content cannot be read */
  swapped: number;
  file_excluded: number;
  shmem_excluded: number;
  /** mappings of the kernel's shared zero page (never in zswap) */
  zero_page: number;
  hugetlb_excluded: number;
  unreadable: number;
  /** where the captured pages' contents came from */
  from_kcore: number;
  from_pid_mem: number;
  exited: boolean;
}

export interface CaptureSummary {
  processes: ProcessStats[];
  pages: number;
  /** kcore: every page read from /proc/kcore; pid-mem: none; both: /proc/kcore with fallbacks */
  content_from: 'kcore' | 'pid-mem' | 'both';
  pfn: boolean;
  /** physical pages referenced by more than one captured mapping, and those references */
  shared_physical_pages: number;
  shared_references: number;
}

/** Can this process read PFNs from pagemap (CAP_SYS_ADMIN)? Looks at the first present page of its own. */
export function pfnsReadable(): boolean {
  const fd = fs.openSync('/proc/self/pagemap', 'r');
  try {
    const maps = parseMaps(fs.readFileSync('/proc/self/maps', 'utf8'));
    const words = new Uint32Array(2 * PAGEMAP_CHUNK);
    for (const m of maps) {
      if (isSpecialMapping(m) || m.perms[0] !== 'r') continue;
      for (let v = m.start; v < m.end; v += PAGE_SIZE * PAGEMAP_CHUNK) {
        const n = readEntries(fd, v / PAGE_SIZE, Math.min(PAGEMAP_CHUNK, (m.end - v) / PAGE_SIZE), words);
        for (let i = 0; i < n; i++) if (bit(words, i, PM_PRESENT)) return pfnOf(words, i) !== 0;
      }
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Tests of the freeze guarantees need the capture to linger while the targets are stopped. */
function testPause(): void {
  const ms = Number(process.env.ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS ?? 0);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

type Scope = 'anon' | 'shmem' | 'file' | 'zero_page' | 'hugetlb';

function scopeByKpageflags(kf: Uint32Array): Scope {
  if (bit(kf, 0, KPF_ZERO_PAGE)) return 'zero_page';
  if (bit(kf, 0, KPF_HUGE)) return 'hugetlb';
  if (bit(kf, 0, KPF_ANON)) return 'anon';
  if (bit(kf, 0, KPF_SWAPBACKED)) return 'shmem';
  return 'file';
}

function scopeByPagemap(pm: Uint32Array, i: number, m: Mapping): Scope {
  if (!bit(pm, i, PM_FILE_OR_SHARED_ANON)) return 'anon';
  return looksLikeShmem(m) ? 'shmem' : 'file';
}

export function capture(opts: CaptureOptions): CaptureSummary {
  if (opts.targets.all && opts.freeze) throw new InputError(null, '--freeze with --all would stop every process, this capture\'s helpers included; freeze a --cgroup or --pid list instead');
  const pids = selectTargets(opts.targets);
  const cgroupDir = opts.targets.cgroup ? resolveCgroup(opts.targets.cgroup) : null;
  const havePfn = !opts.noPfn && pfnsReadable();
  if (!opts.noPfn && !havePfn) {
    throw new InputError(null, 'cannot read PFNs from /proc/PID/pagemap (needs CAP_SYS_ADMIN, i.e. root): run as root, or use --no-pfn to go on per process (pages shared between processes are then counted once per process)');
  }
  if (opts.noPfn) opts.warn('--no-pfn: physical pages shared between processes or mappings (fork COW, KSM, shared memory) will be counted more than once');
  const phys = havePfn ? PhysPageInfo.open() : null;
  if (havePfn && !phys) opts.warn('/proc/kpageflags is not readable: anonymous and file pages are told apart by pagemap bits only');
  const kcore = havePfn ? KcoreReader.open() : null;

  const summary: CaptureSummary = {
    processes: [],
    pages: 0,
    content_from: kcore ? 'kcore' : 'pid-mem',
    pfn: havePfn,
    shared_physical_pages: 0,
    shared_references: 0,
  };
  const writer = new CaptureWriter(opts.output, opts.hashOnly, {
    source: 'capture',
    kernel_release: os.release(),
    time: new Date().toISOString(),
    hostname: os.hostname(),
    tool: opts.tool,
    pids,
    ...(cgroupDir ? { cgroup: cgroupDir } : {}),
    content_from: summary.content_from,
    pfn: havePfn,
    scope: opts.shmem ? 'anon+shmem' : 'anon',
  });
  const pfns = new PfnTable();
  const batch = new PageBatch(1);
  const words = new Uint32Array(batch.content.buffer, batch.content.byteOffset, PAGE_SIZE / 4);
  const digester = opts.hashOnly ? new PageDigester() : null;
  const pm = new Uint32Array(2 * PAGEMAP_CHUNK);
  let mappingId = 0;
  let freezer: Freezer | null = null;
  try {
    if (opts.freeze) {
      freezer = Freezer.freeze(pids, cgroupDir);
      freezer.warnings.forEach(opts.warn);
      testPause();
    }
    for (const pid of pids) {
      const st: ProcessStats = {
        pid,
        comm: processName(pid),
        present: 0,
        captured: 0,
        already_captured: 0,
        swapped: 0,
        file_excluded: 0,
        shmem_excluded: 0,
        zero_page: 0,
        hugetlb_excluded: 0,
        unreadable: 0,
        from_kcore: 0,
        from_pid_mem: 0,
        exited: false,
      };
      summary.processes.push(st);
      let maps: Mapping[];
      let pagemapFd: number;
      try {
        maps = parseMaps(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
        pagemapFd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
      } catch {
        st.exited = true;
        opts.warn(`process ${pid} (${st.comm}) exited before it could be read`);
        continue;
      }
      const mem = ProcMemReader.open(pid);
      try {
        for (const m of maps) {
          if (isSpecialMapping(m)) continue;
          const id = ++mappingId;
          writer.addMapping({ id, pid, comm: st.comm, start: `0x${m.start.toString(16)}`, end: `0x${m.end.toString(16)}`, perms: m.perms, path: m.path });
          for (let vpage = m.start / PAGE_SIZE; vpage < m.end / PAGE_SIZE; vpage += PAGEMAP_CHUNK) {
            const want = Math.min(PAGEMAP_CHUNK, m.end / PAGE_SIZE - vpage);
            const n = readEntries(pagemapFd, vpage, want, pm);
            if (n < want) throw new Error('pagemap short read');
            for (let i = 0; i < n; i++) {
              if (!bit(pm, i, PM_PRESENT)) {
                if (bit(pm, i, PM_SWAPPED)) st.swapped++;
                continue;
              }
              st.present++;
              const pfn = havePfn ? pfnOf(pm, i) : NO_PFN;
              const kf = phys && pfn !== NO_PFN ? phys.flags(pfn) : null;
              const scope = kf ? scopeByKpageflags(kf) : scopeByPagemap(pm, i, m);
              if (scope === 'zero_page') {
                st.zero_page++;
                continue;
              }
              if (scope === 'hugetlb') {
                st.hugetlb_excluded++;
                continue;
              }
              if (scope === 'file') {
                st.file_excluded++;
                continue;
              }
              if (scope === 'shmem' && !opts.shmem) {
                st.shmem_excluded++;
                continue;
              }
              if (pfn !== NO_PFN && pfns.reference(pfn) > 0) {
                st.already_captured++;
                continue;
              }
              const vaddr = (vpage + i) * PAGE_SIZE;
              if (kcore !== null && kcore.read(pfn, batch.content, 0)) st.from_kcore++;
              else if (mem !== null && mem.read(vaddr, batch.content, 0)) st.from_pid_mem++;
              else {
                st.unreadable++;
                continue;
              }
              let flags = 0;
              if (scope === 'anon') flags |= PAGE_FLAG.ANON;
              if (scope === 'shmem') flags |= PAGE_FLAG.SHMEM;
              if (kf) {
                if (bit(kf, 0, KPF_SWAPBACKED)) flags |= PAGE_FLAG.SWAPBACKED;
                if (bit(kf, 0, KPF_KSM)) flags |= PAGE_FLAG.KSM;
                if (bit(kf, 0, KPF_THP)) flags |= PAGE_FLAG.THP;
              }
              if (bit(pm, i, PM_EXCLUSIVE)) flags |= PAGE_FLAG.EXCLUSIVE;
              if (bit(pm, i, PM_FILE_OR_SHARED_ANON)) flags |= PAGE_FLAG.FILE_OR_SHARED;
              const info = { pfn, vaddr, flags, mapping: id, mapcount: phys && pfn !== NO_PFN ? phys.mapcount(pfn) : 0 };
              if (digester) {
                if (isZeroFilled(words, 0)) info.flags |= PAGE_FLAG.ZERO_FILLED;
                else digester.digest(batch, 0);
                writer.addDigest(batch, 0, info);
              } else {
                writer.addPage(batch.content, 0, info);
              }
              st.captured++;
              summary.pages++;
            }
            opts.onProgress?.(summary.pages);
          }
        }
      } catch (e) {
        if (e instanceof InputError) throw e;
        st.exited = true;
        opts.warn(`process ${pid} (${st.comm}) exited during the capture; kept the ${st.captured} pages read before`);
      } finally {
        fs.closeSync(pagemapFd);
        mem?.close();
      }
    }
    freezer?.thaw();
    const fromKcore = summary.processes.reduce((a, p) => a + p.from_kcore, 0);
    summary.content_from = fromKcore === summary.pages ? (kcore ? 'kcore' : 'pid-mem') : fromKcore === 0 ? 'pid-mem' : 'both';
    const shared = pfns.shared();
    summary.shared_physical_pages = shared.pages;
    summary.shared_references = shared.references;
    writer.addSummary(summary);
    writer.finish();
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    freezer?.thaw();
    phys?.close();
    kcore?.close();
  }
  return summary;
}
