/**
 * Hostile kdump and flattened inputs: every one ends in exit 2 with one line naming the file (or,
 * for a mutation the format cannot detect, in a normal run), never a crash, a hang or a
 * stack trace. Targeted corruptions through the CLI, then a bounded deterministic mutation loop
 * (scripts/fuzz.mjs runs many more).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, type CliResult } from './helpers/cli.js';
import { fixturePath, flatten } from './helpers/kdump-fixtures.js';
import { Rng, kdumpLayout, mutate, readOutcome } from './helpers/kdump-mutate.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const ZLIB = fs.readFileSync(fixturePath('linux-zlib.kd'));
const LAYOUT = kdumpLayout(ZLIB);
const FLAT = fs.readFileSync(fixturePath('qemu-bios-zlib.flat'));

function assertCleanError(r: CliResult, file: string, message: RegExp): void {
  assert.equal(r.status, 2, `${file}: status ${r.status}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`zswap-dedup: ${file}: `) || lines[0].includes(file), `names ${file}: ${lines[0]}`);
  assert.match(lines[0], message);
}

let serial = 0;
function writeCase(data: Buffer, name = 'case'): string {
  const file = path.join(dir, `${name}-${serial++}.kd`);
  fs.writeFileSync(file, data);
  return file;
}

function edited(base: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(base);
  edit(b);
  return b;
}

const CASES: [string, Buffer, RegExp][] = [
  ['truncated in the main header', ZLIB.subarray(0, 300), /truncated kdump header/],
  ['truncated in the sub-header', ZLIB.subarray(0, 5000), /beyond the end of the file|does not fit/],
  ['truncated in the bitmaps', ZLIB.subarray(0, LAYOUT.offBitmap2 + 100), /truncated kdump: the bitmaps/],
  ['truncated in the descriptors', ZLIB.subarray(0, LAYOUT.offDesc + 24 * 10 + 5), /truncated kdump: \d+ page descriptors/],
  ['truncated in the page data', ZLIB.subarray(0, ZLIB.length - 1000), /truncated kdump: page descriptor \d+ .* ends beyond the end of the file/],
  ['block size 8192', edited(ZLIB, (b) => b.writeInt32LE(8192, 428)), /page size 8192 is not supported/],
  ['block size 3000', edited(ZLIB, (b) => b.writeInt32LE(3000, 428)), /not a power of two/],
  ['bitmap blocks odd', edited(ZLIB, (b) => b.writeUInt32LE(3, 436)), /bitmap blocks/],
  ['bitmap blocks huge', edited(ZLIB, (b) => b.writeUInt32LE(0xfffffffe, 436)), /bitmaps .* beyond the end of the file/],
  ['sub-header blocks huge', edited(ZLIB, (b) => b.writeInt32LE(0x7fffffff, 432)), /sub-header of \d+ blocks/],
  ['sub-header blocks negative', edited(ZLIB, (b) => b.writeInt32LE(-5, 432)), /sub-header of -5 blocks/],
  ['max_mapnr_64 huge', edited(ZLIB, (b) => b.writeBigUInt64LE(1n << 60n, 4096 + 96)), /max_mapnr \d+ does not fit/],
  ['max_mapnr 0 in both', edited(ZLIB, (b) => { b.writeBigUInt64LE(0n, 4096 + 96); b.writeUInt32LE(0, 440); }), /max_mapnr 0/],
  ['split range reversed', edited(ZLIB, (b) => { b.writeBigUInt64LE(9000n, 4096 + 80); b.writeBigUInt64LE(100n, 4096 + 88); }), /split range/],
  ['split end beyond max_mapnr', edited(ZLIB, (b) => b.writeBigUInt64LE(1n << 40n, 4096 + 88)), /split range/],
  ['VMCOREINFO size huge', edited(ZLIB, (b) => b.writeBigUInt64LE(1n << 40n, 4096 + 40)), /VMCOREINFO of \d+ bytes is too large/],
  ['VMCOREINFO beyond the file', edited(ZLIB, (b) => b.writeBigInt64LE(BigInt(ZLIB.length - 10), 4096 + 32)), /VMCOREINFO at offset/],
  ['VMCOREINFO offset negative', edited(ZLIB, (b) => b.writeBigInt64LE(-4096n, 4096 + 32)), /VMCOREINFO at offset -4096/],
  ['32-bit header layout', edited(ZLIB, (b) => { b.writeInt32LE(4096, 416); b.writeInt32LE(0, 428); }), /32-bit layout/],
  ['header version 0', edited(ZLIB, (b) => b.writeInt32LE(0, 8)), /version 0/],
  ['bitmap bit beyond max_mapnr', edited(ZLIB, (b) => { b.writeBigUInt64LE(8n, 4096 + 96); b.writeBigUInt64LE(0n, 4096 + 80); b.writeBigUInt64LE(8n, 4096 + 88); }), /beyond max_mapnr|bitmap/],
  ['descriptor offset beyond the file', edited(ZLIB, (b) => b.writeBigInt64LE(BigInt(ZLIB.length), LAYOUT.descs[5].at)), /page descriptor 5 .*outside the data area/],
  ['descriptor offset into the headers', edited(ZLIB, (b) => b.writeBigInt64LE(0n, LAYOUT.descs[7].at)), /page descriptor 7 .*outside the data area/],
  ['descriptor offset negative', edited(ZLIB, (b) => b.writeBigInt64LE(-1n, LAYOUT.descs[7].at)), /outside the data area/],
  ['descriptor size 5000', edited(ZLIB, (b) => b.writeUInt32LE(5000, LAYOUT.descs.find((d) => d.flags)!.at + 8)), /compressed page of 5000 bytes|outside the data area/],
  ['descriptor size 0', edited(ZLIB, (b) => b.writeUInt32LE(0, LAYOUT.descs.find((d) => d.flags)!.at + 8)), /compressed page of 0 bytes/],
  ['uncompressed page of 100 bytes', edited(ZLIB, (b) => { const d = LAYOUT.descs.find((x) => x.flags)!; b.writeUInt32LE(0, d.at + 12); b.writeUInt32LE(100, d.at + 8); }), /uncompressed page of 100 bytes/],
  ['unknown descriptor flag', edited(ZLIB, (b) => b.writeUInt32LE(0x40, LAYOUT.descs[3].at + 12)), /unknown flags 0x40/],
  ['two compression flags', edited(ZLIB, (b) => b.writeUInt32LE(3, LAYOUT.descs.find((d) => d.flags)!.at + 12)), /more than one compression flag/],
  ['zlib page marked lzo', edited(ZLIB, (b) => b.writeUInt32LE(2, LAYOUT.descs.find((d) => d.flags)!.at + 12)), /corrupt compressed page .*lzo1x/],
  ['zlib page marked snappy', edited(ZLIB, (b) => b.writeUInt32LE(4, LAYOUT.descs.find((d) => d.flags)!.at + 12)), /corrupt compressed page .*snappy/],
  ['zlib page marked zstd', edited(ZLIB, (b) => b.writeUInt32LE(0x20, LAYOUT.descs.find((d) => d.flags)!.at + 12)), /corrupt compressed page .*zstd/],
  ['scrambled zlib page', edited(ZLIB, (b) => { const d = LAYOUT.descs.find((x) => x.flags)!; b.fill(0xee, d.offset, d.offset + d.size); }), /corrupt compressed page .*zlib/],
];

for (const codec of ['lzo', 'snappy', 'zstd']) {
  const base = fs.readFileSync(fixturePath(`linux-${codec}.kd`));
  const d = kdumpLayout(base).descs.find((x) => x.flags)!;
  CASES.push([`scrambled ${codec} page`, edited(base, (b) => b.fill(0xee, d.offset, d.offset + d.size)), new RegExp(`corrupt compressed page .*${codec === 'lzo' ? 'lzo1x' : codec}`)]);
  CASES.push([`${codec} page cut short`, edited(base, (b) => b.writeUInt32LE(Math.max(1, d.size - 3), d.at + 8)), new RegExp(`corrupt compressed page .*${codec === 'lzo' ? 'lzo1x' : codec}`)]);
}

const flatPieces = (() => {
  const out: { at: number; offset: number; size: number }[] = [];
  for (let pos = 4096; ; ) {
    const off = Number(FLAT.readBigInt64BE(pos));
    const size = Number(FLAT.readBigInt64BE(pos + 8));
    if (off === -1) break;
    out.push({ at: pos, offset: off, size });
    pos += 16 + size;
  }
  return out;
})();

CASES.push(
  ['flattened: truncated (no end marker)', FLAT.subarray(0, FLAT.length - 16), /no end marker/],
  ['flattened: truncated inside a piece', FLAT.subarray(0, flatPieces[10].at + 20), /piece at offset \d+ holds \d+ bytes, only \d+ remain/],
  ['flattened: header only', FLAT.subarray(0, 4100), /truncated flattened dump/],
  ['flattened: type 2', edited(FLAT, (b) => b.writeBigInt64BE(2n, 16)), /type 2/],
  ['flattened: version 7', edited(FLAT, (b) => b.writeBigInt64BE(7n, 24)), /version 7 is not supported/],
  ['flattened: piece size beyond the file', edited(FLAT, (b) => b.writeBigInt64BE(1n << 40n, flatPieces[3].at + 8)), /piece at offset \d+ holds/],
  ['flattened: piece size negative', edited(FLAT, (b) => b.writeBigInt64BE(-5n, flatPieces[3].at + 8)), /size -5/],
  ['flattened: piece offset huge', edited(FLAT, (b) => b.writeBigInt64BE(1n << 62n, flatPieces[3].at)), /piece header at offset/],
  ['flattened: overlapping pieces', edited(FLAT, (b) => b.writeBigInt64BE(BigInt(flatPieces[5].offset + 1), flatPieces[6].at)), /overlaps/],
  ['flattened: bytes after the end marker', Buffer.concat([FLAT, Buffer.alloc(10)]), /bytes after the end marker/],
  ['flattened: end marker with a size', edited(FLAT, (b) => b.writeBigInt64BE(5n, FLAT.length - 8)), /end marker/],
  ['flattened: holds a flattened file', flatten(FLAT.subarray(0, 8192), [[0, 8192]]), /another flattened dump/],
  ['flattened: holds garbage', flatten(Buffer.alloc(8192, 0x41), [[0, 8192]]), /neither a kdump-compressed dump nor an ELF/],
  ['flattened: a piece far beyond the rest (a dump of holes)', edited(FLAT, (b) => b.writeBigInt64BE(1n << 44n, flatPieces.at(-1)!.at)), /leave \d+ of \d+ bytes unwritten/],
  ['flattened: kdump inside is truncated', flatten(ZLIB, [[0, ZLIB.length - 5000]]), /truncated kdump|beyond/],
);

test('targeted corruptions: exit 2, one line naming the file and the problem', () => {
  for (const [what, data, message] of CASES) {
    const file = writeCase(data, what.replace(/[^a-z0-9]+/gi, '-'));
    const r = runCli(['analyze', '--threads', '1', file]);
    assert.doesNotThrow(() => assertCleanError(r, file, message), `${what}: ${r.stderr}`);
  }
});

test('bounded mutation loop: every mutated fixture reads cleanly or fails with an InputError', { timeout: 240_000 }, () => {
  const bases = ['linux-zlib.kd', 'linux-lzo.kd', 'linux-snappy.kd', 'linux-zstd.kd', 'linux-none.kd', 'linux-classify.kd', 'qemu-bios-zlib.flat', 'qemu-bios-zlib.kd'];
  const rng = new Rng(20241130);
  const counts = { ok: 0, 'input-error': 0 };
  const file = path.join(dir, 'mutant');
  const N = 350;
  for (let i = 0; i < N; i++) {
    const name = bases[i % bases.length];
    const base = fs.readFileSync(fixturePath(name));
    const layout = name.endsWith('.kd') ? kdumpLayout(base) : null;
    const m = mutate(base, layout, rng);
    fs.writeFileSync(file, m.data);
    let r;
    try {
      r = readOutcome(file);
    } catch (e) {
      assert.fail(`${name}, ${m.what}: not an InputError: ${(e as Error).stack}`);
    }
    counts[r.outcome]++;
    if (m.what.startsWith('truncated')) assert.equal(r.outcome, 'input-error', `${name}, ${m.what} was accepted`);
  }
  console.log(`kdump mutation loop: ${N} mutants, ${counts.ok} read cleanly, ${counts['input-error']} refused with an InputError`);
  assert.ok(counts['input-error'] > N / 3);
});

test('mutants through the CLI: exit 0 or 2 with one line, never a crash', () => {
  const rng = new Rng(77);
  for (let i = 0; i < 16; i++) {
    const name = i % 2 ? 'linux-snappy.kd' : 'qemu-bios-zlib.flat';
    const base = fs.readFileSync(fixturePath(name));
    const m = mutate(base, name.endsWith('.kd') ? kdumpLayout(base) : null, rng);
    const file = writeCase(m.data, 'cli-mutant');
    const r = runCli(['analyze', '--threads', '1', '-f', 'json', file]);
    assert.ok(r.status === 0 || r.status === 2, `${name}, ${m.what}: status ${r.status}: ${r.stderr}`);
    if (r.status === 2) assertCleanError(r, file, /./);
  }
});
