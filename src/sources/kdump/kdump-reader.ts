/**
 * Reads makedumpfile's kdump-compressed format (see kdump-format.ts): pages in PFN order from the
 * second bitmap and the page descriptors, each decompressed on its own (zlib, lzo, snappy, zstd or
 * stored as is), and the dump as physical memory (readPhys) with its VMCOREINFO. Which pages are
 * delivered is the kernel page classifier's decision (kernel-pages/page-filter.ts: by default the
 * anonymous and shmem pages zswap would see, every page with --all-pages or when the dump lacks
 * the metadata to classify), asked before a page is decompressed; RAM the dump left out is
 * counted by class.
 *
 * Everything the file declares is checked against the file's real size and the format's limits
 * before it is used; a page that does not decompress to exactly one page is an error naming its
 * PFN and offset. Memory stays bounded whatever the dump's size: the bitmaps are read through a
 * window, descriptors and page data through sequential windows, and readPhys() ranks a PFN with a
 * per-32768-PFN prefix count plus one bitmap block read on demand.
 */
import { PAGE_SIZE } from '../../model/kernel.js';
import { InputError } from '../../util/errors.js';
import { DecompressError } from '../decompress/errors.js';
import { PageDecompressor, type PageCodec } from '../decompress/page-decompressor.js';
import type { FormatReader } from '../format-reader.js';
import { SequentialReader, type ByteSource } from '../input-file.js';
import { OrdinalMap } from '../ordinal-map.js';
import type { PageBatch } from '../page-batch.js';
import type { PageSource } from '../page-source.js';
import { MAX_VMCOREINFO, parseVmcoreinfoBytes, type PhysicalMemory } from '../physical-memory.js';
import { warnOnStderr, type SourceOptions } from '../source-options.js';
import {
  COMPRESSION_FLAGS,
  DUMP_DH,
  KDUMP_SIGNATURE,
  KNOWN_HEADER_VERSION,
  MAIN_HEADER_SIZE,
  MAX_U64,
  PAGE_DESC_SIZE,
  POPCOUNT8,
  SUB_HEADER_SIZE,
  codecOf,
  isPowerOfTwo,
  parseMainHeader,
  parseSubHeader,
  s64,
  statusNames,
} from './kdump-format.js';
import { findElfNote } from './elf-notes.js';
import { openKernelPageFilter, type KernelPageFilter } from '../kernel-pages/page-filter.js';

/** bytes of the second bitmap per prefix-count entry (32768 PFNs) */
const RANK_BLOCK_BYTES = 4096;
/** bitmap bytes read at a time while scanning */
const BITMAP_WINDOW = 1 << 16;
/** VMCOREINFO and ELF notes larger than this are refused (the kernel's VMCOREINFO is ≤ 4 KiB) */
const MAX_NOTES = 16 << 20;
/** decompressed pages kept for readPhys() */
const PHYS_CACHE_PAGES = 64;

/** counters while reading, in this order */
const COUNTERS = ['uncompressed', 'zlib', 'lzo', 'snappy', 'zstd', 'zero', 'filtered', 'lost'] as const;
const C_RAW = 0;
const C_ZERO = 5;
const C_FILTERED = 6;
const C_LOST = 7;
const CODEC_COUNTER: Record<PageCodec, number> = { zlib: 1, lzo: 2, snappy: 3, zstd: 4 };

/** what loadPage() returns for a page an incomplete dump does not hold (else a counter index) */
const LOST = -1;

export class KdumpSource implements PageSource, PhysicalMemory {
  readonly hasContent = true;
  readonly info: Record<string, unknown> = {};
  readonly totalPages: number | null;
  readonly vmcoreinfo: ReadonlyMap<string, string> | null;
  readonly maxPfn: number;
  readonly dumpBytes: number;

  readonly path: string;
  private readonly bs: number;
  private readonly incomplete: boolean;
  private readonly offBitmap2: number;
  private readonly bitmapHalf: number;
  private readonly offDesc: number;
  /** descriptors the file describes (pages of the second bitmap within [startPfn, endPfn)) */
  private readonly ndesc: number;
  /** descriptors actually present (fewer than ndesc only in an incomplete dump) */
  private readonly descPresent: number;
  private readonly dataStart: number;
  /** offset of the shared zero page, or -1 */
  private readonly zeroOffset: number;
  private readonly startPfn: number;
  private readonly endPfn: number;
  /** set bits of the second bitmap before PFN k × 32768 */
  private readonly blockRank: Float64Array;
  private readonly rankStart: number;
  /** the kernel page classifier's decision per PFN (src/sources/kernel-pages/page-filter.ts) */
  private readonly filter: KernelPageFilter;
  private readonly warn: (file: string, message: string) => void;
  private warned = false;
  private readonly allPages: boolean;

  private readonly decompressor: PageDecompressor;
  private readonly descReader: SequentialReader;
  private readonly dataReader: SequentialReader;
  private readonly randomReader: SequentialReader;
  private readonly ordinals = new OrdinalMap(1);
  private readonly counts = new Float64Array(COUNTERS.length);

  // streaming position
  private pfn: number;
  private descIndex = 0;
  /** the same bitmap bytes of the first bitmap (RAM) and of the second (dumped) */
  private readonly window1 = Buffer.allocUnsafeSlow(BITMAP_WINDOW);
  private readonly window = Buffer.allocUnsafeSlow(BITMAP_WINDOW);
  private readonly offBitmap1: number;
  private windowPfn = 0;
  private windowPfns = 0;

  // readPhys
  private readonly physCache = new Map<number, Buffer>();
  private readonly rankBlock = Buffer.allocUnsafeSlow(RANK_BLOCK_BYTES);
  private rankBlockIndex = -1;
  private readonly descBuf = Buffer.allocUnsafeSlow(PAGE_DESC_SIZE);

  constructor(
    private readonly file: ByteSource,
    options: SourceOptions,
    readonly format = 'kdump',
  ) {
    this.warn = options.warn ?? warnOnStderr;
    this.allPages = options.allPages;
    this.dumpBytes = file.size;
    const path = (this.path = file.path);
    const size = file.size;
    if (size < MAIN_HEADER_SIZE) throw new InputError(path, `truncated kdump header: the file has ${size} bytes, the header needs ${MAIN_HEADER_SIZE}`);
    const head = Buffer.alloc(MAIN_HEADER_SIZE);
    file.readExactly(head, 0, MAIN_HEADER_SIZE, 0, 'kdump header');
    const h = parseMainHeader(path, head);
    const bs = (this.bs = h.blockSize);
    if (!isPowerOfTwo(bs)) throw new InputError(path, `kdump header: block size ${bs} is not a power of two`);
    if (bs !== PAGE_SIZE) throw new InputError(path, `kdump header: page size ${bs} is not supported (only ${PAGE_SIZE}-byte pages)`);
    this.incomplete = (h.status & DUMP_DH.COMPRESSED_INCOMPLETE) !== 0;

    // layout: header block, sub-header blocks, bitmap blocks, descriptors, data
    const minSub = h.version >= 2 ? 1 : 0;
    if (h.subHeaderBlocks < minSub || h.subHeaderBlocks * bs > size) {
      throw new InputError(path, `kdump header: sub-header of ${h.subHeaderBlocks} blocks does not fit the ${size}-byte file`);
    }
    if (h.bitmapBlocks === 0 || h.bitmapBlocks % 2 !== 0) throw new InputError(path, `kdump header: ${h.bitmapBlocks} bitmap blocks (must be a non-zero even number)`);
    const offBitmap1 = (1 + h.subHeaderBlocks) * bs;
    const bitmapBytes = h.bitmapBlocks * bs;
    if (offBitmap1 + bitmapBytes > size) {
      throw new InputError(path, `truncated kdump: the bitmaps (${h.bitmapBlocks} blocks at offset ${offBitmap1}) end beyond the end of the file (${size} bytes)`);
    }
    this.offBitmap1 = offBitmap1;
    this.bitmapHalf = bitmapBytes / 2;
    this.offBitmap2 = offBitmap1 + this.bitmapHalf;
    this.offDesc = offBitmap1 + bitmapBytes;

    let sub = parseSubHeader(Buffer.alloc(SUB_HEADER_SIZE), 0);
    if (h.subHeaderBlocks > 0) {
      const sb = Buffer.alloc(SUB_HEADER_SIZE);
      file.readExactly(sb, 0, SUB_HEADER_SIZE, bs, 'kdump sub-header');
      sub = parseSubHeader(sb, h.version);
    }
    const maxPfn = h.version >= 6 && sub.maxMapnr64 !== 0 ? sub.maxMapnr64 : h.maxMapnr32;
    if (maxPfn === 0 || maxPfn > this.bitmapHalf * 8) {
      throw new InputError(path, `kdump header: max_mapnr ${maxPfn} does not fit bitmaps of ${this.bitmapHalf} bytes`);
    }
    this.maxPfn = maxPfn;
    if (sub.split) {
      if (!(sub.startPfn <= sub.endPfn && sub.endPfn <= maxPfn)) {
        throw new InputError(path, `kdump sub-header: split range of PFNs ${sub.startPfn}..${sub.endPfn} is outside 0..${maxPfn}`);
      }
      this.startPfn = sub.startPfn;
      this.endPfn = sub.endPfn;
    } else {
      this.startPfn = 0;
      this.endPfn = maxPfn;
    }

    const counts = this.scanBitmaps(offBitmap1);
    this.blockRank = counts.blockRank;
    this.rankStart = this.rank(this.startPfn);
    this.ndesc = this.rank(this.endPfn) - this.rankStart;
    const descEnd = this.offDesc + this.ndesc * PAGE_DESC_SIZE;
    if (descEnd > size) {
      if (!this.incomplete) {
        throw new InputError(path, `truncated kdump: ${this.ndesc} page descriptors at offset ${this.offDesc} end at ${descEnd}, beyond the end of the file (${size} bytes)`);
      }
      this.descPresent = Math.max(0, Math.floor((size - this.offDesc) / PAGE_DESC_SIZE));
    } else {
      this.descPresent = this.ndesc;
    }
    this.dataStart = Math.min(descEnd, size);
    this.zeroOffset = this.findZeroPage();

    this.vmcoreinfo = this.readVmcoreinfo(sub.vmcoreinfoOffset, sub.vmcoreinfoSize, sub.noteOffset, sub.noteSize);

    this.decompressor = new PageDecompressor(bs);
    this.descReader = new SequentialReader(file, this.offDesc, 1 << 16);
    this.dataReader = new SequentialReader(file, this.dataStart, 1 << 20);
    this.randomReader = new SequentialReader(file, this.dataStart, 1 << 16);
    this.pfn = this.startPfn;

    const info = this.info;
    info.kdump_header_version = h.version;
    if (h.version > KNOWN_HEADER_VERSION) info.kdump_header_note = `version ${h.version} is newer than ${KNOWN_HEADER_VERSION}; read as version ${KNOWN_HEADER_VERSION}`;
    info.compression = compressionName(h.status);
    info.status = statusNames(h.status);
    info.incomplete = this.incomplete;
    info.block_size = bs;
    info.max_pfn = maxPfn;
    info.dump_level = sub.dumpLevel;
    info.phys_base = `0x${sub.physBase.toString(16)}`;
    if (sub.split) info.split = { start_pfn: this.startPfn, end_pfn: this.endPfn };
    info.utsname = h.utsname;
    // QEMU leaves utsname empty: the release is then VMCOREINFO's, if any
    // seconds since 1970; beyond what a Date holds (±8.64e12 s) it is kept as the number it is
    if (h.timestamp > 0) info.timestamp = h.timestamp < 8.64e12 ? new Date(h.timestamp * 1000).toISOString() : h.timestamp;
    info.nr_cpus = h.nrCpus;
    info.ram_pages = counts.ram;
    info.dumped_pages = counts.dumped;
    info.excluded_pages = counts.excluded;
    if (counts.dumpedNotRam > 0) info.dumped_pages_not_ram = counts.dumpedNotRam;
    info.pages_in_file = this.ndesc;
    info.vmcoreinfo_keys = this.vmcoreinfo?.size ?? 0;
    const osrelease = this.vmcoreinfo?.get('OSRELEASE');
    if (osrelease !== undefined) info.osrelease = osrelease;
    info.kernel_release = h.utsname.release || osrelease || null;
    this.syncCounts();

    // which pages zswap would see: the kernel page classifier, through readPhys and VMCOREINFO
    this.filter = openKernelPageFilter(this, options);
    this.totalPages = (options.allPages || !this.filter.classifying) && !this.incomplete ? this.ndesc : null;
    if (this.filter.warning) info.warning = this.filter.warning;
    info.classification = this.filter.info();
  }

  get totalBytes(): number {
    return this.file.size;
  }

  get bytesRead(): number {
    return Math.max(this.dataReader.pos, this.descReader.pos);
  }

  read(batch: PageBatch): number {
    batch.reset();
    const w1 = this.window1;
    const w2 = this.window;
    const end = this.endPfn;
    const filter = this.filter;
    let pfn = this.pfn;
    while (batch.count < batch.capacity && pfn < end) {
      if (pfn < this.windowPfn || pfn >= this.windowPfn + this.windowPfns) this.loadWindow(pfn);
      const d = pfn - this.windowPfn;
      const ram = w1[d >>> 3];
      const dumped = w2[d >>> 3];
      if ((ram | dumped) === 0) {
        pfn += 8 - (d & 7);
        continue;
      }
      const bit = 1 << (d & 7);
      if ((dumped & bit) === 0) {
        // RAM the dump left out (excluded by its dump level): the classifier counts it by class
        if (ram & bit) filter.absent(pfn);
        pfn++;
        continue;
      }
      const di = this.descIndex++;
      if (di >= this.descPresent) {
        this.counts[C_LOST]++;
        pfn++;
        continue;
      }
      this.descReader.pos = this.offDesc + di * PAGE_DESC_SIZE;
      const { buf, at } = this.descReader.peek(PAGE_DESC_SIZE, 'page descriptor');
      const flags = filter.decide(pfn);
      if (flags < 0) {
        this.counts[C_FILTERED]++;
        pfn++;
        continue;
      }
      const i = batch.count;
      const r = this.loadPage(pfn, di, buf, at, batch.content, i * PAGE_SIZE, this.dataReader);
      if (r === LOST) {
        this.counts[C_LOST]++;
      } else {
        this.counts[r]++;
        batch.pfn[i] = pfn;
        batch.flags[i] = flags;
        this.ordinals.push(di);
        batch.count++;
      }
      pfn++;
    }
    this.pfn = pfn;
    if (pfn >= end && this.descIndex !== this.ndesc) {
      throw new InputError(this.path, `file changed while reading: ${this.descIndex} pages found in the bitmap, ${this.ndesc} when it was opened`);
    }
    this.syncCounts();
    this.info.classification = filter.info();
    if (batch.count === 0 && filter.warning && !this.warned && !this.allPages) {
      // at the end, so that a run that fails on a later error still prints one line; not with
      // --all-pages, where the classifier was not needed to choose pages
      this.warned = true;
      this.warn(this.path, filter.warning);
    }
    return batch.count;
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    const di = this.ordinals.position(ordinal);
    const desc = this.readDesc(di);
    const r = this.loadPage(-1, di, desc, 0, dst, at, this.randomReader);
    if (r === LOST) throw new Error(`kdump reader: delivered page ${ordinal} is lost`);
  }

  readPhys(paddr: number, dst: Uint8Array, at: number, len: number): boolean {
    const bs = this.bs;
    if (!(paddr >= 0 && len >= 0 && paddr + len <= this.maxPfn * bs)) return false;
    while (len > 0) {
      const pfn = Math.floor(paddr / bs);
      const inPage = paddr - pfn * bs;
      const n = Math.min(len, bs - inPage);
      const page = this.physPage(pfn);
      if (!page) return false;
      dst.set(page.subarray(inPage, inPage + n), at);
      paddr += n;
      at += n;
      len -= n;
    }
    return true;
  }

  close(): void {
    this.physCache.clear();
    this.file.close();
  }

  // ---- pages

  /**
   * Validates the descriptor in buf[at, at + 24) and puts its page into dst[dstAt…]; returns the
   * counter of how it was stored, or LOST for a page an incomplete dump does not hold.
   */
  private loadPage(pfn: number, di: number, buf: Buffer, at: number, dst: Buffer, dstAt: number, data: SequentialReader): number {
    const offset = s64(buf, at);
    const size = buf.readUInt32LE(at + 8);
    const flags = buf.readUInt32LE(at + 12);
    const bs = this.bs;
    if (this.incomplete && (offset === 0 || size === 0 || offset + size > this.file.size)) return LOST;
    if (flags & ~COMPRESSION_FLAGS) throw new InputError(this.path, `${this.where(di, pfn)}: unknown flags 0x${flags.toString(16)}`);
    if (offset >= this.dataStart && offset < this.file.size && offset + size > this.file.size) {
      throw new InputError(this.path, `truncated kdump: ${this.where(di, pfn)}: page data at offset ${offset} (+${size} bytes) ends beyond the end of the file (${this.file.size} bytes)`);
    }
    if (offset < this.dataStart || offset >= MAX_U64 || offset + size > this.file.size) {
      throw new InputError(this.path, `${this.where(di, pfn)}: page data at offset ${offset} (+${size} bytes) is outside the data area ${this.dataStart}..${this.file.size}`);
    }
    if (flags === 0) {
      if (size !== bs) throw new InputError(this.path, `${this.where(di, pfn)}: uncompressed page of ${size} bytes (must be ${bs})`);
      if (offset === this.zeroOffset) {
        dst.fill(0, dstAt, dstAt + bs);
        return C_ZERO;
      }
      data.pos = offset;
      const p = data.peek(bs, 'page');
      p.buf.copy(dst, dstAt, p.at, p.at + bs);
      return C_RAW;
    }
    const codec = codecOf(flags);
    if (codec === null) throw new InputError(this.path, `${this.where(di, pfn)}: more than one compression flag (0x${flags.toString(16)})`);
    if (size === 0 || size > bs) throw new InputError(this.path, `${this.where(di, pfn)}: compressed page of ${size} bytes (must be 1..${bs})`);
    data.pos = offset;
    const p = data.peek(size, 'compressed page');
    try {
      this.decompressor.decompress(codec, p.buf, p.at, p.at + size, dst, dstAt);
    } catch (e) {
      if (e instanceof DecompressError) {
        throw new InputError(this.path, `corrupt compressed page (${this.where(di, pfn)}, data at offset ${offset}, ${size} bytes): ${e.message}`);
      }
      throw e;
    }
    return CODEC_COUNTER[codec];
  }

  /** names a descriptor in messages */
  private where(di: number, pfn: number): string {
    return `page descriptor ${di}${pfn >= 0 ? ` (PFN ${pfn})` : ''} at offset ${this.offDesc + di * PAGE_DESC_SIZE}`;
  }

  private readDesc(di: number): Buffer {
    this.file.readExactly(this.descBuf, 0, PAGE_DESC_SIZE, this.offDesc + di * PAGE_DESC_SIZE, 'page descriptor');
    return this.descBuf;
  }

  private physPage(pfn: number): Buffer | null {
    const hit = this.physCache.get(pfn);
    if (hit) return hit;
    if (pfn < this.startPfn || pfn >= this.endPfn || !this.isDumped(pfn)) return null;
    const di = this.rank(pfn) - this.rankStart;
    if (di >= this.descPresent) return null;
    let page: Buffer;
    if (this.physCache.size >= PHYS_CACHE_PAGES) {
      const oldest = this.physCache.keys().next().value as number;
      page = this.physCache.get(oldest)!;
      this.physCache.delete(oldest);
    } else {
      page = Buffer.allocUnsafe(this.bs);
    }
    if (this.loadPage(pfn, di, this.readDesc(di), 0, page, 0, this.randomReader) === LOST) return null;
    this.physCache.set(pfn, page);
    return page;
  }

  // ---- bitmaps

  private loadWindow(pfn: number): void {
    const first = pfn - (pfn % 8);
    const byteAt = first / 8;
    const n = Math.min(BITMAP_WINDOW, this.bitmapHalf - byteAt);
    this.file.readExactly(this.window1, 0, n, this.offBitmap1 + byteAt, 'first bitmap');
    this.file.readExactly(this.window, 0, n, this.offBitmap2 + byteAt, 'second bitmap');
    this.windowPfn = first;
    this.windowPfns = n * 8;
  }

  /** One pass over both bitmaps: page counts, and the prefix counts of the second. */
  private scanBitmaps(offBitmap1: number): { ram: number; dumped: number; excluded: number; dumpedNotRam: number; blockRank: Float64Array } {
    const usedBytes = Math.ceil(this.maxPfn / 8);
    const lastMask = this.maxPfn % 8 === 0 ? 0xff : (1 << this.maxPfn % 8) - 1;
    const blocks = Math.ceil(usedBytes / RANK_BLOCK_BYTES);
    const blockRank = new Float64Array(blocks + 1);
    const chunk = 1 << 20;
    const b1 = Buffer.allocUnsafe(Math.min(chunk, this.bitmapHalf));
    const b2 = Buffer.allocUnsafe(b1.length);
    let ram = 0;
    let dumped = 0;
    let excluded = 0;
    let dumpedNotRam = 0;
    for (let base = 0; base < this.bitmapHalf; base += chunk) {
      const n = Math.min(chunk, this.bitmapHalf - base);
      this.file.readExactly(b1, 0, n, offBitmap1 + base, 'first bitmap');
      this.file.readExactly(b2, 0, n, this.offBitmap2 + base, 'second bitmap');
      for (let i = 0; i < n; i++) {
        const byteIndex = base + i;
        let x1 = b1[i];
        let x2 = b2[i];
        if (byteIndex >= usedBytes - 1) {
          const mask = byteIndex === usedBytes - 1 ? lastMask : 0;
          if (x2 & ~mask) {
            throw new InputError(this.path, `kdump bitmap marks pages beyond max_mapnr ${this.maxPfn} as dumped (byte ${byteIndex} of the second bitmap)`);
          }
          x1 &= mask;
          x2 &= mask;
        }
        ram += POPCOUNT8[x1];
        dumped += POPCOUNT8[x2];
        excluded += POPCOUNT8[x1 & ~x2 & 0xff];
        dumpedNotRam += POPCOUNT8[x2 & ~x1 & 0xff];
        if (byteIndex < usedBytes && (byteIndex + 1) % RANK_BLOCK_BYTES === 0) blockRank[(byteIndex + 1) / RANK_BLOCK_BYTES] = dumped;
      }
    }
    blockRank[blocks] = dumped;
    return { ram, dumped, excluded, dumpedNotRam, blockRank };
  }

  /** set bits of the second bitmap before `pfn` (pfn ≤ maxPfn) */
  private rank(pfn: number): number {
    const k = Math.floor(pfn / (RANK_BLOCK_BYTES * 8));
    let r = this.blockRank[k];
    const within = pfn - k * RANK_BLOCK_BYTES * 8;
    if (within === 0) return r;
    const block = this.loadRankBlock(k);
    const whole = within >>> 3;
    for (let i = 0; i < whole; i++) r += POPCOUNT8[block[i]];
    const rest = within & 7;
    if (rest) r += POPCOUNT8[block[whole] & ((1 << rest) - 1)];
    return r;
  }

  private isDumped(pfn: number): boolean {
    const k = Math.floor(pfn / (RANK_BLOCK_BYTES * 8));
    const within = pfn - k * RANK_BLOCK_BYTES * 8;
    return (this.loadRankBlock(k)[within >>> 3] & (1 << (within & 7))) !== 0;
  }

  private loadRankBlock(k: number): Buffer {
    if (this.rankBlockIndex !== k) {
      const at = k * RANK_BLOCK_BYTES;
      const n = Math.min(RANK_BLOCK_BYTES, this.bitmapHalf - at);
      this.rankBlock.fill(0);
      this.file.readExactly(this.rankBlock, 0, n, this.offBitmap2 + at, 'second bitmap');
      this.rankBlockIndex = k;
    }
    return this.rankBlock;
  }

  // ---- header parts

  /** the first stored page, when it is all zeros: makedumpfile and QEMU store the zero page once, first */
  private findZeroPage(): number {
    if (this.descPresent === 0 || this.dataStart + this.bs > this.file.size) return -1;
    const p = Buffer.alloc(this.bs);
    this.file.readExactly(p, 0, this.bs, this.dataStart, 'page data');
    for (let i = 0; i < p.length; i++) if (p[i] !== 0) return -1;
    return this.dataStart;
  }

  private readVmcoreinfo(offset: number, size: number, noteOffset: number, noteSize: number): Map<string, string> | null {
    const path = this.path;
    const fileSize = this.file.size;
    if (size > 0) {
      if (size > MAX_VMCOREINFO) throw new InputError(path, `kdump sub-header: VMCOREINFO of ${size} bytes is too large (limit ${MAX_VMCOREINFO})`);
      if (offset < 0 || offset + size > fileSize) {
        throw new InputError(path, `kdump sub-header: VMCOREINFO at offset ${offset} (+${size} bytes) lies outside the ${fileSize}-byte file`);
      }
      const b = Buffer.alloc(size);
      this.file.readExactly(b, 0, size, offset, 'VMCOREINFO');
      return parseVmcoreinfoBytes(path, b, 'kdump sub-header');
    }
    if (noteSize > 0) {
      if (noteSize > MAX_NOTES) throw new InputError(path, `kdump sub-header: ELF notes of ${noteSize} bytes are too large (limit ${MAX_NOTES})`);
      if (noteOffset < 0 || noteOffset + noteSize > fileSize) {
        throw new InputError(path, `kdump sub-header: ELF notes at offset ${noteOffset} (+${noteSize} bytes) lie outside the ${fileSize}-byte file`);
      }
      const b = Buffer.alloc(noteSize);
      this.file.readExactly(b, 0, noteSize, noteOffset, 'ELF notes');
      const desc = findElfNote(b, 'VMCOREINFO');
      if (desc) return parseVmcoreinfoBytes(path, desc, `VMCOREINFO note in the ELF notes at offset ${noteOffset}`);
    }
    return null;
  }

  private syncCounts(): void {
    const pages: Record<string, number> = {};
    COUNTERS.forEach((name, i) => (pages[name] = this.counts[i]));
    this.info.pages = pages;
  }
}

function compressionName(status: number): string {
  const names: string[] = [];
  if (status & DUMP_DH.COMPRESSED_ZLIB) names.push('zlib');
  if (status & DUMP_DH.COMPRESSED_LZO) names.push('lzo');
  if (status & DUMP_DH.COMPRESSED_SNAPPY) names.push('snappy');
  if (status & DUMP_DH.COMPRESSED_ZSTD) names.push('zstd');
  return names.length ? names.join('+') : 'none';
}

export function isKdump(head: Uint8Array): boolean {
  return head.length >= 8 && KDUMP_SIGNATURE.equals(head.subarray(0, 8));
}

export const kdumpReader: FormatReader = {
  name: 'kdump',
  detect: isKdump,
  open: (file, options) => new KdumpSource(file, options),
};
