#!/usr/bin/env bash
# Installs the study's workloads from Debian 12 packages with apt-get (root): those of the given
# workload scripts (study/workloads/<script>.sh), or of all. Nothing else is
# downloaded: Python libraries are Debian's python3-* packages, the Node.js cluster and the Java
# server are plain `node` and `java` programs in study/workloads/.
#
# Debian starts a server when its package is installed; the study starts its own instances in
# cgroups of its own, so a policy-rc.d keeps the packaged services from starting during the
# install (it is removed afterwards if this script put it there).
set -euo pipefail
# packages per workload script (study/workloads/<script>.sh); no argument: all of them
declare -A BY_SCRIPT=(
  [postgres]="postgresql-15 postgresql-client-15"          # PostgreSQL and pgbench
  [redis]="redis-server redis-tools"                       # Redis and redis-benchmark
  [nginx-php]="nginx-light php-fpm apache2-utils"          # nginx, a php-fpm pool, ab
  [flask]="gunicorn python3-flask apache2-utils"           # Flask under gunicorn, ab
  [node-cluster]="nodejs apache2-utils"                    # Node.js cluster, ab
  [jvm]="default-jdk-headless apache2-utils"               # javac/java, ab
  [chromium]="chromium"                                    # headless Chromium
  [gcc]="gcc make"                                         # the compiler job
  [mariadb]="mariadb-server mariadb-client"                # MariaDB and mariadb-slap
  [pandas]="python3-numpy python3-pandas"                  # the Python data job
)
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("${!BY_SCRIPT[@]}")
PKGS=()
for s in "${scripts[@]}"; do
  [ -n "${BY_SCRIPT[$s]:-}" ] || { echo "install-deps.sh: no workload script '$s'" >&2; exit 2; }
  read -r -a more <<<"${BY_SCRIPT[$s]}"
  PKGS+=("${more[@]}")
done
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "study: all workload packages are installed" >&2
  exit 0
fi
echo "study: installing ${missing[*]}" >&2
own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
fi
trap '[ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
