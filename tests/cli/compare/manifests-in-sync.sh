#!/bin/sh
# SPDX-License-Identifier: MIT
# manifests/golden-pc-17763.1613.sxsref is byte for byte a snapshot of
# testdata/images/golden-pc.
set -u
srcroot=$1 sxscheck=$2
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$sxscheck" snapshot testdata/images/golden-pc -o "$tmp/ref" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
if ! cmp manifests/golden-pc-17763.1613.sxsref "$tmp/ref"; then
	diff -u manifests/golden-pc-17763.1613.sxsref "$tmp/ref" | head -40
	echo "manifests/golden-pc-17763.1613.sxsref is out of date: see manifests/README.md" >&2
	exit 1
fi
