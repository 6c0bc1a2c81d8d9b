#!/bin/sh
# counters-job.sh WORKLOAD...: real programs of the study pushed into zswap by the Linux 6.12
# guest's kernel (stock or with the dedup series), so that study/guest-counters.ts can compare the
# kernel's counters with what `zswap-dedup analyze` predicts for exactly the pages that went out.
#
# Run through test-kernel/lib/guest.ts with CHROOT_SHARES (host root as "host", the clone as
# "repo"), the writable share "out" and a swap disk /dev/vda, zswap on by boot parameters.
# WORKLOAD: redis-replica (a Redis primary and its replica, REDIS_KEYS keys), flask (gunicorn with
# GUNICORN_WORKERS Flask workers), node-cluster (NODE_WORKERS workers); sizes from the environment.
#   1. chroot setup (kernel/guest/chroot-host.sh, study/guest/workloads.sh: the workloads' files
#      on a tmpfs mounted noswap, so that reclaim can send only the processes' own memory to
#      zswap), swap on;
#   2. every workload started by its study script (study/workloads/<w>.sh start) inside the
#      cgroup "study", driven for LOAD_SECONDS from the cgroup "load", which is then killed;
#   3. "study" frozen (cgroup freezer): nothing it holds changes from here on;
#   4. `capture` of every process of "study" (contents from /proc/kcore) to /out/before.zsdc;
#   5. counters before, then memory.reclaim with swappiness=200 (anonymous pages only) until a
#      round frees nothing more, then counters after (sleep 3: memcg statistics flush every 2 s);
#   6. the frames the processes still map, to /out/resident.txt (study/guest/resident-frames.mjs):
#      the pages of before.zsdc whose frame is not listed are the pages that went out;
#   7. thawed and killed.
# /out/counters.txt holds "key value" lines as kernel/guest/zswap-measure prints them
# (before.zswap.*, after.zswap.*, before.vmstat.*, after.vmstat.*, memcg.*), and "zswap.param.*".
set -eu
fail() {
	echo "counters-job: $*" >&2
	exit 1
}
. /repo/kernel/guest/chroot-host.sh
[ $# -gt 0 ] || fail "usage: counters-job.sh WORKLOAD..."
[ -d /sys/kernel/debug/zswap ] || fail "no /sys/kernel/debug/zswap (debugfs, zswap)"
chroot_host
. /repo/study/guest/workloads.sh
guest_workloads
mkswap /dev/vda >/dev/null
swapon /dev/vda
cg=/sys/fs/cgroup/study
out=/out/counters.txt
: >"$out"

for w in "$@"; do
	start_workload "$w"
	drive_workload "$w" "${LOAD_SECONDS:-10}"
	echo "counters-job: $w started and driven for ${LOAD_SECONDS:-10} s"
done
echo 1 >/sys/fs/cgroup/load/cgroup.kill

echo 1 >"$cg/cgroup.freeze"
tries=0
until grep -q '^frozen 1' "$cg/cgroup.events"; do
	tries=$((tries + 1))
	[ $tries -lt 300 ] || fail "cgroup study did not freeze"
	sleep 0.1
done
pids=$(cat "$cg/cgroup.procs")
targets=
for p in $pids; do targets="$targets -p $p"; done
echo "counters-job: study frozen, processes:$(for p in $pids; do printf ' %s(%s)' "$p" "$(cat "/proc/$p/comm")"; done)"

capture() {
	rc=0
	# shellcheck disable=SC2086 # one -p per process
	chroot "$root" /usr/bin/node "$repo/bin/zswap-dedup" capture --no-progress $targets \
		-o "/tmp/out/$1.zsdc" 2>"/out/$1.stderr" || rc=$?
	cat "/out/$1.stderr"
	[ "$rc" = 0 ] || fail "capture ($1) exited with $rc"
}

snapshot() {
	for f in /sys/kernel/debug/zswap/*; do
		echo "$1.zswap.${f##*/} $(cat "$f")"
	done
	grep -E '^(pswpin|pswpout|zswpin|zswpout|zswpwb|swpin_zero|swpout_zero) ' /proc/vmstat | sed "s/^/$1.vmstat./"
	grep -E '^(anon|shmem|zswap|zswapped|swapcached|unevictable) ' "$cg/memory.stat" | sed "s/^/$1.memcg./"
	echo "$1.memcg.swap.current $(cat "$cg/memory.swap.current")"
} >>"$out"

capture before
snapshot before
last=-1
round=0
while :; do
	round=$((round + 1))
	want=$(($(cat "$cg/memory.current") * 2 + (64 << 20)))
	echo "$want swappiness=200" >"$cg/memory.reclaim" 2>/dev/null || true
	# pages written so far: to zswap, to the disk, or zero pages (no write at all)
	now=$(grep -E '^(zswpout|pswpout|swpout_zero) ' /proc/vmstat | tr '\n' ' ')
	[ "$now" != "$last" ] && [ $round -lt 8 ] || break
	last=$now
done
echo "reclaim.rounds $round" >>"$out"
sleep 3
snapshot after
echo "memcg.zswap.current $(cat "$cg/memory.zswap.current")" >>"$out"
for p in enabled compressor zpool max_pool_percent shrinker_enabled dedup dedup_scope; do
	[ -f "/sys/module/zswap/parameters/$p" ] && echo "zswap.param.$p $(cat "/sys/module/zswap/parameters/$p")" >>"$out"
done
echo "kernel.release $(uname -r)" >>"$out"
# shellcheck disable=SC2086 # one argument per process
chroot "$root" /usr/bin/node "$repo/study/guest/resident-frames.mjs" $pids >/out/resident.txt ||
	fail "resident-frames.mjs failed"

echo 0 >"$cg/cgroup.freeze"
echo 1 >"$cg/cgroup.kill"
