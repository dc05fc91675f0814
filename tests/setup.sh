#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what sxscheck needs on Debian 12 (as root; only what is missing),
# then configure and build it in ./build.  Safe to run again.
set -eu
cd "$(dirname "$0")/.."

packages="gcc pkg-config meson ninja-build libssl-dev libexpat1-dev libhivex-dev
libcmocka-dev libjson-c-dev zlib1g-dev scdoc python3 shellcheck libhivex-bin
ntfs-3g attr"
missing=
for p in $packages; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
		exit 1
	fi
	echo "setup: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq </dev/null >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing </dev/null >&2
fi
if [ ! -f build/build.ninja ]; then
	meson setup build >&2
fi
ninja -C build >&2
