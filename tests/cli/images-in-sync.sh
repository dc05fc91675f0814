#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate the demo images from testdata/images/mkimages.py into a
# temporary folder and compare them, file by file, with the committed ones.
set -u
srcroot=$1 python3=$2 sxscheck=$3 mkhive=$4
shift 4
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$python3" "$srcroot/testdata/images/mkimages.py" --sxscheck "$sxscheck" --mkhive "$mkhive" "$@" \
	--out "$tmp" || exit 1
status=0
for d in golden-pc branch-pc healthy-17763 sources; do
	diff -r "$srcroot/testdata/images/$d" "$tmp/$d" || status=1
done
[ $status = 0 ] || echo "testdata/images is out of date: run testdata/images/mkimages.py (see its header)" >&2
exit $status
