#!/usr/bin/env bash
# Makes fixtures/elf/gcore-fill.core (a gdb gcore of scripts/elf-fill.c) and
# fixtures/elf/gcore-fill.expected.json, whose figures come from the process itself
# (/proc/PID/maps, what it wrote) and from binutils' readelf / elfutils' eu-readelf,
# never from zswap-dedup's parser.
#
# apt-get installs (when missing, as root): gdb gcc libc6-dev binutils elfutils
# Usage: scripts/make-gcore-fixture.sh [output-dir]   (default fixtures/elf)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../fixtures/elf}
missing=
for p in gdb gcc libc6-dev binutils elfutils; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing
fi
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; exec 3>&- 2>/dev/null || true; rm -rf "$work"' EXIT
gcc -static -O2 -Wall -o "$work/elf-fill" "$here/elf-fill.c"
mkfifo "$work/in"
export FILL_UNIQUE=48 FILL_DUP=8 FILL_ZERO=4 FILL_UNTOUCHED=16 FILL_SHMEM=8
"$work/elf-fill" <"$work/in" >"$work/ready" &
pid=$!
exec 3>"$work/in"
for _ in $(seq 50); do [ -s "$work/ready" ] && break; sleep 0.1; done
read -r _ rpid anon_addr shmem_addr <"$work/ready"
[ "$rpid" = "$pid" ] || { echo "elf-fill did not start" >&2; exit 1; }
cp "/proc/$pid/maps" "$work/maps"
# anonymous private + anonymous shared only: file-backed mappings stay out of the core
echo 0x3 >"/proc/$pid/coredump_filter"
gdb -batch -nx -p "$pid" -ex 'set use-coredump-filter on' -ex "gcore $work/gcore-fill.core" >"$work/gdb.log" 2>&1
echo >&3
wait "$pid" || true
readelf -lW "$work/gcore-fill.core" >"$work/readelf.txt"
eu-readelf -n "$work/gcore-fill.core" >"$work/notes.txt"
mkdir -p "$out"
cp "$work/gcore-fill.core" "$out/gcore-fill.core"
python3 - "$work" "$out/gcore-fill.expected.json" "$anon_addr" "$shmem_addr" <<'PY'
import json, os, re, sys
work, dst, anon_addr, shmem_addr = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
P = 4096
loads = []
for line in open(f'{work}/readelf.txt'):
    f = line.split()
    if f and f[0] == 'LOAD':
        loads.append({'offset': int(f[1], 16), 'vaddr': int(f[2], 16), 'filesz': int(f[4], 16), 'memsz': int(f[5], 16)})
files, vdso, in_file = [], None, False
for line in open(f'{work}/notes.txt'):
    m = re.match(r'\s+([0-9a-f]+)-([0-9a-f]+) [0-9a-f]+ \d+\s+(.*)$', line)
    if m:
        files.append({'start': int(m[1], 16), 'end': int(m[2], 16), 'name': m[3].strip()})
    m = re.match(r'\s+SYSINFO_EHDR: 0x([0-9a-f]+)', line)
    if m:
        vdso = int(m[1], 16)
shmem_name = re.compile(r'^/(dev/zero|SYSV[0-9a-fA-F]{8}|memfd:|dev/shm/)')
count = {'anonymous': 0, 'shmem': 0, 'file_backed': 0, 'vdso_vsyscall': 0}
for l in loads:
    pages = l['filesz'] // P
    kernel = l['vaddr'] >= 0xffff800000000000 or (vdso is not None and l['vaddr'] <= vdso < l['vaddr'] + l['memsz'])
    for i in range(pages):
        a = l['vaddr'] + i * P
        if kernel:
            count['vdso_vsyscall'] += 1
            continue
        hit = [f for f in files if f['start'] <= a < f['end']]
        if not hit:
            count['anonymous'] += 1
        elif shmem_name.match(hit[0]['name']):
            count['shmem'] += 1
        else:
            count['file_backed'] += 1
# the process's own view: its anonymous mappings (no file, or [heap]/[stack]) in /proc/PID/maps
maps_anon = 0
maps = []
for line in open(f'{work}/maps'):
    f = line.split()
    lo, hi = (int(x, 16) for x in f[0].split('-'))
    name = f[5] if len(f) > 5 else ''
    maps.append({'range': f[0], 'perms': f[1], 'name': name})
    if name in ('', '[heap]', '[stack]'):
        maps_anon += (hi - lo) // P
env = {k: int(os.environ[k]) for k in ('FILL_UNIQUE', 'FILL_DUP', 'FILL_ZERO', 'FILL_UNTOUCHED', 'FILL_SHMEM')}
json.dump({
    'made_by': 'scripts/make-gcore-fixture.sh (gdb gcore, coredump_filter 0x3, use-coredump-filter on)',
    'fill': env,
    'fill_addresses': {'anon': anon_addr, 'shmem': shmem_addr},
    'maps': maps,
    'expected': {
        'pages_from_readelf': count,
        'all_dumped_pages_from_readelf': sum(l['filesz'] // P for l in loads),
        'anonymous_pages_from_proc_maps': maps_anon,
    },
    'readelf': {'loads': loads, 'nt_file': files, 'sysinfo_ehdr': vdso},
}, open(dst, 'w'), indent=1)
print(json.dumps(count), 'all', sum(l['filesz'] // P for l in loads), 'maps anon', maps_anon)
PY
ls -l "$out/gcore-fill.core"
