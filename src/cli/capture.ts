/** `zswap-dedup capture`: live process memory → capture or trace file. */
import { capture, type CaptureSummary } from '../capture/capture.js';
import { renderTextTable } from '../report/text-table.js';
import { EXIT_OK } from '../util/errors.js';
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
  progress?: boolean;
}

/**
 * Runs a capture. Its warnings and summary go to stderr as they come, or, when `log` is given
 * (analyze --pid), into it, to be printed once the whole run has succeeded.
 */
export async function captureFromFlags(flags: CaptureFlags, log: WarningLog | null = null): Promise<CaptureSummary> {
  const say = log ? log.addText : (text: string) => process.stderr.write(text);
  const progress = Progress.auto(flags.progress);
  const summary = await capture({
    targets: { pids: (flags.pid ?? []).map(Number), cgroup: flags.cgroup, all: Boolean(flags.all) },
    output: flags.output,
    freeze: Boolean(flags.freeze),
    shmem: Boolean(flags.shmem),
    noPfn: flags.pfn === false,
    hashOnly: Boolean(flags.hashOnly),
    tool: `${TOOL.name} ${TOOL.version}`,
    warn: (m) => say(`zswap-dedup: warning: ${m}\n`),
    onProgress: (pages) => progress.update(0, 0, pages),
  });
  progress.done();
  say(describeCapture(summary));
  return summary;
}

const CONTENT_FROM = { kcore: '/proc/kcore', 'pid-mem': '/proc/PID/mem', both: '/proc/kcore, and /proc/PID/mem where kcore could not deliver a page' };

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
  return (
    `captured ${s.pages} pages from ${s.processes.length} process(es); contents from ${CONTENT_FROM[s.content_from]}` +
    `${s.pfn ? `; ${s.shared_physical_pages} physical pages were mapped ${s.shared_references} times by the captured mappings and are counted once` : '; PFNs not used'}\n` +
    renderTextTable(rows, '  ', 'rl') +
    '\n  (already: present pages whose physical page was captured before; file/shmem: left out of scope; swapped: not readable)\n'
  );
}

export async function runCapture(flags: CaptureFlags): Promise<number> {
  await captureFromFlags(flags);
  return EXIT_OK;
}
