/**
 * What the fixtures do not show by themselves: incomplete dumps (makedumpfile ran out of space),
 * older header versions, VMCOREINFO from the notes, and the flattened reader's piece map in corner
 * cases. Files are edited copies of the fixtures; expected pages come from the unedited fixture.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InputFile } from '../src/sources/input-file.js';
import { FlattenedFile } from '../src/sources/kdump/flattened-reader.js';
import { KdumpSource } from '../src/sources/kdump/kdump-reader.js';
import { fixturePath, flatten, loadExpected, readDump } from './helpers/kdump-fixtures.js';
import { kdumpLayout } from './helpers/kdump-mutate.js';
import { tmpDir } from './helpers/tmp.js';

const dir = tmpDir();
const ZLIB = fs.readFileSync(fixturePath('linux-zlib.kd'));
const LAYOUT = kdumpLayout(ZLIB);
const reference = readDump(fixturePath('linux-zlib.kd'), { keepAll: true });
reference.source.close();

function write(name: string, data: Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
}

function incomplete(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c.writeUInt32LE(c.readUInt32LE(424) | 0x8, 424);
  return c;
}

test('incomplete dump: pages whose data or descriptor is missing are counted as lost, the rest delivered', () => {
  // data cut in the middle, descriptors of the last 20 pages zeroed
  const cut = incomplete(ZLIB).subarray(0, LAYOUT.descs[200].offset + 10);
  for (let i = LAYOUT.ndesc - 20; i < LAYOUT.ndesc; i++) cut.fill(0, LAYOUT.descs[i].at, LAYOUT.descs[i].at + 24);
  const r = readDump(write('incomplete.kd', Buffer.from(cut)), { keepAll: true });
  r.source.close();
  const info = r.source.info as { incomplete: boolean; pages: Record<string, number> };
  assert.equal(info.incomplete, true);
  assert.equal(r.source.totalPages, null);
  // pages 0..199 are all there; from 200 on, those whose data lies before the cut survive too
  const lost = info.pages.lost;
  assert.equal(r.pages + lost, LAYOUT.ndesc);
  assert.ok(lost >= 20);
  for (let i = 0; i < 200; i++) assert.ok(r.all[i].equals(reference.all[i]), `page ${i}`);
  const byPfn = new Map(reference.pfns.map((p, i) => [p, reference.all[i]]));
  r.pfns.forEach((p, i) => assert.ok(r.all[i].equals(byPfn.get(p)!), `PFN ${p}`));
  // descriptors cut off too
  const short = incomplete(ZLIB).subarray(0, LAYOUT.offDesc + 24 * 50 + 7);
  const s = readDump(write('incomplete-desc.kd', Buffer.from(short)));
  s.source.close();
  assert.equal(s.pages, 0, 'the data of every page is missing');
  assert.equal((s.source.info as { pages: Record<string, number> }).pages.lost, LAYOUT.ndesc);
});

test('header versions before 6: PFN range and max_mapnr from the older fields', () => {
  for (const v of [5, 4, 3, 2]) {
    const b = Buffer.from(ZLIB);
    b.writeInt32LE(v, 8);
    const r = readDump(write(`v${v}.kd`, b));
    r.source.close();
    assert.equal(r.digest, reference.digest, `version ${v}`);
    assert.equal((r.source.info as { vmcoreinfo_keys: number }).vmcoreinfo_keys, v >= 3 ? 104 : 0, `version ${v}`);
  }
});

test('VMCOREINFO from the ELF notes when the sub-header gives none (as QEMU may write)', () => {
  const b = Buffer.from(ZLIB);
  const bs = b.readInt32LE(428);
  assert.ok(b.readBigUInt64LE(bs + 56) > 0n, 'the fixture carries the ELF notes');
  b.writeBigUInt64LE(0n, bs + 40);
  const src = new KdumpSource(InputFile.open(write('notes-only.kd', b)), { allPages: true });
  try {
    assert.equal(src.info.vmcoreinfo_keys, 104);
    assert.equal(src.vmcoreinfo?.get('OSRELEASE'), loadExpected().guest_release);
  } finally {
    src.close();
  }
});

test('timestamps a Date cannot hold are kept as numbers', () => {
  for (const t of [2n ** 62n, 2n ** 43n, 1n]) {
    const b = Buffer.from(ZLIB);
    b.writeBigInt64LE(t, 408);
    const src = new KdumpSource(InputFile.open(write('time.kd', b)), { allPages: true });
    src.close();
    assert.ok(src.info.timestamp === Number(t) || src.info.timestamp === '1970-01-01T00:00:01.000Z', String(src.info.timestamp));
  }
});

test('flattened piece map: gaps read as zeros, reads across pieces and gaps, reads beyond the end refused', () => {
  const data = Buffer.alloc(20000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  // pieces [0,100) [100,5000) [8000,12000) [12000,20000) in a shuffled order: a gap at 5000..8000
  const file = write('gappy.flat', flatten(data, [[8000, 4000], [0, 100], [12000, 8000], [100, 4900]]));
  const f = new FlattenedFile(InputFile.open(file));
  try {
    assert.equal(f.size, 20000);
    assert.equal(f.pieces, 4);
    assert.equal(f.gapBytes, 3000);
    const all = Buffer.alloc(20000);
    f.readExactly(all, 0, 20000, 0);
    const want = Buffer.from(data);
    want.fill(0, 5000, 8000);
    assert.ok(all.equals(want));
    for (const [pos, len] of [[4990, 20], [7990, 20], [4000, 5000], [11999, 2], [0, 1], [19999, 1], [6000, 10]]) {
      const b = Buffer.alloc(len);
      f.readExactly(b, 0, len, pos);
      assert.ok(b.equals(want.subarray(pos, pos + len)), `${pos}+${len}`);
    }
    assert.throws(() => f.readExactly(Buffer.alloc(10), 0, 10, 19995), /beyond its end/);
  } finally {
    f.close();
  }
});

test('a flattened ELF file is handed to the ELF reader and reads as the ELF file does', () => {
  const elf = path.join(fixturePath('..'), 'elf', 'gcore-fill.core');
  const data = fs.readFileSync(elf);
  const pieces: [number, number][] = [];
  for (let at = 0; at < data.length; at += 65536) pieces.push([at, Math.min(65536, data.length - at)]);
  pieces.reverse();
  const flat = write('core.flat', flatten(data, pieces));
  const direct = readDump(elf);
  direct.source.close();
  const viaFlat = readDump(flat);
  viaFlat.source.close();
  assert.equal(viaFlat.source.format, direct.source.format);
  assert.equal(viaFlat.pages, direct.pages);
  assert.ok(viaFlat.pages > 0);
  assert.equal(viaFlat.digest, direct.digest);
  assert.deepEqual(viaFlat.source.info.flattened, { pieces: pieces.length, size: data.length, gap_bytes: 0 });
});

test('flattened files of thousands of tiny pieces are refused (each read would cost a read per piece)', () => {
  const data = Buffer.alloc(5000 * 8, 1);
  const pieces: [number, number][] = [];
  for (let at = 0; at < data.length; at += 8) pieces.push([at, 8]);
  const f = write('tiny.flat', flatten(data, pieces));
  assert.throws(() => new FlattenedFile(InputFile.open(f)), /more than 4096 pieces smaller than 512 bytes/);
  // a few hundred small ones are fine
  const ok = write('small.flat', flatten(data, pieces.slice(0, 300)));
  const g = new FlattenedFile(InputFile.open(ok));
  assert.equal(g.pieces, 300);
  g.close();
});
