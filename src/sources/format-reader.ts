/** One input format: how to recognise it from its first bytes and how to open it. */
import type { ByteSource } from './input-file.js';
import type { PageSource } from './page-source.js';
import type { SourceOptions } from './source-options.js';

/** bytes of the file handed to detect() (fewer if the file is shorter) */
export const DETECT_BYTES = 4096;

export interface FormatReader {
  readonly name: string;
  /** true when `head` (the file's first bytes) is this format's signature */
  detect(head: Buffer): boolean;
  open(file: ByteSource, options: SourceOptions): PageSource;
}
