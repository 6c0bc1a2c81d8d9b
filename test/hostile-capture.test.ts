/** Mutated captures and traces: a clean InputError or a clean read, never a crash, bounded memory. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { drain } from './helpers/drain.js';
import { mutate } from './helpers/mutate.js';
import { writeMixedRaw } from './helpers/pages.js';
import { Rng } from './helpers/random.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const raw = writeMixedRaw(dir, 'm.raw', 100, 40).file;
const capture = path.join(dir, 'm.zsdc');
const trace = path.join(dir, 'm.trace');

test('300 mutated captures and traces each: no crash, errors name the file, memory stays bounded', { timeout: 300_000 }, () => {
  assert.equal(runCli(['convert', '-o', capture, raw]).status, 0);
  assert.equal(runCli(['convert', '--hash-only', '-o', trace, raw]).status, 0);
  for (const [name, original] of [
    ['capture', fs.readFileSync(capture)],
    ['trace', fs.readFileSync(trace)],
  ] as const) {
    const rand = new Rng(name === 'capture' ? 11 : 12);
    const outcomes = { ok: 0, 'input-error': 0 };
    const f = path.join(dir, `mutant.${name}`);
    for (let i = 0; i < 300; i++) {
      fs.writeFileSync(f, mutate(original, rand, 512));
      outcomes[drain(f).result]++;
      assert.ok(process.memoryUsage().rss < 1.5 * 2 ** 30, 'rss stays bounded');
    }
    assert.ok(outcomes['input-error'] > 100, `${name}: most mutants are refused (${JSON.stringify(outcomes)})`);
  }
});
