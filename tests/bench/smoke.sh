#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-smoke: generate a small synthetic store, check that it scans clean
# (exit 0, no findings) and that --jobs=1, 2 and 5 give the same report.
# The store has PSFX differentials (--psfx 10): the hash threads apply them.
# 6000 files make 12 batches of 512: more than the eight the walk may queue.
# usage: smoke.sh MKSTORE SXSCHECK
set -eu
mkstore=$1
sxscheck=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sxs-bench-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# without_elapsed JSON OUT: the report with its elapsed times zeroed, the one
# thing allowed to differ between runs
without_elapsed() {
	sed 's/"elapsed[a-z_]*": *[0-9.e+-]*/"elapsed": 0/' "$1" >"$2"
}

# same_for_all_jobs NAME WHAT: $tmp/NAME2 and NAME5 are identical to NAME1
same_for_all_jobs() {
	for j in 2 5; do
		if ! cmp -s "$tmp/${1}1" "$tmp/$1$j"; then
			echo "FAIL: $2 between --jobs=1 and --jobs=$j" >&2
			diff "$tmp/${1}1" "$tmp/$1$j" | head -20 >&2
			exit 1
		fi
	done
}

"$mkstore" --components 1500 --files 6000 --bytes 30M --seed 7 --psfx 10 --out "$tmp/store" >/dev/null
for j in 1 2 5; do
	rc=0
	"$sxscheck" scan --jobs=$j --progress=never --format=json "$tmp/store" \
		>"$tmp/report$j.json" 2>"$tmp/err$j" || rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err$j" ]; then
		echo "FAIL: scan --jobs=$j exited $rc (want 0)" >&2
		cat "$tmp/err$j" >&2
		"$sxscheck" scan --jobs=$j "$tmp/store" >&2 || true
		exit 1
	fi
done
for j in 1 2 5; do
	without_elapsed "$tmp/report$j.json" "$tmp/norm$j"
done
same_for_all_jobs norm "the report differs"
# the scan looked at everything that was generated
grep -q '"files_hashed": 6000,' "$tmp/report1.json" ||
	{ echo "FAIL: not all 6000 files hashed" >&2; exit 1; }
# --progress=always: progress lines on stderr only, the last one complete
"$sxscheck" scan --progress=always --format=json "$tmp/store" >"$tmp/progress.json" 2>"$tmp/progress.err"
without_elapsed "$tmp/progress.json" "$tmp/normp"
cmp -s "$tmp/norm1" "$tmp/normp" || { echo "FAIL: --progress changed stdout" >&2; exit 1; }
tail -1 "$tmp/progress.err" | grep -q '^scanning: 6000/6000 files, 30.0 MiB/30.0 MiB, ' ||
	{ echo "FAIL: last progress line:" >&2; tail -1 "$tmp/progress.err" >&2; exit 1; }

# damage a few payloads and one manifest: the findings come out in the same
# order whatever the number of threads
find "$tmp/store/Windows/WinSxS" -path '*/Manifests' -prune -o -type f -size +4k -print |
	sort | awk 'NR % 97 == 1' | head -6 >"$tmp/victims"
[ "$(wc -l <"$tmp/victims")" -ge 3 ] || { echo "FAIL: too few files to damage" >&2; exit 1; }
n=0
while IFS= read -r f; do
	n=$((n + 1))
	if [ $n -eq 1 ]; then
		rm -f "$f"
	else
		printf 'XXXX' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
	fi
done <"$tmp/victims"
rm -f "$(find "$tmp/store/Windows/WinSxS/Manifests" -type f | sort | sed -n 5p)"
for j in 1 2 5; do
	rc=0
	"$sxscheck" scan --jobs=$j --progress=never "$tmp/store" >"$tmp/damaged$j.txt" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || { echo "FAIL: damaged store: scan --jobs=$j exited $rc (want 1)" >&2; exit 1; }
	sed 's/ in [0-9.]* s$//' "$tmp/damaged$j.txt" >"$tmp/dnorm$j"
done
same_for_all_jobs dnorm "the findings differ"
if ! grep -q 'payload-hash-mismatch' "$tmp/damaged1.txt" ||
	! grep -q 'payload-missing' "$tmp/damaged1.txt"; then
	echo "FAIL: damage not reported" >&2
	cat "$tmp/damaged1.txt" >&2
	exit 1
fi
echo "ok: 1500 components, 6000 files, 30 MiB scan clean; damaged store: same findings with 1, 2 and 5 threads"
