/**
 * Process core files (gdb's gcore, the kernel's core dumps): the memory of one process, PT_LOAD
 * segments at user virtual addresses. NT_FILE lists the file-backed mappings; by default only
 * the pages outside them are delivered (anonymous memory, what zswap would see), plus shared
 * anonymous / shmem mappings, which NT_FILE lists under their shmem file names ("/dev/zero
 * (deleted)", "/SYSV…", "/memfd:…", "/dev/shm/…"). The vDSO is the kernel's and never swapped:
 * left out too. With allPages every dumped page is delivered.
 *
 * Pages past p_filesz of a process core were not dumped (a filtered mapping, or only its first
 * page for ELF headers): they are counted, never delivered as zeros.
 */
import { PAGE_SIZE } from '../../model/kernel.js';
import { InputError } from '../../util/errors.js';
import type { MappingInfo } from '../capture-format.js';
import type { ByteSource } from '../input-file.js';
import { NO_PFN, PAGE_FLAG, type PageBatch } from '../page-batch.js';
import type { PageSource } from '../page-source.js';
import type { SourceOptions } from '../source-options.js';
import { hex, type ElfCore, type ElfSegment } from './elf-format.js';
import { KERNEL_HALF, type CoreNotes, type FileRange } from './elf-notes.js';
import { inFileOrder, segmentPages, type PageRun } from './elf-pages.js';
import { RunStreamer } from './run-streamer.js';

const USER_TOP = 2 ** 53;
const SHMEM_NAME = /^\/(dev\/zero|SYSV[0-9a-fA-F]{8}|memfd:|dev\/shm\/)/;

const KIND_ANON = 0;
const KIND_SHMEM = 1;
const KIND_FILE = 2;
const KIND_VDSO = 3;

export class ProcessCoreSource implements PageSource {
  readonly format = 'elf-core';
  readonly hasContent = true;
  readonly info: Record<string, unknown>;
  readonly totalPages: number;
  /** one per user PT_LOAD segment (a core holds one per VMA), id = program header index + 1 */
  readonly mappings: MappingInfo[] = [];
  private readonly streamer: RunStreamer;
  /** merged file-backed ranges in page numbers: [start, end) pairs, sorted; shmem ones apart */
  private readonly fileStarts: number[] = [];
  private readonly fileEnds: number[] = [];
  private readonly fileShmem: boolean[] = [];
  private readonly vdsoFirst: number;
  private readonly vdsoEnd: number;
  private readonly decide: (page: number, inFile: boolean, segment: number) => number;

  constructor(
    private readonly file: ByteSource,
    core: ElfCore,
    notes: CoreNotes,
    options: SourceOptions,
  ) {
    const path = file.path;
    // gdb dumps the [vsyscall] page at 0xffffffffff600000: kernel-provided, like the vDSO
    const kernelSegs = new Set<number>();
    for (const s of core.loads) {
      if (s.vaddr >= KERNEL_HALF) kernelSegs.add(s.index);
      else if (s.vaddr + BigInt(s.memsz) > BigInt(USER_TOP)) {
        throw new InputError(path, `process core: program header ${s.index} (PT_LOAD) at ${hex(s.vaddr)} is neither a user nor a kernel address`);
      }
    }
    const byAddr = [...core.loads].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
    for (let i = 1; i < byAddr.length; i++) {
      const a = byAddr[i - 1];
      const b = byAddr[i];
      if (b.vaddr < a.vaddr + BigInt(a.memsz)) {
        throw new InputError(path, `process core: program headers ${a.index} and ${b.index} (PT_LOAD) overlap at ${hex(b.vaddr)}`);
      }
    }
    this.indexFileRanges(notes.fileRanges ?? []);
    // the vDSO: the segment holding AT_SYSINFO_EHDR
    let vdsoSeg: ElfSegment | undefined;
    if (notes.vdso !== null) {
      const v = BigInt(notes.vdso);
      vdsoSeg = core.loads.find((s) => v >= s.vaddr && v < s.vaddr + BigInt(s.memsz));
    }
    this.vdsoFirst = vdsoSeg ? Number(vdsoSeg.vaddr) / PAGE_SIZE : -1;
    this.vdsoEnd = vdsoSeg ? Math.ceil((Number(vdsoSeg.vaddr) + vdsoSeg.memsz) / PAGE_SIZE) : -1;

    const runs: PageRun[] = [];
    let partial = 0;
    let notDumped = 0;
    const counts = [0, 0, 0, 0];
    for (const seg of inFileOrder(core.loads)) {
      const kernel = kernelSegs.has(seg.index);
      // kernel-half addresses do not fit a double: their page numbers are only counted
      const sp = segmentPages(seg, kernel ? 0 : Number(seg.vaddr));
      partial += sp.partial;
      for (const r of sp.runs) {
        if (r.fileOffset < 0) {
          notDumped += r.pages;
          continue;
        }
        runs.push(r);
        if (kernel) counts[KIND_VDSO] += r.pages;
        else for (let p = r.first; p < r.first + r.pages; p++) counts[this.kindOf(p)]++;
      }
    }
    const all = options.allPages;
    this.totalPages = all ? counts[0] + counts[1] + counts[2] + counts[3] : counts[KIND_ANON] + counts[KIND_SHMEM];
    this.describeSegments(core.loads, kernelSegs, notes);
    this.streamer = new RunStreamer(file, runs, () => NO_PFN, (segment) => segment + 1);
    const flagsOf = [PAGE_FLAG.ANON | PAGE_FLAG.SWAPBACKED, PAGE_FLAG.SHMEM | PAGE_FLAG.SWAPBACKED | PAGE_FLAG.FILE_OR_SHARED, PAGE_FLAG.FILE_OR_SHARED, 0];
    this.decide = (page, _inFile, segment) => {
      const k = kernelSegs.has(segment) ? KIND_VDSO : this.kindOf(page);
      return all || k <= KIND_SHMEM ? flagsOf[k] : -1;
    };
    const fileRanges = notes.fileRanges ?? [];
    this.info = {
      kind: 'process core',
      detected_by: notes.evidence,
      pid: notes.pid,
      command: notes.command,
      segments: core.loads.length,
      file_mappings: fileRanges.length,
      pages: {
        anonymous: counts[KIND_ANON],
        shmem: counts[KIND_SHMEM],
        file_backed: counts[KIND_FILE],
        vdso_vsyscall: counts[KIND_VDSO],
        not_dumped: notDumped,
        partial: partial,
      },
      delivered: all ? 'all dumped pages (--all-pages)' : 'anonymous and shmem pages (file-backed ranges of NT_FILE, vDSO and vsyscall left out)',
    };
    if (!notes.fileRanges || fileRanges.length === 0) {
      this.info.note = 'no NT_FILE note: file-backed ranges cannot be told apart, every page counts as anonymous';
    }
  }

  /**
   * What each user segment is, as far as a core can tell: the NT_FILE name over it (a file, or a
   * shmem name), the stack of a thread when a stack pointer lies in it, else anonymous memory (a
   * core does not record which anonymous mapping is the [heap]).
   */
  private describeSegments(loads: readonly ElfSegment[], kernelSegs: Set<number>, notes: CoreNotes): void {
    const ranges = notes.fileRanges ?? [];
    for (const s of loads) {
      if (kernelSegs.has(s.index)) {
        // gdb dumps the [vsyscall] page (only with --all-pages is it delivered)
        const at = `0x${s.vaddr.toString(16)}`;
        this.mappings.push({ id: s.index + 1, pid: notes.pid ?? 0, comm: notes.command ?? '', start: at, end: '', perms: 'r-xp', path: '[vsyscall]' });
        continue;
      }
      const start = Number(s.vaddr);
      const end = start + s.memsz;
      const file = ranges.find((r) => r.start < end && r.end > start);
      const perms = `${s.flags & 4 ? 'r' : '-'}${s.flags & 2 ? 'w' : '-'}${s.flags & 1 ? 'x' : '-'}${file && SHMEM_NAME.test(file.name) ? 's' : 'p'}`;
      const stack = !file && notes.stackPointers.some((sp) => sp >= start && sp < end);
      const vdso = this.vdsoFirst >= 0 && start / PAGE_SIZE === this.vdsoFirst;
      this.mappings.push({
        id: s.index + 1,
        pid: notes.pid ?? 0,
        comm: notes.command ?? '',
        start: `0x${start.toString(16)}`,
        end: `0x${end.toString(16)}`,
        perms,
        path: file ? file.name : stack ? '[stack]' : vdso ? '[vdso]' : '',
      });
    }
  }

  private indexFileRanges(ranges: readonly FileRange[]): void {
    const sorted = ranges
      .map((r) => ({ s: Math.floor(r.start / PAGE_SIZE), e: Math.ceil(r.end / PAGE_SIZE), shmem: SHMEM_NAME.test(r.name) }))
      .filter((r) => r.e > r.s)
      .sort((a, b) => a.s - b.s);
    for (const r of sorted) {
      const n = this.fileStarts.length;
      if (n > 0 && r.s < this.fileEnds[n - 1]) {
        // overlapping entries: a corrupt note, but harmless; merge, file-backed wins
        this.fileEnds[n - 1] = Math.max(this.fileEnds[n - 1], r.e);
        this.fileShmem[n - 1] = this.fileShmem[n - 1] && r.shmem;
        continue;
      }
      this.fileStarts.push(r.s);
      this.fileEnds.push(r.e);
      this.fileShmem.push(r.shmem);
    }
  }

  private kindOf(page: number): number {
    if (page >= this.vdsoFirst && page < this.vdsoEnd) return KIND_VDSO;
    const starts = this.fileStarts;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= page) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0 && page < this.fileEnds[found]) return this.fileShmem[found] ? KIND_SHMEM : KIND_FILE;
    return KIND_ANON;
  }

  get path(): string {
    return this.file.path;
  }

  get totalBytes(): number {
    return this.file.size;
  }

  get bytesRead(): number {
    return this.streamer.done ? this.file.size : this.streamer.bytesRead;
  }

  read(batch: PageBatch): number {
    return this.streamer.fill(batch, this.decide);
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    this.streamer.readPage(ordinal, dst, at);
  }

  close(): void {
    this.file.close();
  }
}
