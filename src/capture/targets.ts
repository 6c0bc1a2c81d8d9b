/** Which processes a capture reads: --pid, --cgroup (with its descendants), --all. */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../util/errors.js';

/** Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems. */
export function cgroup2Root(): string {
  try {
    for (const line of fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'cgroup2') return f[1];
    }
  } catch {
    /* no /proc/self/mounts: assume the usual place */
  }
  return '/sys/fs/cgroup';
}

/** A cgroup given as an absolute directory or as a path below the cgroup v2 root. */
export function resolveCgroup(p: string): string {
  const root = cgroup2Root();
  const dir = path.isAbsolute(p) && fs.existsSync(path.join(p, 'cgroup.procs')) ? p : path.join(root, p);
  if (!fs.existsSync(path.join(dir, 'cgroup.procs'))) throw new InputError(p, `not a cgroup v2 directory (no ${path.join(dir, 'cgroup.procs')}; cgroup v2 is mounted at ${root})`);
  return dir;
}

function cgroupPids(dir: string, out: Set<number>): void {
  for (const line of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line.trim()) out.add(Number(line));
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) cgroupPids(path.join(dir, e.name), out);
}

export interface TargetSpec {
  pids: number[];
  cgroup?: string;
  all: boolean;
}

export function selectTargets(spec: TargetSpec): number[] {
  const out = new Set<number>();
  for (const pid of spec.pids) {
    if (!Number.isInteger(pid) || pid <= 0) throw new InputError(null, `--pid: '${pid}' is not a process id`);
    if (!fs.existsSync(`/proc/${pid}`)) throw new InputError(null, `--pid ${pid}: no such process`);
    out.add(pid);
  }
  if (spec.cgroup) cgroupPids(resolveCgroup(spec.cgroup), out);
  if (spec.all) {
    for (const name of fs.readdirSync('/proc')) if (/^\d+$/.test(name)) out.add(Number(name));
  }
  out.delete(process.pid);
  if (out.size === 0) throw new InputError(null, 'no process to capture (use --pid, --cgroup or --all)');
  return [...out].sort((a, b) => a - b);
}

/**
 * The targets at a later sample of a recording: the --pid processes still there, and the
 * processes of the cgroup (if it still exists) or of the system now. Never an error.
 */
export function currentTargets(spec: TargetSpec, cgroupDir: string | null): number[] {
  const out = new Set<number>();
  for (const pid of spec.pids) if (fs.existsSync(`/proc/${pid}`)) out.add(pid);
  if (cgroupDir) {
    try {
      cgroupPids(cgroupDir, out);
    } catch {
      /* the cgroup went away: its processes with it */
    }
  }
  if (spec.all) {
    for (const name of fs.readdirSync('/proc')) if (/^\d+$/.test(name)) out.add(Number(name));
  }
  out.delete(process.pid);
  return [...out].sort((a, b) => a - b);
}

export function processName(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
