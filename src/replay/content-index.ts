/**
 * The dedup index: every distinct non-zero page content seen so far, found by its whole-page hash
 * and confirmed equal by byte comparison (or, without verification, by a 128-bit fingerprint).
 * A compact open-addressing table over typed arrays: per distinct content 8 bytes of hash,
 * 4 of page ordinal, 4 of page count, 2 per compressor of compressed length (16 more of
 * fingerprint without byte verification), and 5–11 bytes of slots; 4 more once two contents
 * share the low word of their hash.
 *
 * A content's slot is chosen by the low word of its hash alone, so that contents sharing a low
 * word lie on one probe path in the order they were added: the first of them a new content passes
 * is the first content with that low word, the dedup series' 32-bit key (lowWordGroupOf()), found
 * without a second table.
 */
import { PAGE_SIZE } from '../model/kernel.js';

const MAX_LOAD = 0.75;
/** per-content arrays grow by half, not double, to keep slack small */
const GROWTH = 1.5;

/** Reads the page with global ordinal `ordinal` into dst[at, at + PAGE_SIZE). */
export type ReadStoredPage = (ordinal: number, dst: Buffer, at: number) => void;

export class ContentIndex {
  /** number of distinct contents; ids are 0..count-1 in order of first appearance */
  count = 0;
  hashLo: Uint32Array;
  hashHi: Uint32Array;
  /** global ordinal of the first page with this content (to read it again) */
  ordinal: Uint32Array;
  /** pages replayed with this content */
  pages: Uint32Array;
  /** compressed length or -errno, `compressors` entries per content */
  lengths: Int16Array;
  /** fingerprint identity (4 words per content) when not verifying bytes */
  fingerprint: Uint32Array | null;
  private slots: Int32Array;
  private mask: number;
  private readonly scratch = Buffer.allocUnsafeSlow(PAGE_SIZE);

  /** lookups that found an entry with an equal hash */
  hashMatches = 0;
  /** of those, entries whose content differed (the kernel would count these as verify failures) */
  hashMismatches = 0;
  /** pairs of distinct contents with equal full hash (Σ C(k, 2) over hash values) */
  collisionPairs = 0;
  lastWasNew = false;
  /**
   * For a content whose hash equals that of contents added before it: the first of them (the
   * head of its hash group). Contents not in it are their own group. Collisions are rare, so a Map.
   */
  private readonly hashGroupHead = new Map<number, number>();
  /**
   * Per content: 1 + the first content whose hash has the same low word, 0 when it is that first
   * content itself. Made at the first such pair (2^32 keys: rare below tens of thousands of contents).
   */
  private lowWordHead: Int32Array | null = null;

  constructor(
    readonly compressors: number,
    readonly verifyBytes: boolean,
    private readonly readStored: ReadStoredPage,
    initial = 1 << 12,
  ) {
    this.hashLo = new Uint32Array(initial);
    this.hashHi = new Uint32Array(initial);
    this.ordinal = new Uint32Array(initial);
    this.pages = new Uint32Array(initial);
    this.lengths = new Int16Array(initial * compressors);
    this.fingerprint = verifyBytes ? null : new Uint32Array(initial * 4);
    this.slots = new Int32Array(initial * 2);
    this.mask = this.slots.length - 1;
  }

  /**
   * Finds the content of page[at, at + PAGE_SIZE) (hash lo/hi, fingerprint fp[fpAt..fpAt+3] when
   * not verifying bytes), or adds it as first seen at page `ordinal`. Returns its id;
   * `lastWasNew` tells which.
   */
  findOrAdd(lo: number, hi: number, page: Buffer | null, at: number, fp: Uint32Array | null, fpAt: number, ordinal: number): number {
    let s = this.slotOf(lo);
    let sameHash = 0;
    let head = -1;
    let lowHead = -1;
    for (;;) {
      const v = this.slots[s];
      if (v === 0) break;
      const id = v - 1;
      if (this.hashLo[id] === lo) {
        if (lowHead < 0) lowHead = id;
        if (this.hashHi[id] === hi) {
          this.hashMatches++;
          if (this.sameContent(id, page, at, fp, fpAt)) {
            this.pages[id]++;
            this.lastWasNew = false;
            return id;
          }
          this.hashMismatches++;
          if (sameHash++ === 0) head = id;
        }
      }
      s = (s + 1) & this.mask;
    }
    this.collisionPairs += sameHash;
    const id = this.add(lo, hi, fp, fpAt, ordinal);
    if (head >= 0) this.hashGroupHead.set(id, this.groupOf(head));
    if (lowHead >= 0) {
      this.lowWordHead ??= new Int32Array(this.hashLo.length);
      this.lowWordHead[id] = lowHead + 1;
    }
    this.slots[s] = id + 1;
    if (this.count > this.slots.length * MAX_LOAD) this.rehash();
    this.lastWasNew = true;
    return id;
  }

  /** The first content added with the same hash value as `id` (id itself when it was the first). */
  groupOf(id: number): number {
    return this.hashGroupHead.get(id) ?? id;
  }

  /** The first content added whose hash has the same low 32 bits as `id`'s (id itself when it was the first). */
  lowWordGroupOf(id: number): number {
    const heads = this.lowWordHead;
    return heads === null || heads[id] === 0 ? id : heads[id] - 1;
  }

  private sameContent(id: number, page: Buffer | null, at: number, fp: Uint32Array | null, fpAt: number): boolean {
    if (!this.verifyBytes) {
      const f = this.fingerprint!;
      const o = id * 4;
      return f[o] === fp![fpAt] && f[o + 1] === fp![fpAt + 1] && f[o + 2] === fp![fpAt + 2] && f[o + 3] === fp![fpAt + 3];
    }
    this.readStored(this.ordinal[id], this.scratch, 0);
    return page!.compare(this.scratch, 0, PAGE_SIZE, at, at + PAGE_SIZE) === 0;
  }

  private add(lo: number, hi: number, fp: Uint32Array | null, fpAt: number, ordinal: number): number {
    const id = this.count;
    if (id === this.hashLo.length) this.grow();
    this.hashLo[id] = lo;
    this.hashHi[id] = hi;
    this.ordinal[id] = ordinal;
    this.pages[id] = 1;
    if (this.fingerprint) this.fingerprint.set(fp!.subarray(fpAt, fpAt + 4), id * 4);
    this.count++;
    return id;
  }

  private slotOf(lo: number): number {
    return (Math.imul(lo, 0x9e3779b1) >>> 7) & this.mask;
  }

  private grow(): void {
    const n = Math.ceil(this.hashLo.length * GROWTH);
    const widen = <T extends Uint32Array | Int32Array | Int16Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.hashLo = widen(this.hashLo, n);
    this.hashHi = widen(this.hashHi, n);
    this.ordinal = widen(this.ordinal, n);
    this.pages = widen(this.pages, n);
    this.lengths = widen(this.lengths, n * this.compressors);
    if (this.fingerprint) this.fingerprint = widen(this.fingerprint, n * 4);
    if (this.lowWordHead) this.lowWordHead = widen(this.lowWordHead, n);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    // in id order, so that contents sharing a low word stay in the order they were added
    for (let id = 0; id < this.count; id++) {
      let s = this.slotOf(this.hashLo[id]);
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = id + 1;
    }
  }

  /** bytes the index occupies (for the benchmark's bytes-per-unique-page figure) */
  get byteLength(): number {
    return (
      this.hashLo.byteLength +
      this.hashHi.byteLength +
      this.ordinal.byteLength +
      this.pages.byteLength +
      this.lengths.byteLength +
      (this.fingerprint?.byteLength ?? 0) +
      (this.lowWordHead?.byteLength ?? 0) +
      this.slots.byteLength
    );
  }
}
