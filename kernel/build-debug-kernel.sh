#!/usr/bin/env bash
# Build the dedup kernel with KASAN and lockdep (kernel/config/dedup-debug.config
# on top of the test guest's fragment), for the integrity run of
# test-kernel/kasan/dedup-kasan.ts (started by kernel/run-debug-integrity.sh).
#
# apt-get installs (only when missing, as root, through install-deps.sh): the
#   kernel build dependencies listed there.
#
# A full build (KASAN instruments everything): 20-40 minutes on 2 cores.
# Cached like the other variants, as variant "dedup-debug".
#
# Usage: kernel/build-debug-kernel.sh [--print-path]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/build-kernel.sh" --variant dedup-debug --patches "$here/patches" \
	--extra-config "$here/config/dedup-debug.config" "$@"
