/**
 * The kernel's per-page information files: /proc/PID/pagemap (one u64 per virtual page),
 * /proc/kpageflags and /proc/kpagecount (one u64 per PFN). Bit numbers from
 * Documentation/admin-guide/mm/pagemap.rst and include/uapi/linux/kernel-page-flags.h.
 */
import fs from 'node:fs';

export const PM_SOFT_DIRTY = 55;
export const PM_EXCLUSIVE = 56;
export const PM_FILE_OR_SHARED_ANON = 61;
export const PM_SWAPPED = 62;
export const PM_PRESENT = 63;

export const KPF_ANON = 12;
export const KPF_SWAPBACKED = 14;
export const KPF_COMPOUND_HEAD = 15;
export const KPF_COMPOUND_TAIL = 16;
export const KPF_HUGE = 17;
export const KPF_KSM = 21;
export const KPF_THP = 22;
export const KPF_ZERO_PAGE = 24;

/** bit b (0..63) of the u64 stored as [lo, hi] at words[2i], words[2i + 1] */
export function bit(words: Uint32Array, i: number, b: number): boolean {
  return b < 32 ? (words[2 * i] & (1 << b)) !== 0 : (words[2 * i + 1] & (1 << (b - 32))) !== 0;
}

/** PFN bits 0..54 of pagemap entry i */
export function pfnOf(words: Uint32Array, i: number): number {
  return (words[2 * i + 1] & 0x7fffff) * 2 ** 32 + words[2 * i];
}

/** Reads `count` u64 entries starting at entry `first` of a /proc file of u64s; returns entries read. */
export function readEntries(fd: number, first: number, count: number, into: Uint32Array): number {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, count * 8);
  let done = 0;
  while (done < count * 8) {
    const n = fs.readSync(fd, bytes, done, count * 8 - done, first * 8 + done);
    if (n === 0) break;
    done += n;
  }
  return Math.floor(done / 8);
}

/** /proc/kpageflags and /proc/kpagecount, read one PFN at a time. */
export class PhysPageInfo {
  private readonly word = new Uint32Array(2);

  private constructor(
    private readonly flagsFd: number,
    private readonly countFd: number,
  ) {}

  static open(): PhysPageInfo | null {
    try {
      return new PhysPageInfo(fs.openSync('/proc/kpageflags', 'r'), fs.openSync('/proc/kpagecount', 'r'));
    } catch {
      return null;
    }
  }

  /** kpageflags of `pfn` as [lo, hi] in the returned (reused) array, or null if unreadable */
  flags(pfn: number): Uint32Array | null {
    return readEntries(this.flagsFd, pfn, 1, this.word) === 1 ? this.word : null;
  }

  mapcount(pfn: number): number {
    return readEntries(this.countFd, pfn, 1, this.word) === 1 ? this.word[0] : 0;
  }

  close(): void {
    fs.closeSync(this.flagsFd);
    fs.closeSync(this.countFd);
  }
}
