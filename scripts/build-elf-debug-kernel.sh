#!/usr/bin/env bash
# Build the Linux 6.12 guest kernel variant used for the ELF vmcore fixture: the
# project's guest configuration (kernel/config/zswap-guest.config, read only) plus
# what an independent classification check needs and what distribution kernels have:
#   DWARF debug info (for drgn), SPARSEMEM_VMEMMAP, RELOCATABLE + RANDOMIZE_BASE (KASLR).
# It never touches the stock kernel's cache; everything lives in its own directory.
#
# apt-get installs (only when missing, as root): linux-source-6.12 build-essential bc
#   bison flex libelf-dev libssl-dev cpio xz-utils dwarves
#
# Usage: scripts/build-elf-debug-kernel.sh [--print-dir]
# Output: ${ZSWAP_DEDUP_CACHE:-~/.cache/zswap-dedup}/elf-kernel/<key>/{bzImage,vmlinux,config,build.log}
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
print_dir=0
[ "${1:-}" = --print-dir ] && print_dir=1
log() { echo "$*" >&2; }

pkgs="linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils"
missing=
for p in $pkgs; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
fi

fragment=$root/kernel/config/zswap-guest.config
extra=$(cat <<'CFG'
CONFIG_DEBUG_KERNEL=y
CONFIG_DEBUG_INFO_DWARF5=y
CONFIG_SPARSEMEM_VMEMMAP=y
CONFIG_RELOCATABLE=y
CONFIG_RANDOMIZE_BASE=y
CONFIG_VMCORE_INFO=y
CFG
)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$({ cat "$fragment"; echo "$extra"; echo "$srcver"; } | sha256sum | cut -c1-16)
cache=${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/elf-kernel
out=$cache/$key
if [ -s "$out/bzImage" ] && [ -s "$out/vmlinux" ]; then
	[ "$print_dir" = 1 ] && echo "$out"
	exit 0
fi
mkdir -p "$cache" "$out"
exec 9>"$cache/.lock"
flock 9

tree=$cache/src/linux-source-6.12
if [ ! -f "$cache/src/.extracted-$srcver" ]; then
	rm -rf "$cache/src" "$cache/obj"
	mkdir -p "$cache/src"
	tar -C "$cache/src" -xf /usr/src/linux-source-6.12.tar.xz
	touch "$cache/src/.extracted-$srcver"
fi
obj=$cache/obj
mkdir -p "$obj"
printf '%s\n' "$extra" >"$out/extra.config"
start=$(date +%s)
if ! {
	make -C "$tree" O="$obj" ARCH=x86_64 allnoconfig &&
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" "$out/extra.config" &&
	make -C "$tree" O="$obj" ARCH=x86_64 olddefconfig &&
	for opt in $extra; do grep -qx "$opt" "$obj/.config" || { echo "option lost: $opt"; exit 1; }; done &&
	nice make -C "$tree" O="$obj" ARCH=x86_64 -j"$(nproc)" bzImage
} >"$out/build.log" 2>&1; then
	log "build-elf-debug-kernel.sh: build FAILED, last lines of $out/build.log:"
	tail -n 40 "$out/build.log" >&2
	exit 1
fi
cp "$obj/.config" "$out/config"
cp "$obj/vmlinux" "$out/vmlinux"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
log "built $out in $(($(date +%s) - start)) s"
[ "$print_dir" = 1 ] && echo "$out"
exit 0
