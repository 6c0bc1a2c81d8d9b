/**
 * The fuzzer's inputs and checks (scripts/fuzz.mjs drives them): every fixture of every format,
 * the mutations each format gets, and the check of one mutant. Mutant i of a run with seed s is
 * a pure function of (s, i), so any finding is reproduced with `--seed s --start i --count 1`.
 *
 * A mutant must read cleanly in-process or fail with an InputError naming it in one line
 * (drain.ts); through the CLI (every cliEvery-th mutant, alone or after another input) it must
 * exit 0, or 2 with one line on stderr, within the time limit.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drainBytes, drainRecordingBytes } from './drain.js';
import { mutate as elfMutate } from './elf-mutate.js';
import { kdumpLayout, mutate as kdumpMutate } from './kdump-mutate.js';
import { mutate as byteMutate } from './mutate.js';
import { BIN, ROOT } from './paths.js';
import { Rng } from './random.js';
import { captureMutate, vmcoreinfoMutate } from './semantic-mutate.js';

export interface Mutant {
  data: Buffer;
  what: string;
}

export interface FuzzBase {
  /** fixture file name */
  name: string;
  /** the format family it stands for (--format picks families) */
  family: string;
  data: Buffer;
  mutate(rng: Rng): Mutant;
}

export const FAMILIES = ['raw', 'capture', 'trace', 'capture-v2', 'trace-v2', 'recording', 'elf-vmcore', 'elf-core', 'kdump', 'flattened'] as const;

/** mutants never grow beyond this (the structural mutations add bytes) */
const MAX_MUTANT_BYTES = 8 << 20;

/** Mutations that change a file's size or shape, whatever its format: long runs, repeats, nesting. */
export function structuralMutate(data: Buffer, rng: Rng, headerBias = 8192): Mutant {
  const where = () => (rng.below(4) ? rng.below(Math.min(headerBias, data.length) + 1) : rng.below(data.length + 1));
  const kind = rng.below(4);
  let out: Buffer;
  let what: string;
  if (kind === 0) {
    // a long run of one byte inserted (NUL runs are what trailing-NUL stripping meets)
    const at = where();
    const len = 1 + rng.below(rng.below(2) ? 4096 : 256 << 10);
    const byte = rng.below(2) ? 0 : rng.below(256);
    out = Buffer.concat([data.subarray(0, at), Buffer.alloc(len, byte), data.subarray(at)]);
    what = `${len} bytes of 0x${byte.toString(16)} inserted at ${at}`;
  } else if (kind === 1) {
    // a slice repeated: records, headers or notes many times over
    const from = where();
    const len = 1 + rng.below(Math.min(64 << 10, Math.max(1, data.length - from)));
    const times = 2 + rng.below(64);
    const slice = data.subarray(from, from + len);
    out = Buffer.concat([data.subarray(0, from + len), ...Array.from({ length: times - 1 }, () => slice), data.subarray(from + len)]);
    what = `${len} bytes at ${from} repeated ${times} times`;
  } else if (kind === 2) {
    // deep nesting written over the bytes (JSON metadata and records)
    const at = where();
    const depth = 1 + rng.below(20000);
    const open = ['[', '{"a":', '[{"x":'][rng.below(3)];
    const text = Buffer.from(open.repeat(depth), 'latin1');
    out = Buffer.from(data);
    text.copy(out, at, 0, Math.max(0, Math.min(text.length, out.length - at)));
    what = `${depth} × ${open} written at ${at}`;
  } else {
    // a cut and a splice from elsewhere in the file
    const a = where();
    const b = rng.below(data.length + 1);
    const len = rng.below(Math.min(1 << 16, data.length - b) + 1);
    out = Buffer.concat([data.subarray(0, a), data.subarray(b, b + len), data.subarray(a)]);
    what = `${len} bytes from ${b} spliced in at ${a}`;
  }
  return { data: out.length > MAX_MUTANT_BYTES ? out.subarray(0, MAX_MUTANT_BYTES) : out, what };
}

/** one of `mutators` (each may decline with null), else `fallback` */
function oneOf(fallback: (data: Buffer, rng: Rng) => Mutant, ...mutators: ((data: Buffer, rng: Rng) => Mutant | null)[]) {
  return (data: Buffer, rng: Rng): Mutant => {
    const k = rng.below(mutators.length + 1);
    return (k < mutators.length ? mutators[k](data, rng) : null) ?? fallback(data, rng);
  };
}

/**
 * Our format at its current version (2: samples and events), made from the version-1 fixtures
 * by `convert` once per process, in a temporary directory.
 */
function currentVersion(root: string, fixture: string, hashOnly: boolean): string | null {
  const src = path.join(root, fixture);
  if (!fs.existsSync(src)) return null;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-fuzz-base-')), `${path.basename(fixture)}.v2${hashOnly ? '.trace' : ''}`);
  const r = spawnSync(process.execPath, [BIN, 'convert', ...(hashOnly ? ['--hash-only'] : []), '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`convert ${fixture}: ${r.stderr}`);
  return out;
}

function base(root: string, file: string | null, family: string, formatMutate: (data: Buffer, rng: Rng) => Mutant): FuzzBase | null {
  if (file === null) return null;
  const p = path.resolve(root, file);
  if (!fs.existsSync(p)) return null;
  const data = fs.readFileSync(p);
  if (p.includes('zswap-dedup-fuzz-base-')) fs.rmSync(path.dirname(p), { recursive: true, force: true });
  return {
    name: path.basename(file),
    family,
    data,
    // two in three mutants are the format's own, one in three structural
    mutate: (rng) => (rng.below(3) === 0 ? structuralMutate(data, rng) : formatMutate(data, rng)),
  };
}

/** The fixtures the fuzzer mutates, for the chosen families (all when empty). */
export function fuzzBases(families: readonly string[] = [], root = ROOT): FuzzBase[] {
  const bytes = (bias: number) => (data: Buffer, rng: Rng): Mutant => ({ data: byteMutate(data, rng, bias), what: 'byte edits' });
  const kdumpDir = path.join(root, 'fixtures', 'kdump');
  const kd = fs.existsSync(kdumpDir) ? fs.readdirSync(kdumpDir).filter((f) => f.endsWith('.kd') || f.endsWith('.flat')).sort() : [];
  const want = (family: string) => families.length === 0 || families.includes(family);
  const capture = oneOf(bytes(512), captureMutate);
  const all = [
    base(root, 'fixtures/sample-python.raw', 'raw', bytes(4096)),
    base(root, 'fixtures/capture/sleep.zsdc', 'capture', capture),
    base(root, 'fixtures/capture/python-fork.trace', 'trace', capture),
    want('capture-v2') ? base(root, currentVersion(root, 'fixtures/capture/sleep.zsdc', false), 'capture-v2', capture) : null,
    want('trace-v2') ? base(root, currentVersion(root, 'fixtures/capture/sleep.zsdc', true), 'trace-v2', capture) : null,
    base(root, 'fixtures/capture/python-churn.trace', 'recording', capture),
    base(root, 'fixtures/elf/vmcore-fill.elf', 'elf-vmcore', oneOf(elfMutate, vmcoreinfoMutate)),
    base(root, 'fixtures/elf/gcore-fill.core', 'elf-core', elfMutate),
    ...kd.map((f) => {
      const flat = f.endsWith('.flat');
      const data = fs.readFileSync(path.join(kdumpDir, f));
      const layout = flat ? null : kdumpLayout(data);
      const own = (d: Buffer, rng: Rng) => kdumpMutate(d, layout, rng);
      return base(root, `fixtures/kdump/${f}`, flat ? 'flattened' : 'kdump', flat ? own : oneOf(own, vmcoreinfoMutate));
    }),
  ].filter((b): b is FuzzBase => b !== null);
  return all.filter((b) => want(b.family));
}

/** the generator of mutant i of a run: independent of every other mutant */
export function mutantRng(seed: number, i: number): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
}

export interface MutantCase {
  base: FuzzBase;
  mutant: Mutant;
  /** read with --all-pages */
  allPages: boolean;
  /** a second mutant, analyzed after the first through the CLI (several inputs in one run) */
  second: Mutant | null;
}

export function mutantCase(bases: readonly FuzzBase[], seed: number, i: number): MutantCase {
  const rng = mutantRng(seed, i);
  // each format family equally often, whatever its number of fixtures
  const families = [...new Set(bases.map((x) => x.family))];
  const pick = () => {
    const family = families[rng.below(families.length)];
    const inFamily = bases.filter((x) => x.family === family);
    return inFamily[rng.below(inFamily.length)];
  };
  const b = pick();
  const mutant = b.mutate(rng);
  const allPages = rng.below(2) === 1;
  const other = pick();
  const second = rng.below(2) ? other.mutate(rng) : null;
  return { base: b, mutant, allPages, second };
}

export type Verdict =
  | { kind: 'ok' | 'refused'; ms: number; message?: string }
  | { kind: 'crash' | 'cli'; ms: number; detail: string };

/** Reads the mutant in-process; a thrown non-InputError is a crash. */
export function checkInProcess(c: MutantCase, name: string): Verdict {
  const t0 = performance.now();
  try {
    const r = c.base.family === 'recording' ? drainRecordingBytes(name, c.mutant.data) : drainBytes(name, c.mutant.data, { allPages: c.allPages });
    const ms = performance.now() - t0;
    return r.result === 'ok' ? { kind: 'ok', ms } : { kind: 'refused', ms, message: r.message!.slice(name.length + 2) };
  } catch (e) {
    return { kind: 'crash', ms: performance.now() - t0, detail: (e as Error).stack ?? String(e) };
  }
}

/**
 * Runs the CLI on the mutant (after the second mutant when there is one, so that a warning of one
 * input meets an error of the next): exit 0, or 2 with exactly one line naming an input.
 */
export function checkCli(c: MutantCase, dir: string, timeoutMs: number): Verdict {
  const files = [path.join(dir, 'mutant-a')];
  fs.writeFileSync(files[0], c.mutant.data);
  const recording = c.base.family === 'recording';
  if (c.second && !recording) {
    files.unshift(path.join(dir, 'mutant-b'));
    fs.writeFileSync(files[0], c.second.data);
  }
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'analyze', '--threads', '1', '--no-progress', '-c', 'lz4', '-f', 'json', ...(recording ? ['--reclaim', 'all'] : c.allPages ? ['--all-pages'] : []), ...files], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const ms = performance.now() - t0;
  const lines = (r.stderr ?? '').trim().split('\n').filter(Boolean);
  if (r.error || r.signal) return { kind: 'cli', ms, detail: `no exit within ${timeoutMs} ms (${r.error?.message ?? r.signal})` };
  if (r.status === 0) return { kind: 'ok', ms };
  if (r.status === 2 && lines.length === 1 && files.some((f) => lines[0].includes(f))) return { kind: 'refused', ms, message: lines[0] };
  return { kind: 'cli', ms, detail: `exit ${r.status}, ${lines.length} stderr lines: ${lines.slice(0, 4).join(' | ').slice(0, 600)}` };
}
