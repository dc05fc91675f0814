#!/bin/sh
# SPDX-License-Identifier: MIT
# Wrong or unusual targets say so (issue 15): ROOT pointing at WinSxS or
# System32, a Windows older than 10 (its version read, never assumed), an
# image without hives (a warning unless --no-registry), a hibernated volume.
# Each case is a fresh copy of golden-pc.
#
# usage: targets.sh SRCROOT SXSCHECK MKHIVE JSONCHECK
set -u
srcroot=$1 sxscheck=$2 mkhive=$3 jsoncheck=$4
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
src="$srcroot/testdata/images/golden-pc"
sources="$srcroot/testdata/images/sources/golden-pc"
failures=0

fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}

fresh() {
	rm -rf "$tmp/img"
	cp -a "$src" "$tmp/img"
	cfg="$tmp/img/Windows/System32/config"
}

# expect NAME EXIT IDS... (scan of $tmp/img with $opts): sorted unique ids
opts=
expect() {
	name=$1 want=$2
	shift 2
	# shellcheck disable=SC2086
	"$sxscheck" scan --format=json $opts "$tmp/img" >"$tmp/out.json" 2>"$tmp/err"
	got=$?
	ids=$(i=0; while id=$("$jsoncheck" "findings.$i.id" <"$tmp/out.json" 2>/dev/null); do
		echo "$id"; i=$((i + 1)); done | sort -u |
		grep -vx package-cat-chain-unchecked | tr '\n' ' ') # golden-pc's package catalogs: a constant note
	ids=${ids% }
	if [ "$got" != "$want" ] || [ "$ids" != "$*" ] || [ -s "$tmp/err" ]; then
		fail "$name: exit $got (want $want), ids '$ids' (want '$*')"
		cat "$tmp/err" >&2
		return 1
	fi
	echo "ok   $name"
}

# SOFTWARE with its CurrentVersion key replaced by the lines on stdin
software_with() {
	awk -v repl="$1" '
		/^\[/ { skip = ($0 == "[Microsoft\\Windows NT\\CurrentVersion]") }
		skip && /^\[/ { print; while ((getline line < repl) > 0) print line; next }
		!skip { print }' "$sources/SOFTWARE.txt" >"$tmp/software.txt"
	"$mkhive" "$tmp/software.txt" "$cfg/SOFTWARE" || exit 99
}

# --- ROOT is not a volume ---------------------------------------------
for dir in Windows/WinSxS Windows/System32; do
	fresh
	mkdir -p "$tmp/img/Windows/System32/drivers"
	"$sxscheck" scan "$tmp/img/$dir" >/dev/null 2>"$tmp/err"
	rc=$?
	leaf=${dir#Windows/}
	if [ $rc -ne 3 ] || ! grep -q "this looks like .*$leaf.*pass the volume root (the folder that holds Windows/) or the Windows folder" "$tmp/err"; then
		fail "ROOT=$dir: exit $rc: $(cat "$tmp/err")"
	else
		echo "ok   ROOT=$dir says what to pass instead"
	fi
done
fresh
"$sxscheck" scan "$tmp/img/Windows/System32/config" >/dev/null 2>"$tmp/err"
grep -q "this looks like Windows/System32/config.*sxscheck hive recover" "$tmp/err" ||
	fail "ROOT=config: $(cat "$tmp/err")"
# the volume mounted at ROOT/windows, ROOT given
mkdir "$tmp/above" && mv "$tmp/img" "$tmp/above/windows"
"$sxscheck" scan "$tmp/above" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -ne 3 ] || ! grep -q "ROOT is the folder above the volume; pass $tmp/above/windows$" "$tmp/err"; then
	fail "ROOT above the volume: exit $rc: $(cat "$tmp/err")"
else
	echo "ok   ROOT above the volume says which folder to pass"
fi
rm -rf "$tmp/above"
"$sxscheck" scan "$srcroot/testdata" >/dev/null 2>"$tmp/err"
grep -q "no Windows directory" "$tmp/err" && ! grep -q "looks like a WinSxS" "$tmp/err" ||
	fail "a folder with a Manifests subfolder but no component folders is not called WinSxS"

# --- Windows version --------------------------------------------------
fresh
printf '%s\n' 'ProductName = sz:"Windows 7 Professional"' 'CurrentVersion = sz:"6.1"' \
	'CurrentBuild = sz:"7601"' 'CurrentBuildNumber = sz:"7601"' \
	'CSDVersion = sz:"Service Pack 1"' >"$tmp/cv"
software_with "$tmp/cv"
expect windows-7 1 windows-version-unsupported
"$sxscheck" scan "$tmp/img" >"$tmp/out.txt"
grep -q "^Image: Windows 7 Professional Service Pack 1, build 6.1.7601$" "$tmp/out.txt" ||
	fail "windows-7: Image line: $(grep Image "$tmp/out.txt")"
grep -q "Windows 6.1 (build 6.1.7601), older than Windows 10" "$tmp/out.json" ||
	fail "windows-7: message"

# Windows 10 keeps CurrentVersion "6.3" for old programs: the DWORDs win
fresh
printf '%s\n' 'ProductName = sz:"Windows 10 Enterprise LTSC 2019"' 'CurrentVersion = sz:"6.3"' \
	'CurrentBuild = sz:"17763"' 'UBR = dword:1613' 'CurrentMajorVersionNumber = dword:10' \
	'CurrentMinorVersionNumber = dword:0' >"$tmp/cv"
software_with "$tmp/cv"
expect windows-10-with-legacy-version 0
[ "$("$jsoncheck" build <"$tmp/out.json")" = 10.0.17763.1613 ] || fail "windows-10: build"

# no version at all: no build is made up
fresh
printf '%s\n' 'ProductName = sz:"Windows"' >"$tmp/cv"
software_with "$tmp/cv"
expect no-version 0
"$jsoncheck" build <"$tmp/out.json" >/dev/null 2>&1 && fail "no-version: a build was reported"

# a findings-bearing Windows 7 store: its findings are tentative
fresh
printf '%s\n' 'ProductName = sz:"Windows 7 Professional"' 'CurrentVersion = sz:"6.1"' \
	'CurrentBuild = sz:"7601"' >"$tmp/cv"
software_with "$tmp/cv"
k32=$(cd "$tmp/img/Windows/WinSxS" && ls -d amd64_microsoft-windows-kernel32_*)
printf 'x' >>"$tmp/img/Windows/WinSxS/$k32/kernel32.dll"
"$sxscheck" scan --format=json "$tmp/img" >"$tmp/out.json"
t=$("$jsoncheck" findings.1.tentative <"$tmp/out.json" 2>/dev/null)$("$jsoncheck" findings.0.tentative <"$tmp/out.json" 2>/dev/null)
case $t in
*"older than Windows 10"*) echo "ok   windows-7 findings are tentative" ;;
*) fail "windows-7: the payload finding is not tentative" ;;
esac

# --- no hives ----------------------------------------------------------
# an image without compressed manifests, so nothing else needs COMPONENTS
fresh
for m in "$tmp/img/Windows/WinSxS/Manifests"/*; do
	if [ "$(head -c 3 "$m")" = DCM ]; then
		k=$(basename "$m" .manifest)
		rm -rf "$m" "$tmp/img/Windows/WinSxS/$k"
	fi
done
rm "$cfg/COMPONENTS" "$cfg/SOFTWARE"
expect no-hives 1 check-skipped registry-missing
opts=--no-registry
expect no-hives-files-only 0 check-skipped
opts=
"$sxscheck" scan --no-registry "$tmp/img" | grep -q "^  Registry: not read (--no-registry)$" ||
	fail "--no-registry: Registry line"

# --- hibernation -------------------------------------------------------
for sig in HIBR hibr RSTR; do
	fresh
	{ printf '%s' "$sig"; head -c 8188 /dev/zero; } >"$tmp/img/hiberfil.sys"
	expect "hiberfil-$sig" 1 volume-hibernated
	"$sxscheck" scan "$tmp/img" | sed -n 3p | grep -q "^Volume: .*hiberfil.sys starts with \"$sig\": read-only use only, repair scripts refuse$" ||
		fail "hiberfil-$sig: no Volume line up front"
done
for sig in wake zero; do
	fresh
	if [ $sig = zero ]; then head -c 8192 /dev/zero; else { printf wake; head -c 8188 /dev/zero; }; fi >"$tmp/img/HIBERFIL.SYS"
	expect "hiberfil-$sig" 0
	[ "$("$jsoncheck" hibernation.state <"$tmp/out.json")" = not-hibernated ] || fail "hiberfil-$sig: state"
done
fresh
expect no-hiberfil 0
[ "$("$jsoncheck" hibernation.state <"$tmp/out.json")" = none ] || fail "no hiberfil: state"
# ROOT = the Windows folder: the volume root (and hiberfil.sys) is out of reach
{ printf HIBR; head -c 100 /dev/zero; } >"$tmp/img/hiberfil.sys"
"$sxscheck" scan --format=json "$tmp/img/Windows" >"$tmp/out.json"
[ "$("$jsoncheck" hibernation.state <"$tmp/out.json")" = not-checked ] || fail "Windows folder as ROOT: hibernation state"

[ "$failures" -eq 0 ] || exit 1
exit 0
