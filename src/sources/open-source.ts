/** Opens an input and picks its reader from its content (never from its name). */
import { CaptureSource, isCapture } from './capture-reader.js';
import { elfReader } from './elf/elf-reader.js';
import { DETECT_BYTES, type FormatReader } from './format-reader.js';
import { InputFile } from './input-file.js';
import { flattenedReader } from './kdump/flattened-reader.js';
import { kdumpReader } from './kdump/kdump-reader.js';
import type { PageSource } from './page-source.js';
import { RawSource } from './raw.js';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from './source-options.js';

const captureReader: FormatReader = {
  name: 'capture',
  detect: isCapture,
  open: (file) => new CaptureSource(file),
};

const rawReader: FormatReader = {
  name: 'raw',
  detect: () => true,
  open: (file) => new RawSource(file),
};

/** in detection order; raw pages are what is left */
export const FORMAT_READERS: readonly FormatReader[] = [captureReader, elfReader, kdumpReader, flattenedReader, rawReader];

export const INPUT_FORMATS = ['auto', ...FORMAT_READERS.map((r) => r.name)] as const;
export type InputFormat = string;

export function openSource(path: string, format: InputFormat, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): PageSource {
  const file = InputFile.open(path);
  try {
    let reader = FORMAT_READERS.find((r) => r.name === format);
    if (!reader) {
      const head = Buffer.alloc(Math.min(DETECT_BYTES, file.size));
      file.readExactly(head, 0, head.length, 0, 'file header');
      reader = FORMAT_READERS.find((r) => r.detect(head))!;
    }
    return reader.open(file, options);
  } catch (e) {
    file.close();
    throw e;
  }
}
