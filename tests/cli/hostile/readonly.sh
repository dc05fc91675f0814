#!/bin/sh
# SPDX-License-Identifier: MIT
# The read-only guarantee: scan, compare --golden and snapshot (those that
# exist in this build) leave a copied image exactly as it was: every file's
# content, size, mtime, mode and inode, the number of entries, and the
# directories' own metadata.  With strace, every open the commands make
# is checked too: nothing opened for writing or creating, except the
# snapshot's own output file outside the image, and every open below the
# image root with O_NOFOLLOW.
#
# usage: readonly.sh SRCROOT SXSCHECK
set -u
srcroot=$1 sxscheck=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
cp -a "$srcroot/testdata/images/branch-pc" "$tmp/img"
cp -a "$srcroot/testdata/images/golden-pc" "$tmp/golden"
# something the scan reports, so the payload is hashed and findings written
printf 'x' >>"$(find "$tmp/img" -name notepad.exe | head -n 1)"

state() {
	# name, type, size, mtime (ns), mode, inode, link count; then content hashes
	(cd "$1" && find . -printf '%p %y %s %T@ %m %i %n\n' | LC_ALL=C sort &&
	 find . -type f -exec sha256sum {} + | LC_ALL=C sort -k 2)
}
has_command() {
	"$sxscheck" "$1" --help >/dev/null 2>&1
}

runs="scan:scan --jobs=2"
has_command compare && runs="$runs|compare:compare --golden $tmp/golden"
has_command snapshot && runs="$runs|snapshot:snapshot -o $tmp/snap.sxsref"

use_strace=false
command -v strace >/dev/null 2>&1 && use_strace=true

state "$tmp/img" >"$tmp/before"
state "$tmp/golden" >"$tmp/golden-before"
IFS='|'
for r in $runs; do
	unset IFS
	name=${r%%:*}
	args=${r#*:}
	if $use_strace; then
		# shellcheck disable=SC2086
		# LeakSanitizer cannot run under ptrace
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,rmdir,chmod,fchmod,fchmodat,utimensat,link,linkat,symlink,symlinkat,setxattr,fsetxattr,lsetxattr \
			-o "$tmp/trace.$name" "$sxscheck" $args "$tmp/img" >"$tmp/out.$name" 2>"$tmp/err.$name"
	else
		# shellcheck disable=SC2086
		"$sxscheck" $args "$tmp/img" >"$tmp/out.$name" 2>"$tmp/err.$name"
	fi
	rc=$?
	if [ $rc -gt 1 ]; then
		echo "FAIL $name: exit $rc" >&2
		cat "$tmp/err.$name" >&2
		failures=$((failures + 1))
	fi
	if $use_strace; then
		# any write-mode open, create or metadata change, except the snapshot's output
		grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|^[0-9]+ +(creat|truncate|ftruncate|rename|unlink|mkdir|rmdir|chmod|fchmod|utimensat|link|symlink|[lf]?setxattr)' \
			"$tmp/trace.$name" | grep -v "\"$tmp/snap\.sxsref" >"$tmp/writes.$name"
		if [ -s "$tmp/writes.$name" ]; then
			echo "FAIL $name: opened or changed something for writing:" >&2
			sed 's/^/    /' "$tmp/writes.$name" >&2
			failures=$((failures + 1))
		fi
		# every open relative to a directory fd (that is, below the image
		# root) refuses symbolic links
		grep -E 'openat2?\([0-9]+, "' "$tmp/trace.$name" | grep -v '"\.",' |
			grep -v 'O_NOFOLLOW' >"$tmp/follow.$name"
		if [ -s "$tmp/follow.$name" ]; then
			echo "FAIL $name: opened below the root without O_NOFOLLOW:" >&2
			sed 's/^/    /' "$tmp/follow.$name" >&2
			failures=$((failures + 1))
		fi
		if [ ! -s "$tmp/writes.$name" ] && [ ! -s "$tmp/follow.$name" ]; then
			n=$(grep -cE 'open(at2?)?\(' "$tmp/trace.$name")
			echo "ok   $name: $n opens traced, none for writing"
		fi
	fi
	IFS='|'
done
unset IFS
state "$tmp/img" >"$tmp/after"
state "$tmp/golden" >"$tmp/golden-after"
if ! diff -u "$tmp/before" "$tmp/after"; then
	echo "FAIL: the image changed" >&2
	failures=$((failures + 1))
fi
if ! diff -u "$tmp/golden-before" "$tmp/golden-after"; then
	echo "FAIL: the golden image changed" >&2
	failures=$((failures + 1))
fi
[ $failures = 0 ] && echo "ok   image unchanged after: $runs"
[ $failures = 0 ]
