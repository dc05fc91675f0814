#!/bin/sh
# SPDX-License-Identifier: MIT
# CI sanitizer legs.  Default: build with ASan+UBSan (every UBSan report
# fatal) in build-asan and run the unit, cli and fuzz suites there; leaks
# fail the run (detect_leaks=1).  `thread`: build with ThreadSanitizer and
# run the scans that use several threads (the walk/hash pipeline).  Ends
# with meson's own test summary.
#
# usage: tests/sanitize.sh [BUILDDIR [thread]]   (default: build-asan)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-asan}
san='-fno-sanitize-recover=all'

if [ "${2:-}" = thread ]; then
	if [ -f "$build/build.ninja" ]; then
		meson configure "$build" -Db_sanitize=thread >/dev/null
	else
		meson setup "$build" "$src" -Db_sanitize=thread
	fi
	ninja -C "$build"
	TSAN_OPTIONS=halt_on_error=1
	export TSAN_OPTIONS
	# TSan makes the smoke store (mkstore compresses its differentials) slow
	exec meson test -C "$build" --print-errorlogs --timeout-multiplier 4 bench-smoke store-psfx \
		scan-jobs-deterministic scan-branch-jobs1 scan-branch-text compare-golden-text
fi

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
