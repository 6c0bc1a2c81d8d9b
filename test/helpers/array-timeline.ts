/** Timelines built in memory for replay tests: samples of page events with contents and idle ages. */
import { PAGE_SIZE } from '../../src/model/kernel.js';
import { carriesContent, IDLE_UNKNOWN, type EventBatch, type PageEvent, type Timeline, type TimelineInput, type TimelineSample } from '../../src/timeline/timeline.js';
import { Rng } from './random.js';

export interface ArrayEvent {
  key: number;
  event: PageEvent;
  /** APPEAR and CHANGE: the page */
  page?: Buffer;
}

export interface ArraySample {
  time: number;
  events: ArrayEvent[];
  /** idle age per key (IDLE_UNKNOWN or missing: unknown) */
  ages?: number[];
}

/** A page whose first `random` bytes are pseudo-random and the rest a repeated word: its compressed size grows with `random`. */
export function makePage(seed: number, random: number): Buffer {
  const rng = new Rng(seed * 7919 + 1);
  const page = Buffer.alloc(PAGE_SIZE);
  for (let i = 0; i < random; i++) page[i] = rng.below(256);
  for (let i = (random + 3) & ~3; i < PAGE_SIZE; i += 4) page.writeUInt32LE(Math.imul(seed, 2654435761) >>> 0, i);
  return page;
}

export class ArrayTimeline implements Timeline {
  readonly inputs: readonly TimelineInput[];
  readonly totalBytes = 0;
  readonly bytesRead = 0;
  private sample = -1;
  private at = 0;
  private readonly contents: Buffer[] = [];
  private ages = new Float32Array(0);
  keyLimit = 0;

  constructor(private readonly samples: ArraySample[]) {
    this.inputs = [{ path: 'memory', format: 'test', hasContent: true, idleMethod: 'page_idle', info: {}, totalBytes: 0 }];
  }

  nextSample(): TimelineSample | null {
    if (this.sample + 1 >= this.samples.length) return null;
    this.sample++;
    this.at = 0;
    return { index: this.sample, time: this.samples[this.sample].time };
  }

  read(batch: EventBatch): number {
    const events = this.samples[this.sample].events;
    batch.reset();
    let n = 0;
    while (this.at < events.length && n < batch.capacity) {
      const e = events[this.at++];
      batch.key[n] = e.key;
      batch.event[n] = e.event;
      if (carriesContent(e.event)) {
        e.page!.copy(batch.content, n * PAGE_SIZE);
        this.contents.push(e.page!);
      }
      this.keyLimit = Math.max(this.keyLimit, e.key + 1);
      n++;
    }
    batch.count = n;
    return n;
  }

  idleAges(): Float32Array {
    if (this.ages.length < this.keyLimit) this.ages = new Float32Array(this.keyLimit);
    this.ages.fill(IDLE_UNKNOWN);
    (this.samples[this.sample].ages ?? []).forEach((a, key) => (this.ages[key] = a));
    return this.ages;
  }

  readContent(ordinal: number, dst: Buffer, at: number): void {
    this.contents[ordinal].copy(dst, at);
  }

  close(): void {}
}
