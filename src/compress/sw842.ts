/**
 * Software IBM 842 compressor, bit-exact with Linux 6.12:
 *   lib/842/842_compress.c (sw842_compress, sw842_strict off), lib/842/842.h (format constants),
 *   include/linux/sw842.h, include/linux/hashtable.h (head insertion: decides which ring index
 *   is emitted), lib/crc32.c (crc32_be), crypto/842.c (called with slen = dlen = PAGE_SIZE).
 *
 * Stream: per 8-byte group a 5-bit template code followed by its arguments (literal data or
 * indices into the I8/I4/I2 rings of recent groups), or REPEAT / ZEROS; then END, the CRC of the
 * input, zero bits to the byte boundary and zero bytes to a multiple of 8.
 */

import type { CompressorName, PageCompressor } from './compressor.js';
import { DST_BUFFER_SIZE, ENOSPC, PAGE_SIZE } from '../model/kernel.js';

const OP_REPEAT = 0x1b;
const OP_ZEROS = 0x1c;
const OP_END = 0x1e;
const REPEAT_MAX = 64;

const I2_BITS = 8;
const I4_BITS = 9;
const I8_BITS = 8;
const I2_NODES = 1 << I2_BITS;
const I4_NODES = 1 << I4_BITS;
const I8_NODES = 1 << I8_BITS;

// Operation encoding in the template table: low nibble = byte count, INDEX flag = ring reference.
const INDEX = 0x10;
const D2 = 2;
const D4 = 4;
const D8 = 8;
const I2 = INDEX | 2;
const I4 = INDEX | 4;
const I8 = INDEX | 8;

/** Templates in the order the kernel tries them (cheapest first); the last row is the fallback. */
const TEMPLATES: readonly (readonly number[])[] = [
  [0x19, I8],
  [0x18, I4, I4],
  [0x17, I4, I2, I2],
  [0x13, I2, I2, I4],
  [0x12, I2, I2, I2, I2],
  [0x16, I4, I2, D2],
  [0x15, I4, D2, I2],
  [0x0e, I2, D2, I4],
  [0x09, D2, I2, I4],
  [0x11, I2, I2, I2, D2],
  [0x10, I2, I2, D2, I2],
  [0x0d, I2, D2, I2, I2],
  [0x08, D2, I2, I2, I2],
  [0x14, I4, D4],
  [0x04, D4, I4],
  [0x0f, I2, I2, D4],
  [0x0c, I2, D2, I2, D2],
  [0x0b, I2, D4, I2],
  [0x07, D2, I2, I2, D2],
  [0x06, D2, I2, D2, I2],
  [0x03, D4, I2, I2],
  [0x0a, I2, D2, D4],
  [0x05, D2, I2, D4],
  [0x02, D4, I2, D2],
  [0x01, D4, D2, I2],
  [0x00, D8],
];
const N_TEMPLATES = TEMPLATES.length;

/*
 * Index lookups are pure (the tables only change after the group is encoded), so the kernel's
 * lazy first-match search equals: look all of them up, then take the first template whose
 * index operands were all found. Slot bits: 0 = I8, 1..2 = I4 at byte 0/4, 3..6 = I2 at 0/2/4/6.
 */
const TEMPLATE_FOR_MASK = new Uint8Array(128);
const TEMPLATE_CODE = new Uint8Array(N_TEMPLATES);
/** Per template, 4 operations (0 = none) and their byte offsets within the group. */
const TEMPLATE_OPS = new Uint8Array(N_TEMPLATES * 4);
const TEMPLATE_OFFS = new Uint8Array(N_TEMPLATES * 4);

function slotBit(op: number, offset: number): number {
  const size = op & 0x0f;
  if (size === 8) return 1;
  if (size === 4) return 1 << (1 + (offset >> 2));
  return 1 << (3 + (offset >> 1));
}

(function buildTemplateTables(): void {
  const need = new Uint8Array(N_TEMPLATES);
  for (let t = 0; t < N_TEMPLATES; t++) {
    const row = TEMPLATES[t];
    TEMPLATE_CODE[t] = row[0];
    let offset = 0;
    for (let k = 1; k < row.length; k++) {
      const op = row[k];
      TEMPLATE_OPS[t * 4 + k - 1] = op;
      TEMPLATE_OFFS[t * 4 + k - 1] = offset;
      if (op & INDEX) need[t] |= slotBit(op, offset);
      offset += op & 0x0f;
    }
  }
  for (let mask = 0; mask < 128; mask++) {
    let t = 0;
    while (t < N_TEMPLATES - 1 && (need[t] & mask) !== need[t]) t++;
    TEMPLATE_FOR_MASK[mask] = t;
  }
})();

/** crc32_be tables (polynomial 0x04c11db7, most significant bit first), sliced by 4 bytes. */
const CRC_BE_TABLE = new Int32Array(4 * 256);
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  CRC_BE_TABLE[i] = c;
}
for (let i = 256; i < 4 * 256; i++) {
  const c = CRC_BE_TABLE[i - 256];
  CRC_BE_TABLE[i] = (c << 8) ^ CRC_BE_TABLE[c >>> 24];
}

const GOLDEN_RATIO_32 = 0x61c88647;

/*
 * The kernel keeps each ring (256 I8, 512 I4, 256 I2 slots, written in order, one group at a
 * time, repeats and zeros included) in a hashtable with head insertion, and emits the first
 * slot holding the value found in the bucket walk. Deletion keeps the order of the others, so
 * that is the most recently written slot holding the value, if it has not been overwritten yet.
 * Here each value maps to the absolute number of its last write; the slot is that number modulo
 * the ring size, still valid while fewer than ring-size writes followed it.
 * Write numbers keep growing across calls (by SPAN per page) so nothing needs clearing per call.
 */
const SPAN = 4096;
const BASE_LIMIT = 1 << 29; // keeps write numbers V8 small integers (a double here halves the speed)
const MAP4_BITS = 12; // > 2 x the 1024 I4 writes per page
const MAP8_BITS = 11; // > 2 x the 512 I8 writes per page

function hash8(hi: number, lo: number): number {
  return Math.imul(hi ^ Math.imul(lo, GOLDEN_RATIO_32), GOLDEN_RATIO_32) >>> (32 - MAP8_BITS);
}

export class Sw842Compressor implements PageCompressor {
  readonly name: CompressorName = '842';

  /** Last write number of each 16-bit value. */
  private readonly last2 = new Int32Array(1 << 16);
  /** Open-addressing maps (value -> last write number); slots written before `base` are empty. */
  private readonly key4 = new Int32Array(1 << MAP4_BITS);
  private readonly last4 = new Int32Array(1 << MAP4_BITS);
  private readonly key8hi = new Int32Array(1 << MAP8_BITS);
  private readonly key8lo = new Int32Array(1 << MAP8_BITS);
  private readonly last8 = new Int32Array(1 << MAP8_BITS);
  private base = BASE_LIMIT;
  /** Per-group lookup results: [I8, I4 x2, I2 x4], ring slot or -1. */
  private readonly idx = new Int32Array(7);

  private out: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private acc = 0;
  private nbits = 0;

  private readonly scratch = new Uint8Array(DST_BUFFER_SIZE);

  compress(page: Uint8Array, dst: Uint8Array | null): number {
    this.base += SPAN;
    if (this.base >= BASE_LIMIT) {
      this.last2.fill(-SPAN);
      this.last4.fill(-1);
      this.last8.fill(-1);
      this.base = SPAN;
    }
    const base = this.base;
    this.out = dst ?? this.scratch;
    this.pos = 0;
    this.acc = 0;
    this.nbits = 0;

    const idx = this.idx;
    const last2 = this.last2;
    let lastHi = ~((page[0] << 24) | (page[1] << 16) | (page[2] << 8) | page[3]);
    let lastLo = ~((page[4] << 24) | (page[5] << 16) | (page[6] << 8) | page[7]);
    let repeat = 0;

    for (let i = 0; i < PAGE_SIZE; i += 8) {
      const w0 = (page[i] << 8) | page[i + 1];
      const w1 = (page[i + 2] << 8) | page[i + 3];
      const w2 = (page[i + 4] << 8) | page[i + 5];
      const w3 = (page[i + 6] << 8) | page[i + 7];
      const hi = (w0 << 16) | w1;
      const lo = (w2 << 16) | w3;
      const same = hi === lastHi && lo === lastLo;
      // Write numbers of this group's slots: I8 n8, I4 n4 and n4+1, I2 n2..n2+3.
      const n8 = base + (i >> 3);
      const n4 = base + (i >> 2);
      const n2 = base + (i >> 1);

      let encode = true;
      if (same && ++repeat < REPEAT_MAX) {
        encode = false;
      } else if (repeat > 0) {
        // A full run of REPEAT_MAX ends with this group, which it covers.
        this.put(OP_REPEAT, 5);
        this.put(repeat - 1, 6);
        repeat = 0;
        if (same) encode = false;
      }

      if (encode) {
        if (hi === 0 && lo === 0) {
          this.put(OP_ZEROS, 5);
        } else {
          let mask = 0;
          let w = this.find8(hi, lo);
          if (n8 - w <= I8_NODES) {
            idx[0] = w & (I8_NODES - 1);
            mask = 1;
          } else {
            w = this.find4(hi);
            if (n4 - w <= I4_NODES) (idx[1] = w & (I4_NODES - 1)), (mask |= 2);
            w = this.find4(lo);
            if (n4 - w <= I4_NODES) (idx[2] = w & (I4_NODES - 1)), (mask |= 4);
            w = last2[w0];
            if (n2 - w <= I2_NODES) (idx[3] = w & (I2_NODES - 1)), (mask |= 8);
            w = last2[w1];
            if (n2 - w <= I2_NODES) (idx[4] = w & (I2_NODES - 1)), (mask |= 16);
            w = last2[w2];
            if (n2 - w <= I2_NODES) (idx[5] = w & (I2_NODES - 1)), (mask |= 32);
            w = last2[w3];
            if (n2 - w <= I2_NODES) (idx[6] = w & (I2_NODES - 1)), (mask |= 64);
          }
          this.emitTemplate(TEMPLATE_FOR_MASK[mask], page, i);
        }
        // The kernel fails at the first bit past the budget; output only grows, so later is the same.
        if (this.pos > PAGE_SIZE) return -ENOSPC;
      }

      lastHi = hi;
      lastLo = lo;
      this.record8(hi, lo, n8);
      this.record4(hi, n4);
      this.record4(lo, n4 + 1);
      last2[w0] = n2;
      last2[w1] = n2 + 1;
      last2[w2] = n2 + 2;
      last2[w3] = n2 + 3;
    }

    if (repeat > 0) {
      this.put(OP_REPEAT, 5);
      this.put(repeat - 1, 6);
    }
    this.put(OP_END, 5);
    const crc = crc32be(page);
    this.put(crc >>> 16, 16);
    this.put(crc & 0xffff, 16);

    const out = this.out;
    let pos = this.pos;
    if (this.nbits > 0) out[pos++] = this.acc << (8 - this.nbits);
    while (pos & 7) out[pos++] = 0;
    // The budget is a multiple of 8, so padding never turns a fitting stream into -ENOSPC.
    return pos > PAGE_SIZE ? -ENOSPC : pos;
  }

  /** Appends the low n bits of v (n <= 24), most significant first. */
  private put(v: number, n: number): void {
    let acc = (this.acc << n) | v;
    let nbits = this.nbits + n;
    const out = this.out;
    while (nbits >= 8) {
      nbits -= 8;
      out[this.pos++] = acc >>> nbits;
    }
    this.acc = acc & ((1 << nbits) - 1);
    this.nbits = nbits;
  }

  private emitTemplate(t: number, page: Uint8Array, i: number): void {
    const idx = this.idx;
    this.put(TEMPLATE_CODE[t], 5);
    for (let k = t * 4, end = k + 4; k < end; k++) {
      const op = TEMPLATE_OPS[k];
      if (op === 0) break;
      const at = i + TEMPLATE_OFFS[k];
      switch (op) {
        case I8:
          this.put(idx[0], I8_BITS);
          break;
        case I4:
          this.put(idx[1 + (TEMPLATE_OFFS[k] >> 2)], I4_BITS);
          break;
        case I2:
          this.put(idx[3 + (TEMPLATE_OFFS[k] >> 1)], I2_BITS);
          break;
        case D8:
          this.put((page[at] << 8) | page[at + 1], 16);
          this.put((page[at + 2] << 8) | page[at + 3], 16);
          this.put((page[at + 4] << 8) | page[at + 5], 16);
          this.put((page[at + 6] << 8) | page[at + 7], 16);
          break;
        case D4:
          this.put((page[at] << 8) | page[at + 1], 16);
          this.put((page[at + 2] << 8) | page[at + 3], 16);
          break;
        default: // D2
          this.put((page[at] << 8) | page[at + 1], 16);
          break;
      }
    }
  }

  /** Last write number of a 32-bit value in this call, or -1. */
  private find4(v: number): number {
    const key = this.key4;
    const last = this.last4;
    const base = this.base;
    const mask = (1 << MAP4_BITS) - 1;
    for (let s = Math.imul(v, GOLDEN_RATIO_32) >>> (32 - MAP4_BITS); last[s] >= base; s = (s + 1) & mask) {
      if (key[s] === v) return last[s];
    }
    return -1;
  }

  private record4(v: number, n: number): void {
    const key = this.key4;
    const last = this.last4;
    const base = this.base;
    const mask = (1 << MAP4_BITS) - 1;
    let s = Math.imul(v, GOLDEN_RATIO_32) >>> (32 - MAP4_BITS);
    while (last[s] >= base && key[s] !== v) s = (s + 1) & mask;
    key[s] = v;
    last[s] = n;
  }

  private find8(hi: number, lo: number): number {
    const khi = this.key8hi;
    const klo = this.key8lo;
    const last = this.last8;
    const base = this.base;
    const mask = (1 << MAP8_BITS) - 1;
    for (let s = hash8(hi, lo); last[s] >= base; s = (s + 1) & mask) {
      if (khi[s] === hi && klo[s] === lo) return last[s];
    }
    return -1;
  }

  private record8(hi: number, lo: number, n: number): void {
    const khi = this.key8hi;
    const klo = this.key8lo;
    const last = this.last8;
    const base = this.base;
    const mask = (1 << MAP8_BITS) - 1;
    let s = hash8(hi, lo);
    while (last[s] >= base && (khi[s] !== hi || klo[s] !== lo)) s = (s + 1) & mask;
    khi[s] = hi;
    klo[s] = lo;
    last[s] = n;
  }
}

/** crc32_be(0, page, PAGE_SIZE): seed 0, no final inversion. */
function crc32be(page: Uint8Array): number {
  const t = CRC_BE_TABLE;
  let crc = 0;
  for (let i = 0; i < PAGE_SIZE; i += 4) {
    crc ^= (page[i] << 24) | (page[i + 1] << 16) | (page[i + 2] << 8) | page[i + 3];
    crc =
      t[768 + (crc >>> 24)] ^ t[512 + ((crc >>> 16) & 0xff)] ^ t[256 + ((crc >>> 8) & 0xff)] ^ t[crc & 0xff];
  }
  return crc >>> 0;
}
