/** Builds small ELF64 x86_64 core files for tests: the layout is what the test says, byte by byte. */

export interface NoteSpec {
  name: string;
  type: number;
  desc: Buffer;
}

export interface LoadSpec {
  vaddr: bigint;
  paddr: number;
  /** the bytes in the file (p_filesz = data.length) */
  data: Buffer;
  /** p_memsz (default data.length) */
  memsz?: number;
  /** forced p_offset (default: laid out one after the other) */
  offset?: number;
}

export interface CoreSpec {
  notes: NoteSpec[];
  loads: LoadSpec[];
  /** bytes of padding before the first segment's data (default 0: data right after the notes) */
  gap?: number;
}

function noteBytes(notes: NoteSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const n of notes) {
    const name = Buffer.from(n.name + '\0', 'latin1');
    const h = Buffer.alloc(12);
    h.writeUInt32LE(name.length, 0);
    h.writeUInt32LE(n.desc.length, 4);
    h.writeUInt32LE(n.type, 8);
    parts.push(h, name, Buffer.alloc((4 - (name.length % 4)) % 4), n.desc, Buffer.alloc((4 - (n.desc.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

export function buildCore(spec: CoreSpec): Buffer {
  const phnum = 1 + spec.loads.length;
  const notes = noteBytes(spec.notes);
  const eh = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(eh);
  eh.writeUInt16LE(4, 16); // ET_CORE
  eh.writeUInt16LE(62, 18); // x86_64
  eh.writeUInt32LE(1, 20);
  eh.writeBigUInt64LE(64n, 32);
  eh.writeUInt16LE(64, 52);
  eh.writeUInt16LE(56, 54);
  eh.writeUInt16LE(phnum, 56);
  const ph = Buffer.alloc(56 * phnum);
  const notesAt = 64 + ph.length;
  ph.writeUInt32LE(4, 0);
  ph.writeBigUInt64LE(BigInt(notesAt), 8);
  ph.writeBigUInt64LE(BigInt(notes.length), 32);
  let at = notesAt + notes.length + (spec.gap ?? 0);
  const body: { offset: number; data: Buffer }[] = [];
  spec.loads.forEach((l, i) => {
    const p = 56 * (i + 1);
    const offset = l.offset ?? at;
    ph.writeUInt32LE(1, p);
    ph.writeUInt32LE(6, p + 4);
    ph.writeBigUInt64LE(BigInt(offset), p + 8);
    ph.writeBigUInt64LE(l.vaddr, p + 16);
    ph.writeBigUInt64LE(BigInt(l.paddr), p + 24);
    ph.writeBigUInt64LE(BigInt(l.data.length), p + 32);
    ph.writeBigUInt64LE(BigInt(l.memsz ?? l.data.length), p + 40);
    body.push({ offset, data: l.data });
    if (l.offset === undefined) at += l.data.length;
  });
  const size = Math.max(at, ...body.map((b) => b.offset + b.data.length));
  const out = Buffer.alloc(size);
  eh.copy(out, 0);
  ph.copy(out, 64);
  notes.copy(out, notesAt);
  for (const b of body) b.data.copy(out, b.offset);
  return out;
}

/** a page whose every 8-byte word is `tag` * 2^32 + page index: recognisable and not zero */
export function taggedPage(tag: number, index: number): Buffer {
  const p = Buffer.alloc(4096);
  for (let w = 0; w < 512; w++) p.writeBigUInt64LE((BigInt(tag) << 32n) | BigInt(index), w * 8);
  return p;
}

/** x86_64 NT_PRSTATUS descriptor (336 bytes) with pr_pid */
export function prstatus(pid: number): Buffer {
  const d = Buffer.alloc(336);
  d.writeInt32LE(pid, 32);
  return d;
}
