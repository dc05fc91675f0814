#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile and odd inputs for `sxscheck cbs`, written into OUTDIR.

usage: mkfixtures.py SRCROOT OUTDIR [--big MB]

From the constructed excerpts of testdata/cbs/ (and the cab writer of
testdata/images/gen_logs.py): the same log as UTF-16LE with BOM, UTF-16LE
without BOM, LF-only, CR-only and without BOM; MSZIP and stored cabs, a
truncated cab, a cab with a flipped data byte (checksum), a cab with a bad
header; binary junk; another program's log; an empty file; a log with one
record of several MB; with --big, a healthy log of that many MB.
"""
import os
import random
import sys

srcroot, out = sys.argv[1], sys.argv[2]
big = int(sys.argv[sys.argv.index("--big") + 1]) if "--big" in sys.argv else 0
sys.path.insert(0, os.path.join(srcroot, "testdata", "images"))
import gen_logs  # noqa: E402

os.makedirs(out, exist_ok=True)
src = open(os.path.join(srcroot, "testdata", "cbs", "sppinstaller-0x8007000d.log"), "rb").read()
text = src[3:].decode("utf-8")


def w(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


w("utf16le-bom.log", b"\xff\xfe" + text.encode("utf-16-le"))
w("utf16le-nobom.log", text.encode("utf-16-le"))
w("utf16be-bom.log", b"\xfe\xff" + text.encode("utf-16-be"))
w("lf-only.log", text.replace("\r\n", "\n").encode())
w("cr-only.log", text.replace("\r\n", "\r").encode())
w("no-bom.log", text.encode())
cab = gen_logs.cab_bytes("CbsPersist_20210302091400.log", src)
w("CbsPersist_20210302091400.cab", cab)
w("stored.cab", gen_logs.cab_bytes("CbsPersist_20210302091401.log", src, compress=False))
w("truncated.cab", cab[:len(cab) // 2])
damaged = bytearray(cab)
damaged[len(cab) - 40] ^= 0x55
w("damaged.cab", bytes(damaged))
badhdr = bytearray(cab)
badhdr[24:26] = b"\x00\x09"  # version 9.0
badhdr[28:30] = b"\xff\xff"  # 65535 files
w("bad-header.cab", bytes(badhdr))
rnd = random.Random(13)
w("junk.bin", bytes(rnd.getrandbits(8) for _ in range(65536)))
w("another-program.log", b"".join(
    b"2021-03-02 09:14:%02d, Info                  SP     Setup phase %d (Panther setupact.log)\r\n" % (i % 60, i)
    for i in range(200)))
w("empty.log", b"")
w("text-not-a-log.txt", b"Dear admin,\nthis is a letter, not a CBS.log.\n" * 20)
# one record of 6 MB (a CSI record with a long operation list)
head = text.split("\r\n")[:16]
huge = "\r\n".join(head) + "\r\n" + gen_logs.Log("x", [2021, 3, 2, 9, 20, 0]).lines[0][:0]
rec = "2021-03-02 09:20:00, Info                  CSI    00000200 Performing 99999 operations as follows:\n"
rec += "".join("  (%d)  Uninstall: tlc: [l:40]'x' %s\n" % (i, "y" * 40) for i in range(90000))
w("huge-record.log", (huge + rec + "\r\n" + "\r\n".join(text.split("\r\n")[16:])).encode())
if big:
    # a healthy log of `big` MB: WU applicability sessions and CSI chatter (cbslog.md 8.1 noise)
    block = []
    for i in range(2000):
        block.append("2021-03-02 10:%02d:%02d, Info                  CBS    Session: 30869%03d_%d initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)" % (i // 60 % 60, i % 60, i % 1000, i))
        block.append("2021-03-02 10:%02d:%02d, Info                  CBS    Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]" % (i // 60 % 60, i % 60))
        block.append("2021-03-02 10:%02d:%02d, Info                  CSI    %08x Direct SIL provider: Number of files opened: 1." % (i // 60 % 60, i % 60, i))
    blk = ("\r\n".join(block) + "\r\n").encode()
    healthy = gen_logs.golden_cbs_log().text().encode("utf-8")
    with open(os.path.join(out, "big.log"), "wb") as f:
        f.write(healthy)
        n = len(healthy)
        while n < big << 20:
            f.write(blk)
            n += len(blk)
