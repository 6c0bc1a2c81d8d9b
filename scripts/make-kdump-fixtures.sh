#!/usr/bin/env bash
# Makes fixtures/kdump/: kdump-compressed and flattened dumps written by the real tools, small
# enough for the repository, and expected.json with figures established without our reader
# (scripts/kdump-fixtures.py reads the ELF dumps QEMU wrote of the same memory).
#
#   1. boots the project's Linux 6.12 test kernel (a bzImage: $1, or the newest under
#      ~/.cache/zswap-dedup/kernel/) in QEMU (TCG, 48 MiB, -device vmcoreinfo) with a tiny
#      busybox initramfs whose /init runs kdump-fill (scripts/kdump-fill.c: 96 anonymous pages
#      of 80 known contents), then over QMP: stop, dump-guest-memory as ELF;
#   2. makedumpfile 1.7.2 -d 23 (zero pages, page cache and free pages excluded, user pages kept)
#      --split into 20 parts, uncompressed, -c (zlib) and -l (lzo); the part holding the
#      workload's pages is kept: linux-none.kd, linux-zlib.kd, linux-lzo.kd;
#   3. Debian's makedumpfile is built without snappy and zstd, so linux-snappy.kd and
#      linux-zstd.kd are linux-none.kd with every stored page compressed by libsnappy
#      (python3-snappy) and libzstd level 1 (python3-zstandard), as makedumpfile -p / -z would;
#   4. a 2 MiB QEMU guest with no kernel (SeaBIOS only, stopped after a second): QEMU's
#      kdump-zlib dump, which QEMU writes in the flattened format (qemu-bios-zlib.flat), its
#      makedumpfile -R rearrangement (qemu-bios-zlib.kd), and an ELF dump for the figures;
#   5. the same checks on the whole (unsplit) -d 23 dump against makedumpfile's own page report,
#      and the makedumpfile -F flattened form of it (too large to keep: 5 MB), so that
#      expected.json also records what was verified on files not kept;
#   6. linux-classify.kd: that whole dump trimmed to the workload's pages and the kernel metadata
#      the page classifier reads (needs the compiled tree: it runs `npx tsc -p .` and node).
#
# apt-get installs (when missing): makedumpfile qemu-system-x86 busybox-static gcc libc6-dev cpio
# python3-snappy python3-zstandard.
# Usage: scripts/make-kdump-fixtures.sh [bzImage]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/fixtures/kdump
py=/usr/bin/python3
fx="$py $here/kdump-fixtures.py"

need=()
for p in makedumpfile qemu-system-x86 busybox-static gcc libc6-dev cpio python3-snappy python3-zstandard; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

bz=${1:-$(ls -t "$HOME"/.cache/zswap-dedup/kernel/*/bzImage 2>/dev/null | head -n 1)}
[ -f "$bz" ] || { echo "no bzImage (build one with kernel/build-kernel.sh or pass its path)" >&2; exit 1; }

work=$(mktemp -d /tmp/kdump-fixtures.XXXXXX)
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# ---- 1. the Linux guest
mkdir -p "$work/root"/{bin,proc,dev}
cp /bin/busybox "$work/root/bin/busybox"
ln -s busybox "$work/root/bin/sh"
gcc -static -O2 -Wall -Wextra -Werror -o "$work/root/bin/kdump-fill" "$here/kdump-fill.c"
cat >"$work/root/init" <<'EOF'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
echo "kdump guest: release $(/bin/busybox uname -r)"
/bin/kdump-fill
EOF
chmod 755 "$work/root/init"
(cd "$work/root" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -9n >"$work/initramfs.gz"

cat >"$work/qmp.py" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rw')
def reply():
    while True:
        m = json.loads(f.readline())
        if 'event' not in m: return m
reply()
for a in ['qmp_capabilities'] + sys.argv[2:]:
    cmd, _, arg = a.partition(':')
    f.write(json.dumps({'execute': cmd, 'arguments': json.loads(arg)} if arg else {'execute': cmd}) + '\n'); f.flush()
    r = reply()
    if 'error' in r: sys.exit(f'QMP {cmd}: {r["error"]}')
EOF

boot() { # name, then QEMU arguments
	local name=$1; shift
	qemu-system-x86_64 -nodefaults -no-user-config -machine pc -accel tcg -smp 1 -display none -monitor none \
		-qmp "unix:$work/$name.qmp,server=on,wait=off" "$@" &
	qemu_pid=$!
}
dump() { # name, then dumps as format:file
	local name=$1; shift
	local cmds=(stop)
	for d in "$@"; do
		cmds+=("dump-guest-memory:{\"paging\":false,\"format\":\"${d%%:*}\",\"protocol\":\"file:$work/${d#*:}\"}")
	done
	$py "$work/qmp.py" "$work/$name.qmp" "${cmds[@]}" quit
	wait "$qemu_pid" || true
	qemu_pid=
}

boot linux -m 48 -serial "file:$work/serial.log" -kernel "$bz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 rdinit=/init loglevel=4" -device vmcoreinfo
for _ in $(seq 300); do grep -q 'kdump-fill ready' "$work/serial.log" 2>/dev/null && break; sleep 1; done
grep -q 'kdump-fill ready' "$work/serial.log" || { cat "$work/serial.log" >&2; echo "the guest did not get ready" >&2; exit 1; }
release=$(sed -n 's/^kdump guest: release //p' "$work/serial.log" | tr -d '\r')
dump linux elf:linux.elf
$fx normalize-elf "$work/linux.elf" "$work/linux-norm.elf"
$fx workload-pfns "$work/linux-norm.elf" >"$work/workload.json"

# ---- 2. makedumpfile
parts=$(seq -f 'p%g' 1 20)
for c in none zlib lzo; do
	opt=; [ $c = zlib ] && opt=-c; [ $c = lzo ] && opt=-l
	mkdir -p "$work/split-$c"
	(cd "$work/split-$c" && makedumpfile --split --splitblock-size 128 $opt -d 23 "$work/linux-norm.elf" $parts >"$work/split-$c.log" 2>&1)
done
part=$(basename "$($fx part-with "$work/workload.json" $(printf "$work/split-none/%s " $parts))")
for c in none zlib lzo; do cp "$work/split-$c/$part" "$work/linux-$c.kd"; done

# ---- 3. snappy and zstd pages by the real libraries
$fx recompress "$work/linux-none.kd" "$work/linux-snappy.kd" snappy
$fx recompress "$work/linux-none.kd" "$work/linux-zstd.kd" zstd

# ---- 4. QEMU's flattened kdump of a BIOS-only guest
boot bios -m 2 -serial none
sleep 1
dump bios elf:bios.elf kdump-zlib:qemu-bios-zlib.flat
makedumpfile -R "$work/qemu-bios-zlib.kd" <"$work/qemu-bios-zlib.flat" >/dev/null 2>&1

# ---- 5. the whole -d 23 dump: makedumpfile's report, and its -F flattened form
makedumpfile -c -d 23 --message-level 31 "$work/linux-norm.elf" "$work/whole.kd" >"$work/whole.log" 2>&1
makedumpfile -F -c -d 23 "$work/linux-norm.elf" >"$work/whole.flat" 2>/dev/null
$fx report "$work/whole.log" >"$work/whole-report.json"

# ---- 6. the whole -d 23 zlib dump trimmed to the workload's pages and the kernel metadata the
#      page classifier reads (page tables, mem_section, mem_map): linux-classify.kd. The PFNs to
#      keep come from our classifier run on the whole dump (scripts/kdump-classifier-pfns.mjs);
#      what the tests expect of the file does not: it holds the 96 workload pages (anonymous) and
#      kernel metadata only, by construction.
(cd "$root" && npx tsc -p . >/dev/null 2>&1) || echo "tsc reported errors; using what it emitted" >&2
node "$here/kdump-classifier-pfns.mjs" "$work/whole.kd" >"$work/metadata-pfns.json"
$py -c 'import json,sys; m=json.load(open(sys.argv[1])); w=[int(p) for p in json.load(open(sys.argv[2]))]; print(json.dumps(sorted(set(m)|set(w))))' \
	"$work/metadata-pfns.json" "$work/workload.json" >"$work/keep.json"
$fx trim "$work/whole.kd" "$work/keep.json" "$work/linux-classify.kd"

# ---- fixtures and expected figures
mkdir -p "$out"
mdf=$(makedumpfile -v 2>&1 | sed -n 's/^makedumpfile: version \([^ ]*\).*/\1/p')
qv=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
range_note="makedumpfile $mdf --split --splitblock-size 128 -d 23 of a 48 MiB Linux $release guest, part $part of 20"
{
	echo '{'
	echo ' "guest_release": "'"$release"'",'
	echo ' "workload": '"$(cat "$work/workload.json")"','
	echo ' "whole_dump_report": '"$(cat "$work/whole-report.json")"','
	echo ' "whole_dump": '"$($fx expect "$work/linux-norm.elf" "$work/whole.kd" "made_by=makedumpfile $mdf -c -d 23 (not kept: 5 MB)")"','
	echo ' "whole_dump_flattened": '"$($fx expect "$work/linux-norm.elf" "$work/whole.flat" "made_by=makedumpfile $mdf -F -c -d 23 (not kept: 5 MB)")"','
	echo ' "fixtures": {'
	sep=
	for c in none zlib lzo; do
		flag=; [ $c = zlib ] && flag=' -c'; [ $c = lzo ] && flag=' -l'
		printf '%s  "linux-%s.kd": %s\n' "$sep" "$c" "$($fx expect "$work/linux-norm.elf" "$work/linux-$c.kd" "made_by=$range_note$flag" "format=kdump")"
		sep=,
	done
	for c in snappy zstd; do
		printf ',  "linux-%s.kd": %s\n' "$c" "$($fx expect "$work/linux-norm.elf" "$work/linux-$c.kd" "made_by=linux-none.kd with its pages compressed by lib$c (scripts/kdump-fixtures.py recompress)" "format=kdump")"
	done
	printf ',  "linux-classify.kd": %s\n' "$($fx expect "$work/linux-norm.elf" "$work/linux-classify.kd" "made_by=makedumpfile $mdf -c -d 23 of the whole guest, trimmed to the workload's pages and the kernel metadata the classifier reads (scripts/kdump-fixtures.py trim)" "format=kdump")"
	printf ',  "qemu-bios-zlib.flat": %s\n' "$($fx expect "$work/bios.elf" "$work/qemu-bios-zlib.flat" "made_by=QEMU $qv dump-guest-memory kdump-zlib of a 2 MiB guest running SeaBIOS only" "format=flattened-kdump")"
	printf ',  "qemu-bios-zlib.kd": %s\n' "$($fx expect "$work/bios.elf" "$work/qemu-bios-zlib.kd" "made_by=makedumpfile $mdf -R of qemu-bios-zlib.flat" "format=kdump")"
	echo ' }'
	echo '}'
} >"$work/expected.json"
# makedumpfile's own report of the whole dump must agree with what the ELF says about it
$py - "$work/expected.json" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
r, w, f = e['whole_dump_report'], e['whole_dump'], e['whole_dump_flattened']
checks = [
    (w['ram_pages'], r['Original pages'], 'RAM pages = Original pages'),
    (w['zero_pages'], r['Pages filled with zero'], 'zero pages (ELF) = Pages filled with zero'),
    (w['stored']['zero'], r['Pages filled with zero'], 'zero-page descriptors = Pages filled with zero'),
    (w['pages'] - w['zero_pages'], r['Remaining pages'], 'non-zero dumped pages = Remaining pages'),
    (w['ram_pages'] - w['dumped_pages'], r['Excluded pages'] - r['Pages filled with zero'], 'bitmap-excluded = Excluded - zero'),
    (f['digest_sha256'], w['digest_sha256'], 'makedumpfile -F holds the same pages as the kdump file'),
]
for got, want, what in checks:
    if got != want:
        sys.exit(f'check failed: {what}: {got} != {want}')
print('whole dump: makedumpfile report agrees with the ELF', file=sys.stderr)
EOF
for f in linux-none.kd linux-zlib.kd linux-lzo.kd linux-snappy.kd linux-zstd.kd linux-classify.kd qemu-bios-zlib.flat qemu-bios-zlib.kd expected.json; do
	install -m 644 "$work/$f" "$out/$f"
done
ls -l "$out"
