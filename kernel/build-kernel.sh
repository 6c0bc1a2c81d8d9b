#!/usr/bin/env bash
# Build the x86_64 Linux 6.12 guest kernel for the zswap-dedup QEMU tests, out of
# tree, and cache its bzImage outside the clone.
#
# apt-get installs (only when missing, as root): linux-source-6.12, qemu-system-x86,
#   busybox-static, build-essential, bc, bison, flex, libelf-dev, libssl-dev, cpio,
#   xz-utils.
#
# Usage: kernel/build-kernel.sh [--variant NAME] [--patches DIR] [--print-path]
#   --variant NAME  build variant (default "stock"); part of the cache key and of
#                   the source/build directories, so variants never share objects.
#   --patches DIR   a directory of *.patch files applied in name order with
#                   `patch -p1` (later: the dedup series under kernel/patches/),
#                   except a format-patch cover letter (0000-cover-letter.patch).
#                   Their contents are part of the cache key.  A changed series is
#                   first reverted with `patch -R`, so the kept object directory
#                   rebuilds only what the patches touch.
#   --extra-config FILE
#                   another config fragment merged after the first, in the
#                   order given (repeatable; e.g. kernel/config/dedup.config
#                   for the dedup series' testing aids, then the KASAN +
#                   lockdep options of kernel/build-debug-kernel.sh); part of
#                   the cache key and checked like the first.
#   --print-path    print only the cached bzImage path on stdout.
#
# Cache: ${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/kernel/
#   <variant>-<key>/bzImage   key = sha256(config fragment, source package version,
#                             patches)[:16]
#   src-<variant>/            extracted linux-source-6.12 (+ patches)
#   obj-<variant>/            make O= directory (kept for incremental builds)
# A failed build exits non-zero and prints the tail of the build log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
variant=stock
patches=
extras=()
print_path=0
while [ $# -gt 0 ]; do
	case "$1" in
	--variant) variant=$2; shift 2 ;;
	--patches) patches=$(cd "$2" && pwd); shift 2 ;;
	--extra-config) extras+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
	--print-path) print_path=1; shift ;;
	*) echo "build-kernel.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
case "$variant" in
*[!A-Za-z0-9_.-]* | "") echo "build-kernel.sh: bad variant name '$variant'" >&2; exit 2 ;;
esac

log() { if [ "$print_path" = 1 ]; then echo "$*" >&2; else echo "$*"; fi; }

fragment=$here/config/zswap-guest.config
tarball=/usr/src/linux-source-6.12.tar.xz

# --- Debian packages -------------------------------------------------------
"$here/install-deps.sh" >&2

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
cache=${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/kernel
mkdir -p "$cache"

patch_list=()
if [ -n "$patches" ]; then
	# A git format-patch cover letter (0000-cover-letter.patch) holds no diff:
	# it is neither applied nor part of the cache key.
	while IFS= read -r p; do patch_list+=("$p"); done < <(find "$patches" -maxdepth 1 -name '*.patch' ! -name '0000-cover-letter.patch' | LC_ALL=C sort)
	[ ${#patch_list[@]} -gt 0 ] || { echo "build-kernel.sh: no *.patch in $patches" >&2; exit 2; }
fi

key=$({
	echo "fragment"; cat "$fragment"
	for x in "${extras[@]}"; do echo "extra fragment"; cat "$x"; done
	echo "linux-source-6.12 $srcver"
	for p in "${patch_list[@]}"; do echo "patch $(basename "$p")"; cat "$p"; done
} | sha256sum | cut -c1-16)
out=$cache/$variant-$key
if [ -s "$out/bzImage" ]; then
	log "cached kernel: $out/bzImage"
	[ "$print_path" = 0 ] || echo "$out/bzImage"
	exit 0
fi

# One build per variant at a time (parallel test runs share the cache).
exec 9>"$cache/.lock-$variant"
flock 9
if [ -s "$out/bzImage" ]; then
	[ "$print_path" = 0 ] || echo "$out/bzImage"
	exit 0
fi

src=$cache/src-$variant
obj=$cache/obj-$variant
tree=$src/linux-source-6.12
applied=$src/applied-patches
if [ ! -f "$src/.extracted-$srcver" ]; then
	log "extracting $tarball into $src"
	rm -rf "$src" "$obj"
	mkdir -p "$src"
	tar -C "$src" -xf "$tarball"
	mkdir -p "$applied"
	touch "$src/.extracted-$srcver"
fi

# Bring the tree to exactly the requested patch series.
want=$(for p in "${patch_list[@]}"; do sha256sum <"$p" | cut -c1-64; done)
applied_list() { find "$applied" -maxdepth 1 -name '*.patch' -printf '%f\n' | LC_ALL=C sort "$@"; }
have=$(for p in $(applied_list); do sha256sum <"$applied/$p" | cut -c1-64; done)
if [ "$want" != "$have" ]; then
	for p in $(applied_list -r); do
		log "reverting $p"
		patch -d "$tree" -p1 -R -s <"$applied/$p"
		rm "$applied/$p"
	done
	for p in "${patch_list[@]}"; do
		log "applying $(basename "$p")"
		# Dry run first: a patch that does not apply leaves the tree as it was.
		if ! patch -d "$tree" -p1 -s -f --dry-run <"$p" >&2; then
			echo "build-kernel.sh: $(basename "$p") does not apply to linux-source-6.12 $srcver" >&2
			exit 1
		fi
		patch -d "$tree" -p1 -s <"$p"
		cp "$p" "$applied/"
	done
fi

mkdir -p "$obj" "$out"
# Every fragment's options must have survived olddefconfig.
check_fragments() {
	local f
	for f in "$fragment" "${extras[@]}"; do
		"$here/check-config.sh" "$f" "$obj/.config" || return 1
	done
}
buildlog=$out/build.log
log "building $variant kernel ($srcver) in $obj, log $buildlog"
start=$(date +%s)
jobs=$(($(nproc) + 1))
if ! {
	make -C "$tree" O="$obj" ARCH=x86_64 allnoconfig &&
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" "${extras[@]}" &&
	make -C "$tree" O="$obj" ARCH=x86_64 olddefconfig &&
	check_fragments &&
	make -C "$tree" O="$obj" ARCH=x86_64 -j"$jobs" bzImage
} >"$buildlog" 2>&1; then
	echo "build-kernel.sh: kernel build FAILED ($variant); last 60 lines of $buildlog:" >&2
	tail -n 60 "$buildlog" >&2
	exit 1
fi
cp "$obj/.config" "$out/config"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage.tmp"
mv "$out/bzImage.tmp" "$out/bzImage"
log "built $out/bzImage in $(($(date +%s) - start)) s"
[ "$print_path" = 0 ] || echo "$out/bzImage"
