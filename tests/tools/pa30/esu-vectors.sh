#!/bin/sh
# SPDX-License-Identifier: MIT
# Unpack the real KB4528069 (Windows 7 ESU, 2019-10) express deltas into a
# vectors folder that tests/unit/pa30/test_pe_vectors.c reads as pe/esu/:
#
#   tests/tools/pa30/esu-vectors.sh X64.msu X86.msu OUTDIR [SXSCHECK]
#
# The .msu files are public (HackAndPwn/Windows-7-ESU-Analysis, 2019_10/,
# sha256 3b531e05... for x64).  Microsoft binaries: put OUTDIR under
# ../shared/vectors/pe/esu, never in the project.  The amd64 calc.exe that
# the PE delta applies to is rebuilt here from the RAW delta (its cix hash
# 7e1a2b97... is checked), so SXSCHECK (default build/src/cli/sxscheck) must
# decode a length code with a single used symbol (issue 14).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 X64.msu X86.msu OUTDIR [SXSCHECK]" >&2; exit 2; }
out=$3
sxscheck=${4:-$(cd "$(dirname "$0")/../../.." && pwd)/build/src/cli/sxscheck}
command -v cabextract >/dev/null || { echo "$0: cabextract not found" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# unpack MSU NAME: the .msu is a cab holding the update cab
unpack() {
	mkdir -p "$tmp/$2/msu" "$tmp/$2/cab"
	cabextract -q -d "$tmp/$2/msu" "$1" 2>/dev/null
	cabextract -q -d "$tmp/$2/cab" "$tmp/$2/msu"/Windows6.1-KB4528069-*.cab 2>/dev/null
}
unpack "$1" x64
unpack "$2" x86
mkdir -p "$out"
cp "$tmp/x64/cab/0" "$out/x64-0.pa30"
cp "$tmp/x64/cab/1" "$out/x64-1.pa30"
cp "$tmp/x86/cab/0" "$out/x86-0.pa30"
cp "$tmp"/x64/cab/amd64_microsoft-windows-calc_*.manifest "$out/amd64-calc.manifest"
cp "$tmp"/x86/cab/x86_microsoft-windows-calc_*.manifest "$out/x86-calc.manifest"
"$sxscheck" delta apply "$out/amd64-calc.manifest" "$out/x64-0.pa30" -o "$out/amd64-calc.exe"
want=7e1a2b97810e4f117bf1556f7e8d08da861e9a1a5388c72d6fa52a2eafd32be6
got=$(sha256sum "$out/amd64-calc.exe" | cut -c1-64)
[ "$got" = "$want" ] || { echo "$0: amd64 calc.exe is $got, not $want" >&2; exit 1; }
cat >"$out/vectors.txt" <<EOT
# KB4528069 (Windows 7 ESU, 2019-10) express cab deltas; each source is the delta's
# <Basis> in _manifest_.cix.xml (never commit them)
amd64-calc.manifest x64-0.pa30 $want raw-lone-length-code
amd64-calc.exe x64-1.pa30 46e4963725310b0e1cc052344277b8a4ce1f0c196a6e284e747471a7d49510bb pe-amd64
x86-calc.manifest x86-0.pa30 46e4963725310b0e1cc052344277b8a4ce1f0c196a6e284e747471a7d49510bb raw-e8
EOT
echo "$out: 3 vectors"
