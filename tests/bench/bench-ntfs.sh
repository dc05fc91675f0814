#!/bin/sh
# SPDX-License-Identifier: MIT
# Scan benchmark on a real NTFS volume (ntfs-3g, FUSE), as an admin scans a
# disk taken from a PC: a synthetic store of a few thousand components is
# written onto an NTFS file system in a sparse file (tests/ntfs/ntfs.sh),
# payloads hard-linked into System32 as Windows has them, the volume is
# mounted read-only, and `sxscheck scan` is timed against `openssl dgst
# -sha256` over the very same payload files on the same mount.
#
#   sh tests/bench/bench-ntfs.sh [BUILD_DIR]       (bench.sh runs it last)
#
# Environment: BENCH_NTFS_COMPONENTS (default 3000), BENCH_NTFS_FILES
# (10000), BENCH_NTFS_BYTES (600M), BENCH_SEED (1), BENCH_REPEAT (3).
# BENCH_NTFS_SMOKE=1: one run of each line and no figures kept (the
# bench-ntfs-smoke test runs a tiny store that way).  Exit 77 where FUSE
# cannot be used.  Like bench.sh, run it on a quiet machine for figures.
# results are set through eval (wall_X); payload commands are sh -c scripts
# shellcheck disable=SC2154,SC2016
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
sxscheck=$build/src/cli/sxscheck
mkstore=$build/tests/bench/mkstore
ncomp=${BENCH_NTFS_COMPONENTS:-3000}
nfiles=${BENCH_NTFS_FILES:-10000}
nbytes=${BENCH_NTFS_BYTES:-600M}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-3}
smoke=${BENCH_NTFS_SMOKE:-0}
[ "$smoke" = 1 ] && repeat=1
ncpu=$(nproc)

for t in "$sxscheck" "$mkstore"; do
	if [ ! -x "$t" ]; then
		echo "bench-ntfs.sh: $t not found; build first (sh tests/setup.sh)" >&2
		exit 2
	fi
done
for t in openssl xargs find awk /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench-ntfs.sh: $t missing" >&2; exit 2; }
done

# shellcheck source=tests/ntfs/ntfs.sh
. "$root/tests/ntfs/ntfs.sh"
ntfs_init
vol=$NTFS_TMP/vol
mnt=$NTFS_TMP/mnt

# the volume: twice the payload bytes plus room for the MFT, sparse
size=$(awk -v b="$nbytes" 'BEGIN {
	u = substr(b, length(b)); n = b + 0
	m = u == "G" || u == "g" ? 1024 : u == "M" || u == "m" ? 1 : u == "K" || u == "k" ? 1 / 1024 : 1 / 1048576
	printf "%dM", 2 * n * m + 256 }')
ntfs_volume "$vol" "$size" || exit 1
ntfs_mount "$vol" "$mnt" rw || exit 1
echo "store: generating $ncomp components, $nfiles files, $nbytes on NTFS ..."
if ! /usr/bin/time -f "store: generated in %e s" "$mkstore" --components "$ncomp" \
	--files "$nfiles" --bytes "$nbytes" --seed "$seed" --out "$mnt/store" >/dev/null; then
	echo "bench-ntfs.sh: mkstore failed on the NTFS volume" >&2
	exit 1
fi
ntfs_project "$mnt/store" || exit 1
ntfs_umount "$mnt" || exit 1
ntfs_mount "$vol" "$mnt" ro || exit 1
store=$mnt/store

# the payload files exactly as the scan hashes them
find "$store/Windows/WinSxS" -path "$store/Windows/WinSxS/Manifests" -prune -o -type f -print \
	>"$NTFS_TMP/files"
nlist=$(wc -l <"$NTFS_TMP/files")
"$sxscheck" scan --format=json --progress=never "$store" >"$NTFS_TMP/report.json"
rc=$?
hashed=$(sed -n 's/.*"files_hashed": *\([0-9]*\).*/\1/p' "$NTFS_TMP/report.json")
if [ $rc -ne 0 ] || [ "$hashed" != "$nlist" ]; then
	echo "bench-ntfs.sh: the store on NTFS does not scan clean (exit $rc, $hashed of $nlist files hashed)" >&2
	"$sxscheck" scan "$store" | tail -20 >&2
	exit 1
fi
per=$(( (nlist + ncpu - 1) / ncpu ))

# measure NAME CMD...: best wall and its cpu of $repeat runs, each after
# reading every file of the store through the mount (as warm as FUSE gets)
measure() {
	name=$1
	shift
	best='' cpu=''
	i=0
	while [ "$i" -lt "$repeat" ]; do
		i=$((i + 1))
		find "$store" -type f -exec cat {} + >/dev/null
		if ! /usr/bin/time -f '%e %U %S' -o "$NTFS_TMP/time" "$@" >/dev/null 2>"$NTFS_TMP/err"; then
			echo "bench-ntfs.sh: $name failed: $*" >&2
			cat "$NTFS_TMP/err" >&2
			exit 1
		fi
		read -r w u s <"$NTFS_TMP/time"
		c=$(awk "BEGIN { print $u + $s }")
		if [ -z "$best" ] || awk "BEGIN { exit !($w < $best) }"; then
			best=$w
			cpu=$c
		fi
	done
	eval "wall_$name=$best cpu_$name=$cpu"
	printf '  %-40s %8.2f s  (cpu %6.2f s)\n' "$label" "$best" "$cpu"
}
ratio() { awk "BEGIN { if ($2 > 0) printf \"%.3f\", $1 / $2; else print \"n/a\" }"; }

echo
echo "sxscheck scan on ntfs-3g: $ncomp components, $nlist payload files, $nbytes (seed $seed)"
echo "machine: $ncpu CPUs; $(ntfs-3g --version 2>&1 | head -n 1); best of $repeat runs;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
label="(n1) sxscheck scan --jobs=1"
measure n1 "$sxscheck" scan --jobs=1 --progress=never "$store"
label="(n2) sxscheck scan (--jobs=$ncpu)"
measure n2 "$sxscheck" scan --progress=never "$store"
label="(n3) openssl dgst -sha256, 1 process"
measure n3 sh -c 'xargs -d "\n" -s 1000000 openssl dgst -sha256 <"$1" >/dev/null' sh "$NTFS_TMP/files"
label="(n4) openssl dgst -sha256, xargs -P $ncpu"
measure n4 sh -c 'xargs -d "\n" -s 1000000 -n "$2" -P "$3" openssl dgst -sha256 <"$1" >/dev/null' \
	sh "$NTFS_TMP/files" "$per" "$ncpu"
echo
echo "  (n1)/(n3) = $(ratio "$wall_n1" "$wall_n3")   (n2)/(n3) = $(ratio "$wall_n2" "$wall_n3")" \
	"  (n2)/(n4) = $(ratio "$wall_n2" "$wall_n4")"
ntfs_umount "$mnt"
exit 0
