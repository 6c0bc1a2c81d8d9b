/**
 * Opens inputs as one timeline, each input's format detected from its content as openSource
 * does: our captures and traces are read as the timelines they hold, every other input as a
 * timeline of one sample; several inputs are merged sample by sample.
 */
import { CaptureTimeline, isCapture } from '../sources/capture-reader.js';
import { DETECT_BYTES } from '../sources/format-reader.js';
import { InputFile, type ByteSource } from '../sources/input-file.js';
import { openSource, type InputFormat } from '../sources/open-source.js';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from '../sources/source-options.js';
import { MergedTimeline } from './merged-timeline.js';
import { SnapshotTimeline } from './snapshot-timeline.js';
import type { Timeline } from './timeline.js';

/** Inputs are regular files by path, or bytes already opened (see openInput()); all are closed on failure. */
export function openTimeline(inputs: (string | ByteSource)[], format: InputFormat, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): Timeline {
  const parts: Timeline[] = [];
  let i = 0;
  try {
    for (; i < inputs.length; i++) parts.push(openOne(inputs[i], format, options));
  } catch (e) {
    for (const t of parts) t.close();
    for (const rest of inputs.slice(i + 1)) if (typeof rest !== 'string') rest.close();
    throw e;
  }
  return parts.length === 1 ? parts[0] : new MergedTimeline(parts);
}

function openOne(input: string | ByteSource, format: InputFormat, options: SourceOptions): Timeline {
  const file = typeof input === 'string' ? InputFile.open(input) : input;
  try {
    if (format === 'capture' || (format === 'auto' && looksLikeCapture(file))) return new CaptureTimeline(file);
  } catch (e) {
    file.close();
    throw e;
  }
  return new SnapshotTimeline([openSource(file, format, options)]);
}

/** whether a file starts like our capture format (inspect asks too) */
export function looksLikeCapture(file: ByteSource): boolean {
  const head = Buffer.alloc(Math.min(DETECT_BYTES, file.size));
  file.readExactly(head, 0, head.length, 0, 'file header');
  return isCapture(head);
}
