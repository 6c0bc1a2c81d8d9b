#!/usr/bin/env bash
# A small Java HTTP service (com.sun.net.httpserver, OpenJDK 17) with an in-memory catalogue,
# heap JVM_HEAP; several instances are several JVMs of the same image.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
port() { echo $((58380 + $1)); }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d" "$dir/classes"
  # compiled once per run, by the first instance (the image's build step)
  [ -f "$dir/classes/CatalogServer.class" ] || javac -d "$dir/classes" "$HERE/CatalogServer.java"
  detach "$d/java.log" java -Xms${JVM_HEAP:-96m} -Xmx${JVM_HEAP:-96m} -XX:+UseSerialGC -XX:CICompilerCount=2 \
    -cp "$dir/classes" CatalogServer "$(port "$i")"
  wait_for 60 port_open "$(port "$i")"
  ;;
load)
  AB_CONCURRENCY=4 ab_instances "$3" "$4" '/search?q=oak'
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
