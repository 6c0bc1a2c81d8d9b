/** /proc/PID/maps: the mappings of a process. */

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  offset: number;
  inode: number;
  path: string;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/;

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({
      start: parseInt(m[1], 16),
      end: parseInt(m[2], 16),
      perms: m[3],
      offset: parseInt(m[4], 16),
      inode: Number(m[5]),
      path: m[6].trim(),
    });
  }
  return out;
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
