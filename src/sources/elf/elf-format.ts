/**
 * ELF64 little-endian x86_64 core files: the header, the program headers and the notes, read
 * with every count and offset checked against the file before it is used. Kernel vmcores and
 * process cores share all of this; what differs (which addresses mean what, which pages to
 * deliver) lives in vmcore-source.ts and process-core-source.ts.
 */
import { InputError } from '../../util/errors.js';
import type { ByteSource } from '../input-file.js';

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EV_CURRENT = 1;
export const ET_CORE = 4;
export const EM_X86_64 = 62;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
/** e_phnum value that means "the real count is in section header 0's sh_info" */
const PN_XNUM = 0xffff;

export const PT_LOAD = 1;
export const PT_NOTE = 4;

/** more program headers than this is not a core file anyone made (vm.max_map_count is 65530) */
export const MAX_PHNUM = 1 << 22;
/** all notes together; a gcore of a process with 65530 mappings has a few MiB of NT_FILE */
export const MAX_NOTE_BYTES = 64 << 20;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export interface ElfSegment {
  /** index in the program header table */
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  /** virtual address: kernel addresses do not fit a double, so kept exact */
  readonly vaddr: bigint;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Buffer;
  /** file offset of the note header, for messages */
  readonly offset: number;
}

export interface ElfCore {
  readonly phnum: number;
  readonly segments: readonly ElfSegment[];
  /** PT_LOAD segments in program header order */
  readonly loads: readonly ElfSegment[];
  readonly notes: readonly ElfNote[];
}

const MACHINES: Record<number, string> = {
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390',
  40: 'ARM',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

const TYPES: Record<number, string> = { 0: 'an ELF file of type ET_NONE', 1: 'an ELF relocatable object (ET_REL)', 2: 'an ELF executable (ET_EXEC)', 3: 'an ELF shared object or PIE (ET_DYN)' };

function u64(buf: Buffer, at: number, path: string, what: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(MAX_SAFE)) throw new InputError(path, `ELF ${what} 0x${v.toString(16)} is out of range`);
  return Number(v);
}

/** Reads and checks the header, program headers and notes of an ELF64 LE x86_64 core file. */
export function readElfCore(file: ByteSource): ElfCore {
  const path = file.path;
  if (file.size < EHDR_SIZE) throw new InputError(path, `truncated ELF header: the file has ${file.size} bytes, an ELF64 header needs ${EHDR_SIZE}`);
  const eh = Buffer.alloc(EHDR_SIZE);
  file.readExactly(eh, 0, EHDR_SIZE, 0, 'ELF header');
  if (!eh.subarray(0, 4).equals(ELF_MAGIC)) throw new InputError(path, 'not an ELF file (bad magic)');
  const cls = eh[4];
  if (cls !== ELFCLASS64) {
    throw new InputError(path, cls === 1 ? 'is a 32-bit ELF file; only ELF64 x86_64 core files are supported' : `ELF class ${cls} is invalid (expected 2, ELF64)`);
  }
  const data = eh[5];
  if (data !== ELFDATA2LSB) {
    throw new InputError(path, data === 2 ? 'is a big-endian ELF file; only little-endian x86_64 core files are supported' : `ELF data encoding ${data} is invalid`);
  }
  if (eh[6] !== EV_CURRENT) throw new InputError(path, `ELF identification version ${eh[6]} is invalid (expected 1)`);
  const type = eh.readUInt16LE(16);
  if (type !== ET_CORE) {
    throw new InputError(path, `is ${TYPES[type] ?? `an ELF file of type ${type}`}, not a core dump (ET_CORE): expected a vmcore or a process core file`);
  }
  const machine = eh.readUInt16LE(18);
  if (machine !== EM_X86_64) {
    throw new InputError(path, `is an ELF core file for ${MACHINES[machine] ?? `machine ${machine}`}; only x86_64 is supported`);
  }
  const phoff = u64(eh, 32, path, 'e_phoff');
  const shoff = u64(eh, 40, path, 'e_shoff');
  const phentsize = eh.readUInt16LE(54);
  let phnum = eh.readUInt16LE(56);
  const shentsize = eh.readUInt16LE(58);
  // e_ehsize is not checked: QEMU 7.2's dump-guest-memory writes 8 there
  if (phentsize !== PHDR_SIZE) throw new InputError(path, `ELF program header size ${phentsize} is invalid (expected ${PHDR_SIZE})`);
  if (phnum === PN_XNUM) {
    // extended numbering: the count is in section header 0
    if (shentsize !== SHDR_SIZE || shoff === 0 || shoff + SHDR_SIZE > file.size) {
      throw new InputError(path, `ELF header uses extended program header numbering but section header 0 (offset ${shoff}) is missing`);
    }
    const sh = Buffer.alloc(SHDR_SIZE);
    file.readExactly(sh, 0, SHDR_SIZE, shoff, 'ELF section header 0');
    phnum = sh.readUInt32LE(44);
  }
  if (phnum === 0) throw new InputError(path, 'ELF core file has no program headers');
  if (phnum > MAX_PHNUM) throw new InputError(path, `ELF program header count ${phnum} is implausible (limit ${MAX_PHNUM})`);
  if (phoff < EHDR_SIZE || phoff + phnum * PHDR_SIZE > file.size) {
    throw new InputError(path, `truncated or corrupt ELF: ${phnum} program headers at offset ${phoff} do not fit in the file (${file.size} bytes)`);
  }
  const ph = Buffer.alloc(phnum * PHDR_SIZE);
  file.readExactly(ph, 0, ph.length, phoff, 'ELF program headers');

  const segments: ElfSegment[] = [];
  const loads: ElfSegment[] = [];
  const noteSegs: ElfSegment[] = [];
  let noteBytes = 0;
  for (let i = 0; i < phnum; i++) {
    const at = i * PHDR_SIZE;
    const what = `program header ${i}`;
    const seg: ElfSegment = {
      index: i,
      type: ph.readUInt32LE(at),
      flags: ph.readUInt32LE(at + 4),
      offset: u64(ph, at + 8, path, `${what} p_offset`),
      vaddr: ph.readBigUInt64LE(at + 16),
      paddr: u64(ph, at + 24, path, `${what} p_paddr`),
      filesz: u64(ph, at + 32, path, `${what} p_filesz`),
      memsz: u64(ph, at + 40, path, `${what} p_memsz`),
    };
    segments.push(seg);
    if (seg.type !== PT_LOAD && seg.type !== PT_NOTE) continue;
    const name = seg.type === PT_LOAD ? 'PT_LOAD' : 'PT_NOTE';
    if (seg.offset + seg.filesz > file.size) {
      throw new InputError(
        path,
        `truncated or corrupt ELF: ${what} (${name}) covers offsets ${seg.offset}..${seg.offset + seg.filesz}, beyond the end of the file (${file.size} bytes)`,
      );
    }
    if (seg.type === PT_LOAD) {
      if (seg.filesz > seg.memsz) throw new InputError(path, `corrupt ELF: ${what} (PT_LOAD) has p_filesz ${seg.filesz} > p_memsz ${seg.memsz}`);
      if (seg.paddr + seg.memsz > MAX_SAFE) throw new InputError(path, `corrupt ELF: ${what} (PT_LOAD) has p_paddr + p_memsz out of range`);
      if (seg.vaddr + BigInt(seg.memsz) > 0xffffffffffffffffn) throw new InputError(path, `corrupt ELF: ${what} (PT_LOAD) wraps around the address space`);
      loads.push(seg);
    } else {
      noteBytes += seg.filesz;
      if (noteBytes > MAX_NOTE_BYTES) throw new InputError(path, `ELF notes total more than ${MAX_NOTE_BYTES} bytes, implausible for a core file`);
      noteSegs.push(seg);
    }
  }
  if (loads.length === 0) throw new InputError(path, 'ELF core file has no PT_LOAD segment: it holds no memory');
  checkFileOverlaps(path, loads, noteSegs, phoff, phoff + phnum * PHDR_SIZE);

  const notes: ElfNote[] = [];
  for (const seg of noteSegs) parseNotes(file, seg, notes);
  return { phnum, segments, loads, notes };
}

/** Two segments that claim the same bytes of the file (or the headers) are a corrupt file. */
function checkFileOverlaps(path: string, loads: readonly ElfSegment[], notes: readonly ElfSegment[], phStart: number, phEnd: number): void {
  const spans = [...loads, ...notes].filter((s) => s.filesz > 0).sort((a, b) => a.offset - b.offset || a.index - b.index);
  let prev: ElfSegment | null = null;
  for (const s of spans) {
    const end = s.offset + s.filesz;
    if (s.offset < EHDR_SIZE || (s.offset < phEnd && end > phStart)) {
      const name = s.type === PT_LOAD ? 'PT_LOAD' : 'PT_NOTE';
      throw new InputError(path, `corrupt ELF: program header ${s.index} (${name}) has its data at offset ${s.offset}, inside the ELF headers`);
    }
    if (prev && s.offset < prev.offset + prev.filesz) {
      throw new InputError(path, `corrupt ELF: program headers ${prev.index} and ${s.index} overlap in the file (offsets ${prev.offset}+${prev.filesz} and ${s.offset})`);
    }
    prev = s;
  }
}

function parseNotes(file: ByteSource, seg: ElfSegment, out: ElfNote[]): void {
  const path = file.path;
  const buf = Buffer.alloc(seg.filesz);
  file.readExactly(buf, 0, seg.filesz, seg.offset, 'ELF notes');
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const namesz = buf.readUInt32LE(pos);
    const descsz = buf.readUInt32LE(pos + 4);
    const type = buf.readUInt32LE(pos + 8);
    if (namesz === 0 && descsz === 0 && type === 0) {
      // zero padding after the last note (kdump and QEMU round the segment up)
      if (buf.subarray(pos).every((b) => b === 0)) return;
      throw new InputError(path, `corrupt ELF note at offset ${seg.offset + pos}: empty note followed by data`);
    }
    const nameAt = pos + 12;
    const descAt = nameAt + align4(namesz);
    const end = descAt + align4(descsz);
    if (namesz > buf.length || descsz > buf.length || descAt + descsz > buf.length) {
      throw new InputError(
        path,
        `corrupt ELF note at offset ${seg.offset + pos}: name ${namesz} and description ${descsz} bytes run past the end of its PT_NOTE segment (${seg.filesz} bytes)`,
      );
    }
    let nameEnd = nameAt + namesz;
    if (namesz > 0 && buf[nameEnd - 1] === 0) nameEnd--;
    out.push({ name: buf.toString('latin1', nameAt, nameEnd), type, desc: buf.subarray(descAt, descAt + descsz), offset: seg.offset + pos });
    pos = Math.min(end, buf.length);
  }
  if (pos < buf.length && !buf.subarray(pos).every((b) => b === 0)) {
    throw new InputError(path, `corrupt ELF note at offset ${seg.offset + pos}: ${buf.length - pos} stray bytes at the end of a PT_NOTE segment`);
  }
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
