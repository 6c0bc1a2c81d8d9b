/**
 * Deterministic mutations of ELF core files for robustness tests (test/elf-hostile.test.ts) and
 * the longer fuzzer (scripts/fuzz.mjs): each mutant must either read cleanly or fail with an
 * InputError that names the file, never anything else, and never hang or eat memory.
 */
import { drain } from './drain.js';
import type { Rng } from './random.js';

export { Rng } from './random.js';

interface Layout {
  phoff: number;
  phnum: number;
  /** end of the ELF header, program headers and notes: where structure lives */
  structureEnd: number;
  notes: { offset: number; size: number }[];
}

function layout(buf: Buffer): Layout {
  const phoff = Number(buf.readBigUInt64LE(32));
  const phnum = buf.readUInt16LE(56);
  let structureEnd = phoff + phnum * 56;
  const notes: { offset: number; size: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * 56;
    if (at + 56 > buf.length) break;
    if (buf.readUInt32LE(at) === 4) {
      const offset = Number(buf.readBigUInt64LE(at + 8));
      const size = Number(buf.readBigUInt64LE(at + 32));
      notes.push({ offset, size });
      structureEnd = Math.max(structureEnd, offset + size);
    }
  }
  return { phoff, phnum, structureEnd: Math.min(structureEnd, buf.length), notes };
}

const EDGE64 = [0n, 1n, 0xfffn, 0x1000n, 0x7fffffffn, 0xffffffffn, 0x100000000n, 1n << 52n, 1n << 53n, (1n << 63n) - 1n, 0xffffffffffffffffn];
const EDGE32 = [0, 1, 3, 4, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

/** One mutant of `orig` and what was done, for messages. */
export function mutate(orig: Buffer, rng: Rng): { data: Buffer; what: string } {
  const L = layout(orig);
  const kind = rng.below(10);
  let data = Buffer.from(orig);
  let what: string;
  switch (kind) {
    case 0: {
      const len = rng.below(2) ? rng.below(L.structureEnd + 1) : rng.below(orig.length);
      data = data.subarray(0, len);
      what = `truncated to ${len} bytes`;
      break;
    }
    case 1: {
      const n = 1 + rng.below(8);
      for (let i = 0; i < n; i++) data[rng.below(L.structureEnd)] ^= 1 << rng.below(8);
      what = `${n} bit flips in the headers and notes`;
      break;
    }
    case 2: {
      const i = rng.below(L.phnum);
      const field = [8, 16, 24, 32, 40][rng.below(5)];
      const v = EDGE64[rng.below(EDGE64.length)];
      data.writeBigUInt64LE(v, L.phoff + i * 56 + field);
      what = `program header ${i} field at +${field} = ${v}`;
      break;
    }
    case 3: {
      const v = [0, 1, 0xffff, 0x7fff, L.phnum + 1, L.phnum * 4][rng.below(6)];
      data.writeUInt16LE(v & 0xffff, 56);
      what = `e_phnum = ${v & 0xffff}`;
      break;
    }
    case 4: {
      // a copy of one PT_LOAD header over another: overlapping segments
      const a = rng.below(L.phnum);
      const b = rng.below(L.phnum);
      orig.copy(data, L.phoff + b * 56, L.phoff + a * 56, L.phoff + a * 56 + 56);
      if (rng.below(2)) data.writeBigUInt64LE(data.readBigUInt64LE(L.phoff + b * 56 + 8) + 4096n, L.phoff + b * 56 + 8);
      what = `program header ${a} copied over ${b}`;
      break;
    }
    case 5: {
      if (L.notes.length === 0) return mutate(orig, rng);
      const n = L.notes[rng.below(L.notes.length)];
      // a note header somewhere in the first notes: namesz, descsz or type
      let pos = n.offset;
      const skip = rng.below(6);
      for (let k = 0; k < skip && pos + 12 <= n.offset + n.size; k++) {
        const nsz = data.readUInt32LE(pos);
        const dsz = data.readUInt32LE(pos + 4);
        pos += 12 + ((nsz + 3) & ~3) + ((dsz + 3) & ~3);
      }
      if (pos + 12 > n.offset + n.size || pos + 12 > data.length) pos = n.offset;
      const field = [0, 4, 8][rng.below(3)];
      const v = EDGE32[rng.below(EDGE32.length)];
      data.writeUInt32LE(v >>> 0, pos + field);
      what = `note at ${pos} field +${field} = ${v}`;
      break;
    }
    case 6: {
      const field = [4, 5, 6, 16, 18, 52, 54][rng.below(7)];
      data[field] = rng.below(256);
      what = `ELF header byte ${field} = ${data[field]}`;
      break;
    }
    case 7: {
      // random bytes over a stretch of notes (VMCOREINFO text, NT_FILE tables)
      const n = L.notes[0];
      if (!n || n.size === 0) return mutate(orig, rng);
      const at = n.offset + rng.below(n.size);
      const len = 1 + rng.below(64);
      for (let i = 0; i < len && at + i < data.length; i++) data[at + i] = rng.below(256);
      what = `${len} random bytes at ${at} in the notes`;
      break;
    }
    case 8: {
      // random words anywhere, page data included: page tables, struct pages, mem_section
      const n = 1 + rng.below(64);
      for (let i = 0; i < n; i++) {
        const at = rng.below(Math.max(1, data.length - 8));
        data.writeUInt32LE(rng.next(), at);
        data.writeUInt32LE(rng.below(4) === 0 ? 0xffffffff : rng.next() & 0xffff, at + 4);
      }
      what = `${n} random words anywhere`;
      break;
    }
    default: {
      // e_phoff moved
      const v = EDGE64[rng.below(EDGE64.length)];
      data.writeBigUInt64LE(v, 32);
      what = `e_phoff = ${v}`;
      break;
    }
  }
  return { data, what };
}

export type Outcome = { ok: true; pages: number } | { ok: false; message: string };

/**
 * Opens and reads every page of `path` in-process (and reads a few of them again); an
 * InputError is an outcome, anything else is thrown.
 */
export function readAll(path: string, allPages = false, pageLimit = 1 << 22): Outcome {
  const r = drain(path, { allPages, maxPages: pageLimit });
  return r.result === 'ok' ? { ok: true, pages: r.pages } : { ok: false, message: r.message! };
}
