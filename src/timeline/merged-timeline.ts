/**
 * Several timelines as one: sample n of the merge is sample n of every input that has one (a
 * shorter input's pages stay as its last sample left them), at the time the first of those
 * inputs gives. Keys are renumbered densely across the inputs (a GONE key is handed out again
 * from the next sample on), so one-sample inputs give keys 0, 1, 2 … input after input.
 */
import { IDLE_UNKNOWN, PAGE_EVENT, type EventBatch, type Timeline, type TimelineInput, type TimelineSample } from './timeline.js';

export class MergedTimeline implements Timeline {
  readonly inputs: readonly TimelineInput[];
  readonly totalBytes: number;
  /** index of each part's first input in `inputs` */
  private readonly inputBase: number[] = [];
  /** global key of each part's local keys */
  private readonly toGlobal: Uint32Array[];
  /** per global key: the part and its local key */
  private owner = new Uint16Array(1024);
  private local = new Uint32Array(1024);
  private limit = 0;
  /** keys free for reuse, and those gone in the current sample (free from the next) */
  private free: number[] = [];
  private goneNow: number[] = [];
  /** parts taking part in the current sample, and the one being read */
  private active: number[] = [];
  private reading = 0;
  private sampleIndex = -1;
  private ages = new Float32Array(0);
  /** content ordinals: runs of (global start, part, local start) */
  private readonly runGlobal: number[] = [];
  private readonly runPart: number[] = [];
  private readonly runLocal: number[] = [];
  private readonly contentSeen: number[];
  private contents = 0;

  constructor(private readonly parts: Timeline[]) {
    if (parts.length > 0xffff) throw new RangeError('too many inputs');
    const inputs: TimelineInput[] = [];
    for (const p of parts) {
      this.inputBase.push(inputs.length);
      inputs.push(...p.inputs);
    }
    this.inputs = inputs;
    this.totalBytes = parts.reduce((a, p) => a + p.totalBytes, 0);
    this.toGlobal = parts.map(() => new Uint32Array(1024));
    this.contentSeen = parts.map(() => 0);
  }

  get keyLimit(): number {
    return this.limit;
  }

  get bytesRead(): number {
    return this.parts.reduce((a, p) => a + p.bytesRead, 0);
  }

  nextSample(): TimelineSample | null {
    this.free.push(...this.goneNow);
    this.goneNow = [];
    const samples: (TimelineSample | null)[] = [];
    const active: number[] = [];
    this.parts.forEach((p, i) => {
      if (this.sampleIndex >= 0 && !this.active.includes(i)) return; // ended before
      const s = p.nextSample();
      samples.push(s);
      if (s) active.push(i);
    });
    this.active = active;
    this.reading = 0;
    if (active.length === 0) return null;
    this.sampleIndex++;
    const time = samples.find((s) => s !== null)!.time;
    return { index: this.sampleIndex, time };
  }

  read(batch: EventBatch): number {
    while (this.reading < this.active.length) {
      const part = this.active[this.reading];
      const n = this.parts[part].read(batch);
      if (n > 0) {
        this.remap(batch, part, n);
        return n;
      }
      this.reading++;
    }
    batch.reset();
    return 0;
  }

  private remap(batch: EventBatch, part: number, n: number): void {
    let contents = 0;
    for (let i = 0; i < n; i++) {
      const local = batch.key[i];
      const event = batch.event[i];
      let g: number;
      if (event === PAGE_EVENT.APPEAR) {
        g = this.free.length ? this.free.pop()! : this.limit++;
        this.ensure(g + 1);
        this.owner[g] = part;
        this.local[g] = local;
        this.setGlobal(part, local, g);
      } else {
        g = this.toGlobal[part][local];
        if (event === PAGE_EVENT.GONE) this.goneNow.push(g);
      }
      if (event === PAGE_EVENT.APPEAR || event === PAGE_EVENT.CHANGE) contents++;
      batch.key[i] = g;
    }
    batch.input += this.inputBase[part];
    if (contents > 0) {
      const last = this.runPart.length - 1;
      const continues = last >= 0 && this.runPart[last] === part && this.runLocal[last] + (this.contents - this.runGlobal[last]) === this.contentSeen[part];
      if (!continues) {
        this.runGlobal.push(this.contents);
        this.runPart.push(part);
        this.runLocal.push(this.contentSeen[part]);
      }
      this.contents += contents;
      this.contentSeen[part] += contents;
    }
  }

  private setGlobal(part: number, local: number, g: number): void {
    let map = this.toGlobal[part];
    if (local >= map.length) {
      const next = new Uint32Array(Math.max(local + 1, map.length * 2));
      next.set(map);
      this.toGlobal[part] = map = next;
    }
    map[local] = g;
  }

  private ensure(n: number): void {
    if (n <= this.owner.length) return;
    const size = Math.max(n, this.owner.length * 2);
    const owner = new Uint16Array(size);
    owner.set(this.owner);
    const local = new Uint32Array(size);
    local.set(this.local);
    this.owner = owner;
    this.local = local;
  }

  idleAges(): Float32Array {
    if (this.ages.length < this.limit) this.ages = new Float32Array(Math.max(this.limit, this.ages.length * 2));
    const partAges = this.parts.map((p, i) => (this.active.includes(i) ? p.idleAges() : null));
    for (let g = 0; g < this.limit; g++) {
      const a = partAges[this.owner[g]];
      this.ages[g] = a ? a[this.local[g]] : IDLE_UNKNOWN;
    }
    return this.ages;
  }

  readContent(ordinal: number, dst: Buffer, at: number): void {
    if (ordinal < 0 || ordinal >= this.contents) throw new RangeError(`content ${ordinal} was not delivered`);
    let lo = 0;
    let hi = this.runGlobal.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runGlobal[mid] <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    this.parts[this.runPart[lo]].readContent(this.runLocal[lo] + ordinal - this.runGlobal[lo], dst, at);
  }

  close(): void {
    for (const p of this.parts) p.close();
  }
}
