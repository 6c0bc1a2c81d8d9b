/**
 * A target that exits between the walk of a sample and the reading of its pages: its pages were
 * found (and followed by the capture) but cannot be read, so no record is written for them; the
 * file must still read back with dense keys and hold the other target's pages. The capture
 * lingers there when ZSWAP_DEDUP_TEST_READ_PAUSE_MS is set (recording.ts), and says so.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { after, test } from 'node:test';
import { markedEventsPerSample } from './helpers/marked-events.js';
import { BIN } from './helpers/paths.js';
import { tmpDir } from './helpers/tmp.js';

const N = 64;
const dir = tmpDir();
const running: ChildProcess[] = [];
after(() => running.forEach((c) => c.kill('SIGKILL')));

/** a Python process holding N pages marked `tag` (7 capitals); resolves once they are written */
function marked(tag: string): Promise<ChildProcess> {
  const code = `import mmap,sys,time
b=mmap.mmap(-1,${N}*4096,flags=mmap.MAP_PRIVATE|mmap.MAP_ANONYMOUS)
for i in range(${N}): b[i*4096:(i+1)*4096]=(b"${tag}-%07d-"%i)*256
print("ready",flush=True)
time.sleep(600)`;
  const p = spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.push(p);
  return new Promise((resolve) => p.stdout!.once('data', () => resolve(p)));
}

test('a target gone between walk and read: the capture of the other one reads back', { timeout: 120_000 }, async (t) => {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return t.skip('live capture needs root on Linux');
  const going = await marked('GOINGPG');
  const staying = await marked('STAYING');
  const out = path.join(dir, 'gone-midway.zsdc');
  // the going process is walked first: its pages take the first identities
  const cap = spawn(process.execPath, [BIN, 'capture', '-p', String(going.pid), '-p', String(staying.pid), '-o', out, '--no-progress'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ZSWAP_DEDUP_TEST_READ_PAUSE_MS: '3000' },
  });
  running.push(cap);
  let stderr = '';
  let killed = false;
  readline.createInterface({ input: cap.stderr! }).on('line', (l) => {
    stderr += l + '\n';
    if (l.startsWith('test pause:') && !killed) {
      killed = true;
      going.kill('SIGKILL');
    }
  });
  const code = await new Promise((r) => cap.on('exit', r));
  assert.equal(code, 0, stderr);
  assert.ok(killed, `the capture never paused:\n${stderr}`);
  assert.deepEqual(markedEventsPerSample(out), [{ 'appear STAYING': N }]);
  const analyzed = spawnSync(process.execPath, [BIN, 'analyze', out, '-f', 'json', '--no-progress'], { encoding: 'utf8' });
  assert.equal(analyzed.status, 0, analyzed.stderr);
});
