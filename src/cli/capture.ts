/** `zswap-dedup capture`: live process memory → capture or trace file. */
import { capture, type CaptureSummary, type IdleChoice, type SampleSchedule } from '../capture/capture.js';
import type { SampleFigures } from '../capture/recording.js';
import { parseTriggerPaths } from '../capture/sample-trigger.js';
import { PAGE_SIZE } from '../model/kernel.js';
import { renderTable } from '../report/text-layout.js';
import { bytes } from '../report/units.js';
import { EXIT_OK, InputError } from '../util/errors.js';
import { parseIntIn, parsePid, parseSeconds } from './parse.js';
import { Progress } from './progress.js';
import type { WarningLog } from './warnings.js';
import { TOOL } from './tool.js';

export interface CaptureFlags {
  pid: string[];
  cgroup?: string;
  all?: boolean;
  output: string;
  freeze?: boolean;
  shmem?: boolean;
  pfn: boolean;
  hashOnly?: boolean;
  keepNames?: boolean;
  keyFile?: string;
  interval?: string;
  duration?: string;
  samples?: string;
  trigger?: string;
  idle?: IdleChoice;
  progress?: boolean;
}

export const IDLE_CHOICES: readonly IdleChoice[] = ['auto', 'page_idle', 'soft_dirty', 'none'];

function schedule(flags: CaptureFlags): SampleSchedule {
  if (flags.interval === undefined && flags.trigger === undefined) {
    if (flags.duration !== undefined || flags.samples !== undefined) throw new InputError(null, '--duration and --samples need --interval (the time between samples) or --trigger');
    if (flags.idle !== undefined && flags.idle !== 'auto') throw new InputError(null, '--idle needs --interval or --trigger: idle ages come from comparing samples');
    return { interval: null, duration: null, samples: null };
  }
  return {
    interval: flags.interval === undefined ? null : parseSeconds('--interval', flags.interval),
    duration: flags.duration === undefined ? null : parseSeconds('--duration', flags.duration),
    samples: flags.samples === undefined ? null : parseIntIn('--samples', flags.samples, 1, 2 ** 31 - 1),
    trigger: flags.trigger === undefined ? null : parseTriggerPaths(flags.trigger),
  };
}

/**
 * Runs a capture. Its warnings and summary go to stderr as they come, or, when `log` is given
 * (analyze --pid), into it, to be printed once the whole run has succeeded.
 */
export async function captureFromFlags(flags: CaptureFlags, log: WarningLog | null = null): Promise<CaptureSummary> {
  const say = log ? log.addText : (text: string) => process.stderr.write(text);
  const plan = schedule(flags);
  const progress = Progress.auto(flags.progress);
  const summary = await capture({
    targets: { pids: (flags.pid ?? []).map(parsePid), cgroup: flags.cgroup, all: Boolean(flags.all) },
    output: flags.output,
    freeze: Boolean(flags.freeze),
    shmem: Boolean(flags.shmem),
    noPfn: flags.pfn === false,
    hashOnly: Boolean(flags.hashOnly),
    keepNames: Boolean(flags.keepNames),
    keyFile: flags.keyFile,
    schedule: plan,
    idle: flags.idle ?? 'auto',
    tool: `${TOOL.name} ${TOOL.version}`,
    warn: (m) => say(`zswap-dedup: warning: ${m}\n`),
    onProgress: (pages) => progress.update(0, 0, pages),
    onSample: plan.interval === null && !plan.trigger ? undefined : (f) => {
      progress.done();
      say(describeSample(f));
    },
  });
  progress.done();
  say(describeCapture(summary));
  return summary;
}

const IDLE_NAMES = {
  page_idle: 'idle page tracking (not accessed since)',
  soft_dirty: 'soft-dirty bits (not written since)',
  none: 'nothing: unknown (this kernel offers neither idle page tracking nor soft-dirty)',
};

const CONTENT_FROM = { kcore: '/proc/kcore', 'pid-mem': '/proc/PID/mem', both: '/proc/kcore, and /proc/PID/mem where kcore could not deliver a page' };

export function describeSample(f: SampleFigures): string {
  const changes = f.index === 0 ? '' : `, ${f.appear} new, ${f.change} changed, ${f.gone} gone, ${f.swapped_out} swapped out, ${f.swapped_in} in, ${f.accessed} used since the last`;
  const exited = f.exited.length ? `; exited: ${f.exited.join(', ')}` : '';
  return `sample ${f.index} at ${f.time.toFixed(1)} s: ${f.pages} pages (${f.present} mapped, ${f.swapped} swapped) in ${f.processes} process(es)${changes}${exited} [${f.duration_ms} ms]\n`;
}

export function describeCapture(s: CaptureSummary): string {
  const rows = [['pid', 'comm', 'present', 'captured', 'already', 'swapped', 'file', 'shmem', 'zero-page', 'unreadable']];
  for (const p of s.processes) {
    rows.push([
      String(p.pid),
      p.comm + (p.exited ? ' (exited)' : ''),
      String(p.present),
      String(p.captured),
      String(p.already_captured),
      String(p.swapped),
      String(p.file_excluded),
      String(p.shmem_excluded),
      String(p.zero_page),
      String(p.unreadable),
    ]);
  }
  const when = s.interval === null ? 'on request' : `${s.interval} s apart${s.triggered ? ' and on request' : ''}`;
  const over = s.interval === null && !s.triggered ? '' : `recorded ${s.samples.length} samples ${when}${s.stopped === 'stop command' ? ' (ended by "stop")' : s.stopped ? ` (stopped early: ${s.stopped})` : ''}; idle ages by ${IDLE_NAMES[s.idle_method]}\n`;
  return (
    over +
    `captured ${s.pages} pages from ${s.processes.length} process(es); contents from ${CONTENT_FROM[s.content_from]}` +
    `${s.pfn ? `; ${s.shared_physical_pages} physical pages were mapped ${s.shared_references} times by the captured mappings and are counted once` : '; PFNs not used'}\n` +
    renderTable(rows, '  ', 'rl') +
    '\n  (already: present pages whose physical page was captured before; file/shmem: left out of scope; swapped: not readable)\n' +
    reservedNote(s.processes)
  );
}

/** the address space left unread because it was reserved with no access and held nothing */
function reservedNote(processes: CaptureSummary['processes']): string {
  const pages = processes.reduce((a, p) => a + p.reserved_pages, 0);
  if (pages === 0) return '';
  return `  (not walked: ${bytes(pages * PAGE_SIZE)} of address space reserved with no access (PROT_NONE) and holding nothing, by smaps)\n`;
}

export async function runCapture(flags: CaptureFlags): Promise<number> {
  await captureFromFlags(flags);
  return EXIT_OK;
}
