/**
 * zswap-dedup capture format, versions 1 to 3 — our own file of pages taken from live memory, or
 * of their digests only (a "trace": no page content leaves the machine). Version 2 records
 * memory over time (capture --interval): samples, each a delta against the one before. Version 3
 * is version 2 with keyed digests: a trace's header carries `digest_key: {id, origin}` (origin
 * random or key-file) and its digests are keyed with that key (digest-key.ts); a version 1 or 2
 * trace has plain digests and no digest_key. Versions 1 and 2 are still read.
 *
 * All integers little-endian. Layout:
 *
 *   header   magic "ZSDCAPT\0" (8) | u16 version (1 or 2) | u16 flags (bit 0: trace, i.e. digests
 *            only) | u32 page size (4096) | u32 meta length M | M bytes of UTF-8 JSON (source,
 *            kernel_release, time, hostname, tool, idle_method, interval, digest_key …) | zero padding to 8
 *   records  u16 type | u16 event (version 2 page records; else 0) | u32 body length B | B bytes
 *            | zero padding to 8
 *
 *   PAGE (1)      page header (32) + the page's 4096 bytes                (capture only)
 *   DIGEST (2)    page header (32) + digest (56)                          (trace only)
 *   MAPPING (3)   UTF-8 JSON {id, pid, comm, start, end, perms, path}; ids start at 1
 *   SAMPLE (4)    version 2: starts sample n: u32 n (0, 1, 2 … in order) | u32 reserved
 *                 | f64 seconds since sample 0 (never decreasing) | f64 wall clock, ms since 1970
 *   EVENTS (5)    version 2: u16 event (GONE, SWAPPED or SWAPPED_IN: timeline.ts) | u16 reserved
 *                 | u32 count N (≤ MAX_EVENTS_PER_RECORD) | N × u32 page key
 *   ACCESS (6)    version 2: u32 keys K | u32 deflated length L | L bytes: raw deflate of a
 *                 bitmap of ceil(K / 8) bytes, bit k (LSB first) set when live page k was
 *                 accessed since the previous sample (idle_method page_idle: read or written;
 *                 soft_dirty: written; moved to another frame: counted as accessed). At most one
 *                 per sample, none at sample 0; without one, no live page was accessed.
 *   END (0x7fff)  u64 number of PAGE/DIGEST records — a file without it is incomplete
 *   SUMMARY (0x8001, optional) UTF-8 JSON: what the capture saw and left out, per process
 *   SAMPLE_SUMMARY (0x8002, optional) version 2: UTF-8 JSON: what the sample saw
 *   types ≥ 0x8000 are optional: readers skip what they do not know; other unknown types are errors.
 *
 *   page header   u64 PFN (all ones: unknown) | u64 virtual address | u32 flags (PAGE_FLAG)
 *                 | u32 mapping id (0: none) | u32 map count | u32 page key (version 1: 0)
 *   digest        56 bytes: hashes, fingerprint and compressed lengths (digest-layout.ts); in a
 *                 version 3 trace the hashes and fingerprint are keyed (digest-key.ts).
 *                 A zero-filled page has flag ZERO_FILLED and an all-zero digest.
 *
 * Version 2: every page record belongs to the sample begun by the SAMPLE record before it; its
 * event is APPEAR or CHANGE (timeline.ts), its key the page's key. A version 1 file is one sample
 * at time 0 whose page records are APPEARs with keys 0, 1, 2 … in file order. The rules a key
 * follows (first event APPEAR, at most one event per sample, reuse only after GONE in an earlier
 * sample, new keys numbered densely) are checked by the reader.
 */
import { PAGE_SIZE } from '../model/kernel.js';
import { DIGEST_SIZE } from './digest-layout.js';

export const CAPTURE_MAGIC = Buffer.from('ZSDCAPT\0', 'latin1');
/** version written; versions 1 … CAPTURE_VERSION are read */
export const CAPTURE_VERSION = 3;
/** the first version whose traces have keyed digests */
export const KEYED_DIGESTS_VERSION = 3;
export const CAPTURE_FLAG_TRACE = 1;
export const FIXED_HEADER_SIZE = 20;
export const MAX_META_BYTES = 1 << 20;
export const RECORD_HEADER_SIZE = 8;

export const REC_PAGE = 1;
export const REC_DIGEST = 2;
export const REC_MAPPING = 3;
export const REC_SAMPLE = 4;
export const REC_EVENTS = 5;
export const REC_ACCESS = 6;
export const REC_END = 0x7fff;
export const REC_OPTIONAL_MIN = 0x8000;
export const REC_SUMMARY = 0x8001;
export const REC_SAMPLE_SUMMARY = 0x8002;
/** larger summaries are skipped by readers (the read window is 1 MiB) */
export const MAX_SUMMARY_BODY = 1 << 20;

export const PAGE_HEADER_SIZE = 32;
export const PAGE_BODY_SIZE = PAGE_HEADER_SIZE + PAGE_SIZE;
export const DIGEST_BODY_SIZE = PAGE_HEADER_SIZE + DIGEST_SIZE;
export const END_BODY_SIZE = 8;
export const SAMPLE_BODY_SIZE = 24;
export const EVENTS_HEADER_SIZE = 8;
export const ACCESS_HEADER_SIZE = 8;
/** keys in one EVENTS record at most (a writer splits longer lists) */
export const MAX_EVENTS_PER_RECORD = 1 << 16;
export const MAX_MAPPING_BODY = 1 << 16;

/** n rounded up to a multiple of 8 (arithmetic, not bitwise: n may exceed 2^31) */
export function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

export interface MappingInfo {
  id: number;
  pid: number;
  comm: string;
  start: string;
  end: string;
  perms: string;
  path: string;
}

export interface CaptureMeta {
  source: string;
  kernel_release?: string;
  time: string;
  hostname?: string;
  tool: string;
  [key: string]: unknown;
}
