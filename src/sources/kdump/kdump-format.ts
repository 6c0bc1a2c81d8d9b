/**
 * makedumpfile's kdump-compressed format ("KDUMP   "), as written by makedumpfile and by QEMU's
 * dump-guest-memory, for the 64-bit header layout (x86_64 and every other 64-bit writer):
 *
 *   block 0                      main header: signature, version, utsname, timestamp, status
 *                                (compression), block size (= page size), sizes of what follows
 *   blocks 1 .. sub_hdr_size     sub-header: phys_base, dump level, split range, file offsets of
 *                                VMCOREINFO, ELF notes and erase info; 64-bit PFN fields (v6)
 *   next bitmap_blocks blocks    two bitmaps of equal size, one bit per PFN (bit n%8 of byte n/8):
 *                                the first marks RAM, the second the pages present in the file
 *   then                         one 24-byte descriptor per page of the second bitmap, in PFN
 *                                order: file offset, size, compression flags, page flags
 *   then                         page data; every zero-filled page shares one stored zero page
 *
 * A page is stored compressed only when that made it smaller than a page; otherwise it is stored
 * as is with flags 0 and size = block size. Pages in the first bitmap but not the second were
 * excluded (filtered out by dump level); pages in neither are holes.
 */
import { InputError } from '../../util/errors.js';
import type { PageCodec } from '../decompress/page-decompressor.js';

export const KDUMP_SIGNATURE = Buffer.from('KDUMP   ', 'latin1');
export const MAIN_HEADER_SIZE = 464;
export const SUB_HEADER_SIZE = 104;
export const PAGE_DESC_SIZE = 24;
/** newest header version known (makedumpfile 1.6–1.7, QEMU) */
export const KNOWN_HEADER_VERSION = 6;

/** status bits of the main header; the compression bits are also the descriptor flags */
export const DUMP_DH = {
  COMPRESSED_ZLIB: 0x1,
  COMPRESSED_LZO: 0x2,
  COMPRESSED_SNAPPY: 0x4,
  COMPRESSED_INCOMPLETE: 0x8,
  EXCLUDED_VMEMMAP: 0x10,
  COMPRESSED_ZSTD: 0x20,
} as const;

export const COMPRESSION_FLAGS = DUMP_DH.COMPRESSED_ZLIB | DUMP_DH.COMPRESSED_LZO | DUMP_DH.COMPRESSED_SNAPPY | DUMP_DH.COMPRESSED_ZSTD;

/** descriptor flags → codec; 0 (stored as is) is not in the table */
export function codecOf(flags: number): PageCodec | null {
  switch (flags) {
    case DUMP_DH.COMPRESSED_ZLIB:
      return 'zlib';
    case DUMP_DH.COMPRESSED_LZO:
      return 'lzo';
    case DUMP_DH.COMPRESSED_SNAPPY:
      return 'snappy';
    case DUMP_DH.COMPRESSED_ZSTD:
      return 'zstd';
    default:
      return null;
  }
}

/** the largest file offset or PFN we accept (2^52: exact in a double, far beyond any dump) */
export const MAX_U64 = 2 ** 52;

/** an unsigned 64-bit little-endian field as a number; values of 2^53 and more come back ≥ MAX_U64 */
export function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
}

/** a signed 64-bit little-endian field (off_t); negative values come back negative */
export function s64(buf: Buffer, at: number): number {
  return buf.readInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
}

export interface KdumpHeader {
  version: number;
  utsname: { sysname: string; nodename: string; release: string; version: string; machine: string; domainname: string };
  timestamp: number;
  status: number;
  blockSize: number;
  subHeaderBlocks: number;
  bitmapBlocks: number;
  maxMapnr32: number;
  nrCpus: number;
}

export interface KdumpSubHeader {
  physBase: number;
  dumpLevel: number;
  split: boolean;
  startPfn: number;
  endPfn: number;
  vmcoreinfoOffset: number;
  vmcoreinfoSize: number;
  noteOffset: number;
  noteSize: number;
  eraseinfoOffset: number;
  eraseinfoSize: number;
  maxMapnr64: number;
}

function cstring(buf: Buffer, at: number, len: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 || end > at + len ? at + len : end);
}

export function parseMainHeader(path: string, b: Buffer): KdumpHeader {
  if (!b.subarray(0, 8).equals(KDUMP_SIGNATURE)) throw new InputError(path, 'not a kdump-compressed dump (bad signature)');
  const version = b.readInt32LE(8);
  if (version < 1) throw new InputError(path, `kdump header version ${version} is invalid`);
  const u = 12;
  const utsname = {
    sysname: cstring(b, u, 65),
    nodename: cstring(b, u + 65, 65),
    release: cstring(b, u + 130, 65),
    version: cstring(b, u + 195, 65),
    machine: cstring(b, u + 260, 65),
    domainname: cstring(b, u + 325, 65),
  };
  const blockSize = b.readInt32LE(428);
  if (!isPowerOfTwo(blockSize) && isPowerOfTwo(b.readInt32LE(416))) {
    throw new InputError(path, 'kdump header has the 32-bit layout (a dump written by a 32-bit makedumpfile), which is not supported');
  }
  return {
    version,
    utsname,
    timestamp: s64(b, 408),
    status: b.readUInt32LE(424),
    blockSize,
    subHeaderBlocks: b.readInt32LE(432),
    bitmapBlocks: b.readUInt32LE(436),
    maxMapnr32: b.readUInt32LE(440),
    nrCpus: b.readInt32LE(460),
  };
}

/** fields of the sub-header that exist in header version `version` (missing ones are 0) */
export function parseSubHeader(b: Buffer, version: number): KdumpSubHeader {
  const has = (v: number) => version >= v;
  return {
    physBase: u64(b, 0),
    dumpLevel: b.readInt32LE(8),
    split: has(2) && b.readInt32LE(12) !== 0,
    startPfn: has(6) ? u64(b, 80) : has(2) ? u64(b, 16) : 0,
    endPfn: has(6) ? u64(b, 88) : has(2) ? u64(b, 24) : 0,
    vmcoreinfoOffset: has(3) ? s64(b, 32) : 0,
    vmcoreinfoSize: has(3) ? u64(b, 40) : 0,
    noteOffset: has(4) ? s64(b, 48) : 0,
    noteSize: has(4) ? u64(b, 56) : 0,
    eraseinfoOffset: has(5) ? s64(b, 64) : 0,
    eraseinfoSize: has(5) ? u64(b, 72) : 0,
    maxMapnr64: has(6) ? u64(b, 96) : 0,
  };
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export function statusNames(status: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(DUMP_DH)) if (status & bit) names.push(name.toLowerCase());
  const unknown = status & ~Object.values(DUMP_DH).reduce((a, b) => a | b, 0);
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names;
}

/** bits set per byte value */
export const POPCOUNT8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();
