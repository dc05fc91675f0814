# SPDX-License-Identifier: MIT
"""PSFX differentials and DCS payloads for the demo images (issue 14).

Called from mkimages.py.  Shapes follow psfx.md §2.1 and calibration.md §1:
an updated component keeps its current full file with r\\ (current -> RTM,
PRSM reversal data, SHA-1 TargetHash) and f\\ (RTM -> current, SHA-256
TargetHash); a file added after RTM has n\\ (against empty input); a
superseded version cleaned up on a small disk is stored as DCS (LZMS).
Every differential is made by tests/tools/pa30/mkpsfx, which applies it again
before writing it.

The branch PC, modeled on the support case's first PC (0x800f0985):
  - Microsoft-Windows-Win32k: its r\\win32kfull.sys was made against an
    earlier build of win32kfull.sys, so applied to the file in the folder it
    does not rebuild the RTM base (CRC-32 and header are fine): scan predicts
    0x800f0985, compare replaces the folder from the golden PC;
  - amd64 Microsoft-Windows-Kernel32: r\\kernel32.dll fails its CRC-32 (a
    damaged differential, "CSI Payload Corrupt" in CBS.log).
"""
import os
import subprocess
import tempfile


def components(ident, build):
    """Extra components for mkimages.components(): (identity, files)."""
    # flags: "psfx" f\ + r\, "null" n\, "dcs" stored as DCS (LZMS)
    return [(ident("Microsoft-Windows-Win32k", build),
             [("win32kfull.sys", "win32kfull.sys", 90000, "psfx"),
              ("win32kns.sys", "win32kns.sys", 24000, "null")])]


# components whose files all get f\ and r\ (besides the "psfx" flag)
PSFX_COMPONENTS = ("Microsoft-Windows-Kernel32",)
# superseded versions kept as DCS on both PCs
DCS_VERSIONS = {("Microsoft-Windows-HyperV-ComputeLib-Legacy", "10.0.17763.1490")}


def _mutate(data, key, payload_bytes):
    """An older build of a file: a block rewritten, bytes patched, a block moved."""
    n = len(data)
    b = bytearray(data)
    a = n // 3
    b[a:a + 3000] = payload_bytes(key + "/old-block", 3000)
    for k in (n // 7, n // 2 + 13, n - 77):
        b[k] ^= 0x5A
    moved = bytes(b[n // 2:n // 2 + 4096])
    del b[n // 2:n // 2 + 4096]
    b[1000:1000] = moved
    del b[-500:]
    return bytes(b)


def _mkpsfx(tools, mode, inputs, extra=()):
    with tempfile.TemporaryDirectory() as td:
        paths = []
        for idx, data in enumerate(inputs):
            p = os.path.join(td, "in%d" % idx)
            with open(p, "wb") as f:
                f.write(data)
            paths.append(p)
        out = os.path.join(td, "out")
        subprocess.run([tools.mkpsfx, mode] + list(extra) + paths + [out], check=True)
        with open(out, "rb") as f:
            return f.read()


def stored_form(tools, i, fname, data):
    """The bytes written for a payload: DCS for cleaned-up superseded versions."""
    if tools.mkpsfx and (i["name"], i["version"]) in DCS_VERSIONS:
        return _mkpsfx(tools, "dcs", [data], ["--block=4096"])
    return data


def write(tools, write_file, folder, i, files, kf, broken, payload_bytes, file_data):
    """f\\, r\\ and n\\ files of one component (file_data: name -> full file bytes)."""
    if not tools.mkpsfx:
        return
    for (fname, _ondisk, _size, flags) in files:
        cur = file_data[fname]
        if "null" in flags:
            write_file(os.path.join(folder, "n", fname), _mkpsfx(tools, "null", [cur]))
            continue
        if "psfx" not in flags and i["name"] not in PSFX_COMPONENTS:
            continue
        write_pair(tools, write_file, folder, kf, fname, cur, payload_bytes,
                   # r\ of an earlier build of the file: 0x800f0985 on the branch PC
                   earlier=broken and i["name"] == "Microsoft-Windows-Win32k",
                   # a damaged differential: fails its CRC-32
                   corrupt_r=broken and i["name"] == "Microsoft-Windows-Kernel32"
                   and i["arch"] == "amd64")


def write_pair(tools, write_file, folder, kf, fname, cur, payload_bytes, earlier=False,
               corrupt_r=False):
    """f\\<fname> (RTM -> cur) and r\\<fname> (cur -> RTM) under folder."""
    rtm = _mutate(cur, kf + "/" + fname + "/rtm", payload_bytes)
    fwd = _mkpsfx(tools, "forward", [rtm, cur])
    if earlier:
        old = _mutate(cur, kf + "/" + fname + "/earlier", payload_bytes)
        rev = _mkpsfx(tools, "reverse", [old, rtm])
    else:
        rev = _mkpsfx(tools, "reverse", [cur, rtm])
    if corrupt_r:
        rev = rev[:40] + bytes([rev[40] ^ 0x5A]) + rev[41:]
    write_file(os.path.join(folder, "f", fname), fwd)
    write_file(os.path.join(folder, "r", fname), rev)
