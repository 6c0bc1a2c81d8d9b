#!/usr/bin/env node
// Longer run of the ELF mutation loop of test/elf-hostile.test.ts: mutants of the ELF fixtures
// (or the files given) must read cleanly or be refused with an InputError naming the file;
// anything else (another exception, a page count out of bounds) is a bug, and the mutant is
// kept for replay. Needs `npx tsc -p .` first.
// Usage: node scripts/fuzz-elf.mjs [--iterations N] [--seed S] [--keep-dir DIR] [file ...]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, mutate, readAll } from '../dist/test/helpers/elf-mutate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let iterations = 5000;
let seed = Date.now() >>> 0;
let keepDir = os.tmpdir();
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--iterations') iterations = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else if (args[i] === '--keep-dir') keepDir = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  for (const f of ['fixtures/elf/gcore-fill.core', 'fixtures/elf/vmcore-fill.elf']) if (fs.existsSync(path.join(root, f))) files.push(path.join(root, f));
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-elf-'));
const originals = files.map((f) => ({ name: path.basename(f), data: fs.readFileSync(f) }));
const rng = new Rng(seed);
const stats = { ok: 0, refused: 0, bugs: 0 };
const messages = new Map();
let slowest = { ms: 0, what: '' };
process.stderr.write(`fuzz-elf: seed ${seed}, ${iterations} mutants of ${originals.map((o) => o.name).join(', ')}\n`);
// the vmcore warning line goes to stderr for unclassifiable mutants: keep the output readable
const realWrite = process.stderr.write.bind(process.stderr);
for (let i = 0; i < iterations; i++) {
  const o = originals[i % originals.length];
  const { data, what } = mutate(o.data, rng);
  const p = path.join(work, `${o.name}.mutant`);
  fs.writeFileSync(p, data);
  const t0 = performance.now();
  try {
    process.stderr.write = () => true;
    const r = readAll(p, i % 2 === 1);
    process.stderr.write = realWrite;
    if (r.ok) stats.ok++;
    else {
      stats.refused++;
      if (!r.message.startsWith(p + ': ') || r.message.includes('\n')) throw new Error(`message does not name the file in one line: ${r.message}`);
      const key = r.message.slice(p.length + 2).replace(/\d+/g, 'N').slice(0, 90);
      messages.set(key, (messages.get(key) ?? 0) + 1);
    }
  } catch (e) {
    process.stderr.write = realWrite;
    stats.bugs++;
    const keep = path.join(keepDir, `fuzz-elf-bug-${seed}-${i}-${o.name}`);
    fs.copyFileSync(p, keep);
    console.error(`BUG at mutant ${i} (${what}), kept as ${keep}:\n${e.stack}`);
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { ms, what: `${o.name}: ${what}` };
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`fuzz-elf: ${iterations} mutants: ${stats.ok} read, ${stats.refused} refused, ${stats.bugs} bugs; slowest ${slowest.ms.toFixed(1)} ms (${slowest.what})`);
for (const [m, n] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${String(n).padStart(6)}  ${m}`);
process.exit(stats.bugs ? 1 : 0);
