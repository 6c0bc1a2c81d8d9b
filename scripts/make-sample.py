#!/usr/bin/env python3
"""Regenerates fixtures/sample-python.raw: the anonymous memory of a small Python process.

The process builds some ordinary data (dicts, strings, lists, a few buffers that repeat), then
reads its own private anonymous mappings ([heap] and unnamed rw-p regions, not the stack, so no
environment strings) through /proc/self/mem and writes up to MAX_PAGES pages as raw 4 KiB pages.
Run it under `env -i` so nothing of the caller's environment is in the heap either:

    env -i python3 scripts/make-sample.py fixtures/sample-python.raw
"""
import sys

MAX_PAGES = 512
PAGE = 4096

# ordinary workload data
words = [f"item-{i:06d}" * (1 + i % 7) for i in range(20000)]
table = {w: len(w) for w in words}
blocks = [bytearray(b"\xff" * PAGE * 3) for _ in range(4)]          # same-filled pages
records = [bytes(range(256)) * 48 for _ in range(12)]              # identical 12 KiB records
ledger = [(i, i * 3.5, str(i)) for i in range(30000)]


def anon_ranges():
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            perms = fields[1]
            name = fields[5] if len(fields) > 5 else ""
            if perms.startswith("rw") and perms.endswith("p") and name in ("", "[heap]"):
                yield start, end


def main(out_path):
    pages = []
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for start, end in anon_ranges():
            for addr in range(start, end, PAGE):
                if len(pages) == MAX_PAGES:
                    break
                mem.seek(addr)
                pages.append(mem.read(PAGE))
    with open(out_path, "wb") as out:
        out.write(b"".join(pages))
    print(f"{out_path}: {len(pages)} pages ({len(table)} keys, {len(ledger)} records)")


main(sys.argv[1])
