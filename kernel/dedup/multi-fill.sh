#!/bin/sh
# multi-fill.sh GROUPS PAGESET: several workloads holding the same page set,
# each in a cgroup of its own, swapped out; then, optionally, writeback with
# shared objects present.
#
# Runs in the test guest (busybox sh) as the job of dedup-savings.test.ts;
# needs a kernel with the dedup series booted with zswap on and a swap disk at
# /dev/vda.  GROUPS is the number of cgroups g1..gN; each gets a zswap-fill of
# PAGESET.  With CONCURRENT=1 in the environment, the cgroups are reclaimed
# in parallel (one memory.reclaim writer per cgroup, on whatever CPU the
# scheduler gives it), so that identical pages are stored on several CPUs at
# once; otherwise one after the other.  Then:
#   TRIGGER=PAGESET2  the pool limit: max_pool_percent drops to LIMIT_PERCENT
#                     (default 1) of RAM, below the pool, and a workload of
#                     PAGESET2 is reclaimed 32 pages at a time: every store
#                     finds the pool full, is refused (to the swap disk) and
#                     queues the writeback worker, which stops after 16
#                     rotations a run (fresh entries are "referenced" and get a
#                     second chance first, as in stock), so it takes many runs,
#                     0.2 s apart; until the pool is back at the accept
#                     threshold after writing back, or PAGESET2 is used up.
#                     Snapshot "limit".
#   SHRINK=1          the memory-pressure shrinker: max_pool_percent back to
#                     100, shrinker_enabled=Y, and memory.reclaim on the
#                     cgroups (whose pages are all out already, so that only
#                     the shrinkers run) eight times.  Snapshot "shrink".
#
# Prints "key value" lines: <snap>.<counter> (/sys/kernel/debug/zswap/* and
# the swap counters of /proc/vmstat) for the snaps "before" (fill done,
# nothing reclaimed), "after" (all cgroups reclaimed), "limit" and "shrink";
# <snap>.<g>.zswap.current, <snap>.<g>.zswap and <snap>.<g>.zswapped
# (memory.stat) per cgroup from "after" on; meminfo.MemTotal (kB); param.*.
set -eu
ngroups=$1
pageset=$2
dbg=/sys/kernel/debug/zswap
par=/sys/module/zswap/parameters
cg=/sys/fs/cgroup

fail() {
	echo "multi-fill: $*" >&2
	exit 1
}

snap() {
	for f in "$dbg"/*; do
		echo "$1.${f##*/} $(cat "$f")"
	done
	grep -E '^(pswpin|pswpout|zswpin|zswpout|zswpwb|swpout_zero) ' /proc/vmstat | sed "s/^/$1.vmstat./"
}

memcg() {
	for g in $groups; do
		echo "$1.$g.zswap.current $(cat "$cg/$g/memory.zswap.current")"
		grep -E '^(zswap|zswapped) ' "$cg/$g/memory.stat" | sed "s/^/$1.$g./"
	done
}

# start zswap-fill with a page set in a new cgroup; its fifos are /tmp/<g>.*
start() {
	mkdir "$cg/$1"
	mkfifo "/tmp/$1.ctl" "/tmp/$1.res"
	zswap-fill "$2" "$cg/$1/cgroup.procs" <"/tmp/$1.ctl" >"/tmp/$1.res" 2>&1 &
}

# wait for zswap-fill of cgroup $1 (fds $2 for control, $3 for results) to be ready
ready() {
	read -r line <&"$3"
	case "$line" in
	"ready pages="*) ;;
	*) fail "zswap-fill in $1: $line" ;;
	esac
	pages=${line#ready pages=}
	echo "${pages%% *}"
}

reclaim() {
	echo "$(((pages + 256) * 2 * 4096)) swappiness=200" >"$cg/$1/memory.reclaim" 2>/dev/null || true
}

for p in compressor dedup dedup_scope max_pool_percent accept_threshold_percent shrinker_enabled; do
	echo "param.$p $(cat "$par/$p")"
done
echo "meminfo.MemTotal $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
mkswap /dev/vda >/dev/null && swapon /dev/vda || fail "swapon failed"
echo +memory >"$cg/cgroup.subtree_control"

groups=
i=1
while [ "$i" -le "$ngroups" ]; do
	groups="$groups g$i"
	start "g$i" "$pageset"
	i=$((i + 1))
done
# fds 10.. (control) and 20.. (results), one pair per cgroup
i=1
for g in $groups; do
	eval "exec $((9 + i))>/tmp/$g.ctl $((19 + i))</tmp/$g.res"
	pages=$(ready "$g" $((9 + i)) $((19 + i)))
	i=$((i + 1))
done
echo "fill.pages $pages"

snap before
if [ "${CONCURRENT:-0}" = 1 ]; then
	pids=
	for g in $groups; do
		reclaim "$g" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086 # one PID per word
	wait $pids
else
	for g in $groups; do
		reclaim "$g"
	done
fi
# memory.reclaim is best effort: check that no page of any region is still
# present (the counters would miss its store) and reclaim again if one is, so
# every page has been offered to zswap once.  Prints <g>.reclaim_retries.
i=1
for g in $groups; do
	tries=0
	while :; do
		echo pagemap >&$((9 + i))
		read -r line <&$((19 + i))
		case "$line" in
		"pagemap present="*) ;;
		*) fail "zswap-fill in $g: $line" ;;
		esac
		present=${line#pagemap present=}
		present=${present%% *}
		[ "$present" = 0 ] && break
		tries=$((tries + 1))
		[ $tries -le 5 ] || fail "$g: $present pages still resident after 5 more reclaims"
		reclaim "$g"
	done
	echo "$g.reclaim_retries $tries"
	i=$((i + 1))
done
# memcg statistics are flushed every 2 s (the debugfs counters are immediate)
sleep 3
snap after
memcg after

if [ -n "${TRIGGER:-}" ]; then
	echo "${LIMIT_PERCENT:-1}" >"$par/max_pool_percent"
	start trigger "$TRIGGER"
	exec 8>/tmp/trigger.ctl 9</tmp/trigger.res
	tpages=$(ready trigger 8 9)
	thr=$(($(cat "$par/accept_threshold_percent") * ${LIMIT_PERCENT:-1} * $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 4 / 10000))
	k=0
	while [ $((k * 32)) -lt "$tpages" ]; do
		echo "$((32 * 4096)) swappiness=200" >"$cg/trigger/memory.reclaim" 2>/dev/null || true
		k=$((k + 1))
		# let the worker the refusals queued run (on the other CPU)
		sleep 0.2
		# pool back at the threshold after writing back: done
		if [ "$(cat "$dbg/written_back_pages")" -gt 0 ] &&
		   [ $(($(cat "$dbg/pool_total_size") / 4096)) -le "$thr" ]; then
			break
		fi
	done
	echo "limit.bursts $k"
	sleep 3
	snap limit
	memcg limit
	echo quit >&8
fi

if [ "${SHRINK:-0}" = 1 ]; then
	echo 100 >"$par/max_pool_percent"
	echo Y >"$par/shrinker_enabled"
	for k in 1 2 3 4 5 6 7 8; do
		for g in $groups; do
			echo "$((256 * 4096))" >"$cg/$g/memory.reclaim" 2>/dev/null || true
		done
	done
	sleep 3
	snap shrink
	memcg shrink
fi

i=1
for g in $groups; do
	eval "echo quit >&$((9 + i))"
	i=$((i + 1))
done
wait
