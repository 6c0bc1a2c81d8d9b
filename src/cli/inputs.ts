/** The inputs of a run, opened: each file once, whatever name it is given by. */
import fs from 'node:fs';
import type { ByteSource } from '../sources/input-file.js';
import { openInput, STDIN_NAME } from '../sources/open-input.js';
import { openSource, type InputFormat } from '../sources/open-source.js';
import type { PageSource } from '../sources/page-source.js';
import type { SourceOptions } from '../sources/source-options.js';
import { InputError } from '../util/errors.js';
import type { ReportWarning } from '../report/warnings.js';

export interface OpenedFiles {
  files: ByteSource[];
  warnings: ReportWarning[];
}

export interface OpenedInputs {
  sources: PageSource[];
  warnings: ReportWarning[];
}

/**
 * Opens every input's bytes (files, standard input, pipes, FIFOs, compressed files); a file
 * named twice (or by two names: a link, ./x and x) is read once, with a warning: read twice,
 * each of its pages would look duplicated and fake a saving.
 */
export async function openInputFiles(paths: string[], format: InputFormat): Promise<OpenedFiles> {
  const files: ByteSource[] = [];
  const warnings: ReportWarning[] = [];
  const seen = new Map<string, string>();
  if (paths.filter((p) => p === '-').length > 1) throw new InputError(null, `'-' (${STDIN_NAME}) can be given once`);
  try {
    for (const p of paths) {
      const st = p === '-' ? undefined : fs.statSync(p, { throwIfNoEntry: false });
      const key = st?.isFile() ? `${st.dev}:${st.ino}` : null;
      const first = key ? seen.get(key) : undefined;
      if (first !== undefined) {
        warnings.push({ code: 'duplicate_input', message: `${p} is the same file as ${first}: analyzed once (read twice, every page of it would count as a duplicate)` });
        continue;
      }
      files.push(await openInput(p, { decompress: format === 'auto' }));
      if (key) seen.set(key, p);
    }
  } catch (e) {
    for (const f of files) f.close();
    throw e;
  }
  return { files, warnings };
}

/** openInputFiles(), each then opened by the reader its content (or --input-format) calls for. */
export async function openInputs(paths: string[], format: InputFormat, options: SourceOptions): Promise<OpenedInputs> {
  const { files, warnings } = await openInputFiles(paths, format);
  const sources: PageSource[] = [];
  let i = 0;
  try {
    for (; i < files.length; i++) sources.push(openSource(files[i], format, options));
  } catch (e) {
    for (const s of sources) s.close();
    for (const f of files.slice(i + 1)) f.close();
    throw e;
  }
  return { sources, warnings };
}
