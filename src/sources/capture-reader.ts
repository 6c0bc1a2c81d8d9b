/**
 * Reads our capture format (capture-format.ts), versions 1 and 2: full captures and hash-only
 * traces, as a timeline (CaptureTimeline), or, for a file of one sample, as a page source
 * (CaptureSource).
 */
import zlib from 'node:zlib';
import { COMPRESSOR_NAMES } from '../compress/compressor.js';
import { EINVAL, ENOSPC, PAGE_SIZE } from '../model/kernel.js';
import { KeyStates } from '../timeline/key-states.js';
import { EventBatch, IDLE_METHODS, PAGE_EVENT, type IdleMethod, type Timeline, type TimelineInput, type TimelineSample } from '../timeline/timeline.js';
import { InputError } from '../util/errors.js';
import { parseJson } from '../util/json.js';
import {
  ACCESS_HEADER_SIZE,
  CAPTURE_FLAG_TRACE,
  CAPTURE_MAGIC,
  CAPTURE_VERSION,
  KEYED_DIGESTS_VERSION,
  DIGEST_BODY_SIZE,
  END_BODY_SIZE,
  EVENTS_HEADER_SIZE,
  FIXED_HEADER_SIZE,
  MAX_EVENTS_PER_RECORD,
  MAX_MAPPING_BODY,
  MAX_META_BYTES,
  PAGE_BODY_SIZE,
  PAGE_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  REC_ACCESS,
  REC_DIGEST,
  REC_END,
  REC_EVENTS,
  REC_MAPPING,
  REC_OPTIONAL_MIN,
  REC_PAGE,
  REC_SAMPLE,
  REC_SAMPLE_SUMMARY,
  REC_SUMMARY,
  MAX_SUMMARY_BODY,
  SAMPLE_BODY_SIZE,
  pad8,
  type MappingInfo,
} from './capture-format.js';
import { SequentialReader, type ByteSource } from './input-file.js';
import { OrdinalMap } from './ordinal-map.js';
import { decodeDigest, LENGTH_SLOTS } from './digest-layout.js';
import { headerKeyId } from './digest-key.js';
import { NO_PFN, PAGE_FLAG, type PageBatch } from './page-batch.js';
import type { PageSource } from './page-source.js';

/** distance between consecutive page records */
const PAGE_RECORD_STRIDE = RECORD_HEADER_SIZE + pad8(PAGE_BODY_SIZE);

export function isCapture(head: Uint8Array): boolean {
  return head.length >= CAPTURE_MAGIC.length && CAPTURE_MAGIC.equals(head.subarray(0, CAPTURE_MAGIC.length));
}

/** What stopped read(): the batch is full, the sample ended (next record is SAMPLE), or the file did. */
type Stop = 'full' | 'sample' | 'end';

/** more mapping records than a host has mappings (65,530 per process by default) */
const MAX_MAPPINGS = 1 << 22;

/**
 * What is kept of a mapping record: its known fields, strings cut to what the kernel can give
 * (a path of PATH_MAX, a comm of 16), so that what a file puts in its records does not decide
 * how much memory is kept for them.
 */
function compactMapping(m: Record<string, unknown> & { id: number }): MappingInfo {
  const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
  return {
    id: m.id,
    pid: typeof m.pid === 'number' ? m.pid : 0,
    comm: str(m.comm, 64),
    start: str(m.start, 24),
    end: str(m.end, 24),
    perms: str(m.perms, 8),
    path: str(m.path, 4096),
  };
}

export class CaptureTimeline implements Timeline {
  readonly version: number;
  readonly hasContent: boolean;
  readonly format: string;
  readonly info: Record<string, unknown>;
  readonly idleMethod: IdleMethod;
  readonly inputs: readonly TimelineInput[];
  /** a trace's digest key id (digest-key.ts); null for a content capture or a plain (version 1, 2) trace */
  readonly digestKey: string | null;
  /** mapping records read so far (none kept without keepMappings) */
  readonly mappings: MappingInfo[] = [];
  private readonly reader: SequentialReader;
  private readonly keys = new KeyStates();
  /** PAGE/DIGEST records so far */
  private records = 0;
  private ended = false;
  /** the current sample; null before the first */
  private sample: TimelineSample | null = null;
  private sampleDone = false;
  /** a SAMPLE record read but not entered yet */
  private pending: TimelineSample | null = null;
  private ages: Float32Array | null = null;
  /** the EVENTS record being delivered: its event, keys left, file offset of the next key */
  private evType = 0;
  private evLeft = 0;
  private evPos = 0;
  /** file offset of each content record, by content ordinal (full captures only) */
  private readonly pageRecords = new OrdinalMap(PAGE_RECORD_STRIDE);
  private scratch: EventBatch | null = null;
  /** the SAMPLE_SUMMARY record of the current sample, once read (what the recording saw) */
  sampleSummary: unknown = undefined;

  constructor(
    private readonly file: ByteSource,
    private readonly keepMappings = true,
  ) {
    const path = file.path;
    if (file.size < FIXED_HEADER_SIZE) throw new InputError(path, 'truncated capture header');
    const head = Buffer.alloc(FIXED_HEADER_SIZE);
    file.readExactly(head, 0, FIXED_HEADER_SIZE, 0, 'capture header');
    if (!isCapture(head)) throw new InputError(path, 'not a zswap-dedup capture (bad magic)');
    this.version = head.readUInt16LE(8);
    if (this.version < 1 || this.version > CAPTURE_VERSION) {
      throw new InputError(path, `capture format version ${this.version} is not supported (this build reads versions 1 to ${CAPTURE_VERSION})`);
    }
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
    const parsed = parseJson(metaBuf.toString('utf8'));
    if (!parsed.ok) throw new InputError(path, `capture header metadata ${parsed.reason}`);
    const meta = parsed.value;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new InputError(path, 'capture header metadata is not a JSON object');
    this.info = meta as Record<string, unknown>;
    const idle = this.info.idle_method ?? 'none';
    if (!IDLE_METHODS.includes(idle as IdleMethod)) throw new InputError(path, `unknown idle_method ${JSON.stringify(idle)} in the capture header`);
    this.idleMethod = idle as IdleMethod;
    this.hasContent = (flags & CAPTURE_FLAG_TRACE) === 0;
    this.format = this.hasContent ? 'capture' : 'trace';
    const key = headerKeyId(this.info);
    if ('error' in key) throw new InputError(path, `capture header: ${key.error}`);
    if (this.hasContent && key.id !== null) throw new InputError(path, 'capture header names a digest key, but the file holds page contents');
    if (!this.hasContent && (key.id !== null) !== this.version >= KEYED_DIGESTS_VERSION) {
      throw new InputError(path, this.version >= KEYED_DIGESTS_VERSION ? `version ${this.version} trace without a digest key in its header` : `version ${this.version} trace names a digest key (keyed digests came with version ${KEYED_DIGESTS_VERSION})`);
    }
    this.digestKey = key.id;
    this.reader = new SequentialReader(file, pad8(FIXED_HEADER_SIZE + metaLen));
    this.inputs = [this];
    // version 1: the whole file is sample 0
    if (this.version === 1) this.pending = { index: 0, time: 0 };
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

  get keyLimit(): number {
    return this.keys.limit;
  }

  /** the current sample (null before the first) */
  get currentSample(): TimelineSample | null {
    return this.sample;
  }

  nextSample(): TimelineSample | null {
    if (this.sample && !this.sampleDone) {
      this.scratch ??= new EventBatch();
      while (this.read(this.scratch) > 0);
    }
    // Idle ages build on every sample's accesses: a sample whose ages nobody asked for (convert
    // does not at sample 0, analyze only under idle and limit policies) is still ended, or
    // the pages it saw appear would start their idle time, and lose their accesses, one later.
    if (this.sample) this.idleAges();
    if (!this.pending && !this.ended) {
      // before the first sample: records up to the first SAMPLE record
      this.scratch ??= new EventBatch();
      this.readRecords(this.scratch);
    }
    if (!this.pending) return null;
    this.sample = this.pending;
    this.pending = null;
    this.sampleSummary = undefined;
    this.sampleDone = false;
    this.ages = null;
    return this.sample;
  }

  read(batch: PageBatch): number {
    if (!this.sample) throw new Error('read() before nextSample()');
    batch.reset();
    batch.digestOnly = !this.hasContent;
    batch.digestKey = this.digestKey;
    if (batch instanceof EventBatch) batch.input = 0;
    if (this.sampleDone) return 0;
    const stop = this.readRecords(batch);
    if (stop !== 'full') this.sampleDone = true;
    return batch.count;
  }

  idleAges(): Float32Array {
    if (!this.sample || !this.sampleDone) throw new Error('idleAges() before the end of a sample');
    this.ages ??= this.keys.endSample(this.sample.index, this.sample.time, this.idleMethod !== 'none');
    return this.ages;
  }

  /** Records into the batch until it is full, a SAMPLE record starts the next sample, or the file ends. */
  private readRecords(batch: PageBatch): Stop {
    const r = this.reader;
    const path = this.file.path;
    if (this.evLeft > 0 && this.deliverEvents(batch)) return 'full';
    while (!this.ended) {
      if (batch.count === batch.capacity) return 'full';
      if (r.remaining === 0) throw new InputError(path, `truncated capture: no end record after ${this.records} pages (interrupted while writing?)`);
      const recAt = r.pos;
      const { buf: hb, at: ha } = r.peek(RECORD_HEADER_SIZE, 'record header');
      const type = hb.readUInt16LE(ha);
      const event = hb.readUInt16LE(ha + 2);
      const bodyLen = hb.readUInt32LE(ha + 4);
      const total = RECORD_HEADER_SIZE + pad8(bodyLen);
      if (total > r.remaining) {
        throw new InputError(path, `truncated capture: record at offset ${recAt} declares ${bodyLen} bytes, only ${r.remaining - RECORD_HEADER_SIZE} remain`);
      }
      if (type === REC_SAMPLE && this.version >= 2) {
        this.readSample(bodyLen, recAt);
        r.pos = recAt + total;
        return 'sample';
      }
      if (!this.sample && (type === REC_PAGE || type === REC_DIGEST || type === REC_EVENTS || type === REC_ACCESS)) {
        throw new InputError(path, `record at offset ${recAt} comes before the first sample`);
      }
      r.skip(RECORD_HEADER_SIZE);
      switch (type) {
        case REC_PAGE:
        case REC_DIGEST:
          this.readPageRecord(batch, type, this.version >= 2 ? event : PAGE_EVENT.APPEAR, bodyLen, recAt);
          break;
        case REC_MAPPING:
          this.readMapping(bodyLen, recAt);
          break;
        case REC_EVENTS:
          if (this.version < 2) throw new InputError(path, `unknown record type ${type} at offset ${recAt}`);
          this.startEvents(bodyLen, recAt);
          r.pos = recAt + total;
          if (this.deliverEvents(batch)) return 'full';
          continue;
        case REC_ACCESS:
          if (this.version < 2) throw new InputError(path, `unknown record type ${type} at offset ${recAt}`);
          this.readAccess(bodyLen, recAt);
          break;
        case REC_END:
          this.readEnd(bodyLen, recAt);
          r.pos = recAt + total;
          return 'end';
        case REC_SUMMARY:
          this.info.summary = this.readJson(bodyLen, recAt, 'summary');
          break;
        case REC_SAMPLE_SUMMARY:
          this.sampleSummary = this.readJson(bodyLen, recAt, 'sample summary');
          break;
        default:
          if (type < REC_OPTIONAL_MIN) throw new InputError(path, `unknown record type ${type} at offset ${recAt}`);
      }
      r.pos = recAt + total;
    }
    return 'end';
  }

  private readSample(bodyLen: number, recAt: number): void {
    const path = this.file.path;
    if (bodyLen !== SAMPLE_BODY_SIZE) throw new InputError(path, `sample record at offset ${recAt} has length ${bodyLen}, expected ${SAMPLE_BODY_SIZE}`);
    const { buf, at } = this.reader.peek(RECORD_HEADER_SIZE + SAMPLE_BODY_SIZE, 'sample record');
    const b = at + RECORD_HEADER_SIZE;
    const index = buf.readUInt32LE(b);
    const time = buf.readDoubleLE(b + 8);
    const want = this.sample ? this.sample.index + 1 : 0;
    if (index !== want) throw new InputError(path, `sample record at offset ${recAt} is sample ${index}, expected ${want}`);
    const last = this.sample ? this.sample.time : 0;
    if (!Number.isFinite(time) || time < last || (index === 0 && time !== 0)) {
      throw new InputError(path, `sample ${index} at offset ${recAt} has time ${time} s (must be finite, 0 for sample 0, never decreasing)`);
    }
    this.pending = { index, time };
  }

  private readPageRecord(batch: PageBatch, type: number, event: number, bodyLen: number, recAt: number): void {
    const path = this.file.path;
    const expected = this.hasContent ? REC_PAGE : REC_DIGEST;
    if (type !== expected) {
      throw new InputError(path, `${type === REC_PAGE ? 'page' : 'digest'} record at offset ${recAt} in a ${this.format} file`);
    }
    const want = type === REC_PAGE ? PAGE_BODY_SIZE : DIGEST_BODY_SIZE;
    if (bodyLen !== want) throw new InputError(path, `record at offset ${recAt} has length ${bodyLen}, expected ${want}`);
    if (event !== PAGE_EVENT.APPEAR && event !== PAGE_EVENT.CHANGE) throw new InputError(path, `page record at offset ${recAt} has event ${event} (only appear or change carry a page)`);
    const { buf, at } = this.reader.peek(bodyLen, 'page record');
    const key = this.version >= 2 ? buf.readUInt32LE(at + 28) : this.records;
    this.applyEvent(event, key, recAt);
    const i = batch.count;
    const pfnLo = buf.readUInt32LE(at);
    const pfnHi = buf.readUInt32LE(at + 4);
    batch.pfn[i] = pfnLo === 0xffffffff && pfnHi === 0xffffffff ? NO_PFN : pfnHi * 2 ** 32 + pfnLo;
    batch.vaddr[i] = buf.readUInt32LE(at + 12) * 2 ** 32 + buf.readUInt32LE(at + 8);
    batch.flags[i] = buf.readUInt32LE(at + 16);
    batch.mapping[i] = buf.readUInt32LE(at + 20);
    batch.mapcount[i] = buf.readUInt32LE(at + 24);
    if (batch instanceof EventBatch) {
      batch.key[i] = key;
      batch.event[i] = event;
    }
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

  private applyEvent(event: number, key: number, recAt: number): void {
    const wrong = this.keys.apply(event, key, this.sample!.index);
    if (wrong) throw new InputError(this.file.path, `record at offset ${recAt}: ${wrong}`);
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

  private startEvents(bodyLen: number, recAt: number): void {
    const path = this.file.path;
    if (bodyLen < EVENTS_HEADER_SIZE) throw new InputError(path, `events record at offset ${recAt} is too short`);
    const { buf, at } = this.reader.peek(EVENTS_HEADER_SIZE, 'events record');
    const event = buf.readUInt16LE(at);
    const count = buf.readUInt32LE(at + 4);
    if (event !== PAGE_EVENT.GONE && event !== PAGE_EVENT.SWAPPED && event !== PAGE_EVENT.SWAPPED_IN) {
      throw new InputError(path, `events record at offset ${recAt} has event ${event} (only gone, swapped, swapped-in)`);
    }
    if (count > MAX_EVENTS_PER_RECORD || bodyLen !== EVENTS_HEADER_SIZE + 4 * count) {
      throw new InputError(path, `events record at offset ${recAt} has length ${bodyLen} for ${count} keys`);
    }
    this.evType = event;
    this.evLeft = count;
    this.evPos = recAt + RECORD_HEADER_SIZE + EVENTS_HEADER_SIZE;
  }

  /**
   * Keys of the EVENTS record in hand into the batch; true when the batch filled up first. The
   * reader stands after that record, and is left there.
   */
  private deliverEvents(batch: PageBatch): boolean {
    const r = this.reader;
    const resume = r.pos;
    r.pos = this.evPos;
    const ev = batch instanceof EventBatch ? batch : null;
    while (this.evLeft > 0 && batch.count < batch.capacity) {
      const n = Math.min(this.evLeft, batch.capacity - batch.count);
      const { buf, at } = r.peek(4 * n, 'events record');
      for (let j = 0; j < n; j++) {
        const key = buf.readUInt32LE(at + 4 * j);
        this.applyEvent(this.evType, key, this.evPos);
        if (ev) {
          const i = batch.count;
          ev.key[i] = key;
          ev.event[i] = this.evType;
          ev.pfn[i] = NO_PFN;
          ev.flags[i] = 0;
        }
        batch.count++;
      }
      r.skip(4 * n);
      this.evPos += 4 * n;
      this.evLeft -= n;
    }
    r.pos = resume;
    return this.evLeft > 0;
  }

  private readAccess(bodyLen: number, recAt: number): void {
    const path = this.file.path;
    if (bodyLen < ACCESS_HEADER_SIZE) throw new InputError(path, `access record at offset ${recAt} is too short`);
    const { buf, at } = this.reader.peek(ACCESS_HEADER_SIZE, 'access record');
    const keys = buf.readUInt32LE(at);
    const deflated = buf.readUInt32LE(at + 4);
    if (deflated !== bodyLen - ACCESS_HEADER_SIZE) throw new InputError(path, `access record at offset ${recAt} has length ${bodyLen} for ${deflated} deflated bytes`);
    if (keys > this.keys.limit) throw new InputError(path, `access record at offset ${recAt} covers ${keys} page keys, only ${this.keys.limit} exist`);
    const packed = Buffer.alloc(deflated);
    this.file.readExactly(packed, 0, deflated, recAt + RECORD_HEADER_SIZE + ACCESS_HEADER_SIZE, 'access record');
    const size = Math.ceil(keys / 8);
    let bits: Buffer;
    try {
      bits = zlib.inflateRawSync(packed, { maxOutputLength: Math.max(size, 1) });
    } catch {
      throw new InputError(path, `access record at offset ${recAt} does not inflate to ${size} bytes`);
    }
    if (bits.length !== size) throw new InputError(path, `access record at offset ${recAt} inflates to ${bits.length} bytes, expected ${size}`);
    this.keys.setAccessed(bits, keys);
  }

  private readMapping(bodyLen: number, recAt: number): void {
    const path = this.file.path;
    if (bodyLen > MAX_MAPPING_BODY) throw new InputError(path, `mapping record at offset ${recAt} is too large (${bodyLen} bytes)`);
    const { buf, at } = this.reader.peek(bodyLen, 'mapping record');
    const parsed = parseJson(buf.toString('utf8', at, at + bodyLen));
    if (!parsed.ok) throw new InputError(path, `mapping record at offset ${recAt} ${parsed.reason}`);
    const m = parsed.value as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number') {
      throw new InputError(path, `mapping record at offset ${recAt} has no numeric id`);
    }
    if (!this.keepMappings) return;
    if (this.mappings.length >= MAX_MAPPINGS) throw new InputError(path, `more than ${MAX_MAPPINGS} mapping records (the one at offset ${recAt})`);
    this.mappings.push(compactMapping(m as Record<string, unknown> & { id: number }));
  }

  private readJson(bodyLen: number, recAt: number, what: string): unknown {
    if (bodyLen > MAX_SUMMARY_BODY) return undefined; // optional: too large to bother, skip it
    const { buf, at } = this.reader.peek(bodyLen, `${what} record`);
    const parsed = parseJson(buf.toString('utf8', at, at + bodyLen));
    if (!parsed.ok) throw new InputError(this.file.path, `${what} record at offset ${recAt} ${parsed.reason}`);
    return parsed.value;
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
    if (!this.sample) throw new InputError(path, 'no sample in the capture');
    this.ended = true;
  }

  readContent(ordinal: number, dst: Buffer, at: number): void {
    if (!this.hasContent) throw new Error('readContent on a trace');
    const recAt = this.pageRecords.position(ordinal);
    this.file.readExactly(dst, at, PAGE_SIZE, recAt + RECORD_HEADER_SIZE + PAGE_HEADER_SIZE, 'page');
  }

  close(): void {
    this.file.close();
  }
}

/**
 * A capture or trace of one sample as a page source: its pages in file order. A recording over
 * time (more than one sample) is refused at the end of its first sample.
 */
export class CaptureSource implements PageSource {
  readonly totalPages = null;
  private readonly timeline: CaptureTimeline;

  constructor(file: ByteSource, keepMappings = true) {
    this.timeline = new CaptureTimeline(file, keepMappings);
    this.timeline.nextSample();
  }

  get path(): string {
    return this.timeline.path;
  }
  get format(): string {
    return this.timeline.format;
  }
  get hasContent(): boolean {
    return this.timeline.hasContent;
  }
  get info(): Record<string, unknown> {
    return this.timeline.info;
  }
  get mappings(): MappingInfo[] {
    return this.timeline.mappings;
  }
  get totalBytes(): number {
    return this.timeline.totalBytes;
  }
  get bytesRead(): number {
    return this.timeline.bytesRead;
  }

  read(batch: PageBatch): number {
    if (!this.timeline.currentSample) return 0;
    const n = this.timeline.read(batch);
    if (n === 0 && this.timeline.nextSample()) {
      throw new InputError(this.path, 'is a recording over time (more than one sample); this command reads snapshots of one sample only');
    }
    return n;
  }

  readPage(ordinal: number, dst: Buffer, at: number): void {
    this.timeline.readContent(ordinal, dst, at);
  }

  close(): void {
    this.timeline.close();
  }
}
