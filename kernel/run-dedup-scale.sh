#!/usr/bin/env bash
# The dedup index lookup cost up to a million objects (test-kernel/debug/dedup-scale.ts):
# builds the dedup kernel and the guest tools if needed, then runs it.
# Not part of .ci/run: about a million zswap stores under TCG.
#
# apt-get installs (only when missing, as root): what build-kernel.sh and
#   build-dedup-tools.sh install.
#
# Usage: kernel/run-dedup-scale.sh   (ZSWAP_DEDUP_SCALE_PAGES=n for another size)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p tsconfig.json
exec node --test --test-reporter=spec dist/test-kernel/debug/dedup-scale.js
