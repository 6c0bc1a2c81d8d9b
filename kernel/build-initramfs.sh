#!/usr/bin/env bash
# Build the busybox initramfs of the zswap-dedup test guest and cache it outside
# the clone.  It holds busybox (static) with its applets, /init
# (kernel/guest/init), /bin/zswap-measure (kernel/guest/zswap-measure) and
# /bin/zswap-fill and /bin/zswap-churn, the static workloads compiled from
# kernel/workload/zswap-fill.c and kernel/workload/zswap-churn.c.
#
# apt-get installs (only when missing, as root, through install-deps.sh):
#   busybox-static, build-essential, cpio (with the rest of the kernel test deps).
#
# Usage: kernel/build-initramfs.sh [--print-path]
# Cache: ${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/initramfs/
#   initramfs-<key>.cpio.gz, key = sha256(the four sources, busybox and gcc versions)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
print_path=0
[ "${1:-}" = --print-path ] && print_path=1

"$here/install-deps.sh" >&2

busybox=/bin/busybox
key=$({
	cat "$here/guest/init" "$here/guest/zswap-measure" "$here/workload/zswap-fill.c" \
		"$here/workload/zswap-churn.c"
	dpkg-query -W -f='${Version}\n' busybox-static
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
cache=${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/initramfs
out=$cache/initramfs-$key.cpio.gz
if [ ! -s "$out" ]; then
	mkdir -p "$cache"
	root=$(mktemp -d "$cache/root.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
	cp "$busybox" "$root/bin/busybox"
	for applet in $("$busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	install -m 755 "$here/guest/init" "$root/init"
	install -m 755 "$here/guest/zswap-measure" "$root/bin/zswap-measure"
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/zswap-fill" "$here/workload/zswap-fill.c"
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/zswap-churn" "$here/workload/zswap-churn.c"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9n >"$out.tmp"
	mv "$out.tmp" "$out"
fi
if [ "$print_path" = 1 ]; then echo "$out"; else echo "initramfs: $out"; fi
