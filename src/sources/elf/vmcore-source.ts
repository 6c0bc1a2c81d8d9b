/**
 * ELF kernel vmcores: kdump's /proc/vmcore (saved with cp or makedumpfile -E), QEMU's
 * dump-guest-memory in ELF format, `virsh dump --memory-only`. Physical memory comes from the
 * PT_LOAD p_paddr ranges; pages are delivered in file order, each with its PFN, filtered by the
 * kernel page classifier (anonymous and shmem pages by default). Also PhysicalMemory, so the
 * classifier reads struct pages and page tables through it.
 *
 * kexec adds a PT_LOAD for the kernel text mapping (virtual __START_KERNEL_map) whose physical
 * range lies inside a System RAM segment: such an alias is left out (its pages would be delivered
 * twice). Any other overlap of physical ranges is a corrupt dump.
 *
 * Pages past p_filesz are how makedumpfile -E leaves pages out (zero, free, cache or user pages,
 * depending on -d): their content is not in the dump, so they are never delivered, only counted
 * (by class when pages are classified). readPhys() reads them as zeros, as the ELF format
 * defines. A page that straddles p_filesz is delivered: file bytes, then zeros.
 */
import { PAGE_SIZE } from '../../model/kernel.js';
import { InputError } from '../../util/errors.js';
import type { ByteSource } from '../input-file.js';
import { openKernelPageFilter, type KernelPageFilter } from '../kernel-pages/page-filter.js';
import type { PageBatch } from '../page-batch.js';
import type { PageSource } from '../page-source.js';
import type { PhysicalMemory } from '../physical-memory.js';
import { warnOnStderr, type SourceOptions } from '../source-options.js';
import { hex, type ElfCore, type ElfSegment } from './elf-format.js';
import type { CoreNotes } from './elf-notes.js';
import { inFileOrder, segmentPages, type PageRun } from './elf-pages.js';
import { RunStreamer } from './run-streamer.js';

const START_KERNEL_MAP = 0xffffffff80000000n;

export class VmcoreSource implements PageSource, PhysicalMemory {
  readonly format = 'elf-vmcore';
  readonly hasContent = true;
  readonly info: Record<string, unknown>;
  readonly totalPages: number | null;
  readonly vmcoreinfo: ReadonlyMap<string, string> | null;
  readonly maxPfn: number;
  readonly dumpBytes: number;
  /** segments by physical address, for readPhys */
  private readonly byPhys: ElfSegment[];
  private readonly streamer: RunStreamer;
  private readonly filter: KernelPageFilter;
  private readonly decide: (pfn: number) => number;
  private readonly absentRun: (first: number, count: number) => void;
  private warned = false;
  private readonly warn: (file: string, message: string) => void;

  constructor(
    private readonly file: ByteSource,
    core: ElfCore,
    notes: CoreNotes,
    options: SourceOptions,
  ) {
    this.warn = options.warn ?? warnOnStderr;
    const path = file.path;
    this.vmcoreinfo = notes.vmcoreinfo;
    this.dumpBytes = file.size;
    const loads = core.loads.filter((s) => s.memsz > 0);
    // kexec's kernel-text alias: virtual address in the kernel image mapping, physical range inside another segment
    const aliases = loads.filter(
      (s) => s.vaddr >= START_KERNEL_MAP && loads.some((o) => o !== s && o.vaddr < START_KERNEL_MAP && s.paddr >= o.paddr && s.paddr + s.memsz <= o.paddr + o.memsz),
    );
    const ram = loads.filter((s) => !aliases.includes(s));
    this.byPhys = [...ram].sort((a, b) => a.paddr - b.paddr);
    for (let i = 1; i < this.byPhys.length; i++) {
      const a = this.byPhys[i - 1];
      const b = this.byPhys[i];
      if (b.paddr < a.paddr + a.memsz) {
        throw new InputError(path, `vmcore: program headers ${a.index} and ${b.index} (PT_LOAD) overlap in physical memory at ${hex(b.paddr)}`);
      }
    }
    const last = this.byPhys[this.byPhys.length - 1];
    this.maxPfn = last ? Math.ceil((last.paddr + last.memsz) / PAGE_SIZE) : 0;

    const runs: PageRun[] = [];
    let partial = 0;
    let inFile = 0;
    let notInFile = 0;
    for (const seg of inFileOrder(ram)) {
      const sp = segmentPages(seg, seg.paddr);
      partial += sp.partial;
      for (const r of sp.runs) {
        runs.push(r);
        if (r.fileOffset < 0) notInFile += r.pages;
        else inFile += r.pages;
      }
    }
    this.streamer = new RunStreamer(file, runs, (pfn) => pfn);
    this.filter = openKernelPageFilter(this, options);
    this.totalPages = options.allPages || !this.filter.classifying ? inFile : null;
    const filter = this.filter;
    this.decide = (pfn) => filter.decide(pfn);
    this.absentRun = (first, count) => filter.absentRange(first, count);
    this.info = {
      kind: 'kernel vmcore',
      detected_by: notes.evidence,
      kernel_release: notes.vmcoreinfo?.get('OSRELEASE') ?? null,
      cpus: notes.cpus,
      segments: ram.length,
      kernel_text_alias_segments: aliases.length,
      max_pfn: this.maxPfn,
      pages: { in_file: inFile, not_in_file: notInFile, partial },
    };
    if (filter.warning) this.info.warning = filter.warning;
    this.info.classification = filter.info();
  }

  // --- PhysicalMemory ---

  readPhys(paddr: number, dst: Uint8Array, at: number, len: number): boolean {
    const segs = this.byPhys;
    let lo = 0;
    let hi = segs.length - 1;
    let i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].paddr <= paddr) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let done = 0;
    while (done < len) {
      if (i < 0 || i >= segs.length) return false;
      const s = segs[i];
      const p = paddr + done;
      if (p < s.paddr || p >= s.paddr + s.memsz) return false;
      const inSeg = p - s.paddr;
      const n = Math.min(len - done, s.memsz - inSeg);
      const fromFile = Math.max(0, Math.min(n, s.filesz - inSeg));
      if (fromFile > 0) this.file.readExactly(dst, at + done, fromFile, s.offset + inSeg, 'physical memory');
      if (fromFile < n) dst.fill(0, at + done + fromFile, at + done + n);
      done += n;
      i++;
    }
    return true;
  }

  // --- PageSource ---

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
    const n = this.streamer.fill(batch, this.decide, this.absentRun);
    this.info.classification = this.filter.info();
    if (n === 0 && this.filter.warning && !this.warned) {
      // at the end, so that a run that fails on a later error still prints one line
      this.warned = true;
      this.warn(this.file.path, this.filter.warning);
    }
    return n;
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    this.streamer.readPage(ordinal, dst, at);
  }

  close(): void {
    this.file.close();
  }
}
