#!/usr/bin/env bash
# Install the Debian packages the kernel tests need, only those that are missing.
#
# apt-get installs: linux-source-6.12 qemu-system-x86 busybox-static build-essential
#   bc bison flex libelf-dev libssl-dev cpio xz-utils patch
#
# Needs root (CI runs as root) when anything is missing; fails loudly otherwise.
set -euo pipefail

pkgs="linux-source-6.12 qemu-system-x86 busybox-static build-essential bc bison flex
libelf-dev libssl-dev cpio xz-utils patch"
missing=
for p in $pkgs; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "install-deps.sh: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: not root, cannot apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
