/** `zswap-dedup analyze`: replay inputs through the store replica and report. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAGE_SIZE, ZSMALLOC } from '../model/kernel.js';
import { PAGE_HASHES, type HashName } from '../hash/page-hash.js';
import { replay } from '../replay/pipeline.js';
import { replayTimeline } from '../replay/timeline-replay.js';
import { formatTimeSeriesCsv, formatTimeSeriesJson, formatTimeSeriesTable } from '../report/format-timeseries.js';
import { buildTimeSeries } from '../report/timeseries.js';
import { timeSeriesChart } from '../report/timeseries-chart.js';
import { openTimeline } from '../timeline/open-timeline.js';
import type { CompressorName } from '../compress/compressor.js';
import { renderReport, type ReportFormat } from '../report/formats.js';
import { outputWidth } from '../report/text-layout.js';
import { buildReport } from '../report/report.js';
import { checkComparableDigests } from '../sources/digest-key.js';
import { InputFile } from '../sources/input-file.js';
import { openByteSource, type InputFormat } from '../sources/open-source.js';
import type { PageSource } from '../sources/page-source.js';
import { DEFAULT_METADATA_SIZES, METADATA_OPTIONS, type MetadataFlags, type MetadataSizes } from '../store/metadata.js';
import type { ZpoolName } from '../store/zpool.js';
import type { PoolLimit } from '../store/zswap-store.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { EXIT_OK, EXIT_THRESHOLD, InputError } from '../util/errors.js';
import { parseCompressorList, parseDrillLevels, parseIntIn, parseRatio, parseReclaimPolicy, parseSize } from './parse.js';
import { captureFromFlags } from './capture.js';
import { belowThreshold, parseFailOn } from './fail-under.js';
import { openInputFiles, openInputs } from './inputs.js';
import { Progress } from './progress.js';
import { WarningLog } from './warnings.js';
import { TOOL } from './tool.js';

export interface AnalyzeFlags extends MetadataFlags {
  compressor: string;
  zpool: ZpoolName;
  chainSize: string;
  hash: HashName;
  hashBits?: string;
  verify: boolean;
  inputFormat: InputFormat;
  allPages?: boolean;
  maxPoolPercent?: string;
  acceptThresholdPercent: string;
  totalRam?: string;
  format: ReportFormat;
  /** --by: drill-down levels, comma-separated */
  by?: string;
  output?: string;
  failUnder?: string;
  failOn: string;
  /** --no-pfn for the capture of --pid */
  pfn: boolean;
  progress?: boolean;
  threads: string;
  /** capture these processes first and analyze them with the inputs */
  pid?: string[];
  /** replay over time: the reclaim policy, compaction, and where the series and chart go */
  reclaim?: string;
  compaction: string;
  series?: string;
  chart?: string;
}

function poolLimit(flags: AnalyzeFlags): PoolLimit | null {
  if (flags.maxPoolPercent === undefined) {
    if (flags.totalRam !== undefined) throw new InputError(null, '--total-ram only matters with --max-pool-percent');
    return null;
  }
  if (flags.totalRam === undefined) throw new InputError(null, '--max-pool-percent needs --total-ram (the RAM of the machine being modelled)');
  const pct = parseIntIn('--max-pool-percent', flags.maxPoolPercent, 1, 100);
  const accept = parseIntIn('--accept-threshold-percent', flags.acceptThresholdPercent, 0, 100);
  const totalPages = Math.floor(parseSize('--total-ram', flags.totalRam) / PAGE_SIZE);
  const maxPages = Math.floor((totalPages * pct) / 100);
  return { maxPages, acceptThresholdPages: Math.floor((maxPages * accept) / 100) };
}

function metadataSizes(flags: AnalyzeFlags): MetadataSizes {
  const sizes: { -readonly [K in keyof MetadataSizes]: number } = { ...DEFAULT_METADATA_SIZES };
  for (const o of METADATA_OPTIONS) {
    const v = flags[o.flag];
    if (v !== undefined) sizes[o.size] = parseIntIn(`--${o.option}`, v, 0, 1 << 20);
  }
  return sizes;
}

export async function runAnalyze(inputs: string[], flags: AnalyzeFlags): Promise<number> {
  const compressors = parseCompressorList(flags.compressor);
  const chainSize = parseIntIn('--chain-size', flags.chainSize, ZSMALLOC.chainSize.min, ZSMALLOC.chainSize.max);
  const limit = poolLimit(flags);
  const metadata = metadataSizes(flags);
  const failUnder = flags.failUnder === undefined ? null : parseRatio('--fail-under', flags.failUnder);
  const failOn = parseFailOn(flags.failOn, compressors);
  const threads = parseIntIn('--threads', flags.threads, 1, 64);
  const hashWidth = PAGE_HASHES[flags.hash].bits;
  const hashBits = flags.hashBits === undefined ? hashWidth : parseIntIn('--hash-bits', flags.hashBits, 1, hashWidth);
  const drillDown = flags.by === undefined ? [] : parseDrillLevels(flags.by);

  const sources: PageSource[] = [];
  const warnings = new WarningLog();
  let captureDir: string | null = null;
  let liveCapture: { file: string; name: string } | null = null;
  const removeCaptureDir = () => {
    if (captureDir) fs.rmSync(captureDir, { recursive: true, force: true });
  };
  try {
    if (flags.pid?.length) {
      captureDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-'));
      process.once('exit', removeCaptureDir); // interrupted (signal handlers exit)
      const file = path.join(captureDir, 'live.zsdc');
      await captureFromFlags({ pid: flags.pid, output: file, pfn: flags.pfn, progress: flags.progress }, warnings);
      liveCapture = { file, name: `live capture of pid ${flags.pid.join(', ')}` };
    }
    if (inputs.length === 0 && !liveCapture) throw new InputError(null, 'nothing to analyze: give input files or --pid');
    if (flags.reclaim !== undefined || flags.series !== undefined || flags.chart !== undefined) {
      if (drillDown.length) throw new InputError(null, '--by applies to the snapshot report, not to a replay over time (--reclaim, --series, --chart)');
      if (failUnder !== null) throw new InputError(null, '--fail-under applies to the snapshot report, not to a replay over time (--reclaim, --series, --chart)');
      if (flags.zpool !== 'zsmalloc') throw new InputError(null, 'the replay over time models zsmalloc only (--zpool zsmalloc)');
      await runTimeline(inputs, liveCapture, flags, { compressors, chainSize, hashBits, limit, metadata, threads }, warnings);
      return EXIT_OK;
    }
    // mapping records are only kept when the drill-down needs them
    const sourceOptions = { allPages: Boolean(flags.allPages), warn: warnings.add, keepMappings: drillDown.length > 0 };
    const opened = await openInputs(inputs, flags.inputFormat, sourceOptions);
    sources.push(...opened.sources);
    if (liveCapture) sources.push(openByteSource(InputFile.fromFd(fs.openSync(liveCapture.file, 'r'), liveCapture.name), 'capture', sourceOptions));
    checkComparableDigests(sources, warnings.add);
    const progress = Progress.auto(flags.progress);
    const outcome = await replay(sources, {
      compressors,
      zpool: flags.zpool,
      chainSize,
      hash: flags.hash,
      hashBits,
      verify: flags.verify,
      limit,
      metadata,
      threads,
      drillDown,
      onProgress: (p) => progress.update(p.bytesRead, p.totalBytes, p.pages),
    });
    progress.done();
    const report = buildReport(outcome, TOOL, { warnings: opened.warnings });
    const text = renderReport(report, flags.format, { width: flags.output ? 80 : outputWidth() });
    if (flags.output) writeFileAtomic(flags.output, text);
    else process.stdout.write(text);
    warnings.print();
    if (failUnder !== null) {
      const low = belowThreshold(report, failUnder, failOn);
      if (low.length) {
        for (const r of low) {
          process.stderr.write(`zswap-dedup: ${r.compressor}: net dedup saving ${r.saving!.net_ratio.toFixed(4)} is below --fail-under ${failUnder}\n`);
        }
        return EXIT_THRESHOLD;
      }
    }
    return EXIT_OK;
  } finally {
    for (const s of sources) s.close();
    removeCaptureDir();
    process.off('exit', removeCaptureDir);
  }
}

/** `analyze --reclaim … / --series / --chart`: the inputs as a timeline, replayed sample by sample. */
async function runTimeline(
  inputs: string[],
  liveCapture: { file: string; name: string } | null,
  flags: AnalyzeFlags,
  o: { compressors: CompressorName[]; chainSize: number; hashBits: number; limit: PoolLimit | null; metadata: MetadataSizes; threads: number },
  warnings: WarningLog,
): Promise<void> {
  const reclaim = parseReclaimPolicy(flags.reclaim ?? 'all');
  if (flags.compaction !== 'never' && flags.compaction !== 'sample') throw new InputError(null, `--compaction must be never or sample, got '${flags.compaction}'`);
  const { files, warnings: inputWarnings } = await openInputFiles(inputs, flags.inputFormat);
  for (const w of inputWarnings) warnings.addText(`zswap-dedup: warning: ${w.message}\n`);
  // the live capture goes by its description, never by its temporary file's name
  if (liveCapture) files.push(InputFile.fromFd(fs.openSync(liveCapture.file, 'r'), liveCapture.name));
  const timeline = openTimeline(files, flags.inputFormat, { allPages: Boolean(flags.allPages), warn: warnings.add, keepMappings: false });
  try {
    checkComparableDigests(timeline.inputs, warnings.add);
    const progress = Progress.auto(flags.progress, 'samples');
    const outcome = await replayTimeline(timeline, {
      ...o,
      hash: flags.hash,
      verify: flags.verify,
      reclaim,
      compaction: flags.compaction,
      onSample: (row) => progress.update(timeline.bytesRead, timeline.totalBytes, row.index + 1),
    });
    progress.done();
    for (const input of timeline.inputs) {
      if ((reclaim.kind === 'idle' || reclaim.kind === 'limit') && input.idleMethod === 'none') {
        warnings.add(input.path, 'idle ages unknown in this recording: a page counts as idle since its content last changed (writes only)');
      }
    }
    if (reclaim.kind === 'recorded' && !outcome.samples.some((s) => s.pages.events.swapped > 0)) {
      warnings.add(inputs.join(', '), 'the recorded kernel swapped nothing out: with --reclaim recorded nothing goes to zswap');
    }
    const doc = buildTimeSeries(outcome, timeline.inputs, TOOL);
    if (flags.series) writeFileAtomic(flags.series, /\.csv$/i.test(flags.series) ? formatTimeSeriesCsv(doc) : formatTimeSeriesJson(doc));
    if (flags.chart) writeFileAtomic(flags.chart, timeSeriesChart(doc, flags.chart));
    const text =
      flags.format === 'json' ? formatTimeSeriesJson(doc) : flags.format === 'csv' ? formatTimeSeriesCsv(doc) : formatTimeSeriesTable(doc);
    if (flags.output) writeFileAtomic(flags.output, text);
    else process.stdout.write(text);
    warnings.print();
  } finally {
    timeline.close();
  }
}
