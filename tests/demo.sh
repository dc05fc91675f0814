#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo: scan the synthetic broken branch PC (and a healthy store, which
# must come out clean), explain its failed updates
# from its servicing logs (sxscheck cbs --root), compare it with its healthy
# twin (a live golden image, then the reference manifest captured from it),
# and write the PowerShell repair script (written, never run).
set -u
cd "$(dirname "$0")/.." || exit 1
sxscheck=./build/src/cli/sxscheck
out=${TMPDIR:-/tmp}/sxscheck-demo
mkdir -p "$out"
say() { printf '\n$ %s\n' "$*"; }

say sxscheck scan testdata/images/branch-pc
"$sxscheck" scan testdata/images/branch-pc

say sxscheck scan testdata/images/healthy-17763
echo "(a healthy store in the shapes real ones have: superseded and staged versions, differentials"
echo " under servicing\\LCU, a disabled feature, a removed Feature on Demand; no error, no warning)"
"$sxscheck" scan testdata/images/healthy-17763 | sed -n '/^Summary:/,$p'

say sxscheck cbs --root testdata/images/branch-pc
"$sxscheck" cbs --root testdata/images/branch-pc

say sxscheck compare testdata/images/branch-pc --golden testdata/images/golden-pc
"$sxscheck" compare testdata/images/branch-pc --golden testdata/images/golden-pc

say sxscheck compare testdata/images/branch-pc --reference manifests/golden-pc-17763.1613.sxsref \
	--script=ps1 -o "$out/repair-branch-pc.ps1"
"$sxscheck" compare testdata/images/branch-pc --reference manifests/golden-pc-17763.1613.sxsref \
	--script=ps1 -o "$out/repair-branch-pc.ps1" >/dev/null
echo "The same plan, from the reference manifest, as a PowerShell script for the branch PC:"
echo "$out/repair-branch-pc.ps1 ($(wc -l <"$out/repair-branch-pc.ps1") lines). Its parameters:"
echo
sed -n '/^\[CmdletBinding/,/^)/p' "$out/repair-branch-pc.ps1"
echo "..."
echo "Run it on the branch PC as Administrator, first with -WhatIf:"
printf '%s\n' "  .\\repair-branch-pc.ps1 -Source '\\\\GOLDEN-PC\\C\$\\Windows\\WinSxS' -WhatIf"
exit 0
