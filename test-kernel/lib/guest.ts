/**
 * Runs the Linux 6.12 test guest under QEMU (TCG) for the kernel tests.
 *
 * - `ensureKernel()` / `ensureInitramfs()` call kernel/build-kernel.sh and
 *   kernel/build-initramfs.sh, which build once and cache outside the clone.
 * - `runGuest()` boots one guest: serial console on QEMU's stdio (every line is
 *   collected, handed to `onConsoleLine`, and `send()` types into the guest),
 *   9p shares, virtio-blk disks, a QMP socket and `-device vmcoreinfo`.
 * - `runJob()` is the usual way in: it writes `run.sh` and input files to a
 *   read-only share "job", gives the guest a writable share "out" and a swap
 *   disk, boots, and returns the files the job left in "out". The guest's
 *   /init (kernel/guest/init) runs /job/run.sh and writes its exit status to
 *   /out/status, so a guest that panics, hangs or fails says so loudly, with the
 *   tail of its console.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync, existsSync, openSync, closeSync, ftruncateSync, writeSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs from dist/test-kernel/lib/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const KERNEL_DIR = join(REPO_ROOT, 'kernel');

export class GuestError extends Error {}

/** Run a kernel/ build script; its stderr goes through live (a kernel build is long). */
/** Runs a kernel/ script, its stderr streaming through live; resolves its last stdout line. */
export function runKernelScript(script: string, args: string[], okCodes = [0]): Promise<string> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(KERNEL_DIR, script), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    child.on('error', (e) => reject(new GuestError(`${script}: cannot run: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === null || !okCodes.includes(code)) {
        reject(new GuestError(`${script} failed (exit ${code ?? signal}):\n${tail(stderr, 80)}`));
        return;
      }
      process.stderr.write(`${script}: done (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      resolvePromise(stdout.trim().split('\n').pop() ?? '');
    });
  });
}

/** Runs a kernel/ build script with --print-path; resolves the (existing) path it printed. */
async function runScript(script: string, args: string[]): Promise<string> {
  const path = await runKernelScript(script, [...args, '--print-path']);
  if (!path || !existsSync(path)) throw new GuestError(`${script} printed no usable path: '${path}'`);
  return path;
}

export interface KernelBuild {
  /** build variant, part of the cache key (default "stock") */
  variant?: string;
  /** directory of *.patch files applied on top of linux-source-6.12 */
  patches?: string;
  /** config fragments merged after kernel/config/zswap-guest.config, in order */
  extraConfig?: string[];
}

/** Path of the cached bzImage; builds it first when needed (7–20 min on 2 cores). */
export function ensureKernel(build: KernelBuild = {}): Promise<string> {
  const args = ['--variant', build.variant ?? 'stock'];
  if (build.patches) args.push('--patches', build.patches);
  for (const f of build.extraConfig ?? []) args.push('--extra-config', f);
  return runScript('build-kernel.sh', args);
}

/** Path of the cached initramfs (busybox, /init, zswap-fill, zswap-measure). */
export function ensureInitramfs(): Promise<string> {
  return runScript('build-initramfs.sh', []);
}

export interface Share {
  tag: string;
  hostPath: string;
  readonly: boolean;
}

/**
 * What a job that runs the analyzer in a chroot of the host needs (kernel/guest/*-job.sh,
 * study/guest/*-job.sh, each sourcing kernel/guest/chroot-host.sh from the clone share): the
 * host root read-only as "host" (node, python3, their libraries) and this clone read-only as
 * "repo", which the job binds at /tmp/zswap-dedup inside the chroot. The clone gets a share of its own
 * because the job mounts a fresh tmpfs on the chroot's /tmp, which would hide a clone under /tmp
 * (any place the job mounts over would do the same): the job never uses the clone's host path.
 */
export const CHROOT_SHARES: Share[] = [
  { tag: 'host', hostPath: '/', readonly: true },
  { tag: 'repo', hostPath: REPO_ROOT, readonly: true },
];

export interface GuestOptions {
  kernel: string;
  initrd: string;
  /** kernel command-line parameters added after the runner's own */
  append?: string[];
  memoryMiB?: number;
  /** vCPUs (`-smp`), each a host thread (`-accel tcg,thread=multi`); default GUEST_CPUS */
  cpus?: number;
  /**
   * QEMU `-icount` value (e.g. `shift=0,sleep=off`): guest time counts guest
   * instructions (2^shift ns each), not host time, so times measured in the
   * guest do not depend on host load.  Needs single-threaded TCG: the vCPUs
   * then take turns on one host thread (no parallel execution).
   */
  icount?: string;
  /** raw disk images, attached as virtio-blk in order: /dev/vda, /dev/vdb, … */
  disks?: string[];
  /** 9p shares; the guest's /init mounts each at /<tag> */
  shares?: Share[];
  /** path for a QMP unix socket (server, no wait), e.g. for dump-guest-memory */
  qmpSocket?: string;
  /** add `-device vmcoreinfo` (default true) */
  vmcoreinfo?: boolean;
  timeoutMs?: number;
  /** called for every console line; `guest.send()` answers the guest */
  onConsoleLine?: (line: string, guest: RunningGuest) => void;
}

export interface RunningGuest {
  /** type text on the guest's serial console */
  send(text: string): void;
  /** the QMP socket path, when one was asked for */
  qmpSocket?: string;
}

export interface GuestRun {
  console: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  argv: string[];
}

export const QEMU = 'qemu-system-x86_64';

/**
 * vCPUs of every guest unless a test asks otherwise: 2, so that the kernel's
 * SMP paths (and the dedup series' races) run on two real host threads;
 * ZSWAP_GUEST_CPUS overrides it (1 to the guest config's NR_CPUS, 4).
 */
export const GUEST_CPUS = guestCpusFromEnv(process.env.ZSWAP_GUEST_CPUS);

export function guestCpusFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 2;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 4) throw new Error(`ZSWAP_GUEST_CPUS=${value}: want an integer from 1 to 4`);
  return n;
}

/** QEMU option values separate keys with commas; a comma inside a path is written twice. */
const q = (path: string): string => path.replace(/,/g, ',,');

export function qemuArgs(o: GuestOptions): string[] {
  // no_timer_check: under TCG on a loaded host the vCPU can run too slowly for
  // the IO-APIC timer check of early boot (arch/x86/kernel/apic/io_apic.c,
  // timer_irq_works()), which then panics "IO-APIC + timer doesn't work!"
  // (4 of ~25 boots at load 16-18); QEMU's PIT is wired correctly anyway
  const cmdline = ['console=ttyS0', 'panic=-1', 'oops=panic', 'loglevel=4', 'no_timer_check', 'rdinit=/init', ...(o.append ?? [])];
  const args = [
    '-nodefaults', '-no-user-config', '-no-reboot',
    '-machine', 'pc', '-accel', o.icount ? 'tcg,thread=single' : 'tcg,thread=multi', '-smp', String(o.cpus ?? GUEST_CPUS),
    ...(o.icount ? ['-icount', o.icount] : []),
    '-m', String(o.memoryMiB ?? 512),
    '-display', 'none', '-serial', 'stdio', '-monitor', 'none',
    '-kernel', o.kernel, '-initrd', o.initrd, '-append', cmdline.join(' '),
  ];
  for (const d of o.disks ?? []) args.push('-drive', `file=${q(d)},format=raw,if=virtio,cache=unsafe`);
  for (const s of o.shares ?? []) {
    if (/[^A-Za-z0-9_-]/.test(s.tag)) throw new Error(`bad 9p tag ${s.tag}`);
    args.push('-virtfs', `local,path=${q(s.hostPath)},mount_tag=${s.tag},security_model=none${s.readonly ? ',readonly=on' : ''}`);
  }
  if (o.qmpSocket) args.push('-qmp', `unix:${q(o.qmpSocket)},server=on,wait=off`);
  if (o.vmcoreinfo ?? true) args.push('-device', 'vmcoreinfo');
  return args;
}

export function runGuest(o: GuestOptions): Promise<GuestRun> {
  const argv = qemuArgs(o);
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(QEMU, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let partial = '';
    let timedOut = false;
    const guest: RunningGuest = {
      send: (text) => { child.stdin.write(text); },
      qmpSocket: o.qmpSocket,
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new GuestError(`cannot start ${QEMU}: ${e.message}`));
    });
    child.stdin.on('error', () => { /* guest gone; reported by exit */ });
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('latin1').replace(/\r/g, '');
      out += text;
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        o.onConsoleLine?.(line, guest);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => { out += `[qemu stderr] ${c.toString()}`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ console: out, exitCode: code, signal, timedOut, durationMs: Date.now() - started, argv });
    });
  });
}

export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface JobOptions extends Omit<GuestOptions, 'shares' | 'disks'> {
  /** shell script run by the guest's /init as /job/run.sh */
  script: string;
  /** files put next to run.sh: name → host file to copy, or contents */
  files?: Record<string, string | Buffer>;
  /** swap disk size in MiB (sparse file, /dev/vda); 0 for none */
  swapMiB?: number;
  /**
   * write the swap signature on the host (writeSwapHeader), so the guest only
   * runs `swapon /dev/vda`: under -icount, a write to the virtio disk (mkswap)
   * stalled the guest in 5 of 8 boots
   */
  swapHeader?: boolean;
  /** more shares, e.g. the host root read-only as "host" */
  extraShares?: Share[];
  /** keep the work directory (job, out, disk) for inspection */
  keep?: boolean;
}

export interface JobResult extends GuestRun {
  /** /out/status written by /init: run.sh's exit status */
  status: number;
  /** the files run.sh left in /out (status excluded) */
  outputs: Record<string, Buffer>;
  workDir: string;
}

/** Largest swap disk a job may ask for: 64 GiB (a sparse file; the guest's swap header takes any size). */
export const MAX_SWAP_MIB = 65536;

/**
 * Create `path` as a sparse raw disk of `mib` MiB.  The size is multiplied, not
 * shifted: `mib << 20` is a 32-bit operation in JavaScript, so 2048 MiB became
 * -2 GiB (ftruncate refused it) and 4160 MiB silently became 64 MiB.
 */
export function createSwapDisk(path: string, mib: number): void {
  if (!Number.isInteger(mib) || mib < 1 || mib > MAX_SWAP_MIB) {
    throw new GuestError(`swap disk of ${mib} MiB: want an integer from 1 to ${MAX_SWAP_MIB}`);
  }
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, mib * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
}

/**
 * Make the disk a swap device, as mkswap does (include/linux/swap.h, union
 * swap_header): version 1, last_page, no bad pages, "SWAPSPACE2" at the end
 * of the first page.
 */
export function writeSwapHeader(path: string, mib: number): void {
  const page = Buffer.alloc(4096);
  page.writeUInt32LE(1, 1024);
  page.writeUInt32LE(mib * 256 - 1, 1028);
  page.write('SWAPSPACE2', 4096 - 10, 'latin1');
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, page, 0, page.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** Boot a guest that runs `script`; throws GuestError (with the console tail) unless it exits 0. */
export async function runJob(o: JobOptions): Promise<JobResult> {
  const workDir = mkdtempSync(join(tmpdir(), 'zswap-dedup-guest-'));
  try {
    const jobDir = join(workDir, 'job');
    const outDir = join(workDir, 'out');
    mkdirSync(jobDir);
    mkdirSync(outDir);
    writeFileSync(join(jobDir, 'run.sh'), o.script);
    for (const [name, src] of Object.entries(o.files ?? {})) {
      if (typeof src === 'string') copyFileSync(src, join(jobDir, name));
      else writeFileSync(join(jobDir, name), src);
    }
    const disks: string[] = [];
    if ((o.swapMiB ?? 64) > 0) {
      const disk = join(workDir, 'swap.img');
      createSwapDisk(disk, o.swapMiB ?? 64);
      if (o.swapHeader) writeSwapHeader(disk, o.swapMiB ?? 64);
      disks.push(disk);
    }
    const run = await runGuest({
      ...o,
      disks,
      shares: [
        { tag: 'job', hostPath: jobDir, readonly: true },
        { tag: 'out', hostPath: outDir, readonly: false },
        ...(o.extraShares ?? []),
      ],
    });
    const outputs: Record<string, Buffer> = {};
    for (const name of readdirSync(outDir)) outputs[name] = readFileSync(join(outDir, name));
    const statusText = outputs.status?.toString().trim();
    delete outputs.status;
    const why =
      run.timedOut ? `timed out after ${run.durationMs} ms` :
      statusText === undefined ? `the guest stopped without running the job to its end (QEMU exit ${run.exitCode ?? run.signal})` :
      statusText !== '0' ? `the job exited with status ${statusText}` :
      run.exitCode !== 0 ? `QEMU exited with ${run.exitCode ?? run.signal}` : '';
    if (why) {
      throw new GuestError(`guest run failed: ${why}\n${QEMU} ${run.argv.join(' ')}\n--- last console lines ---\n${tail(run.console, 60)}`);
    }
    return { ...run, status: 0, outputs, workDir };
  } finally {
    if (!o.keep) rmSync(workDir, { recursive: true, force: true });
  }
}

/** Minimal QMP client: `await Qmp.connect(path)`, then `execute('query-status')`. */
export class Qmp {
  private buffer = '';
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  readonly events: unknown[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer += chunk.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
      }
    });
    socket.on('error', (e) => { for (const w of this.waiting.splice(0)) w.reject(e); });
  }

  private onMessage(msg: Record<string, unknown>): void {
    if ('event' in msg) { this.events.push(msg); return; }
    const w = this.waiting.shift();
    if (!w) return;
    if ('error' in msg) w.reject(new GuestError(`QMP error: ${JSON.stringify(msg.error)}`));
    else w.resolve('return' in msg ? msg.return : msg.QMP);
  }

  private next(): Promise<unknown> {
    return new Promise((res, rej) => this.waiting.push({ resolve: res, reject: rej }));
  }

  /** Connect (retrying while QEMU creates the socket) and leave capabilities negotiation mode. */
  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((res, rej) => {
          const s = createConnection(path, () => res(s));
          s.once('error', rej);
        });
        const qmp = new Qmp(socket);
        await qmp.next(); // greeting
        await qmp.execute('qmp_capabilities');
        return qmp;
      } catch (e) {
        if (Date.now() > deadline) throw new GuestError(`QMP ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const reply = this.next();
    this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    return reply;
  }

  close(): void {
    this.socket.end();
  }
}
