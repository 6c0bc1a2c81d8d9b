"""Test workload for recordings over time: marked anonymous pages that a parent and a forked child
allocate, rewrite, share, free and leave.

Every page of a buffer is a 16-byte marker repeated, b"<tag>%07d-" % i with a 8-byte tag, so a
recording can tell which buffer page a recorded content is. Buffers (N pages each):
  A  allocated before the fork: shared copy-on-write by parent and child
  B  allocated by the parent after the fork (its own)
  C  allocated by the parent later: every page is a copy of page 0 of A (duplicates)

Commands, one per line on stdin, each answered by "ok <command>" on stdout:
  start           print "parent PID", "child PID" once both run (A written, forked)
  child-write K   the child writes its own content into A pages 0..K-1 (copy-on-write: new pages in the child)
  parent-write J  the parent rewrites A pages N-J..N-1 (copy-on-write: new pages in the parent)
  child-again K   the child rewrites the same K pages in place (already its own)
  alloc-b         the parent allocates and writes B
  free-b          the parent unmaps B
  child-exit      the child exits (the parent reaps it)
  alloc-c         the parent allocates C
  alloc-m         the parent allocates and writes M (its own, tag MREMAPD)
  move-m J        the parent moves M to a new address with mremap (its pages keep their frames)
                  and rewrites pages 0..J-1 there (tag MOVEDPG)
  free-m          the parent unmaps M
  exit            the parent exits

With "--auto SECONDS" instead: runs the same story by itself, one step every SECONDS, over and
over with fresh buffers until killed (a real process for a recording over a minute).
"""
import ctypes
import mmap
import os
import sys
import time

N = int(os.environ.get("CHURN_PAGES", "200"))


def marked(tag, i):
    """page i of a buffer tagged `tag`: its 16-byte marker repeated"""
    return (tag + b"%07d-" % i) * 256


def fill(buf, tag, first, count, start=0):
    for i in range(first, first + count):
        buf[i * 4096:(i + 1) * 4096] = marked(tag, i + start)


def new_buffer(n):
    return mmap.mmap(-1, n * 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


# M lives outside Python's mmap objects, which cannot follow an mremap
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mremap.restype = ctypes.c_void_p
libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int, ctypes.c_void_p]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2


def raw_map(size, prot):
    addr = libc.mmap(None, size, prot, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap")
    return addr


def raw_fill(addr, tag, count):
    for i in range(count):
        ctypes.memmove(addr + i * 4096, marked(tag, i), 4096)


def child_loop(a, cmd_r, ack_w):
    cmds = os.fdopen(cmd_r, "r")
    for line in cmds:
        op, _, arg = line.strip().partition(" ")
        if op == "child-write":
            fill(a, b"CHILDPG-", 0, int(arg))
        elif op == "child-again":
            fill(a, b"CHILDAG-", 0, int(arg))
        elif op == "child-exit":
            os._exit(0)
        os.write(ack_w, b"x")
    os._exit(0)


class Story:
    def __init__(self):
        self.a = new_buffer(N)
        fill(self.a, b"ZSDCHRN-", 0, N)
        self.b = None
        self.c = None
        self.m = None
        cmd_r, self.cmd_w = os.pipe()
        self.ack_r, ack_w = os.pipe()
        self.child = os.fork()
        if self.child == 0:
            # without the parent's ends, the child sees its command pipe end when the parent does
            os.close(self.cmd_w)
            os.close(self.ack_r)
            child_loop(self.a, cmd_r, ack_w)
        os.close(cmd_r)
        os.close(ack_w)

    def to_child(self, line):
        os.write(self.cmd_w, (line + "\n").encode())
        if not line.startswith("child-exit"):
            os.read(self.ack_r, 1)

    def run(self, op, arg):
        if op == "child-write" or op == "child-again":
            self.to_child(f"{op} {arg}")
        elif op == "parent-write":
            fill(self.a, b"PARENTW-", N - int(arg), int(arg))
        elif op == "alloc-b":
            self.b = new_buffer(N)
            fill(self.b, b"BUFFERB-", 0, N)
        elif op == "free-b":
            self.b.close()
            self.b = None
        elif op == "child-exit":
            self.to_child("child-exit")
            os.waitpid(self.child, 0)
        elif op == "alloc-m":
            self.m = raw_map(N * 4096, mmap.PROT_READ | mmap.PROT_WRITE)
            raw_fill(self.m, b"MREMAPD-", N)
        elif op == "move-m":
            # a reserved range elsewhere as the target, so that the mapping surely moves
            target = raw_map(N * 4096, 0)  # PROT_NONE
            moved = libc.mremap(self.m, N * 4096, N * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, target)
            if moved != target:
                raise OSError(ctypes.get_errno(), "mremap")
            self.m = moved
            raw_fill(self.m, b"MOVEDPG-", int(arg))
        elif op == "free-m":
            libc.munmap(self.m, N * 4096)
            self.m = None
        elif op == "alloc-c":
            self.c = new_buffer(N)
            page0 = self.a[0:4096]
            for i in range(N):
                self.c[i * 4096:(i + 1) * 4096] = page0

    def close(self):
        for m in (self.a, self.b, self.c):
            if m is not None:
                m.close()


STEPS = [("child-write", "20"), ("parent-write", "10"), ("alloc-b", ""), ("child-again", "20"),
         ("free-b", ""), ("child-exit", ""), ("alloc-c", "")]

if len(sys.argv) == 3 and sys.argv[1] == "--auto":
    period = float(sys.argv[2])
    while True:
        story = Story()
        time.sleep(period)
        for op, arg in STEPS:
            story.run(op, arg)
            time.sleep(period)
        story.close()
        time.sleep(period)

story = None
for line in sys.stdin:
    op, _, arg = line.strip().partition(" ")
    if op == "start":
        story = Story()
        print(f"parent {os.getpid()}\nchild {story.child}", flush=True)
    elif op == "exit":
        break
    else:
        story.run(op, arg)
    print(f"ok {op}", flush=True)
