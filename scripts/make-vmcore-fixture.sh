#!/usr/bin/env bash
# Makes fixtures/elf/vmcore-fill.elf: an ELF vmcore of a small QEMU guest (Linux 6.12) whose
# init (scripts/elf-fill.c) fills anonymous and shmem memory with known pages, dumped with QMP
# dump-guest-memory (ELF, with the guest's VMCOREINFO through -device vmcoreinfo), then made
# small with makedumpfile -E -d 17 (zero and free pages left out).
#
# apt-get installs (when missing, as root): qemu-system-x86 makedumpfile gcc libc6-dev cpio
#   python3 (and what scripts/build-elf-debug-kernel.sh installs, when it builds the kernel)
#
# Usage: scripts/make-vmcore-fixture.sh [--kernel-dir DIR] [--mem MiB] [--dump-level N] [--keep-full] [out-dir]
#   --kernel-dir  a directory with bzImage (default: scripts/build-elf-debug-kernel.sh's)
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
for p in qemu-system-x86 makedumpfile gcc libc6-dev cpio; do
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

# initramfs: /init is the fill program, /dev/console for its output
mkdir -p "$work/root/dev"
gcc -static -O2 -Wall -o "$work/root/init" "$here/elf-fill.c"
mknod -m 600 "$work/root/dev/console" c 5 1
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -9 >"$work/initramfs.gz")

export FILL_UNIQUE=${FILL_UNIQUE:-256} FILL_DUP=${FILL_DUP:-64} FILL_ZERO=${FILL_ZERO:-16} FILL_UNTOUCHED=${FILL_UNTOUCHED:-32} FILL_SHMEM=${FILL_SHMEM:-64}
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
cp "$work/vmcore.filtered" "$out/vmcore-fill.elf"
[ "$keep_full" = 1 ] && cp "$work/vmcore.full" "$out/vmcore-fill.full.elf"
cp "$work/console.log" "$out/vmcore-fill.console.log"
cp "$work/makedumpfile.log" "$out/vmcore-fill.makedumpfile.log"
ls -l "$out"/vmcore-fill*
