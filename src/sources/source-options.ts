/** What a page source is asked to deliver, and where it reports what is not an error. */
export interface SourceOptions {
  /**
   * Deliver every page, not only those zswap would see (anonymous and shmem pages of a kernel
   * dump, anonymous ranges of a process core).
   */
  allPages: boolean;
  /**
   * A one-line warning about input `file` (e.g. a dump whose pages cannot be classified).
   * The CLI collects these and prints them only when the run succeeds, so that a failed run
   * still ends in exactly one line; without it they go to stderr at once.
   */
  warn?: (file: string, message: string) => void;
  /**
   * Captures and traces: keep their mapping records (their known fields, bounded) for those who
   * ask which process a page came from (convert, the study, analyze --by). Default true; with
   * false they are checked and dropped as they are read.
   */
  keepMappings?: boolean;
}

export const DEFAULT_SOURCE_OPTIONS: SourceOptions = { allPages: false };

/** where warnings go when the caller gives no sink */
export function warnOnStderr(file: string, message: string): void {
  process.stderr.write(`zswap-dedup: ${file}: warning: ${message}\n`);
}
