/** Opens an input and picks its reader from its content (never from its name). */
import { InputError } from '../cli/errors.js';
import { CaptureSource, isCapture } from './capture-reader.js';
import { InputFile } from './input-file.js';
import type { PageSource } from './page-source.js';
import { RawSource } from './raw.js';

export const INPUT_FORMATS = ['auto', 'raw', 'capture'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const KDUMP_MAGIC = Buffer.from('KDUMP   ', 'latin1');
const FLATTENED_MAGIC = Buffer.from('makedumpfile', 'latin1');

/** Formats recognised by signature but not read by this version. */
function unsupportedFormat(head: Buffer): string | null {
  if (head.subarray(0, 4).equals(ELF_MAGIC)) return 'an ELF file (vmcore or process core)';
  if (head.subarray(0, 8).equals(KDUMP_MAGIC)) return "a kdump-compressed dump (makedumpfile's format)";
  if (head.subarray(0, 12).equals(FLATTENED_MAGIC)) return "makedumpfile's flattened format";
  return null;
}

export function openSource(path: string, format: InputFormat): PageSource {
  const file = InputFile.open(path);
  try {
    if (format === 'raw') return new RawSource(file);
    const head = Buffer.alloc(Math.min(64, file.size));
    file.readExactly(head, 0, head.length, 0, 'file header');
    if (format === 'capture' || isCapture(head)) return new CaptureSource(file);
    const other = unsupportedFormat(head);
    if (other) {
      throw new InputError(path, `looks like ${other}, which this version cannot read yet; use --input-format raw to treat it as plain pages`);
    }
    return new RawSource(file);
  } catch (e) {
    file.close();
    throw e;
  }
}
