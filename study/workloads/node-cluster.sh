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
  AB_CONCURRENCY=8 ab_instances "$3" "$4" '/feed?user=17'
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
