/**
 * The dedup series' shared objects as they live and die under churn (kernel/patches/, v2;
 * kernel/dedup/README.md): struct zswap_obj {entry, rb_node, scope, hash, refs} found through a
 * per-pool index keyed by the page hash.
 *
 * - zswap_dedup_find(): the object indexed under the page's hash key; used when its content is
 *   the page's (one more reference, dedup_saved_bytes += length); a key held by another content
 *   is a collision (dedup_verify_fail): the page is then stored as without dedup, not here.
 * - zswap_obj_publish(): a compressed store with no object under its key becomes an object with
 *   one reference, indexed (the key is free: find() said so).
 * - zswap_obj_put(): every path that frees an entry (load, invalidate, writeback, stale entry)
 *   drops one reference; the last takes the object out of the index and frees its zsmalloc
 *   object, otherwise dedup_saved_bytes -= length. Writeback only ever takes a last reference.
 *
 * The replica asks this class only find / create / put / refsOf.
 */
import type { HashGroups } from './zswap-store.js';

const NONE = -1;
/** find(): the key is held by an object with other content (a hash collision) */
export const COLLISION = -2;

function widen(a: Int32Array, min: number): Int32Array {
  if (a.length > min) return a;
  let n = a.length;
  while (n <= min) n *= 2;
  const b = new Int32Array(n).fill(NONE);
  b.set(a);
  return b;
}

export class DedupObjects {
  /** per object: zpool handle, content id, compressed length, references (0: the object is free) */
  private handle: Int32Array = new Int32Array(1024);
  private content: Int32Array = new Int32Array(1024);
  private length: Int32Array = new Int32Array(1024);
  private refs: Int32Array = new Int32Array(1024);
  private used = 0;
  private readonly spare: number[] = [];
  /** index: hash group (its first content's id) → object indexed under that key */
  private indexed: Int32Array = new Int32Array(1024).fill(NONE);
  /** dedup_objects: live objects, ownerless ones (their first slot gone) included */
  objects = 0;
  /** objects that are not in the index (their key was taken: only by a concurrent store in the kernel, never here) */
  privateObjects = 0;
  /** dedup_saved_bytes: Σ (refs − 1) × length over live objects */
  savedBytes = 0;
  /** Σ (refs − 1) over live objects: slots whose data another slot's object holds now (dedup_hits counts since boot) */
  sharedSlots = 0;
  /** dedup_verify_fail */
  verifyFailures = 0;
  /** Σ length over live objects: what the pool holds */
  compressedBytes = 0;

  constructor(private readonly groups: HashGroups | null) {}

  private keyOf(content: number): number {
    return this.groups ? this.groups.groupOf(content) : content;
  }

  /** zswap_dedup_find(): an object with the page's content (a reference taken), NONE, or COLLISION */
  find(content: number): number {
    const key = this.keyOf(content);
    const obj = key < this.indexed.length ? this.indexed[key] : NONE;
    if (obj === NONE) return NONE;
    if (this.content[obj] !== content) {
      this.verifyFailures++;
      return COLLISION;
    }
    this.refs[obj]++;
    this.savedBytes += this.length[obj];
    this.sharedSlots++;
    return obj;
  }

  /** zswap_obj_create(): the new compressed data as an object with one reference */
  create(content: number, handle: number, length: number): number {
    let obj = this.spare.pop();
    if (obj === undefined) {
      obj = this.used++;
      if (obj >= this.handle.length) {
        this.handle = widen(this.handle, obj);
        this.content = widen(this.content, obj);
        this.length = widen(this.length, obj);
        this.refs = widen(this.refs, obj);
      }
    }
    this.handle[obj] = handle;
    this.content[obj] = content;
    this.length[obj] = length;
    this.refs[obj] = 1;
    this.objects++;
    this.compressedBytes += length;
    const key = this.keyOf(content);
    this.indexed = widen(this.indexed, key);
    if (this.indexed[key] === NONE) this.indexed[key] = obj;
    else this.privateObjects++;
    return obj;
  }

  /** zswap_obj_put(): the zpool handle to free when this was the last reference, else NONE */
  put(obj: number): number {
    if (--this.refs[obj] > 0) {
      this.savedBytes -= this.length[obj];
      this.sharedSlots--;
      return NONE;
    }
    const key = this.keyOf(this.content[obj]);
    if (this.indexed[key] === obj) this.indexed[key] = NONE;
    else this.privateObjects--;
    this.objects--;
    this.compressedBytes -= this.length[obj];
    this.spare.push(obj);
    return this.handle[obj];
  }

  /** references to the object (the slots sharing it) */
  refsOf(obj: number): number {
    return this.refs[obj];
  }

  lengthOf(obj: number): number {
    return this.length[obj];
  }
}
