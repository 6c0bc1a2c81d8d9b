/**
 * makedumpfile's flattened format (makedumpfile -F, and what QEMU writes for its kdump formats):
 * a dump file written as a stream, for pipes that cannot seek. After a 4096-byte header
 * ("makedumpfile" signature, type 1, version 1, big-endian 64-bit numbers) come pieces, each a
 * 16-byte header (offset and size, big-endian signed 64-bit) followed by `size` bytes that belong
 * at `offset` of the dump; a header with offset -1 and size -1 ends the stream. `makedumpfile -R`
 * rearranges such a stream into the dump (kdump-compressed, or ELF with -E).
 *
 * We never rearrange: one pass over the piece headers builds a compact map (three numbers per
 * piece, sorted by offset, overlaps rejected), and reads of the dump are served from the pieces
 * in place. Bytes of the dump no piece covers read as zeros, as in the file -R would write.
 */
import { InputError } from '../../util/errors.js';
import { elfReader } from '../elf/elf-reader.js';
import { DETECT_BYTES, type FormatReader } from '../format-reader.js';
import type { ByteSource } from '../input-file.js';
import type { PageSource } from '../page-source.js';
import type { SourceOptions } from '../source-options.js';
import { KdumpSource, isKdump } from './kdump-reader.js';

export const FLAT_HEADER_SIZE = 4096;
const FLAT_SIGNATURE = Buffer.from('makedumpfile', 'latin1');
const TYPE_FLAT_HEADER = 1;
const VERSION_FLAT_HEADER = 1;
const PIECE_HEADER_SIZE = 16;
/** the largest offset or size we accept (2^52) */
const MAX_OFFSET = 2 ** 52;
/** piece map entries; 3 doubles each (24 bytes): 2^24 pieces is 384 MiB, far beyond real files */
const MAX_PIECES = 1 << 24;
/** pieces under SMALL_PIECE bytes accepted (real files have a handful: the headers) */
const SMALL_PIECE = 512;
const MAX_SMALL_PIECES = 4096;
/** unwritten bytes accepted beyond twice the flattened file's size */
const MAX_GAP_BASE = 64 << 20;
/** piece headers read at a time while scanning */
const SCAN_WINDOW = 1 << 20;

export function isFlattened(head: Uint8Array): boolean {
  if (head.length < 16 || !FLAT_SIGNATURE.equals(head.subarray(0, 12))) return false;
  for (let i = 12; i < 16; i++) if (head[i] !== 0) return false;
  return true;
}

/** big-endian signed 64-bit as a number (exact below 2^53; the caller range-checks) */
function be64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * 2 ** 32 + b.readUInt32BE(at + 4);
}

/** The dump a flattened file describes, read in place. */
export class FlattenedFile implements ByteSource {
  readonly size: number;
  /** pieces sorted by dump offset: where each starts in the dump, its data in the flattened file, its length */
  private readonly offset: Float64Array;
  private readonly filePos: Float64Array;
  private readonly length: Float64Array;
  /** index of the piece the last read started in */
  private cursor = 0;
  readonly pieces: number;
  /** bytes of the dump covered by no piece (read as zeros) */
  readonly gapBytes: number;

  constructor(private readonly file: ByteSource) {
    const path = file.path;
    if (file.size < FLAT_HEADER_SIZE + PIECE_HEADER_SIZE) {
      throw new InputError(path, `truncated flattened dump: ${file.size} bytes, less than its header and an end marker`);
    }
    const head = Buffer.alloc(32);
    file.readExactly(head, 0, 32, 0, 'flattened header');
    if (!isFlattened(head)) throw new InputError(path, 'not a makedumpfile flattened file (bad signature)');
    const type = be64(head, 16);
    const version = be64(head, 24);
    if (type !== TYPE_FLAT_HEADER) throw new InputError(path, `flattened header: type ${type} is not ${TYPE_FLAT_HEADER}`);
    if (version !== VERSION_FLAT_HEADER) throw new InputError(path, `flattened header: version ${version} is not supported (only ${VERSION_FLAT_HEADER})`);

    // one pass over the piece headers
    let cap = 1024;
    let offs: Float64Array = new Float64Array(cap);
    let poss: Float64Array = new Float64Array(cap);
    let lens: Float64Array = new Float64Array(cap);
    let n = 0;
    let small = 0;
    let sorted = true;
    let pos = FLAT_HEADER_SIZE;
    const win = Buffer.allocUnsafe(Math.min(SCAN_WINDOW, file.size));
    let winPos = -1;
    let winLen = 0;
    for (;;) {
      if (pos + PIECE_HEADER_SIZE > file.size) {
        throw new InputError(path, `truncated flattened dump: no end marker (the file ends at ${file.size} after ${n} pieces)`);
      }
      if (pos < winPos || pos + PIECE_HEADER_SIZE > winPos + winLen) {
        winLen = Math.min(win.length, file.size - pos);
        file.readExactly(win, 0, winLen, pos, 'piece header');
        winPos = pos;
      }
      const off = be64(win, pos - winPos);
      const len = be64(win, pos - winPos + 8);
      if (off === -1) {
        if (len !== -1) throw new InputError(path, `flattened dump: end marker at offset ${pos} has size ${len}, not -1`);
        if (pos + PIECE_HEADER_SIZE !== file.size) {
          throw new InputError(path, `flattened dump: ${file.size - pos - PIECE_HEADER_SIZE} bytes after the end marker at offset ${pos}`);
        }
        break;
      }
      if (off < 0 || off >= MAX_OFFSET || len < 0 || len >= MAX_OFFSET) {
        throw new InputError(path, `flattened dump: piece header at offset ${pos} has offset ${off} and size ${len}`);
      }
      const data = pos + PIECE_HEADER_SIZE;
      if (data + len > file.size) {
        throw new InputError(path, `truncated flattened dump: piece at offset ${pos} holds ${len} bytes, only ${file.size - data} remain`);
      }
      if (len > 0) {
        if (len < SMALL_PIECE && ++small > MAX_SMALL_PIECES) {
          // makedumpfile and QEMU buffer their writes: only headers come as small pieces. Thousands of
          // tiny pieces would make every read of the dump cost a read per piece.
          throw new InputError(path, `flattened dump: more than ${MAX_SMALL_PIECES} pieces smaller than ${SMALL_PIECE} bytes (the one at offset ${pos} has ${len})`);
        }
        if (n === cap) {
          if (n >= MAX_PIECES) throw new InputError(path, `flattened dump: more than ${MAX_PIECES} pieces`);
          cap *= 2;
          offs = grow(offs, cap);
          poss = grow(poss, cap);
          lens = grow(lens, cap);
        }
        if (n > 0 && off < offs[n - 1]) sorted = false;
        offs[n] = off;
        poss[n] = data;
        lens[n] = len;
        n++;
      }
      pos = data + len;
    }

    // sort by dump offset, then refuse overlaps
    if (!sorted) {
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => offs[a] - offs[b]);
      const o2 = new Float64Array(n);
      const p2 = new Float64Array(n);
      const l2 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        o2[i] = offs[order[i]];
        p2[i] = poss[order[i]];
        l2[i] = lens[order[i]];
      }
      offs = o2;
      poss = p2;
      lens = l2;
    }
    let end = 0;
    let gaps = 0;
    for (let i = 0; i < n; i++) {
      if (offs[i] < end) {
        throw new InputError(path, `flattened dump: the piece at flattened offset ${poss[i] - PIECE_HEADER_SIZE} overlaps another (dump bytes ${offs[i]}..${offs[i] + lens[i]}, already written up to ${end})`);
      }
      gaps += offs[i] - end;
      end = offs[i] + lens[i];
    }
    // makedumpfile and QEMU leave only padding unwritten; a dump made mostly of holes would make
    // the readers scan zeros for as long as the holes claim, so it is refused
    if (gaps > MAX_GAP_BASE + 2 * file.size) {
      throw new InputError(path, `flattened dump: its pieces leave ${gaps} of ${end} bytes unwritten (at most ${MAX_GAP_BASE + 2 * file.size} accepted)`);
    }
    this.offset = offs.subarray(0, n);
    this.filePos = poss.subarray(0, n);
    this.length = lens.subarray(0, n);
    this.pieces = n;
    this.size = end;
    this.gapBytes = gaps;
  }

  get path(): string {
    return this.file.path;
  }

  readExactly(dst: Uint8Array, at: number, len: number, pos: number, what = 'data'): void {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw new InputError(this.path, `${what} at offset ${pos} (+${len} bytes) of the flattened dump lies beyond its end (${this.size} bytes)`);
    }
    let i = this.find(pos);
    while (len > 0) {
      // piece i is the last piece starting at or before pos (or -1)
      const pieceEnd = i >= 0 ? this.offset[i] + this.length[i] : 0;
      if (i >= 0 && pos < pieceEnd) {
        const n = Math.min(len, pieceEnd - pos);
        this.file.readExactly(dst, at, n, this.filePos[i] + (pos - this.offset[i]), what);
        at += n;
        pos += n;
        len -= n;
      } else {
        // a gap up to the next piece
        const next = i + 1 < this.pieces ? this.offset[i + 1] : this.size;
        const n = Math.min(len, next - pos);
        dst.fill(0, at, at + n);
        at += n;
        pos += n;
        len -= n;
      }
      if (len > 0 && i + 1 < this.pieces && pos >= this.offset[i + 1]) i++;
    }
    this.cursor = Math.max(0, i);
  }

  /** index of the last piece with offset ≤ pos, or -1 */
  private find(pos: number): number {
    const offs = this.offset;
    const c = this.cursor;
    if (c < this.pieces && offs[c] <= pos && (c + 1 >= this.pieces || offs[c + 1] > pos)) return c;
    if (c + 1 < this.pieces && offs[c + 1] <= pos && (c + 2 >= this.pieces || offs[c + 2] > pos)) return c + 1;
    let lo = 0;
    let hi = this.pieces - 1;
    if (hi < 0 || offs[0] > pos) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offs[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  close(): void {
    this.file.close();
  }
}

function grow(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** Opens the dump a flattened file holds: kdump-compressed (ours) or ELF (the ELF reader's). */
export function openFlattened(file: ByteSource, options: SourceOptions): PageSource {
  const flat = new FlattenedFile(file);
  const head = Buffer.alloc(Math.min(DETECT_BYTES, flat.size));
  flat.readExactly(head, 0, head.length, 0, 'dump header');
  const container = { pieces: flat.pieces, size: flat.size, gap_bytes: flat.gapBytes };
  let source: PageSource;
  if (isKdump(head)) {
    source = new KdumpSource(flat, options, 'flattened-kdump');
  } else if (elfReader.detect(head)) {
    source = elfReader.open(flat, options);
  } else if (isFlattened(head)) {
    throw new InputError(file.path, 'flattened dump holds another flattened dump');
  } else {
    throw new InputError(file.path, 'flattened dump holds neither a kdump-compressed dump nor an ELF file');
  }
  source.info.flattened = container;
  return source;
}

export const flattenedReader: FormatReader = {
  name: 'flattened',
  detect: isFlattened,
  open: openFlattened,
};
