#!/bin/sh
# SPDX-License-Identifier: MIT
# shellcheck finds nothing in the sh templates (repair.sh.in, undo.sh.in) and
# the generated sh scripts (the demo's and the hostile-name one).  Skipped (77) without shellcheck.
set -u
srcroot=$1 sxscheck=$2 hostile=$3
command -v shellcheck >/dev/null 2>&1 || { echo 'shellcheck not installed' >&2; exit 77; }
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$sxscheck" compare testdata/images/branch-pc --golden testdata/images/golden-pc \
	--script=sh -o "$tmp/demo.sh" >/dev/null
"$hostile" "$tmp/h" >/dev/null || exit 1
status=0
for f in "$tmp/demo.sh" "$tmp/h/repair.sh" src/lib/report/repair.sh.in src/lib/report/undo.sh.in; do
	shellcheck -s sh "$f" || status=1
	shellcheck -s bash "$f" || status=1
done
exit $status
