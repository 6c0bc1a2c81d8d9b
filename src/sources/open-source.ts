/** Opens an input and picks its reader from its content (never from its name). */
import { CaptureSource, isCapture } from './capture-reader.js';
import { elfReader } from './elf/elf-reader.js';
import { DETECT_BYTES, READER_NAMES, type FormatReader, type ReaderName } from './format-reader.js';
import { InputFile, type ByteSource } from './input-file.js';
import { flattenedReader } from './kdump/flattened-reader.js';
import { kdumpReader } from './kdump/kdump-reader.js';
import type { PageSource } from './page-source.js';
import { RawSource } from './raw.js';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from './source-options.js';

const captureReader: FormatReader = {
  name: 'capture',
  detect: isCapture,
  open: (file, options) => new CaptureSource(file, options.keepMappings ?? true),
};

const rawReader: FormatReader = {
  name: 'raw',
  detect: () => true,
  open: (file) => new RawSource(file),
};

const READERS: Record<ReaderName, FormatReader> = {
  capture: captureReader,
  elf: elfReader,
  kdump: kdumpReader,
  flattened: flattenedReader,
  raw: rawReader,
};

/** in detection order; raw pages are what is left */
export const FORMAT_READERS: readonly FormatReader[] = READER_NAMES.map((n) => READERS[n]);

/** what --input-format accepts: detect from the content, or force one reader */
export const INPUT_FORMATS = ['auto', ...READER_NAMES] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/**
 * Opens the regular file at `path`, or bytes already opened (the CLI opens its inputs with
 * openInput(), which also reads standard input, pipes and compressed files).
 */
export function openSource(input: string | ByteSource, format: InputFormat, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): PageSource {
  return openByteSource(typeof input === 'string' ? InputFile.open(input) : input, format, options);
}

/** The reader for bytes already opened (a file, or bytes held another way); closes them on failure. */
export function openByteSource(file: ByteSource, format: InputFormat, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): PageSource {
  try {
    return readerFor(file, format).open(file, options);
  } catch (e) {
    file.close();
    throw e;
  }
}

function readerFor(file: ByteSource, format: InputFormat): FormatReader {
  if (format !== 'auto') return READERS[format];
  const head = Buffer.alloc(Math.min(DETECT_BYTES, file.size));
  file.readExactly(head, 0, head.length, 0, 'file header');
  return FORMAT_READERS.find((r) => r.detect(head))!;
}
