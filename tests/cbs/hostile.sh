#!/bin/sh
# SPDX-License-Identifier: MIT
# sxscheck cbs on hostile and odd inputs (tests/cbs/mkfixtures.py): every
# bad input is one clear line naming the file (exit 3), every odd encoding
# of a good log gives the same verdict, memory stays bounded.
#
# usage: hostile.sh SRCROOT PYTHON3 SXSCHECK [BIG_MB]
set -u
srcroot=$1 python3=$2 sxscheck=$3 big=${4:-100}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$python3" "$srcroot/tests/cbs/mkfixtures.py" "$srcroot" "$tmp" --big "$big" || exit 99
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# the same verdict whatever the encoding and line ends
want=$("$sxscheck" cbs --format=json "$srcroot/testdata/cbs/sppinstaller-0x8007000d.log" |
	"$python3" -c 'import json,sys; d=json.load(sys.stdin)["logs"][0]; print(d["outcome"], d["primary_kind"], sorted(x["code"] for x in d["decisive_hresults"]))')
for f in utf16le-bom.log utf16le-nobom.log utf16be-bom.log lf-only.log cr-only.log no-bom.log \
	CbsPersist_20210302091400.cab stored.cab huge-record.log; do
	got=$("$sxscheck" cbs --format=json "$tmp/$f" |
		"$python3" -c 'import json,sys; d=json.load(sys.stdin)["logs"][0]; print(d["outcome"], d["primary_kind"], sorted(x["code"] for x in d["decisive_hresults"]))')
	[ "$got" = "$want" ] || bad "$f: '$got', expected '$want'"
done

# bad inputs: exit 3, one line on stderr naming the file and what is wrong
check_error() { # file pattern
	"$sxscheck" cbs "$tmp/$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 3 ] || bad "$1: exit $rc, expected 3"
	[ "$(wc -l <"$tmp/err")" = 1 ] || { bad "$1: stderr is not one line:"; cat "$tmp/err" >&2; }
	grep -q "$1" "$tmp/err" || bad "$1: the error does not name the file: $(cat "$tmp/err")"
	grep -qi "$2" "$tmp/err" || bad "$1: the error does not say '$2': $(cat "$tmp/err")"
}
check_error truncated.cab "truncated\|read error"
check_error damaged.cab "checksum\|damaged"
check_error bad-header.cab "damaged\|cabinet"
check_error junk.bin "binary\|not a"
check_error another-program.log "another program"
check_error empty.log "empty"
check_error text-not-a-log.txt "not a CBS"

# scan reads the live logs only up to 256 MiB: a bigger CBS.log is a note, never slow, never a failure
cp -r "$srcroot/testdata/images/golden-pc" "$tmp/img"
truncate -s 300M "$tmp/img/Windows/Logs/CBS/CBS.log"
"$sxscheck" scan "$tmp/img" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] || bad "scan with a 300 MB CBS.log: exit $rc"
grep -q "servicing-log-unreadable.*300 MiB, more than scan reads" "$tmp/out" || bad "scan with a 300 MB CBS.log: $(grep -i servicing "$tmp/out")"
rm -rf "$tmp/img"

# a big healthy log: no failure, memory bounded by the largest record, not the file
/usr/bin/time -f "%M" -o "$tmp/rss" "$sxscheck" cbs "$tmp/big.log" >"$tmp/out" 2>"$tmp/err" || bad "big.log: exit $?"
grep -q "no servicing failure" "$tmp/out" || bad "big.log: not clean: $(head -3 "$tmp/out")"
rss=$(tail -1 "$tmp/rss")
[ "$rss" -lt 65536 ] || bad "big.log ($big MB): peak RSS ${rss} KiB"
echo "big.log: $big MB, peak RSS $rss KiB"
exit $fail
