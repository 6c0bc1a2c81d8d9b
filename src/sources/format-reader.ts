/** One input format: how to recognise it from its first bytes and how to open it. */
import type { ByteSource } from './input-file.js';
import type { PageSource } from './page-source.js';
import type { SourceOptions } from './source-options.js';

/** the readers --input-format can name, in detection order (raw pages are what is left) */
export const READER_NAMES = ['capture', 'elf', 'kdump', 'flattened', 'raw'] as const;
export type ReaderName = (typeof READER_NAMES)[number];

/** bytes of the file handed to detect() (fewer if the file is shorter) */
export const DETECT_BYTES = 4096;

export interface FormatReader {
  readonly name: ReaderName;
  /** true when `head` (the file's first bytes) is this format's signature */
  detect(head: Buffer): boolean;
  open(file: ByteSource, options: SourceOptions): PageSource;
}
