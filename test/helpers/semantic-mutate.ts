/**
 * Mutations that keep a file's framing valid so that they reach what lies behind it: records of
 * our capture format rearranged, repeated or given hostile JSON with correct lengths, and
 * VMCOREINFO values of a dump set to what a hostile dump might claim (same size, in place).
 * For the fuzzer (test/helpers/fuzz.ts).
 */
import { FIXED_HEADER_SIZE, RECORD_HEADER_SIZE, REC_DIGEST, REC_END, REC_MAPPING, REC_PAGE, REC_SUMMARY, pad8 } from '../../src/sources/capture-format.js';
import type { Mutant } from './fuzz.js';
import type { Rng } from './random.js';
import { editVmcoreinfo, findVmcoreinfo } from './vmcoreinfo-edit.js';

interface CaptureRecord {
  type: number;
  body: Buffer;
}

/** header (with its metadata) and records of a capture; null when the framing is not intact */
function splitCapture(b: Buffer): { head: Buffer; records: CaptureRecord[] } | null {
  if (b.length < FIXED_HEADER_SIZE) return null;
  const headLen = pad8(FIXED_HEADER_SIZE + b.readUInt32LE(16));
  const records: CaptureRecord[] = [];
  for (let at = headLen; at + RECORD_HEADER_SIZE <= b.length; ) {
    const type = b.readUInt16LE(at);
    const len = b.readUInt32LE(at + 4);
    if (at + RECORD_HEADER_SIZE + len > b.length) return null;
    records.push({ type, body: b.subarray(at + RECORD_HEADER_SIZE, at + RECORD_HEADER_SIZE + len) });
    at += RECORD_HEADER_SIZE + pad8(len);
  }
  return { head: b.subarray(0, headLen), records };
}

function joinCapture(head: Buffer, records: CaptureRecord[], fixEnd: boolean): Buffer {
  const pages = records.filter((r) => r.type === REC_PAGE || r.type === REC_DIGEST).length;
  const parts: Buffer[] = [head];
  for (const r of records) {
    let body = r.body;
    if (fixEnd && r.type === REC_END && body.length === 8) {
      body = Buffer.alloc(8);
      body.writeUInt32LE(pages % 2 ** 32, 0);
    }
    const h = Buffer.alloc(RECORD_HEADER_SIZE);
    h.writeUInt16LE(r.type, 0);
    h.writeUInt32LE(body.length, 4);
    parts.push(h, body, Buffer.alloc(pad8(body.length) - body.length));
  }
  return Buffer.concat(parts);
}

function hostileJson(rng: Rng): string {
  switch (rng.below(7)) {
    case 0:
      return '['.repeat(1 + rng.below(100000));
    case 1:
      return `{"id":${['1e308', '-1', '0', '4294967297', 'null', '"1"', '1.5'][rng.below(7)]},"pid":1}`;
    case 2:
      return `{"id":1,"path":"${'x'.repeat(rng.below(65000))}"}`;
    case 3:
      return `{"id":1,"pad":[${Array(1 + rng.below(20000)).fill('1').join(',')}]}`;
    case 4:
      return `{"id":1,"x":${'{"a":'.repeat(50 + rng.below(30))}1${'}'.repeat(50 + rng.below(30))}}`;
    case 5:
      return '"' + '\\u0000'.repeat(rng.below(10000)) + '"';
    default:
      return `{"processes":${'[{"pid":1,"comm":"x"}'.repeat(rng.below(3000))}]}`;
  }
}

/** Record-level mutations of a capture or trace, lengths kept right (and the end count, mostly). */
export function captureMutate(data: Buffer, rng: Rng): Mutant | null {
  const c = splitCapture(data);
  if (!c || c.records.length === 0) return null;
  const recs = [...c.records];
  const pick = () => rng.below(recs.length);
  let what: string;
  let head = c.head;
  switch (rng.below(6)) {
    case 0: {
      const i = pick();
      const times = 1 + rng.below(rng.below(2) ? 8 : 3000);
      recs.splice(i, 0, ...Array.from({ length: times }, () => recs[i]));
      what = `record ${i} (type ${recs[i].type}) repeated ${times} more times`;
      break;
    }
    case 1: {
      const i = pick();
      recs.splice(i, 1);
      what = `record ${i} removed`;
      break;
    }
    case 2: {
      const i = pick();
      const j = pick();
      [recs[i], recs[j]] = [recs[j], recs[i]];
      what = `records ${i} and ${j} swapped`;
      break;
    }
    case 3: {
      const type = [REC_MAPPING, REC_SUMMARY, 0x8002, 0x8003][rng.below(4)];
      const json = hostileJson(rng);
      recs.splice(pick(), 0, { type, body: Buffer.from(json, 'utf8') });
      what = `a record of type ${type} with ${json.length} bytes of hostile JSON inserted`;
      break;
    }
    case 4: {
      const json = Buffer.from(hostileJson(rng), 'utf8');
      const h = Buffer.alloc(pad8(FIXED_HEADER_SIZE + json.length));
      c.head.copy(h, 0, 0, FIXED_HEADER_SIZE);
      h.writeUInt32LE(json.length, 16);
      json.copy(h, FIXED_HEADER_SIZE);
      head = h;
      what = `header metadata replaced by ${json.length} bytes of hostile JSON`;
      break;
    }
    default: {
      // a record's type changed, its body kept
      const i = pick();
      const type = [REC_PAGE, REC_DIGEST, REC_MAPPING, 4, 5, 6, REC_END, REC_SUMMARY, 0x8002, rng.below(0x10000)][rng.below(10)];
      recs[i] = { type, body: recs[i].body };
      what = `record ${i} retyped to ${type}`;
    }
  }
  return { data: joinCapture(head, recs, rng.below(4) !== 0), what };
}

/** the keys the page classifier reads, and values a hostile dump might give them */
const LAYOUT_KEYS = [
  'NUMBER(MAX_PHYSMEM_BITS)',
  'NUMBER(SECTION_SIZE_BITS)',
  'LENGTH(mem_section)',
  'SIZE(mem_section)',
  'SYMBOL(mem_section)',
  'SIZE(page)',
  'OFFSET(page.flags)',
  'OFFSET(page.private)',
  'OFFSET(page._mapcount)',
  'OFFSET(page.compound_head)',
  'OFFSET(mem_section.section_mem_map)',
  'LENGTH(zone.free_area)',
  'SYMBOL(init_top_pgt)',
  'NUMBER(phys_base)',
  'NUMBER(pgtable_l5_enabled)',
  'NUMBER(sme_mask)',
  'SYMBOL(vmemmap)',
  'PAGESIZE',
  'NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)',
  'NUMBER(PG_head_mask)',
];
const NUMBERS = ['0', '1', '-1', '8', '13', '15', '27', '40', '46', '52', '64', '256', '2048', '131072', '33554432', '67108864', '4294967296', '9007199254740993', '-9223372036854775808', '0x7fffffffffffffff', 'x'];
const SYMBOLS = ['0', 'ffffffffffffffff', 'ffffffff80000000', 'ffff800000000000', 'fffffffffffff000', '1000', 'zz'];

/** VMCOREINFO of a dump (ELF note or kdump) with a few layout values changed, or a NUL run after it. */
export function vmcoreinfoMutate(data: Buffer, rng: Rng): Mutant | null {
  if (!findVmcoreinfo(data)) return null;
  const edits: Record<string, string | null> = {};
  const n = 1 + rng.below(3);
  for (let i = 0; i < n; i++) {
    const key = LAYOUT_KEYS[rng.below(LAYOUT_KEYS.length)];
    edits[key] = rng.below(8) === 0 ? null : key.startsWith('SYMBOL') ? SYMBOLS[rng.below(SYMBOLS.length)] : NUMBERS[rng.below(NUMBERS.length)];
  }
  const nulTail = rng.below(4) === 0;
  try {
    const out = editVmcoreinfo(data, edits, nulTail ? (room) => Buffer.concat([Buffer.alloc(Math.max(0, room - 1)), Buffer.from('x')]) : undefined);
    return { data: out, what: `VMCOREINFO ${JSON.stringify(edits)}${nulTail ? ' and NULs then a byte after it' : ''}` };
  } catch {
    return null;
  }
}
