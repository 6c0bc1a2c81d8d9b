/** The interface between page sources (files of every kind) and the replay pipeline. */
import type { MappingInfo } from './capture-format.js';
import type { PageBatch } from './page-batch.js';

export interface PageSource {
  readonly path: string;
  /** format name as shown to users: raw, capture, trace (hash-only capture) … */
  readonly format: string;
  /** false for hash-only traces: the batch carries digests and compressed lengths instead */
  readonly hasContent: boolean;
  /** size of the input in bytes (for progress) */
  readonly totalBytes: number;
  /** pages in the input when known before reading, else null */
  readonly totalPages: number | null;
  /** what the input says about itself (capture header, dump notes) */
  readonly info: Record<string, unknown>;
  /** Fills the batch from index 0 with the next pages; returns how many (0 at the end). */
  read(batch: PageBatch): number;
  /**
   * Sources that know which process and mapping each page belongs to (captures, traces, process
   * cores): the mappings known so far, by the id batch.mapping carries (0: none). It may grow as
   * pages are read. Other sources leave batch.mapping and batch.mapcount alone.
   */
  readonly mappings?: readonly MappingInfo[];
  /** bytes consumed so far (for progress) */
  readonly bytesRead: number;
  /**
   * Reads page number `ordinal` (0-based, in the order read() delivered pages) again into
   * dst[at, at + PAGE_SIZE). Only for pages already delivered, and only when hasContent.
   */
  readPage(ordinal: number, dst: Buffer, at: number): void;
  close(): void;
}
