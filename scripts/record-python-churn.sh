#!/usr/bin/env bash
# Records fixtures/capture/python-churn.trace: Debian's python3 running scripts/python-churn.py
# (allocates 2 MiB blocks of partly repeated pages, rewrites some pages of the newest two, frees
# the oldest every third step, forks a child that writes to its copy-on-write pages), sampled every
# 5 s until it exits, hash-only. Needs root (capture), python3.
# Usage: scripts/record-python-churn.sh [OUTPUT]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../fixtures/capture/python-churn.trace}
python3 "$here/python-churn.py" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
node "$here/../bin/zswap-dedup" capture --pid "$pid" --interval 5 --duration 70 --hash-only -o "$out"
