#!/bin/sh
# SPDX-License-Identifier: MIT
# compare --reference refuses a tampered, truncated or oversized reference
# with exit 3 and one line "sxscheck: FILE:LINE: what".
set -u
srcroot=$1 sxscheck=$2
cd "$srcroot" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
ref=manifests/golden-pc-17763.1613.sxsref
status=0

expect() { # NAME EXPECTED-STDERR-PATTERN
	"$sxscheck" compare testdata/images/branch-pc --reference "$tmp/$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc != 3 ] || [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" != 1 ] ||
	   ! grep -q -- "$2" "$tmp/err"; then
		echo "$1: exit $rc, stderr:" >&2
		cat "$tmp/err" >&2
		status=1
	fi
}

sed 's/LTSC 2019/LTSC 2021/' "$ref" >"$tmp/tampered"
expect tampered "^sxscheck: $tmp/tampered:[0-9]*: SHA-256 of the contents does not match"

head -n 20 "$ref" >"$tmp/truncated"
expect truncated "^sxscheck: $tmp/truncated:21: no end line (file truncated?)"

head -c 1000 "$ref" >"$tmp/cut"
expect cut "^sxscheck: $tmp/cut:[0-9]*: last line has no newline"

{ head -n 2 "$ref"; head -c 70000 /dev/zero | tr '\0' x; echo; } >"$tmp/long"
expect long "^sxscheck: $tmp/long:3: line longer than 4096 bytes"

sed 's/$/\r/' "$ref" >"$tmp/crlf"
expect crlf "^sxscheck: $tmp/crlf:1: carriage return"

sed 's/^ file ok sha256 \([0-9a-f]*\) /&/; s/ CI\.dll$/ ..%2Fevil/' "$ref" >"$tmp/unsafe"
expect unsafe "^sxscheck: $tmp/unsafe:[0-9]*: file: unsafe name"

cat "$ref" "$ref" >"$tmp/doubled"
expect doubled "^sxscheck: $tmp/doubled:[0-9]*: text after the end line"

: >"$tmp/empty"
expect empty "^sxscheck: $tmp/empty:1: empty file"

exit $status
