/**
 * Reads an input to the end the way analyze does, in-process: every page delivered, the last page
 * of each batch read again and compared, a sample of physical memory read for kernel dumps.
 * 'ok' or 'input-error' (which must name the file in one line); anything else — a crash — is
 * thrown to the caller. The readers' one-line warnings are kept off stderr (long loops).
 */
import { InputError } from '../../src/util/errors.js';
import { PAGE_SIZE } from '../../src/model/kernel.js';
import { openByteSource, openSource } from '../../src/sources/open-source.js';
import { PageBatch } from '../../src/sources/page-batch.js';
import type { PageSource } from '../../src/sources/page-source.js';
import type { PhysicalMemory } from '../../src/sources/physical-memory.js';
import type { SourceOptions } from '../../src/sources/source-options.js';
import { BufferFile } from './buffer-file.js';
import { CaptureTimeline } from '../../src/sources/capture-reader.js';
import { EventBatch } from '../../src/timeline/timeline.js';

export interface DrainResult {
  result: 'ok' | 'input-error';
  pages: number;
  message?: string;
}

const batch = new PageBatch();
const again = Buffer.alloc(PAGE_SIZE);

export interface DrainOptions {
  allPages?: boolean;
  maxPages?: number;
}

export function drain(path: string, opts: DrainOptions = {}): DrainResult {
  return drainWith(path, (options) => openSource(path, 'auto', options), opts);
}

/** drain() of bytes in memory, named `name` in messages */
export function drainBytes(name: string, data: Buffer, opts: DrainOptions = {}): DrainResult {
  return drainWith(name, (options) => openByteSource(new BufferFile(name, data), 'auto', options), opts);
}

function drainWith(path: string, open: (options: SourceOptions) => PageSource, opts: DrainOptions): DrainResult {
  const maxPages = opts.maxPages ?? 1 << 22;
  let pages = 0;
  let src: PageSource | undefined;
  try {
    src = open({ allPages: opts.allPages ?? false, warn: () => {} });
    for (let n = src.read(batch); n > 0; n = src.read(batch)) {
      pages += n;
      if (pages > maxPages) throw new Error(`more than ${maxPages} pages from ${path}`);
      if (src.hasContent) {
        src.readPage(pages - 1, again, 0);
        if (!again.equals(batch.content.subarray((n - 1) * PAGE_SIZE, n * PAGE_SIZE))) throw new Error(`${path}: readPage(${pages - 1}) differs from what read() delivered`);
      }
    }
    const mem = src as unknown as Partial<PhysicalMemory>;
    if (typeof mem.readPhys === 'function') {
      const maxPfn = mem.maxPfn ?? 0;
      const step = Math.max(997, Math.ceil(maxPfn / 1000));
      for (let pfn = 0; pfn < maxPfn; pfn += step) mem.readPhys(pfn * PAGE_SIZE, again, 0, PAGE_SIZE);
    }
    return { result: 'ok', pages };
  } catch (e) {
    if (e instanceof InputError) {
      if (e.file !== path || e.message.includes('\n')) throw new Error(`InputError not naming ${path} in one line: ${e.message}`);
      return { result: 'input-error', pages, message: e.message };
    }
    throw e;
  } finally {
    src?.close();
  }
}

/**
 * Reads a recording over time (our capture format, version 2) the way the replay over time does,
 * in-process: every sample, every event batch, the idle ages after each sample.
 */
export function drainRecordingBytes(name: string, data: Buffer): DrainResult {
  const batch = new EventBatch();
  let events = 0;
  let timeline: CaptureTimeline | undefined;
  try {
    timeline = new CaptureTimeline(new BufferFile(name, data));
    for (let s = timeline.nextSample(); s; s = timeline.nextSample()) {
      for (let n = timeline.read(batch); n > 0; n = timeline.read(batch)) events += n;
      timeline.idleAges();
    }
    return { result: 'ok', pages: events };
  } catch (e) {
    if (e instanceof InputError) {
      if (e.file !== name || e.message.includes('\n')) throw new Error(`InputError not naming ${name} in one line: ${e.message}`);
      return { result: 'input-error', pages: events, message: e.message };
    }
    throw e;
  } finally {
    timeline?.close();
  }
}
