/** Ctrl-C and SIGTERM stop a long run before its work ends, leaving no output file behind. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { BIN } from './helpers/paths.js';
import { Rng } from './helpers/random.js';
import { tmpDir } from './helpers/tmp.js';

const PAGES = 6000;

/** distinct, compressible pages: text-like bytes from a small alphabet, a page number in each */
function writeSlowInput(file: string): void {
  const rng = new Rng(8);
  const buf = Buffer.alloc(PAGES * PAGE_SIZE);
  for (let i = 0; i < buf.length; i++) buf[i] = 97 + (rng.next() % 12);
  for (let p = 0; p < PAGES; p++) buf.writeUInt32LE(p + 1, p * PAGE_SIZE);
  fs.writeFileSync(file, buf);
}

interface Stopped {
  code: number | null;
  stderr: string;
  /** the signal was sent */
  sent: boolean;
}

/** Starts a run, waits for its first progress line (it is then in the replay), sends `signal`. */
function interrupt(args: string[], signal: NodeJS.Signals): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (!sent && stderr.includes('progress:')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, sent }));
  });
}

const dir = tmpDir();
const input = path.join(dir, 'slow.raw');
writeSlowInput(input);

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`analyze: ${signal} during the replay stops it, with no report file and no temporary file`, async () => {
    const out = path.join(dir, `report-${signal}.json`);
    const r = await interrupt(['analyze', '-c', 'deflate,lz4hc', '--threads', '1', '--progress', '-f', 'json', '-o', out, input], signal);
    assert.ok(r.sent, `no progress line seen: ${r.stderr}`);
    // the signal came at the first progress line, the replay's start: a run that went on to its end
    // (deflate and lz4hc on 6,000 distinct pages, one thread) would exit 0 with its report written
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, /zswap-dedup: interrupted/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== 'slow.raw' && !f.endsWith('.zsdc')), []);
  });
}

test('convert: SIGINT stops it with no capture file and no temporary file', async () => {
  const out = path.join(dir, 'converted.zsdc');
  const r = await interrupt(['convert', '--hash-only', '--progress', '-o', out, input], 'SIGINT');
  assert.ok(r.sent, `no progress line seen: ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== 'slow.raw' && !f.startsWith('report-')), []);
});
