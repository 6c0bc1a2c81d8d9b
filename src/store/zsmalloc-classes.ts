/**
 * zsmalloc size classes of the modelled kernel, computed the way zs_create_pool() and
 * zs_malloc() do it in mm/zsmalloc.c (6.12). This is the one place that answers "where does a
 * 1,234-byte compressed object go and what does it cost": see `SizeClassTable.classOfLength`.
 */
import { PAGE_SIZE, ZSMALLOC } from '../model/kernel.js';

const ZS_HANDLE_SIZE = ZSMALLOC.handleSize;
const ZS_MIN_ALLOC_SIZE = ZSMALLOC.minAllocSize;
export const ZS_MAX_ALLOC_SIZE = ZSMALLOC.maxAllocSize;
const ZS_SIZE_CLASS_DELTA = ZSMALLOC.sizeClassDelta;
const ZS_SIZE_CLASSES = Math.ceil((ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA) + 1;

export interface SizeClass {
  /** class index in pool->size_class[] (the largest index of a merged run) */
  readonly index: number;
  /** slot size in bytes, handle included */
  readonly size: number;
  readonly pagesPerZspage: number;
  readonly objsPerZspage: number;
  readonly huge: boolean;
  /** smallest and largest compressed length (entry->length) served by this class */
  readonly minLength: number;
  readonly maxLength: number;
}

export interface SizeClassTable {
  readonly chainSize: number;
  /** distinct classes, ascending by size */
  readonly classes: readonly SizeClass[];
  /** compressed length 1..4096 → position in `classes` (0 is unused) */
  readonly classOfLength: Uint8Array;
  /** smallest compressed length that lands in the huge class (zs_huge_class_size) */
  readonly hugeClassSize: number;
}

/** calculate_zspage_chain_size(): pages per zspage with the least tail waste (ties keep fewer pages). */
export function zspageChainSize(classSize: number, chainSize: number): number {
  if ((classSize & (classSize - 1)) === 0) return 1;
  let best = 1;
  let minWaste = Infinity;
  for (let pages = 1; pages <= chainSize; pages++) {
    const waste = (pages * PAGE_SIZE) % classSize;
    if (waste < minWaste) {
      minWaste = waste;
      best = pages;
    }
  }
  return best;
}

/** get_size_class_index() for an allocation of `size` bytes (handle already added). */
export function sizeClassIndex(size: number): number {
  const idx = size > ZS_MIN_ALLOC_SIZE ? Math.ceil((size - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA) : 0;
  return Math.min(ZS_SIZE_CLASSES - 1, idx);
}

export function buildSizeClassTable(chainSize: number = ZSMALLOC.chainSize.default): SizeClassTable {
  if (!Number.isInteger(chainSize) || chainSize < 4 || chainSize > 16) {
    throw new RangeError(`zsmalloc chain size must be 4..16, got ${chainSize}`);
  }
  // Built from the largest index down: a class with the same (pages, objs) as the class created
  // just before it is not created; its index aliases that larger class (can_merge()).
  const servedBy = new Int32Array(ZS_SIZE_CLASSES);
  const created: { index: number; size: number; pages: number; objs: number }[] = [];
  let hugeClassSize = 0;
  for (let i = ZS_SIZE_CLASSES - 1; i >= 0; i--) {
    const size = Math.min(ZS_MIN_ALLOC_SIZE + i * ZS_SIZE_CLASS_DELTA, ZS_MAX_ALLOC_SIZE);
    const pages = zspageChainSize(size, chainSize);
    const objs = Math.floor((pages * PAGE_SIZE) / size);
    if (pages !== 1 && objs !== 1 && hugeClassSize === 0) hugeClassSize = size - (ZS_HANDLE_SIZE - 1);
    const prev = created[created.length - 1];
    if (prev && prev.pages === pages && prev.objs === objs) {
      servedBy[i] = prev.index;
      continue;
    }
    created.push({ index: i, size, pages, objs });
    servedBy[i] = i;
  }
  created.reverse();
  const position = new Map(created.map((c, pos) => [c.index, pos]));
  const classOfLength = new Uint8Array(PAGE_SIZE + 1);
  const minLength = new Array<number>(created.length).fill(0);
  const maxLength = new Array<number>(created.length).fill(0);
  for (let len = 1; len <= PAGE_SIZE; len++) {
    const pos = position.get(servedBy[sizeClassIndex(len + ZS_HANDLE_SIZE)])!;
    classOfLength[len] = pos;
    if (minLength[pos] === 0) minLength[pos] = len;
    maxLength[pos] = len;
  }
  const classes = created.map((c, pos) => ({
    index: c.index,
    size: c.size,
    pagesPerZspage: c.pages,
    objsPerZspage: c.objs,
    huge: c.objs === 1,
    minLength: minLength[pos],
    maxLength: maxLength[pos],
  }));
  return { chainSize, classes, classOfLength, hugeClassSize };
}
