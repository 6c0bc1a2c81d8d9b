/**
 * One sample's walk over the targets: for every mapping of every process (/proc/PID/smaps, which
 * also tells the empty no-access reservations that are not walked), /proc/PID/pagemap gives
 * presence, PFN or swap entry, the exclusive, file-or-shared and soft-dirty bits;
 * /proc/kpageflags says what a present physical page is (anon, swap-backed, KSM, THP, the shared
 * zero page). Pages zswap could hold (anonymous; shmem with --shmem) go into the SampleWalk,
 * the rest is counted. Nothing is written anywhere; page contents are read only without
 * kpageflags, to tell the shared zero page (see zeroPageByContent).
 */
import fs from 'node:fs';
import { PAGE_SIZE } from '../model/kernel.js';
import type { MappingInfo } from '../sources/capture-format.js';
import { PAGE_FLAG } from '../sources/page-batch.js';
import { InputError } from '../util/errors.js';
import { nextTurn } from '../util/next-turn.js';
import {
  bit,
  KPF_ANON,
  KPF_COMPOUND_HEAD,
  KPF_COMPOUND_TAIL,
  KPF_HUGE,
  KPF_KSM,
  KPF_SWAPBACKED,
  KPF_THP,
  KPF_ZERO_PAGE,
  PhysPageInfo,
  PM_EXCLUSIVE,
  PM_FILE_OR_SHARED_ANON,
  PM_PRESENT,
  PM_SOFT_DIRTY,
  PM_SWAPPED,
  pfnOf,
  readEntries,
} from './page-info.js';
import { FIRST_SPECIAL_SWAP_TYPE, LOC, type SampleWalk } from './page-identity.js';
import { ProcMemReader } from './page-content.js';
import { isEmptyReservation, isSpecialMapping, looksLikeShmem, parseSmaps, type Mapping } from './proc-maps.js';
import { isZeroFilled } from '../replay/zero-page.js';
import { processName } from './targets.js';

const PAGEMAP_CHUNK = 512;

/** What one process showed: counts of its last sample, except captured/from_* (the whole recording). */
export interface ProcessStats {
  pid: number;
  comm: string;
  /** present pages in the mappings walked */
  present: number;
  /** page records written for it (its new and changed pages) */
  captured: number;
  /** present pages in scope whose physical page another mapping walked before holds (COW, KSM, shared) */
  already_captured: number;
  /** swapped-out pages: their content cannot be read */
  swapped: number;
  file_excluded: number;
  shmem_excluded: number;
  /** mappings of the kernel's shared zero page (never in zswap) */
  zero_page: number;
  hugetlb_excluded: number;
  unreadable: number;
  /** virtual pages of no-access mappings that held nothing (proc-maps.ts isEmptyReservation()), not walked */
  reserved_pages: number;
  /** where the captured pages' contents came from */
  from_kcore: number;
  from_pid_mem: number;
  exited: boolean;
  /** samples in which it was found first and last */
  first_sample: number;
  last_sample: number;
}

/** A target process, told apart from a later one with the same PID by its start time. */
export interface TargetProcess {
  index: number;
  pid: number;
  startTime: string;
  stats: ProcessStats;
  /** sample after which its soft-dirty bits were cleared (-1: never) */
  clearedAt: number;
  /** mapping record ids by (start, end, perms, path) */
  mappingIds: Map<string, number>;
}

/** field 22 of /proc/PID/stat (after the parenthesised comm, which may hold anything) */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export class ProcessTable {
  readonly all: TargetProcess[] = [];
  private readonly byPid = new Map<number, TargetProcess>();

  /** The process with this PID now (a new entry when the PID names a new process); null when gone. */
  find(pid: number, sample: number): TargetProcess | null {
    const start = startTime(pid);
    if (start === null) return null;
    let p = this.byPid.get(pid);
    if (!p || p.startTime !== start) {
      if (p) p.stats.exited = true;
      p = { index: this.all.length, pid, startTime: start, stats: newProcessStats(pid, sample), clearedAt: -1, mappingIds: new Map() };
      this.all.push(p);
      this.byPid.set(pid, p);
    }
    return p;
  }
}

function newProcessStats(pid: number, sample: number): ProcessStats {
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
    reserved_pages: 0,
    from_kcore: 0,
    from_pid_mem: 0,
    exited: false,
    first_sample: sample,
    last_sample: sample,
  };
}

/** the counts of one sample start at 0 */
function resetSampleCounts(st: ProcessStats, sample: number): void {
  st.present = st.already_captured = st.swapped = st.file_excluded = st.shmem_excluded = st.zero_page = st.hugetlb_excluded = st.unreadable = st.reserved_pages = 0;
  st.last_sample = sample;
}

type Scope = 'anon' | 'shmem' | 'file' | 'zero_page' | 'hugetlb';

function scopeByKpageflags(kf: Uint32Array): Scope {
  if (bit(kf, 0, KPF_ZERO_PAGE)) return 'zero_page';
  if (bit(kf, 0, KPF_HUGE)) return 'hugetlb';
  if (bit(kf, 0, KPF_ANON)) return 'anon';
  if (bit(kf, 0, KPF_SWAPBACKED)) return 'shmem';
  return 'file';
}

/**
 * Without kpageflags (--no-pfn): pagemap's bits and the mapping. A private anonymous mapping
 * holds anonymous pages and the zero pages; of these only the huge zero page is not anonymous
 * (fs/proc/task_mmu.c pagemap_pmd_range() sets PM_FILE for a folio that is not anon).
 */
function scopeByPagemap(pm: Uint32Array, i: number, m: Mapping): Scope {
  if (!bit(pm, i, PM_FILE_OR_SHARED_ANON)) return 'anon';
  if (looksLikeShmem(m)) return 'shmem';
  return isPrivateAnonymous(m) ? 'zero_page' : 'file';
}

function isPrivateAnonymous(m: Mapping): boolean {
  return m.perms[3] === 'p' && m.inode === 0 && (m.path === '' || m.path.startsWith('[heap') || m.path.startsWith('[stack') || m.path.startsWith('[anon:'));
}

/** PAGE_FLAG bits of a page, from its scope, kpageflags and pagemap entry i */
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

export interface WalkOptions {
  shmem: boolean;
  havePfn: boolean;
  phys: PhysPageInfo | null;
  /** read soft-dirty bits (the idle method) */
  softDirty: boolean;
  /** find the frame whose idle bit stands for a page (large folios: the head) */
  idleFrames: boolean;
  addMapping(m: MappingInfo): void;
  warn(message: string): void;
  onProgress?: () => void;
}

export class TargetWalker {
  private readonly pm = new Uint32Array(2 * PAGEMAP_CHUNK);
  private mappingId = 0;
  /** the last large folio head found: [head, head + 2^order) */
  private headFrame = -1;
  private headPages = 0;
  /** the process being walked, through /proc/PID/mem: without kpageflags, to tell the zero page */
  private mem: ProcMemReader | null = null;
  private readonly page = new Uint32Array(PAGE_SIZE / 4);
  private readonly pageBytes = new Uint8Array(this.page.buffer);

  constructor(
    private readonly walk: SampleWalk,
    private readonly opts: WalkOptions,
  ) {}

  /** Every mapping of one process; a process that goes away keeps what was read of it (and is marked exited). */
  async walkProcess(p: TargetProcess, sample: number): Promise<void> {
    const st = p.stats;
    if (st.exited) return;
    resetSampleCounts(st, sample);
    let maps: Mapping[];
    let pagemapFd: number;
    try {
      maps = parseSmaps(fs.readFileSync(`/proc/${p.pid}/smaps`, 'utf8'));
      pagemapFd = fs.openSync(`/proc/${p.pid}/pagemap`, 'r');
    } catch {
      st.exited = true;
      this.opts.warn(`process ${p.pid} (${st.comm}) exited before it could be read`);
      return;
    }
    const softDirtyKnown = this.opts.softDirty && p.clearedAt === sample - 1;
    if (!this.opts.phys) this.mem = ProcMemReader.open(p.pid);
    try {
      for (const m of maps) {
        if (isSpecialMapping(m)) continue;
        if (isEmptyReservation(m)) st.reserved_pages += (m.end - m.start) / PAGE_SIZE;
        else await this.walkMapping(p, m, pagemapFd, softDirtyKnown);
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      st.exited = true;
      this.opts.warn(`process ${p.pid} (${st.comm}) exited during the capture; kept what was read of it`);
    } finally {
      fs.closeSync(pagemapFd);
      this.mem?.close();
      this.mem = null;
    }
  }

  private mappingOf(p: TargetProcess, m: Mapping): number {
    const name = `${m.start}-${m.end} ${m.perms} ${m.path}`;
    let id = p.mappingIds.get(name);
    if (id === undefined) {
      id = ++this.mappingId;
      p.mappingIds.set(name, id);
      this.opts.addMapping({ id, pid: p.pid, comm: p.stats.comm, start: `0x${m.start.toString(16)}`, end: `0x${m.end.toString(16)}`, perms: m.perms, path: m.path });
    }
    return id;
  }

  /** Its pages, PAGEMAP_CHUNK pagemap entries at a time. */
  private async walkMapping(p: TargetProcess, m: Mapping, pagemapFd: number, softDirtyKnown: boolean): Promise<void> {
    const id = this.mappingOf(p, m);
    const pm = this.pm;
    for (let vpage = m.start / PAGE_SIZE; vpage < m.end / PAGE_SIZE; vpage += PAGEMAP_CHUNK) {
      const want = Math.min(PAGEMAP_CHUNK, m.end / PAGE_SIZE - vpage);
      const n = readEntries(pagemapFd, vpage, want, pm);
      if (n < want) throw new Error('pagemap short read');
      for (let i = 0; i < n; i++) {
        const dirty = softDirtyKnown ? (bit(pm, i, PM_SOFT_DIRTY) ? 1 : 0) : 2;
        if (bit(pm, i, PM_PRESENT)) this.presentPage(p, m, id, vpage + i, i, dirty);
        else if (bit(pm, i, PM_SWAPPED)) this.swappedPage(p, m, id, vpage + i, i, dirty);
      }
      this.opts.onProgress?.();
      await nextTurn();
    }
  }

  /** A present page (pagemap entry i of the chunk): into the walk when zswap could hold it, else counted. */
  private presentPage(p: TargetProcess, m: Mapping, mapping: number, vpage: number, i: number, dirty: number): void {
    const { phys, havePfn } = this.opts;
    const st = p.stats;
    const pm = this.pm;
    st.present++;
    const pfn = havePfn ? pfnOf(pm, i) : -1;
    const kf = phys && pfn >= 0 ? phys.flags(pfn) : null;
    let scope = kf ? scopeByKpageflags(kf) : scopeByPagemap(pm, i, m);
    if (scope === 'anon' && !kf && this.zeroPageByContent(pm, i, vpage)) scope = 'zero_page';
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
    const flags = pageFlags(scope, kf, pm, i);
    const tail = kf !== null && bit(kf, 0, KPF_COMPOUND_TAIL);
    const idleFrame = pfn >= 0 && this.opts.idleFrames && tail ? this.folioHead(pfn) : pfn;
    if (pfn >= 0) this.walk.push(p.index, vpage, LOC.FRAME, pfn, idleFrame, flags, mapping, dirty);
    else this.walk.push(p.index, vpage, LOC.NONE, 0, -1, flags, mapping, dirty);
  }

  /**
   * Without kpageflags, the shared zero page looks like an anonymous page that is not exclusive
   * (vm_normal_page() returns no page for it, so pagemap sets neither PM_FILE nor
   * PM_MMAP_EXCLUSIVE): such a page read as all zeros is taken for it. An anonymous page filled
   * with zeros and shared after fork is taken for it too; zswap would hold neither.
   */
  private zeroPageByContent(pm: Uint32Array, i: number, vpage: number): boolean {
    if (bit(pm, i, PM_EXCLUSIVE) || !this.mem) return false;
    return this.mem.read(vpage * PAGE_SIZE, this.pageBytes, 0) && isZeroFilled(this.page, 0);
  }

  /** A swapped-out page: in the walk at its swap entry (type | offset << 5, as pagemap gives it). */
  private swappedPage(p: TargetProcess, m: Mapping, mapping: number, vpage: number, i: number, dirty: number): void {
    const pm = this.pm;
    p.stats.swapped++;
    if (looksLikeShmem(m) && !this.opts.shmem) return;
    if (!this.opts.havePfn) return; // without CAP_SYS_ADMIN the swap entry reads as 0: nothing to follow
    const entry = pfnOf(pm, i);
    const special = (pm[2 * i] & 31) >= FIRST_SPECIAL_SWAP_TYPE;
    const flags = looksLikeShmem(m) ? PAGE_FLAG.SHMEM : PAGE_FLAG.ANON;
    this.walk.push(p.index, vpage, special ? LOC.TRANSIT : LOC.SWAP, entry, -1, flags, mapping, dirty);
  }

  /** The head frame of the large folio holding tail frame `pfn` (folios are aligned to their size). */
  private folioHead(pfn: number): number {
    if (this.headFrame >= 0 && pfn >= this.headFrame && pfn < this.headFrame + this.headPages) return this.headFrame;
    const phys = this.opts.phys!;
    for (let order = 1; order <= 18; order++) {
      const candidate = pfn - (pfn % 2 ** order);
      const kf = phys.flags(candidate);
      if (kf && bit(kf, 0, KPF_COMPOUND_HEAD)) {
        this.headFrame = candidate;
        this.headPages = 2 ** order;
        return candidate;
      }
      if (!kf || !bit(kf, 0, KPF_COMPOUND_TAIL)) break;
    }
    return pfn;
  }
}
