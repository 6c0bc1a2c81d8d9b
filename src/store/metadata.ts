/**
 * Memory zswap spends outside the pool pages, per stored page and per object (x86_64, 6.12).
 * The dedup sizes describe the proposed design: per-slot zswap_entry kept, compressed object
 * shared through a refcounted descriptor found by a hash index.
 */
export interface MetadataSizes {
  /** struct zswap_entry (mm/zswap.c), one per stored page: 56 bytes */
  readonly entryBytes: number;
  /** zswap_entry with dedup (the handle/length/pool it held move to the shared object) */
  readonly dedupEntryBytes: number;
  /** xarray leaf slots per stored page: a 576-byte xa_node covers 64 offsets → 9 bytes when dense */
  readonly xarrayBytesPerEntry: number;
  /** zsmalloc handle from the zs_handle cache, one per pool object */
  readonly handleBytes: number;
  /** struct zspage, one per zspage */
  readonly zspageBytes: number;
  /** shared object descriptor of the dedup design, one per unique object */
  readonly dedupObjectBytes: number;
  /** dedup hash index cost per unique object (bucket array, load factor 1) */
  readonly dedupIndexBytesPerObject: number;
}

export const DEFAULT_METADATA_SIZES: MetadataSizes = {
  entryBytes: 56,
  dedupEntryBytes: 56,
  xarrayBytesPerEntry: 9,
  handleBytes: 8,
  zspageBytes: 56,
  // hlist_node 16 + u64 hash 8 + handle 8 + pool 8 + length 4 + refcount 4
  dedupObjectBytes: 48,
  dedupIndexBytesPerObject: 8,
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
