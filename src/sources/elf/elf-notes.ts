/**
 * What the notes of an ELF core say: whether it is a kernel vmcore or a process core (decided
 * from the notes, never from the file name), VMCOREINFO, and for process cores the file-backed
 * ranges (NT_FILE), the vDSO address (NT_AUXV) and the command (NT_PRPSINFO).
 */
import { InputError } from '../../util/errors.js';
import { parseVmcoreinfoBytes } from '../physical-memory.js';
import type { ElfCore, ElfNote } from './elf-format.js';

export const NT_PRSTATUS = 1;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;
const AT_NULL = 0;
const AT_SYSINFO_EHDR = 33;
/** x86_64 struct elf_prstatus */
const PRSTATUS_SIZE = 336;
const PRSTATUS_PID_OFFSET = 32;
/** pr_reg (struct user_regs_struct) at 112; rsp is its 20th register */
const PRSTATUS_RSP_OFFSET = 112 + 19 * 8;
/** x86_64 struct elf_prpsinfo: pr_fname[16] at 40 */
const PRPSINFO_SIZE = 136;
const PRPSINFO_FNAME_OFFSET = 40;
/** addresses at or above this are the kernel half of the x86_64 address space */
export const KERNEL_HALF = 0xffff800000000000n;
/** user addresses are below this (5-level paging: 2^56) */
const USER_LIMIT = 1n << 56n;

export type CoreKind = 'vmcore' | 'process';

export interface FileRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

export interface CoreNotes {
  readonly kind: CoreKind;
  /** why the kind was decided so (for info) */
  readonly evidence: string;
  readonly vmcoreinfo: Map<string, string> | null;
  readonly cpus: number;
  /** process cores */
  readonly fileRanges: FileRange[] | null;
  readonly vdso: number | null;
  readonly pid: number | null;
  readonly command: string | null;
  /** process cores: every thread's stack pointer (rsp of each NT_PRSTATUS) */
  readonly stackPointers: number[];
}

const isCore = (n: ElfNote) => n.name === 'CORE' || n.name === 'LINUX';

export function readCoreNotes(path: string, core: ElfCore): CoreNotes {
  const notes = core.notes;
  const vmcoreinfoNotes = notes.filter((n) => n.name === 'VMCOREINFO');
  const prstatus = notes.filter((n) => isCore(n) && n.type === NT_PRSTATUS);
  const processNotes = notes.filter((n) => isCore(n) && (n.type === NT_PRPSINFO || n.type === NT_AUXV || n.type === NT_FILE || n.type === NT_SIGINFO));
  const qemu = notes.some((n) => n.name === 'QEMU');
  for (const n of prstatus) {
    if (n.desc.length !== PRSTATUS_SIZE) {
      throw new InputError(path, `ELF note NT_PRSTATUS at offset ${n.offset} has ${n.desc.length} bytes, not the ${PRSTATUS_SIZE} of x86_64`);
    }
  }

  let kind: CoreKind;
  let evidence: string;
  if (vmcoreinfoNotes.length > 0) {
    if (processNotes.length > 0) throw new InputError(path, 'ELF core file has both a VMCOREINFO note and process notes (NT_FILE/NT_AUXV/NT_PRPSINFO): corrupt or not a core file');
    kind = 'vmcore';
    evidence = 'VMCOREINFO note';
  } else if (processNotes.length > 0) {
    kind = 'process';
    const names = [...new Set(processNotes.map((n) => noteTypeName(n.type)))];
    evidence = `${names.join(', ')} note${names.length > 1 ? 's' : ''}`;
  } else if (qemu) {
    kind = 'vmcore';
    evidence = 'QEMU CPU state notes (no VMCOREINFO)';
  } else if (prstatus.length > 0) {
    // only NT_PRSTATUS: kdump of a kernel without VMCOREINFO, or a stripped process core
    const kernelAddr = core.loads.some((s) => s.vaddr >= KERNEL_HALF);
    const physAddr = core.loads.some((s) => s.paddr !== 0);
    if (kernelAddr || physAddr) {
      kind = 'vmcore';
      evidence = 'NT_PRSTATUS notes and physical/kernel addresses in PT_LOAD';
    } else {
      kind = 'process';
      evidence = 'NT_PRSTATUS notes and user addresses only in PT_LOAD';
    }
  } else {
    throw new InputError(path, 'ELF core file has neither VMCOREINFO nor process notes (NT_PRSTATUS, NT_FILE …): cannot tell a vmcore from a process core');
  }

  let vmcoreinfo: Map<string, string> | null = null;
  if (kind === 'vmcore' && vmcoreinfoNotes.length > 0) {
    vmcoreinfo = parseVmcoreinfoBytes(path, vmcoreinfoNotes[0].desc, `VMCOREINFO note at offset ${vmcoreinfoNotes[0].offset}`);
    if (vmcoreinfo.size === 0) throw new InputError(path, `VMCOREINFO note at offset ${vmcoreinfoNotes[0].offset} holds no KEY=value line`);
  }

  let fileRanges: FileRange[] | null = null;
  let vdso: number | null = null;
  let pid: number | null = null;
  let command: string | null = null;
  const stackPointers: number[] = [];
  if (kind === 'process') {
    for (const n of prstatus) stackPointers.push(Number(n.desc.readBigUInt64LE(PRSTATUS_RSP_OFFSET)));
    const files = notes.filter((n) => isCore(n) && n.type === NT_FILE);
    fileRanges = files.length ? parseNtFile(path, files[0]) : [];
    const auxv = notes.find((n) => isCore(n) && n.type === NT_AUXV);
    if (auxv) vdso = auxvValue(auxv, AT_SYSINFO_EHDR);
    if (prstatus.length) pid = prstatus[0].desc.readInt32LE(PRSTATUS_PID_OFFSET);
    const ps = notes.find((n) => isCore(n) && n.type === NT_PRPSINFO);
    if (ps && ps.desc.length >= PRPSINFO_SIZE) {
      const f = ps.desc.subarray(PRPSINFO_FNAME_OFFSET, PRPSINFO_FNAME_OFFSET + 16);
      const z = f.indexOf(0);
      command = f.toString('utf8', 0, z < 0 ? 16 : z);
    }
  }
  return { kind, evidence, vmcoreinfo, cpus: prstatus.length, fileRanges, vdso, pid, command, stackPointers };
}

function noteTypeName(t: number): string {
  switch (t) {
    case NT_PRPSINFO:
      return 'NT_PRPSINFO';
    case NT_AUXV:
      return 'NT_AUXV';
    case NT_FILE:
      return 'NT_FILE';
    case NT_SIGINFO:
      return 'NT_SIGINFO';
    default:
      return `type ${t}`;
  }
}

/**
 * NT_FILE: count, page size, then count × (start, end, file offset in pages), then count
 * NUL-terminated names. Every number is checked against the note's size.
 */
export function parseNtFile(path: string, note: ElfNote): FileRange[] {
  const d = note.desc;
  const bad = (why: string) => new InputError(path, `corrupt NT_FILE note at offset ${note.offset}: ${why}`);
  if (d.length < 16) throw bad(`${d.length} bytes, too short for its header`);
  const count = d.readBigUInt64LE(0);
  const pageSize = d.readBigUInt64LE(8);
  if (count > BigInt(Math.floor((d.length - 16) / 24))) throw bad(`${count} entries do not fit in ${d.length} bytes`);
  if (pageSize === 0n || pageSize > 1n << 30n || (pageSize & (pageSize - 1n)) !== 0n) throw bad(`page size ${pageSize} is invalid`);
  const n = Number(count);
  const ranges: FileRange[] = [];
  let nameAt = 16 + n * 24;
  for (let i = 0; i < n; i++) {
    const start = d.readBigUInt64LE(16 + i * 24);
    const end = d.readBigUInt64LE(24 + i * 24);
    if (end < start || end > USER_LIMIT) throw bad(`entry ${i} range 0x${start.toString(16)}-0x${end.toString(16)} is invalid`);
    let name = '';
    if (nameAt < d.length) {
      const z = d.indexOf(0, nameAt);
      const stop = z < 0 ? d.length : z;
      name = d.toString('utf8', nameAt, stop);
      nameAt = stop + 1;
    }
    ranges.push({ start: Number(start), end: Number(end), name });
  }
  return ranges;
}

function auxvValue(note: ElfNote, key: number): number | null {
  const d = note.desc;
  for (let at = 0; at + 16 <= d.length; at += 16) {
    const k = d.readBigUInt64LE(at);
    if (k === BigInt(AT_NULL)) break;
    if (k === BigInt(key)) {
      const v = d.readBigUInt64LE(at + 8);
      return v < USER_LIMIT ? Number(v) : null;
    }
  }
  return null;
}
