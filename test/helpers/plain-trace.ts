/**
 * A trace as builds before keyed digests wrote it (capture format version 2: plain hashes and
 * fingerprint, no digest_key), from a file of raw pages — what users may still hold.
 */
import fs from 'node:fs';
import { PAGE_SIZE } from '../../src/model/kernel.js';
import { PageDigester } from '../../src/replay/digest.js';
import { isZeroFilled } from '../../src/replay/zero-page.js';
import {
  CAPTURE_FLAG_TRACE,
  CAPTURE_MAGIC,
  DIGEST_BODY_SIZE,
  END_BODY_SIZE,
  FIXED_HEADER_SIZE,
  pad8,
  RECORD_HEADER_SIZE,
  REC_DIGEST,
  REC_END,
  REC_SAMPLE,
  SAMPLE_BODY_SIZE,
} from '../../src/sources/capture-format.js';
import { encodeDigest } from '../../src/sources/digest-layout.js';
import { PAGE_FLAG, PageBatch } from '../../src/sources/page-batch.js';

export function writePlainTrace(rawFile: string, out: string): void {
  const raw = fs.readFileSync(rawFile);
  const pages = Math.floor(raw.length / PAGE_SIZE);
  const meta = Buffer.from(JSON.stringify({ source: 'convert', time: '2026-11-30T00:00:00.000Z', tool: 'zswap-dedup 0.1.0', idle_method: 'none' }));
  const parts: Buffer[] = [];
  const head = Buffer.alloc(pad8(FIXED_HEADER_SIZE + meta.length));
  CAPTURE_MAGIC.copy(head, 0);
  head.writeUInt16LE(2, 8);
  head.writeUInt16LE(CAPTURE_FLAG_TRACE, 10);
  head.writeUInt32LE(PAGE_SIZE, 12);
  head.writeUInt32LE(meta.length, 16);
  meta.copy(head, FIXED_HEADER_SIZE);
  parts.push(head);
  const record = (type: number, body: Buffer, event = 0) => {
    const r = Buffer.alloc(RECORD_HEADER_SIZE + pad8(body.length));
    r.writeUInt16LE(type, 0);
    r.writeUInt16LE(event, 2);
    r.writeUInt32LE(body.length, 4);
    body.copy(r, RECORD_HEADER_SIZE);
    parts.push(r);
  };
  record(REC_SAMPLE, Buffer.alloc(SAMPLE_BODY_SIZE));
  const batch = new PageBatch(1);
  const digester = new PageDigester();
  const words = new Uint32Array(batch.content.buffer, batch.content.byteOffset, PAGE_SIZE / 4);
  for (let p = 0; p < pages; p++) {
    raw.copy(batch.content, 0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
    const body = Buffer.alloc(DIGEST_BODY_SIZE);
    body.writeUInt32LE(0xffffffff, 0);
    body.writeUInt32LE(0xffffffff, 4);
    body.writeUInt32LE(p, 28); // page key
    if (isZeroFilled(words, 0)) {
      body.writeUInt32LE(PAGE_FLAG.ZERO_FILLED >>> 0, 16);
    } else {
      digester.digest(batch, 0);
      encodeDigest(batch, 0, body, 32);
    }
    record(REC_DIGEST, body, 1 /* PAGE_EVENT.APPEAR */);
  }
  const end = Buffer.alloc(END_BODY_SIZE);
  end.writeUInt32LE(pages, 0);
  record(REC_END, end);
  fs.writeFileSync(out, Buffer.concat(parts));
}
