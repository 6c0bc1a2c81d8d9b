#!/usr/bin/env bash
# Makes fixtures/capture/churn.trace: a recording over time (capture --interval, hash-only) of a
# real Python process and its children on this machine for a minute while they allocate, fork,
# rewrite pages (copy-on-write and in place), free them and exit, round after round
# (test/workloads/churn.py --auto: one step every 4 s, each round with fresh buffers and a new
# child). The workload runs in a cgroup of its own, recorded with --cgroup, so each new child is
# a target from the sample after its birth.
#
# Root on Linux, cgroup v2. This machine's kernel offers neither idle page tracking nor
# soft-dirty, so the trace's idle ages are unknown (the guest test covers them).
# Usage: scripts/make-churn-trace.sh [output]   (default fixtures/capture/churn.trace)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../fixtures/capture/churn.trace}
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$root" ] || { echo "make-churn-trace.sh: no cgroup v2 mounted" >&2; exit 1; }
cg=$(mktemp -d "$root/zswap-dedup-churn.XXXXXX")
cleanup() {
	[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true
	sleep 0.5
	while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
	sleep 0.2
	rmdir "$cg"
}
trap cleanup EXIT
CHURN_PAGES=256 sh -c 'echo $$ >"$1/cgroup.procs"; exec python3 "$2" --auto 4' churn "$cg" "$here/../test/workloads/churn.py" &
pid=$!
sleep 1
node "$here/../bin/zswap-dedup" capture --no-progress --hash-only --interval 2 --duration 60 --cgroup "$cg" -o "$out"
