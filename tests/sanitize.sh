#!/bin/sh
# SPDX-License-Identifier: MIT
# CI sanitizer leg: build with ASan+UBSan (every UBSan report fatal) in
# build-asan and run the unit, cli and fuzz suites there.  Leaks fail the
# run (detect_leaks=1).  Ends with meson's own test summary.
#
# usage: tests/sanitize.sh [BUILDDIR]   (default: build-asan in the source tree)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-asan}
san='-fno-sanitize-recover=all'

if [ -f "$build/build.ninja" ]; then
	meson configure "$build" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args="$san" -Dc_link_args="$san" >/dev/null
else
	meson setup "$build" "$src" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args="$san" -Dc_link_args="$san"
fi
ninja -C "$build"

ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
exec meson test -C "$build" --print-errorlogs --suite unit --suite cli --suite fuzz
