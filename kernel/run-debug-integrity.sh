#!/usr/bin/env bash
# The dedup integrity run on the KASAN + lockdep build of the dedup kernel:
# builds it (kernel/build-debug-kernel.sh, cached; 20-40 minutes the first
# time), the guest tools, the TypeScript, then runs
# test-kernel/kasan/dedup-kasan.ts.  Not part of .ci/run (too long).
#
# apt-get installs (only when missing, as root): what build-kernel.sh and
#   build-dedup-tools.sh install (kernel build deps, qemu-system-x86,
#   busybox-static, stress-ng).
#
# Usage: kernel/run-debug-integrity.sh
#   ZSWAP_DEDUP_KASAN_COMPRESSORS=lz4,zstd  compressors (default lz4)
#   ZSWAP_DEDUP_KASAN_ARGS="PAGES CYCLES PROCS"  size of each phase (default 1024 3 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kernel/build-debug-kernel.sh
kernel/build-dedup-tools.sh
npx tsc -p tsconfig.json
exec node --test --test-reporter=spec dist/test-kernel/kasan/dedup-kasan.js
