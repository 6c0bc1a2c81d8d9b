# Helpers shared by the workload scripts (sourced, not run).
#
# Every workload script is called by study/run.ts as
#   <workload>.sh start <dir> <instance> <instances>   inside the instance's own cgroup v2: start
#                                                      the servers (detached), return when ready
#   <workload>.sh load <dir> <instances> <seconds>     inside a separate load cgroup, never captured:
#                                                      drive every instance with real work
# <dir> is the run's scratch directory (instance i uses <dir>/i<i>). The runner stops everything
# by killing the cgroups (cgroup.kill), so the scripts need no stop action. Sizes come from
# environment variables with the defaults given in each script.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3 # Debian's Python, with the python3-* packages install-deps.sh brings

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# wait_for <seconds> <command...>: retry the command every 0.2 s until it succeeds; WAIT_SCALE
# multiplies the time (the QEMU guest of study:cold and study:guest emulates every instruction)
wait_for() {
  local limit=$(($1 * ${WAIT_SCALE:-1})); shift
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "not ready after ${limit} s: $*"
    sleep 0.2
  done
}

# port_open <port>: something listens on 127.0.0.1:<port>
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# detach <logfile> <command...>: run in the background, off the caller's stdio
detach() {
  local log=$1; shift
  nohup "$@" >"$log" 2>&1 </dev/null &
}

# ab_instances <instances> <seconds> <path>: ApacheBench against every instance for the given
# time, in parallel, AB_CONCURRENCY keep-alive clients each; instance i listens on the calling
# script's `port i`
ab_instances() {
  local n=$1 secs=$2 path=$3 pids=() i
  for ((i = 0; i < n; i++)); do
    ab -q -k -t "$secs" -n 1000000 -c "${AB_CONCURRENCY:-4}" "http://127.0.0.1:$(port "$i")$path" >/dev/null 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
}
