/**
 * Opens inputs as one timeline, each input's format detected from its content as openSource
 * does: our captures and traces are read as the timelines they hold, every other input as a
 * timeline of one sample; several inputs are merged sample by sample.
 */
import { CaptureTimeline, isCapture } from '../sources/capture-reader.js';
import { DETECT_BYTES } from '../sources/format-reader.js';
import { InputFile } from '../sources/input-file.js';
import { openSource, type InputFormat } from '../sources/open-source.js';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from '../sources/source-options.js';
import { MergedTimeline } from './merged-timeline.js';
import { SnapshotTimeline } from './snapshot-timeline.js';
import type { Timeline } from './timeline.js';

export function openTimeline(paths: string[], format: InputFormat, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): Timeline {
  const parts: Timeline[] = [];
  try {
    for (const p of paths) parts.push(openOne(p, format, options));
  } catch (e) {
    for (const t of parts) t.close();
    throw e;
  }
  return parts.length === 1 ? parts[0] : new MergedTimeline(parts);
}

function openOne(path: string, format: InputFormat, options: SourceOptions): Timeline {
  if (format === 'capture' || (format === 'auto' && looksLikeCapture(path))) {
    const file = InputFile.open(path);
    try {
      return new CaptureTimeline(file);
    } catch (e) {
      file.close();
      throw e;
    }
  }
  return new SnapshotTimeline([openSource(path, format, options)]);
}

function looksLikeCapture(path: string): boolean {
  const file = InputFile.open(path);
  try {
    const head = Buffer.alloc(Math.min(DETECT_BYTES, file.size));
    file.readExactly(head, 0, head.length, 0, 'file header');
    return isCapture(head);
  } finally {
    file.close();
  }
}
