#!/bin/sh
# SPDX-License-Identifier: MIT
# gen-findings.sh SXSCHECK TEMPLATE SCDOC OUTPUT: fill the registry into
# sxscheck-findings(7) at the @FINDINGS@ line and run scdoc.
set -eu
sxscheck=$1 template=$2 scdoc=$3 output=$4
body=$(mktemp)
trap 'rm -f "$body"' EXIT
"$sxscheck" findings --scdoc >"$body"
sed -e "/^@FINDINGS@\$/{r $body" -e 'd;}' "$template" | "$scdoc" >"$output"
