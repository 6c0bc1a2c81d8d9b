/**
 * The study's cgroups (v2): one per workload instance, one for the load generators, one for the
 * study's own tool runs (capture, convert, analyze: their CPU time is counted apart), all below
 * <cgroup2 root>/zswap-study. A process is put into its cgroup before it execs the workload
 * script, so every server it starts stays inside; stopping is `cgroup.kill`, which ends exactly
 * those processes and no others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cgroup2Root } from '../src/capture/targets.js';

export const STUDY_CGROUP = 'zswap-study';

export class Cgroup {
  readonly dir: string;

  constructor(name: string) {
    this.dir = path.join(cgroup2Root(), STUDY_CGROUP, name);
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** `command args` as a command line that runs inside this cgroup: a shell moves itself into it, then becomes the command */
  argv(command: string, args: string[]): [string, string[]] {
    return ['/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, command, ...args]];
  }

  /** Runs `command args` inside this cgroup; its stdout and stderr go to `log`. */
  spawn(command: string, args: string[], log: string, env: NodeJS.ProcessEnv): ChildProcess {
    const fd = fs.openSync(log, 'a');
    try {
      const [sh, argv] = this.argv(command, args);
      return spawn(sh, argv, {
        stdio: ['ignore', fd, fd],
        env,
      });
    } finally {
      fs.closeSync(fd);
    }
  }

  /** CPU time its processes (and those of its descendants) have used, from cpu.stat, in seconds */
  cpuSeconds(): number {
    const m = /^usage_usec (\d+)$/m.exec(fs.readFileSync(path.join(this.dir, 'cpu.stat'), 'utf8'));
    return m ? Number(m[1]) / 1e6 : 0;
  }

  pids(): number[] {
    const out: number[] = [];
    const walk = (dir: string) => {
      for (const l of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim()) out.push(Number(l));
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(this.dir);
    return out;
  }

  /**
   * Kills every process of the cgroup and removes it (waits up to 10 s for them to go). A killed
   * process leaves cgroup.procs before the kernel is done with it: until then rmdir says EBUSY,
   * so that is retried too (up to 10 s more, which a busy machine needs).
   */
  async destroy(): Promise<void> {
    if (!fs.existsSync(this.dir)) return;
    const killFile = path.join(this.dir, 'cgroup.kill');
    for (let tries = 0; tries < 100; tries++) {
      if (this.pids().length === 0) break;
      fs.writeFileSync(killFile, '1');
      await sleep(100);
    }
    for (let tries = 0; ; tries++) {
      try {
        fs.rmdirSync(this.dir);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || tries >= 100) throw e;
        if (this.pids().length > 0) fs.writeFileSync(killFile, '1');
        await sleep(100);
      }
    }
  }
}

/** Removes the study's parent cgroup once its children are gone (leftovers of a killed run included). */
export async function destroyStudyCgroups(): Promise<void> {
  const parent = path.join(cgroup2Root(), STUDY_CGROUP);
  if (!fs.existsSync(parent)) return;
  for (const e of fs.readdirSync(parent, { withFileTypes: true })) {
    if (e.isDirectory()) await new Cgroup(e.name).destroy();
  }
  fs.rmdirSync(parent);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
