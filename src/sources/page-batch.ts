/**
 * A batch of pages handed from a page source to the replay pipeline: page contents (or, for
 * hash-only traces, their digests) plus what the source knows about each page. Allocated once
 * per run and refilled, so reading pages allocates nothing per page.
 */
import { PAGE_SIZE } from '../model/kernel.js';
import { DIGEST_HASH_WORDS, FINGERPRINT_WORDS, LENGTH_SLOTS } from './digest-layout.js';

export const BATCH_PAGES = 256;

export const NO_PFN = -1;

export class PageBatch {
  count = 0;
  /** true when the batch carries digests instead of contents (hash-only trace) */
  digestOnly = false;
  /** digest-only batches: the id of the key their digests were made with (digest-key.ts), null when plain */
  digestKey: string | null = null;
  /** page i is content[i * PAGE_SIZE, (i + 1) * PAGE_SIZE) */
  readonly content: Buffer;
  /** physical frame number, or NO_PFN */
  readonly pfn: Float64Array;
  /** virtual address in the process it was captured from (0 when unknown) */
  readonly vaddr: Float64Array;
  /** PAGE_FLAG_* bits */
  readonly flags: Uint32Array;
  /** captures and traces: the page's mapping record id (0: none) and map count; other sources leave them alone */
  readonly mapping: Uint32Array;
  readonly mapcount: Uint32Array;
  /** digest-only batches: the digest of each page (digest-layout.ts) */
  readonly hashes: Uint32Array;
  readonly fingerprint: Uint32Array;
  /** compressed length or -errno per compressor, COMPRESSOR_NAMES order */
  readonly lengths: Int16Array;

  /** `content`: where the pages go (capacity * PAGE_SIZE bytes), e.g. memory the replay scans in place */
  constructor(
    readonly capacity = BATCH_PAGES,
    content?: Buffer,
  ) {
    if (content && content.length !== capacity * PAGE_SIZE) throw new RangeError(`${content.length} bytes are not ${capacity} pages`);
    this.content = content ?? Buffer.allocUnsafeSlow(capacity * PAGE_SIZE);
    this.pfn = new Float64Array(capacity);
    this.vaddr = new Float64Array(capacity);
    this.flags = new Uint32Array(capacity);
    this.mapping = new Uint32Array(capacity);
    this.mapcount = new Uint32Array(capacity);
    this.hashes = new Uint32Array(capacity * DIGEST_HASH_WORDS);
    this.fingerprint = new Uint32Array(capacity * FINGERPRINT_WORDS);
    this.lengths = new Int16Array(capacity * LENGTH_SLOTS);
  }

  reset(): void {
    this.count = 0;
    this.digestOnly = false;
    this.digestKey = null;
  }
}

/** Page flags carried by captures (bits of our own; names follow /proc/kpageflags and pagemap). */
export const PAGE_FLAG = {
  ANON: 1 << 0,
  SWAPBACKED: 1 << 1,
  KSM: 1 << 2,
  THP: 1 << 3,
  /** the kernel's shared zero page */
  ZERO_PAGE: 1 << 4,
  /** pagemap bit 56: exclusively mapped */
  EXCLUSIVE: 1 << 5,
  /** pagemap bit 61: file page or shared anon */
  FILE_OR_SHARED: 1 << 6,
  SHMEM: 1 << 7,
  /** digest records: every byte of the page is zero */
  ZERO_FILLED: 1 << 31,
} as const;
