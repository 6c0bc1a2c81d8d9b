/** Reads our capture format (capture-format.ts): full captures and hash-only traces. */
import { COMPRESSOR_NAMES } from '../compress/compressor.js';
import { EINVAL, ENOSPC, PAGE_SIZE } from '../model/kernel.js';
import { InputError } from '../util/errors.js';
import {
  CAPTURE_FLAG_TRACE,
  CAPTURE_MAGIC,
  CAPTURE_VERSION,
  DIGEST_BODY_SIZE,
  END_BODY_SIZE,
  FIXED_HEADER_SIZE,
  MAX_MAPPING_BODY,
  MAX_META_BYTES,
  PAGE_BODY_SIZE,
  PAGE_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  REC_DIGEST,
  REC_END,
  REC_MAPPING,
  REC_OPTIONAL_MIN,
  REC_PAGE,
  REC_SUMMARY,
  MAX_SUMMARY_BODY,
  pad8,
  type MappingInfo,
} from './capture-format.js';
import { SequentialReader, type ByteSource } from './input-file.js';
import { OrdinalMap } from './ordinal-map.js';
import { decodeDigest, LENGTH_SLOTS } from './digest-layout.js';
import { NO_PFN, PAGE_FLAG, type PageBatch } from './page-batch.js';
import type { PageSource } from './page-source.js';

/** distance between consecutive page records */
const PAGE_RECORD_STRIDE = RECORD_HEADER_SIZE + pad8(PAGE_BODY_SIZE);

export function isCapture(head: Uint8Array): boolean {
  return head.length >= CAPTURE_MAGIC.length && CAPTURE_MAGIC.equals(head.subarray(0, CAPTURE_MAGIC.length));
}

export class CaptureSource implements PageSource {
  readonly format: string;
  readonly hasContent: boolean;
  readonly info: Record<string, unknown>;
  readonly totalPages = null;
  readonly mappings: MappingInfo[] = [];
  private readonly reader: SequentialReader;
  private records = 0;
  private ended = false;
  /** file offset of each page record, by ordinal (full captures only) */
  private readonly pageRecords = new OrdinalMap(PAGE_RECORD_STRIDE);

  constructor(private readonly file: ByteSource) {
    const path = file.path;
    if (file.size < FIXED_HEADER_SIZE) throw new InputError(path, 'truncated capture header');
    const head = Buffer.alloc(FIXED_HEADER_SIZE);
    file.readExactly(head, 0, FIXED_HEADER_SIZE, 0, 'capture header');
    if (!isCapture(head)) throw new InputError(path, 'not a zswap-dedup capture (bad magic)');
    const version = head.readUInt16LE(8);
    if (version !== CAPTURE_VERSION) throw new InputError(path, `capture format version ${version} is not supported (this build reads version ${CAPTURE_VERSION})`);
    const flags = head.readUInt16LE(10);
    if (flags & ~CAPTURE_FLAG_TRACE) throw new InputError(path, `unknown capture flags 0x${flags.toString(16)}`);
    const pageSize = head.readUInt32LE(12);
    if (pageSize !== PAGE_SIZE) throw new InputError(path, `page size ${pageSize} is not supported (only ${PAGE_SIZE})`);
    const metaLen = head.readUInt32LE(16);
    if (metaLen > MAX_META_BYTES || FIXED_HEADER_SIZE + metaLen > file.size) {
      throw new InputError(path, `capture header metadata length ${metaLen} is out of range for a ${file.size}-byte file`);
    }
    const metaBuf = Buffer.alloc(metaLen);
    file.readExactly(metaBuf, 0, metaLen, FIXED_HEADER_SIZE, 'capture metadata');
    let meta: unknown;
    try {
      meta = JSON.parse(metaBuf.toString('utf8'));
    } catch {
      throw new InputError(path, 'capture header metadata is not valid JSON');
    }
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new InputError(path, 'capture header metadata is not a JSON object');
    this.info = meta as Record<string, unknown>;
    this.hasContent = (flags & CAPTURE_FLAG_TRACE) === 0;
    this.format = this.hasContent ? 'capture' : 'trace';
    this.reader = new SequentialReader(file, pad8(FIXED_HEADER_SIZE + metaLen));
  }

  get path(): string {
    return this.file.path;
  }

  get totalBytes(): number {
    return this.file.size;
  }

  get bytesRead(): number {
    return this.reader.pos;
  }

  read(batch: PageBatch): number {
    batch.reset();
    batch.digestOnly = !this.hasContent;
    const r = this.reader;
    const path = this.file.path;
    while (batch.count < batch.capacity && !this.ended) {
      if (r.remaining === 0) throw new InputError(path, `truncated capture: no end record after ${this.records} pages (interrupted while writing?)`);
      const recAt = r.pos;
      const { buf: hb, at: ha } = r.peek(RECORD_HEADER_SIZE, 'record header');
      const type = hb.readUInt16LE(ha);
      const bodyLen = hb.readUInt32LE(ha + 4);
      const total = RECORD_HEADER_SIZE + pad8(bodyLen);
      if (total > r.remaining) {
        throw new InputError(path, `truncated capture: record at offset ${recAt} declares ${bodyLen} bytes, only ${r.remaining - RECORD_HEADER_SIZE} remain`);
      }
      r.skip(RECORD_HEADER_SIZE);
      switch (type) {
        case REC_PAGE:
        case REC_DIGEST:
          this.readPageRecord(batch, type, bodyLen, recAt);
          break;
        case REC_MAPPING:
          this.readMapping(bodyLen, recAt);
          break;
        case REC_END:
          this.readEnd(bodyLen, recAt);
          break;
        case REC_SUMMARY:
          this.readSummary(bodyLen, recAt);
          break;
        default:
          if (type < REC_OPTIONAL_MIN) throw new InputError(path, `unknown record type ${type} at offset ${recAt}`);
      }
      r.pos = recAt + total;
    }
    return batch.count;
  }

  private readPageRecord(batch: PageBatch, type: number, bodyLen: number, recAt: number): void {
    const path = this.file.path;
    const expected = this.hasContent ? REC_PAGE : REC_DIGEST;
    if (type !== expected) {
      throw new InputError(path, `${type === REC_PAGE ? 'page' : 'digest'} record at offset ${recAt} in a ${this.format} file`);
    }
    const want = type === REC_PAGE ? PAGE_BODY_SIZE : DIGEST_BODY_SIZE;
    if (bodyLen !== want) throw new InputError(path, `record at offset ${recAt} has length ${bodyLen}, expected ${want}`);
    const { buf, at } = this.reader.peek(bodyLen, 'page record');
    const i = batch.count;
    const pfnLo = buf.readUInt32LE(at);
    const pfnHi = buf.readUInt32LE(at + 4);
    batch.pfn[i] = pfnLo === 0xffffffff && pfnHi === 0xffffffff ? NO_PFN : pfnHi * 2 ** 32 + pfnLo;
    batch.vaddr[i] = buf.readUInt32LE(at + 12) * 2 ** 32 + buf.readUInt32LE(at + 8);
    batch.flags[i] = buf.readUInt32LE(at + 16);
    batch.mapping[i] = buf.readUInt32LE(at + 20);
    batch.mapcount[i] = buf.readUInt32LE(at + 24);
    if (this.hasContent) this.pageRecords.push(recAt);
    const body = at + PAGE_HEADER_SIZE;
    if (type === REC_PAGE) {
      buf.copy(batch.content, i * PAGE_SIZE, body, body + PAGE_SIZE);
    } else {
      this.readDigest(batch, i, buf, body, recAt);
    }
    batch.count++;
    this.records++;
  }

  private readDigest(batch: PageBatch, i: number, buf: Buffer, at: number, recAt: number): void {
    decodeDigest(buf, at, batch, i);
    const zero = (batch.flags[i] & PAGE_FLAG.ZERO_FILLED) !== 0;
    for (let c = 0; c < LENGTH_SLOTS; c++) {
      const len = batch.lengths[i * LENGTH_SLOTS + c];
      const valid = zero ? len === 0 : (len > 0 && len <= PAGE_SIZE) || len === -EINVAL || len === -ENOSPC;
      if (!valid) {
        throw new InputError(this.file.path, `corrupt digest record at offset ${recAt}: ${COMPRESSOR_NAMES[c]} length ${len}`);
      }
    }
  }

  private readMapping(bodyLen: number, recAt: number): void {
    const path = this.file.path;
    if (bodyLen > MAX_MAPPING_BODY) throw new InputError(path, `mapping record at offset ${recAt} is too large (${bodyLen} bytes)`);
    const { buf, at } = this.reader.peek(bodyLen, 'mapping record');
    let m: unknown;
    try {
      m = JSON.parse(buf.toString('utf8', at, at + bodyLen));
    } catch {
      throw new InputError(path, `mapping record at offset ${recAt} is not valid JSON`);
    }
    if (typeof m !== 'object' || m === null || typeof (m as MappingInfo).id !== 'number') {
      throw new InputError(path, `mapping record at offset ${recAt} has no numeric id`);
    }
    this.mappings.push(m as MappingInfo);
  }

  private readSummary(bodyLen: number, recAt: number): void {
    if (bodyLen > MAX_SUMMARY_BODY) return; // optional: too large to bother, skip it
    const { buf, at } = this.reader.peek(bodyLen, 'summary record');
    try {
      this.info.summary = JSON.parse(buf.toString('utf8', at, at + bodyLen));
    } catch {
      throw new InputError(this.file.path, `summary record at offset ${recAt} is not valid JSON`);
    }
  }

  private readEnd(bodyLen: number, recAt: number): void {
    const path = this.file.path;
    if (bodyLen !== END_BODY_SIZE) throw new InputError(path, `end record at offset ${recAt} has length ${bodyLen}, expected ${END_BODY_SIZE}`);
    const { buf, at } = this.reader.peek(END_BODY_SIZE, 'end record');
    const count = buf.readUInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
    if (count !== this.records) throw new InputError(path, `end record says ${count} pages, the file holds ${this.records}`);
    if (recAt + RECORD_HEADER_SIZE + END_BODY_SIZE !== this.file.size) {
      throw new InputError(path, `data after the end record at offset ${recAt}`);
    }
    this.ended = true;
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    if (!this.hasContent) throw new Error('readPage on a trace');
    const recAt = this.pageRecords.position(ordinal);
    this.file.readExactly(dst, at, PAGE_SIZE, recAt + RECORD_HEADER_SIZE + PAGE_HEADER_SIZE, 'page');
  }

  close(): void {
    this.file.close();
  }
}
