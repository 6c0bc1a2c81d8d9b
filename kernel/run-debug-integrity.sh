#!/usr/bin/env bash
# The dedup integrity run on the debug builds of the dedup kernel, on the SMP
# guest: KASAN + lockdep and KCSAN + lockdep.  Builds what is missing
# (kernel/build-debug-kernel.sh, cached; 20-40 minutes each the first time),
# the guest tools and the TypeScript, then runs test-kernel/debug/dedup-debug.ts.
# Not part of .ci/run (too long).
#
# apt-get installs (only when missing, as root): what build-kernel.sh and
#   build-dedup-tools.sh install (kernel build deps, qemu-system-x86,
#   busybox-static, stress-ng).
#
# Usage: kernel/run-debug-integrity.sh [kasan|kcsan|all]   (default all)
#   ZSWAP_DEDUP_DEBUG_COMPRESSORS=lz4,zstd  compressors (default lz4)
#   ZSWAP_DEDUP_DEBUG_ARGS="PAGES CYCLES PROCS"  size of each phase (default 1024 3 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-all}" in
kasan | kcsan) kinds=$1 ;;
all) kinds=kasan,kcsan ;;
*) echo "usage: kernel/run-debug-integrity.sh [kasan|kcsan|all]" >&2; exit 2 ;;
esac
for k in ${kinds//,/ }; do kernel/build-debug-kernel.sh "$k"; done
kernel/build-dedup-tools.sh
npx tsc -p tsconfig.json
ZSWAP_DEDUP_DEBUG_KINDS=$kinds exec node --test --test-reporter=spec dist/test-kernel/debug/dedup-debug.js
