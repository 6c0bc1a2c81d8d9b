/**
 * How a recording over time learns which pages were used between two samples — the kernel state
 * it touches for that, and nothing else:
 *
 * page_idle  /sys/kernel/mm/page_idle/bitmap (CONFIG_IDLE_PAGE_TRACKING; mm/page_idle.c), one bit
 *            per PFN in u64 words. After each sample the capture writes 1 for the frames of the
 *            pages it recorded: the kernel clears the accessed (young) bits of every PTE mapping
 *            such a page and sets its PG_idle flag (and PG_young where a PTE was young, so that
 *            reclaim still sees the reference: page_idle_clear_pte_refs_one()). At the next sample,
 *            BEFORE any page content is read, it reads those bits: still set = not accessed since
 *            (any access through a PTE sets it young; mark_page_accessed(), e.g. a read(2) into
 *            the page or a /proc/PID/mem read, clears PG_idle). Only pages on an LRU list can be
 *            tracked (page_idle_get_folio()); others, and tail pages of a large folio (the head
 *            page's bit stands for the folio), read as not idle here unless their head says so.
 *            PG_idle/PG_young are global: another idle tracker (DAMON's paddr mode, a second
 *            capture) running at the same time disturbs both.
 * soft_dirty /proc/PID/pagemap bit 55 (CONFIG_MEM_SOFT_DIRTY): after each sample the capture
 *            writes "4" to /proc/PID/clear_refs of every target (fs/proc/task_mmu.c
 *            clear_refs_write(): clears the soft-dirty bit of every PTE and swap PTE and
 *            write-protects present PTEs, so that the next write to each page takes a minor fault
 *            that sets the bit again; pinned pages are left alone and stay dirty). At the next
 *            sample a set bit = written since. Reads are invisible: a write-only fallback.
 *
 * Neither ever writes page contents. /proc/kcore reads do not touch a page's flags; /proc/PID/mem
 * reads go through get_user_pages_remote() with FOLL_TOUCH (mm/gup.c follow_page_pte()), which
 * calls mark_page_accessed(): so contents are read after the idle bits, and marks are set after
 * the contents are read, and the capture's own reads never count as a use — but with
 * /proc/PID/mem they do make the pages look recently used to the target kernel's reclaim.
 */
import fs from 'node:fs';
import type { IdleMethod } from '../timeline/timeline.js';
import { bit, PM_PRESENT, PM_SOFT_DIRTY, readEntries } from './page-info.js';
import { isSpecialMapping, parseMaps } from './proc-maps.js';

export const PAGE_IDLE_BITMAP = '/sys/kernel/mm/page_idle/bitmap';

/** The methods this kernel offers, best first. */
export function availableIdleMethods(): IdleMethod[] {
  const out: IdleMethod[] = [];
  try {
    fs.closeSync(fs.openSync(PAGE_IDLE_BITMAP, 'r+'));
    out.push('page_idle');
  } catch {
    /* no idle page tracking (or not root) */
  }
  if (softDirtyWorks()) out.push('soft_dirty');
  out.push('none');
  return out;
}

/**
 * Soft-dirty exists when, after clear_refs "4" on this process, pages it writes show pagemap bit
 * 55 (without CONFIG_MEM_SOFT_DIRTY clear_refs accepts "4" but the bit is never set). The test
 * touches only this process's own memory.
 */
function softDirtyWorks(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '4');
    const touched = Buffer.alloc(1 << 20).fill(1);
    const fd = fs.openSync('/proc/self/pagemap', 'r');
    try {
      const words = new Uint32Array(2 * 512);
      for (const m of parseMaps(fs.readFileSync('/proc/self/maps', 'utf8'))) {
        if (m.perms !== 'rw-p' || isSpecialMapping(m)) continue;
        for (let v = m.start / 4096; v < m.end / 4096; v += 512) {
          const n = readEntries(fd, v, Math.min(512, m.end / 4096 - v), words);
          for (let i = 0; i < n; i++) if (bit(words, i, PM_PRESENT) && bit(words, i, PM_SOFT_DIRTY)) return touched.length > 0;
        }
      }
      return false;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * The page_idle bitmap: reads and sets the bits of a set of PFNs. Frames are handled in
 * u64-word groups; only the bits of the frames asked for are ever written.
 */
export class PageIdleBitmap {
  private readonly word = Buffer.alloc(8);

  private constructor(private readonly fd: number) {}

  static open(): PageIdleBitmap {
    return new PageIdleBitmap(fs.openSync(PAGE_IDLE_BITMAP, 'r+'));
  }

  /**
   * For each of pfns[0, n) (sorted ascending): idle[i] = 1 when its idle bit is still set.
   * Reading is what checks the PTEs' accessed bits (page_idle_bitmap_read()).
   */
  read(pfns: Float64Array, n: number, idle: Uint8Array): void {
    let lastWord = -1;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const w = Math.floor(pfns[i] / 64);
      if (w !== lastWord) {
        lastWord = w;
        try {
          if (fs.readSync(this.fd, this.word, 0, 8, w * 8) === 8) {
            lo = this.word.readUInt32LE(0);
            hi = this.word.readUInt32LE(4);
          } else lo = hi = 0;
        } catch {
          lo = hi = 0;
        }
      }
      const b = pfns[i] % 64;
      idle[i] = (b < 32 ? lo >>> b : hi >>> (b - 32)) & 1;
    }
  }

  /** Sets the idle bit of pfns[0, n) (sorted ascending). */
  mark(pfns: Float64Array, n: number): void {
    for (let i = 0; i < n; ) {
      const w = Math.floor(pfns[i] / 64);
      let lo = 0;
      let hi = 0;
      for (; i < n && Math.floor(pfns[i] / 64) === w; i++) {
        const b = pfns[i] % 64;
        if (b < 32) lo |= 1 << b;
        else hi |= 1 << (b - 32);
      }
      this.word.writeUInt32LE(lo >>> 0, 0);
      this.word.writeUInt32LE(hi >>> 0, 4);
      try {
        fs.writeSync(this.fd, this.word, 0, 8, w * 8);
      } catch {
        /* beyond max_pfn or gone offline: nothing to mark */
      }
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Clears the soft-dirty bits of one process; false when it is gone. */
export function clearSoftDirty(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '4');
    return true;
  } catch {
    return false;
  }
}
