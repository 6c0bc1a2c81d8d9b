/**
 * What keying a trace's digests costs per page (npm run bench:keys), beside what the trace path
 * spends on a page anyway (four hashes, the fingerprint, seven compressions: PageDigester), and
 * beside an HMAC-SHA256 of the whole page (the keyed hash one would reach for first). CPU time of
 * this process, so that other processes' load counts less; the load average is printed with it.
 * Prints figures, asserts nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_SIZE } from '../src/model/kernel.js';
import { PageDigester } from '../src/replay/digest.js';
import { DigestKey } from '../src/sources/digest-key.js';
import { DIGEST_HASH_WORDS, FINGERPRINT_WORDS } from '../src/sources/digest-layout.js';
import { PageBatch } from '../src/sources/page-batch.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const raw = fs.readFileSync(path.join(ROOT, 'fixtures', 'sample-python.raw'));
const pages = raw.length / PAGE_SIZE;
const BATCH = 256;

function cpuMicros(run: () => void): number {
  const t = process.cpuUsage();
  run();
  const d = process.cpuUsage(t);
  return d.user + d.system;
}

const batch = new PageBatch(BATCH);
const digester = new PageDigester();
const rounds = 4;
// the digests of every page (what a trace keys), and the time it takes to make them
const hashes = new Uint32Array(pages * DIGEST_HASH_WORDS);
const fp = new Uint32Array(pages * FINGERPRINT_WORDS);
const digestUs = cpuMicros(() => {
  for (let r = 0; r < rounds; r++) {
    for (let p = 0; p < pages; p += BATCH) {
      const n = Math.min(BATCH, pages - p);
      raw.copy(batch.content, 0, p * PAGE_SIZE, (p + n) * PAGE_SIZE);
      for (let i = 0; i < n; i++) digester.digest(batch, i);
      hashes.set(batch.hashes.subarray(0, n * DIGEST_HASH_WORDS), p * DIGEST_HASH_WORDS);
      fp.set(batch.fingerprint.subarray(0, n * FINGERPRINT_WORDS), p * FINGERPRINT_WORDS);
    }
  }
});
let key: DigestKey | null = null;
const setupUs = cpuMicros(() => {
  key = DigestKey.random();
});
const keyRounds = 40;
const keyUs = cpuMicros(() => {
  for (let r = 0; r < keyRounds; r++) {
    const h = hashes.slice();
    const f = fp.slice();
    for (let p = 0; p < pages; p += BATCH) key!.keyDigests(Math.min(BATCH, pages - p), h.subarray(p * DIGEST_HASH_WORDS), 0, f.subarray(p * FINGERPRINT_WORDS), 0);
  }
});
const hmacKey = crypto.randomBytes(32);
const hmacUs = cpuMicros(() => {
  for (let r = 0; r < keyRounds; r++) for (let p = 0; p < pages; p++) crypto.createHmac('sha256', hmacKey).update(raw.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)).digest();
});

const perPage = (us: number, n: number) => `${(us / n).toFixed(2)} µs`;
console.log(`digest keys, ${pages} pages of fixtures/sample-python.raw, CPU time of this process (load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} CPUs)`);
console.log(`  trace digest (4 hashes, fingerprint, 7 compressors)  ${perPage(digestUs, rounds * pages)} per page`);
console.log(`  keying it (AES-256: T-function + fingerprint)        ${perPage(keyUs, keyRounds * pages)} per page  (${((100 * keyUs) / keyRounds / (digestUs / rounds)).toFixed(2)} % of the digest)`);
console.log(`  a key's tables, once per trace                       ${(setupUs / 1000).toFixed(1)} ms`);
console.log(`  for comparison: HMAC-SHA256 of the whole page        ${perPage(hmacUs, keyRounds * pages)} per page`);
