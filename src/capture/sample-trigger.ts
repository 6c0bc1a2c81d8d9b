/**
 * `capture --trigger CTL[,ACK]`: samples on request, at the moments a workload chooses (a phase
 * boundary, before and after a benchmark step), the way `perf record --control fifo:CTL,ACK`
 * takes commands. CTL and ACK are named pipes the user made (mkfifo). Each line written to CTL is
 * one command:
 *   sample   take a sample now (after the one in progress, if any)
 *   stop     end the recording (no further sample) and keep the file
 * Once a command is done a line goes to ACK: "ack N" (N: the index of the sample it took),
 * "ack stop", or "error <why>" for a line that is no command. A script that writes a command and
 * then reads one line from ACK knows the sample is taken and can go on: the recording saw
 * exactly the state it left. Both pipes are opened read-write and non-blocking, so the capture
 * never waits for a writer or a reader; an ACK nobody reads fills its pipe and further acks are
 * dropped (with one warning).
 */
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { InputError } from '../util/errors.js';

export type TriggerCommand = 'sample' | 'stop';

export interface TriggerPaths {
  control: string;
  ack: string | null;
}

/** `CTL[,ACK]` → paths, each checked to be a named pipe */
export function parseTriggerPaths(value: string): TriggerPaths {
  const parts = value.split(',');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new InputError(null, `--trigger takes CTL or CTL,ACK (named pipes), got '${value}'`);
  checkFifo(parts[0], 'CTL');
  if (parts[1] !== undefined) checkFifo(parts[1], 'ACK');
  return { control: parts[0], ack: parts[1] ?? null };
}

function checkFifo(path: string, role: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    throw new InputError(path, `--trigger ${role}: no such named pipe (create it with mkfifo)`);
  }
  if (!st.isFIFO()) throw new InputError(path, `--trigger ${role}: not a named pipe (create one with mkfifo)`);
}

function openFifo(path: string, role: string): number {
  checkFifo(path, role);
  try {
    return fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(path, `--trigger ${role}: cannot open it (${(e as NodeJS.ErrnoException).code})`);
  }
}

export class SampleTrigger {
  private readonly queue: TriggerCommand[] = [];
  private waiter: (() => void) | null = null;
  private readonly socket: net.Socket;
  private readonly lines: readline.Interface;
  private ackDropped = false;

  private constructor(
    controlFd: number,
    private readonly ackFd: number | null,
    private readonly warn: (message: string) => void,
  ) {
    this.socket = new net.Socket({ fd: controlFd, readable: true, writable: false });
    this.lines = readline.createInterface({ input: this.socket });
    this.lines.on('line', (line) => this.command(line.trim()));
  }

  static open(paths: TriggerPaths, warn: (message: string) => void): SampleTrigger {
    const control = openFifo(paths.control, 'CTL');
    let ack: number | null = null;
    try {
      if (paths.ack !== null) ack = openFifo(paths.ack, 'ACK');
    } catch (e) {
      fs.closeSync(control);
      throw e;
    }
    return new SampleTrigger(control, ack, warn);
  }

  private command(line: string): void {
    if (line === '') return;
    if (line !== 'sample' && line !== 'stop') {
      this.warn(`--trigger: '${line.slice(0, 80)}' is no command (sample, stop): ignored`);
      this.acknowledge(`error unknown command: ${line.slice(0, 80)}`);
      return;
    }
    this.queue.push(line);
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** a command is waiting */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** the next command, in the order they came */
  take(): TriggerCommand | null {
    return this.queue.shift() ?? null;
  }

  /** resolves once a command is waiting (at once if one is); `cancel` drops the wait */
  whenPending(): { promise: Promise<void>; cancel: () => void } {
    if (this.queue.length) return { promise: Promise.resolve(), cancel: () => {} };
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    this.waiter = resolve;
    return {
      promise,
      cancel: () => {
        if (this.waiter === resolve) this.waiter = null;
      },
    };
  }

  acknowledge(text: string): void {
    if (this.ackFd === null) return;
    try {
      fs.writeSync(this.ackFd, `${text}\n`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      if (!this.ackDropped) this.warn('--trigger: nobody reads the ACK pipe and it is full: acknowledgements are dropped');
      this.ackDropped = true;
    }
  }

  close(): void {
    this.lines.close();
    this.socket.destroy();
    if (this.ackFd !== null) fs.closeSync(this.ackFd);
  }
}
