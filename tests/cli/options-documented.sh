#!/bin/sh
# SPDX-License-Identifier: MIT
# Every long option a command accepts (its getopt table in src/cli/cmd_*.c,
# plus the shared CLI_MODEL_LONG_OPTIONS when it uses them) is named in its
# --help and in its man page.
set -u
srcroot=$1 sxscheck=$2
status=0
shared=$(sed -n '/define CLI_MODEL_LONG_OPTIONS/,/^$/p' "$srcroot/src/cli/cli.h" |
	sed -n 's/.*{"\([a-z][a-z-]*\)",.*/\1/p')
for src in "$srcroot"/src/cli/cmd_*.c; do
	cmd=$(basename "$src" .c)
	cmd=${cmd#cmd_}
	man=$srcroot/man/sxscheck-$cmd.1.scd
	[ -f "$man" ] || continue
	opts=$(sed -n 's/.*{"\([a-z][a-z-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$src")
	grep -q CLI_MODEL_LONG_OPTIONS "$src" && opts="$opts $shared"
	help=$("$sxscheck" "$cmd" --help 2>&1)
	for o in $opts; do
		printf '%s\n' "$help" | grep -q -- "--$o" || { echo "sxscheck $cmd --help does not name --$o" >&2; status=1; }
		grep -q -- "--$o\*\|\*--$o\|--$o" "$man" || { echo "sxscheck-$cmd(1) does not name --$o" >&2; status=1; }
	done
done
exit $status
