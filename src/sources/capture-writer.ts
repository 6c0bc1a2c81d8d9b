/**
 * Writes our capture format (capture-format.ts), version 3, atomically, mode 0600 by default (it
 * holds memory). A trace's digests are always keyed (digest-key.ts): with the key given, else with
 * a random one that is never written; the header records only its id.
 */
import zlib from 'node:zlib';
import { PAGE_SIZE } from '../model/kernel.js';
import { PAGE_EVENT } from '../timeline/timeline.js';
import { AtomicFile } from '../util/atomic-file.js';
import {
  CAPTURE_FLAG_TRACE,
  CAPTURE_MAGIC,
  ACCESS_HEADER_SIZE,
  CAPTURE_VERSION,
  DIGEST_BODY_SIZE,
  END_BODY_SIZE,
  EVENTS_HEADER_SIZE,
  MAX_EVENTS_PER_RECORD,
  FIXED_HEADER_SIZE,
  PAGE_BODY_SIZE,
  PAGE_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  REC_ACCESS,
  REC_DIGEST,
  REC_END,
  REC_EVENTS,
  REC_MAPPING,
  REC_PAGE,
  REC_SAMPLE,
  REC_SAMPLE_SUMMARY,
  REC_SUMMARY,
  SAMPLE_BODY_SIZE,
  pad8,
  type CaptureMeta,
  type MappingInfo,
} from './capture-format.js';
import { DIGEST_HASH_WORDS, DIGEST_SIZE, encodeDigest, FINGERPRINT_WORDS, writeDigestIdentity } from './digest-layout.js';
import { DigestKey } from './digest-key.js';
import { Redaction } from './redaction.js';
import { NO_PFN, PAGE_FLAG, type PageBatch } from './page-batch.js';

const FLUSH_AT = 1 << 20;
/** digests keyed together (one AES call for all of them) */
const KEY_BATCH = 256;

export interface PageRecordInfo {
  pfn: number;
  vaddr: number;
  flags: number;
  mapping: number;
  mapcount: number;
  /** the page's key in the timeline (default: the number of pages written before, as in a snapshot) */
  key?: number;
  /** PAGE_EVENT.APPEAR (default) or CHANGE */
  event?: number;
}

export class CaptureWriter {
  private readonly out: AtomicFile;
  private readonly buf = Buffer.alloc(FLUSH_AT + PAGE_BODY_SIZE + 64);
  private used = 0;
  private records = 0;
  private samples = 0;
  /** hash-only traces leave out names and addresses (redaction.ts) unless asked to keep them */
  private readonly redaction: Redaction | null;
  /** a trace's digest key (null for a content capture) */
  readonly key: DigestKey | null;
  /** plain digests written to buf but not keyed yet: their offsets and identities */
  private readonly pendingAt: number[] = [];
  private readonly pendingHashes = new Uint32Array(KEY_BATCH * DIGEST_HASH_WORDS);
  private readonly pendingFp = new Uint32Array(KEY_BATCH * FINGERPRINT_WORDS);

  constructor(
    target: string,
    readonly trace: boolean,
    meta: CaptureMeta,
    mode = 0o600,
    options: { keepNames?: boolean; key?: DigestKey } = {},
  ) {
    this.redaction = trace && !options.keepNames ? new Redaction() : null;
    if (this.redaction) meta = this.redaction.meta(meta);
    this.key = trace ? (options.key ?? DigestKey.random()) : null;
    if (this.key) meta = { ...meta, digest_key: { id: this.key.id, origin: this.key.origin } };
    this.out = new AtomicFile(target, mode);
    const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
    const b = this.buf;
    CAPTURE_MAGIC.copy(b, 0);
    b.writeUInt16LE(CAPTURE_VERSION, 8);
    b.writeUInt16LE(trace ? CAPTURE_FLAG_TRACE : 0, 10);
    b.writeUInt32LE(PAGE_SIZE, 12);
    b.writeUInt32LE(metaBytes.length, 16);
    this.used = FIXED_HEADER_SIZE;
    this.append(metaBytes);
    this.padTo8();
  }

  get pages(): number {
    return this.records;
  }

  /** Starts the next sample (every page and event belongs to one): `time` in seconds since sample 0. */
  beginSample(time: number, wallClockMs = Date.now()): void {
    this.recordHeader(REC_SAMPLE, SAMPLE_BODY_SIZE);
    const b = this.buf;
    b.writeUInt32LE(this.samples++, this.used);
    b.writeUInt32LE(0, this.used + 4);
    b.writeDoubleLE(time, this.used + 8);
    b.writeDoubleLE(wallClockMs, this.used + 16);
    this.used += SAMPLE_BODY_SIZE;
  }

  /** Page events without content (GONE, SWAPPED, SWAPPED_IN) for keys[0, count). */
  addEvents(event: number, keys: Uint32Array, count: number): void {
    if (this.samples === 0) throw new Error('page events before the first sample');
    for (let from = 0; from < count; from += MAX_EVENTS_PER_RECORD) {
      const n = Math.min(MAX_EVENTS_PER_RECORD, count - from);
      this.recordHeader(REC_EVENTS, EVENTS_HEADER_SIZE + 4 * n);
      if (this.used + EVENTS_HEADER_SIZE + 4 * n > this.buf.length) this.flush();
      const b = this.buf;
      b.writeUInt16LE(event, this.used);
      b.writeUInt16LE(0, this.used + 2);
      b.writeUInt32LE(n, this.used + 4);
      this.used += EVENTS_HEADER_SIZE;
      for (let j = 0; j < n; j++, this.used += 4) b.writeUInt32LE(keys[from + j], this.used);
      this.padTo8();
    }
  }

  /** Which of keys [0, keys) were accessed since the previous sample (bit k of `bits`, LSB first). */
  addAccess(bits: Uint8Array, keys: number): void {
    const packed = zlib.deflateRawSync(bits.subarray(0, Math.ceil(keys / 8)));
    this.recordHeader(REC_ACCESS, ACCESS_HEADER_SIZE + packed.length);
    this.buf.writeUInt32LE(keys, this.used);
    this.buf.writeUInt32LE(packed.length, this.used + 4);
    this.used += ACCESS_HEADER_SIZE;
    this.append(packed);
    this.padTo8();
  }

  /** What one sample saw (an optional record readers may skip). */
  addSampleSummary(summary: object): void {
    this.addJson(REC_SAMPLE_SUMMARY, this.redaction ? (this.redaction.summary(summary) as object) : summary);
  }

  addMapping(m: MappingInfo): void {
    if (this.redaction) m = this.redaction.mapping(m);
    const body = Buffer.from(JSON.stringify(m), 'utf8');
    this.recordHeader(REC_MAPPING, body.length);
    this.append(body);
    this.padTo8();
  }

  /** What the capture saw and left out (an optional record readers may skip). */
  addSummary(summary: object): void {
    this.addJson(REC_SUMMARY, this.redaction ? (this.redaction.summary(summary) as object) : summary);
  }

  private addJson(type: number, value: object): void {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    this.recordHeader(type, body.length);
    this.append(body);
    this.padTo8();
  }

  /** A page with its content (full captures). */
  addPage(content: Uint8Array, at: number, info: PageRecordInfo): void {
    if (this.trace) throw new Error('addPage on a trace writer');
    this.beginPage(REC_PAGE, PAGE_BODY_SIZE, info);
    this.pageHeader(info);
    this.buf.set(content.subarray(at, at + PAGE_SIZE), this.used);
    this.used += PAGE_SIZE;
    this.endRecord();
  }

  /**
   * Page i of a batch whose digest fields (hashes, fingerprint, lengths) are filled in: plain
   * (batch.digestKey null), keyed here; or already keyed with this writer's key, copied.
   */
  addDigest(batch: PageBatch, i: number, info: PageRecordInfo): void {
    const key = this.key;
    if (!key) throw new Error('addDigest on a capture writer');
    if (batch.digestKey !== null && batch.digestKey !== key.id) throw new Error(`digests keyed with key ${batch.digestKey} given to a writer of key ${key.id}`);
    this.beginPage(REC_DIGEST, DIGEST_BODY_SIZE, info);
    this.pageHeader(info);
    if (info.flags & PAGE_FLAG.ZERO_FILLED) {
      this.buf.fill(0, this.used, this.used + DIGEST_SIZE);
    } else {
      encodeDigest(batch, i, this.buf, this.used);
      if (batch.digestKey === null) {
        const n = this.pendingAt.length;
        this.pendingAt.push(this.used);
        this.pendingHashes.set(batch.hashes.subarray(i * DIGEST_HASH_WORDS, (i + 1) * DIGEST_HASH_WORDS), n * DIGEST_HASH_WORDS);
        this.pendingFp.set(batch.fingerprint.subarray(i * FINGERPRINT_WORDS, (i + 1) * FINGERPRINT_WORDS), n * FINGERPRINT_WORDS);
      }
    }
    this.used += DIGEST_SIZE;
    this.endRecord();
    if (this.pendingAt.length === KEY_BATCH) this.keyPending();
  }

  /** Keys the plain digests written to the buffer since the last time (before it is flushed). */
  private keyPending(): void {
    const n = this.pendingAt.length;
    if (n === 0) return;
    this.key!.keyDigests(n, this.pendingHashes, 0, this.pendingFp, 0);
    for (let p = 0; p < n; p++) writeDigestIdentity(this.buf, this.pendingAt[p], this.pendingHashes, p * DIGEST_HASH_WORDS, this.pendingFp, p * FINGERPRINT_WORDS);
    this.pendingAt.length = 0;
  }

  /** Writes the end record and makes the file appear under its name. */
  finish(): void {
    if (this.samples === 0) this.beginSample(0);
    this.recordHeader(REC_END, END_BODY_SIZE);
    this.buf.writeUInt32LE(this.records % 2 ** 32, this.used);
    this.buf.writeUInt32LE(Math.floor(this.records / 2 ** 32), this.used + 4);
    this.used += END_BODY_SIZE;
    this.flush();
    this.out.commit();
  }

  abort(): void {
    this.out.abort();
  }

  /** A page record's header; a writer of one snapshot need not begin its sample. */
  private beginPage(type: number, bodyLen: number, info: PageRecordInfo): void {
    if (this.samples === 0) this.beginSample(0);
    this.recordHeader(type, bodyLen, info.event ?? PAGE_EVENT.APPEAR);
  }

  private recordHeader(type: number, bodyLen: number, event = 0): void {
    if (this.used >= FLUSH_AT) this.flush();
    this.buf.writeUInt16LE(type, this.used);
    this.buf.writeUInt16LE(event, this.used + 2);
    this.buf.writeUInt32LE(bodyLen, this.used + 4);
    this.used += RECORD_HEADER_SIZE;
  }

  private pageHeader(info: PageRecordInfo): void {
    const b = this.buf;
    const at = this.used;
    // a redacted trace keeps no address: no PFN, no virtual address
    const pfn = this.redaction ? NO_PFN : info.pfn;
    const vaddr = this.redaction ? 0 : info.vaddr;
    if (pfn === NO_PFN) {
      b.writeUInt32LE(0xffffffff, at);
      b.writeUInt32LE(0xffffffff, at + 4);
    } else {
      b.writeUInt32LE(pfn % 2 ** 32, at);
      b.writeUInt32LE(Math.floor(pfn / 2 ** 32), at + 4);
    }
    b.writeUInt32LE(vaddr % 2 ** 32, at + 8);
    b.writeUInt32LE(Math.floor(vaddr / 2 ** 32), at + 12);
    b.writeUInt32LE(info.flags >>> 0, at + 16);
    b.writeUInt32LE(info.mapping, at + 20);
    b.writeUInt32LE(info.mapcount, at + 24);
    b.writeUInt32LE(info.key ?? this.records, at + 28);
    this.used += PAGE_HEADER_SIZE;
  }

  private endRecord(): void {
    this.records++;
    this.padTo8();
  }

  private append(data: Uint8Array): void {
    if (this.used + data.length > this.buf.length) this.flush();
    if (data.length > this.buf.length) {
      this.out.write(data);
      return;
    }
    this.buf.set(data, this.used);
    this.used += data.length;
  }

  private padTo8(): void {
    const end = pad8(this.used);
    this.buf.fill(0, this.used, end);
    this.used = end;
  }

  private flush(): void {
    this.keyPending();
    if (this.used === 0) return;
    this.out.write(this.buf, this.used);
    this.used = 0;
  }
}
