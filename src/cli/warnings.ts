/**
 * Warnings about inputs, held until the run has succeeded: a run that fails prints its one error
 * line and nothing else (a warning about one input followed by an error in the next would be two).
 */
export class WarningLog {
  private readonly lines: string[] = [];

  readonly add = (file: string, message: string): void => {
    this.lines.push(`zswap-dedup: ${file}: warning: ${message}\n`);
  };

  /** text that is not about one input (warnings of a live capture, its summary table) */
  readonly addText = (text: string): void => {
    this.lines.push(text);
  };

  /** Prints the warnings (on stderr, one line each) and forgets them. */
  print(): void {
    for (const text of this.lines) process.stderr.write(text);
    this.lines.length = 0;
  }
}
