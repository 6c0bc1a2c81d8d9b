/**
 * Every page source (raw pages, one-sample captures and traces, dumps) as a timeline of one
 * sample: all their pages APPEAR at time 0, input after input in the order each holds them,
 * keys 0, 1, 2 … across the inputs, idle age unknown.
 */
import { IDLE_UNKNOWN, PAGE_EVENT, type EventBatch, type Timeline, type TimelineInput, type TimelineSample } from './timeline.js';
import { CaptureSource } from '../sources/capture-reader.js';
import type { PageSource } from '../sources/page-source.js';
import { InputError } from '../util/errors.js';

/** keys are u32 */
const MAX_KEYS = 2 ** 32 - 1;

export class SnapshotTimeline implements Timeline {
  readonly inputs: readonly TimelineInput[];
  readonly totalBytes: number;
  private sample = -1;
  private current = 0;
  private keys = 0;
  /** key (= content ordinal) of each source's first page, filled in as sources are read */
  private readonly first: number[] = [];
  private doneBytes = 0;
  private ages = new Float32Array(0);

  constructor(private readonly sources: PageSource[]) {
    this.inputs = sources.map((s) => ({
      path: s.path,
      format: s.format,
      hasContent: s.hasContent,
      idleMethod: 'none',
      info: s.info,
      totalBytes: s.totalBytes,
      ...(s instanceof CaptureSource ? { mappings: s.mappings } : {}),
    }));
    this.totalBytes = sources.reduce((a, s) => a + s.totalBytes, 0);
  }

  get keyLimit(): number {
    return this.keys;
  }

  get bytesRead(): number {
    const s = this.sources[this.current];
    return this.doneBytes + (s ? s.bytesRead : 0);
  }

  nextSample(): TimelineSample | null {
    if (this.sample >= 0) {
      this.current = this.sources.length;
      return null;
    }
    this.sample = 0;
    return { index: 0, time: 0 };
  }

  read(batch: EventBatch): number {
    if (this.sample < 0) throw new Error('read() before nextSample()');
    while (this.current < this.sources.length) {
      const source = this.sources[this.current];
      if (this.first.length === this.current) this.first.push(this.keys);
      const n = source.read(batch);
      if (n > 0) {
        if (this.keys + n > MAX_KEYS) throw new InputError(source.path, `more than ${MAX_KEYS} pages in all inputs`);
        batch.input = this.current;
        for (let i = 0; i < n; i++) {
          batch.key[i] = this.keys + i;
          batch.event[i] = PAGE_EVENT.APPEAR;
        }
        this.keys += n;
        return n;
      }
      this.doneBytes += source.totalBytes;
      this.current++;
    }
    batch.reset();
    return 0;
  }

  idleAges(): Float32Array {
    if (this.ages.length < this.keys) this.ages = new Float32Array(this.keys).fill(IDLE_UNKNOWN);
    return this.ages;
  }

  readContent(ordinal: number, dst: Buffer, at: number): void {
    let s = this.first.length - 1;
    while (s > 0 && this.first[s] > ordinal) s--;
    if (s < 0 || ordinal >= this.keys) throw new RangeError(`content ${ordinal} was not delivered`);
    this.sources[s].readPage(ordinal - this.first[s], dst, at);
  }

  close(): void {
    for (const s of this.sources) s.close();
  }
}
