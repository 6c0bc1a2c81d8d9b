/**
 * Every example of --help and of README.md runs as written: from a directory that has the
 * package's fixtures/, with zswap-dedup on PATH (and, as root, `sudo` running the command as is).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { EXAMPLES } from '../src/cli/examples.js';
import { runCli } from './helpers/cli.js';
import { BIN, ROOT } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const isRoot = process.getuid?.() === 0;
const dir = tmpDir();
const bin = path.join(dir, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(bin, 'zswap-dedup'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
fs.writeFileSync(path.join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
fs.symlinkSync(path.join(ROOT, 'fixtures'), path.join(dir, 'fixtures'));
// the CI snippets analyze "memory.trace": a trace of the user's
fs.symlinkSync(path.join(ROOT, 'fixtures', 'capture', 'python-fork.trace'), path.join(dir, 'memory.trace'));

/** Runs a shell snippet in the example directory; returns its status and output. */
function runExample(script: string): { status: number | null; out: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-ec', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, COLUMNS: '80' },
    maxBuffer: 64 << 20,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** a --fail-under example may exit 1: that is what it demonstrates */
const expectedStatus = (cmd: string) => (/--fail-under/.test(cmd) ? [0, 1] : [0]);

test('--help of every command lists the examples that are run below', () => {
  for (const [command, list] of Object.entries(EXAMPLES)) {
    const help = runCli([command, '--help']).stdout;
    for (const e of list) assert.ok(help.includes(`  ${e}\n`), `${command} --help lacks ${e}`);
  }
});

for (const list of Object.values(EXAMPLES)) {
  for (const example of list) {
    test(`--help example runs: ${example}`, (t) => {
      if (/\bsudo\b/.test(example) && !isRoot) return t.skip('needs root');
      const r = runExample(example);
      assert.ok(expectedStatus(example).includes(r.status!), `exit ${r.status}: ${r.out}`);
    });
  }
}

/** The ```sh blocks of README.md, each run as one script. */
function readmeBlocks(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('README has shell examples', () => {
  assert.ok(readmeBlocks().length >= 3);
});

for (const [i, block] of readmeBlocks().entries()) {
  const first = block.split('\n')[0];
  test(`README example ${i + 1} runs: ${first}`, (t) => {
    // The first block installs and tests the project itself; the test run is that block.
    if (/npm (ci|test)/.test(block)) return t.skip('the install and test commands are this test run');
    if (/\bsudo\b/.test(block) && !isRoot) return t.skip('needs root');
    const r = runExample(block);
    assert.ok(expectedStatus(block).includes(r.status!), `exit ${r.status}: ${r.out}`);
  });
}

/** The analyzer commands of the README's CI snippets (```yaml blocks). */
function ciCommands(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]
      .split('\n')
      .map((l) => /^\s*-\s*(?:run:\s*)?npx (zswap-dedup .*)$/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined),
  );
}

test('README has CI snippets for GitHub Actions and GitLab CI', () => {
  assert.ok(ciCommands().length >= 2);
});

for (const cmd of ciCommands()) {
  test(`README CI snippet runs: ${cmd}`, () => {
    const r = runExample(cmd);
    assert.ok(expectedStatus(cmd).includes(r.status!), `exit ${r.status}: ${r.out}`);
  });
}
