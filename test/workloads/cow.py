"""Test workload: N marked anonymous pages, then fork; the child rewrites the first K pages.

Prints "parent PID", "child PID" and "buffer ADDRESS" once both are ready, then both sleep until killed.
Each page i of the buffer is the 16-byte marker b"ZSDTEST-%07d-" repeated; a rewritten page
starts with b"CHILD-REWRITTEN!" instead.
"""
import ctypes
import mmap
import os
import sys
import time

N, K = int(sys.argv[1]), int(sys.argv[2])
buf = mmap.mmap(-1, N * 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
for i in range(N):
    buf[i * 4096:(i + 1) * 4096] = (b"ZSDTEST-%07d-" % i) * 256
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    for i in range(K):
        buf[i * 4096:i * 4096 + 16] = b"CHILD-REWRITTEN!"
    os.write(w, b"x")
    time.sleep(600)
    sys.exit(0)
os.read(r, 1)
print(f"parent {os.getpid()}", flush=True)
print(f"child {pid}", flush=True)
print(f"buffer {ctypes.addressof(ctypes.c_char.from_buffer(buf))}", flush=True)
time.sleep(600)
