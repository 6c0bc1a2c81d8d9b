/** `zswap-dedup convert`: inputs → one capture, or a hash-only trace that carries no page contents. */
import os from 'node:os';
import { PAGE_SIZE } from '../model/kernel.js';
import { PageDigester } from '../replay/digest.js';
import { CaptureSource } from '../sources/capture-reader.js';
import { isZeroFilled } from '../replay/zero-page.js';
import { CaptureWriter } from '../sources/capture-writer.js';
import { openSource, type InputFormat } from '../sources/open-source.js';
import { PageBatch, PAGE_FLAG } from '../sources/page-batch.js';
import type { PageSource } from '../sources/page-source.js';
import { EXIT_OK, InputError } from '../util/errors.js';
import { nextTurn } from '../util/next-turn.js';
import { Progress } from './progress.js';
import { TOOL } from './tool.js';

export interface ConvertFlags {
  output: string;
  hashOnly?: boolean;
  inputFormat: InputFormat;
  progress?: boolean;
}

export async function runConvert(inputs: string[], flags: ConvertFlags): Promise<number> {
  const trace = Boolean(flags.hashOnly);
  const sources: PageSource[] = [];
  let writer: CaptureWriter | null = null;
  try {
    for (const path of inputs) {
      const s = openSource(path, flags.inputFormat);
      sources.push(s);
      if (!s.hasContent && !trace) throw new InputError(path, 'is a hash-only trace: it can only be converted to another trace (--hash-only)');
    }
    const kernelReleases = [...new Set(sources.map((s) => s.info.kernel_release).filter((k) => typeof k === 'string'))];
    writer = new CaptureWriter(flags.output, trace, {
      source: 'convert',
      inputs: sources.map((s) => ({ path: s.path, format: s.format })),
      ...(kernelReleases.length === 1 ? { kernel_release: kernelReleases[0] as string } : {}),
      time: new Date().toISOString(),
      hostname: os.hostname(),
      tool: `${TOOL.name} ${TOOL.version}`,
    });
    const digester = trace ? new PageDigester() : null;
    const batch = new PageBatch();
    const words = new Uint32Array(batch.content.buffer, batch.content.byteOffset, batch.content.length / 4);
    const progress = Progress.auto(flags.progress);
    const total = sources.reduce((a, s) => a + s.totalBytes, 0);
    let done = 0;
    let pages = 0;
    // Mapping records of captures and traces are carried over, their ids shifted so that the
    // inputs' ids stay apart; a page keeps its mapping and map count.
    let idBase = 0;
    for (const source of sources) {
      const mappings = source instanceof CaptureSource ? source.mappings : null;
      let mappingsWritten = 0;
      let maxId = 0;
      for (let n = source.read(batch); n > 0; n = source.read(batch)) {
        for (; mappings && mappingsWritten < mappings.length; mappingsWritten++) {
          const m = mappings[mappingsWritten];
          maxId = Math.max(maxId, m.id);
          writer.addMapping({ ...m, id: m.id + idBase });
        }
        for (let i = 0; i < n; i++) {
          const mapping = mappings && batch.mapping[i] !== 0 ? batch.mapping[i] + idBase : 0;
          const info = { pfn: batch.pfn[i], vaddr: batch.vaddr[i], flags: batch.flags[i], mapping, mapcount: mappings ? batch.mapcount[i] : 0 };
          if (!trace) {
            writer.addPage(batch.content, i * PAGE_SIZE, info);
            continue;
          }
          if (!batch.digestOnly) {
            if (isZeroFilled(words, i * PAGE_SIZE)) info.flags |= PAGE_FLAG.ZERO_FILLED;
            else digester!.digest(batch, i);
          }
          writer.addDigest(batch, i, info);
        }
        pages += n;
        progress.update(done + source.bytesRead, total, pages);
        await nextTurn();
      }
      done += source.totalBytes;
      idBase += maxId;
    }
    progress.done();
    writer.finish();
    writer = null;
    return EXIT_OK;
  } finally {
    writer?.abort();
    for (const s of sources) s.close();
  }
}
