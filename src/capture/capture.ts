/**
 * Live capture: the pages zswap could see in the chosen processes, each physical page once,
 * in one sample or in samples over time (--interval). For every mapping, /proc/PID/pagemap gives
 * presence, PFN or swap entry and the exclusive / file-or-shared / soft-dirty bits;
 * /proc/kpageflags says what the physical page is (anon, swap-backed, KSM, THP, the shared zero
 * page); /proc/kpagecount its map count. Contents come from /proc/kcore by PFN where it exists,
 * else from /proc/PID/mem. Nothing is ever written to a target's memory; the kernel state a
 * recording over time touches to learn idle ages is described in idle-tracking.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import { PAGE_SIZE } from '../model/kernel.js';
import { InputError } from '../util/errors.js';
import { onStopRequest } from '../util/stop-request.js';
import { CaptureWriter } from '../sources/capture-writer.js';
import { DigestKey } from '../sources/digest-key.js';
import type { IdleMethod } from '../timeline/timeline.js';
import { Freezer } from './freezer.js';
import { availableIdleMethods } from './idle-tracking.js';
import { KcoreReader } from './page-content.js';
import { bit, PhysPageInfo, PM_PRESENT, pfnOf, readEntries } from './page-info.js';
import { isSpecialMapping, parseMaps } from './proc-maps.js';
import { Recording, type SampleFigures } from './recording.js';
import { SampleTrigger, type TriggerPaths } from './sample-trigger.js';
import type { ProcessStats } from './target-walk.js';
import { currentTargets, resolveCgroup, selectTargets, type TargetSpec } from './targets.js';

export type { ProcessStats } from './target-walk.js';

const PAGEMAP_CHUNK = 512;

/** --idle: a method, or the best this kernel offers */
export type IdleChoice = IdleMethod | 'auto';

/**
 * When samples are taken: one (no interval, no trigger), or every `interval` seconds and/or
 * whenever the trigger asks (sample-trigger.ts), until a limit, a "stop" or Ctrl-C.
 */
export interface SampleSchedule {
  /** seconds between samples; null: none on a timer */
  interval: number | null;
  /** stop after this many seconds (a sample is taken at each interval up to it) */
  duration: number | null;
  /** stop after this many samples */
  samples: number | null;
  /** named pipes: samples on request (--trigger) */
  trigger?: TriggerPaths | null;
}

export interface CaptureOptions {
  targets: TargetSpec;
  output: string;
  freeze: boolean;
  shmem: boolean;
  noPfn: boolean;
  hashOnly: boolean;
  /** a hash-only trace keeps host, process and mapping names and addresses (default: left out) */
  keepNames?: boolean;
  /** a hash-only trace's digests keyed with the bytes of this file (default: a random key, never stored) */
  keyFile?: string;
  schedule: SampleSchedule;
  idle: IdleChoice;
  tool: string;
  warn: (message: string) => void;
  onProgress?: (pages: number) => void;
  /** after each sample (one line of figures for the user) */
  onSample?: (s: SampleFigures) => void;
}

export interface CaptureSummary {
  processes: ProcessStats[];
  pages: number;
  /** kcore: every page read from /proc/kcore; pid-mem: none; both: /proc/kcore with fallbacks */
  content_from: 'kcore' | 'pid-mem' | 'both';
  pfn: boolean;
  /** physical pages referenced by more than one captured mapping, and those references (last sample) */
  shared_physical_pages: number;
  shared_references: number;
  idle_method: IdleMethod;
  /** seconds between samples (null: none on a timer) */
  interval: number | null;
  /** samples were also taken on request (--trigger) */
  triggered: boolean;
  /** per sample: what it saw and wrote */
  samples: SampleFigures[];
  /** the recording ended before its limit because it was asked to (Ctrl-C, a trigger's "stop"), or every target had exited */
  stopped: 'signal' | 'stop command' | 'targets exited' | null;
}

/** Can this process read PFNs from pagemap (CAP_SYS_ADMIN)? Looks at the first present page of its own. */
export function pfnsReadable(): boolean {
  const fd = fs.openSync('/proc/self/pagemap', 'r');
  try {
    const maps = parseMaps(fs.readFileSync('/proc/self/maps', 'utf8'));
    const words = new Uint32Array(2 * PAGEMAP_CHUNK);
    for (const m of maps) {
      if (isSpecialMapping(m) || m.perms[0] !== 'r') continue;
      for (let v = m.start; v < m.end; v += PAGE_SIZE * PAGEMAP_CHUNK) {
        const n = readEntries(fd, v / PAGE_SIZE, Math.min(PAGEMAP_CHUNK, (m.end - v) / PAGE_SIZE), words);
        for (let i = 0; i < n; i++) if (bit(words, i, PM_PRESENT)) return pfnOf(words, i) !== 0;
      }
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Tests of the freeze guarantees need the capture to linger while the targets are stopped. */
function testPause(): void {
  const ms = Number(process.env.ZSWAP_DEDUP_TEST_FREEZE_PAUSE_MS ?? 0);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** more than one sample: an interval or a trigger */
function overTime(s: SampleSchedule): boolean {
  return s.interval !== null || Boolean(s.trigger);
}

function chooseIdleMethod(opts: CaptureOptions): IdleMethod {
  if (!overTime(opts.schedule)) return 'none';
  const available = availableIdleMethods();
  if (opts.idle === 'auto') {
    if (available[0] === 'none') opts.warn('this kernel offers neither idle page tracking (/sys/kernel/mm/page_idle/bitmap) nor soft-dirty bits: idle ages are unknown in this recording');
    return available[0];
  }
  if (!available.includes(opts.idle)) {
    throw new InputError(null, `--idle ${opts.idle}: this kernel does not offer it (available: ${available.join(', ')})`);
  }
  return opts.idle;
}

export async function capture(opts: CaptureOptions): Promise<CaptureSummary> {
  if (opts.keyFile !== undefined && !opts.hashOnly) throw new InputError(null, '--key-file keys the digests of a trace: it needs --hash-only');
  const key = opts.keyFile === undefined ? undefined : DigestKey.fromFile(opts.keyFile);
  if (opts.targets.all && opts.freeze) throw new InputError(null, '--freeze with --all would stop every process, this capture\'s helpers included; freeze a --cgroup or --pid list instead');
  const first = selectTargets(opts.targets);
  const cgroupDir = opts.targets.cgroup ? resolveCgroup(opts.targets.cgroup) : null;
  const idleMethod = chooseIdleMethod(opts);
  const access = openPhysicalAccess(opts);
  const { interval } = opts.schedule;
  // opened before the output exists: a wrong path ends the run with nothing written
  const trigger = opts.schedule.trigger ? SampleTrigger.open(opts.schedule.trigger, opts.warn) : null;
  const writer = new CaptureWriter(opts.output, opts.hashOnly, {
    source: 'capture',
    kernel_release: os.release(),
    time: new Date().toISOString(),
    hostname: os.hostname(),
    tool: opts.tool,
    pids: first,
    ...(cgroupDir ? { cgroup: cgroupDir } : {}),
    content_from: access.kcore ? 'kcore' : 'pid-mem',
    pfn: access.havePfn,
    scope: opts.shmem ? 'anon+shmem' : 'anon',
    idle_method: idleMethod,
    ...(interval !== null ? { interval } : {}),
  }, 0o600, { keepNames: opts.keepNames, key });
  const rec = new Recording(writer, {
    shmem: opts.shmem,
    havePfn: access.havePfn,
    phys: access.phys,
    kcore: access.kcore,
    hashOnly: opts.hashOnly,
    idleMethod,
    warn: opts.warn,
    onProgress: () => opts.onProgress?.(rec.pages),
  });
  const end: { stopped: CaptureSummary['stopped'] } = { stopped: null };
  const wake = { stop: false, resolve: () => {} };
  if (overTime(opts.schedule)) {
    onStopRequest(() => {
      wake.stop = true;
      wake.resolve();
    });
  }
  try {
    await recordSamples(opts, rec, first, cgroupDir, trigger, wake, (why) => (end.stopped = why));
    if (wake.stop) end.stopped = 'signal';
    const summary = summarize(rec, access, idleMethod, interval, trigger !== null, end.stopped);
    writer.addSummary(summary);
    writer.finish();
    if (end.stopped === 'stop command') trigger!.acknowledge('ack stop');
    return summary;
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    onStopRequest(null);
    if (trigger) {
      // commands that came too late get an answer, so that no script waits for one forever
      while (trigger.take()) trigger.acknowledge('error the recording has ended');
      trigger.close();
    }
    rec.close();
    access.phys?.close();
    access.kcore?.close();
  }
}

/**
 * The samples of a capture: the first at once, then at each slot of the interval grid and on
 * each trigger command, until a limit, a stop, or (with --pid) every target gone.
 */
async function recordSamples(
  opts: CaptureOptions,
  rec: Recording,
  first: number[],
  cgroupDir: string | null,
  trigger: SampleTrigger | null,
  wake: { stop: boolean; resolve: () => void },
  stop: (why: NonNullable<CaptureSummary['stopped']>) => void,
): Promise<void> {
  const { interval, duration, samples } = opts.schedule;
  const start = Date.now();
  /** the next slot of the interval grid (slot k is due k × interval after the first sample) */
  let slot = 1;
  let lateWarned = false;
  /** the sample about to be taken answers a trigger's "sample" */
  let requested = false;
  for (let index = 0; ; index++) {
    const pids = index === 0 ? first : currentTargets(opts.targets, cgroupDir);
    // --pid targets all gone: one more sample records their pages as gone, then the end
    const allGone = index > 0 && pids.length === 0 && !cgroupDir && !opts.targets.all;
    const time = index === 0 ? 0 : (Date.now() - start) / 1000;
    const freezer = opts.freeze && pids.length ? Freezer.freeze(pids, cgroupDir) : null;
    try {
      freezer?.warnings.forEach(opts.warn);
      if (freezer) testPause();
      const figures = await rec.sample(pids, time);
      opts.onSample?.(figures);
    } finally {
      freezer?.thaw();
    }
    if (requested) trigger!.acknowledge(`ack ${index}`);
    if (allGone) return stop('targets exited');
    if (!overTime(opts.schedule) || wake.stop) return;
    if (samples !== null && index + 1 >= samples) return;
    if (interval !== null) {
      // slots that passed while this sample was taken: an interval sample skips them (never
      // bunches them), a requested one stands for them
      const passed = Math.floor((Date.now() - start) / 1000 / interval) + 1;
      if (!requested && index > 0) {
        if (passed > slot + 1 && !lateWarned) {
          lateWarned = true;
          opts.warn(`a sample took longer than the interval (${interval} s): samples are taken as often as they can be`);
        }
        slot = Math.max(slot + 1, passed);
      } else slot = Math.max(slot, passed);
      if (duration !== null && slot * interval > duration + 1e-9) return;
    }
    const deadline = interval !== null ? start + slot * interval * 1000 : duration !== null ? start + duration * 1000 : null;
    const why = await nextWake(deadline, trigger, wake);
    if (why === 'stop') return;
    if (why === 'timer') {
      if (interval === null) return; // --duration without an interval: time is up
      requested = false;
      continue;
    }
    if (trigger!.take() === 'stop') return stop('stop command');
    requested = true;
  }
}

/** Waits for the deadline, a trigger command or a stop request, whichever comes first. */
async function nextWake(deadline: number | null, trigger: SampleTrigger | null, wake: { stop: boolean; resolve: () => void }): Promise<'timer' | 'trigger' | 'stop'> {
  if (wake.stop) return 'stop';
  if (trigger?.pending) return 'trigger';
  const wait = deadline === null ? null : deadline - Date.now();
  if (wait !== null && wait <= 0) return 'timer';
  const pending = trigger?.whenPending() ?? null;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<'timer' | 'trigger' | 'stop'>((resolve) => {
      if (wait !== null) timer = setTimeout(() => resolve('timer'), wait);
      wake.resolve = () => resolve('stop');
      pending?.promise.then(() => resolve('trigger'));
    });
  } finally {
    clearTimeout(timer);
    pending?.cancel();
    wake.resolve = () => {};
  }
}

function summarize(rec: Recording, access: PhysicalAccess, idleMethod: IdleMethod, interval: number | null, triggered: boolean, stopped: CaptureSummary['stopped']): CaptureSummary {
  const processes = rec.processes.all.map((p) => p.stats);
  const fromKcore = processes.reduce((a, p) => a + p.from_kcore, 0);
  const fromMem = processes.reduce((a, p) => a + p.from_pid_mem, 0);
  const last = rec.samples[rec.samples.length - 1];
  return {
    processes,
    pages: rec.pages,
    content_from: fromMem === 0 ? (access.kcore ? 'kcore' : 'pid-mem') : fromKcore === 0 ? 'pid-mem' : 'both',
    pfn: access.havePfn,
    shared_physical_pages: last?.shared_pages ?? 0,
    shared_references: last?.shared_references ?? 0,
    idle_method: idleMethod,
    interval,
    triggered,
    samples: rec.samples,
    stopped,
  };
}

/** What this capture can read of physical memory: PFNs, page flags and map counts, contents by PFN. */
interface PhysicalAccess {
  havePfn: boolean;
  phys: PhysPageInfo | null;
  kcore: KcoreReader | null;
}

function openPhysicalAccess(opts: CaptureOptions): PhysicalAccess {
  const havePfn = !opts.noPfn && pfnsReadable();
  if (!opts.noPfn && !havePfn) {
    throw new InputError(null, 'cannot read PFNs from /proc/PID/pagemap (needs CAP_SYS_ADMIN, i.e. root): run as root, or use --no-pfn to go on per process (pages shared between processes are then counted once per process)');
  }
  if (opts.noPfn) opts.warn('--no-pfn: physical pages shared between processes or mappings (fork COW, KSM, shared memory) will be counted more than once');
  const phys = havePfn ? PhysPageInfo.open() : null;
  if (havePfn && !phys) opts.warn('/proc/kpageflags is not readable: anonymous and file pages are told apart by pagemap bits only');
  return { havePfn, phys, kcore: havePfn ? KcoreReader.open() : null };
}
