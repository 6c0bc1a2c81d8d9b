#!/usr/bin/env python3
"""Adds to an ELF vmcore the PT_LOAD that kexec's /proc/vmcore has and QEMU's dumps lack: the
kernel image mapping (virtual __START_KERNEL_map + offset) of the RAM segment that holds the
kernel page tables, computed from VMCOREINFO's phys_base. drgn 0.0.22 needs it to find the page
tables of a KASLR guest whose phys_base is negative; zswap-dedup does not (it must, and does,
ignore such an alias). Only for the drgn check of scripts/make-elf-vmcore-fixture.sh.

Usage: elf-add-text-alias.py IN OUT
"""
import re
import struct
import sys

START_KERNEL_MAP = 0xffffffff80000000
src, dst = sys.argv[1:]
data = bytearray(open(src, 'rb').read())
phoff, = struct.unpack_from('<Q', data, 32)
phnum, = struct.unpack_from('<H', data, 56)
phdrs = [list(struct.unpack_from('<IIQQQQQQ', data, phoff + 56 * i)) for i in range(phnum)]
note = next(p for p in phdrs if p[0] == 4)
notes = bytes(data[note[2]:note[2] + note[5]])
info = dict(re.findall(rb'^([A-Z_]+\([^)]*\)|[A-Z_]+)=(.*)$', notes.replace(b'\0', b'\n'), re.M))
phys_base = int(info[b'NUMBER(phys_base)'])
top = int(info[b'SYMBOL(init_top_pgt)'], 16) - START_KERNEL_MAP + phys_base
seg = next(p for p in phdrs if p[0] == 1 and p[4] <= top < p[4] + p[6])
alias = [1, 7, seg[2], seg[4] - phys_base + START_KERNEL_MAP, seg[4], seg[5], seg[6], 0]
phdrs.append(alias)
shift = 56
end_of_ph = phoff + 56 * phnum
for p in phdrs:
    if p[2] >= end_of_ph:
        p[2] += shift
struct.pack_into('<H', data, 56, len(phdrs))
out = bytearray(data[:phoff]) + b''.join(struct.pack('<IIQQQQQQ', *p) for p in phdrs) + data[end_of_ph:]
open(dst, 'wb').write(out)
