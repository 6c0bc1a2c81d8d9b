#!/usr/bin/env bash
# check-config.sh FRAGMENT DOTCONFIG: fail if an option the fragment asks for
# (=y, =value, or "is not set") did not survive `make olddefconfig`.
set -euo pipefail
frag=$1
config=$2
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	opt=${want#\# }
	opt=${opt%%[= ]*}
	got=$(grep -E "^(# )?${opt}[= ]" "$config" || echo "# $opt is not set")
	if [ "$got" != "$want" ]; then
		echo "check-config.sh: wanted '$want', got '$got'" >&2
		bad=1
	fi
done <"$frag"
exit $bad
