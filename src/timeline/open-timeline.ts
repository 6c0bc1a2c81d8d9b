/** Opens inputs as one timeline (format of each detected from its content, as openSource does). */
import { openSource, type InputFormat } from '../sources/open-source.js';
import type { PageSource } from '../sources/page-source.js';
import { DEFAULT_SOURCE_OPTIONS, type SourceOptions } from '../sources/source-options.js';
import { SnapshotTimeline } from './snapshot-timeline.js';
import type { Timeline } from './timeline.js';

export function openTimeline(paths: string[], format: InputFormat, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): Timeline {
  const sources: PageSource[] = [];
  try {
    for (const p of paths) sources.push(openSource(p, format, options));
  } catch (e) {
    for (const s of sources) s.close();
    throw e;
  }
  return new SnapshotTimeline(sources);
}
