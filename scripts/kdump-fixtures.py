#!/usr/bin/python3
"""Helpers of scripts/make-kdump-fixtures.sh (Debian's python3 with python3-snappy and
python3-zstandard). Written independently of the TypeScript reader: the expected figures it
records come from the ELF dumps QEMU wrote (page contents, zero pages, VMCOREINFO), from the
workload's formula (kdump-fill.c) and from a minimal reading of the kdump bitmaps, never from
src/sources/kdump/.

  normalize-elf SRC DST          QEMU 7.2's ELF dump with program headers moved right after the
                                 ELF header and without section headers (makedumpfile 1.7.2 reads
                                 program headers only from there), RAM below 4 GiB only
  workload-pfns ELF              PFNs of the workload's pages found in an ELF dump (JSON)
  part-with PFNS_JSON FILES...   the first kdump file whose split range holds all those PFNs
  recompress SRC DST CODEC       rewrites an uncompressed kdump file with every stored page
                                 compressed by libsnappy (snappy) or libzstd level 1 (zstd), kept
                                 as is when that is not smaller, as makedumpfile does
  trim SRC PFNS_JSON DST         a kdump file holding only the pages of SRC at the given PFNs (the
                                 other dumped pages become excluded ones: bitmap bit cleared)
  expect ELF KDUMP [KEY=VALUE…]  expected figures of a kdump or flattened file (JSON on stdout)
  report LOG                     makedumpfile's page report (--message-level 31) as JSON
"""
import hashlib
import json
import struct
import sys

PAGE = 4096
TAG = b'kdump-fill page '
WORKLOAD_PAGES = 96
WORKLOAD_CONTENTS = 80


def workload_content(c):
    """page content number c of kdump-fill.c"""
    words = [0] * (PAGE // 8)
    x = c + 1
    for k in range(3, PAGE // 8):
        if c % 2 == 0:
            words[k] = (c * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        else:
            x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
            x ^= x >> 7
            x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
            words[k] = x
    b = bytearray(struct.pack('<%dQ' % (PAGE // 8), *words))
    b[0:16] = TAG
    struct.pack_into('<Q', b, 16, c)
    return bytes(b)


# ---- ELF

def elf_phdrs(f):
    f.seek(0)
    eh = f.read(64)
    assert eh[:4] == b'\x7fELF' and eh[4] == 2, 'ELF64 expected'
    phoff, = struct.unpack_from('<Q', eh, 32)
    phentsize, phnum = struct.unpack_from('<HH', eh, 54)
    out = []
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        out.append(struct.unpack('<IIQQQQQQ', f.read(56)))
    return eh, out


class Elf:
    def __init__(self, path):
        self.f = open(path, 'rb')
        _, ph = elf_phdrs(self.f)
        self.loads = [(p[4], p[2], p[5]) for p in ph if p[0] == 1]  # paddr, offset, filesz
        self.notes = [(p[2], p[5]) for p in ph if p[0] == 4]

    def page(self, pfn):
        pa = pfn * PAGE
        for paddr, off, size in self.loads:
            if paddr <= pa and pa + PAGE <= paddr + size:
                self.f.seek(off + pa - paddr)
                return self.f.read(PAGE)
        return None

    def note(self, name):
        for off, size in self.notes:
            self.f.seek(off)
            buf = self.f.read(size)
            at = 0
            while at + 12 <= len(buf):
                namesz, descsz, _ = struct.unpack_from('<III', buf, at)
                n = buf[at + 12:at + 12 + namesz].rstrip(b'\0').decode('latin1')
                d = at + 12 + (namesz + 3) // 4 * 4
                if n == name:
                    return buf[d:d + descsz]
                at = d + (descsz + 3) // 4 * 4
        return None

    def pfns(self):
        for paddr, _, size in self.loads:
            for pfn in range(paddr // PAGE, (paddr + size) // PAGE):
                yield pfn


def normalize_elf(src, dst):
    f = open(src, 'rb')
    eh, ph = elf_phdrs(f)
    keep = [p for p in ph if p[0] == 4 or (p[0] == 1 and p[4] + p[5] <= 0xFFFC0000)]
    off = 64 + 56 * len(keep)
    hdrs, data = [], []
    for t, fl, o, va, pa, fs, ms, al in keep:
        hdrs.append(struct.pack('<IIQQQQQQ', t, fl, off, va, pa, fs, ms, al))
        data.append((o, fs))
        off += fs
    neh = bytearray(eh)
    struct.pack_into('<QQ', neh, 32, 64, 0)
    struct.pack_into('<HHHHHH', neh, 52, 64, 56, len(keep), 0, 0, 0)
    with open(dst, 'wb') as g:
        g.write(neh)
        for h in hdrs:
            g.write(h)
        for o, fs in data:
            f.seek(o)
            while fs:
                b = f.read(min(fs, 1 << 20))
                g.write(b)
                fs -= len(b)


def workload_pfns(elf):
    e = Elf(elf)
    found = {}
    for pfn in e.pfns():
        p = e.page(pfn)
        if p[:16] == TAG:
            c, = struct.unpack_from('<Q', p, 16)
            if c < WORKLOAD_CONTENTS and p == workload_content(c):
                found[pfn] = c
    return found


# ---- kdump (64-bit header layout), read minimally

class Kdump:
    def __init__(self, data):
        self.d = data
        assert data[:8] == b'KDUMP   ', 'not a kdump file'
        self.version, = struct.unpack_from('<i', data, 8)
        self.release = data[12 + 130:12 + 195].split(b'\0')[0].decode()
        self.status, self.bs, self.sub_blocks, self.bitmap_blocks, mapnr = struct.unpack_from('<IiiII', data, 424)
        sub = self.bs
        self.split, = struct.unpack_from('<i', data, sub + 12)
        self.start, self.end, mapnr64 = struct.unpack_from('<QQQ', data, sub + 80)
        self.max_pfn = mapnr64 or mapnr
        if not self.split:
            self.start, self.end = 0, self.max_pfn
        self.off_bitmap1 = (1 + self.sub_blocks) * self.bs
        half = self.bitmap_blocks * self.bs // 2
        self.off_bitmap2 = self.off_bitmap1 + half
        self.off_desc = self.off_bitmap1 + 2 * half

    def dumped(self, pfn):
        return (self.d[self.off_bitmap2 + pfn // 8] >> (pfn % 8)) & 1

    def ram(self, pfn):
        return (self.d[self.off_bitmap1 + pfn // 8] >> (pfn % 8)) & 1

    def pfns(self):
        return [p for p in range(self.start, self.end) if self.dumped(p)]

    def descs(self):
        out = []
        for i in range(len(self.pfns())):
            out.append(struct.unpack_from('<qIIQ', self.d, self.off_desc + 24 * i))
        return out


def read_flattened(data):
    """the dump a flattened file describes (for the expected figures only: whole, in memory)"""
    assert data[:12] == b'makedumpfile'
    pos = 4096
    pieces = []
    while True:
        off, size = struct.unpack_from('>qq', data, pos)
        if off == -1:
            break
        pieces.append((off, pos + 16, size))
        pos += 16 + size
    end = max(o + s for o, _, s in pieces)
    out = bytearray(end)
    for o, p, s in pieces:
        out[o:o + s] = data[p:p + s]
    covered = sum(s for _, _, s in pieces)
    return bytes(out), {'pieces': len(pieces), 'size': end, 'gap_bytes': end - covered}


def recompress(src, dst, codec):
    d = open(src, 'rb').read()
    k = Kdump(d)
    flags = {'snappy': 0x4, 'zstd': 0x20}[codec]
    if codec == 'snappy':
        import snappy
        compress = snappy.compress
    else:
        import zstandard
        zc = zstandard.ZstdCompressor(level=1, write_content_size=True, write_checksum=False)
        compress = zc.compress
    descs = k.descs()
    assert all(fl == 0 for _, _, fl, _ in descs), 'the source must be an uncompressed kdump'
    data_start = k.off_desc + 24 * len(descs)
    zero_off = data_start
    assert d[zero_off:zero_off + PAGE] == bytes(PAGE), 'the first stored page is the zero page'
    head = bytearray(d[:k.off_desc])
    st, = struct.unpack_from('<I', head, 424)
    struct.pack_into('<I', head, 424, (st & ~0x27) | flags)
    table = bytearray()
    body = bytearray(bytes(PAGE))
    for off, size, fl, pflags in descs:
        if off == zero_off:
            table += struct.pack('<qIIQ', zero_off, PAGE, 0, pflags)
            continue
        page = d[off:off + size]
        c = compress(page)
        at = data_start + len(body)
        if len(c) < PAGE:
            table += struct.pack('<qIIQ', at, len(c), flags, pflags)
            body += c
        else:
            table += struct.pack('<qIIQ', at, PAGE, 0, pflags)
            body += page
    end = data_start + len(body)
    struct.pack_into('<q', head, k.bs + 64, end)  # offset_eraseinfo (size 0) at the end, as makedumpfile
    with open(dst, 'wb') as g:
        g.write(head + table + body)


def trim(src, keep_json, dst):
    d = open(src, 'rb').read()
    k = Kdump(d)
    keep = set(json.load(open(keep_json)))
    pfns = k.pfns()
    descs = k.descs()
    old_zero = k.off_desc + 24 * len(descs)
    kept = [(p, desc) for p, desc in zip(pfns, descs) if p in keep]
    head = bytearray(d[:k.off_desc])
    for p in pfns:
        if p not in keep:
            head[k.off_bitmap2 + p // 8] &= ~(1 << (p % 8)) & 0xFF
    data_start = k.off_desc + 24 * len(kept)
    table = bytearray()
    body = bytearray(d[old_zero:old_zero + PAGE])
    assert body == bytes(PAGE), 'the first stored page is the zero page'
    for p, (off, size, fl, pflags) in kept:
        if off == old_zero:
            table += struct.pack('<qIIQ', data_start, size, fl, pflags)
            continue
        table += struct.pack('<qIIQ', data_start + len(body), size, fl, pflags)
        body += d[off:off + size]
    struct.pack_into('<q', head, k.bs + 64, data_start + len(body))  # offset_eraseinfo (size 0)
    with open(dst, 'wb') as g:
        g.write(head + table + body)


def expect(elf_path, kdump_path, extra):
    raw = open(kdump_path, 'rb').read()
    flat = None
    if raw[:12] == b'makedumpfile':
        raw, flat = read_flattened(raw)
    k = Kdump(raw)
    e = Elf(elf_path)
    h = hashlib.sha256()
    pfns = k.pfns()
    zero = 0
    workload = {}
    for pfn in pfns:
        p = e.page(pfn)
        assert p is not None, f'PFN {pfn} of {kdump_path} is not in {elf_path}'
        h.update(struct.pack('<Q', pfn))
        h.update(p)
        if p == bytes(PAGE):
            zero += 1
        if p[:16] == TAG:
            c, = struct.unpack_from('<Q', p, 16)
            if c < WORKLOAD_CONTENTS and p == workload_content(c):
                workload[str(pfn)] = c
    # how the pages are stored, from the descriptors
    descs = k.descs()
    zero_off = k.off_desc + 24 * len(descs)
    stored = {'zero': 0, 'uncompressed': 0, 'zlib': 0, 'lzo': 0, 'snappy': 0, 'zstd': 0}
    names = {1: 'zlib', 2: 'lzo', 4: 'snappy', 0x20: 'zstd'}
    for off, size, fl, _ in descs:
        if fl == 0:
            stored['zero' if off == zero_off else 'uncompressed'] += 1
        else:
            stored[names[fl]] += 1
    vi = e.note('VMCOREINFO')
    keys = {}
    if vi:
        for line in vi.decode('latin1').split('\n'):
            if '=' in line and line.index('=') > 0:
                keys[line[:line.index('=')]] = line[line.index('=') + 1:]
    out = {
        'pages': len(pfns),
        'first_pfn': pfns[0] if pfns else None,
        'last_pfn': pfns[-1] if pfns else None,
        'max_pfn': k.max_pfn,
        'split': [k.start, k.end] if k.split else None,
        'ram_pages': sum(k.ram(p) for p in range(k.max_pfn)),
        'dumped_pages': sum(k.dumped(p) for p in range(k.max_pfn)),
        'zero_pages': zero,
        'stored': stored,
        'digest_sha256': h.hexdigest(),
        'workload_pages': workload,
        'vmcoreinfo_keys': len(keys),
        'osrelease': keys.get('OSRELEASE'),
        'kernel_release': k.release,
    }
    if flat:
        out['flattened'] = flat
    for kv in extra:
        key, _, value = kv.partition('=')
        out[key] = value
    return out


def report(log):
    text = open(log, 'rb').read().decode('latin1').replace('\r', '\n')
    out = {}
    for label in ['Original pages', 'Excluded pages', 'Pages filled with zero', 'Non-private cache pages', 'Private cache pages',
                  'User process data pages', 'Free pages', 'Remaining pages', 'Memory Hole', 'Total pages']:
        for line in text.split('\n'):
            if line.strip().startswith(label) and ':' in line:
                out[label] = int(line.split(':')[1].strip(), 16)
                break
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'normalize-elf':
        normalize_elf(*args)
    elif cmd == 'workload-pfns':
        print(json.dumps(workload_pfns(args[0])))
    elif cmd == 'part-with':
        want = [int(p) for p in json.load(open(args[0]))]
        for path in args[1:]:
            k = Kdump(open(path, 'rb').read(1 << 16))
            if k.split and all(k.start <= p < k.end for p in want):
                print(path)
                return
        sys.exit('no split part holds all the workload pages')
    elif cmd == 'recompress':
        recompress(*args)
    elif cmd == 'trim':
        trim(*args)
    elif cmd == 'expect':
        print(json.dumps(expect(args[0], args[1], args[2:]), indent=1))
    elif cmd == 'report':
        print(json.dumps(report(args[0])))
    else:
        sys.exit(f'unknown command {cmd}')


if __name__ == '__main__':
    main()
