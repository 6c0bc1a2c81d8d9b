/**
 * Where page number n (in delivery order) lives in a source, for sources that deliver pages in
 * runs of evenly spaced positions (file offsets, PFNs, descriptor indexes): one entry per run, so
 * readPage() can find any delivered page again with a binary search. Memory grows with the number
 * of runs, not of pages.
 */
export class OrdinalMap {
  private runOrdinal: number[] = [];
  private runPosition: number[] = [];
  private nextOrdinal = 0;
  private nextPosition = -1;

  constructor(readonly stride: number) {}

  /** Notes that the next delivered page (ordinal = pages so far) is at `position`. */
  push(position: number): void {
    if (position !== this.nextPosition) {
      this.runOrdinal.push(this.nextOrdinal);
      this.runPosition.push(position);
    }
    this.nextOrdinal++;
    this.nextPosition = position + this.stride;
  }

  get pages(): number {
    return this.nextOrdinal;
  }

  get runs(): number {
    return this.runOrdinal.length;
  }

  position(ordinal: number): number {
    if (ordinal < 0 || ordinal >= this.nextOrdinal) throw new RangeError(`page ${ordinal} was not delivered`);
    const ords = this.runOrdinal;
    let lo = 0;
    let hi = ords.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ords[mid] <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return this.runPosition[lo] + (ordinal - ords[lo]) * this.stride;
  }
}
