#!/bin/sh
# SPDX-License-Identifier: MIT
# PA30 decode throughput on the real vectors (../shared/vectors).
#
#   tests/bench/pa30/bench.sh [BUILD_DIR] [ITERATIONS]
#
# BUILD_DIR defaults to ./build and must hold tests/tools/pa30/pa30bench
# (built by ninja when tests are enabled; use an optimised build, e.g.
# buildtype=debugoptimized or release).  Each delta is decoded ITERATIONS
# times in one process; figures are MB/s of decoded output (10^6 bytes).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build}
iters=${2:-2000}
bench=$build/tests/tools/pa30/pa30bench
vectors=${SXS_VECTORS:-$root/../shared/vectors}

if [ ! -x "$bench" ]; then
	echo "bench.sh: $bench not found; build it first (ninja -C $build)" >&2
	exit 2
fi
if [ ! -d "$vectors" ]; then
	echo "bench.sh: vectors not found at $vectors (set SXS_VECTORS); skipping" >&2
	exit 77
fi

base=$vectors/dcm/base_manifest.bin
set --
for f in "$vectors"/dcm/*.manifest; do
	set -- "$@" "$base" "$f"
done
set -- "$@" "$vectors/raw/cmd.exe" "$vectors/raw/cmd_to_where.pa30"

echo "pa30bench: $iters iterations per delta ($(uname -m), $(basename "$build"))"
"$bench" "$iters" "$@"
