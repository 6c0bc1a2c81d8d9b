/**
 * A kernel dump seen as physical memory, for the page classifier: it reads struct pages and page
 * tables through this, whichever dump format carries them (ELF vmcore, kdump-compressed).
 */
export interface PhysicalMemory {
  /** VMCOREINFO of the dumped kernel as KEY=value pairs (null when the dump carries none) */
  readonly vmcoreinfo: ReadonlyMap<string, string> | null;
  /** highest PFN + 1 the dump describes */
  readonly maxPfn: number;
  /**
   * Reads `len` bytes at physical address `paddr` into dst[at…]. Returns false (and leaves dst
   * unspecified) when the dump does not contain those bytes (a hole, or a page filtered out).
   */
  readPhys(paddr: number, dst: Uint8Array, at: number, len: number): boolean;
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
