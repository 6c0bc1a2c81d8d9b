# workloads.sh: sourced (not run) by the study's guest jobs (cold-job.sh, counters-job.sh) after
# kernel/guest/chroot-host.sh and chroot_host: the study's workloads started inside the guest by
# their own scripts (study/workloads/<w>.sh), from the host's Debian packages through the chroot.
#
#   guest_workloads    loopback up; the workloads' files (logs, pid files, TMPDIR) on a tmpfs
#                      mounted noswap at /tmp/w, so that only the processes' own memory can go to
#                      swap; cgroups "study" (the workloads) and "load" (what drives them)
#   start_workload W   W in cgroup "study": redis-replica (primary and replica, REDIS_KEYS keys),
#                      flask (gunicorn, GUNICORN_WORKERS workers), node-cluster (NODE_WORKERS
#                      workers); returns when W serves
#   drive_workload W S real work for S seconds from cgroup "load" (redis: the data set first)
#   burst_workload W   a little work (20 requests), from cgroup "load"
# Sizes come from the environment; the defaults fit the 1.5 GiB guest under TCG.

guest_workloads() {
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || fail "cannot bring the loopback up"
	mkdir "$root/tmp/w"
	mount -t tmpfs -o noswap tmpfs "$root/tmp/w"
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir /sys/fs/cgroup/study /sys/fs/cgroup/load
}

# in_cgroup CG COMMAND...: COMMAND in the chroot (TMPDIR on the noswap tmpfs; the study scripts' waits
# for readiness 20 times longer: TCG on a shared machine), as a member of cgroup CG
in_cgroup() {
	_cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && r=$1 && shift && exec chroot "$r" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=/tmp/w WAIT_SCALE=20 "$@"' \
		"/sys/fs/cgroup/$_cg" "$root" "$@"
}

_wl=$repo/study/workloads

start_workload() {
	case $1 in
	redis-replica)
		[ -x "$root/usr/bin/redis-server" ] || fail "no redis-server in the host share: run study/install-deps.sh redis"
		for _i in 0 1; do
			in_cgroup study env REDIS_KEYS="${REDIS_KEYS:-20000}" bash "$_wl/redis.sh" start /tmp/w/redis "$_i" 2 ||
				fail "redis.sh start $_i failed"
		done
		;;
	flask)
		[ -x "$root/usr/bin/gunicorn" ] || fail "no gunicorn in the host share: run study/install-deps.sh flask"
		# gunicorn's 30 s worker timeout would restart workers that boot slowly under TCG
		in_cgroup study env GUNICORN_WORKERS="${GUNICORN_WORKERS:-2}" GUNICORN_TIMEOUT=600 \
			bash "$_wl/flask.sh" start /tmp/w/flask 0 1 || fail "flask.sh start failed"
		_master=$(cat "$root/tmp/w/flask/i0/gunicorn.pid")
		_tries=0
		# every worker up and serving (each imports the app and builds its data itself)
		until [ "$(chroot "$root" pgrep -c -P "$_master")" = "${GUNICORN_WORKERS:-2}" ] && burst_workload flask; do
			_tries=$((_tries + 1))
			[ $_tries -lt 120 ] || fail "gunicorn workers not serving after 120 tries"
			sleep 2
		done
		;;
	node-cluster)
		in_cgroup study env NODE_WORKERS="${NODE_WORKERS:-2}" bash "$_wl/node-cluster.sh" start /tmp/w/node 0 1 ||
			fail "node-cluster.sh start failed"
		;;
	*) fail "unknown workload $1" ;;
	esac
}

drive_workload() {
	case $1 in
	redis-replica)
		in_cgroup load env REDIS_KEYS="${REDIS_KEYS:-20000}" bash "$_wl/redis.sh" load /tmp/w/redis 2 "$2" ||
			fail "redis.sh load failed"
		;;
	flask) in_cgroup load ab -q -k -t "$2" -n 1000000 -c 4 "http://127.0.0.1:58180/orders?customer=42" >/dev/null || fail "ab against flask failed" ;;
	node-cluster) in_cgroup load ab -q -k -t "$2" -n 1000000 -c 4 "http://127.0.0.1:58280/feed?user=17" >/dev/null || fail "ab against node-cluster failed" ;;
	*) fail "unknown workload $1" ;;
	esac
}

burst_workload() {
	case $1 in
	redis-replica) in_cgroup load redis-benchmark -p 56390 -q -c 2 -r "${REDIS_KEYS:-20000}" -n 20 GET 'session:__rand_int__' >/dev/null 2>&1 ;;
	flask) in_cgroup load ab -q -n 20 -c 2 "http://127.0.0.1:58180/orders?customer=42" >/dev/null 2>&1 ;;
	node-cluster) in_cgroup load ab -q -n 20 -c 2 "http://127.0.0.1:58280/feed?user=17" >/dev/null 2>&1 ;;
	*) fail "unknown workload $1" ;;
	esac
}
