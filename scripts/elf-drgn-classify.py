#!/usr/bin/python3
"""Independent classification of the page frames of a Linux 6.12 x86_64 vmcore, with drgn.

Used to establish the expected figures of fixtures/elf/vmcore-fill.elf
(scripts/make-elf-vmcore-fixture.sh), independently of zswap-dedup's classifier: drgn reads the
dump with the kernel's DWARF debug info (struct layouts and enum values from vmlinux, not from
VMCOREINFO), finds struct pages with its own pfn_to_page and address translation, and finds
free pages by walking the zones' buddy free lists and the per-CPU page lists, not from page
types.

Classes (one per page frame described by a PT_LOAD of the dump):
  anonymous     folio mapping has PAGE_MAPPING_ANON
  shmem         folio mapping is an address_space and PG_swapbacked, or no mapping with
                PG_swapbacked + PG_swapcache
  page_cache    folio mapping is an address_space without PG_swapbacked
  slab          folio page type PGTY_slab
  free          on a buddy free list (the whole 2^order block) or a per-CPU list
  hugetlb       folio page type PGTY_hugetlb
  other_kernel  anything else
  no_struct_page  struct page not readable

apt-get: python3-drgn. Usage: elf-drgn-classify.py VMCORE VMLINUX > out.json
"""
import json
import struct
import sys

import drgn
from drgn import FaultError, offsetof
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.mm import compound_head, page_to_pfn, pfn_to_page

CLASSES = ['anonymous', 'shmem', 'page_cache', 'slab', 'free', 'hugetlb', 'other_kernel', 'no_struct_page']


def pt_load_pfns(path):
    """(first_pfn, end_pfn, in_file_end_pfn) of each PT_LOAD, read with struct, not drgn."""
    with open(path, 'rb') as f:
        eh = f.read(64)
        phoff, = struct.unpack_from('<Q', eh, 32)
        phnum, = struct.unpack_from('<H', eh, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    out = []
    for i in range(phnum):
        typ, = struct.unpack_from('<I', ph, 56 * i)
        if typ != 1:
            continue
        _off, va, pa, filesz, memsz = struct.unpack_from('<QQQQQ', ph, 56 * i + 8)
        if va >= 0xffffffff80000000:
            continue  # a kernel-text alias of RAM described by another PT_LOAD
        out.append(((pa + 4095) // 4096, (pa + memsz) // 4096, (pa + filesz) // 4096))
    return out


def main():
    vmcore, vmlinux = sys.argv[1], sys.argv[2]
    prog = drgn.Program()
    prog.set_core_dump(vmcore)
    prog.load_debug_info([vmlinux])

    page_t = prog.type('struct page')
    size = page_t.size
    off = {f: offsetof(page_t, f) for f in ('flags', '_refcount', 'mapping', 'page_type', 'compound_head', 'private')}
    pg_swapbacked = prog['PG_swapbacked'].value_()
    pg_swapcache = prog['PG_swapcache'].value_()
    ty_slab = prog['PGTY_slab'].value_()
    ty_hugetlb = prog['PGTY_hugetlb'].value_()
    pg_head = prog['PG_head'].value_()

    # free pages: buddy free lists and per-CPU lists
    free = set()
    pgdat = prog['contig_page_data']
    for zone in pgdat.node_zones:
        if zone.present_pages.value_() == 0:
            continue
        for order in range(len(zone.free_area)):
            fa = zone.free_area[order]
            for mt in range(len(fa.free_list)):
                for page in list_for_each_entry('struct page', fa.free_list[mt].address_of_(), 'buddy_list'):
                    pfn = page_to_pfn(page).value_()
                    free.update(range(pfn, pfn + (1 << order)))
        pcp = zone.per_cpu_pageset
        try:
            from drgn.helpers.linux.cpumask import for_each_possible_cpu
            from drgn.helpers.linux.percpu import per_cpu_ptr
            pcps = [per_cpu_ptr(pcp, cpu) for cpu in for_each_possible_cpu(prog)]
        except (LookupError, FaultError, NotImplementedError):
            pcps = [pcp]
        pcptypes = prog['MIGRATE_PCPTYPES'].value_()
        for p in pcps:
            for idx in range(len(p.lists)):
                order = idx // pcptypes if idx < pcptypes * 4 else 9
                for page in list_for_each_entry('struct page', p.lists[idx].address_of_(), 'pcp_list'):
                    pfn = page_to_pfn(page).value_()
                    free.update(range(pfn, pfn + (1 << order)))

    counts = {c: 0 for c in CLASSES}
    absent = {c: 0 for c in CLASSES}
    keep = {'anonymous': [], 'shmem': []}
    by_class = {c: [] for c in CLASSES}
    ksm = 0
    unlisted_free = 0
    for first, end, file_end in pt_load_pfns(vmcore):
        for pfn in range(first, end):
            cls = classify(prog, pfn, free, size, off, pg_swapbacked, pg_swapcache, pg_head, ty_slab, ty_hugetlb)
            if cls == 'anonymous+ksm':
                cls = 'anonymous'
                ksm += 1
            if cls == 'free?':
                cls = 'free'
                unlisted_free += 1
            if pfn < file_end:
                counts[cls] += 1
                if cls in keep:
                    keep[cls].append(pfn)
                if len(by_class[cls]) < 64:
                    by_class[cls].append(pfn)
            else:
                absent[cls] += 1
    json.dump({
        'tool': f'drgn {drgn.__version__}',
        'struct_page_size': size,
        'offsets_from_dwarf': off,
        'pages_in_file': counts,
        'pages_absent': absent,
        'ksm': ksm,
        'free_from_lists': len(free),
        'free_unreferenced_not_on_lists': unlisted_free,
        'anonymous_pfns': keep['anonymous'],
        'shmem_pfns': keep['shmem'],
        'sample_pfns': by_class,
    }, sys.stdout, indent=1)


def classify(prog, pfn, free, size, off, pg_swapbacked, pg_swapcache, pg_head, ty_slab, ty_hugetlb):
    try:
        page = pfn_to_page(prog, pfn)
        prog.read(page.value_(), size)
    except (FaultError, LookupError):
        return 'no_struct_page'
    if pfn in free:
        return 'free'
    try:
        head = compound_head(page)
        raw = prog.read(head.value_(), size)
    except FaultError:
        return 'no_struct_page'
    flags, = struct.unpack_from('<Q', raw, off['flags'])
    mapping, = struct.unpack_from('<Q', raw, off['mapping'])
    page_type, = struct.unpack_from('<I', raw, off['page_type'])
    refcount, = struct.unpack_from('<i', raw, off['_refcount'])
    tail = head.value_() != page.value_()
    ty = page_type >> 24
    if ty == ty_slab:
        return 'slab'
    if ty == ty_hugetlb:
        return 'hugetlb'
    if 0xf0 <= ty < 0xff:
        return 'other_kernel'
    swapbacked = flags >> pg_swapbacked & 1
    swapcache = flags >> pg_swapcache & 1
    if mapping & 1:
        return 'anonymous+ksm' if mapping & 3 == 3 else 'anonymous'
    if mapping & 2:
        return 'other_kernel'
    if mapping:
        return 'shmem' if swapbacked else 'page_cache'
    if swapbacked and swapcache:
        return 'shmem'
    if not tail and refcount == 0 and not (flags >> pg_head & 1):
        # unreferenced, yet on no free list: counted apart so a reader sees how many
        return 'free?'
    return 'other_kernel'


if __name__ == '__main__':
    main()
