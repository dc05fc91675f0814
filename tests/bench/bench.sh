#!/bin/sh
# SPDX-License-Identifier: MIT
# Scan benchmark on a synthetic full-size store (not part of CI).  The store
# has PSFX differentials (mkstore --psfx, default 30 %): line (b) applies
# them (--deltas=full, the default), line (i) checks only their CRC-32.
#
#   sh tests/bench/bench.sh [BUILD_DIR]
#
# BUILD_DIR (default ./build, as made by tests/setup.sh) must hold
# src/cli/sxscheck and tests/bench/mkstore.  Environment:
#   BENCH_OUT         where stores go (default tests/bench/out, gitignored)
#   BENCH_COMPONENTS  default 20000      BENCH_FILES  default 70000
#   BENCH_BYTES       default 2G         BENCH_SEED   default 1
#   BENCH_REPEAT      runs per measurement, the fastest counts (default 3)
#   BENCH_GROWTH=0    skip the doubled store
#   BENCH_NTFS=0      skip the ntfs-3g run at the end (bench-ntfs.sh: its own
#                     BENCH_NTFS_COMPONENTS/FILES/BYTES, default 3000/10000/600M)
#   BENCH_KEEP        the base store is kept and reused while its shape and
#                     mkstore's source match; the doubled one (4 GiB) is
#                     deleted unless BENCH_KEEP=1; BENCH_KEEP=0 deletes both
#
# Every measurement runs on a warm cache: all files and directories of the
# store are read right before each run (this VM runs DAMON reclaim, which
# drops page cache it sees as idle: warming once is not enough).  Wall times are the best
# of BENCH_REPEAT runs; peak RSS is the largest of all runs.
# results are set through eval (wall_X, cpu_X, rss_X); payload commands are
# sh -c scripts with positional parameters
# shellcheck disable=SC2154,SC2016
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
sxscheck=$build/src/cli/sxscheck
mkstore=$build/tests/bench/mkstore
hivexrss=$build/tests/bench/hivexrss
out=${BENCH_OUT:-$root/tests/bench/out}
ncomp=${BENCH_COMPONENTS:-20000}
nfiles=${BENCH_FILES:-70000}
nbytes=${BENCH_BYTES:-2G}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-3}
ncpu=$(nproc)

for t in "$sxscheck" "$mkstore" "$hivexrss"; do
	if [ ! -x "$t" ]; then
		echo "bench.sh: $t not found; build first (sh tests/setup.sh or ninja -C $build)" >&2
		exit 2
	fi
done
if [ ! -x /usr/bin/time ]; then
	echo "bench.sh: /usr/bin/time missing (apt-get install time)" >&2
	exit 2
fi
for t in openssl sha256sum xargs find awk; do
	command -v "$t" >/dev/null || { echo "bench.sh: $t missing" >&2; exit 2; }
done

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sxs-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# make_store DIR COMPONENTS FILES BYTES SEED
make_store() {
	shape="$2 $3 $4 $5 $(cat "$here/mkstore.c" "$here/regf.c" | cksum | cut -d' ' -f1)"
	if [ -d "$1" ] && [ "$(cat "$1.shape" 2>/dev/null)" = "$shape" ]; then
		echo "store: reusing $1"
		return
	fi
	rm -rf "$1" "$1.shape"
	echo "store: generating $1 ..."
	/usr/bin/time -f "store: generated in %e s" \
		"$mkstore" --components "$2" --files "$3" --bytes "$4" --seed "$5" --out "$1"
	echo "$shape" >"$1.shape"
}

warm() {
	find "$1" -type f -exec cat {} + >/dev/null
}

# payload files exactly as the scan hashes them: everything below WinSxS
# except the Manifests folder and the f/, r/, n/ differentials
payload_list() {
	find "$1/Windows/WinSxS" -path "$1/Windows/WinSxS/Manifests" -prune -o \
		-type d \( -name f -o -name r -o -name n \) -prune -o -type f -print >"$2"
}

# measure NAME STORE CMD... : best wall, its user+sys, largest max RSS
measure() {
	name=$1
	store=$2
	shift 2
	best='' cpu='' rss=0 w='' c='' r=''
	i=0
	while [ "$i" -lt "$repeat" ]; do
		i=$((i + 1))
		warm "$store"
		rc=0
		/usr/bin/time -v -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "bench.sh: $name: exit $rc: $*" >&2
			cat "$tmp/stderr" >&2
			exit 1
		fi
		eval "$(awk -F': ' '
			/Elapsed \(wall clock\)/ {
				n = split($2, p, ":"); s = 0
				for (k = 1; k <= n; k++) s = s * 60 + p[k]
				printf "w=%s\n", s }
			/User time/ { u = $2 }
			/System time/ { sy = $2 }
			/Maximum resident set size/ { printf "r=%s\n", $2 }
			END { printf "c=%.2f\n", u + sy }' "$tmp/time")"
		if [ -z "$best" ] || awk "BEGIN { exit !($w < $best) }"; then
			best=$w
			cpu=$c
		fi
		[ "$r" -gt "$rss" ] && rss=$r
	done
	eval "wall_$name=$best cpu_$name=$cpu rss_$name=$rss"
	printf '  %-34s %8.2f s  (cpu %6.2f s)  max RSS %7.1f MiB\n' "$label" "$best" "$cpu" \
		"$(awk "BEGIN { print $rss / 1024 }")"
}

# after_hive STORE: peak RSS (KiB) of a default scan counted from the moment
# COMPONENTS is no longer mapped (the peak is reset then through
# /proc/PID/clear_refs); 0 if that moment was not seen.  It polls /proc, so
# it is a run of its own, not timed.
after_hive() {
	warm "$1"
	"$sxscheck" scan --progress=never "$1" >/dev/null 2>&1 &
	pid=$!
	seen=0 reset=0 hwm=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$reset" = 0 ]; then
			if grep -q '/config/COMPONENTS$' "/proc/$pid/maps" 2>/dev/null; then
				seen=1
			elif [ "$seen" = 1 ]; then
				echo 5 2>/dev/null >"/proc/$pid/clear_refs" && reset=1
			fi
		else
			h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || h=
			[ -n "$h" ] && hwm=$h
		fi
	done
	wait "$pid" || true
	echo "$hwm"
}

ratio() { awk "BEGIN { printf \"%.3f\", $1 / $2 }"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }

store=$out/store-$ncomp-$nfiles-$nbytes-$seed
make_store "$store" "$ncomp" "$nfiles" "$nbytes" "$seed"
payload_list "$store" "$tmp/files"
nlist=$(wc -l <"$tmp/files")
# the scan must hash exactly these files
"$sxscheck" scan --format=json --progress=never "$store" >"$tmp/report.json" || {
	echo "bench.sh: the generated store does not scan clean" >&2
	"$sxscheck" scan "$store" | tail -20 >&2
	exit 1
}
hashed=$(sed -n 's/.*"files_hashed": *\([0-9]*\).*/\1/p' "$tmp/report.json")
[ "$hashed" = "$nlist" ] || { echo "bench.sh: scan hashed $hashed files, list has $nlist" >&2; exit 1; }
# and applied every differential (issue 14): each one proven by a hash
ndelta=$(sed -n 's/.*"differentials": *\([0-9]*\).*/\1/p' "$tmp/report.json")
proven=$(sed -n 's/.*"differentials_proven": *\([0-9]*\).*/\1/p' "$tmp/report.json")
[ "$ndelta" = "$proven" ] || { echo "bench.sh: $proven of $ndelta differentials proven" >&2; exit 1; }
delta_bytes=$(find "$store/Windows/WinSxS" -path "$store/Windows/WinSxS/Manifests" -prune -o \
	-type d \( -name f -o -name r -o -name n \) -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
# (one du for all folders: xargs would split them over several du runs, each with its own total)
per=$(( (nlist + ncpu - 1) / ncpu ))

echo
echo "sxscheck scan benchmark: $ncomp components, $nfiles files, $nbytes payload (seed $seed)"
echo "machine: $ncpu CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"SHA-NI $(grep -q sha_ni /proc/cpuinfo && echo yes || echo no); $(openssl version | cut -d' ' -f1-2);" \
	"build $(basename "$build"); best of $repeat warm runs"
# can this machine hash faster with more processes at all?  (on a VM whose
# vCPUs share one physical core's SHA unit it cannot)
sha1=$(openssl speed -seconds 1 -bytes 16384 -evp sha256 2>/dev/null | awk 'END { print $NF }')
shaN=$(openssl speed -seconds 1 -bytes 16384 -multi "$ncpu" -evp sha256 2>/dev/null | awk 'END { print $NF }')
echo "openssl speed sha256 (16 KiB blocks): 1 process ${sha1%k} kB/s, $ncpu processes ${shaN%k} kB/s" \
	"(x$(awk -v a="${sha1%k}" -v b="${shaN%k}" 'BEGIN { printf "%.2f", b / a }'))"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
label="(a) sxscheck scan --jobs=1"
measure a "$store" "$sxscheck" scan --jobs=1 --progress=never "$store"
label="(b) sxscheck scan (--jobs=$ncpu)"
measure b "$store" "$sxscheck" scan --progress=never "$store"
label="(i) sxscheck scan --deltas=crc"
measure i "$store" "$sxscheck" scan --deltas=crc --progress=never "$store"
label="(c) sxscheck scan --no-payload"
measure c "$store" "$sxscheck" scan --no-payload --progress=never "$store"
label="(d) openssl dgst -sha256, 1 process"
measure d "$store" sh -c 'xargs -d "\n" -s 1000000 openssl dgst -sha256 <"$1" >/dev/null' sh "$tmp/files"
label="(e) openssl dgst -sha256, xargs -P $ncpu"
measure e "$store" sh -c 'xargs -d "\n" -s 1000000 -n "$2" -P "$3" openssl dgst -sha256 <"$1" >/dev/null' \
	sh "$tmp/files" "$per" "$ncpu"
label="(f) sha256sum, 1 process"
measure f "$store" sh -c 'xargs -d "\n" -s 1000000 sha256sum <"$1" >/dev/null' sh "$tmp/files"
# the memory floor: hivex maps the whole COMPONENTS hive and touches every
# cell header in hivex_open(), before sxscheck reads a single key
label="(g) hivex_open(COMPONENTS) alone"
measure g "$store" "$hivexrss" "$store/Windows/System32/config/COMPONENTS"
# and the scan's own memory, from the moment the hive is closed
rss_h=$(after_hive "$store")
printf '  %-34s %-27s max RSS %7.1f MiB\n' "(h) sxscheck scan, hive closed" \
	"(peak counted from then)" "$(awk "BEGIN { print $rss_h / 1024 }")"

r_ad=$(ratio "$wall_a" "$wall_d")
r_bd=$(ratio "$wall_b" "$wall_d")
r_cb=$(ratio "$wall_c" "$wall_b")
r_ed=$(ratio "$wall_e" "$wall_d")
peak=$rss_a
[ "$rss_b" -gt "$peak" ] && peak=$rss_b
[ "$rss_i" -gt "$peak" ] && peak=$rss_i
[ "$rss_c" -gt "$peak" ] && peak=$rss_c
peak_mib=$(awk "BEGIN { printf \"%.1f\", $peak / 1024 }")
echo
r_bi=$(ratio "$wall_b" "$wall_i")
echo "  (a)/(d) = $r_ad   (b)/(d) = $r_bd   (c)/(b) = $r_cb   (e)/(d) = $r_ed"
echo "  delta tier: (b)/(i) = $r_bi by wall time, $(ratio "$cpu_b" "$cpu_i") by cpu time;" \
	"$ndelta differentials ($(awk "BEGIN { printf \"%.1f\", ${delta_bytes:-0} / 1048576 }") MiB)" \
	"applied and proven by (b), CRC-32 and header only in (i)"
echo "  by cpu time: (a)/(d) = $(ratio "$cpu_a" "$cpu_d")   (b)/(d) = $(ratio "$cpu_b" "$cpu_d")" \
	"  (c)/(b) = $(ratio "$cpu_c" "$cpu_b")"
floor_mib=$(awk "BEGIN { printf \"%.1f\", $rss_g / 1024 }")
hive_mib=$(awk "BEGIN { printf \"%.1f\", $(wc -c <"$store/Windows/System32/config/COMPONENTS") / 1048576 }")
echo "  peak RSS of the scans: $peak_mib MiB; hivex_open alone on the $hive_mib MiB COMPONENTS: $floor_mib MiB"
after_mib=$(awk "BEGIN { printf \"%.1f MiB\", $rss_h / 1024 }")
[ "$rss_h" -gt 0 ] || after_mib="not measured"
echo "  peak RSS of the scan once COMPONENTS is closed: $after_mib"

results=$tmp/results
{
	echo "$(verdict "$r_ad <= 1.10") --jobs=1 <= 1.10 x openssl single: $r_ad"
	echo "$(verdict "$r_bd <= 0.60") default jobs <= 0.60 x openssl single: $r_bd"
	echo "$(verdict "$r_cb < 0.05") --no-payload < 1/20 of the full scan: $r_cb"
	echo "INFO full delta tier (default) against --deltas=crc: x$r_bi ($ndelta differentials)"
	echo "$(verdict "$peak <= 65536") peak RSS <= 64 MiB: $peak_mib MiB (floor set by hivex: $floor_mib MiB;" \
		"after the hive: $after_mib)"
} >"$results"

if [ "${BENCH_GROWTH:-1}" != 0 ]; then
	bytes2=$(awk -v b="$nbytes" 'BEGIN {
		u = substr(b, length(b)); n = b + 0
		m = u == "G" || u == "g" ? 1073741824 : u == "M" || u == "m" ? 1048576 : u == "K" || u == "k" ? 1024 : 1
		printf "%.0f", 2 * n * m }')
	store2=$out/store-$((2 * ncomp))-$((2 * nfiles))-$bytes2-$seed
	echo
	make_store "$store2" $((2 * ncomp)) $((2 * nfiles)) "$bytes2" "$seed"
	echo "growth: $((2 * ncomp)) components, $((2 * nfiles)) files, $bytes2 bytes"
	label="(b2) sxscheck scan, doubled store"
	measure b2 "$store2" "$sxscheck" scan --progress=never "$store2"
	label="(c2) sxscheck scan --no-payload, 2x"
	measure c2 "$store2" "$sxscheck" scan --no-payload --progress=never "$store2"
	g_t=$(ratio "$wall_b2" "$wall_b")
	g_tc=$(ratio "$wall_c2" "$wall_c")
	g_m=$(ratio "$rss_b2" "$rss_b")
	echo
	echo "  time x$g_t (full scan), x$g_tc (--no-payload); peak RSS x$g_m"
	{
		echo "$(verdict "$g_t <= 2.0") doubling at most doubles the full scan time: x$g_t"
		echo "$(verdict "$g_tc <= 2.0") doubling at most doubles the --no-payload time: x$g_tc"
		echo "$(verdict "$g_m < 2.0") doubling does not double memory: x$g_m"
	} >>"$results"
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$store2" "$store2.shape"
fi
[ "${BENCH_KEEP:-1}" = 1 ] || rm -rf "$store" "$store.shape"

echo
cat "$results"
status=0
grep -q '^FAIL' "$results" && status=1
# the same comparison on a real NTFS volume (ntfs-3g), a store of a few
# thousand components (bench-ntfs.sh; BENCH_NTFS=0 skips it, 77 = no FUSE)
if [ "${BENCH_NTFS:-1}" != 0 ]; then
	echo
	rc=0
	sh "$here/bench-ntfs.sh" "$build" || rc=$?
	[ "$rc" = 77 ] && echo "bench-ntfs.sh: skipped (FUSE cannot be used here)"
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || status=1
fi
exit $status
