#!/bin/sh
# SPDX-License-Identifier: MIT
# PSFX differentials and DCS payloads (issue 14), each case made from a
# fresh copy of the golden image with differentials from mkpsfx: the scan
# must report exactly the expected finding ids with the expected exit status
# (and, where it matters, the expected words in the message).
#
# usage: psfx.sh SRCROOT SXSCHECK MKPSFX JSONCHECK
set -u
srcroot=$1 sxscheck=$2 mkpsfx=$3 jsoncheck=$4
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
src="$srcroot/testdata/images/golden-pc"
failures=0
w32=amd64_microsoft-windows-win32k_31bf3856ad364e35_10.0.17763.1613_none_0660c9756c6e6374
k32=amd64_microsoft-windows-kernel32_31bf3856ad364e35_10.0.17763.1613_none_e12b34fc28332262
hv=amd64_microsoft-windows-h..v-computelib-legacy_31bf3856ad364e35_10.0.17763.1490_none_3b1d885118c40af8

fresh() {
	rm -rf "$tmp/img"
	cp -a "$src" "$tmp/img"
	sxs="$tmp/img/Windows/WinSxS"
	w="$sxs/$w32"
}

# expect NAME EXIT [--deltas=crc] IDS...
expect() {
	name=$1 want=$2
	shift 2
	opt=--deltas=full
	case "${1:-}" in --deltas=*) opt=$1; shift ;; esac
	"$sxscheck" scan "$opt" --format=json "$tmp/img" >"$tmp/out.json" 2>"$tmp/err"
	got=$?
	ids=$(i=0; while id=$("$jsoncheck" "findings.$i.id" <"$tmp/out.json"); do
		echo "$id"; i=$((i + 1)); done | grep -v '^package-cat-chain-unchecked$' | sort -u | tr '\n' ' ')
	# (the package layer's note on certificate chains comes with every image; not ours)
	wids=${*:+$* }
	if [ "$got" != "$want" ] || [ "$ids" != "$wids" ] || [ -s "$tmp/err" ]; then
		echo "FAIL $name: exit $got (want $want), ids '$ids' (want '$wids')" >&2
		cat "$tmp/err" >&2
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

# says NAME TEXT: the last report's messages contain TEXT
says() {
	if ! grep -q -- "$2" "$tmp/out.json"; then
		echo "FAIL $1: no '$2' in the report" >&2
		failures=$((failures + 1))
	fi
}

fresh
expect golden 0
"$sxscheck" scan "$tmp/img" | grep -q 'Differentials: 7 of 7 proven by applying them' ||
	{ echo "FAIL golden: not every differential proven" >&2; failures=$((failures + 1)); }

# r\ made against another build of the file: 0x800f0985 (the support case)
fresh
head -c 90000 /dev/zero | tr '\0' 'A' >"$tmp/other"
"$mkpsfx" reverse "$tmp/other" "$tmp/other" "$w/r/win32kfull.sys" || exit 99
expect reverse-does-not-fit 1 delta-reverse-failed
says reverse-does-not-fit 0x800f0985
"$sxscheck" scan "$tmp/img" >/dev/null
[ $? = 1 ] || { echo "FAIL reverse-does-not-fit: text exit" >&2; failures=$((failures + 1)); }
expect reverse-crc-tier 0 --deltas=crc

# the same r\ without a TargetHash proves nothing by itself; f\ then cannot
# be trusted either (the PRSM decoder is unproven): not an error
fresh
"$mkpsfx" reverse --hash=none "$tmp/other" "$tmp/other" "$w/r/win32kfull.sys" || exit 99
expect reverse-unhashed 0 payload-unverifiable
says reverse-unhashed 'not conclusive'

# f\ of another version: its SHA-256 TargetHash is not the manifest's digest
fresh
printf 'some other version of win32kfull.sys' >"$tmp/v2"
"$mkpsfx" forward "$tmp/other" "$tmp/v2" "$w/f/win32kfull.sys" || exit 99
expect forward-other-version 1 delta-forward-other-version
expect forward-other-version-crc-tier 1 --deltas=crc delta-forward-other-version

# f\ without a TargetHash that gives another file: the bytes tell
fresh
"$mkpsfx" forward --hash=none "$tmp/v2" "$tmp/v2" "$w/f/win32kfull.sys" || exit 99
expect forward-gives-another-file 1 delta-forward-failed
says forward-gives-another-file 'differ from the full file'

# n\ of other content (its own TargetHash is fine): not the manifest's file
fresh
"$mkpsfx" null "$tmp/v2" "$w/n/win32kns.sys" || exit 99
expect null-other-content 1 delta-null-failed
says null-other-content 0x800f0987

# a CRC-32 that does not match: delta-corrupt whatever the tier
fresh
printf 'X' | dd of="$w/n/win32kns.sys" bs=1 seek=30 conv=notrunc 2>/dev/null
expect null-crc 1 delta-corrupt
expect null-crc-tier 1 --deltas=crc delta-corrupt

# combinations (notes only): r\ without f\, f\ without r\, n\ beside f\/r\
fresh
rm "$w/f/win32kfull.sys"
expect reverse-without-forward 0 delta-combination-invalid
fresh
rm "$w/r/win32kfull.sys"
expect forward-without-reverse 0 delta-reverse-missing
fresh
cp "$w/n/win32kns.sys" "$w/n/win32kfull.sys"
expect null-beside-forward 1 delta-combination-invalid delta-null-failed

# differentials kept under servicing\LCU\<package>\<keyform>\ (calibration.md
# §1.2) are checked the same way
fresh
lcu="$tmp/img/Windows/servicing/LCU/Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1613.1.9"
mkdir -p "$lcu/$w32"
mv "$w/f" "$w/r" "$lcu/$w32/"
expect lcu-differentials 0
"$sxscheck" scan "$tmp/img" | grep -q 'Differentials: 7 of 7 proven by applying them' ||
	{ echo "FAIL lcu-differentials: not every differential proven" >&2; failures=$((failures + 1)); }
"$mkpsfx" reverse "$tmp/other" "$tmp/other" "$lcu/$w32/r/win32kfull.sys" || exit 99
expect lcu-reverse-does-not-fit 1 delta-reverse-failed

# a damaged full file is its own finding: its differentials are not applied
# to it (and say nothing more)
fresh
printf 'X' | dd of="$w/win32kfull.sys" bs=1 seek=5000 conv=notrunc 2>/dev/null
expect full-file-damaged 1 payload-hash-mismatch

# a full file stored as DCS (component cleanup) is decoded to apply its differentials
fresh
"$mkpsfx" dcs "$w/win32kfull.sys" "$tmp/dcs" || exit 99
cp "$tmp/dcs" "$w/win32kfull.sys"
expect full-file-in-dcs 0
"$sxscheck" scan "$tmp/img" | grep -q 'Differentials: 7 of 7 proven by applying them' ||
	{ echo "FAIL full-file-in-dcs: not every differential proven" >&2; failures=$((failures + 1)); }

# a missing differential is not a finding (calibration.md §1.2)
fresh
rm -r "$sxs/$k32/f" "$sxs/$k32/r"
expect no-differentials 0

# a differential that declares more than the size cap is reported, not decoded
fresh
"$mkpsfx" reverse --hash=none --declare=300000000 "$tmp/other" "$tmp/other" \
	"$w/r/win32kfull.sys" || exit 99
expect over-the-cap 0 payload-unverifiable
says over-the-cap 'exceeds the delta tier'

# DCS: decoded and hashed; another content is a hash mismatch, a broken
# frame is unverifiable (the hash is the only verdict on LZMS data)
fresh
"$mkpsfx" dcs "$tmp/v2" "$sxs/$hv/vmcomputelegacy.dll" || exit 99
expect dcs-other-content 1 payload-hash-mismatch
fresh
head -c 40 "$src/Windows/WinSxS/$hv/vmcomputelegacy.dll" >"$sxs/$hv/vmcomputelegacy.dll"
expect dcs-truncated 0 payload-unverifiable
says dcs-truncated 'DCS payload does not decode'

[ "$failures" = 0 ]
