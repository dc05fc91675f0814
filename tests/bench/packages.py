#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The package layer's cost: a store with N package pairs (servicing\\Packages,
self-made .mum/.cat written by mkcat) and their CBS registry keys, scanned with
and without the pairs, against `openssl dgst -sha256` reading the same files.

usage: packages.py SRCROOT SXSCHECK MKHIVE MKCAT [--packages N] [--repeat R] [--smoke]

A Windows 10 image has about 3,500 packages (packages.md §2.1); the default
N is that.  Figures, best of R runs each, after reading the files once:
  (p0) sxscheck scan --no-payload --jobs=1, servicing\\Packages moved away
  (p1) the same with the pairs: (p1)-(p0) is the package layer on one thread
  (p2) the same with --jobs=CPUs
  (p3) openssl dgst -sha256 over every .mum and .cat, one process
and the ratios ((p1)-(p0))/(p3) and ((p2)-(p0))/(p3).  --smoke (N=60, one run)
only checks that the store scans clean and that --jobs=1 and --jobs=2 give the
same JSON; the figures mean something only on a quiet machine.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("sxscheck")
    ap.add_argument("mkhive")
    ap.add_argument("mkcat")
    ap.add_argument("--packages", type=int, default=3500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.packages, a.repeat = 60, 1
    sys.path.insert(0, os.path.join(a.src, "testdata", "images"))
    import gen_packages as gp
    tools = types.SimpleNamespace(mkcat=a.mkcat, pki=os.path.join(a.src, "testdata", "pki"))

    tmp = tempfile.mkdtemp(prefix="sxs-bench-packages.")
    try:
        root = os.path.join(tmp, "img")
        win = os.path.join(root, "Windows")
        os.makedirs(os.path.join(win, "WinSxS", "Manifests"))
        cfg = os.path.join(win, "System32", "config")
        os.makedirs(cfg)
        kb = "KB4592440"
        foundation = dict(name="Microsoft-Windows-Foundation-Package", version="10.0.17763.1")
        subs = [gp.package("Package_%d_for_%s" % (n, kb), "10.0.1.7", identifier=kb,
                           parents=[foundation]) for n in range(1, a.packages)]
        lcu = gp.package("Package_for_RollupFix", "17763.1613.1.7", identifier=kb,
                         release_type="Security Update",
                         children=[("%s-%d_neutral_PACKAGE" % (kb[2:], i + 1), s, {})
                                   for i, s in enumerate(subs)])
        pkgs = [lcu] + subs
        t0 = time.time()
        lines = gp.write_packages(win, pkgs, tools)
        src = os.path.join(tmp, "SOFTWARE.txt")
        with open(src, "w") as f:
            f.write("\n".join(["[Microsoft\\Windows NT\\CurrentVersion]",
                               'CurrentBuild = sz:"17763"', "UBR = dword:1613",
                               "CurrentMajorVersionNumber = dword:10",
                               "CurrentMinorVersionNumber = dword:0", ""] + lines) + "\n")
        subprocess.run([a.mkhive, src, os.path.join(cfg, "SOFTWARE")], check=True)
        print("store: %d packages written in %.0f s" % (len(pkgs), time.time() - t0))

        pkgdir = os.path.join(win, "servicing", "Packages")
        files = sorted(os.path.join(pkgdir, f) for f in os.listdir(pkgdir))

        def scan(jobs):
            r = subprocess.run([a.sxscheck, "scan", "--no-payload", "--format=json",
                                "--progress=never", "--jobs=%d" % jobs, root],
                               capture_output=True, text=True)
            return r.returncode, r.stdout, r.stderr

        def best(fn):
            times = []
            for _ in range(a.repeat):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            return min(times)

        for f in files:  # warm cache
            with open(f, "rb") as h:
                h.read()
        rc1, out1, err1 = scan(1)
        rc2, out2, err2 = scan(2)
        strip = lambda s: re.sub(r'"elapsed[a-z_]*": *[0-9.e+-]*', '"elapsed": 0', s)
        doc = json.loads(out1)
        bad = [f for f in doc["findings"] if f["severity"] != "info"]
        if rc1 or err1 or bad or doc["stats"].get("package_pairs_verified") != len(pkgs):
            print("FAIL: the store does not scan clean: exit %d %s %s" % (rc1, err1, bad[:3]))
            return 1
        if strip(out1) != strip(out2) or rc2 or err2:
            print("FAIL: --jobs=1 and --jobs=2 give different reports")
            return 1
        if a.smoke:
            print("ok: %d packages scan clean, the same with 1 and 2 threads" % len(pkgs))
            return 0

        cpus = os.cpu_count() or 1
        p1 = best(lambda: scan(1))
        p2 = best(lambda: scan(cpus))
        p3 = best(lambda: subprocess.run(["xargs", "-0", "openssl", "dgst", "-sha256"],
                                         input=b"\0".join(f.encode() for f in files),
                                         stdout=subprocess.DEVNULL, check=True))
        shutil.move(pkgdir, pkgdir + ".away")
        p0 = best(lambda: scan(1))
        shutil.move(pkgdir + ".away", pkgdir)
        size = sum(os.path.getsize(f) for f in files)
        print("  %d pairs, %.1f MiB of .mum/.cat" % (len(pkgs), size / 1048576))
        print("  (p0) scan without the pairs, --jobs=1   %8.3f s" % p0)
        print("  (p1) scan with the pairs, --jobs=1      %8.3f s" % p1)
        print("  (p2) scan with the pairs, --jobs=%-3d    %8.3f s" % (cpus, p2))
        print("  (p3) openssl dgst -sha256 of the files  %8.3f s" % p3)
        print("  package layer: %.2f ms per pair on one thread; ((p1)-(p0))/(p3) = %.1f, "
              "((p2)-(p0))/(p3) = %.1f" % ((p1 - p0) * 1000 / len(pkgs), (p1 - p0) / p3,
                                           (p2 - p0) / p3))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
