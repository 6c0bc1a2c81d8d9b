#!/bin/sh
# cold-job.sh WORKLOAD: the cold part of one study workload inside the Linux 6.12 QEMU guest, whose
# kernel has idle page tracking (the host's has not).
#
# Run by study/cold.ts through test-kernel/lib/guest.ts with CHROOT_SHARES (the host root as
# "host", the clone as "repo") and a writable share "out". WORKLOAD: redis-replica, flask or
# node-cluster (study/guest/workloads.sh, sizes from the environment).
#   1. chroot setup (kernel/guest/chroot-host.sh, study/guest/workloads.sh);
#   2. the workload started by its own study script in the cgroup "study", driven with real work
#      for LOAD_SECONDS (default 10; redis: its data set loaded);
#   3. light load in the background: a burst of 20 requests every 5 s;
#   4. `zswap-dedup capture --interval 30 --samples 6 --duration 300 --idle page_idle` of every
#      process of "study" to /out/cold.zsdc (a recording: idle age of every page at every sample):
#      150 s when a sample takes less than the interval; under TCG on a busy machine one sample
#      of 20,000 pages took more than 150 s, and then the samples come as fast as they can, for up
#      to 300 s (study/cold.ts refuses a recording whose last sample is before 120 s).
set -eu
fail() {
	echo "cold-job: $*" >&2
	exit 1
}
. /repo/kernel/guest/chroot-host.sh
[ $# = 1 ] || fail "usage: cold-job.sh WORKLOAD"
[ -f /sys/kernel/mm/page_idle/bitmap ] || fail "this kernel has no idle page tracking"
chroot_host
. /repo/study/guest/workloads.sh
guest_workloads
w=$1
start_workload "$w"
drive_workload "$w" "${LOAD_SECONDS:-10}"
(while true; do
	burst_workload "$w" || true
	sleep 5
done) &
load=$!
targets=
for p in $(cat /sys/fs/cgroup/study/cgroup.procs); do targets="$targets -p $p"; done
echo "cold-job: recording $w:$targets"
rc=0
# shellcheck disable=SC2086 # one -p per process
chroot "$root" /usr/bin/node "$repo/bin/zswap-dedup" capture --no-progress $targets --interval 30 --samples 6 \
	--duration 300 --idle page_idle -o /tmp/out/cold.zsdc 2>/out/cold.stderr || rc=$?
cat /out/cold.stderr
kill "$load" || true
echo 1 >/sys/fs/cgroup/load/cgroup.kill
[ "$rc" = 0 ] || fail "capture exited with $rc"
