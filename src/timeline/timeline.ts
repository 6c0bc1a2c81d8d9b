/**
 * The interface between recording (capture, every input format) and the replay over time: a
 * timeline is the inputs as a sequence of samples, each sample a stream of page events in
 * batches, plus how long every live page had been idle when the sample was taken.
 *
 * Pages are named by a key (u32) that the timeline's reader assigns and keeps for the whole
 * timeline: one key = one thing the recorded kernel would store in zswap once (one physical
 * anonymous page, followed across swap-out/in and migration; a page shared copy-on-write by
 * several processes is one key). How a live capture correlates pages across samples is
 * documented in capture/page-identity.ts. Rules every timeline keeps:
 *   - a key has at most one event per sample;
 *   - APPEAR is a key's first event; after GONE the key is dead and may be handed to a new
 *     page by an APPEAR of a later sample (never of the same one), so keys stay below the
 *     peak number of live pages instead of growing with the length of the recording;
 *   - keys are dense: every key is below keyLimit.
 * Every older input (capture, trace, raw pages, dump) is a timeline of one sample at time 0 in
 * which every page APPEARs, in the order the input holds them, with keys 0, 1, 2 … and idle
 * age unknown; replaying it with every page stored gives exactly the snapshot figures.
 */
import type { MappingInfo } from '../sources/capture-format.js';
import { PageBatch, BATCH_PAGES } from '../sources/page-batch.js';

/** What happened to a page (a key) since the previous sample. */
export const PAGE_EVENT = {
  /** first seen: its content (or digest) is in the batch */
  APPEAR: 1,
  /** a live page's content changed; the page is in memory now. New content (or digest) in the batch */
  CHANGE: 2,
  /** freed, unmapped, or its last process exited: the key is dead */
  GONE: 3,
  /** swapped out by the recorded kernel itself: not readable now; its last content is still its content */
  SWAPPED: 4,
  /** in memory again after SWAPPED, content unchanged (a changed one comes as CHANGE) */
  SWAPPED_IN: 5,
} as const;
export type PageEvent = (typeof PAGE_EVENT)[keyof typeof PAGE_EVENT];

export const PAGE_EVENT_NAMES: Readonly<Record<PageEvent, string>> = {
  1: 'appear',
  2: 'change',
  3: 'gone',
  4: 'swapped',
  5: 'swapped-in',
};

/** events whose batch slot carries content (or, in traces, a digest) */
export function carriesContent(event: number): boolean {
  return event === PAGE_EVENT.APPEAR || event === PAGE_EVENT.CHANGE;
}

/** idle age of a page the recording could not tell about */
export const IDLE_UNKNOWN = -1;

/**
 * How the recording knew idle ages:
 *   page_idle   /sys/kernel/mm/page_idle/bitmap: not accessed (read or written) since
 *   soft_dirty  the pagemap soft-dirty bit, cleared through /proc/PID/clear_refs: not written since
 *               (reads are invisible: a write-only fallback)
 *   none        unknown (every age is IDLE_UNKNOWN)
 */
export const IDLE_METHODS = ['page_idle', 'soft_dirty', 'none'] as const;
export type IdleMethod = (typeof IDLE_METHODS)[number];

/**
 * A PageBatch of page events. Slot i is page event[i] of key[i]; content (or, when digestOnly,
 * hashes, fingerprint and lengths), pfn, vaddr, flags, mapping and mapcount are meaningful for
 * APPEAR and CHANGE; the other events carry only their key (and the pfn/flags the reader knows).
 * All events of one batch come from one input (`input`, index into Timeline.inputs).
 */
export class EventBatch extends PageBatch {
  readonly key: Uint32Array;
  readonly event: Uint8Array;
  input = 0;

  constructor(capacity = BATCH_PAGES) {
    super(capacity);
    this.key = new Uint32Array(capacity);
    this.event = new Uint8Array(capacity);
  }
}

export interface TimelineSample {
  /** 0, 1, 2 … */
  index: number;
  /** seconds since the first sample */
  time: number;
}

/** One input of a timeline, as the reports describe it. */
export interface TimelineInput {
  readonly path: string;
  /** format name as shown to users: raw, capture, trace, elf, kdump … */
  readonly format: string;
  /** false for hash-only traces: their events carry digests instead of contents */
  readonly hasContent: boolean;
  readonly idleMethod: IdleMethod;
  /** what the input says about itself (capture header, dump notes) */
  readonly info: Record<string, unknown>;
  /** size of the input in bytes (for progress) */
  readonly totalBytes: number;
  /** captures and traces: the mapping records read so far (batch.mapping names their ids) */
  readonly mappings?: readonly MappingInfo[];
}

export interface Timeline {
  readonly inputs: readonly TimelineInput[];
  /** bytes of all inputs consumed so far (for progress) */
  readonly bytesRead: number;
  readonly totalBytes: number;
  /**
   * Moves to the next sample (the first call: to sample 0); null when there is none. Events of
   * the previous sample not read yet are skipped.
   */
  nextSample(): TimelineSample | null;
  /** Fills the batch from slot 0 with the next events of the current sample; 0 at its end. */
  read(batch: EventBatch): number;
  /** every key so far is below this */
  readonly keyLimit: number;
  /**
   * After read() returned 0: per key, seconds the page had been idle when the current sample was
   * taken (IDLE_UNKNOWN when not known; meaningless for dead keys). A lower bound at the
   * sampling resolution: a page found accessed at a sample has age 0 there. The array is the
   * timeline's own, valid until the next nextSample(), at least keyLimit long.
   */
  idleAges(): Float32Array;
  /**
   * Reads the content delivered by content event number `ordinal` (0-based, counting APPEAR and
   * CHANGE events in delivery order over the whole timeline) again into dst[at, at + PAGE_SIZE).
   * Only for events already delivered, and only from inputs with content.
   */
  readContent(ordinal: number, dst: Buffer, at: number): void;
  close(): void;
}
