/**
 * ELF core files: kernel vmcores (kdump's /proc/vmcore, makedumpfile -E, QEMU
 * dump-guest-memory, virsh dump --memory-only) and process cores (gdb's gcore, kernel core
 * dumps). Which of the two a file is, is read from its notes (elf-notes.ts), never its name.
 */
import type { FormatReader } from '../format-reader.js';
import type { ByteSource } from '../input-file.js';
import type { PageSource } from '../page-source.js';
import type { SourceOptions } from '../source-options.js';
import { ELF_MAGIC, readElfCore } from './elf-format.js';
import { readCoreNotes } from './elf-notes.js';
import { ProcessCoreSource } from './process-core-source.js';
import { VmcoreSource } from './vmcore-source.js';

export function openElf(file: ByteSource, options: SourceOptions): PageSource {
  const core = readElfCore(file);
  const notes = readCoreNotes(file.path, core);
  return notes.kind === 'vmcore' ? new VmcoreSource(file, core, notes, options) : new ProcessCoreSource(file, core, notes, options);
}

export const elfReader: FormatReader = {
  name: 'elf',
  detect: (head) => head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC),
  open: openElf,
};
