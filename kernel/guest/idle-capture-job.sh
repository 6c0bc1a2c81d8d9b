#!/bin/sh
# idle-capture-job.sh: record a workload over time inside the guest with
# `zswap-dedup capture --interval`, once with each idle method
# (test-kernel/guest-idle.test.ts).
#
# Not part of the initramfs: the test hands it to the guest through the job
# share (/job).  Needs the host root shared read-only as "host" (mounted by
# /init at /host), the clone shared read-only as "repo" (bound at
# /tmp/zswap-dedup inside the chroot) and the writable share "out".
#
#   1. chroot setup (kernel/guest/chroot-host.sh: fresh proc, sysfs, devtmpfs
#      and tmpfs inside /host; /out bound at /host/tmp/out, /repo at
#      /host/tmp/zswap-dedup);
#   2. test/workloads/idle.py (the host's python3, in the chroot) writes HOT
#      pages and reads READ pages every 50 ms and leaves COLD pages alone;
#   3. for page_idle, then soft_dirty: "1" into /proc/sys/vm/drop_caches first
#      (it runs lru_add_drain_all(): pages still in a per-CPU LRU batch cannot
#      carry an idle bit), then `capture -p PID --interval 2 --samples 4
#      --idle METHOD` to /out/idle-METHOD.zsdc, its stderr to
#      /out/idle-METHOD.stderr;
#   4. the workload is killed.
# Exits non-zero, with the reason on stderr (the console), when a step fails.
set -eu

fail() {
	echo "idle-capture-job: $*" >&2
	exit 1
}

. /repo/kernel/guest/chroot-host.sh
[ -x "$root/usr/bin/python3" ] || fail "no $root/usr/bin/python3 in the host share"
[ -f /sys/kernel/mm/page_idle/bitmap ] || fail "this kernel has no idle page tracking"
chroot_host

mkfifo /tmp/idle.out
chroot "$root" /usr/bin/python3 "$repo/test/workloads/idle.py" 48 >/tmp/idle.out &
pid=$!
exec 4</tmp/idle.out
# shellcheck disable=SC3045 # busybox ash has read -t
read -r -t 120 ready pypid <&4 || fail "no answer from idle.py"
[ "$ready" = ready ] && [ "$pypid" = "$pid" ] || fail "idle.py said: $ready $pypid"
echo "idle-capture-job: idle.py pid $pid ready"

for method in page_idle soft_dirty; do
	echo 1 >/proc/sys/vm/drop_caches
	rc=0
	chroot "$root" /usr/bin/node "$repo/bin/zswap-dedup" capture --no-progress \
		-p "$pid" --interval 2 --samples 4 --idle "$method" \
		-o "/tmp/out/idle-$method.zsdc" 2>"/out/idle-$method.stderr" || rc=$?
	cat "/out/idle-$method.stderr"
	[ "$rc" = 0 ] || fail "zswap-dedup capture --idle $method exited with $rc"
done

kill "$pid"
wait "$pid" || true
