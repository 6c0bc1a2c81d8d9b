/** Parsers for option values; each throws InputError with the option's name. */
import { COMPRESSOR_NAMES, type CompressorName } from '../compress/compressor.js';
import { isCompressorName } from '../compress/registry.js';
import { PAGE_SIZE } from '../model/kernel.js';
import type { ReclaimPolicy } from '../replay/reclaim-policy.js';
import { InputError } from '../util/errors.js';
import { DRILL_LEVELS, type DrillLevel } from '../replay/drill-down.js';

export function parseCompressorList(value: string): CompressorName[] {
  if (value.trim() === 'all') return [...COMPRESSOR_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError(null, '--compressor: empty list');
  const out: CompressorName[] = [];
  for (const n of names) {
    if (!isCompressorName(n)) throw new InputError(null, `--compressor: unknown compressor '${n}' (known: ${COMPRESSOR_NAMES.join(', ')}, all)`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** --by process,mapping → the drill-down levels, in the order process, mapping */
export function parseDrillLevels(value: string): DrillLevel[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError(null, `--by: give ${DRILL_LEVELS.join(', ')} or both, comma-separated`);
  for (const n of names) {
    if (!(DRILL_LEVELS as readonly string[]).includes(n)) throw new InputError(null, `--by: unknown level '${n}' (known: ${DRILL_LEVELS.join(', ')})`);
  }
  return DRILL_LEVELS.filter((l) => names.includes(l));
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "16G", "16GiB", "512m", "1048576" → bytes (binary units). */
export function parseSize(option: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  if (!m) throw new InputError(null, `${option}: '${value}' is not a size (e.g. 16G, 512M, 1073741824)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (bytes <= 0) throw new InputError(null, `${option}: must be positive`);
  return bytes;
}

export function parseIntIn(option: string, value: string, min: number, max: number): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new InputError(null, `${option}: '${value}' is not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new InputError(null, `${option}: ${n} is outside ${min}..${max}`);
  return n;
}

/** "2", "0.5", "1.5s", "2m", "1h" → seconds (> 0) */
export function parseSeconds(option: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(value);
  const n = m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'] : NaN;
  if (!m || !(n > 0)) throw new InputError(null, `${option}: '${value}' is not a positive duration (seconds, or with s, m, h)`);
  return n;
}

/** a ratio 0..1 (not a percentage: 5 % is 0.05) */
export function parseRatio(option: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InputError(null, `${option}: '${value}' is not a number`);
  if (n < 0 || n > 1) throw new InputError(null, `${option}: ${value} is outside 0..1 (a ratio: 0.05 means 5 %)`);
  return n;
}

export const RECLAIM_HELP = 'all | idle:<seconds> | limit:<size> | recorded';

export function parseReclaimPolicy(text: string): ReclaimPolicy {
  const [kind, arg, extra] = text.split(':');
  if (kind === 'all' && arg === undefined) return { kind: 'all' };
  if (kind === 'recorded' && arg === undefined) return { kind: 'recorded' };
  if (kind === 'idle' && arg !== undefined && extra === undefined) {
    const seconds = Number(arg);
    if (!/^\d+(\.\d+)?$/.test(arg) || !Number.isFinite(seconds)) throw new InputError(null, `--reclaim idle:<seconds> needs a number of seconds, got '${arg}'`);
    return { kind: 'idle', seconds };
  }
  if (kind === 'limit' && arg !== undefined && extra === undefined) {
    const bytes = parseSize('--reclaim limit', arg);
    return { kind: 'limit', bytes, pages: Math.floor(bytes / PAGE_SIZE) };
  }
  throw new InputError(null, `--reclaim must be ${RECLAIM_HELP}, got '${text}'`);
}

export function parsePid(value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) <= 0) throw new InputError(null, `--pid: '${value}' is not a process id`);
  return Number(value);
}
