#!/usr/bin/env node
// The fuzzer: mutants of every fixture (raw pages, capture, trace, ELF vmcore and process core,
// kdump-compressed, flattened) must read cleanly or be refused with a one-line InputError naming
// the file; every --cli-every-th goes through the CLI too (sometimes after a second mutant, as two
// inputs of one run), which must exit 0, or 2 with one line. A mutant that throws anything else,
// takes longer than --slow-ms, pushes RSS over --max-rss-mib, or hangs (--hang-ms: the worker is
// killed and the run goes on after it) is a finding: it is kept in --keep-dir with how to replay it.
// Mutant i of seed s is always the same file: `--seed s --start i --count 1` replays it.
// Run `npm run build` first. Frugal on shared machines: `nice -n 19 node scripts/fuzz.mjs ...`.
//
//   node scripts/fuzz.mjs [--count N] [--seed S] [--start I] [--format FAMILY[,FAMILY…]]
//        [--cli-every K] [--slow-ms MS] [--hang-ms MS] [--max-rss-mib M] [--keep-dir DIR]
//   families: raw, capture, trace, elf-vmcore, elf-core, kdump, flattened (default: all)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { FAMILIES, fuzzBases, mutantCase } = await import(path.join(root, 'dist/test/helpers/fuzz.js'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = args[i + 1];
  if (v === undefined) usage(`${name} needs a value`);
  return v;
};
function usage(msg) {
  console.error(`fuzz: ${msg}\n${fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n')}`);
  process.exit(2);
}
const num = (name, def) => {
  const v = Number(opt(name, String(def)));
  if (!Number.isInteger(v) || v < 0) usage(`${name}: not a whole number`);
  return v;
};
const known = new Set(['--count', '--seed', '--start', '--format', '--cli-every', '--slow-ms', '--hang-ms', '--max-rss-mib', '--keep-dir']);
for (let i = 0; i < args.length; i += 2) if (!known.has(args[i])) usage(`unknown argument ${args[i]}`);

const count = num('--count', 5000);
const seed = num('--seed', Date.now() % 2 ** 31);
const start = num('--start', 0);
const families = opt('--format', '').split(',').filter(Boolean);
for (const f of families) if (!FAMILIES.includes(f)) usage(`--format: unknown family ${f} (${FAMILIES.join(', ')})`);
const cliEvery = num('--cli-every', 250);
const slowMs = num('--slow-ms', 1000);
const hangMs = num('--hang-ms', 30000);
const maxRssMib = num('--max-rss-mib', 1024);
const keepDir = opt('--keep-dir', path.join(root, 'fuzz-findings'));
const bases = fuzzBases(families);
if (bases.length === 0) usage('no fixture of the chosen formats');

const end = start + count;
const findings = [];
const totals = { done: 0, cli: 0, byFamily: {}, messages: {}, slowest: { ms: 0, i: -1, what: '' }, peakRssMib: 0 };
const t0 = Date.now();
console.log(`fuzz: seed ${seed}, mutants ${start}..${end - 1} of ${bases.map((b) => b.name).join(', ')}`);

function keep(i, kind, what, detail) {
  fs.mkdirSync(keepDir, { recursive: true });
  const c = mutantCase(bases, seed, i);
  const file = path.join(keepDir, `${kind}-seed${seed}-${i}-${c.base.name}`);
  fs.writeFileSync(file, c.mutant.data);
  if (c.second) fs.writeFileSync(`${file}.first-input`, c.second.data);
  const replay = `node scripts/fuzz.mjs --seed ${seed} --start ${i} --count 1 --cli-every 1${families.length ? ` --format ${families.join(',')}` : ''}`;
  fs.writeFileSync(`${file}.txt`, `${kind}: ${what}\n${detail}\nreplay: ${replay}\n`);
  findings.push({ i, kind, what, detail: detail.split('\n').slice(0, 3).join(' | '), file });
  console.log(`FINDING ${kind} at mutant ${i} (${what}): ${detail.split('\n')[0]}\n  kept as ${file}`);
}

function merge(s) {
  totals.done += s.done;
  totals.cli += s.cli;
  for (const [f, c] of Object.entries(s.byFamily)) {
    const t = (totals.byFamily[f] ??= { ok: 0, refused: 0 });
    t.ok += c.ok;
    t.refused += c.refused;
  }
  for (const [m, n] of Object.entries(s.messages)) totals.messages[m] = (totals.messages[m] ?? 0) + n;
  if (s.slowest.ms > totals.slowest.ms) totals.slowest = s.slowest;
  totals.peakRssMib = Math.max(totals.peakRssMib, s.peakRssMib);
}

/** Runs mutants from..end-1 in a worker; resolves with where to go on (end, or after a hang). */
function runWorker(from) {
  return new Promise((resolve, reject) => {
    const heartbeat = new Int32Array(new SharedArrayBuffer(8));
    heartbeat[0] = from;
    const w = new Worker(path.join(root, 'dist/test/helpers/fuzz-worker.js'), {
      workerData: { seed, start: from, end, families, cliEvery, cliTimeoutMs: Math.min(hangMs, 60000), slowMs, maxRssMib, heartbeat },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(256, maxRssMib * 2) },
    });
    let last = { stats: null };
    let seen = from;
    let since = Date.now();
    let lastReport = Date.now();
    const timer = setInterval(() => {
      const cur = Atomics.load(heartbeat, 0);
      if (cur !== seen) {
        seen = cur;
        since = Date.now();
      } else if (cur >= 0 && Date.now() - since > hangMs) {
        clearInterval(timer);
        void w.terminate();
        const c = mutantCase(bases, seed, cur);
        if (last.stats) merge(last.stats);
        totals.done += Atomics.load(heartbeat, 1) - (last.stats?.done ?? 0);
        keep(cur, 'hang', `${c.base.name}: ${c.mutant.what}`, `no result after ${hangMs} ms in-process`);
        resolve(cur + 1);
      }
      if (Date.now() - lastReport > 60000) {
        lastReport = Date.now();
        const done = totals.done + Atomics.load(heartbeat, 1);
        console.log(`  ${done} mutants, ${((Date.now() - t0) / 1000).toFixed(0)} s, ${findings.length} findings`);
      }
    }, 250);
    w.on('message', (m) => {
      if (m.type === 'finding') keep(m.i, m.kind, m.what, m.detail);
      else {
        last = m;
        if (m.final) {
          clearInterval(timer);
          merge(m.stats);
          resolve(end);
        }
      }
    });
    w.on('error', (e) => {
      clearInterval(timer);
      const cur = Atomics.load(heartbeat, 0);
      if (last.stats) merge(last.stats);
      totals.done += Atomics.load(heartbeat, 1) - (last.stats?.done ?? 0);
      if (cur < 0) return reject(e);
      const c = mutantCase(bases, seed, cur);
      keep(cur, 'worker-died', `${c.base.name}: ${c.mutant.what}`, e.stack ?? String(e));
      resolve(cur + 1);
    });
  });
}

for (let next = start; next < end; ) next = await runWorker(next);

const secs = (Date.now() - t0) / 1000;
console.log(`fuzz: seed ${seed}: ${totals.done} mutants (${start}..${end - 1}) in ${secs.toFixed(0)} s, ${totals.cli} also through the CLI; ${findings.length} findings; slowest ${totals.slowest.ms.toFixed(0)} ms (#${totals.slowest.i} ${totals.slowest.what}); peak worker RSS ${totals.peakRssMib.toFixed(0)} MiB`);
for (const [f, c] of Object.entries(totals.byFamily)) console.log(`  ${f.padEnd(11)} ${String(c.ok).padStart(8)} read  ${String(c.refused).padStart(8)} refused`);
console.log('refusals by message:');
for (const [m, n] of Object.entries(totals.messages).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${String(n).padStart(8)}  ${m}`);
for (const f of findings) console.log(`finding: ${f.kind} #${f.i} ${f.what}: ${f.detail} (${f.file})`);
process.exit(findings.length ? 1 : 0);
