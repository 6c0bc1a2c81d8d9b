/**
 * zswap-dedup capture format, version 1 — our own file of pages taken from live memory, or of
 * their digests only (a "trace", safe to share: no page content leaves the machine).
 *
 * All integers little-endian. Layout:
 *
 *   header   magic "ZSDCAPT\0" (8) | u16 version (1) | u16 flags (bit 0: trace, i.e. digests only)
 *            | u32 page size (4096) | u32 meta length M | M bytes of UTF-8 JSON
 *            (source, kernel_release, time, hostname, tool …) | zero padding to a multiple of 8
 *   records  u16 type | u16 reserved (0) | u32 body length B | B bytes | zero padding to 8
 *
 *   PAGE (1)      page header (32) + the page's 4096 bytes                (capture only)
 *   DIGEST (2)    page header (32) + digest (56)                          (trace only)
 *   MAPPING (3)   UTF-8 JSON {id, pid, comm, start, end, perms, path}; ids start at 1
 *   END (0x7fff)  u64 number of PAGE/DIGEST records — a file without it is incomplete
 *   SUMMARY (0x8001, optional) UTF-8 JSON: what the capture saw and left out, per process
 *   types ≥ 0x8000 are optional: readers skip what they do not know; other unknown types are errors.
 *
 *   page header   u64 PFN (all ones: unknown) | u64 virtual address | u32 flags (PAGE_FLAG)
 *                 | u32 mapping id (0: none) | u32 map count | u32 reserved
 *   digest        56 bytes: hashes, fingerprint and compressed lengths (digest-layout.ts).
 *                 A zero-filled page has flag ZERO_FILLED and an all-zero digest.
 */
import { PAGE_SIZE } from '../model/kernel.js';
import { DIGEST_SIZE } from './digest-layout.js';

export const CAPTURE_MAGIC = Buffer.from('ZSDCAPT\0', 'latin1');
export const CAPTURE_VERSION = 1;
export const CAPTURE_FLAG_TRACE = 1;
export const FIXED_HEADER_SIZE = 20;
export const MAX_META_BYTES = 1 << 20;
export const RECORD_HEADER_SIZE = 8;

export const REC_PAGE = 1;
export const REC_DIGEST = 2;
export const REC_MAPPING = 3;
export const REC_END = 0x7fff;
export const REC_OPTIONAL_MIN = 0x8000;
export const REC_SUMMARY = 0x8001;
/** larger summaries are skipped by readers (the read window is 1 MiB) */
export const MAX_SUMMARY_BODY = 1 << 20;

export const PAGE_HEADER_SIZE = 32;
export const PAGE_BODY_SIZE = PAGE_HEADER_SIZE + PAGE_SIZE;
export const DIGEST_BODY_SIZE = PAGE_HEADER_SIZE + DIGEST_SIZE;
export const END_BODY_SIZE = 8;
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
