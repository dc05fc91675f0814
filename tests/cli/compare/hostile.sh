#!/bin/sh
# SPDX-License-Identifier: MIT
# Repair scripts for hostile names (see hostile.c): the ps1 keeps them in
# literals (checked by hostile-scripts), the sh script parses with sh -n and
# bash -n, and --apply under sh and bash copies exactly the repairable files
# and never runs any part of a name (no "pwned*" file appears).
set -u
hostile=$1 mkhive=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# the image's SOFTWARE hive: the build the plan was made for
printf '%s\n' '[Microsoft\Windows NT\CurrentVersion]' 'CurrentBuild = sz:"17763"' 'UBR = dword:1613' \
	'CurrentMajorVersionNumber = dword:10' 'CurrentMinorVersionNumber = dword:0' >"$tmp/software.txt"
status=0
for shell in sh bash; do
	out=$tmp/$shell
	"$hostile" "$out" || { echo "hostile-scripts failed" >&2; exit 1; }
	mkdir -p "$out/image/Windows/System32/config"
	"$mkhive" "$tmp/software.txt" "$out/image/Windows/System32/config/SOFTWARE" || exit 1
	$shell -n "$out/repair.sh" || { echo "$shell -n failed" >&2; status=1; continue; }
	# run from inside the tree: an injected "touch pwned" would land here
	if ! (cd "$out" && $shell ./repair.sh --apply image golden/Windows/WinSxS) >"$tmp/$shell.log" 2>&1; then
		cat "$tmp/$shell.log" >&2
		echo "$shell: repair.sh --apply failed" >&2
		status=1
	fi
	if [ -n "$(find "$tmp" -name 'pwned*' -print)" ]; then
		echo "$shell: a name was executed:" >&2
		find "$tmp" -name 'pwned*' >&2
		status=1
	fi
	"$hostile" verify "$out" || status=1
done
exit $status
