#!/usr/bin/env bash
# A Flask application under gunicorn with GUNICORN_WORKERS sync workers (no --preload: each worker
# imports the application and builds its data itself, as gunicorn runs by default).
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
port() { echo $((58180 + $1)); }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d"
  cp "$HERE/flask_app.py" "$d/"
  (cd "$d" && /usr/bin/gunicorn -w "${GUNICORN_WORKERS:-4}" -b "127.0.0.1:$(port "$i")" --daemon --timeout "${GUNICORN_TIMEOUT:-30}" \
    --pid "$d/gunicorn.pid" --error-logfile "$d/gunicorn.log" flask_app:app)
  wait_for 30 port_open "$(port "$i")"
  ;;
load)
  AB_CONCURRENCY=8 ab_instances "$3" "$4" '/orders?customer=42'
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
