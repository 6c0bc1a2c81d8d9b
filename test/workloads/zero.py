"""Test workload: mappings of the shared zero page beside anonymous pages.

Region "small" (N pages, no THP): every page read (the zero page is mapped), then pages 0..K-1
written with a marker and pages K..K+Z-1 written with zeros (private anonymous pages that are
zero-filled). Region "huge" (4 MiB, MADV_HUGEPAGE): one byte read in its 2 MiB-aligned part, which
maps the huge zero page where THP allows it. Prints "pid PID", "small ADDRESS", "huge ADDRESS"
(the aligned part), then sleeps until killed.
"""
import ctypes
import mmap
import os
import sys
import time

N, K, Z = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
PAGE = 4096
small = mmap.mmap(-1, N * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
small.madvise(mmap.MADV_NOHUGEPAGE)
total = 0
for i in range(N):
    total += small[i * PAGE]
for i in range(K):
    small[i * PAGE:(i + 1) * PAGE] = (b"ZSDZERO-%07d-" % i)[:16] * 256
for i in range(K, K + Z):
    small[i * PAGE] = 0
huge = mmap.mmap(-1, 4 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
huge.madvise(mmap.MADV_HUGEPAGE)
base = ctypes.addressof(ctypes.c_char.from_buffer(huge))
aligned = (base + (2 << 20) - 1) & ~((2 << 20) - 1)
total += huge[aligned - base]
print(f"pid {os.getpid()}", flush=True)
print(f"small {ctypes.addressof(ctypes.c_char.from_buffer(small))}", flush=True)
print(f"huge {aligned}", flush=True)
time.sleep(600)
