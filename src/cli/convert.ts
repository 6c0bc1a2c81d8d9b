/**
 * `zswap-dedup convert`: inputs → one capture, or a hash-only trace that carries no page
 * contents. Recordings over time stay recordings over time: every sample and page event is
 * carried over (several inputs are merged sample by sample, as analyze merges them).
 */
import os from 'node:os';
import { PAGE_SIZE } from '../model/kernel.js';
import { PageDigester } from '../replay/digest.js';
import { isZeroFilled } from '../replay/zero-page.js';
import { CaptureTimeline } from '../sources/capture-reader.js';
import { CaptureWriter } from '../sources/capture-writer.js';
import { DigestKey, headerKeyId } from '../sources/digest-key.js';
import type { InputFormat } from '../sources/open-source.js';
import { PAGE_FLAG } from '../sources/page-batch.js';
import { openTimeline } from '../timeline/open-timeline.js';
import { carriesContent, EventBatch, type IdleMethod, type Timeline } from '../timeline/timeline.js';
import { EXIT_OK, InputError } from '../util/errors.js';
import { nextTurn } from '../util/next-turn.js';
import { openInputFiles } from './inputs.js';
import { Progress } from './progress.js';
import { TOOL } from './tool.js';
import { WarningLog } from './warnings.js';

export interface ConvertFlags {
  output: string;
  hashOnly?: boolean;
  keepNames?: boolean;
  /** with hashOnly: key the digests with this file's bytes instead of a random key */
  keyFile?: string;
  inputFormat: InputFormat;
  progress?: boolean;
}

export async function runConvert(inputs: string[], flags: ConvertFlags): Promise<number> {
  const trace = Boolean(flags.hashOnly);
  if (flags.keyFile !== undefined && !trace) throw new InputError(null, '--key-file keys the digests of a trace: it needs --hash-only');
  const key = flags.keyFile === undefined ? null : DigestKey.fromFile(flags.keyFile);
  let writer: CaptureWriter | null = null;
  const warnings = new WarningLog();
  const { files, warnings: inputWarnings } = await openInputFiles(inputs, flags.inputFormat);
  for (const w of inputWarnings) warnings.addText(`zswap-dedup: warning: ${w.message}\n`);
  const timeline = openTimeline(files, flags.inputFormat, { allPages: false, warn: warnings.add });
  try {
    for (const input of timeline.inputs) {
      if (!input.hasContent && !trace) throw new InputError(input.path, 'is a hash-only trace: it can only be converted to another trace (--hash-only)');
      // a keyed trace's digests cannot be keyed again: only copied, under the same key
      const inputKey = headerKeyId(input.info);
      if (!input.hasContent && 'id' in inputKey && inputKey.id !== null && inputKey.id !== key?.id) {
        throw new InputError(input.path, `its digests are keyed with key ${inputKey.id}: it converts only with --key-file of that key`);
      }
    }
    const kernelReleases = [...new Set(timeline.inputs.map((s) => s.info.kernel_release).filter((k) => typeof k === 'string'))];
    const idleMethods = [...new Set(timeline.inputs.map((s) => s.idleMethod))];
    const idleMethod: IdleMethod = idleMethods.length === 1 ? idleMethods[0] : 'none';
    if (idleMethods.length > 1) warnings.addText(`zswap-dedup: warning: the inputs know idle ages by different methods (${idleMethods.join(', ')}); the output keeps none\n`);
    writer = new CaptureWriter(flags.output, trace, {
      source: 'convert',
      inputs: timeline.inputs.map((s) => ({ path: s.path, format: s.format })),
      ...(kernelReleases.length === 1 ? { kernel_release: kernelReleases[0] as string } : {}),
      time: new Date().toISOString(),
      hostname: os.hostname(),
      tool: `${TOOL.name} ${TOOL.version}`,
      idle_method: idleMethod,
    }, 0o600, { keepNames: flags.keepNames, key: key ?? undefined });
    await new TimelineCopy(timeline, writer, trace, idleMethod !== 'none').run(Progress.auto(flags.progress));
    writer.finish();
    writer = null;
    warnings.print();
    return EXIT_OK;
  } finally {
    writer?.abort();
    timeline.close();
  }
}

/** Copies a timeline into a capture writer, sample by sample, digesting contents for a trace. */
class TimelineCopy {
  private readonly batch = new EventBatch();
  private readonly words: Uint32Array;
  private readonly digester: PageDigester | null;
  /** content-less events of the sample in hand, by event */
  private readonly pending = new Map<number, number[]>();
  /** mapping records written so far, per input */
  private readonly mappingsWritten: number[];
  private pages = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly writer: CaptureWriter,
    trace: boolean,
    private readonly idle: boolean,
  ) {
    this.words = new Uint32Array(this.batch.content.buffer, this.batch.content.byteOffset, this.batch.content.length / 4);
    this.digester = trace ? new PageDigester() : null;
    this.mappingsWritten = timeline.inputs.map(() => 0);
  }

  async run(progress: Progress): Promise<void> {
    const t = this.timeline;
    for (let sample = t.nextSample(); sample; sample = t.nextSample()) {
      this.writer.beginSample(sample.time);
      for (let n = t.read(this.batch); n > 0; n = t.read(this.batch)) {
        this.copyMappings(this.batch.input);
        this.copyBatch(n);
        progress.update(t.bytesRead, t.totalBytes, this.pages);
        await nextTurn();
      }
      for (const [event, keys] of this.pending) this.writer.addEvents(event, Uint32Array.from(keys), keys.length);
      this.pending.clear();
      // one capture or trace: what it saw, sample by sample, goes along (several: whose would it be?)
      if (t instanceof CaptureTimeline && t.sampleSummary !== undefined) this.writer.addSampleSummary(t.sampleSummary as object);
      if (this.idle && sample.index > 0) this.copyAccess(t.idleAges(), t.keyLimit);
    }
    if (t instanceof CaptureTimeline && t.info.summary !== undefined) this.writer.addSummary(t.info.summary as object);
    progress.done();
  }

  /**
   * Mapping records of input i not written yet; ids are spread over the inputs
   * ((id - 1) × inputs + i + 1) so that they stay apart and one input keeps its own.
   */
  private copyMappings(input: number): void {
    const mappings = this.timeline.inputs[input].mappings;
    if (!mappings) return;
    for (; this.mappingsWritten[input] < mappings.length; this.mappingsWritten[input]++) {
      const m = mappings[this.mappingsWritten[input]];
      this.writer.addMapping({ ...m, id: this.mappingId(input, m.id) });
    }
  }

  private mappingId(input: number, id: number): number {
    return (id - 1) * this.timeline.inputs.length + input + 1;
  }

  private copyBatch(n: number): void {
    const b = this.batch;
    const hasMappings = this.timeline.inputs[b.input].mappings !== undefined;
    for (let i = 0; i < n; i++) {
      const event = b.event[i];
      if (!carriesContent(event)) {
        let keys = this.pending.get(event);
        if (!keys) this.pending.set(event, (keys = []));
        keys.push(b.key[i]);
        continue;
      }
      const mapping = hasMappings && b.mapping[i] !== 0 ? this.mappingId(b.input, b.mapping[i]) : 0;
      const info = { pfn: b.pfn[i], vaddr: b.vaddr[i], flags: b.flags[i], mapping, mapcount: hasMappings ? b.mapcount[i] : 0, key: b.key[i], event };
      this.pages++;
      if (!this.digester) {
        this.writer.addPage(b.content, i * PAGE_SIZE, info);
        continue;
      }
      if (!b.digestOnly) {
        if (isZeroFilled(this.words, i * PAGE_SIZE)) info.flags |= PAGE_FLAG.ZERO_FILLED;
        else this.digester.digest(b, i);
      }
      this.writer.addDigest(b, i, info);
    }
  }

  /** The sample's accessed keys, from the ages the timeline gives: accessed = idle for 0 s. */
  private copyAccess(ages: Float32Array, keys: number): void {
    const bits = new Uint8Array(Math.ceil(keys / 8));
    let any = false;
    for (let k = 0; k < keys; k++) {
      if (ages[k] === 0) {
        bits[k >> 3] |= 1 << (k & 7);
        any = true;
      }
    }
    if (any) this.writer.addAccess(bits, keys);
  }
}

