"""Test workload for captures of a partly swapped-out process: one buffer of N marked anonymous
pages (b"SWAPTST-%07d-" repeated), half of it pushed out to swap with madvise(MADV_PAGEOUT).
Needs swap (a swap file will do). Commands, one per line on stdin, each answered by
"ok <command> <pages of the buffer swapped out now>" on stdout:
  start     write the buffer, page out its odd pages; print "pid PID"
  swap      read the odd pages (back in from swap), page out the even ones
  rewrite   write new content ("REWRITE-") into every page (the swapped ones come back in)
  free      unmap the buffer
  exit
"""
import mmap
import os
import struct
import sys

N = int(os.environ.get("SWAPPED_PAGES", "64"))
MADV_PAGEOUT = 21  # include/uapi/asm-generic/mman-common.h; not in Python's mmap module
PM_SWAPPED = 1 << 62

buf = mmap.mmap(-1, N * 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
pagemap = open("/proc/self/pagemap", "rb", buffering=0)


def address():
    import ctypes
    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


def fill(tag):
    for i in range(N):
        buf[i * 4096:(i + 1) * 4096] = (tag + b"%07d-" % i) * 256


def page_out(parity):
    for i in range(parity, N, 2):
        buf.madvise(MADV_PAGEOUT, i * 4096, 4096)


def swapped():
    if buf.closed:
        return 0
    pagemap.seek(address() // 4096 * 8)
    entries = struct.unpack("<%dQ" % N, pagemap.read(8 * N))
    return sum(1 for e in entries if e & PM_SWAPPED)


for line in sys.stdin:
    op = line.strip()
    if op == "start":
        fill(b"SWAPTST-")
        page_out(1)
        print("pid", os.getpid())
    elif op == "swap":
        for i in range(1, N, 2):
            buf[i * 4096]
        page_out(0)
    elif op == "rewrite":
        fill(b"REWRITE-")
    elif op == "free":
        buf.close()
    elif op == "exit":
        break
    print("ok", op, swapped(), flush=True)
