# chroot-host.sh: sourced (not run) by the guest jobs that run the host's
# programs (node with the analyzer, python3, the study's servers) in a chroot
# of the host's root: kernel/guest/{zswap,idle,churn}-capture-job.sh and
# study/guest/{cold,counters}-job.sh.
#
# The runner (test-kernel/lib/guest.ts, CHROOT_SHARES) shares the host root
# read-only as "host" and the clone read-only as "repo"; the guest's /init
# mounts them at /host and /repo.  This file is read from the clone share, so
# a job sources it as
#
#	fail() { echo "my-job: $*" >&2; exit 1; }
#	. /repo/kernel/guest/chroot-host.sh
#	chroot_host
#
# and then runs programs with `chroot "$root" ...`.  chroot_host mounts a
# fresh proc, sysfs, devtmpfs and tmpfs inside /host (the share itself stays
# untouched), binds the writable share /out at $root/tmp/out so chrooted
# programs can write results there, and binds the clone at $repo inside the
# chroot: a fresh tmpfs on the chroot's /tmp would hide a clone that lives
# under /tmp on the host, so the job never uses the clone's host path.
# Needs fail() defined by the job.

# the host root, as /init mounted the share "host"
root=/host
# the clone, shared as "repo" and bound here inside the chroot (whatever its host path)
repo=/tmp/zswap-dedup

chroot_host() {
	[ -x "$root/usr/bin/node" ] || fail "no $root/usr/bin/node: is the host root shared as 'host'?"
	[ -f /repo/bin/zswap-dedup ] || fail "no /repo/bin/zswap-dedup: is the clone shared as 'repo'?"
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount -t devtmpfs devtmpfs "$root/dev"
	mount -t tmpfs tmpfs "$root/tmp"
	mkdir "$root/tmp/out"
	mount -o bind /out "$root/tmp/out"
	mkdir "$root$repo"
	mount -o bind /repo "$root$repo"
}
