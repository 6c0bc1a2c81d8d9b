/**
 * --freeze: stops the targets for a consistent snapshot (the cgroup v2 freezer when capturing a
 * cgroup, else SIGSTOP) and guarantees they run again: thaw() in the normal path, on exit and on
 * signals, and a detached watchdog process that thaws them if this process dies unannounced
 * (SIGKILL): it waits for its stdin pipe to close, which happens whenever we go away.
 * Only what it stopped runs again: a target already stopped (state T or t: SIGSTOP, a debugger)
 * or a cgroup already frozen is left as it was found.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processName } from './targets.js';

const FROZEN_WAIT_MS = 5000;

export class Freezer {
  private watchdog: ChildProcess | null = null;
  private thawed = false;
  private readonly onExit = () => this.thaw();
  readonly warnings: string[] = [];

  private constructor(
    /** the processes this freezer stops (and so lets run again) */
    private readonly pids: number[],
    /** the cgroup it freezes (null: none, or one that was frozen already) */
    private readonly cgroupDir: string | null,
  ) {}

  /** Freezes and returns a Freezer whose thaw() undoes it. */
  static freeze(targets: number[], cgroupDir: string | null): Freezer {
    const freezable = cgroupDir && fs.existsSync(path.join(cgroupDir, 'cgroup.freeze')) ? cgroupDir : null;
    // what is stopped already is not ours to resume
    const cgroup = freezable && readTrimmed(path.join(freezable, 'cgroup.freeze')) !== '1' ? freezable : null;
    const pids = freezable ? [] : targets.filter((pid) => !/^[Tt]$/.test(processState(pid)));
    const f = new Freezer(pids, cgroup);
    f.startWatchdog();
    process.on('exit', f.onExit);
    if (f.cgroupDir) {
      fs.writeFileSync(path.join(f.cgroupDir, 'cgroup.freeze'), '1');
      f.waitFrozen();
    } else {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGSTOP');
        } catch {
          f.warnings.push(`process ${pid} (${processName(pid)}) could not be stopped`);
        }
      }
    }
    return f;
  }

  private waitFrozen(): void {
    const events = path.join(this.cgroupDir!, 'cgroup.events');
    const until = Date.now() + FROZEN_WAIT_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until) {
      if (/^frozen 1$/m.test(fs.readFileSync(events, 'utf8'))) return;
      Atomics.wait(pause, 0, 0, 20);
    }
    this.warnings.push(`cgroup ${this.cgroupDir} did not report frozen within ${FROZEN_WAIT_MS / 1000} s; capturing anyway`);
  }

  private thawCommand(): string {
    if (this.cgroupDir) return `echo 0 > '${path.join(this.cgroupDir, 'cgroup.freeze').replace(/'/g, `'\\''`)}'`;
    return this.pids.length ? `kill -CONT ${this.pids.join(' ')} 2>/dev/null` : 'true';
  }

  private startWatchdog(): void {
    this.watchdog = spawn('/bin/sh', ['-c', `cat >/dev/null; ${this.thawCommand()}`], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    this.watchdog.unref();
  }

  thaw(): void {
    if (this.thawed) return;
    this.thawed = true;
    process.off('exit', this.onExit);
    if (this.cgroupDir) {
      try {
        fs.writeFileSync(path.join(this.cgroupDir, 'cgroup.freeze'), '0');
      } catch {
        /* the watchdog tries again */
      }
    } else {
      for (const pid of this.pids) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          /* exited meanwhile */
        }
      }
    }
    this.watchdog?.stdin?.end();
  }
}

/** the state letter of /proc/PID/stat (R, S, D, T, t, Z …), '' when the process is gone */
function processState(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] ?? '';
  } catch {
    return '';
  }
}

function readTrimmed(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
