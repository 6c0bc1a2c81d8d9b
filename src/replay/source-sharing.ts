/**
 * With several inputs: which contents each input holds, for the per-input breakdown and the
 * sharing matrix (how many pages of input A have a content that input B holds too).
 * Keeps a page count per (content, input): 4 bytes × inputs per distinct content.
 */
export const MAX_SHARING_INPUTS = 16;

export interface SharingReport {
  /** per input: distinct contents, and pages whose content another input also holds */
  inputs: { distinct_contents: number; pages_shared_with_other_inputs: number }[];
  /** pages[a][b]: non-zero pages of input a whose content input b holds (a == b: held more than once in a) */
  pages: number[][];
}

export class SourceSharing {
  private counts: Uint32Array;

  constructor(readonly inputs: number) {
    this.counts = new Uint32Array(1024 * inputs);
  }

  add(input: number, content: number): void {
    const at = content * this.inputs + input;
    if (at >= this.counts.length) {
      const next = new Uint32Array(Math.max(at + this.inputs, Math.ceil(this.counts.length * 1.5)));
      next.set(this.counts);
      this.counts = next;
    }
    this.counts[at]++;
  }

  report(contents: number): SharingReport {
    const s = this.inputs;
    const pages = Array.from({ length: s }, () => new Array<number>(s).fill(0));
    const inputs = Array.from({ length: s }, () => ({ distinct_contents: 0, pages_shared_with_other_inputs: 0 }));
    for (let c = 0; c < contents; c++) {
      const base = c * s;
      let holders = 0;
      for (let b = 0; b < s; b++) if (this.counts[base + b] > 0) holders++;
      for (let a = 0; a < s; a++) {
        const n = this.counts[base + a];
        if (n === 0) continue;
        inputs[a].distinct_contents++;
        if (holders > 1) inputs[a].pages_shared_with_other_inputs += n;
        for (let b = 0; b < s; b++) {
          if (a === b) {
            if (n > 1) pages[a][a] += n;
          } else if (this.counts[base + b] > 0) {
            pages[a][b] += n;
          }
        }
      }
    }
    return { inputs, pages };
  }
}
