#!/usr/bin/env bash
# Build the guest-side programs of the dedup tests (test-kernel/dedup-*.test.ts)
# as static binaries and cache them outside the clone:
#   dedup-integrity  kernel/dedup/dedup-integrity.c
#   dedup-timing     kernel/dedup/dedup-timing.c
#   dedup-scale      kernel/dedup/dedup-scale.c (lookup cost up to millions of
#                    objects, kernel/run-dedup-scale.sh)
#   test_zswap       the kernel's own tools/testing/selftests/cgroup/test_zswap
#                    (with cgroup_util.c), from /usr/src/linux-source-6.12.tar.xz
# They reach the guest through the job's 9p share.  stress-ng is not built: the
# guest runs the host's Debian stress-ng from the host root shared over 9p.
#
# apt-get installs (only when missing, as root): stress-ng, and through
#   install-deps.sh the kernel test dependencies (build-essential, xz-utils,
#   linux-source-6.12 ...).
#
# Usage: kernel/build-dedup-tools.sh [--print-path]   (prints the directory)
# Cache: ${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-~/.cache}/zswap-dedup}/dedup-tools/tools-<key>/
#   key = sha256(the three sources, linux-source-6.12 and gcc versions)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
print_path=0
[ "${1:-}" = --print-path ] && print_path=1

"$here/install-deps.sh" >&2
if [ "$(dpkg-query -W -f='${db:Status-Status}' stress-ng 2>/dev/null || true)" != installed ]; then
	echo "build-dedup-tools.sh: installing stress-ng" >&2
	if [ "$(id -u)" != 0 ]; then
		echo "build-dedup-tools.sh: not root, cannot apt-get install stress-ng" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends stress-ng >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends stress-ng >&2; }
fi

tarball=/usr/src/linux-source-6.12.tar.xz
key=$({
	cat "$here/dedup/dedup-integrity.c" "$here/dedup/dedup-timing.c" "$here/dedup/dedup-scale.c"
	dpkg-query -W -f='${Version}\n' linux-source-6.12
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
cache=${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/dedup-tools
out=$cache/tools-$key
if [ ! -x "$out/test_zswap" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	cflags="-static -O2 -Wall -Wextra -Werror"
	gcc $cflags -o "$tmp/dedup-integrity" "$here/dedup/dedup-integrity.c"
	gcc $cflags -o "$tmp/dedup-timing" "$here/dedup/dedup-timing.c"
	gcc $cflags -o "$tmp/dedup-scale" "$here/dedup/dedup-scale.c"
	sel=linux-source-6.12/tools/testing/selftests
	tar -C "$tmp" -xf "$tarball" "$sel/kselftest.h" "$sel/cgroup" "$sel/clone3"
	# the selftest's own flags (its Makefile: -Wall -pthread)
	gcc -static -O2 -Wall -pthread -o "$tmp/test_zswap" \
		"$tmp/$sel/cgroup/test_zswap.c" "$tmp/$sel/cgroup/cgroup_util.c"
	rm -rf "$tmp/linux-source-6.12"
	rm -rf "$out"
	chmod 755 "$tmp"
	mv "$tmp" "$out"
	trap - EXIT
fi
if [ "$print_path" = 1 ]; then echo "$out"; else echo "dedup tools: $out"; fi
