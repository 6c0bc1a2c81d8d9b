#!/bin/sh
# churn-capture-job.sh: the churn workload recorded by `zswap-dedup capture
# --trigger` while it runs (test-kernel/capture-churn.test.ts).
#
# Not part of the initramfs: the test hands it to the guest through the job
# share (/job) with pageset.raw and churn.txt.  Needs the host root shared
# read-only as "host" (mounted by /init at /host), the clone shared read-only
# as "repo" (bound at /tmp/zswap-dedup inside the chroot), the writable share
# "out" and the swap disk /dev/vda.
#
#   1. chroot setup (kernel/guest/chroot-host.sh: fresh proc, sysfs, devtmpfs
#      and tmpfs inside /host; /out bound at /host/tmp/out, /repo at
#      /host/tmp/zswap-dedup), swap on, no swap readahead, MemTotal to
#      /out/meminfo.txt;
#   2. zswap-churn -t CTL,ACK runs the script in the memcg zswap-churn (the
#      only one with zswap entries, as in churn-exact); it prints its two PIDs
#      and its counters after every phase to /out/churn.out;
#   3. `capture -p P0 -p P1 --trigger CTL,ACK` (node chrooted into the host
#      root, outside that memcg) records both processes to
#      /out/churn.zsdc: a sample at its start, one after every phase, and the
#      workload's "stop" ends it; its stderr goes to /out/capture.stderr.
# Exits non-zero, with the reason on stderr (the console), when a step fails;
# a capture that fails ends the workload, which would wait for it forever.
set -eu

fail() {
	echo "churn-capture-job: $*" >&2
	exit 1
}

. /repo/kernel/guest/chroot-host.sh
chroot_host

mkswap /dev/vda >/dev/null
swapon /dev/vda
# no swap readahead: a fault loads exactly its own page
echo 0 >/proc/sys/vm/page-cluster
grep MemTotal /proc/meminfo >/out/meminfo.txt
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/zswap-churn
mkfifo "$root/tmp/ctl" "$root/tmp/ack"

(
	rc=0
	sh -c 'echo $$ >/sys/fs/cgroup/zswap-churn/cgroup.procs &&
		exec zswap-churn -t "$0" /job/pageset.raw /job/churn.txt' \
		"$root/tmp/ctl,$root/tmp/ack" >/out/churn.out || rc=$?
	echo "$rc" >/tmp/churn.rc
) &

i=0
until grep -q '^pids ' /out/churn.out 2>/dev/null; do
	[ ! -f /tmp/churn.rc ] || fail "zswap-churn exited with $(cat /tmp/churn.rc) before it ran"
	i=$((i + 1))
	[ "$i" -lt 600 ] || fail "zswap-churn printed no PIDs"
	sleep 0.1
done
# shellcheck disable=SC2046 # "pids P0 P1"
set -- $(grep '^pids ' /out/churn.out)
p0=$2
p1=$3
echo "churn-capture-job: zswap-churn pids $p0 $p1"

(
	rc=0
	chroot "$root" /usr/bin/node "$repo/bin/zswap-dedup" capture --no-progress \
		-p "$p0" -p "$p1" --trigger /tmp/ctl,/tmp/ack \
		-o /tmp/out/churn.zsdc 2>/out/capture.stderr || rc=$?
	echo "$rc" >/tmp/capture.rc
) &

until [ -f /tmp/churn.rc ]; do
	if [ -f /tmp/capture.rc ] && [ "$(cat /tmp/capture.rc)" != 0 ]; then
		kill -9 "$p0" "$p1" 2>/dev/null || true
		cat /out/capture.stderr >&2
		fail "zswap-dedup capture exited with $(cat /tmp/capture.rc)"
	fi
	sleep 0.5
done
[ "$(cat /tmp/churn.rc)" = 0 ] || fail "zswap-churn exited with $(cat /tmp/churn.rc)"
until [ -f /tmp/capture.rc ]; do sleep 0.2; done
cat /out/capture.stderr
[ "$(cat /tmp/capture.rc)" = 0 ] || fail "zswap-dedup capture exited with $(cat /tmp/capture.rc)"
