/**
 * What a hash-only trace leaves out by default (issue 14): whatever names the machine, its
 * processes and files, or its address layout. Applied by the capture writer to everything it
 * writes, so no path into a trace can skip it; `--keep-names` turns it off, and content captures
 * (.zsdc), which hold the memory itself, keep everything.
 *
 *   header      no hostname; kernel release cut to major.minor; no PIDs, no cgroup path, no input
 *               file paths (their formats stay)
 *   processes   PIDs replaced by 1, 2, 3 … in order of appearance; no process names (comm)
 *   mappings    only the kind of mapping (heap, stack, anonymous, shmem, file: a private file
 *               mapping's copy-on-write pages, or the [name] of a special one) and its
 *               permissions: no path, no start or end address
 *   pages       no PFN, no virtual address (the order of the records is all a replay needs)
 */
import type { CaptureMeta, MappingInfo } from './capture-format.js';

/** fields the header keeps as they are in a redacted trace; the others are rewritten or dropped */
const KEPT_META = new Set(['source', 'time', 'tool', 'content_from', 'pfn', 'scope', 'idle_method', 'interval']);

/** The kind of a mapping, from its path and permissions (as /proc/PID/maps shows them). */
export function mappingKind(path: string, perms: string): string {
  if (path === '[heap]' || path === '[stack]') return path;
  const shared = perms[3] === 's';
  if (path === '' || path.startsWith('[anon')) return shared ? 'shmem' : 'anonymous';
  if (path.startsWith('/dev/shm/') || path.startsWith('/memfd:') || path.startsWith('/SYSV') || path === '/dev/zero (deleted)') return 'shmem';
  if (path.startsWith('[')) return path.replace(/:.*\]$/, ']');
  return shared ? 'shmem' : 'file';
}

export class Redaction {
  private readonly pseudonyms = new Map<number, number>();

  /** 1, 2, 3 … for the PIDs in the order they are met */
  pid(pid: number): number {
    let p = this.pseudonyms.get(pid);
    if (p === undefined) this.pseudonyms.set(pid, (p = this.pseudonyms.size + 1));
    return p;
  }

  meta(meta: CaptureMeta): CaptureMeta {
    const out: CaptureMeta = { source: meta.source, time: meta.time, tool: meta.tool };
    for (const [k, v] of Object.entries(meta)) if (KEPT_META.has(k)) out[k] = v;
    if (typeof meta.kernel_release === 'string') out.kernel_release = /^\d+\.\d+/.exec(meta.kernel_release)?.[0] ?? 'unknown';
    if (Array.isArray(meta.pids)) out.processes = meta.pids.length;
    if (meta.cgroup !== undefined) out.cgroup = true;
    if (Array.isArray(meta.inputs)) out.inputs = meta.inputs.map((i: { format?: unknown }) => ({ format: i.format }));
    out.redacted = true;
    return out;
  }

  mapping(m: MappingInfo): MappingInfo {
    return { id: m.id, pid: this.pid(m.pid), comm: '', start: '', end: '', perms: m.perms, path: mappingKind(m.path, m.perms) };
  }

  /** A summary record: every pid (and list of pids) pseudonymised, process names dropped. */
  summary(value: unknown, key = ''): unknown {
    if (Array.isArray(value)) {
      return key === 'pids' || key === 'exited' ? value.map((p) => (typeof p === 'number' ? this.pid(p) : p)) : value.map((v) => this.summary(v));
    }
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'comm' || k === 'hostname' || k === 'path') continue;
      out[k] = k === 'pid' && typeof v === 'number' ? this.pid(v) : this.summary(v, k);
    }
    return out;
  }
}
