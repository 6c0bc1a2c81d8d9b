#!/usr/bin/env bash
# Build a debug variant of the dedup kernel (kernel/patches/ on the SMP test
# guest's config, plus kernel/config/dedup.config) for the integrity runs of
# kernel/run-debug-integrity.sh:
#   kasan  variant "dedup-debug": generic KASAN + lockdep, DEBUG_VM, DEBUG_LIST
#          (kernel/config/dedup-debug.config)
#   kcsan  variant "dedup-kcsan": KCSAN + lockdep (kernel/config/dedup-kcsan.config);
#          KCSAN and KASAN exclude each other, so two builds
#
# apt-get installs (only when missing, as root, through install-deps.sh): the
#   kernel build dependencies listed there.
#
# A full build each (the sanitizers instrument everything): 20-40 minutes on
# 2 cores.  Cached like the other variants.
#
# Usage: kernel/build-debug-kernel.sh [kasan|kcsan] [--print-path]   (default kasan)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kind=kasan
case "${1:-}" in
kasan | kcsan) kind=$1; shift ;;
esac
case "$kind" in
kasan) variant=dedup-debug fragment=dedup-debug.config ;;
kcsan) variant=dedup-kcsan fragment=dedup-kcsan.config ;;
esac
exec "$here/build-kernel.sh" --variant "$variant" --patches "$here/patches" \
	--extra-config "$here/config/dedup.config" \
	--extra-config "$here/config/$fragment" "$@"
