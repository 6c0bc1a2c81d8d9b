/** /proc/PID/maps and /proc/PID/smaps: the mappings of a process. */

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  offset: number;
  inode: number;
  path: string;
  /** /proc/PID/smaps: resident and swapped kB of the mapping (Rss + Swap); -1 from maps */
  usedKiB: number;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/;

/** a maps header line's mapping, or null when the line is not one */
function mappingLine(line: string, usedKiB: number): Mapping | null {
  const m = LINE.exec(line);
  if (!m) return null;
  return { start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16), inode: Number(m[5]), path: m[6].trim(), usedKiB };
}

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = mappingLine(line, -1);
    if (m) out.push(m);
  }
  return out;
}

const USAGE = /^(Rss|Swap):\s+(\d+) kB$/;

/**
 * /proc/PID/smaps: each mapping's header line (as in maps) followed by its figures, of which Rss
 * and Swap are kept (fs/proc/task_mmu.c show_smap()).
 */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let last: Mapping | null = null;
  for (const line of text.split('\n')) {
    const m = mappingLine(line, 0);
    if (m) {
      out.push((last = m));
      continue;
    }
    const u = last ? USAGE.exec(line) : null;
    if (u) last!.usedKiB += Number(u[2]);
  }
  return out;
}

/**
 * Address space reserved with no access (PROT_NONE) that holds nothing: V8, Java and Go reserve
 * terabytes this way, and pagemap would describe every page of it. A page present or swapped there
 * (mapped before an mprotect()) counts in smaps' Rss or Swap, so such a mapping is walked. Only a
 * shared zero page mapped before the mprotect() is not counted there (vm_normal_page() gives no
 * page for it); zswap never holds it.
 */
export function isEmptyReservation(m: Mapping): boolean {
  return m.perms.startsWith('---') && m.usedKiB === 0;
}

/** [vsyscall] lives above the user address space and pagemap cannot describe it */
export function isSpecialMapping(m: Mapping): boolean {
  return m.path === '[vsyscall]' || m.path === '[vvar]' || m.path === '[vvar_vclock]';
}

/** Shared memory that is swap-backed (tmpfs, memfd, SysV shm, shared anonymous): zswap sees it as shmem. */
export function looksLikeShmem(m: Mapping): boolean {
  return (
    m.path.startsWith('/dev/shm/') ||
    m.path.startsWith('/memfd:') ||
    m.path.startsWith('/SYSV') ||
    m.path === '/dev/zero (deleted)' ||
    (m.perms[3] === 's' && (m.path === '' || m.path.startsWith('[anon_shmem')))
  );
}
