#!/usr/bin/env bash
# A Python data job (numpy, pandas): builds a sales table, joins, aggregates, pivots, keeps the
# results in memory. Instance i uses its own data (seed), as shards of one job would.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d"
  detach "$d/job.log" "$PY" "$HERE/pandas_job.py" "$d/ready" "$((${STUDY_SEED:-1} * 100 + i))" "${PANDAS_ROWS:-300000}"
  wait_for 180 test -f "$d/ready"
  ;;
load)
  sleep "$4" # the job has done its work; it holds its results
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
