/**
 * Every example of --help and of README.md runs as written: from a directory that has the
 * package's fixtures/, with zswap-dedup on PATH (and, as root, `sudo` running the command as is).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
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

/**
 * Runs a shell snippet in the example directory, in a process group of its own; returns its
 * status and output. Once the shell has ended, or the test does (a failure, its timeout), what the
 * snippet left behind is killed: a target (`sleep infinity &`) that a failed command did not get
 * to kill, or a command that hangs, would otherwise hold the output pipes open and the run with it.
 */
function runExample(t: TestContext, script: string): Promise<{ status: number | null; out: string }> {
  const child = spawn('bash', ['-o', 'pipefail', '-ec', script], {
    cwd: dir,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, COLUMNS: '80' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is empty already
    }
  };
  t.after(killGroup);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let status: number | null = null;
  child.on('exit', (code) => {
    status = code;
    killGroup();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve({ status, out: `${stdout}\n${stderr}` }));
  });
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
    test(`--help example runs: ${example}`, { timeout: 600_000 }, async (t) => {
      if (/\bsudo\b/.test(example) && !isRoot) return t.skip('needs root');
      const r = await runExample(t, example);
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
  test(`README example ${i + 1} runs: ${first}`, { timeout: 600_000 }, async (t) => {
    // The first block installs and tests the project itself; the test run is that block.
    if (/npm (ci|test)/.test(block)) return t.skip('the install and test commands are this test run');
    if (/\bsudo\b/.test(block) && !isRoot) return t.skip('needs root');
    const r = await runExample(t, block);
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
  test(`README CI snippet runs: ${cmd}`, { timeout: 600_000 }, async (t) => {
    const r = await runExample(t, cmd);
    assert.ok(expectedStatus(cmd).includes(r.status!), `exit ${r.status}: ${r.out}`);
  });
}
