#!/usr/bin/env node
// Long-running mutation fuzzing of the kdump and flattened readers (the test suite runs a few
// hundred mutants; this runs as many as asked). Needs the compiled tree: `npx tsc -p .` first.
//
//   node scripts/fuzz-kdump.mjs [--count N] [--seed S] [--cli-every K] [--max-rss-mib M]
//
// Each mutant of a fixture under fixtures/kdump/ is read whole in-process (pages, readPage,
// readPhys); it must read cleanly or fail with an InputError naming the file in one line.
// Every K-th mutant also goes through the CLI, which must exit 0 or 2 (one line on stderr).
// Peak RSS of this process must stay under M MiB. A failing mutant is kept in the temp directory
// and the script exits 1 with its seed and description.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Rng, kdumpLayout, mutate, readOutcome } = await import(path.join(root, 'dist/test/helpers/kdump-mutate.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const count = arg('--count', 5000);
const seed = arg('--seed', Date.now() % 2 ** 31);
const cliEvery = arg('--cli-every', 250);
const maxRss = arg('--max-rss-mib', 512);

const dir = path.join(root, 'fixtures', 'kdump');
const bases = fs.readdirSync(dir).filter((f) => f.endsWith('.kd') || f.endsWith('.flat')).map((f) => {
  const data = fs.readFileSync(path.join(dir, f));
  return { name: f, data, layout: f.endsWith('.kd') ? kdumpLayout(data) : null };
});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-kdump-'));
const file = path.join(work, 'mutant');
const rng = new Rng(seed);
const counts = { ok: 0, 'input-error': 0, cli: 0 };
const messages = new Map();
const t0 = Date.now();
let peak = 0;

function fail(what, detail) {
  const keep = path.join(work, 'failing-mutant');
  fs.copyFileSync(file, keep);
  console.error(`FAIL (seed ${seed}) ${what}\n${detail}\nmutant kept at ${keep}`);
  process.exit(1);
}

for (let i = 0; i < count; i++) {
  const base = bases[rng.below(bases.length)];
  const m = mutate(base.data, base.layout, rng);
  fs.writeFileSync(file, m.data);
  const what = `#${i} ${base.name}: ${m.what}`;
  let r;
  const t = Date.now();
  try {
    r = readOutcome(file);
  } catch (e) {
    fail(what, e.stack);
  }
  if (Date.now() - t > 10_000) fail(what, `took ${Date.now() - t} ms`);
  if (m.what.startsWith('truncated') && r.outcome !== 'input-error') fail(what, 'a truncated file was accepted');
  counts[r.outcome]++;
  if (r.message) {
    const kind = r.message.slice(file.length + 2).replace(/\d+/g, 'N').slice(0, 70);
    messages.set(kind, (messages.get(kind) ?? 0) + 1);
  }
  if (cliEvery > 0 && i % cliEvery === 0) {
    const c = spawnSync(process.execPath, [path.join(root, 'bin', 'zswap-dedup'), 'analyze', '--threads', '1', '-f', 'json', file], { encoding: 'utf8' });
    const lines = c.stderr.trim().split('\n');
    if (!(c.status === 0 || (c.status === 2 && lines.length === 1 && lines[0].includes(file)))) fail(what, `CLI status ${c.status}: ${c.stderr}`);
    counts.cli++;
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  if (peak > maxRss * 2 ** 20) fail(what, `RSS ${(peak / 2 ** 20).toFixed(0)} MiB over ${maxRss} MiB`);
  if ((i + 1) % 1000 === 0) console.log(`${i + 1} mutants, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`seed ${seed}: ${count} mutants in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${counts.ok} read cleanly, ${counts['input-error']} InputError, ${counts.cli} through the CLI; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
console.log('InputError messages by kind:');
for (const [k, n] of [...messages].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${k}`);
