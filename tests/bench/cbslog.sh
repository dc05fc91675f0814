#!/bin/sh
# SPDX-License-Identifier: MIT
# CBS log triage benchmark: a healthy synthetic CBS.log of SIZE MB (default
# 16: WU applicability sessions, CBS_E_INVALID_PACKAGE noise and CSI chatter,
# tests/cbs/mkfixtures.py --big) read by `sxscheck cbs`, against `wc -l` and
# `grep -c HRESULT` over the same file (best of 3 warm runs).  Also the real
# 19.8 MB CbsPersist cab of ../shared/vectors when it is there.
#
# usage: sh tests/bench/cbslog.sh [BUILD_DIR] [SIZE_MB]
# Target (issue 13): a 16 MB healthy log well under a second; memory bounded
# by the largest record (peak RSS flat as the log grows).
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
size=${2:-16}
sxscheck=$build/src/cli/sxscheck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 tests/cbs/mkfixtures.py . "$tmp" --big "$size" >/dev/null
log=$tmp/big.log

best() { # label command...
	label=$1
	shift
	b=
	for _ in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
		set -- "$@"
		t=$(cut -d' ' -f1 "$tmp/t")
		m=$(cut -d' ' -f2 "$tmp/t")
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t bm=$m; fi
	done
	printf '  %-34s %6.2f s  max RSS %8.1f MiB\n' "$label" "$b" "$(echo "$bm / 1024" | bc -l)"
}

echo "cbslog benchmark: $(du -m "$log" | cut -f1) MB healthy log, $(wc -l <"$log") lines; build $build"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
best "(a) sxscheck cbs" "$sxscheck" cbs "$log"
a=$b
best "(b) wc -l" wc -l "$log"
wcl=$b
best "(c) grep -c HRESULT" grep -c HRESULT "$log"
g=$b
python3 tests/cbs/mkfixtures.py . "$tmp/2x" --big $((size * 2)) >/dev/null
best "(d) sxscheck cbs, log twice as big" "$sxscheck" cbs "$tmp/2x/big.log"
d=$b
cab=../shared/vectors/cbs/mattbalzan-mattGPT/CbsPersist_20251214161635.cab
if [ -f "$cab" ]; then
	best "(e) sxscheck cbs, real 19.8 MB cab" "$sxscheck" cbs "$cab"
	best "(f) cabextract -p | wc -l" sh -c "cabextract -p '$cab' | wc -l"
fi
echo
printf '  (a)/(c) = %.2f   (a)/(b) = %.2f   (d)/(a) = %.2f\n' \
	"$(echo "$a / ($g + 0.001)" | bc -l)" "$(echo "$a / ($wcl + 0.001)" | bc -l)" "$(echo "$d / ($a + 0.001)" | bc -l)"
if [ "$(echo "$a < 1.0" | bc)" = 1 ]; then echo "PASS ${size} MB healthy log under a second: $a s"; else echo "FAIL ${size} MB healthy log under a second: $a s"; fi
