/**
 * Where page contents come from: /proc/kcore (physical memory by PFN, through the PT_LOAD
 * segments whose p_paddr covers it — fs/proc/kcore.c sets p_paddr for RAM and kernel text), or
 * else /proc/PID/mem (the page at its virtual address in the target). Both opened read-only.
 */
import fs from 'node:fs';
import { PAGE_SIZE } from '../model/kernel.js';

interface KcoreSegment {
  paddr: number;
  size: number;
  offset: number;
}

export class KcoreReader {
  private constructor(
    private readonly fd: number,
    private readonly segments: KcoreSegment[],
  ) {}

  static open(path = '/proc/kcore'): KcoreReader | null {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch {
      return null;
    }
    try {
      const eh = Buffer.alloc(64);
      if (fs.readSync(fd, eh, 0, 64, 0) !== 64 || eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2) throw new Error('not ELF64');
      const phoff = Number(eh.readBigUInt64LE(32));
      const phentsize = eh.readUInt16LE(54);
      const phnum = eh.readUInt16LE(56);
      if (phentsize < 56 || phnum === 0 || phnum > 65535) throw new Error('bad program headers');
      const ph = Buffer.alloc(phentsize * phnum);
      fs.readSync(fd, ph, 0, ph.length, phoff);
      const segments: KcoreSegment[] = [];
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        if (ph.readUInt32LE(o) !== 1) continue; // PT_LOAD
        const paddr = ph.readBigUInt64LE(o + 24);
        if (paddr === 0xffffffffffffffffn) continue;
        segments.push({ offset: Number(ph.readBigUInt64LE(o + 8)), paddr: Number(paddr), size: Number(ph.readBigUInt64LE(o + 40)) });
      }
      if (segments.length === 0) throw new Error('no physical segments');
      return new KcoreReader(fd, segments);
    } catch {
      fs.closeSync(fd);
      return null;
    }
  }

  /** Reads the page with this PFN; false if no segment covers it or the read fails. */
  read(pfn: number, dst: Uint8Array, at: number): boolean {
    const paddr = pfn * PAGE_SIZE;
    for (const s of this.segments) {
      if (paddr >= s.paddr && paddr + PAGE_SIZE <= s.paddr + s.size) {
        try {
          return fs.readSync(this.fd, dst, at, PAGE_SIZE, s.offset + (paddr - s.paddr)) === PAGE_SIZE;
        } catch {
          return false;
        }
      }
    }
    return false;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Reads pages of one process at virtual addresses through /proc/PID/mem. */
export class ProcMemReader {
  private constructor(private readonly fd: number) {}

  static open(pid: number): ProcMemReader | null {
    try {
      return new ProcMemReader(fs.openSync(`/proc/${pid}/mem`, 'r'));
    } catch {
      return null;
    }
  }

  read(vaddr: number, dst: Uint8Array, at: number): boolean {
    try {
      return fs.readSync(this.fd, dst, at, PAGE_SIZE, vaddr) === PAGE_SIZE;
    } catch {
      return false;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
