/**
 * The modelled kernel: the facts of the one Linux version the replica reproduces, and the only
 * place that names it. To model another kernel version, edit this file, then the rule files that
 * cite the kernel source they mirror (src/compress/*.ts, src/store/*.ts, src/replay/zero-page.ts),
 * and check them against golden data of that kernel (../shared/corpus/kernel-<series>.csv,
 * ../shared/spec/zsmalloc-classes-<series>.csv).
 *
 * Every number here is x86_64 with 4 KiB pages; the source of each is named beside it.
 */

/** the kernel release whose zswap the replica follows, its LTS series and architecture */
export const KERNEL = {
  release: '6.12.117',
  series: '6.12',
  arch: 'x86_64',
} as const;

/** PAGE_SIZE of x86_64; also the output budget zswap hands the compressor (dlen = PAGE_SIZE). */
export const PAGE_SIZE = 4096;

/** how reports name the model (report field kernel_model) */
export const KERNEL_MODEL = `Linux ${KERNEL.series} (${KERNEL.arch}, ${PAGE_SIZE / 1024} KiB pages)`;
/** the same, for --help texts: "Linux 6.12" */
export const KERNEL_NAME = `Linux ${KERNEL.series}`;

/** include/uapi/asm-generic/errno-base.h; zswap maps -ENOSPC to reject_compress_poor, others to reject_compress_fail */
export const EINVAL = 22;
export const ENOSPC = 28;

/** acomp_ctx->buffer (mm/zswap.c): the compressor writes into 2 * PAGE_SIZE bytes */
export const DST_BUFFER_SIZE = 2 * PAGE_SIZE;

/** zsmalloc (mm/zsmalloc.c, mm/Kconfig) */
export const ZSMALLOC = {
  /** bytes in front of every object of a non-huge class (the handle, tagged OBJ_ALLOCATED_TAG) */
  handleSize: 8,
  minAllocSize: 32,
  maxAllocSize: PAGE_SIZE,
  /** ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS (8) */
  sizeClassDelta: PAGE_SIZE >> 8,
  /** CONFIG_ZSMALLOC_CHAIN_SIZE: Kconfig default and range */
  chainSize: { default: 8, min: 4, max: 16 },
} as const;

/** zbud (mm/zbud.c): 64-byte chunks, one chunk of header per page */
export const ZBUD = {
  chunkShift: 6,
} as const;

/**
 * Sizes of the structures zswap spends outside the pool pages, as measured on the modelled kernel
 * (x86_64 slab object sizes) and, for the dedup series in kernel/patches/, in its patched guest.
 */
export const STRUCT_SIZES = {
  /** struct zswap_entry (mm/zswap.c), one per stored page */
  zswapEntry: 56,
  /** zswap_entry with the dedup series: the handle becomes a union with the object pointer */
  zswapEntryDedup: 56,
  /** xarray leaf slots per stored page: a 576-byte xa_node covers 64 offsets → 9 bytes when dense */
  xarrayPerEntry: 9,
  /** zsmalloc handle from the zs_handle cache, one per pool object */
  zsHandle: 8,
  /** struct zspage (mm/zsmalloc.c), one per zspage */
  zspage: 56,
  /**
   * struct zswap_obj of the dedup series (v2): the zswap_entry of the slot that stored the content
   * (56) + rb_node 24 + scope 8 + hash 4 + refcount 4, allocated in place of that slot's entry,
   * in a kmem cache of its own (42 per 4 KiB slab); measured in the patched guest
   */
  zswapObj: 96,
  /** index cost per object beyond zswap_obj (the series' rbtree node lives inside it) */
  dedupIndexPerObject: 0,
} as const;

/**
 * The dedup series (v2) keys its index on the low 32 bits of the page's xxh64 (struct zswap_obj's
 * u32 hash): the analyzer's default --hash-bits for wider hashes.
 */
export const DEDUP_KEY_BITS = 32;
