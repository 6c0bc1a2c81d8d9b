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

  /** @param unit what update() counts: pages, or samples of a replay over time */
  constructor(
    private readonly enabled: boolean,
    private readonly unit: 'pages' | 'samples' = 'pages',
  ) {}

  static auto(flag: boolean | undefined, unit: 'pages' | 'samples' = 'pages'): Progress {
    return new Progress(flag ?? Boolean(process.stderr.isTTY), unit);
  }

  private start(total: number): cliProgress.SingleBar {
    const known = total > 0;
    const tty = Boolean(process.stderr.isTTY);
    const u = this.unit;
    const figures = known ? `{percentage} % | {done} of {size} | {count} ${u} | {rate} ${u}/s | ETA {eta_formatted}` : `{count} ${u} | {rate} ${u}/s | {duration_formatted}`;
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

  private payload(done: number, total: number, count: number): Record<string, string> {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs <= 0 ? '-' : this.unit === 'samples' ? (count / secs).toFixed(1) : int(count / secs);
    return { done: bytes(done), size: bytes(total), count: int(count), rate };
  }

  /** `count`: pages (or samples) done so far */
  update(doneBytes: number, totalBytes: number, count: number): void {
    if (!this.enabled) return;
    if (!this.bar || (totalBytes > 0) !== (this.total > 0)) {
      this.bar?.stop();
      this.bar = this.start(totalBytes);
    } else if (totalBytes > 0 && totalBytes !== this.total) {
      this.bar.setTotal(totalBytes);
    }
    this.total = totalBytes;
    this.bar.update(totalBytes > 0 ? Math.min(doneBytes, totalBytes) : 0, this.payload(doneBytes, totalBytes, count));
  }

  /** Clears the bar (on a terminal) and stops its timer; safe to call more than once. */
  done(): void {
    this.bar?.stop();
    this.bar = null;
    this.total = -1;
    active.delete(this);
  }
}
