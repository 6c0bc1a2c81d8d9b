/** --fail-under with --fail-on: the exit status CI acts on. */
import { COMPRESSOR_NAMES } from '../compress/compressor.js';
import { isCompressorName } from '../compress/registry.js';
import type { AnalyzeReport, StoreResult } from '../report/report.js';
import { InputError } from '../util/errors.js';

/** best: the compressor the headline names; all: every chosen compressor; or one compressor */
export type FailOn = 'best' | 'all' | (typeof COMPRESSOR_NAMES)[number];

export function parseFailOn(value: string, chosen: readonly string[]): FailOn {
  if (value === 'best' || value === 'all') return value;
  if (!isCompressorName(value)) throw new InputError(null, `--fail-on: '${value}' is not best, all or a compressor (${COMPRESSOR_NAMES.join(', ')})`);
  if (!chosen.includes(value)) throw new InputError(null, `--fail-on ${value}: not among the compressors analyzed (${chosen.join(', ')}); add it with -c`);
  return value;
}

/** The results whose net saving ratio is below the threshold (empty: the run passes). */
export function belowThreshold(report: AnalyzeReport, threshold: number, on: FailOn): StoreResult[] {
  const dedup = report.results.filter((r) => r.dedup && r.saving);
  const checked = on === 'all' ? dedup : dedup.filter((r) => r.compressor === (on === 'best' ? report.headline?.best_compressor : on));
  return checked.filter((r) => r.saving!.net_ratio < threshold);
}
