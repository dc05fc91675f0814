#!/bin/sh
# SPDX-License-Identifier: MIT
# sxscheck-compare(1) renders what it shows (issue 12): the ps1 example keeps
# its .\ (a roff line that starts with a dot is a request and vanishes), and
# _keyform_ is underlined, not printed with its underscores.  77 without scdoc.
set -u
srcroot=$1
command -v scdoc >/dev/null 2>&1 || { echo 'scdoc not installed' >&2; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# (\& is roff's zero-width escape that scdoc puts after dots)
scdoc <"$srcroot/man/sxscheck-compare.1.scd" | sed 's/\\&//g' >"$tmp/page" || exit 1
status=0
# every line of a literal block that is not a comment must not start with a dot
if grep -n '^\.\\\\' "$tmp/page" | grep -v '^[0-9]*:\.\\\\"'; then
	echo 'man.sh: a line starts with .\ and would be read as a roff request' >&2
	status=1
fi
grep -q -- '-File \.\\\\repair\.ps1' "$tmp/page" || { echo 'man.sh: the ps1 example lost its .\' >&2; status=1; }
if grep -q '_keyform_' "$tmp/page"; then
	echo 'man.sh: _keyform_ is printed with its underscores' >&2
	status=1
fi
grep -q '\\fIkeyform\\fR' "$tmp/page" || { echo 'man.sh: keyform is not underlined' >&2; status=1; }
# rendered, where nroff is there (groff-base)
if command -v nroff >/dev/null 2>&1; then
	scdoc <"$srcroot/man/sxscheck-compare.1.scd" | nroff -man -rLL=200n 2>/dev/null | sed 's/.\x08//g' >"$tmp/text"
	grep -q -- "-File \.\\\\repair\.ps1 -Source '\\\\\\\\GOLDEN-PC" "$tmp/text" || { echo 'man.sh: rendered, the ps1 example is not as written' >&2; status=1; }
	grep -q 'copy the manifest keyform\.manifest' "$tmp/text" || { echo 'man.sh: rendered, _keyform_ is not as meant' >&2; status=1; }
fi
exit $status
