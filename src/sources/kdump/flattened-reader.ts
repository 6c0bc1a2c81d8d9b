/** makedumpfile's flattened format (-F), also what QEMU's kdump dumps are (reader to come). */
import { InputError } from '../../cli/errors.js';
import type { FormatReader } from '../format-reader.js';

const FLATTENED_SIGNATURE = Buffer.from('makedumpfile', 'latin1');

export const flattenedReader: FormatReader = {
  name: 'flattened',
  detect: (head) => head.length >= 12 && head.subarray(0, 12).equals(FLATTENED_SIGNATURE),
  open(file) {
    throw new InputError(file.path, "looks like makedumpfile's flattened format, which this version cannot read yet; use --input-format raw to treat it as plain pages");
  },
};
