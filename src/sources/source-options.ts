/** What a page source is asked to deliver. */
export interface SourceOptions {
  /**
   * Deliver every page, not only those zswap would see (anonymous and shmem pages of a kernel
   * dump, anonymous ranges of a process core).
   */
  allPages: boolean;
}

export const DEFAULT_SOURCE_OPTIONS: SourceOptions = { allPages: false };
