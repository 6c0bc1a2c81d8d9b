#!/usr/bin/env python3
"""Trims an ELF vmcore (makedumpfile -E layout: program headers right after the ELF header)
down to a given set of page frames, the way makedumpfile leaves pages out: each kept run of
frames becomes a PT_LOAD whose p_memsz runs on over the dropped frames that follow (p_filesz <
p_memsz), so every physical range of the original stays described and the dropped frames read
as "not in the file". Notes are copied unchanged; kept page contents are copied byte for byte.

Usage: trim-elf-vmcore.py IN OUT KEEP.json [KEEP2.json ...]   (each a JSON list of PFNs)
"""
import json
import struct
import sys

P = 4096


def main():
    src, dst, *keep_files = sys.argv[1:]
    keep = set()
    for k in keep_files:
        keep.update(json.load(open(k)))
    with open(src, 'rb') as f:
        data = f.read()
    phoff, = struct.unpack_from('<Q', data, 32)
    phnum, = struct.unpack_from('<H', data, 56)
    notes, loads = [], []
    for i in range(phnum):
        typ, flags, off, va, pa, filesz, memsz, align = struct.unpack_from('<IIQQQQQQ', data, phoff + 56 * i)
        if typ == 4:
            notes.append(data[off:off + filesz])
        elif typ == 1:
            loads.append((flags, off, va, pa, filesz, memsz))
    out_loads = []  # (va, pa, bytes, memsz)
    for flags, off, va, pa, filesz, memsz in loads:
        assert pa % P == 0 and filesz % P == 0, 'page-aligned segments expected'
        first, end, file_end = pa // P, (pa + memsz) // P, (pa + filesz) // P
        runs = []
        pfn = first
        while pfn < file_end:
            if pfn in keep:
                s = pfn
                while pfn < file_end and pfn in keep:
                    pfn += 1
                runs.append((s, pfn))
            else:
                pfn += 1
        vaddr = lambda p: (va + p * P - pa) if va else 0
        if not runs or runs[0][0] > first:
            out_loads.append((vaddr(first * P), first * P, b'', (runs[0][0] if runs else end) * P - first * P))
        for k, (s, e) in enumerate(runs):
            stop = runs[k + 1][0] if k + 1 < len(runs) else end
            body = data[off + (s * P - pa): off + (e * P - pa)]
            out_loads.append((vaddr(s * P), s * P, body, (stop - s) * P))
    note_blob = b''.join(notes)
    n = 1 + len(out_loads)
    eh = bytearray(data[:64])
    struct.pack_into('<QQ', eh, 32, 64, 0)
    struct.pack_into('<HHHHHH', eh, 52, 64, 56, n, 64, 0, 0)
    at = 64 + 56 * n
    ph = bytearray()
    ph += struct.pack('<IIQQQQQQ', 4, 0, at, 0, 0, len(note_blob), len(note_blob), 0)
    at += len(note_blob)
    body = bytearray()
    for va, pa, b, memsz in out_loads:
        ph += struct.pack('<IIQQQQQQ', 1, 7, at, va, pa, len(b), memsz, 0)
        body += b
        at += len(b)
    with open(dst, 'wb') as f:
        f.write(bytes(eh) + bytes(ph) + note_blob + bytes(body))
    kept = sum(len(b) for _, _, b, _ in out_loads) // P
    print(f'{dst}: {len(out_loads)} PT_LOAD, {kept} pages kept', file=sys.stderr)


if __name__ == '__main__':
    main()
