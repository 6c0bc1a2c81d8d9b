/**
 * Keyed digests of a hash-only trace (issue 14): what a trace stores instead of a page's plain
 * hashes and fingerprint, so that equal pages stay equal inside the trace (and across traces made
 * with one key) but nobody without the key can test a guess of a page's content by hashing it.
 *
 *   fingerprint   AES-256 under the fingerprint subkey of the page's 128-bit fingerprint
 *                 (hash/page-hash.ts): a keyed permutation, so two pages share the keyed
 *                 fingerprint exactly when they share the plain one.
 *   index hashes  each of xxh64 (64 bits), xxh32, jhash2, crc32c (32 bits) through a keyed
 *                 T-function: bit j of the stored value is bit j of the hash XOR one pseudorandom
 *                 bit of (subkey, hash, j, the bits below j). Bit j depends only on bits 0..j, and
 *                 can be undone bit by bit with the key, so for every n the low n bits of two
 *                 stored values are equal exactly when those of the plain hashes are: the dedup
 *                 index (--hash, --hash-bits), the series' 32-bit keys and the collision table
 *                 (16/24/32 bits) give the same figures as from the plain hashes.
 *
 * Each pseudorandom bit is bit 0 of AES-256 under the index subkey of one block (u32 hash number
 * | j << 8, then the low j bits as a u64, then u32 0; little-endian); bits 0..15 of each hash come from a table made once per key (65,535 blocks
 * per hash), higher ones are computed per page (96 blocks a page, batched). AES is used as a
 * keyed permutation of single blocks; "ECB" is only how node:crypto exposes that.
 *
 * The key: 32 random bytes per trace, never written anywhere (no two traces compare), or the bytes
 * of a --key-file (≥ 16 bytes; traces of one fleet compare). Subkeys come from HKDF-SHA256 with
 * labels of their own; a trace records only the key id, the first 16 bytes of
 * SHA-256("zswap-dedup digest key id v1\0" ‖ key) in hex, so readers can tell traces of one key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { InputError } from '../util/errors.js';
import { DIGEST_HASH_WORD, DIGEST_HASH_WORDS, FINGERPRINT_WORDS } from './digest-layout.js';

export const KEY_FILE_MIN_BYTES = 16;
export const KEY_FILE_MAX_BYTES = 1 << 16;
/** how a trace's header names its key: `digest_key: { id, origin }` */
export type KeyOrigin = 'random' | 'key-file';
export const KEY_ID_PATTERN = /^[0-9a-f]{32}$/;

/** bits of each hash taken from the per-key table */
const TABLE_BITS = 16;
/** the hashes of a digest, as [word of its low 32 bits, width] — xxh64's high word follows its low one */
const HASHES: readonly [number, number][] = [
  [DIGEST_HASH_WORD.xxh64, 64],
  [DIGEST_HASH_WORD.xxh32, 32],
  [DIGEST_HASH_WORD.jhash2, 32],
  [DIGEST_HASH_WORD.crc32c, 32],
];
const BLOCK = 16;
/** AES blocks per page for the bits above the table */
const BLOCKS_PER_PAGE = HASHES.reduce((a, [, w]) => a + w - TABLE_BITS, 0);

function ecb(key: Buffer): crypto.Cipher {
  const c = crypto.createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return c;
}

export class DigestKey {
  readonly id: string;
  private readonly index: crypto.Cipher;
  private readonly fingerprint: crypto.Cipher;
  /** per hash: the low TABLE_BITS bits, plain → keyed */
  private readonly tables: Uint16Array[];
  private blocks = Buffer.alloc(0);
  private words = new Uint32Array(0);

  private constructor(
    key: Buffer,
    readonly origin: KeyOrigin,
  ) {
    this.id = crypto.createHash('sha256').update('zswap-dedup digest key id v1\0').update(key).digest('hex').slice(0, 32);
    const sub = (label: string) => Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), label, 32));
    this.index = ecb(sub('zswap-dedup index hash v1'));
    this.fingerprint = ecb(sub('zswap-dedup fingerprint v1'));
    this.tables = HASHES.map((_, h) => this.table(h));
  }

  /** a fresh random key, for one trace */
  static random(): DigestKey {
    return new DigestKey(crypto.randomBytes(32), 'random');
  }

  /** the whole content of a key file (e.g. `head -c 32 /dev/urandom > fleet.key`) */
  static fromFile(path: string): DigestKey {
    let key: Buffer;
    try {
      const st = fs.statSync(path);
      if (!st.isFile()) throw new InputError(path, 'key file is not a regular file');
      if (st.size > KEY_FILE_MAX_BYTES) throw new InputError(path, `key file is ${st.size} bytes, at most ${KEY_FILE_MAX_BYTES}`);
      key = fs.readFileSync(path);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(path, `cannot read key file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (key.length < KEY_FILE_MIN_BYTES) {
      throw new InputError(path, `key file holds ${key.length} bytes, at least ${KEY_FILE_MIN_BYTES} random bytes are needed (head -c 32 /dev/urandom > ${path})`);
    }
    return new DigestKey(key, 'key-file');
  }

  /**
   * Keys `pages` digests in place: page p's hash words at hashes[hAt + p × DIGEST_HASH_WORDS …]
   * and fingerprint at fp[fAt + p × FINGERPRINT_WORDS …] (all-zero digests of zero-filled pages
   * are the caller's to leave alone).
   */
  keyDigests(pages: number, hashes: Uint32Array, hAt: number, fp: Uint32Array, fAt: number): void {
    if (pages === 0) return;
    const need = pages * BLOCKS_PER_PAGE * BLOCK;
    if (this.blocks.length < need) {
      this.blocks = Buffer.alloc(need);
      this.words = new Uint32Array(this.blocks.buffer, this.blocks.byteOffset, need / 4);
    }
    const b = this.words;
    // one block per (page, hash, bit j ≥ TABLE_BITS): u32 hash | j << 8, u32 × 2 the low j bits of the plain hash, u32 0
    let at = 0;
    for (let p = 0; p < pages; p++) {
      const hw = hAt + p * DIGEST_HASH_WORDS;
      for (let h = 0; h < HASHES.length; h++) {
        const [word, width] = HASHES[h];
        const lo = hashes[hw + word];
        const hi = width === 64 ? hashes[hw + word + 1] : 0;
        for (let j = TABLE_BITS; j < width; j++, at += 4) {
          b[at] = h | (j << 8);
          b[at + 1] = j >= 32 ? lo : lo & ((1 << j) - 1);
          b[at + 2] = j > 32 ? hi & ((1 << (j - 32)) - 1) : 0;
          b[at + 3] = 0;
        }
      }
    }
    const out = this.encrypt(this.index, this.blocks.subarray(0, need));
    at = 0;
    for (let p = 0; p < pages; p++) {
      const hw = hAt + p * DIGEST_HASH_WORDS;
      for (let h = 0; h < HASHES.length; h++) {
        const [word, width] = HASHES[h];
        let lo = hashes[hw + word];
        let hi = width === 64 ? hashes[hw + word + 1] : 0;
        let flipLo = 0;
        let flipHi = 0;
        for (let j = TABLE_BITS; j < width; j++, at += BLOCK) {
          const bit = out[at] & 1;
          if (j < 32) flipLo |= bit << j;
          else flipHi |= bit << (j - 32);
        }
        const low = lo & 0xffff;
        lo = ((lo ^ flipLo ^ low ^ this.tables[h][low]) >>> 0);
        hashes[hw + word] = lo;
        if (width === 64) {
          hi = (hi ^ flipHi) >>> 0;
          hashes[hw + word + 1] = hi;
        }
      }
    }
    // fingerprints: one block each
    const f = Buffer.alloc(pages * BLOCK);
    for (let p = 0; p < pages; p++) for (let w = 0; w < FINGERPRINT_WORDS; w++) f.writeUInt32LE(fp[fAt + p * FINGERPRINT_WORDS + w], p * BLOCK + 4 * w);
    const g = this.encrypt(this.fingerprint, f);
    for (let p = 0; p < pages; p++) for (let w = 0; w < FINGERPRINT_WORDS; w++) fp[fAt + p * FINGERPRINT_WORDS + w] = g.readUInt32LE(p * BLOCK + 4 * w);
  }

  private encrypt(c: crypto.Cipher, blocks: Buffer): Buffer {
    const out = c.update(blocks);
    // with padding off, whole blocks in give as many out at once
    if (out.length !== blocks.length) throw new Error(`AES gave ${out.length} bytes for ${blocks.length}`);
    return out;
  }

  /** The keyed T-function on the low TABLE_BITS bits of hash h, as a table. */
  private table(h: number): Uint16Array {
    const size = 1 << TABLE_BITS;
    // bit j's pseudorandom bits for every j-bit prefix, all blocks in one go
    const blocks = Buffer.alloc((size - 1) * BLOCK);
    const start: number[] = [];
    let at = 0;
    for (let j = 0; j < TABLE_BITS; j++) {
      start.push(at / BLOCK);
      for (let prefix = 0; prefix < 1 << j; prefix++, at += BLOCK) {
        blocks.writeUInt32LE(h | (j << 8), at);
        blocks.writeUInt32LE(prefix, at + 4);
      }
    }
    const out = this.encrypt(this.index, blocks);
    const t = new Uint16Array(size);
    for (let x = 0; x < size; x++) {
      let y = x;
      for (let j = 0; j < TABLE_BITS; j++) y ^= (out[(start[j] + (x & ((1 << j) - 1))) * BLOCK] & 1) << j;
      t[x] = y;
    }
    return t;
  }
}

/** The key id a trace's header gives (null: no digest_key field), or an error message. */
export function headerKeyId(info: Record<string, unknown>): { id: string | null } | { error: string } {
  const k = info.digest_key;
  if (k === undefined) return { id: null };
  if (typeof k !== 'object' || k === null) return { error: 'digest_key is not an object' };
  const { id, origin } = k as { id?: unknown; origin?: unknown };
  if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) return { error: 'digest_key.id is not 32 hex digits' };
  if (origin !== 'random' && origin !== 'key-file') return { error: `digest_key.origin ${JSON.stringify(origin)} is neither random nor key-file` };
  return { id };
}

/** what analyze needs to know of an input to compare its pages with the others' */
export interface DigestInput {
  readonly path: string;
  readonly hasContent: boolean;
  readonly info: Record<string, unknown>;
}

/**
 * Inputs analyzed together must identify pages alike: all keyed with one key, or none keyed
 * (contents and plain traces). Refuses anything else with one line naming the files (their pages
 * would never match: a silently lost saving); warns about each plain (unkeyed) trace.
 */
export function checkComparableDigests(inputs: readonly DigestInput[], warn: (file: string, message: string) => void): void {
  const groups = new Map<string, string[]>();
  for (const input of inputs) {
    const key = headerKeyId(input.info);
    const id = 'id' in key ? key.id : null;
    const label = id !== null ? `digests keyed with key ${id}` : input.hasContent ? 'page contents' : 'plain (unkeyed) digests';
    const list = groups.get(label) ?? [];
    list.push(input.path);
    groups.set(label, list);
  }
  if (groups.size > 1 && [...groups.keys()].some((l) => l.startsWith('digests keyed'))) {
    const parts = [...groups].map(([label, paths]) => `${paths.join(', ')}: ${label}`);
    throw new InputError(null, `inputs whose pages cannot be compared (made with different digest keys): ${parts.join('; ')} — make traces that go together with one --key-file`);
  }
  for (const input of inputs) {
    const key = headerKeyId(input.info);
    if (!input.hasContent && 'id' in key && key.id === null) {
      warn(input.path, 'a plain trace (format version 1 or 2): its digests are not keyed, so anyone holding it can test a guess of a page\'s content by hashing it (zswap-dedup convert --hash-only writes it keyed)');
    }
  }
}
