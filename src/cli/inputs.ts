/** The inputs of a run, opened: each file once, whatever name it is given by. */
import fs from 'node:fs';
import { openSource, type InputFormat } from '../sources/open-source.js';
import type { PageSource } from '../sources/page-source.js';
import type { SourceOptions } from '../sources/source-options.js';
import type { ReportWarning } from '../report/warnings.js';

export interface OpenedInputs {
  sources: PageSource[];
  warnings: ReportWarning[];
}

/**
 * Opens every input; a file named twice (or by two names: a link, ./x and x) is read once, with
 * a warning: read twice, each of its pages would look duplicated and fake a saving.
 */
export async function openInputs(paths: string[], format: InputFormat, options: SourceOptions): Promise<OpenedInputs> {
  const sources: PageSource[] = [];
  const warnings: ReportWarning[] = [];
  const seen = new Map<string, string>();
  try {
    for (const p of paths) {
      const st = fs.statSync(p, { throwIfNoEntry: false });
      const key = st ? `${st.dev}:${st.ino}` : null;
      const first = key ? seen.get(key) : undefined;
      if (first !== undefined) {
        warnings.push({ code: 'duplicate_input', message: `${p} is the same file as ${first}: analyzed once (read twice, every page of it would count as a duplicate)` });
        continue;
      }
      sources.push(openSource(p, format, options));
      if (key) seen.set(key, p);
    }
  } catch (e) {
    for (const s of sources) s.close();
    throw e;
  }
  return { sources, warnings };
}
