#!/usr/bin/env bash
# Run the kernel's scripts/checkpatch.pl --strict on every patch of the dedup
# series (kernel/patches/*.patch, the cover letter included) and fail unless
# each is clean: no error, no warning, no check.
#
# checkpatch.pl and its word lists (spelling.txt, const_structs.checkpatch)
# come from Debian's linux-source-6.12, the tree the series applies to; only
# those three files are extracted, into the kernel cache (--no-tree: the
# series' files need no tree to be checked).
#
# apt-get installs (only when missing, as root, through install-deps.sh): the
#   kernel build dependencies listed there (linux-source-6.12 among them).
#
# Usage: kernel/checkpatch.sh [PATCH...]   (default kernel/patches/*.patch)
# Prints each patch's checkpatch summary; exit 1 if any is not clean.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/install-deps.sh" >&2

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
cache=${ZSWAP_DEDUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zswap-dedup}/kernel
dir=$cache/checkpatch-$srcver
if [ ! -s "$dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.checkpatch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xf /usr/src/linux-source-6.12.tar.xz --strip-components=1 \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
fi

if [ $# -eq 0 ]; then set -- "$here"/patches/*.patch; fi
bad=0
for p in "$@"; do
	# checkpatch looks for a git tree around the current directory: run it outside one.
	abs=$(realpath "$p")
	out=$(cd "$dir" && perl scripts/checkpatch.pl --strict --no-tree --color=never "$abs" 2>&1) || true
	summary=$(grep -m1 '^total: ' <<<"$out" || echo "no summary from checkpatch.pl")
	echo "$(basename "$p"): $summary"
	case "$summary" in
	"total: 0 errors, 0 warnings, 0 checks,"*) ;;
	*) bad=1; echo "$out" ;;
	esac
done
exit "$bad"
