/** The kdump fixtures (fixtures/kdump/, made by scripts/make-kdump-fixtures.sh) and what they should hold. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PAGE_SIZE } from '../../src/model/kernel.js';
import { openSource } from '../../src/sources/open-source.js';
import { PageBatch } from '../../src/sources/page-batch.js';
import type { PageSource } from '../../src/sources/page-source.js';
import { ROOT } from './paths.js';

export const KDUMP_FIXTURES = path.join(ROOT, 'fixtures', 'kdump');

export interface FixtureExpectation {
  pages: number;
  first_pfn: number | null;
  last_pfn: number | null;
  max_pfn: number;
  split: [number, number] | null;
  ram_pages: number;
  dumped_pages: number;
  zero_pages: number;
  stored: Record<'zero' | 'uncompressed' | 'zlib' | 'lzo' | 'snappy' | 'zstd', number>;
  digest_sha256: string;
  workload_pages: Record<string, number>;
  vmcoreinfo_keys: number;
  osrelease: string | null;
  kernel_release: string;
  flattened?: { pieces: number; size: number; gap_bytes: number };
  made_by: string;
  format: string;
}

export interface Expected {
  guest_release: string;
  workload: Record<string, number>;
  fixtures: Record<string, FixtureExpectation>;
}

export function loadExpected(): Expected {
  return JSON.parse(fs.readFileSync(path.join(KDUMP_FIXTURES, 'expected.json'), 'utf8')) as Expected;
}

export function fixturePath(name: string): string {
  return path.join(KDUMP_FIXTURES, name);
}

/**
 * Content number c of the guest workload (scripts/kdump-fill.c), computed here from the formula:
 * a 16-byte tag, c as a 64-bit number, then a repeated word (c even) or xorshift64 output (c odd).
 */
export function workloadContent(c: number): Buffer {
  const b = Buffer.alloc(PAGE_SIZE);
  b.write('kdump-fill page ', 0, 'latin1');
  const M = (1n << 64n) - 1n;
  const cc = BigInt(c);
  b.writeBigUInt64LE(cc, 16);
  let x = cc + 1n;
  for (let k = 3; k < PAGE_SIZE / 8; k++) {
    if (c % 2 === 0) {
      b.writeBigUInt64LE((cc * 0x9e3779b97f4a7c15n) & M, 8 * k);
    } else {
      x ^= (x << 13n) & M;
      x ^= x >> 7n;
      x ^= (x << 17n) & M;
      b.writeBigUInt64LE(x, 8 * k);
    }
  }
  return b;
}

export interface ReadOut {
  source: PageSource;
  pages: number;
  pfns: number[];
  /** sha256 over (PFN as 64-bit LE, page) of every page, in delivery order */
  digest: string;
  zeroPages: number;
  /** page contents by PFN, for the PFNs asked for */
  kept: Map<number, Buffer>;
  /** every delivered page, in order (only with keepAll) */
  all: Buffer[];
}

/** Reads every page of a dump through the format detection of open-source.ts; leaves it open. */
export function readDump(file: string, opts: { keepPfns?: Iterable<number>; keepAll?: boolean } = {}): ReadOut {
  const source = openSource(file, 'auto', { allPages: true });
  const want = new Set(opts.keepPfns ?? []);
  const h = createHash('sha256');
  const batch = new PageBatch(64);
  const pfnBuf = Buffer.alloc(8);
  const out: ReadOut = { source, pages: 0, pfns: [], digest: '', zeroPages: 0, kept: new Map(), all: [] };
  const zero = Buffer.alloc(PAGE_SIZE);
  for (let n = source.read(batch); n > 0; n = source.read(batch)) {
    for (let i = 0; i < n; i++) {
      const page = batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      const pfn = batch.pfn[i];
      pfnBuf.writeBigInt64LE(BigInt(pfn));
      h.update(pfnBuf);
      h.update(page);
      out.pfns.push(pfn);
      if (page.equals(zero)) out.zeroPages++;
      if (want.has(pfn)) out.kept.set(pfn, Buffer.from(page));
      if (opts.keepAll) out.all.push(Buffer.from(page));
    }
    out.pages += n;
  }
  out.digest = h.digest('hex');
  return out;
}

/** a flattened file of `data` written as the given (offset, length) pieces */
export function flatten(data: Buffer, pieces: [number, number][]): Buffer {
  const head = Buffer.alloc(4096);
  head.write('makedumpfile', 0, 'latin1');
  head.writeBigInt64BE(1n, 16);
  head.writeBigInt64BE(1n, 24);
  const parts: Buffer[] = [head];
  for (const [at, len] of pieces) {
    const h = Buffer.alloc(16);
    h.writeBigInt64BE(BigInt(at), 0);
    h.writeBigInt64BE(BigInt(len), 8);
    parts.push(h, data.subarray(at, at + len));
  }
  const end = Buffer.alloc(16, 0xff);
  parts.push(end);
  return Buffer.concat(parts);
}
