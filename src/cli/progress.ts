/** Progress on stderr: on by default only when stderr is a terminal; never on stdout. */
const TTY_INTERVAL_MS = 200;
/** forced on (--progress) with stderr not a terminal: plain lines, less often */
const LOG_INTERVAL_MS = 2000;

export class Progress {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly enabled: boolean) {}

  static auto(flag: boolean | undefined): Progress {
    return new Progress(flag ?? Boolean(process.stderr.isTTY));
  }

  update(doneBytes: number, totalBytes: number, pages: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < (this.tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const pct = totalBytes > 0 ? ((doneBytes * 100) / totalBytes).toFixed(1) : '?';
    const rate = secs > 0 ? Math.round(pages / secs).toLocaleString('en-US') : '-';
    const line = `${pct} %  ${(doneBytes / 2 ** 20).toFixed(0)} / ${(totalBytes / 2 ** 20).toFixed(0)} MiB  ${pages.toLocaleString('en-US')} pages  ${rate} pages/s`;
    if (this.tty) {
      process.stderr.write(`\r${line}\x1b[K`);
      this.shown = true;
    } else {
      process.stderr.write(`progress: ${line}\n`);
    }
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
