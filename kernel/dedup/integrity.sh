#!/bin/sh
# integrity.sh TOOLS_DIR [PAGES] [CYCLES] [PROCS]: the dedup integrity run,
# inside the test guest (busybox sh; test-kernel/dedup-integrity.test.ts and
# test-kernel/kasan/dedup-kasan.ts start it as the job).  Needs a kernel with the dedup
# series booted with zswap on (no pool limit, shrinker off) and a swap disk at
# /dev/vda.
#
# Phases, each a dedup-integrity run (several processes, several cycles of
# write, MADV_PAGEOUT, check every page), each in its own cgroup(s):
#   global      dedup on, global scope
#   collide     dedup_hash_bits=6: nearly every lookup is a hash collision
#               that only the byte comparison tells apart
#   writeback   memory.zswap.max=64K on the cgroup: stores past the limit
#               first write back the cgroup's oldest entries, shared or not
#   memcg       dedup_scope=memcg, the processes spread over two cgroups
#   toggle      dedup switched on and off every 0.2 s while the run goes on,
#               so shared and unshared entries mix
# After each phase every process has exited, so zswap must be empty again:
# stored_pages, pool_total_size, dedup_objects and dedup_saved_bytes all 0.
# Finally swapoff.
#
# Prints "key value" lines: <phase>.result PASSED|FAILED, <phase>.<counter>
# deltas of /sys/kernel/debug/zswap/*, <phase>.after.<counter> (must be 0 for
# the four above), <phase>.zswpwb from the phase's memory.stat, and the
# dedup-integrity output prefixed with "log <phase>".  Exit status 0 only if
# every phase passed and left zswap empty.
set -u
tools=$1
pages=${2:-1536}
cycles=${3:-3}
procs=${4:-3}
dbg=/sys/kernel/debug/zswap
par=/sys/module/zswap/parameters
cg=/sys/fs/cgroup
fail=0

counters="stored_pages pool_total_size dedup_hits dedup_objects dedup_saved_bytes dedup_verify_fail written_back_pages reject_reclaim_fail reject_compress_fail"

snap() {
	for c in $counters; do
		echo "$c $(cat "$dbg/$c")"
	done
}

# wait up to 10 s for zswap to drain (entries of exiting processes go at once;
# this only covers a swap-cache folio still under writeback)
drained() {
	i=0
	while [ $i -lt 50 ]; do
		[ "$(cat $dbg/stored_pages)" = 0 ] && [ "$(cat $dbg/dedup_objects)" = 0 ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

phase() {
	name=$1
	shift
	snap >/tmp/before
	"$tools/dedup-integrity" "$@" >/tmp/log 2>&1
	rc=$?
	sed "s/^/log $name /" /tmp/log
	snap >/tmp/after-run
	drained
	snap >/tmp/after
	while read -r c v; do
		b=$(grep "^$c " /tmp/before | cut -d' ' -f2)
		echo "$name.$c $((v - b))"
	done </tmp/after-run
	empty=1
	for c in stored_pages pool_total_size dedup_objects dedup_saved_bytes; do
		v=$(grep "^$c " /tmp/after | cut -d' ' -f2)
		echo "$name.after.$c $v"
		[ "$v" = 0 ] || empty=0
	done
	if [ $rc = 0 ] && [ $empty = 1 ]; then
		echo "$name.result PASSED"
	else
		echo "$name.result FAILED"
		fail=1
	fi
}

newcg() {
	mkdir "$cg/$1"
	echo "$cg/$1/cgroup.procs"
}

mkswap /dev/vda >/dev/null && swapon /dev/vda || { echo "swapon failed"; exit 1; }
echo +memory >$cg/cgroup.subtree_control
echo "kernel.release $(uname -r)"
echo "param.compressor $(cat $par/compressor)"

echo 1 >$par/dedup
echo global >$par/dedup_scope
phase global -p "$pages" -c "$cycles" -j "$procs" -s 1 -g "$(newcg global)"

echo 6 >$dbg/dedup_hash_bits
phase collide -p "$pages" -c "$cycles" -j "$procs" -s 2 -g "$(newcg collide)"
echo 64 >$dbg/dedup_hash_bits

wb=$(newcg writeback)
echo 64K >$cg/writeback/memory.zswap.max
phase writeback -p "$pages" -c "$cycles" -j "$procs" -s 3 -g "$wb"
echo "writeback.zswpwb $(grep '^zswpwb ' $cg/writeback/memory.stat | cut -d' ' -f2)"

echo memcg >$par/dedup_scope
phase memcg -p "$pages" -c "$cycles" -j "$procs" -s 4 -g "$(newcg memcg1)" -g "$(newcg memcg2)"
echo global >$par/dedup_scope

(
	while [ ! -f /tmp/stop ]; do
		echo 0 >$par/dedup
		sleep 0.2
		echo 1 >$par/dedup
		sleep 0.2
	done
) &
phase toggle -p "$pages" -c "$cycles" -j "$procs" -s 5 -g "$(newcg toggle)"
touch /tmp/stop
wait
echo 1 >$par/dedup

swapoff /dev/vda || { echo "swapoff failed"; fail=1; }
echo "final.stored_pages $(cat $dbg/stored_pages)"
echo "final.dedup_objects $(cat $dbg/dedup_objects)"
exit $fail
