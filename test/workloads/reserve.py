"""Test workload: address space reserved with no access, as V8, Java and Go reserve it.

Region "reserved": R GiB mapped PROT_NONE and never touched (MAP_NORESERVE). Region "guarded": G
pages written with a marker, then made PROT_NONE (its pages stay present). Prints "pid PID",
"reserved ADDRESS", "guarded ADDRESS", then sleeps until killed.
"""
import ctypes
import os
import sys
import time

R, G = int(sys.argv[1]), int(sys.argv[2])
PAGE = 4096
PROT_NONE, PROT_RW = 0, 3
MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE = 0x02, 0x20, 0x4000
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
FAILED = ctypes.c_void_p(-1).value


def mapping(size, prot, flags=0):
    addr = libc.mmap(None, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0)
    if addr == FAILED:
        sys.exit(f"mmap: errno {ctypes.get_errno()}")
    return addr


reserved = mapping(R << 30, PROT_NONE, MAP_NORESERVE)
guarded = mapping(G * PAGE, PROT_RW)
for i in range(G):
    ctypes.memmove(guarded + i * PAGE, (b"ZSDGUARD-%06d-" % i)[:16] * 256, PAGE)
if libc.mprotect(guarded, G * PAGE, PROT_NONE) != 0:
    sys.exit(f"mprotect: errno {ctypes.get_errno()}")
print(f"pid {os.getpid()}", flush=True)
print(f"reserved {reserved}", flush=True)
print(f"guarded {guarded}", flush=True)
time.sleep(600)
