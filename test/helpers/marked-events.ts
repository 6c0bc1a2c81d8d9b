/**
 * What a recording says happened to the pages of test/workloads/churn.py: per sample, its events
 * on marked pages (a 16-byte marker "<TAG>-<index>-" over the whole page) as "event TAG" → count,
 * each key followed across samples by the marker its content last carried.
 */
import { PAGE_SIZE } from '../../src/model/kernel.js';
import { openTimeline } from '../../src/timeline/open-timeline.js';
import { EventBatch, PAGE_EVENT, PAGE_EVENT_NAMES, type Timeline } from '../../src/timeline/timeline.js';

/** the tag of a marked page, else null */
export function markerTag(page: Buffer): string | null {
  const head = page.toString('latin1', 0, 16);
  if (!/^[A-Z]{7}-\d{7}-$/.test(head) || !page.equals(Buffer.from(head.repeat(PAGE_SIZE / 16), 'latin1'))) return null;
  return head.slice(0, 7);
}

/** `onSample` runs after each sample's events are read (its idle ages are current then) */
export function markedEventsPerSample(file: string, onSample?: (t: Timeline) => void): Record<string, number>[] {
  const tl = openTimeline([file], 'auto');
  try {
    const batch = new EventBatch();
    const keyTag = new Map<number, string>();
    const perSample: Record<string, number>[] = [];
    for (let s = tl.nextSample(); s; s = tl.nextSample()) {
      const seen: Record<string, number> = {};
      for (let n = tl.read(batch); n > 0; n = tl.read(batch)) {
        for (let i = 0; i < n; i++) {
          const key = batch.key[i];
          const ev = batch.event[i];
          if (ev === PAGE_EVENT.APPEAR || ev === PAGE_EVENT.CHANGE) {
            const tag = markerTag(batch.content.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
            if (tag) keyTag.set(key, tag);
            else keyTag.delete(key);
          }
          const tag = keyTag.get(key);
          if (!tag) continue;
          const label = `${PAGE_EVENT_NAMES[ev as 1]} ${tag}`;
          seen[label] = (seen[label] ?? 0) + 1;
          if (ev === PAGE_EVENT.GONE) keyTag.delete(key);
        }
      }
      onSample?.(tl);
      perSample.push(seen);
    }
    return perSample;
  } finally {
    tl.close();
  }
}
