/**
 * Progress on stderr (cli-progress): on by default only when stderr is a terminal; never on
 * stdout. With a known total (bytes of the inputs) a bar with percentage, pages, rate and ETA;
 * without one (a live capture) the pages and rate. Forced on (--progress) with stderr not a
 * terminal: a plain line every few seconds.
 */
import cliProgress from 'cli-progress';
import { bytes, int } from '../report/units.js';

/** forced on with stderr not a terminal: a line this often */
const LOG_INTERVAL_MS = 2000;

/** bars running now, stopped by stopAllProgress() when a run fails or is interrupted */
const active = new Set<Progress>();

export function stopAllProgress(): void {
  for (const p of [...active]) p.done();
}

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private total = -1;
  private readonly started = Date.now();

  constructor(private readonly enabled: boolean) {}

  static auto(flag: boolean | undefined): Progress {
    return new Progress(flag ?? Boolean(process.stderr.isTTY));
  }

  private start(total: number): cliProgress.SingleBar {
    const known = total > 0;
    const tty = Boolean(process.stderr.isTTY);
    const figures = known ? '{percentage} % | {done} of {size} | {pages} pages | {rate} pages/s | ETA {eta_formatted}' : '{pages} pages | {rate} pages/s | {duration_formatted}';
    const bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: tty ? (known ? `{bar} ${figures}` : figures) : `progress: ${figures}`,
      barsize: 20,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      clearOnComplete: true,
      hideCursor: false,
      fps: 5,
      etaBuffer: 40,
      noTTYOutput: !tty,
      notTTYSchedule: LOG_INTERVAL_MS,
    });
    bar.start(known ? total : 1, 0, this.payload(0, total, 0));
    active.add(this);
    return bar;
  }

  private payload(done: number, total: number, pages: number): Record<string, string> {
    const secs = (Date.now() - this.started) / 1000;
    return { done: bytes(done), size: bytes(total), pages: int(pages), rate: secs > 0 ? int(pages / secs) : '-' };
  }

  update(doneBytes: number, totalBytes: number, pages: number): void {
    if (!this.enabled) return;
    if (!this.bar || (totalBytes > 0) !== (this.total > 0)) {
      this.bar?.stop();
      this.bar = this.start(totalBytes);
    } else if (totalBytes > 0 && totalBytes !== this.total) {
      this.bar.setTotal(totalBytes);
    }
    this.total = totalBytes;
    this.bar.update(totalBytes > 0 ? Math.min(doneBytes, totalBytes) : 0, this.payload(doneBytes, totalBytes, pages));
  }

  /** Clears the bar (on a terminal) and stops its timer; safe to call more than once. */
  done(): void {
    this.bar?.stop();
    this.bar = null;
    this.total = -1;
    active.delete(this);
  }
}
