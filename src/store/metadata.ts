/**
 * Memory zswap spends outside the pool pages, per stored page and per object; the default sizes
 * are the modelled kernel's (src/model/kernel.ts).
 * The dedup sizes are those of the series in kernel/patches/ (v2): every slot keeps a zswap_entry;
 * a stored content is a refcounted struct zswap_obj found by a hash index, allocated in place of
 * the entry of the slot that stored it (so an object adds zswap_obj − zswap_entry to that entry).
 */
import { STRUCT_SIZES } from '../model/kernel.js';

export interface MetadataSizes {
  /** struct zswap_entry (mm/zswap.c), one per stored page */
  readonly entryBytes: number;
  /** zswap_entry with dedup (the series keeps its size: the handle becomes a union with the object pointer) */
  readonly dedupEntryBytes: number;
  /** xarray leaf slots per stored page: a 576-byte xa_node covers 64 offsets → 9 bytes when dense */
  readonly xarrayBytesPerEntry: number;
  /** zsmalloc handle from the zs_handle cache, one per pool object */
  readonly handleBytes: number;
  /** struct zspage, one per zspage */
  readonly zspageBytes: number;
  /** struct zswap_obj of the dedup series (kernel/patches/), one per object, its first slot's entry included */
  readonly dedupObjectBytes: number;
  /** index cost per object beyond the descriptor (the series' rbtree node lives in zswap_obj: 0) */
  readonly dedupIndexBytesPerObject: number;
}

export const DEFAULT_METADATA_SIZES: MetadataSizes = {
  entryBytes: STRUCT_SIZES.zswapEntry,
  dedupEntryBytes: STRUCT_SIZES.zswapEntryDedup,
  xarrayBytesPerEntry: STRUCT_SIZES.xarrayPerEntry,
  handleBytes: STRUCT_SIZES.zsHandle,
  zspageBytes: STRUCT_SIZES.zspage,
  dedupObjectBytes: STRUCT_SIZES.zswapObj,
  dedupIndexBytesPerObject: STRUCT_SIZES.dedupIndexPerObject,
};

/**
 * The analyze options that override a size (hidden from --help), and the property commander
 * gives each on the parsed flags (the option name in camelCase).
 */
export const METADATA_OPTIONS = [
  { size: 'entryBytes', option: 'entry-bytes', flag: 'entryBytes' },
  { size: 'dedupEntryBytes', option: 'dedup-entry-bytes', flag: 'dedupEntryBytes' },
  { size: 'xarrayBytesPerEntry', option: 'xarray-bytes', flag: 'xarrayBytes' },
  { size: 'handleBytes', option: 'handle-bytes', flag: 'handleBytes' },
  { size: 'zspageBytes', option: 'zspage-bytes', flag: 'zspageBytes' },
  { size: 'dedupObjectBytes', option: 'dedup-object-bytes', flag: 'dedupObjectBytes' },
  { size: 'dedupIndexBytesPerObject', option: 'dedup-index-bytes', flag: 'dedupIndexBytes' },
] as const satisfies readonly { size: keyof MetadataSizes; option: string; flag: string }[];

/** the parsed values of those options (strings, as given) */
export type MetadataFlags = { [O in (typeof METADATA_OPTIONS)[number] as O['flag']]?: string };
