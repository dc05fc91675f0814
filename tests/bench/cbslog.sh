#!/bin/sh
# SPDX-License-Identifier: MIT
# CBS log triage benchmark: a healthy synthetic CBS.log of SIZE MB (default
# 16: WU applicability sessions, CBS_E_INVALID_PACKAGE noise and CSI chatter,
# tests/cbs/mkfixtures.py --big) read by `sxscheck cbs`, against `wc -l` and
# `grep -c HRESULT` over the same file, then a log twice as big; and the real
# 19.8 MB CbsPersist cab of ../shared/vectors when it is there.  Best of 5
# warm runs, wall time by perf_counter, peak RSS of the child.
#
# usage: sh tests/bench/cbslog.sh [BUILD_DIR] [SIZE_MB]
# Target (issue 13): a 16 MB healthy log well under a second; memory bounded
# by the largest record (peak RSS flat as the log grows).
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
size=${2:-16}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 tests/cbs/mkfixtures.py . "$tmp/1x" --big "$size" >/dev/null
python3 tests/cbs/mkfixtures.py . "$tmp/2x" --big $((size * 2)) >/dev/null
exec python3 - "$build/src/cli/sxscheck" "$tmp/1x/big.log" "$tmp/2x/big.log" \
	../shared/vectors/cbs/mattbalzan-mattGPT/CbsPersist_20251214161635.cab "$size" <<'PY'
import os, subprocess, sys, time
sx, log1, log2, cab, size = sys.argv[1:6]

RSS = os.path.join(os.path.dirname(log1), "rss")

def run(argv, shell=False):
    best = None
    for _ in range(5):
        t = time.perf_counter()
        p = subprocess.run(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t
        if p.returncode not in (0, 1):
            raise SystemExit("%s: exit %d" % (argv, p.returncode))
        best = dt if best is None else min(best, dt)
    # peak RSS from a separate run under /usr/bin/time (the timed runs stay unwrapped)
    cmd = ["/usr/bin/time", "-f", "%M", "-o", RSS] + (["sh", "-c", argv] if shell else argv)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss = int(open(RSS).read().split()[-1])
    return best, rss

lines = sum(1 for _ in open(log1, "rb"))
print("cbslog benchmark: %.1f MB healthy log, %d lines; %s" % (os.path.getsize(log1) / 2**20, lines, sx))
print("load average before the runs: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
rows = {}
for key, label, argv, shell in (
        ("a", "sxscheck cbs", [sx, "cbs", log1], False),
        ("b", "wc -l", ["wc", "-l", log1], False),
        ("c", "grep -c HRESULT", ["grep", "-c", "HRESULT", log1], False),
        ("d", "sxscheck cbs, log twice as big", [sx, "cbs", log2], False),
        ("e", "sxscheck cbs, real 19.8 MB cab", [sx, "cbs", cab], False),
        ("f", "cabextract -p | wc -l", "cabextract -p '%s' | wc -l" % cab, True)):
    if key in "ef" and not os.path.exists(cab):
        continue
    t, rss = run(argv, shell)
    rows[key] = t
    print("  (%s) %-32s %7.3f s  peak RSS %7.1f MiB" % (key, label, t, rss / 1024))
print()
print("  (a)/(c) = %.1f   (a)/(b) = %.1f   (d)/(a) = %.2f" % (rows["a"] / rows["c"], rows["a"] / rows["b"], rows["d"] / rows["a"]))
print("%s %s MB healthy log well under a second: %.3f s" % ("PASS" if rows["a"] < 0.5 else "FAIL", size, rows["a"]))
PY
