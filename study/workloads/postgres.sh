#!/usr/bin/env bash
# PostgreSQL 15 under pgbench (TPC-B-like read/write transactions), one cluster per instance.
# Sizes: PG_SCALE (pgbench scale, 1 = 100,000 accounts ≈ 15 MiB), PG_SHARED_BUFFERS, PG_CLIENTS.
source "$(dirname "$0")/lib.sh"
BIN=/usr/lib/postgresql/15/bin
SCALE=${PG_SCALE:-6}
SB=${PG_SHARED_BUFFERS:-64MB}
action=$1 dir=$2
port() { echo $((55430 + $1)); }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d" && chown postgres: "$d"
  runuser -u postgres -- "$BIN/initdb" -D "$d/data" -A trust --no-sync -E UTF8 >"$d/initdb.log" 2>&1
  runuser -u postgres -- "$BIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -o \
    "-p $(port "$i") -k $d -c listen_addresses='' -c shared_buffers=$SB -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  runuser -u postgres -- "$BIN/pgbench" -i -q -s "$SCALE" -h "$d" -p "$(port "$i")" postgres >"$d/init.log" 2>&1
  # A capture sees a shared-memory page only where a live process maps it (pagemap walks page
  # tables); the pgbench -i backend that filled shared_buffers has exited. A checkpoint, as the
  # server runs every few minutes anyway, has the long-lived checkpointer touch every dirty buffer.
  runuser -u postgres -- "$BIN/psql" -q -h "$d" -p "$(port "$i")" -c CHECKPOINT postgres >>"$d/init.log" 2>&1
  ;;
load)
  n=$3 secs=$4 pids=()
  for ((i = 0; i < n; i++)); do
    runuser -u postgres -- "$BIN/pgbench" -n -c "${PG_CLIENTS:-4}" -j 1 -T "$secs" -h "$dir/i$i" -p "$(port "$i")" postgres \
      >"$dir/pgbench-$i.log" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
