#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what sxscheck needs on Debian 12 (as root; only what is missing),
# then configure and build it in ./build.  Safe to run again.
set -eu
cd "$(dirname "$0")/.."

packages="gcc pkg-config meson ninja-build libssl-dev libexpat1-dev libhivex-dev
libcmocka-dev libjson-c-dev zlib1g-dev scdoc python3 shellcheck libhivex-bin
ntfs-3g attr libmspack-dev"
missing=
for p in $packages; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# node and npm for the ps1 parse test (tree-sitter-powershell); any install of
# them will do, Debian's when there is none
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
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
# the npm packages of the ps1 parse test, into tests/ps1/node_modules (pinned
# by tests/ps1/package-lock.json; prebuilt binaries, no install scripts)
if [ ! -f tests/ps1/node_modules/tree-sitter-powershell/package.json ]; then
	(cd tests/ps1 && npm ci --ignore-scripts --no-audit --no-fund </dev/null) >&2
fi
