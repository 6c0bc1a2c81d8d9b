#!/usr/bin/env bash
# Makes fixtures/elf/vmcore-fill.elf and fixtures/elf/vmcore-fill.expected.json:
#  1. boots a small QEMU guest (Linux 6.12, scripts/build-elf-debug-kernel.sh: DWARF,
#     SPARSEMEM_VMEMMAP, KASLR) whose init (scripts/elf-fill.c built with the kernel's nolibc)
#     fills anonymous and shmem memory with known pages;
#  2. dumps it with QMP dump-guest-memory (ELF; the guest's VMCOREINFO through -device vmcoreinfo);
#  3. filters it with makedumpfile -E -d 17 (zero and free pages left out);
#  4. classifies every page frame with drgn and the guest's vmlinux (scripts/elf-drgn-classify.py,
#     on a copy with a kernel-text PT_LOAD added by scripts/elf-add-text-alias.py):
#     the expected figures, independent of zswap-dedup;
#  5. trims the dump (scripts/trim-elf-vmcore.py) to the pages under test (drgn's anonymous and
#     shmem pages, 16 of every other class) and the pages the classifier reads (page tables,
#     mem_section, struct pages: scripts/elf-vmcore-metadata-pages.mjs), left out as makedumpfile
#     leaves pages out, so the fixture stays small.
#
# apt-get installs (when missing, as root): qemu-system-x86 makedumpfile gcc libc6-dev cpio
#   python3-drgn (and what scripts/build-elf-debug-kernel.sh installs, when it builds the kernel)
#
# Usage: scripts/make-elf-vmcore-fixture.sh [--kernel-dir DIR] [--mem MiB] [--dump-level N] [--keep-full] [out-dir]
#   --kernel-dir  a directory with bzImage and vmlinux (default: scripts/build-elf-debug-kernel.sh's)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kdir=
mem=64
level=17
keep_full=0
out=$here/../fixtures/elf
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel-dir) kdir=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--dump-level) level=$2; shift 2 ;;
	--keep-full) keep_full=1; shift ;;
	*) out=$1; shift ;;
	esac
done
missing=
for p in qemu-system-x86 makedumpfile gcc libc6-dev cpio python3-drgn; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing
fi
[ -n "$kdir" ] || kdir=$("$here/build-elf-debug-kernel.sh" --print-dir)
work=$(mktemp -d)
qpid=
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

# initramfs: /init is the fill program (nolibc: a few KiB, so its own pages hardly count),
# /dev/console for its output
nolibc=
for d in "$kdir/../src/linux-source-6.12" /usr/src/linux-source-6.12; do
	[ -f "$d/tools/include/nolibc/nolibc.h" ] && nolibc=$d/tools/include/nolibc/nolibc.h && break
done
if [ -z "$nolibc" ]; then
	tar -C "$work" -xf /usr/src/linux-source-6.12.tar.xz linux-source-6.12/tools/include/nolibc
	nolibc=$work/linux-source-6.12/tools/include/nolibc/nolibc.h
fi
mkdir -p "$work/root/dev"
gcc -static -nostdlib -Os -Wall -fno-asynchronous-unwind-tables -include "$nolibc" -o "$work/root/init" "$here/elf-fill.c" -lgcc
mknod -m 600 "$work/root/dev/console" c 5 1
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -9 >"$work/initramfs.gz")

export FILL_UNIQUE=${FILL_UNIQUE:-128} FILL_DUP=${FILL_DUP:-32} FILL_ZERO=${FILL_ZERO:-8} FILL_UNTOUCHED=${FILL_UNTOUCHED:-16} FILL_SHMEM=${FILL_SHMEM:-32}
qemu-system-x86_64 -machine q35 -accel tcg -m "$mem" -smp 1 -no-reboot -display none \
	-kernel "$kdir/bzImage" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 panic=-1 FILL_UNIQUE=$FILL_UNIQUE FILL_DUP=$FILL_DUP FILL_ZERO=$FILL_ZERO FILL_UNTOUCHED=$FILL_UNTOUCHED FILL_SHMEM=$FILL_SHMEM" \
	-device vmcoreinfo -serial "file:$work/console.log" \
	-qmp "unix:$work/qmp.sock,server=on,wait=off" &
qpid=$!
for _ in $(seq 600); do grep -q ZSD-READY "$work/console.log" 2>/dev/null && break; sleep 0.5; done
grep -q ZSD-READY "$work/console.log" || { echo "guest did not get ready; console:" >&2; tail -30 "$work/console.log" >&2; exit 1; }
python3 - "$work/qmp.sock" "$work/vmcore.full" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile('rw')
def cmd(c, **args):
    f.write(json.dumps({'execute': c, 'arguments': args} if args else {'execute': c}) + '\n'); f.flush()
    while True:
        r = json.loads(f.readline())
        if 'return' in r or 'error' in r:
            if 'error' in r: sys.exit(f'QMP {c}: {r["error"]}')
            return r['return']
json.loads(f.readline())
cmd('qmp_capabilities')
cmd('stop')
cmd('dump-guest-memory', paging=False, protocol='file:' + sys.argv[2], format='elf')
cmd('quit')
PY
wait "$qpid" 2>/dev/null || true
qpid=
# makedumpfile 1.7.2 reads the program headers right after the ELF header; QEMU 7.2 puts a
# section header there (and e_ehsize 8). Rewrite the headers only, the data stays in place.
python3 - "$work/vmcore.full" "$work/vmcore.std" <<'PY'
import shutil, struct, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copyfile(src, dst)
with open(dst, 'r+b') as f:
    eh = bytearray(f.read(64))
    phoff, shoff = struct.unpack_from('<QQ', eh, 32)
    phnum = struct.unpack_from('<H', eh, 56)[0]
    f.seek(phoff); ph = f.read(56 * phnum)
    first = min(struct.unpack_from('<Q', ph, 56 * i + 8)[0] for i in range(phnum))
    assert 64 + len(ph) <= first, 'no room for the program headers'
    struct.pack_into('<QQ', eh, 32, 64, 0)          # e_phoff, e_shoff
    struct.pack_into('<H', eh, 52, 64)              # e_ehsize
    struct.pack_into('<HHH', eh, 58, 64, 0, 0)      # e_shentsize, e_shnum, e_shstrndx
    f.seek(0); f.write(eh); f.write(ph); f.write(bytes(first - 64 - len(ph)))
PY
mkdir -p "$out"
makedumpfile -E -d "$level" "$work/vmcore.std" "$work/vmcore.filtered" >"$work/makedumpfile.log" 2>&1 || { cat "$work/makedumpfile.log" >&2; exit 1; }
start=$(date +%s)
# drgn 0.0.22 finds the page tables of a KASLR guest only through a kernel-text PT_LOAD
python3 "$here/elf-add-text-alias.py" "$work/vmcore.filtered" "$work/vmcore.drgn"
/usr/bin/python3 "$here/elf-drgn-classify.py" "$work/vmcore.drgn" "$kdir/vmlinux" >"$work/drgn.json"
echo "drgn classification: $(($(date +%s) - start)) s" >&2
(cd "$here/.." && npx tsc -p . >/dev/null) || true
node "$here/elf-vmcore-metadata-pages.mjs" "$work/vmcore.filtered" >"$work/meta.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
d = json.load(open(f'{w}/drgn.json'))
keep = set(d['anonymous_pfns']) | set(d['shmem_pfns'])
for pfns in d['sample_pfns'].values():
    keep.update(pfns[:16])
json.dump(sorted(keep), open(f'{w}/keep.json', 'w'))
PY
python3 "$here/trim-elf-vmcore.py" "$work/vmcore.filtered" "$out/vmcore-fill.elf" "$work/meta.json" "$work/keep.json"
python3 - "$work" "$out" "$mem" "$level" <<'PY'
import json, os, re, struct, sys
w, out, mem, level = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(f'{w}/drgn.json'))
def loads(path):
    b = open(path, 'rb').read(1 << 16)
    phoff, = struct.unpack_from('<Q', b, 32); phnum, = struct.unpack_from('<H', b, 56)
    r = []
    for i in range(phnum):
        t, _f, off, va, pa, fs, ms, _a = struct.unpack_from('<IIQQQQQQ', b, phoff + 56 * i)
        if t == 1: r.append({'paddr': pa, 'filesz': fs, 'memsz': ms})
    return r
fl = loads(f'{out}/vmcore-fill.elf')
console = open(f'{w}/console.log', errors='replace').read()
release = re.search(r'Linux version (\S+)', console)
json.dump({
    'made_by': 'scripts/make-elf-vmcore-fixture.sh: QEMU dump-guest-memory (ELF), makedumpfile -E -d %d, drgn, trim' % level,
    'guest': {'mem_mib': mem, 'kernel': release[1] if release else None},
    'fill': {k: int(os.environ[k]) for k in ('FILL_UNIQUE', 'FILL_DUP', 'FILL_ZERO', 'FILL_UNTOUCHED', 'FILL_SHMEM')},
    'fixture_pt_load': {'segments': len(fl), 'pages_in_file': sum(l['filesz'] // 4096 for l in fl),
                        'pages_not_in_file': sum((l['memsz'] - l['filesz']) // 4096 for l in fl)},
    'drgn': {k: d[k] for k in ('tool', 'struct_page_size', 'offsets_from_dwarf', 'pages_in_file', 'pages_absent', 'ksm', 'free_from_lists', 'free_unreferenced_not_on_lists')},
    'drgn_anonymous_pfns': d['anonymous_pfns'],
    'drgn_shmem_pfns': d['shmem_pfns'],
    'makedumpfile_log': open(f'{w}/makedumpfile.log', errors='replace').read().splitlines()[-12:],
}, open(f'{out}/vmcore-fill.expected.json', 'w'), indent=1)
PY
[ "$keep_full" = 1 ] && cp "$work/vmcore.filtered" "$out/vmcore-fill.filtered.elf"
ls -l "$out"/vmcore-fill*
