"""Idle-age test workload: three buffers of N marked anonymous pages. Every 50 ms it writes 8
bytes into each HOT page and reads one byte of each READ page; COLD pages it leaves alone.

Page i of a buffer begins with the 16-byte marker b"<tag>%07d-" % i (tags HOTPAGE-, READPGE-,
COLDPGE-) repeated over the page; HOT pages carry a counter in their last 8 bytes. Each buffer
sits between two PROT_NONE guard pages so that no later mapping merges into its VMA (pagemap
reports every page of a VMA that grew or merged since clear_refs as soft-dirty).

Prints "ready PID" once the buffers are written, then runs until killed.
"""
import ctypes
import mmap
import os
import struct
import sys
import time

N = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def buffer(tag):
    m = mmap.mmap(-1, (N + 2) * 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    for guard in (base, base + (N + 1) * 4096):
        if libc.mprotect(guard, 4096, 0) != 0:
            raise OSError(ctypes.get_errno(), "mprotect")
    for i in range(N):
        # 16 bytes at a time: no page-sized copy of the content is left in the interpreter's heap
        marker = tag + b"%07d-" % i
        for at in range((i + 1) * 4096, (i + 2) * 4096, 16):
            m[at:at + 16] = marker
    return m


hot = buffer(b"HOTPAGE-")
read = buffer(b"READPGE-")
cold = buffer(b"COLDPGE-")
print(f"ready {os.getpid()}", flush=True)
count = 0
while True:
    count += 1
    stamp = struct.pack("<Q", count)
    total = 0
    for i in range(N):
        at = (i + 2) * 4096
        hot[at - 8:at] = stamp
        total += read[(i + 1) * 4096]
    time.sleep(0.05)
