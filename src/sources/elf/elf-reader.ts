/** ELF kernel vmcores and process core files (reader to come: src/sources/elf/). */
import { InputError } from '../../cli/errors.js';
import type { FormatReader } from '../format-reader.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export const elfReader: FormatReader = {
  name: 'elf',
  detect: (head) => head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC),
  open(file) {
    throw new InputError(file.path, 'looks like an ELF file (vmcore or process core), which this version cannot read yet; use --input-format raw to treat it as plain pages');
  },
};
