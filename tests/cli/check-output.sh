#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one CLI case and compare it with its golden files.
#
# usage: check-output.sh SRCROOT GOLDEN EXPECTED_EXIT [--json JSONCHECK] -- COMMAND [ARG...]
#
# The command runs in SRCROOT (so image paths in reports are relative).
# stdout must equal GOLDEN.out and stderr GOLDEN.err (when that file exists)
# after timing figures are blanked; with --json, stdout must also parse as
# JSON.  SXS_UPDATE_GOLDEN=1 rewrites the golden files instead.
set -u
srcroot=$1 golden=$2 want=$3
shift 3
jsoncheck=
if [ "$1" = --json ]; then
	jsoncheck=$2
	shift 2
fi
[ "$1" = -- ] && shift
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

cd "$srcroot" || exit 99
"$@" >"$tmp/out" 2>"$tmp/err"
got=$?
normalize() {
	sed -e 's/ in [0-9][0-9]*\.[0-9][0-9] s$/ in N s/' \
	    -e 's/"elapsed_seconds": [0-9.e+-]*/"elapsed_seconds": N/' "$1"
}
normalize "$tmp/out" >"$tmp/out.n"
normalize "$tmp/err" >"$tmp/err.n"
if [ "${SXS_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$tmp/out.n" "$golden.out"
	if [ -s "$tmp/err.n" ] || [ -f "$golden.err" ]; then cp "$tmp/err.n" "$golden.err"; fi
fi
status=0
if [ "$got" != "$want" ]; then
	echo "exit status $got, expected $want" >&2
	cat "$tmp/err" >&2
	status=1
fi
if ! diff -u "$golden.out" "$tmp/out.n"; then
	echo "stdout differs from $golden.out" >&2
	status=1
fi
if [ -f "$golden.err" ] && ! diff -u "$golden.err" "$tmp/err.n"; then
	echo "stderr differs from $golden.err" >&2
	status=1
fi
if [ -n "$jsoncheck" ] && ! "$jsoncheck" <"$tmp/out"; then
	echo "stdout is not valid JSON" >&2
	status=1
fi
exit $status
