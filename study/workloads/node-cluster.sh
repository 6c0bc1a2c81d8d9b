#!/usr/bin/env bash
# A Node.js HTTP service run as a cluster (the cluster module, NODE_WORKERS workers), each worker
# with its own in-memory cache, as `node cluster` deployments run.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
port() { echo $((58280 + $1)); }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d"
  NODE_WORKERS=${NODE_WORKERS:-4} detach "$d/node.log" node "$HERE/node-cluster.js" "$(port "$i")"
  wait_for 30 port_open "$(port "$i")"
  ;;
load)
  n=$3 secs=$4 urls=()
  for ((i = 0; i < n; i++)); do urls+=("http://127.0.0.1:$(port "$i")/feed?user=17"); done
  AB_CONCURRENCY=8 ab_load "$secs" "${urls[@]}"
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
