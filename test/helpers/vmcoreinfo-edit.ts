/**
 * Rewrites the VMCOREINFO of a dump in place (same size, so every offset stays valid): the
 * hostile-input tests and the fuzzer use it to make a dump claim what its memory does not hold.
 * Works on ELF vmcores (the VMCOREINFO note) and kdump files (the ELF notes or the sub-header's
 * VMCOREINFO area): the first "VMCOREINFO\0" note name, or else the first "OSRELEASE=" text.
 */

/** where the VMCOREINFO text lives in `buf`: [start, start + size) */
export function findVmcoreinfo(buf: Buffer): { start: number; size: number } | null {
  const name = buf.indexOf('VMCOREINFO\0', 0, 'latin1');
  if (name >= 12) {
    const namesz = buf.readUInt32LE(name - 12);
    const descsz = buf.readUInt32LE(name - 8);
    const start = name + ((namesz + 3) & ~3);
    if (namesz === 11 && start + descsz <= buf.length) return { start, size: descsz };
  }
  const text = buf.indexOf('OSRELEASE=', 0, 'latin1');
  if (text < 0) return null;
  let end = text;
  while (end < buf.length && buf[end] !== 0) end++;
  return { start: text, size: end - text };
}

/** lines the page classifier never reads: dropped first when edits need room */
const EXPENDABLE = /^(SYMBOL\(kallsyms|SYMBOL\(prb|SYMBOL\(printk|SYMBOL\(clear_seq|OFFSET\(prb|OFFSET\(printk|SIZE\(prb|SIZE\(printk|OFFSET\(dev_printk|SIZE\(dev_printk|LENGTH\(printk|BUILD-ID|CRASHTIME)/;

/**
 * A copy of `buf` whose VMCOREINFO has `edits` applied (a value, or null to remove the key; keys
 * not there are added). The text keeps its size: NUL padding, or expendable lines dropped.
 * `tail` replaces what follows the text inside its area (e.g. a long run of NULs and a byte).
 */
export function editVmcoreinfo(buf: Buffer, edits: Record<string, string | null>, tail?: (room: number) => Buffer): Buffer {
  const at = findVmcoreinfo(buf);
  if (!at) throw new Error('no VMCOREINFO in this file');
  let end = at.start + at.size;
  while (end > at.start && buf[end - 1] === 0) end--;
  const text = buf.toString('latin1', at.start, end);
  const lines = text.split('\n').filter(Boolean);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const key = line.slice(0, line.indexOf('='));
    if (key in edits) {
      seen.add(key);
      if (edits[key] !== null) out.push(`${key}=${edits[key]}`);
    } else {
      out.push(line);
    }
  }
  for (const [k, v] of Object.entries(edits)) if (!seen.has(k) && v !== null) out.push(`${k}=${v}`);
  let joined = out.join('\n') + '\n';
  for (let i = out.length - 1; joined.length > at.size && i >= 0; i--) {
    if (EXPENDABLE.test(out[i])) {
      out.splice(i, 1);
      joined = out.join('\n') + '\n';
    }
  }
  if (joined.length > at.size) throw new Error(`edited VMCOREINFO needs ${joined.length} bytes, the area has ${at.size}`);
  const copy = Buffer.from(buf);
  copy.fill(0, at.start, at.start + at.size);
  copy.write(joined, at.start, 'latin1');
  if (tail) {
    const room = at.size - joined.length;
    const t = tail(room);
    t.copy(copy, at.start + joined.length, 0, Math.min(t.length, room));
  }
  return copy;
}
