/**
 * A recording: samples of the targets' memory written as one capture file. Each sample walks the
 * targets (target-walk.ts), names every page by its key (page-identity.ts), learns which pages
 * were used since the previous sample (idle-tracking.ts: bits read before any content is read),
 * reads the contents of the pages in memory, and writes only what changed: new and changed
 * pages (content or digest), pages gone, swapped out or back in, and the accessed bits. Then it
 * marks the pages for the next sample (idle bits set, or soft-dirty cleared).
 */
import { fingerprint128 } from '../hash/page-hash.js';
import { PAGE_SIZE } from '../model/kernel.js';
import { PageDigester } from '../replay/digest.js';
import { isZeroFilled } from '../replay/zero-page.js';
import type { CaptureWriter } from '../sources/capture-writer.js';
import { NO_PFN, PageBatch, PAGE_FLAG } from '../sources/page-batch.js';
import { PAGE_EVENT, type IdleMethod } from '../timeline/timeline.js';
import { nextTurn } from '../util/next-turn.js';
import { clearSoftDirty, PageIdleBitmap } from './idle-tracking.js';
import { KcoreReader, ProcMemReader } from './page-content.js';
import type { PhysPageInfo } from './page-info.js';
import { KEY, LOC, PageIdentity, SampleWalk } from './page-identity.js';
import { RecordKeys } from './record-keys.js';
import { ProcessTable, TargetWalker, type TargetProcess } from './target-walk.js';

export interface RecordingOptions {
  shmem: boolean;
  havePfn: boolean;
  phys: PhysPageInfo | null;
  kcore: KcoreReader | null;
  hashOnly: boolean;
  idleMethod: IdleMethod;
  warn: (message: string) => void;
  onProgress?: () => void;
}

/** What one sample saw and wrote (the SAMPLE_SUMMARY record). */
export interface SampleFigures {
  index: number;
  time: number;
  /** processes walked, and those found gone since the previous sample */
  processes: number;
  exited: number[];
  /** virtual pages in scope, in memory and swapped out */
  present: number;
  swapped: number;
  /** live pages (keys) after the sample */
  pages: number;
  appear: number;
  change: number;
  gone: number;
  swapped_out: number;
  swapped_in: number;
  /** pages whose accessed bit was set (idle method page_idle or soft_dirty) */
  accessed: number;
  unreadable: number;
  /** frames mapped by more than one virtual page in scope, and those virtual pages */
  shared_pages: number;
  shared_references: number;
  duration_ms: number;
}

/** Tests of pages that go between the walk and the reading of contents need the sample to linger there. */
function testReadPause(): void {
  const ms = Number(process.env.ZSWAP_DEDUP_TEST_READ_PAUSE_MS ?? 0);
  if (!(ms > 0)) return;
  process.stderr.write('test pause: walked, contents not read yet\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class Recording {
  readonly processes = new ProcessTable();
  readonly samples: SampleFigures[] = [];
  /** page records written */
  pages = 0;
  private readonly walk = new SampleWalk();
  private readonly identity = new PageIdentity();
  /** the keys written: an identity gets one with its first page record */
  private readonly keys = new RecordKeys();
  private readonly walker: TargetWalker;
  private readonly batch = new PageBatch(1);
  private readonly words: Uint32Array;
  private readonly fp = new Uint32Array(4);
  private readonly digester: PageDigester | null;
  private readonly idleBitmap: PageIdleBitmap | null;
  /** processes walked in the previous sample */
  private lastWalked = new Set<TargetProcess>();
  /** events without content of the sample in hand */
  private readonly events = { gone: [] as number[], swapped: [] as number[], swappedIn: [] as number[] };
  private accessed = new Uint8Array(0);
  private accessedKeys = new Uint8Array(0);
  private mem: { proc: number; reader: ProcMemReader | null } = { proc: -1, reader: null };

  constructor(
    private readonly writer: CaptureWriter,
    private readonly opts: RecordingOptions,
  ) {
    this.walker = new TargetWalker(this.walk, {
      shmem: opts.shmem,
      havePfn: opts.havePfn,
      phys: opts.phys,
      softDirty: opts.idleMethod === 'soft_dirty',
      idleFrames: opts.idleMethod === 'page_idle',
      addMapping: (m) => writer.addMapping(m),
      warn: opts.warn,
      onProgress: opts.onProgress,
    });
    this.words = new Uint32Array(this.batch.content.buffer, this.batch.content.byteOffset, PAGE_SIZE / 4);
    this.digester = opts.hashOnly ? new PageDigester() : null;
    this.idleBitmap = opts.idleMethod === 'page_idle' ? PageIdleBitmap.open() : null;
  }

  /** One sample of the processes with these PIDs, `time` seconds after the first. */
  async sample(pids: number[], time: number): Promise<SampleFigures> {
    const started = Date.now();
    const index = this.samples.length;
    const fig: SampleFigures = { index, time, processes: 0, exited: [], present: 0, swapped: 0, pages: 0, appear: 0, change: 0, gone: 0, swapped_out: 0, swapped_in: 0, accessed: 0, unreadable: 0, shared_pages: 0, shared_references: 0, duration_ms: 0 };
    this.writer.beginSample(time);
    const walked = await this.walkTargets(pids, index);
    for (const p of this.lastWalked) if (!walked.has(p)) (p.stats.exited = true), fig.exited.push(p.pid);
    fig.processes = walked.size;
    this.identity.resolve(this.walk, index);
    this.countShared(fig);
    const accessedKnown = index > 0 && this.opts.idleMethod !== 'none';
    if (accessedKnown) this.findAccessed();
    testReadPause();
    await this.readPages(fig);
    this.findGone(fig);
    this.writeEvents(fig, accessedKnown);
    this.markForNext(walked, index);
    this.identity.finish(this.walk);
    this.keys.finish();
    fig.pages = this.identity.alive;
    fig.duration_ms = Date.now() - started;
    this.writer.addSampleSummary(fig);
    this.samples.push(fig);
    this.lastWalked = walked;
    return fig;
  }

  private async walkTargets(pids: number[], index: number): Promise<Set<TargetProcess>> {
    this.walk.reset();
    const walked = new Set<TargetProcess>();
    for (const pid of pids) {
      const p = this.processes.find(pid, index);
      if (!p) continue;
      await this.walker.walkProcess(p, index);
      if (!p.stats.exited) walked.add(p);
    }
    return walked;
  }

  /** Frames that more than one virtual page maps (counted once in the recording). */
  private countShared(fig: SampleFigures): void {
    const walk = this.walk;
    const refs = new Uint32Array(this.identity.limit);
    for (let i = 0; i < walk.count; i++) if (walk.key[i] >= 0 && walk.kind[i] === LOC.FRAME) refs[walk.key[i]]++;
    for (const r of refs) {
      if (r > 1) {
        fig.shared_pages++;
        fig.shared_references += r;
      }
    }
  }

  /**
   * Which live pages were used since the previous sample, before any content is read:
   * page_idle — the idle bit of the frame marked then, if the page is still there (a page on
   * another frame counts as used); soft_dirty — a written mapping, or no mapping known clean.
   */
  private findAccessed(): void {
    const id = this.identity;
    const walk = this.walk;
    if (this.accessed.length < Math.ceil(id.limit / 8)) this.accessed = new Uint8Array(Math.ceil(id.limit / 8) * 2);
    this.accessed.fill(0);
    const set = (k: number) => (this.accessed[k >> 3] |= 1 << (k & 7));
    if (this.opts.idleMethod === 'page_idle') {
      const frames: number[] = [];
      for (let k = 0; k < id.limit; k++) {
        if (!id.found(k) || id.state[k] !== KEY.PRESENT) continue;
        const i = id.primary[k];
        if (walk.kind[i] === LOC.FRAME && walk.idleFrame[i] === id.markedFrame[k]) frames.push(walk.idleFrame[i]);
        else if (walk.kind[i] !== LOC.SWAP) set(k);
      }
      const sorted = Float64Array.from(new Set(frames)).sort();
      const idle = new Uint8Array(sorted.length);
      this.idleBitmap!.read(sorted, sorted.length, idle);
      const idleFrames = new Set<number>();
      sorted.forEach((f, j) => idle[j] && idleFrames.add(f));
      for (let k = 0; k < id.limit; k++) {
        if (!id.found(k) || id.state[k] !== KEY.PRESENT) continue;
        const i = id.primary[k];
        if (walk.kind[i] === LOC.FRAME && walk.idleFrame[i] === id.markedFrame[k] && !idleFrames.has(walk.idleFrame[i])) set(k);
      }
    } else {
      const dirty = new Uint8Array(id.limit);
      for (let i = 0; i < walk.count; i++) {
        const k = walk.key[i];
        if (k >= 0) dirty[k] |= walk.softDirty[i] === 0 ? 1 : walk.softDirty[i] === 1 ? 2 : 4;
      }
      // written through some mapping, or not one mapping known clean
      for (let k = 0; k < id.limit; k++) if (id.found(k) && (dirty[k] & 2 || !(dirty[k] & 1))) set(k);
    }
  }

  /** Contents of the pages in memory: new, changed, back from swap; and the pages swapped out. */
  private async readPages(fig: SampleFigures): Promise<void> {
    const id = this.identity;
    const walk = this.walk;
    let reads = 0;
    for (let i = 0; i < walk.count; i++) {
      const k = walk.key[i];
      if (k < 0) continue;
      const proc = this.processes.all[walk.proc[i]];
      if (walk.kind[i] === LOC.SWAP) fig.swapped++;
      else if (walk.kind[i] !== LOC.TRANSIT) fig.present++;
      if (id.primary[k] !== i) {
        if (walk.kind[i] === LOC.FRAME) proc.stats.already_captured++;
        continue;
      }
      const prev = id.state[k];
      switch (walk.kind[i]) {
        case LOC.TRANSIT:
          continue;
        case LOC.SWAP:
          if (prev === KEY.PRESENT) {
            this.events.swapped.push(this.keys.of(k));
            id.state[k] = KEY.SWAPPED;
          } else if (prev === KEY.NEW) id.state[k] = KEY.HIDDEN;
          continue;
      }
      if (!this.readContent(proc, walk.loc[i], walk.vpage[i] * PAGE_SIZE, walk.kind[i] === LOC.FRAME)) {
        proc.stats.unreadable++;
        fig.unreadable++;
        if (prev === KEY.NEW) id.release(k);
        continue;
      }
      fingerprint128(this.batch.content, 0, this.fp, 0);
      const same = this.fp[0] === id.fingerprint[4 * k] && this.fp[1] === id.fingerprint[4 * k + 1] && this.fp[2] === id.fingerprint[4 * k + 2] && this.fp[3] === id.fingerprint[4 * k + 3];
      let key = k;
      let event: number;
      if (prev === KEY.NEW || prev === KEY.HIDDEN) event = PAGE_EVENT.APPEAR;
      else if (id.tentative[k] && !same) {
        const gone = this.keys.retire(k);
        if (gone >= 0) this.events.gone.push(gone);
        key = id.split(k);
        event = PAGE_EVENT.APPEAR;
      } else if (prev === KEY.SWAPPED) {
        event = same ? PAGE_EVENT.SWAPPED_IN : PAGE_EVENT.CHANGE;
      } else event = same ? 0 : PAGE_EVENT.CHANGE;
      id.state[key] = KEY.PRESENT;
      id.fingerprint.set(this.fp, 4 * key);
      if (event === PAGE_EVENT.SWAPPED_IN) this.events.swappedIn.push(this.keys.of(key));
      else if (event !== 0) {
        this.writePage(i, key, event, proc);
        if (event === PAGE_EVENT.APPEAR) fig.appear++;
        else fig.change++;
      }
      if ((++reads & 255) === 0) {
        this.opts.onProgress?.();
        await nextTurn();
      }
    }
    this.mem.reader?.close();
    this.mem = { proc: -1, reader: null };
  }

  /** The page's content into the batch: /proc/kcore by frame, else /proc/PID/mem at its address. */
  private readContent(proc: TargetProcess, frame: number, vaddr: number, haveFrame: boolean): boolean {
    const kcore = this.opts.kcore;
    if (kcore && haveFrame && kcore.read(frame, this.batch.content, 0)) {
      proc.stats.from_kcore++;
      return true;
    }
    if (this.mem.proc !== proc.index) {
      this.mem.reader?.close();
      this.mem = { proc: proc.index, reader: ProcMemReader.open(proc.pid) };
    }
    if (this.mem.reader?.read(vaddr, this.batch.content, 0)) {
      proc.stats.from_pid_mem++;
      return true;
    }
    return false;
  }

  /** the page in the batch, as a page record or (hash-only) a digest record, of identity `id` */
  private writePage(i: number, id: number, event: number, proc: TargetProcess): void {
    const walk = this.walk;
    const key = event === PAGE_EVENT.APPEAR ? this.keys.announce(id) : this.keys.of(id);
    const frame = walk.kind[i] === LOC.FRAME ? walk.loc[i] : NO_PFN;
    const mapcount = this.opts.phys && frame !== NO_PFN ? this.opts.phys.mapcount(frame) : 0;
    const info = { pfn: frame, vaddr: walk.vpage[i] * PAGE_SIZE, flags: walk.flags[i], mapping: walk.mapping[i], mapcount, key, event };
    // the stored counts are of the page as read (from_kcore/from_pid_mem counted it already)
    proc.stats.captured++;
    this.pages++;
    if (!this.digester) {
      this.writer.addPage(this.batch.content, 0, info);
      return;
    }
    if (isZeroFilled(this.words, 0)) info.flags |= PAGE_FLAG.ZERO_FILLED;
    else this.digester.digest(this.batch, 0);
    this.writer.addDigest(this.batch, 0, info);
  }

  /** Live pages no virtual page holds any more. */
  private findGone(fig: SampleFigures): void {
    const id = this.identity;
    for (let k = 0; k < id.limit; k++) {
      const s = id.state[k];
      if (s === KEY.FREE || s === KEY.NEW || id.found(k)) continue;
      if (s === KEY.HIDDEN) id.release(k);
      else {
        const gone = this.keys.retire(k);
        if (gone >= 0) this.events.gone.push(gone);
        id.retire(k);
      }
    }
    fig.gone = this.events.gone.length;
  }

  private writeEvents(fig: SampleFigures, accessedKnown: boolean): void {
    const { gone, swapped, swappedIn } = this.events;
    if (gone.length) this.writer.addEvents(PAGE_EVENT.GONE, Uint32Array.from(gone), gone.length);
    if (swapped.length) this.writer.addEvents(PAGE_EVENT.SWAPPED, Uint32Array.from(swapped), swapped.length);
    if (swappedIn.length) this.writer.addEvents(PAGE_EVENT.SWAPPED_IN, Uint32Array.from(swappedIn), swappedIn.length);
    fig.swapped_out = swapped.length;
    fig.swapped_in = swappedIn.length;
    gone.length = swapped.length = swappedIn.length = 0;
    if (!accessedKnown) return;
    // only the live, announced pages found in this sample keep their bit, under their recorded key
    const id = this.identity;
    const keys = this.keys.limit;
    if (this.accessedKeys.length < Math.ceil(keys / 8)) this.accessedKeys = new Uint8Array(Math.ceil(keys / 8) * 2);
    this.accessedKeys.fill(0);
    for (let k = 0; k < id.limit; k++) {
      const bitSet = (this.accessed[k >> 3] & (1 << (k & 7))) !== 0;
      if (!bitSet || (id.state[k] !== KEY.PRESENT && id.state[k] !== KEY.SWAPPED)) continue;
      const r = this.keys.of(k);
      if (r < 0) continue;
      this.accessedKeys[r >> 3] |= 1 << (r & 7);
      fig.accessed++;
    }
    if (fig.accessed > 0) this.writer.addAccess(this.accessedKeys, keys);
  }

  /** page_idle: set the idle bit of every page in memory; soft_dirty: clear the bits of every process walked. */
  private markForNext(walked: Set<TargetProcess>, index: number): void {
    const id = this.identity;
    const walk = this.walk;
    if (this.idleBitmap) {
      const frames: number[] = [];
      for (let k = 0; k < id.limit; k++) {
        id.markedFrame[k] = -1;
        if (!id.found(k) || id.state[k] !== KEY.PRESENT) continue;
        const i = id.primary[k];
        if (walk.kind[i] !== LOC.FRAME || walk.idleFrame[i] < 0) continue;
        id.markedFrame[k] = walk.idleFrame[i];
        frames.push(walk.idleFrame[i]);
      }
      const sorted = Float64Array.from(new Set(frames)).sort();
      this.idleBitmap.mark(sorted, sorted.length);
    }
    if (this.opts.idleMethod === 'soft_dirty') {
      for (const p of walked) if (clearSoftDirty(p.pid)) p.clearedAt = index;
    }
  }

  close(): void {
    this.idleBitmap?.close();
    this.mem.reader?.close();
  }
}
