#!/usr/bin/env bash
# Installs the study's workloads from Debian 12 packages with apt-get (root). Nothing else is
# downloaded: Python libraries are Debian's python3-* packages, the Node.js cluster and the Java
# server are plain `node` and `java` programs in study/workloads/.
#
# Debian starts a server when its package is installed; the study starts its own instances in
# cgroups of its own, so a policy-rc.d keeps the packaged services from starting during the
# install (it is removed afterwards if this script put it there).
set -euo pipefail
PKGS=(
  postgresql-15 postgresql-client-15      # PostgreSQL and pgbench
  redis-server redis-tools                # Redis and redis-benchmark
  nginx-light php-fpm                     # nginx with a php-fpm worker pool
  gunicorn python3-flask                  # Python web app, several gunicorn workers
  python3-numpy python3-pandas            # Python data job
  mariadb-server mariadb-client           # MariaDB and mariadb-slap
  default-jdk-headless                    # JVM service (java launches a single-file program)
  chromium                                # headless Chromium with several tabs
  apache2-utils                           # ab, the HTTP load generator
  gcc make                                # the compiler job
  nodejs                                  # Node.js cluster (already there for the analyzer)
)
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
