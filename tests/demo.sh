#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo: scan the synthetic broken branch PC, then compare it with its
# healthy twin and write the repair scripts (written, never run).
set -u
cd "$(dirname "$0")/.."
sxscheck=./build/src/cli/sxscheck
step() { printf '\n$ %s\n' "$*"; "$@"; }

step "$sxscheck" scan testdata/images/branch-pc
if "$sxscheck" compare --help >/dev/null 2>&1; then
	step "$sxscheck" compare testdata/images/branch-pc --golden testdata/images/golden-pc
	out=${TMPDIR:-/tmp}/sxscheck-demo
	mkdir -p "$out"
	step "$sxscheck" compare testdata/images/branch-pc --golden testdata/images/golden-pc \
		--script=ps1 -o "$out/repair-branch-pc.ps1"
	echo "(PowerShell repair script for the branch PC written to $out/repair-branch-pc.ps1)"
fi
exit 0
