/**
 * The page keys a recording writes, apart from the identities page-identity.ts follows.
 *
 * A reader hands keys out in order: a key's first record is its APPEAR, and the first new key
 * of a file is 0, the next 1 … (timeline.ts: keys are dense). The walk gives an identity to
 * every page it finds, also to pages no record is written for: first seen swapped out (content
 * not readable without swapping it in), unreadable, split off in the middle of a sample. So the
 * recorded key is given only when the APPEAR record is written: the lowest key gone in an
 * earlier sample, else the next new one. GONE frees it for the next sample on.
 */
export class RecordKeys {
  /** recorded key of each identity, -1: never announced */
  private recorded = new Int32Array(1024).fill(-1);
  /** keys 0 … limit - 1 have been written */
  limit = 0;
  /** keys gone in earlier samples (reusable, lowest last), and in this one */
  private free: number[] = [];
  private freeNext: number[] = [];

  /** the recorded key of identity `id`, -1 when it has none */
  of(id: number): number {
    return id < this.recorded.length ? this.recorded[id] : -1;
  }

  /** A key for identity `id`, whose APPEAR record is written now. */
  announce(id: number): number {
    if (id >= this.recorded.length) {
      const b = new Int32Array(Math.max(id + 1, this.recorded.length * 2)).fill(-1);
      b.set(this.recorded);
      this.recorded = b;
    }
    if (this.recorded[id] >= 0) throw new Error(`page identity ${id} announced twice (key ${this.recorded[id]})`);
    const key = this.free.length ? this.free.pop()! : this.limit++;
    this.recorded[id] = key;
    return key;
  }

  /** Identity `id` is gone: its recorded key (-1: it had none, nothing to write), reusable from the next sample on. */
  retire(id: number): number {
    const key = this.of(id);
    if (key < 0) return -1;
    this.recorded[id] = -1;
    this.freeNext.push(key);
    return key;
  }

  /** Ends the sample. */
  finish(): void {
    if (!this.freeNext.length) return;
    this.free.push(...this.freeNext);
    this.free.sort((a, b) => b - a);
    this.freeNext = [];
  }
}
