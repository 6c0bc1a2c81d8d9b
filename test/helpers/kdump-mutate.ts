/**
 * Hostile kdump and flattened inputs: a minimal view of a kdump file's layout (to aim
 * corruptions), deterministic mutations, and a reader loop that tells a clean InputError from
 * anything else. Shared by test/kdump-hostile.test.ts and scripts/fuzz.mjs.
 */
import fs from 'node:fs';
import { drain } from './drain.js';
import type { Rng } from './random.js';

export interface KdumpLayout {
  blockSize: number;
  offBitmap1: number;
  offBitmap2: number;
  offDesc: number;
  ndesc: number;
  /** descriptors: offset, size, flags */
  descs: { at: number; offset: number; size: number; flags: number }[];
}

/** Where things are in a kdump file (64-bit layout), read the simple way; for aiming corruptions. */
export function kdumpLayout(b: Buffer): KdumpLayout {
  const bs = b.readInt32LE(428);
  const sub = b.readInt32LE(432);
  const bitmapBlocks = b.readUInt32LE(436);
  const offBitmap1 = (1 + sub) * bs;
  const half = (bitmapBlocks * bs) / 2;
  const offBitmap2 = offBitmap1 + half;
  const split = b.readInt32LE(bs + 12) !== 0;
  const maxPfn = Number(b.readBigUInt64LE(bs + 96)) || b.readUInt32LE(440);
  const start = split ? Number(b.readBigUInt64LE(bs + 80)) : 0;
  const end = split ? Number(b.readBigUInt64LE(bs + 88)) : maxPfn;
  let ndesc = 0;
  for (let p = start; p < end; p++) if (b[offBitmap2 + (p >> 3)] & (1 << (p & 7))) ndesc++;
  const offDesc = offBitmap1 + 2 * half;
  const descs = [];
  for (let i = 0; i < ndesc; i++) {
    const at = offDesc + 24 * i;
    descs.push({ at, offset: Number(b.readBigInt64LE(at)), size: b.readUInt32LE(at + 8), flags: b.readUInt32LE(at + 12) });
  }
  return { blockSize: bs, offBitmap1, offBitmap2, offDesc, ndesc, descs };
}

export { Rng } from './random.js';

const EXTREMES = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 4095, 4096, 4097, 0x10000];

/**
 * One mutated copy of `base` (a kdump or flattened file). `layout` (kdump files only) aims some
 * mutations at the headers, bitmaps, descriptors and compressed pages.
 */
export function mutate(base: Buffer, layout: KdumpLayout | null, rng: Rng): { data: Buffer; what: string } {
  const kind = rng.below(layout ? 8 : 5);
  const b = Buffer.from(base);
  const anywhere = () => rng.below(b.length);
  const region = (from: number, to: number) => from + rng.below(Math.max(1, Math.min(to, b.length) - from));
  switch (kind) {
    case 0: {
      const cut = rng.below(2) ? rng.below(Math.min(b.length, 16384)) : anywhere();
      return { data: b.subarray(0, cut), what: `truncated at ${cut}` };
    }
    case 1: {
      const n = 1 + rng.below(4);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = anywhere();
        b[p] ^= 1 + rng.below(255);
        at.push(p);
      }
      return { data: b, what: `bytes flipped at ${at.join(',')}` };
    }
    case 2: {
      const p = region(0, 8192);
      b[p] ^= 1 + rng.below(255);
      return { data: b, what: `header byte ${p} flipped` };
    }
    case 3: {
      const p = region(0, 8192) & ~3;
      const v = EXTREMES[rng.below(EXTREMES.length)];
      if (p + 4 <= b.length) b.writeUInt32LE(v >>> 0, p);
      return { data: b, what: `header word at ${p} set to ${v}` };
    }
    case 4: {
      const p = anywhere() & ~7;
      const v = EXTREMES[rng.below(EXTREMES.length)];
      if (p + 8 <= b.length) {
        b.writeUInt32BE(rng.below(2) ? 0 : 0xffffffff, p);
        b.writeUInt32BE(v >>> 0, p + 4);
      }
      return { data: b, what: `64-bit word at ${p} set to ${v}` };
    }
    case 5: {
      const l = layout!;
      const d = l.descs[rng.below(l.descs.length)];
      const field = rng.below(3);
      const v = EXTREMES[rng.below(EXTREMES.length)];
      if (field === 0) b.writeBigInt64LE(rng.below(2) ? BigInt(v) : -BigInt(v), d.at);
      else b.writeUInt32LE(v >>> 0, d.at + 4 + 4 * field);
      return { data: b, what: `descriptor at ${d.at} field ${field} set to ${v}` };
    }
    case 6: {
      const l = layout!;
      const compressed = l.descs.filter((d) => d.flags !== 0);
      const d = compressed.length ? compressed[rng.below(compressed.length)] : l.descs[rng.below(l.descs.length)];
      const n = 1 + rng.below(Math.max(1, Math.min(d.size, 64)));
      const at = d.offset + rng.below(Math.max(1, d.size - n + 1));
      for (let i = 0; i < n && at + i < b.length; i++) b[at + i] = rng.below(256);
      return { data: b, what: `page data at ${at} (+${n}) of the page at ${d.offset} scrambled` };
    }
    default: {
      const l = layout!;
      const p = region(l.offBitmap1, l.offDesc);
      b[p] ^= 1 << rng.below(8);
      return { data: b, what: `bitmap bit at byte ${p} flipped` };
    }
  }
}

export type Outcome = 'ok' | 'input-error';

/**
 * Opens and reads a whole input as the CLI would, re-reads some pages and some physical memory.
 * Returns 'ok' or 'input-error' (an InputError naming the file in one line); anything else throws.
 */
export function readOutcome(file: string): { outcome: Outcome; message?: string } {
  const r = drain(file, { allPages: true });
  return { outcome: r.result, message: r.message };
}

export function writeMutant(path: string, data: Buffer): void {
  fs.writeFileSync(path, data);
}
