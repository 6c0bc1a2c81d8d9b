/**
 * Reads an input to the end the way analyze does, in-process: every page delivered, a sample of
 * them read again. 'ok' or 'input-error'; anything else (a crash) propagates to the caller.
 */
import { InputError } from '../../src/cli/errors.js';
import { PAGE_SIZE } from '../../src/compress/compressor.js';
import { openSource } from '../../src/sources/open-source.js';
import { PageBatch } from '../../src/sources/page-batch.js';

const batch = new PageBatch();
const page = Buffer.alloc(PAGE_SIZE);

export function drain(path: string, maxPages = 1 << 22): { result: 'ok' | 'input-error'; pages: number; message?: string } {
  let pages = 0;
  try {
    const src = openSource(path, 'auto');
    try {
      for (let n = src.read(batch); n > 0; n = src.read(batch)) {
        pages += n;
        if (pages > maxPages) throw new Error(`more than ${maxPages} pages from a small file`);
      }
      if (src.hasContent) for (let o = 0; o < pages; o += Math.max(1, Math.floor(pages / 7))) src.readPage(o, page, 0);
    } finally {
      src.close();
    }
    return { result: 'ok', pages };
  } catch (e) {
    if (e instanceof InputError) {
      if (!e.message.includes(path) || e.message.includes('\n')) throw new Error(`bad message for ${path}: ${e.message}`);
      return { result: 'input-error', pages, message: e.message };
    }
    throw e;
  }
}
