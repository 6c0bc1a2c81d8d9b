/**
 * What the page classifier needs from VMCOREINFO (kernel/vmcore_info.c and
 * arch/x86/kernel/vmcore_info_64.c of Linux 6.12): struct page size and field offsets, page flag
 * numbers and page type values, the SPARSEMEM section table, and where the kernel page tables
 * are (init_top_pgt, phys_base, 4- or 5-level paging, the SME mask). Every value is checked for
 * plausibility; what is missing or implausible is named, so the caller can warn.
 */

/** x86_64 __START_KERNEL_map: kernel image symbols are linked here; __pa_symbol(x) = x - it + phys_base */
export const START_KERNEL_MAP = 0xffffffff80000000n;

export interface KernelLayout {
  readonly release: string | null;
  readonly pageSize: number;
  // struct page
  readonly structPageSize: number;
  readonly offFlags: number;
  readonly offRefcount: number;
  readonly offMapping: number;
  readonly offMapcount: number;
  readonly offPrivate: number;
  readonly offCompoundHead: number;
  // page flags (bit numbers) and page types (6.12: top byte of page_type)
  readonly pgSwapbacked: number;
  readonly pgSwapcache: number | null;
  readonly pgHeadMask: bigint | null;
  readonly typeBuddy: number;
  readonly typeSlab: number;
  readonly typeHugetlb: number | null;
  readonly typeOffline: number | null;
  /** highest buddy order + 1 (NR_PAGE_ORDERS) */
  readonly pageOrders: number;
  // SPARSEMEM
  readonly memSection: bigint;
  readonly memSectionLength: number;
  readonly memSectionSize: number;
  readonly offSectionMemMap: number;
  readonly sectionSizeBits: number;
  readonly maxPhysmemBits: number;
  /** SYMBOL(vmemmap) when the kernel has SPARSEMEM_VMEMMAP */
  readonly vmemmap: bigint | null;
  // page tables
  readonly topPgtPhys: number;
  readonly fiveLevel: boolean;
  readonly smeMask: bigint;
  readonly kaslrOffset: bigint | null;
}

export type LayoutResult = { ok: true; layout: KernelLayout } | { ok: false; reason: string };

/** VMCOREINFO prints NUMBER() with %ld (so possibly negative) and a few with 0x%lx. */
function parseNumber(v: string | undefined): bigint | null {
  if (v === undefined) return null;
  const s = v.trim();
  if (/^-?[0-9]+$/.test(s)) return BigInt(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return BigInt(s);
  return null;
}

function parseHex(v: string | undefined): bigint | null {
  if (v === undefined) return null;
  const s = v.trim().replace(/^0x/i, '');
  return /^[0-9a-fA-F]{1,16}$/.test(s) ? BigInt('0x' + s) : null;
}

/** the page type a *_MAPCOUNT_VALUE stands for: 6.12 keeps it in the top byte of page_type */
function pageType(v: bigint | null): number | null {
  if (v === null) return null;
  const u = Number(BigInt.asUintN(32, v));
  if ((u & 0xffffff) !== 0) return null;
  const t = u >>> 24;
  return t >= 0x80 && t < 0xff ? t : null;
}

export function layoutFromVmcoreinfo(info: ReadonlyMap<string, string> | null): LayoutResult {
  if (!info) return { ok: false, reason: 'the dump has no VMCOREINFO note' };
  const missing: string[] = [];
  const implausible: string[] = [];
  const num = (key: string, min: number, max: number, required = true): number => {
    const v = parseNumber(info.get(key));
    if (v === null) {
      if (required) missing.push(key);
      return -1;
    }
    if (v < BigInt(min) || v > BigInt(max)) {
      implausible.push(`${key}=${info.get(key)}`);
      return -1;
    }
    return Number(v);
  };
  const sym = (key: string, required = true): bigint | null => {
    const v = parseHex(info.get(key));
    if (v === null && required) missing.push(key);
    return v;
  };

  const pageSize = num('PAGESIZE', 4096, 4096);
  const structPageSize = num('SIZE(page)', 32, 256);
  const off = (f: string) => num(`OFFSET(page.${f})`, 0, 248);
  const offFlags = off('flags');
  const offRefcount = off('_refcount');
  const offMapping = off('mapping');
  const offMapcount = off('_mapcount');
  const offPrivate = off('private');
  const offCompoundHead = off('compound_head');
  const pgSwapbacked = num('NUMBER(PG_swapbacked)', 0, 63);
  const pgSwapcache = num('NUMBER(PG_swapcache)', 0, 63, false);
  const headMask = parseNumber(info.get('NUMBER(PG_head_mask)'));
  const typeBuddy = pageType(parseNumber(info.get('NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)')));
  const typeSlab = pageType(parseNumber(info.get('NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)')));
  if (typeBuddy === null) {
    (info.has('NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)') ? implausible : missing).push('NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE) (page type in the top byte of page_type)');
  }
  if (typeSlab === null) {
    (info.has('NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)') ? implausible : missing).push('NUMBER(PAGE_SLAB_MAPCOUNT_VALUE) (page type in the top byte of page_type)');
  }
  const typeHugetlb = pageType(parseNumber(info.get('NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)')));
  const typeOffline = pageType(parseNumber(info.get('NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)')));
  // x86_64 has 11 (MAX_PAGE_ORDER 10); more than 13 would make the struct page chunks large
  const pageOrders = num('LENGTH(zone.free_area)', 1, 13);

  const memSection = sym('SYMBOL(mem_section)');
  const memSectionLength = num('LENGTH(mem_section)', 1, 1 << 26);
  const memSectionSize = num('SIZE(mem_section)', 8, 256);
  const offSectionMemMap = num('OFFSET(mem_section.section_mem_map)', 0, 248);
  const sectionSizeBits = num('NUMBER(SECTION_SIZE_BITS)', 15, 40);
  const maxPhysmemBits = num('NUMBER(MAX_PHYSMEM_BITS)', 32, 52);
  const vmemmap = sym('SYMBOL(vmemmap)', false);

  const initTopPgt = sym('SYMBOL(init_top_pgt)');
  const physBase = parseNumber(info.get('NUMBER(phys_base)'));
  if (physBase === null) missing.push('NUMBER(phys_base)');
  const l5 = num('NUMBER(pgtable_l5_enabled)', 0, 1, false);
  const sme = parseNumber(info.get('NUMBER(sme_mask)'));
  const kaslr = parseHex(info.get('KERNELOFFSET'));

  if (missing.length) return { ok: false, reason: `VMCOREINFO lacks ${missing.join(', ')}` };
  if (implausible.length) return { ok: false, reason: `VMCOREINFO has implausible ${implausible.join(', ')}` };
  for (const [name, o, size] of [
    ['flags', offFlags, 8],
    ['_refcount', offRefcount, 4],
    ['mapping', offMapping, 8],
    ['_mapcount', offMapcount, 4],
    ['private', offPrivate, 8],
    ['compound_head', offCompoundHead, 8],
  ] as const) {
    if (o + size > structPageSize) return { ok: false, reason: `VMCOREINFO has OFFSET(page.${name})=${o} outside SIZE(page)=${structPageSize}` };
  }
  if (offSectionMemMap + 8 > memSectionSize) return { ok: false, reason: 'VMCOREINFO has OFFSET(mem_section.section_mem_map) outside SIZE(mem_section)' };
  if (initTopPgt! < START_KERNEL_MAP) return { ok: false, reason: `VMCOREINFO has SYMBOL(init_top_pgt)=${info.get('SYMBOL(init_top_pgt)')}, not a kernel image address` };
  const topPgtPhys = initTopPgt! - START_KERNEL_MAP + physBase!;
  if (topPgtPhys < 0n || topPgtPhys >= 1n << 52n || (topPgtPhys & 0xfffn) !== 0n) {
    return { ok: false, reason: `init_top_pgt at physical ${topPgtPhys} (from SYMBOL(init_top_pgt) and NUMBER(phys_base)) is not a page address` };
  }
  return {
    ok: true,
    layout: {
      release: info.get('OSRELEASE') ?? null,
      pageSize,
      structPageSize,
      offFlags,
      offRefcount,
      offMapping,
      offMapcount,
      offPrivate,
      offCompoundHead,
      pgSwapbacked,
      pgSwapcache: pgSwapcache >= 0 ? pgSwapcache : null,
      pgHeadMask: headMask,
      typeBuddy: typeBuddy!,
      typeSlab: typeSlab!,
      typeHugetlb,
      typeOffline,
      pageOrders,
      memSection: memSection!,
      memSectionLength,
      memSectionSize,
      offSectionMemMap,
      sectionSizeBits,
      maxPhysmemBits,
      vmemmap,
      topPgtPhys: Number(topPgtPhys),
      fiveLevel: l5 === 1,
      smeMask: sme !== null && sme > 0n ? sme : 0n,
      kaslrOffset: kaslr,
    },
  };
}
