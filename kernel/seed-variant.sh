#!/usr/bin/env bash
# Seed a kernel build variant from an already built one, so that the variant's
# first build (kernel/build-kernel.sh --variant NAME --patches DIR) is an
# incremental build: only what its patches touch is recompiled, plus the link.
#
# apt-get installs: nothing (uses coreutils, grep, sed, util-linux flock).
#
# Usage: kernel/seed-variant.sh [--from VARIANT] --to VARIANT
#   --from  the built variant to copy (default "stock")
#   --to    the variant to create; nothing is done when it already exists
#
# build-kernel.sh keeps, per variant, src-<variant>/ (the extracted
# linux-source-6.12 plus applied-patches/) and obj-<variant>/ (make O=).  This
# copies both with their timestamps (cp -a) and rewrites the absolute paths
# kbuild recorded in the text files of the object directory (.cmd dependency
# files, Makefile, the `source` link) from the old directories to the new ones.
# Kbuild then sees the same command lines and dependencies, so build-kernel.sh
# rebuilds only the files its patches give new times (and what includes them).
# The copy is made under temporary names and renamed at the end: an interrupted
# seed leaves no half-made variant behind.
#
# Exit status: 0 seeded or already present; 1 nothing to seed from (the caller
# then simply gets a full build); 2 usage.
set -euo pipefail

from=stock
to=
while [ $# -gt 0 ]; do
	case "$1" in
	--from) from=$2; shift 2 ;;
	--to) to=$2; shift 2 ;;
	*) echo "seed-variant.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in "$from" "$to"; do
	case "$v" in
	*[!A-Za-z0-9_.-]* | "") echo "seed-variant.sh: bad variant name '$v'" >&2; exit 2 ;;
	esac
done
[ "$from" != "$to" ] || { echo "seed-variant.sh: --from and --to are the same" >&2; exit 2; }

cache=${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/kernel
src_from=$cache/src-$from
obj_from=$cache/obj-$from
src_to=$cache/src-$to
obj_to=$cache/obj-$to

if [ -e "$src_to" ] || [ -e "$obj_to" ]; then
	echo "seed-variant.sh: variant $to already exists, nothing to do" >&2
	exit 0
fi
mkdir -p "$cache"

# Hold both variants' build locks (the ones build-kernel.sh takes): no build
# of either may run while the trees are copied.
exec 8>"$cache/.lock-$from"
flock 8
exec 9>"$cache/.lock-$to"
flock 9
if [ -e "$src_to" ] || [ -e "$obj_to" ]; then
	exit 0
fi
if [ ! -f "$obj_from/vmlinux" ] || ! ls "$src_from"/.extracted-* >/dev/null 2>&1; then
	echo "seed-variant.sh: $from has no finished build in $cache, not seeding $to" >&2
	exit 1
fi

start=$(date +%s)
tmp_src=$cache/.seed-src-$to
tmp_obj=$cache/.seed-obj-$to
rm -rf "$tmp_src" "$tmp_obj"
cp -a --reflink=auto "$src_from" "$tmp_src"
cp -a --reflink=auto "$obj_from" "$tmp_obj"
# Text files only (-I): .cmd files, Makefile, a few .d/.s files.  The object
# files keep whatever paths they hold; kbuild does not read them.
grep -rlIZF -e "$src_from/" -e "$obj_from/" -e "$src_from " -e "$obj_from " "$tmp_obj" |
	xargs -0 -r sed -i -e "s|$src_from/|$src_to/|g" -e "s|$obj_from/|$obj_to/|g" \
		-e "s|$src_from\$|$src_to|g" -e "s|$obj_from\$|$obj_to|g" \
		-e "s|$src_from |$src_to |g" -e "s|$obj_from |$obj_to |g"
if [ -L "$tmp_obj/source" ]; then
	ln -sfn "$src_to/linux-source-6.12" "$tmp_obj/source"
fi
left=$(grep -rlIF -e "$src_from" -e "$obj_from" "$tmp_obj" | head -n 3 || true)
if [ -n "$left" ]; then
	echo "seed-variant.sh: paths of $from left in: $left" >&2
	rm -rf "$tmp_src" "$tmp_obj"
	exit 1
fi
mv "$tmp_src" "$src_to"
mv "$tmp_obj" "$obj_to"
echo "seed-variant.sh: seeded $to from $from in $(($(date +%s) - start)) s" >&2
