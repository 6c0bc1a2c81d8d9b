import { InputError } from '../util/errors.js';

/**
 * A kernel dump seen as physical memory, for the page classifier: it reads struct pages and page
 * tables through this, whichever dump format carries them (ELF vmcore, kdump-compressed).
 */
export interface PhysicalMemory {
  /** VMCOREINFO of the dumped kernel as KEY=value pairs (null when the dump carries none) */
  readonly vmcoreinfo: ReadonlyMap<string, string> | null;
  /** highest PFN + 1 the dump describes */
  readonly maxPfn: number;
  /** size of the dump in bytes: what bounds the work of classifying its pages */
  readonly dumpBytes: number;
  /**
   * Reads `len` bytes at physical address `paddr` into dst[at…]. Returns false (and leaves dst
   * unspecified) when the dump does not contain those bytes (a hole, or a page filtered out).
   */
  readPhys(paddr: number, dst: Uint8Array, at: number, len: number): boolean;
}

/** VMCOREINFO larger than this is refused (the kernel's is one page; this leaves room for any other writer) */
export const MAX_VMCOREINFO = 1 << 20;

/**
 * Parses VMCOREINFO as a dump stores it (note descriptor or kdump sub-header area): "KEY=value"
 * lines, padded with NULs. InputError when it is larger than MAX_VMCOREINFO.
 */
export function parseVmcoreinfoBytes(path: string, bytes: Buffer, where: string): Map<string, string> {
  if (bytes.length > MAX_VMCOREINFO) throw new InputError(path, `${where}: VMCOREINFO of ${bytes.length} bytes is too large (limit ${MAX_VMCOREINFO})`);
  return parseVmcoreinfo(bytes.toString('latin1', 0, withoutTrailingNuls(bytes, 0, bytes.length)));
}

/** end of bytes[start, end) without its trailing NULs (a backward scan: linear, unlike /\0+$/) */
export function withoutTrailingNuls(bytes: Uint8Array, start: number, end: number): number {
  while (end > start && bytes[end - 1] === 0) end--;
  return end;
}

/** Parses VMCOREINFO note text ("KEY=value" lines). */
export function parseVmcoreinfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return m;
}
