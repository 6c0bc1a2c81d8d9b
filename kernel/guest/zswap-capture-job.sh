#!/bin/sh
# zswap-capture-job.sh: capture the workload with zswap-dedup inside the
# guest, then hold it for the host to dump the guest (test-kernel/
# guest-capture.test.ts).
#
# Not part of the initramfs: the test hands it to the guest through the job
# share (/job) and run.sh calls it.  Needs the host root shared read-only as
# "host" (mounted by /init at /host), the clone shared read-only as "repo"
# (dist/ built; bound at /tmp/zswap-dedup inside the chroot, so the clone may
# live anywhere on the host, /tmp included), the page set as
# /job/pageset.raw and the writable share "out".
#
#   1. chroot setup (kernel/guest/chroot-host.sh): fresh proc, sysfs, devtmpfs and tmpfs mounted inside /host
#      (the share itself is read-only and stays untouched), /out bound at
#      /host/tmp/out so the chrooted capture can write there, /repo at
#      /host/tmp/zswap-dedup;
#   2. zswap-fill (from the initramfs, outside the chroot, no cgroup) maps the
#      page set into anonymous memory.  Nothing reclaims it: the guest has no
#      swap, so every page stays resident;
#   3. `node /tmp/zswap-dedup/bin/zswap-dedup capture -p PID` in the chroot, as root
#      (PFNs from pagemap, contents from /proc/kcore), to /out/cap.zsdc;
#   4. kernel/guest/kcore-check.mjs in the chroot: every captured page read
#      again from /proc/kcore by its PFN must equal the captured bytes;
#   5. prints "@@ zswap-capture: dump now" and waits for a line on the
#      console: the host dumps the guest over QMP meanwhile and answers
#      "dumped" (anything else fails the job);
#   6. the region's pagemap census after the dumps, then the workload quits.
#
# Results in /out: fill.txt ("ready pages=N region=ADDR", pid, pagemap
# census), capture.stderr (the CLI's summary table), cap.zsdc, kcore.txt,
# timings.txt ("<step> <seconds>").  Exits non-zero, with the reason on
# stderr (the console), when a step fails.
set -eu
pageset=/job/pageset.raw

fail() {
	echo "zswap-capture-job: $*" >&2
	exit 1
}

now() {
	cut -d' ' -f1 /proc/uptime
}

step() {
	echo "$1 $(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')" >>/out/timings.txt
}

[ -e /proc/kcore ] || fail "this kernel has no /proc/kcore"

. /repo/kernel/guest/chroot-host.sh
chroot_host

# Fifos, as zswap-measure does: the workload's input and answers stay out of
# its memory and of the page cache.
mkfifo /tmp/fill.ctl /tmp/fill.res
zswap-fill "$pageset" - </tmp/fill.ctl >/tmp/fill.res 2>&1 &
pid=$!
exec 3>/tmp/fill.ctl 4</tmp/fill.res
answer() {
	# shellcheck disable=SC3045 # busybox ash has read -t
	read -r -t 120 line <&4 || fail "no answer from zswap-fill (exited?)"
	case "$line" in
	"$1 "*) echo "${line#"$1 "}" ;;
	*) fail "zswap-fill: $line" ;;
	esac
}
t=$(now)
ready=$(answer ready)
step fill "$t"
{
	echo "ready $ready"
	echo "pid $pid"
} >/out/fill.txt
echo "zswap-capture-job: zswap-fill pid $pid holds $ready"

t=$(now)
rc=0
chroot "$root" /usr/bin/node "$repo/bin/zswap-dedup" capture --no-progress \
	-p "$pid" -o /tmp/out/cap.zsdc 2>/out/capture.stderr || rc=$?
step capture "$t"
cat /out/capture.stderr
[ "$rc" = 0 ] || fail "zswap-dedup capture exited with $rc"

t=$(now)
rc=0
chroot "$root" /usr/bin/node "$repo/kernel/guest/kcore-check.mjs" \
	/tmp/out/cap.zsdc >/out/kcore.txt || rc=$?
step kcore-check "$t"
cat /out/kcore.txt
[ "$rc" = 0 ] || fail "kcore-check.mjs exited with $rc"

t=$(now)
echo "@@ zswap-capture: dump now"
read -r reply
step dump "$t"
[ "$reply" = dumped ] || fail "the host did not dump the guest: $reply"

echo pagemap >&3
echo "after-dump $(answer pagemap)" >>/out/fill.txt
echo quit >&3
wait "$pid" || fail "zswap-fill exited with $?"
