/**
 * What the store replica needs from a zpool backend (mm/zpool.c): allocate an object of the
 * compressed length and say how many pages the pool holds. Only stores are modelled: for a pool
 * that has seen no frees (or was just compacted) page counts are exact.
 */
export type ZpoolName = 'zsmalloc' | 'zbud';
export const ZPOOL_NAMES: readonly ZpoolName[] = ['zsmalloc', 'zbud'];

export interface Zpool {
  readonly name: ZpoolName;
  /** zpool_malloc(length): 0, or a negative errno the way the backend refuses the size */
  malloc(length: number): number;
  /** zpool_get_total_pages() */
  readonly totalPages: number;
  /** objects allocated */
  readonly objects: number;
  /** allocator bookkeeping outside pool pages: zsmalloc handles and zspage descriptors */
  metadataBytes(sizes: AllocatorMetadataSizes): number;
}

export interface AllocatorMetadataSizes {
  /** zsmalloc handle, one per object, from the zs_handle cache */
  readonly handleBytes: number;
  /** struct zspage, one per zspage */
  readonly zspageBytes: number;
}
