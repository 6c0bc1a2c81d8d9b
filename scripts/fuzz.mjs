#!/usr/bin/env node
// Long mutation run over every fixture (and any files given): each mutant must read cleanly or
// fail with a one-line InputError naming the file. Usage (after npm run build):
//   node scripts/fuzz.mjs [--iterations N] [--seed S] [files...]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { drain } = await import(path.join(root, 'dist/test/helpers/drain.js'));
const { mutate, rng } = await import(path.join(root, 'dist/test/helpers/mutate.js'));

const args = process.argv.slice(2);
let iterations = 2000;
let seed = Date.now() % 2 ** 31;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--iterations') iterations = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0) {
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  files.push(...walk(path.join(root, 'fixtures')).filter((f) => fs.statSync(f).size <= 64 << 20 && !/\.(json|md|txt)$/.test(f)));
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zswap-dedup-fuzz-'));
console.log(`fuzz: ${files.length} files × ${iterations} mutants, seed ${seed}`);
let failures = 0;
for (const file of files) {
  const data = fs.readFileSync(file);
  const rand = rng(seed);
  const outcomes = { ok: 0, 'input-error': 0 };
  const mutant = path.join(tmp, path.basename(file));
  const t0 = Date.now();
  for (let i = 0; i < iterations; i++) {
    const m = mutate(data, rand, 8192);
    fs.writeFileSync(mutant, m);
    try {
      outcomes[drain(mutant).result]++;
    } catch (e) {
      failures++;
      const keep = path.join(tmp, `crash-${failures}-${path.basename(file)}`);
      fs.writeFileSync(keep, m);
      console.log(`CRASH ${file} mutant ${i}: ${e.stack?.split('\n').slice(0, 3).join(' | ')} (saved ${keep})`);
    }
  }
  console.log(`${path.relative(root, file)}: ${JSON.stringify(outcomes)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
if (failures === 0) fs.rmSync(tmp, { recursive: true, force: true });
console.log(failures ? `${failures} crashes` : 'no crashes');
process.exit(failures ? 1 : 0);
