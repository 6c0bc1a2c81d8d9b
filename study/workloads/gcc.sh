#!/usr/bin/env bash
# A compiler job: gcc -O2 -g building libzstd (its C sources come with the analyzer's own npm
# dependency zstd-napi) with make -j GCC_JOBS, over and over, so a snapshot always finds compilers
# at work.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
SRC="$HERE/../../node_modules/zstd-napi/deps/zstd/lib"

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d"
  [ -d "$SRC" ] || die "no $SRC: run npm ci first"
  cp -r "$SRC" "$d/lib"
  {
    echo 'CFLAGS = -O2 -g -DZSTD_MULTITHREAD -DXXH_NAMESPACE=ZSTD_'
    printf 'OBJS ='; (cd "$d/lib" && find . -name '*.c' | sort | sed 's/\.c$/.o/' | tr '\n' ' '); echo
    echo 'libzstd.a: $(OBJS)'; printf '\tar rcs $@ $(OBJS)\n'
    echo '%.o: %.c'; printf '\tgcc $(CFLAGS) -c $< -o $@\n'
  } >"$d/lib/Makefile"
  detach "$d/build.log" bash -c "cd '$d/lib' && while true; do make -s -j${GCC_JOBS:-2} -B libzstd.a; done"
  ;;
load)
  sleep "$4" # the job is its own load
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
