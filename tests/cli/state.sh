#!/bin/sh
# SPDX-License-Identifier: MIT
# Store-state and registry-agreement cases, each made from a fresh copy of
# the golden image: the scan must report exactly the expected finding ids
# with the expected exit status.
#
# usage: state.sh SRCROOT SXSCHECK MKHIVE JSONCHECK
set -u
srcroot=$1 sxscheck=$2 mkhive=$3 jsoncheck=$4
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
src="$srcroot/testdata/images/golden-pc"
sources="$srcroot/testdata/images/sources/golden-pc"
failures=0

fresh() {
	rm -rf "$tmp/img"
	cp -a "$src" "$tmp/img"
	sxs="$tmp/img/Windows/WinSxS"
	cfg="$tmp/img/Windows/System32/config"
}

# expect NAME EXIT IDS...: scan $tmp/img; the sorted, unique finding ids
# must be exactly IDS
expect() {
	name=$1 want=$2
	shift 2
	"$sxscheck" scan --format=json "$tmp/img" >"$tmp/out.json" 2>"$tmp/err"
	got=$?
	ids=$(i=0; while id=$("$jsoncheck" "findings.$i.id" <"$tmp/out.json"); do
		echo "$id"; i=$((i + 1)); done | sort -u | tr '\n' ' ')
	if [ "$got" != "$want" ] || [ "$ids" != "$* " ] || [ -s "$tmp/err" ]; then
		echo "FAIL $name: exit $got (want $want), ids '$ids' (want '$* ')" >&2
		cat "$tmp/err" >&2
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

fresh
: >"$sxs/pending.xml"
expect pending-xml 1 package-cat-chain-unchecked pending-operations pending-transaction-mismatch

fresh
rm "$cfg/COMPONENTS"
# the self-authored DCM base cannot be confirmed without S256H values
expect no-components-hive 1 base-manifest-unknown check-skipped package-cat-chain-unchecked

fresh
rm "$cfg/SOFTWARE" "$cfg/COMPONENTS"
expect no-hives 1 base-manifest-unknown check-skipped package-cat-chain-unchecked registry-missing

fresh
"$mkhive" --dirty "$sources/COMPONENTS.txt" "$cfg/COMPONENTS" || exit 99
expect dirty-components 1 hive-dirty package-cat-chain-unchecked

fresh
printf 'not a hive at all\n' >"$cfg/SOFTWARE"
expect garbage-software 1 hive-unreadable package-cat-chain-unchecked

fresh
m=$(ls "$sxs/Manifests" | grep notepad_ | head -n 1)
rm "$sxs/Manifests/$m"
expect manifest-missing 1 deployment-component-missing manifest-missing package-cat-chain-unchecked

fresh
sed 's/^\[DerivedData\\Components\\amd64_microsoft-windows-notepad_.*\]$/[Unrelated]/' \
	"$sources/COMPONENTS.txt" >"$tmp/c.txt"
"$mkhive" "$tmp/c.txt" "$cfg/COMPONENTS" || exit 99
expect manifest-orphan 1 deployment-component-missing manifest-orphan package-cat-chain-unchecked

fresh
sed -e '/^\[DerivedData\\Components\\amd64_microsoft-windows-notepad_/,/^$/s/^S256H = hex:../S256H = hex:ee/' \
    -e '/^\[DerivedData\\Components\\amd64_microsoft-windows-notepad_/,/^$/s/Version=10.0.17763.1,/Version=10.0.17763.2,/' \
	"$sources/COMPONENTS.txt" >"$tmp/c.txt"
"$mkhive" "$tmp/c.txt" "$cfg/COMPONENTS" || exit 99
expect s256h-and-identity 1 identity-mismatch manifest-hash-mismatch manifest-not-in-catalog package-cat-chain-unchecked

fresh
k=$(ls "$sxs" | grep notepad_ | head -n 1)
rm "$sxs/$k/notepad.exe"
expect payload-missing 1 package-cat-chain-unchecked payload-missing

fresh
m=$(ls "$sxs/Manifests" | grep notepad_ | head -n 1)
mv "$sxs/Manifests/$m" "$sxs/Manifests/$(echo "$m" | sed 's/_[0-9a-f]*\.manifest$/_0000000000000000.manifest/')"
expect renamed-manifest 1 deployment-component-missing manifest-missing manifest-name-mismatch manifest-orphan package-cat-chain-unchecked payload-missing

fresh
m=$(ls "$sxs/Manifests" | grep notepad_ | head -n 1)
printf '<?xml version="1.0"?><assembly><unclosed>' >"$sxs/Manifests/$m"
expect broken-xml 1 manifest-unreadable package-cat-chain-unchecked

[ $failures = 0 ]
