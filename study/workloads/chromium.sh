#!/usr/bin/env bash
# Headless Chromium with CHROMIUM_TABS tabs, each a page whose script builds a DOM table, keeps
# data in JavaScript objects and redraws a canvas: a small web application per tab.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
port() { echo $((59222 + $1)); }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d/profile"
  cp "$HERE/page.html" "$d/"
  detach "$d/chromium.log" chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
    --disable-extensions --disable-background-networking --user-data-dir="$d/profile" \
    --remote-debugging-address=127.0.0.1 --remote-debugging-port="$(port "$i")" about:blank
  wait_for 60 port_open "$(port "$i")"
  ;;
load)
  n=$3 secs=$4
  for ((i = 0; i < n; i++)); do
    node "$HERE/chromium-tabs.mjs" "$(port "$i")" "${CHROMIUM_TABS:-4}" "file://$dir/i$i/page.html"
  done
  sleep "$secs"
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
