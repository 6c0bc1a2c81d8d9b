/**
 * Memory zswap spends outside the pool pages, per stored page and per object (x86_64, 6.12).
 * The dedup sizes are those of the series in kernel/patches/: the per-slot zswap_entry is kept,
 * the compressed object is shared through a refcounted struct zswap_obj found by a hash index.
 */
export interface MetadataSizes {
  /** struct zswap_entry (mm/zswap.c), one per stored page: 56 bytes */
  readonly entryBytes: number;
  /** zswap_entry with dedup (the series keeps it at 56: the handle becomes a union with the object pointer) */
  readonly dedupEntryBytes: number;
  /** xarray leaf slots per stored page: a 576-byte xa_node covers 64 offsets → 9 bytes when dense */
  readonly xarrayBytesPerEntry: number;
  /** zsmalloc handle from the zs_handle cache, one per pool object */
  readonly handleBytes: number;
  /** struct zspage, one per zspage */
  readonly zspageBytes: number;
  /** struct zswap_obj of the dedup series (kernel/patches/), one per object */
  readonly dedupObjectBytes: number;
  /** index cost per object beyond the descriptor (the series' rbtree node lives in zswap_obj: 0) */
  readonly dedupIndexBytesPerObject: number;
}

export const DEFAULT_METADATA_SIZES: MetadataSizes = {
  entryBytes: 56,
  dedupEntryBytes: 56,
  xarrayBytesPerEntry: 9,
  handleBytes: 8,
  zspageBytes: 56,
  // rb_node 24 + key {hash, scope} 16 + handle 8 + length 4 + refcount 4, kmem cache of its own
  // (73 per 4 KiB slab), as measured in the patched guest
  dedupObjectBytes: 56,
  dedupIndexBytesPerObject: 0,
};

export const METADATA_OPTION_NAMES: Record<keyof MetadataSizes, string> = {
  entryBytes: 'entry-bytes',
  dedupEntryBytes: 'dedup-entry-bytes',
  xarrayBytesPerEntry: 'xarray-bytes',
  handleBytes: 'handle-bytes',
  zspageBytes: 'zspage-bytes',
  dedupObjectBytes: 'dedup-object-bytes',
  dedupIndexBytesPerObject: 'dedup-index-bytes',
};
