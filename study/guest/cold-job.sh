#!/bin/sh
# cold-job.sh: the cold part of one study workload (flask-gunicorn, 2 workers), inside the
# Linux 6.12 QEMU guest, whose kernel has idle page tracking (the host's has not).
#
# Run by study/cold.ts through test-kernel/lib/guest.ts as /job/run.sh's command: the host root
# shared read-only as "host" (mounted at /host by the guest's /init), the clone read-only as "repo"
# (bound at /tmp/zswap-dedup inside the chroot, so the clone may live anywhere on the host, /tmp
# included), a writable share "out".
#   1. chroot setup (kernel/guest/chroot-host.sh: fresh proc, sysfs, devtmpfs, tmpfs
#      inside /host; /out bound at /host/tmp/out, /repo at /host/tmp/zswap-dedup), loopback up;
#   2. the workload started by its own study script (study/workloads/flask.sh start);
#   3. light load in the background: a burst of 20 requests every 5 s;
#   4. `zswap-dedup capture --interval 30 --duration 150 --idle page_idle` of the gunicorn master
#      and workers to /out/cold.zsdc (a recording: idle age of every page at every sample).
set -eu
fail() {
	echo "cold-job: $*" >&2
	exit 1
}
. /repo/kernel/guest/chroot-host.sh
[ -f /sys/kernel/mm/page_idle/bitmap ] || fail "this kernel has no idle page tracking"
[ -x "$root/usr/bin/gunicorn" ] || fail "no gunicorn in the host share: run study/install-deps.sh flask"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || fail "cannot bring the loopback up"
chroot_host
mkdir "$root/tmp/w"
run() { chroot "$root" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# gunicorn's 30 s worker timeout would restart workers that boot slowly under TCG
run GUNICORN_WORKERS=2 GUNICORN_TIMEOUT=600 bash "$repo/study/workloads/flask.sh" start /tmp/w 0 1 || fail "flask.sh start failed"
master=$(cat "$root/tmp/w/i0/gunicorn.pid")
# both workers up and serving before the recording starts
tries=0
until [ "$(run pgrep -c -P "$master")" = 2 ] && run ab -q -n 4 -c 2 "http://127.0.0.1:58180/orders?customer=1" >/dev/null 2>&1; do
	tries=$((tries + 1))
	[ $tries -lt 120 ] || fail "gunicorn workers not serving after 120 tries"
	sleep 2
done
run bash -c 'while true; do ab -q -n 20 -c 2 "http://127.0.0.1:58180/orders?customer=42" >/dev/null 2>&1; sleep 5; done' &
load=$!
targets="-p $master"
for p in $(run pgrep -P "$master"); do targets="$targets -p $p"; done
echo "cold-job: recording $targets"
rc=0
# shellcheck disable=SC2086
run node "$repo/bin/zswap-dedup" capture --no-progress $targets --interval 30 --duration 150 \
	--idle page_idle -o /tmp/out/cold.zsdc 2>/out/cold.stderr || rc=$?
cat /out/cold.stderr
kill "$load" || true
[ "$rc" = 0 ] || fail "capture exited with $rc"
