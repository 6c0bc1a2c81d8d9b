/** makedumpfile's kdump-compressed format (reader to come: src/sources/kdump/). */
import { InputError } from '../../cli/errors.js';
import type { FormatReader } from '../format-reader.js';

const KDUMP_SIGNATURE = Buffer.from('KDUMP   ', 'latin1');

export const kdumpReader: FormatReader = {
  name: 'kdump',
  detect: (head) => head.length >= 8 && head.subarray(0, 8).equals(KDUMP_SIGNATURE),
  open(file) {
    throw new InputError(file.path, "looks like a kdump-compressed dump (makedumpfile's format), which this version cannot read yet; use --input-format raw to treat it as plain pages");
  },
};
