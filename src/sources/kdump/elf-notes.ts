/** ELF notes (as a kdump file carries the crashed kernel's PT_NOTE contents): find one by name. */
import { withoutTrailingNuls } from '../physical-memory.js';

/**
 * The descriptor of the first note called `name` in buf (64-bit or 32-bit ELF notes have the
 * same layout: namesz, descsz, type, then name and descriptor each padded to 4 bytes), or null.
 * Stops at the first malformed header instead of reading past the buffer.
 */
export function findElfNote(buf: Buffer, name: string): Buffer | null {
  let at = 0;
  while (at + 12 <= buf.length) {
    const namesz = buf.readUInt32LE(at);
    const descsz = buf.readUInt32LE(at + 4);
    const nameAt = at + 12;
    const descAt = nameAt + pad4(namesz);
    const next = descAt + pad4(descsz);
    if (namesz > buf.length || descsz > buf.length || next > buf.length) return null;
    const noteName = buf.toString('latin1', nameAt, withoutTrailingNuls(buf, nameAt, nameAt + namesz));
    if (noteName === name) return buf.subarray(descAt, descAt + descsz);
    if (next === at) return null;
    at = next;
  }
  return null;
}

function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}
