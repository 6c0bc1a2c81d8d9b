/**
 * What a timeline reader knows about every key: alive or not, in memory or swapped, its last
 * event's sample, since when it has been idle. Checks each event against the rules of
 * timeline.ts and turns the per-sample "accessed" bits into idle ages. Typed arrays, grown
 * with the number of keys.
 */
import { IDLE_UNKNOWN, PAGE_EVENT } from './timeline.js';

/** state 0: never handed out */
const PRESENT = 1;
const SWAPPED = 2;
const DEAD = 3;

export class KeyStates {
  private state = new Uint8Array(1024);
  /** sample of the key's last event (-1: none) */
  private lastEvent = new Int32Array(1024).fill(-1);
  /** time since which the page has not been accessed; NaN until a sample after its appearance */
  private idleSince = new Float64Array(1024);
  private ages = new Float32Array(1024);
  /** accessed bits of the current sample (ACCESS record), by key */
  private accessed: Uint8Array = new Uint8Array(0);
  private accessedKeys = 0;
  /** keys 0 … limit - 1 have been handed out */
  limit = 0;

  /** Applies one event of sample `sample`; returns what is wrong with it, or null. */
  apply(event: number, key: number, sample: number): string | null {
    if (key > this.limit) return `page key ${key} skips keys (next new key is ${this.limit})`;
    if (key === this.limit) {
      if (event !== PAGE_EVENT.APPEAR) return `page key ${key} has never appeared`;
      this.grow(key + 1);
      this.limit++;
    } else if (this.lastEvent[key] === sample) {
      return `page key ${key} has two events in sample ${sample}`;
    }
    const s = this.state[key];
    switch (event) {
      case PAGE_EVENT.APPEAR:
        if (s === PRESENT || s === SWAPPED) return `page key ${key} appears while it is alive`;
        this.state[key] = PRESENT;
        this.idleSince[key] = NaN;
        break;
      case PAGE_EVENT.CHANGE:
        if (s !== PRESENT && s !== SWAPPED) return `page key ${key} changes while it is not alive`;
        this.state[key] = PRESENT;
        break;
      case PAGE_EVENT.GONE:
        if (s !== PRESENT && s !== SWAPPED) return `page key ${key} goes while it is not alive`;
        this.state[key] = DEAD;
        break;
      case PAGE_EVENT.SWAPPED:
        if (s !== PRESENT) return `page key ${key} is swapped out while it is not in memory`;
        this.state[key] = SWAPPED;
        break;
      case PAGE_EVENT.SWAPPED_IN:
        if (s !== SWAPPED) return `page key ${key} is swapped in while it is not swapped out`;
        this.state[key] = PRESENT;
        break;
      default:
        return `unknown page event ${event} for key ${key}`;
    }
    this.lastEvent[key] = sample;
    return null;
  }

  /** The sample's accessed bits (bit k: key k), as an ACCESS record gives them. */
  setAccessed(bits: Uint8Array, keys: number): void {
    this.accessed = bits;
    this.accessedKeys = keys;
  }

  private wasAccessed(key: number): boolean {
    return key < this.accessedKeys && (this.accessed[key >> 3] & (1 << (key & 7))) !== 0;
  }

  /**
   * Ends sample `sample` taken at `time`: per live key, seconds idle (IDLE_UNKNOWN where not
   * known: no idle method, or the sample in which the key appeared). A CHANGE or SWAPPED_IN
   * counts as an access whatever the bits say.
   */
  endSample(sample: number, time: number, known: boolean): Float32Array {
    const { state, lastEvent, idleSince, ages } = this;
    for (let k = 0; k < this.limit; k++) {
      const s = state[k];
      if (s !== PRESENT && s !== SWAPPED) {
        ages[k] = IDLE_UNKNOWN;
        continue;
      }
      if (!known) {
        ages[k] = IDLE_UNKNOWN;
        continue;
      }
      const touched = this.wasAccessed(k) || (lastEvent[k] === sample && s === PRESENT);
      if (Number.isNaN(idleSince[k])) {
        // appeared in this sample: idle tracking starts now
        idleSince[k] = time;
        ages[k] = IDLE_UNKNOWN;
      } else {
        if (touched) idleSince[k] = time;
        ages[k] = time - idleSince[k];
      }
    }
    this.accessedKeys = 0;
    return ages;
  }

  private grow(need: number): void {
    if (need <= this.state.length) return;
    const n = Math.max(need, this.state.length * 2);
    const grow = <T extends Uint8Array | Int32Array | Float64Array | Float32Array>(a: T, make: (n: number) => T, fill?: number): T => {
      const b = make(n);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.state = grow(this.state, (m) => new Uint8Array(m));
    this.lastEvent = grow(this.lastEvent, (m) => new Int32Array(m), -1);
    this.idleSince = grow(this.idleSince, (m) => new Float64Array(m));
    this.ages = grow(this.ages, (m) => new Float32Array(m));
  }
}
