#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate the demo images testdata/images/{branch-pc,golden-pc}.

Two synthetic Windows 10 1809 / Server 2019 (build 17763) volumes modeled on
the support case: a branch PC whose cumulative updates fail, and a healthy
colleague's PC.  Everything is derived from the tables below; key forms come
from `sxscheck keyform`, hives from `mkhive` (text sources are kept next to
the images), compressed manifests from `mkdcm`.  The output is deterministic:
the test suite regenerates it and compares with what is committed.

usage: mkimages.py --sxscheck BIN --mkhive BIN [--mkdcm BIN] [--mkpsfx BIN] [--out DIR]
"""
import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_logs  # noqa: E402
import gen_deltas  # noqa: E402  (issue 14: f/r/n differentials, DCS)

PKT = "31bf3856ad364e35"
BUILD = "10.0.17763.1613"


def ident(name, version, arch="amd64", lang=None, pkt=PKT, scope="nonSxS", type_=None):
    # the manifest says versionScope="nonSxS"; COMPONENTS writes NonSxS (formats.md 6.2)
    return dict(name=name, version=version, arch=arch, lang=lang, pkt=pkt, scope=scope, type=type_)


# (identity, [(file name in manifest, on-disk name, size, flags)], options)
#   flags: "systemdata" (writeableType="systemData"), "sha1" (sha1 digest)
def components():
    c = []
    c.append((ident("Microsoft-Windows-ServicingStack", BUILD),
              [("wcp.dll", "wcp.dll", None, "wcp"), ("CbsCore.dll", "cbscore.dll", 24000, "")]))
    c.append((ident("Microsoft-Windows-CodeIntegrity", BUILD),
              [("CI.dll", "ci.dll", 60000, ""), ("driver.stl", "driver.stl", 9000, "")]))
    c.append((ident("Microsoft-Windows-Notepad", "10.0.17763.1"),
              [("notepad.exe", "notepad.exe", 30000, "")]))
    c.append((ident("Microsoft-Windows-Notepad.Resources", "10.0.17763.1", lang="en-US"),
              [("notepad.exe.mui", "notepad.exe.mui", 3000, "")]))
    c.append((ident("Microsoft-Windows-Kernel32", BUILD),
              [("kernel32.dll", "kernel32.dll", 70000, "")]))
    c.append((ident("Microsoft-Windows-Kernel32", BUILD, arch="wow64"),
              [("kernel32.dll", "kernel32.dll", 50000, "")]))
    c.append((ident("Microsoft-Windows-Security-SPP", BUILD),
              [("sppobjs.dll", "sppobjs.dll", 40000, ""), ("sppsvc.exe", "sppsvc.exe", 20000, "")]))
    c.append((ident("Microsoft-Windows-Security-SPP-Component-SKU-EnterpriseS-License", "10.0.17763.1"),
              [("license.xrm-ms", "license.xrm-ms", 5000, ""),
               ("tokens.dat", "tokens.dat", 2000, "systemdata")]))
    for v in ("10.0.17763.1", "10.0.17763.1490", "10.0.17763.1554", BUILD):
        c.append((ident("Microsoft-Windows-HyperV-ComputeLib-Legacy", v),
                  [("vmcomputelegacy.dll", "vmcomputelegacy.dll", 12000, "")]))
    c.append((ident("Microsoft.Windows.Common-Controls", "6.0.17763.1613", pkt="6595b64144ccf1df",
                    scope=None, type_="win32"),
              [("comctl32.dll", "comctl32.dll", 35000, "sha1")]))
    c += gen_deltas.components(ident, BUILD)  # PSFX differentials, DCS (issue 14)
    return c


def payload_bytes(key, size):
    """Deterministic filler that looks vaguely like a PE file."""
    out = bytearray(b"MZ\x90\x00" + key.encode() + b"\x00")
    block = hashlib.sha256(key.encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def identity_string(i):
    parts = [i["name"], "Culture=" + (i["lang"] or "neutral")]
    if i["type"]:
        parts.append("Type=" + i["type"])
    parts += ["Version=" + i["version"], "PublicKeyToken=" + i["pkt"],
              "ProcessorArchitecture=" + i["arch"]]
    if i["scope"]:
        parts.append("versionScope=" + ("NonSxS" if i["scope"].lower() == "nonsxs" else i["scope"]))
    return ", ".join(parts)


def keyforms(sxscheck, i):
    out = subprocess.run([sxscheck, "keyform", identity_string(i)], check=True,
                         capture_output=True, text=True).stdout
    d = {}
    for line in out.splitlines():
        k, v = line.split(":", 1)
        d[k.strip()] = v.strip()
    return d


def manifest_xml(i, files, digests):
    attrs = [f'name="{i["name"]}"', f'version="{i["version"]}"',
             f'processorArchitecture="{i["arch"]}"']
    if i["lang"]:
        attrs.append(f'language="{i["lang"]}"')
    elif not i["type"]:
        attrs.append('language="neutral"')
    attrs += ['buildType="release"', f'publicKeyToken="{i["pkt"]}"']
    if i["scope"]:
        attrs.append(f'versionScope="{i["scope"]}"')
    if i["type"]:
        attrs.insert(0, f'type="{i["type"]}"')
    lines = ['<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
             '<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0" '
             'copyright="Copyright (c) Microsoft Corporation. All Rights Reserved.">',
             '  <assemblyIdentity ' + " ".join(attrs) + ' />']
    for (name, _ondisk, _size, flags) in files:
        alg = "sha1" if "sha1" in flags else "sha256"
        extra = ' writeableType="systemData"' if "systemdata" in flags else ""
        sd = "#MutableFileDefaultSecurityDescriptor" if "systemdata" in flags else "WRP_FILE_DEFAULT_SDDL"
        lines += [
            f'  <file name="{name}" destinationPath="$(runtime.system32)\\" sourceName="{name}" '
            f'importPath="$(build.nttree)\\"{extra}>',
            f'    <securityDescriptor name="{sd}" />',
            '    <asmv2:hash xmlns:asmv2="urn:schemas-microsoft-com:asm.v2" '
            'xmlns:dsig="http://www.w3.org/2000/09/xmldsig#">',
            '      <dsig:Transforms>',
            '        <dsig:Transform Algorithm="urn:schemas-microsoft-com:HashTransforms.Identity" />',
            '      </dsig:Transforms>',
            f'      <dsig:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#{alg}" />',
            f'      <dsig:DigestValue>{digests[name]}</dsig:DigestValue>',
            '    </asmv2:hash>',
            '  </file>']
    lines.append('</assembly>')
    return ("\r\n".join(lines) + "\r\n").encode()


# ---- a tiny PE32+ image carrying the DCM base manifest as resource 0x266/1 ----

def fake_wcp_dll(base):
    """A minimal PE32+ DLL whose only content is resource type 0x266, id 1, language 1033."""
    import struct
    file_align, sect_align = 0x200, 0x1000
    rsrc_rva = 0x1000
    # resource directory: root(type) -> id -> language -> data entry
    def dirhdr(n_ids):
        return struct.pack("<IIHHHH", 0, 0, 0, 0, 0, n_ids)
    root = dirhdr(1) + struct.pack("<II", 0x266, 0x80000000 | 0x18)
    lvl2 = dirhdr(1) + struct.pack("<II", 1, 0x80000000 | 0x30)
    lvl3 = dirhdr(1) + struct.pack("<II", 1033, 0x48)
    data_off = 0x58
    entry = struct.pack("<IIII", rsrc_rva + data_off, len(base), 0, 0)
    rsrc = root + lvl2 + lvl3 + entry
    assert len(rsrc) == data_off
    rsrc += base
    raw_size = (len(rsrc) + file_align - 1) // file_align * file_align
    virt_size = len(rsrc)
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x8664, 1, 0, 0, 0, 240, 0x2022)
    image_size = rsrc_rva + (virt_size + sect_align - 1) // sect_align * sect_align
    headers_size = 0x200
    opt = struct.pack("<HBBIIIII", 0x20B, 14, 0, 0, raw_size, 0, 0, 0)
    opt += struct.pack("<QIIHHHHHHIIIIHHQQQQII", 0x180000000, sect_align, file_align,
                       10, 0, 10, 0, 10, 0, 0, image_size, headers_size, 0, 3, 0x160,
                       0x40000, 0x1000, 0x100000, 0x1000, 0, 16)
    dirs = [(0, 0)] * 16
    dirs[2] = (rsrc_rva, virt_size)
    opt += b"".join(struct.pack("<II", a, b) for a, b in dirs)
    assert len(opt) == 240
    sect = struct.pack("<8sIIIIIIHHI", b".rsrc", virt_size, rsrc_rva, raw_size, headers_size,
                       0, 0, 0, 0, 0x40000040)
    hdr = bytes(dos) + coff + opt + sect
    hdr += b"\0" * (headers_size - len(hdr))
    return hdr + rsrc + b"\0" * (raw_size - len(rsrc))


def winners_families(comps, sxscheck):
    fam = {}
    for i, _files in comps:
        kf = keyforms(sxscheck, i)
        fam.setdefault(kf["winners"], []).append(i["version"])
    return fam


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def build_image(out, name, broken, tools, base):
    root = os.path.join(out, name)
    shutil.rmtree(root, ignore_errors=True)
    # the broken PC's disk shows lower-case folder names (an ntfs-3g mount is
    # case-sensitive, Windows is not): sxscheck must find them all the same
    win = "Windows"
    sxs = "winsxs" if broken else "WinSxS"
    mdir = "manifests" if broken else "Manifests"
    cfg = os.path.join(root, win, "system32" if broken else "System32", "config")
    winsxs = os.path.join(root, win, sxs)
    comps = components()
    src_dir = os.path.join(out, "sources", name)
    shutil.rmtree(src_dir, ignore_errors=True)
    os.makedirs(src_dir)

    comp_src = ["# COMPONENTS hive of %s (generated by mkimages.py)" % name, "",
                "[ServicingStackVersions]",
                'LastWCPVersionToAccessStore = sz:"%s (WinBuild.160101.0800)"' % BUILD, ""]
    for i, files in comps:
        kf = keyforms(tools.sxscheck, i)["keyform"]
        digests = {}
        file_data = {}
        for (fname, ondisk, size, flags) in files:
            data = fake_wcp_dll(base) if flags == "wcp" else payload_bytes(kf + "/" + fname, size)
            alg = hashlib.sha1 if "sha1" in flags else hashlib.sha256
            digests[fname] = base64.b64encode(alg(data).digest()).decode()
            if "systemdata" in flags:
                data = data[:100] + b"changed at run time" + data[119:]  # legitimately differs
            if broken and fname in ("driver.stl", "sppobjs.dll"):
                data = data[:200] + bytes(b ^ 0xFF for b in data[200:216]) + data[216:]
            file_data[fname] = data
            write(os.path.join(winsxs, kf, ondisk), gen_deltas.stored_form(tools, i, fname, data))
        gen_deltas.write(tools, write, os.path.join(winsxs, kf), i, files, kf, broken,
                         payload_bytes, file_data)
        mname = kf + ".manifest"
        if broken and i["name"] == "Microsoft-Windows-Notepad":
            mname = mname.upper().replace(".MANIFEST", ".manifest")
        xml = manifest_xml(i, files, digests)
        mpath = os.path.join(winsxs, mdir, mname)
        write(mpath, xml)
        if tools.mkdcm and i["name"] in DCM_COMPONENTS:
            tmp = mpath + ".xml"
            os.rename(mpath, tmp)
            subprocess.run([tools.mkdcm, tools.base_path, tmp, mpath], check=True)
            os.unlink(tmp)
        comp_src += ["[DerivedData\\Components\\%s]" % kf,
                     'identity = binary-text:"%s"' % identity_string(i),
                     'S256H = hex:%s' % hashlib.sha256(xml).hexdigest()]
        for (fname, _o, _s, _f) in files:
            comp_src.append('"f!%s" = dword:0x1' % fname.lower())
        comp_src.append("")

    fam = winners_families(comps, tools.sxscheck)
    soft_src = ["# SOFTWARE hive of %s (generated by mkimages.py)" % name, "",
                "[Microsoft\\Windows NT\\CurrentVersion]",
                'ProductName = sz:"Windows 10 Enterprise LTSC 2019"',
                'CurrentBuild = sz:"17763"', "UBR = dword:1613",
                "CurrentMajorVersionNumber = dword:10", "CurrentMinorVersionNumber = dword:0", ""]
    for key in sorted(fam):
        versions = sorted(fam[key], key=vkey)
        if broken and "computelib-legacy" in key:
            continue  # "does not have a winner but has 4 other component versions"
        winner = versions[-1]
        if broken and "codeintegrity" in key:
            winner = "10.0.17763.1554"  # an older version, no longer in the store
            versions = sorted(set(versions) | {winner}, key=vkey)
        band = ".".join(winner.split(".")[:2])
        soft_src += ["[Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\%s]" % key,
                     '@ = sz:"%s"' % band, "",
                     "[Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\%s\\%s]" % (key, band),
                     '@ = sz:"%s"' % winner]
        soft_src += ['"%s" = binary:01' % v for v in versions]
        soft_src.append("")

    # servicing logs and the SYSTEM hive (minifilters): gen_logs.py (issue 13)
    gen_logs.write_logs(root, broken)
    sys_src = gen_logs.system_hive_source(name, broken)
    for hive, text in (("COMPONENTS", comp_src), ("SOFTWARE", soft_src), ("SYSTEM", sys_src)):
        src = os.path.join(src_dir, hive + ".txt")
        with open(src, "w") as f:
            f.write("\n".join(text) + "\n")
        os.makedirs(cfg, exist_ok=True)
        subprocess.run([tools.mkhive, src, os.path.join(cfg, hive)], check=True)


# components stored DCM-compressed (as every Windows 10 manifest is)
DCM_COMPONENTS = ("Microsoft-Windows-Kernel32", "Microsoft-Windows-Notepad.Resources")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sxscheck", required=True)
    ap.add_argument("--mkhive", required=True)
    ap.add_argument("--mkdcm")
    ap.add_argument("--mkpsfx", help="tests/tools/pa30/mkpsfx: f/r/n differentials, DCS")
    ap.add_argument("--base", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "base-manifest.xml"),
                    help="self-authored DCM base manifest")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    tools = ap.parse_args()
    tools.base_path = tools.base
    with open(tools.base, "rb") as f:
        base = f.read()
    for name, broken in (("golden-pc", False), ("branch-pc", True)):
        build_image(tools.out, name, broken, tools, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
