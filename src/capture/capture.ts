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
import { nextTurn } from '../util/next-turn.js';
import { PageDigester } from '../replay/digest.js';
import { isZeroFilled } from '../replay/zero-page.js';
import { CaptureWriter, type PageRecordInfo } from '../sources/capture-writer.js';
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

export async function capture(opts: CaptureOptions): Promise<CaptureSummary> {
  if (opts.targets.all && opts.freeze) throw new InputError(null, '--freeze with --all would stop every process, this capture\'s helpers included; freeze a --cgroup or --pid list instead');
  const pids = selectTargets(opts.targets);
  const cgroupDir = opts.targets.cgroup ? resolveCgroup(opts.targets.cgroup) : null;
  const access = openPhysicalAccess(opts);
  const run = new CaptureRun(opts, access, pids, cgroupDir);
  let freezer: Freezer | null = null;
  try {
    if (opts.freeze) {
      freezer = Freezer.freeze(pids, cgroupDir);
      freezer.warnings.forEach(opts.warn);
      testPause();
    }
    for (const pid of pids) await run.captureProcess(pid);
    freezer?.thaw();
    run.finish();
  } catch (e) {
    run.abort();
    throw e;
  } finally {
    freezer?.thaw();
    access.phys?.close();
    access.kcore?.close();
  }
  return run.summary;
}

/** What this capture can read of physical memory: PFNs, page flags and map counts, contents by PFN. */
interface PhysicalAccess {
  havePfn: boolean;
  phys: PhysPageInfo | null;
  kcore: KcoreReader | null;
}

function openPhysicalAccess(opts: CaptureOptions): PhysicalAccess {
  const havePfn = !opts.noPfn && pfnsReadable();
  if (!opts.noPfn && !havePfn) {
    throw new InputError(null, 'cannot read PFNs from /proc/PID/pagemap (needs CAP_SYS_ADMIN, i.e. root): run as root, or use --no-pfn to go on per process (pages shared between processes are then counted once per process)');
  }
  if (opts.noPfn) opts.warn('--no-pfn: physical pages shared between processes or mappings (fork COW, KSM, shared memory) will be counted more than once');
  const phys = havePfn ? PhysPageInfo.open() : null;
  if (havePfn && !phys) opts.warn('/proc/kpageflags is not readable: anonymous and file pages are told apart by pagemap bits only');
  return { havePfn, phys, kcore: havePfn ? KcoreReader.open() : null };
}

function newProcessStats(pid: number): ProcessStats {
  return {
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
}

/** PAGE_FLAG bits of a captured page, from its scope, kpageflags and pagemap entry i */
function pageFlags(scope: Scope, kf: Uint32Array | null, pm: Uint32Array, i: number): number {
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
  return flags;
}

/** The capture file being written and what was seen so far. */
class CaptureRun {
  readonly summary: CaptureSummary;
  private readonly writer: CaptureWriter;
  /** physical pages captured so far, with their references */
  private readonly pfns = new PfnTable();
  private readonly batch = new PageBatch(1);
  private readonly words: Uint32Array;
  private readonly digester: PageDigester | null;
  /** pagemap entries of the chunk in hand */
  private readonly pm = new Uint32Array(2 * PAGEMAP_CHUNK);
  private mappingId = 0;

  constructor(
    private readonly opts: CaptureOptions,
    private readonly access: PhysicalAccess,
    pids: number[],
    cgroupDir: string | null,
  ) {
    this.summary = {
      processes: [],
      pages: 0,
      content_from: access.kcore ? 'kcore' : 'pid-mem',
      pfn: access.havePfn,
      shared_physical_pages: 0,
      shared_references: 0,
    };
    this.writer = new CaptureWriter(opts.output, opts.hashOnly, {
      source: 'capture',
      kernel_release: os.release(),
      time: new Date().toISOString(),
      hostname: os.hostname(),
      tool: opts.tool,
      pids,
      ...(cgroupDir ? { cgroup: cgroupDir } : {}),
      content_from: this.summary.content_from,
      pfn: access.havePfn,
      scope: opts.shmem ? 'anon+shmem' : 'anon',
    });
    this.words = new Uint32Array(this.batch.content.buffer, this.batch.content.byteOffset, PAGE_SIZE / 4);
    this.digester = opts.hashOnly ? new PageDigester() : null;
  }

  /** Every mapping of one process; a process that goes away keeps what was read of it. */
  async captureProcess(pid: number): Promise<void> {
    const st = newProcessStats(pid);
    this.summary.processes.push(st);
    let maps: Mapping[];
    let pagemapFd: number;
    try {
      maps = parseMaps(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
      pagemapFd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
    } catch {
      st.exited = true;
      this.opts.warn(`process ${pid} (${st.comm}) exited before it could be read`);
      return;
    }
    const mem = ProcMemReader.open(pid);
    try {
      for (const m of maps) if (!isSpecialMapping(m)) await this.captureMapping(st, m, pagemapFd, mem);
    } catch (e) {
      if (e instanceof InputError) throw e;
      st.exited = true;
      this.opts.warn(`process ${pid} (${st.comm}) exited during the capture; kept the ${st.captured} pages read before`);
    } finally {
      fs.closeSync(pagemapFd);
      mem?.close();
    }
  }

  /** A mapping record, then its present pages, PAGEMAP_CHUNK pagemap entries at a time. */
  private async captureMapping(st: ProcessStats, m: Mapping, pagemapFd: number, mem: ProcMemReader | null): Promise<void> {
    const id = ++this.mappingId;
    this.writer.addMapping({ id, pid: st.pid, comm: st.comm, start: `0x${m.start.toString(16)}`, end: `0x${m.end.toString(16)}`, perms: m.perms, path: m.path });
    const pm = this.pm;
    for (let vpage = m.start / PAGE_SIZE; vpage < m.end / PAGE_SIZE; vpage += PAGEMAP_CHUNK) {
      const want = Math.min(PAGEMAP_CHUNK, m.end / PAGE_SIZE - vpage);
      const n = readEntries(pagemapFd, vpage, want, pm);
      if (n < want) throw new Error('pagemap short read');
      for (let i = 0; i < n; i++) {
        if (bit(pm, i, PM_PRESENT)) this.capturePage(st, m, id, vpage + i, i, mem);
        else if (bit(pm, i, PM_SWAPPED)) st.swapped++;
      }
      this.opts.onProgress?.(this.summary.pages);
      await nextTurn();
    }
  }

  /** One present page (pagemap entry i of the chunk): counted where it is out of scope, else written once per physical page. */
  private capturePage(st: ProcessStats, m: Mapping, mapping: number, vpage: number, i: number, mem: ProcMemReader | null): void {
    const { phys, kcore, havePfn } = this.access;
    const pm = this.pm;
    st.present++;
    const pfn = havePfn ? pfnOf(pm, i) : NO_PFN;
    const kf = phys && pfn !== NO_PFN ? phys.flags(pfn) : null;
    const scope = kf ? scopeByKpageflags(kf) : scopeByPagemap(pm, i, m);
    switch (scope) {
      case 'zero_page':
        st.zero_page++;
        return;
      case 'hugetlb':
        st.hugetlb_excluded++;
        return;
      case 'file':
        st.file_excluded++;
        return;
      case 'shmem':
        if (!this.opts.shmem) {
          st.shmem_excluded++;
          return;
        }
    }
    if (pfn !== NO_PFN && this.pfns.reference(pfn) > 0) {
      st.already_captured++;
      return;
    }
    const vaddr = vpage * PAGE_SIZE;
    if (kcore !== null && kcore.read(pfn, this.batch.content, 0)) st.from_kcore++;
    else if (mem !== null && mem.read(vaddr, this.batch.content, 0)) st.from_pid_mem++;
    else {
      st.unreadable++;
      return;
    }
    const flags = pageFlags(scope, kf, pm, i);
    this.writePage({ pfn, vaddr, flags, mapping, mapcount: phys && pfn !== NO_PFN ? phys.mapcount(pfn) : 0 });
    st.captured++;
    this.summary.pages++;
  }

  /** the page in the batch, as a page record or (hash-only) a digest record */
  private writePage(info: PageRecordInfo): void {
    if (!this.digester) {
      this.writer.addPage(this.batch.content, 0, info);
      return;
    }
    if (isZeroFilled(this.words, 0)) info.flags |= PAGE_FLAG.ZERO_FILLED;
    else this.digester.digest(this.batch, 0);
    this.writer.addDigest(this.batch, 0, info);
  }

  /** The summary record and the end record; the file appears under its name. */
  finish(): void {
    const summary = this.summary;
    const fromKcore = summary.processes.reduce((a, p) => a + p.from_kcore, 0);
    summary.content_from = fromKcore === summary.pages ? (this.access.kcore ? 'kcore' : 'pid-mem') : fromKcore === 0 ? 'pid-mem' : 'both';
    const shared = this.pfns.shared();
    summary.shared_physical_pages = shared.pages;
    summary.shared_references = shared.references;
    this.writer.addSummary(summary);
    this.writer.finish();
  }

  abort(): void {
    this.writer.abort();
  }
}
