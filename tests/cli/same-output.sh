#!/bin/sh
# SPDX-License-Identifier: MIT
# The report is byte-identical whatever the job count (timing blanked).
set -u
srcroot=$1 sxscheck=$2 image=$3
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
for j in 1 2 3 8; do
	for f in text json; do
		"$sxscheck" scan --jobs=$j --format=$f "$image" |
			sed -e 's/ in [0-9.]* s$//' -e 's/"elapsed_seconds": [0-9.e+-]*//' >"$tmp/$f.$j"
	done
done
for j in 2 3 8; do
	cmp "$tmp/text.1" "$tmp/text.$j" || exit 1
	cmp "$tmp/json.1" "$tmp/json.$j" || exit 1
done
exit 0
