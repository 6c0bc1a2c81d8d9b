/**
 * What `npm pack` would publish: the CLI and what it loads, the JSON Schemas, the files the --help
 * examples name, and no source maps (they point at TypeScript sources the package does not hold).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXAMPLES } from '../src/cli/examples.js';
import { ROOT } from './helpers/paths.js';

interface Pack {
  files: { path: string }[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  keywords: string[];
  exports: Record<string, string>;
};

test('npm pack: the CLI, its WebAssembly, the schemas and every file the --help examples name; no .map', () => {
  assert.ok(pkg.keywords.includes('zswap'));
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as Pack[])[0].files.map((f) => f.path));
  for (const f of ['bin/zswap-dedup', 'dist/src/cli/main.js', 'src/compress/wasm/kernel-lib.wasm', 'src/compress/wasm/deflate.wasm', 'README.md', 'LICENSE']) {
    assert.ok(files.has(f), `${f} is not in the package`);
  }
  assert.deepEqual([...files].filter((f) => f.endsWith('.map')), []);
  for (const target of Object.values(pkg.exports)) assert.ok(files.has(target.replace(/^\.\//, '')), `exports names ${target}, not in the package`);
  const named = Object.values(EXAMPLES).flat().join(' ').match(/fixtures\/[\w./-]+/g) ?? [];
  assert.ok(named.length >= 5);
  for (const f of named) assert.ok(files.has(f), `an example names ${f}, not in the package`);
});
