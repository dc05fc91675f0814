#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate the demo images testdata/images/{branch-pc,golden-pc,...}.

Two synthetic Windows 10 1809 / Server 2019 (build 17763) volumes modeled on
the support case: a branch PC whose cumulative updates fail, and a healthy
colleague's PC; the gen_*.py modules next to this file add their content to
them (contribute_<image>(img)) and may build images of their own (images()),
e.g. gen_healthy.py's healthy-17763.  Everything is derived from tables; key
forms come from `sxscheck keyform`, hives from `mkhive` (text sources are kept
in sources/), compressed manifests from `mkdcm`, catalogs from `mkcat`,
f\\ r\\ n\\ differentials and DCS payloads from `mkpsfx` (gen_deltas.py).  The
output is deterministic: the test suite regenerates it and compares with what
is committed.  Regenerate after a change with

  python3 testdata/images/mkimages.py --sxscheck build/src/cli/sxscheck \
      --mkhive build/tests/tools/mkhive/mkhive --mkdcm build/tests/tools/pa30/mkdcm \
      --mkcat build/tests/tools/mkcat/mkcat --mkpsfx build/tests/tools/pa30/mkpsfx

usage: mkimages.py --sxscheck BIN --mkhive BIN [--mkdcm BIN] [--mkcat BIN] [--mkpsfx BIN]
                   [--out DIR]
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


_KEYFORMS = {}


def keyforms(sxscheck, i):
    key = identity_string(i)
    if key in _KEYFORMS:
        return _KEYFORMS[key]
    out = subprocess.run([sxscheck, "keyform", identity_string(i)], check=True,
                         capture_output=True, text=True).stdout
    d = {}
    for line in out.splitlines():
        k, v = line.split(":", 1)
        d[k.strip()] = v.strip()
    _KEYFORMS[key] = d
    return d


def identity_attrs(i):
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
    return attrs


def manifest_xml(i, files, digests, deployment=False, deps=()):
    attrs = identity_attrs(i)
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
    if deployment:
        lines.append('  <deployment xmlns="urn:schemas-microsoft-com:asm.v3" />')
    for d in deps:
        # a deployment installs its dependencyType="install" dependencies (packages.md §5.1)
        lines += ['  <dependency discoverable="no">',
                  '    <dependentAssembly dependencyType="install">',
                  '      <assemblyIdentity ' + " ".join(identity_attrs(d)) + ' />',
                  '    </dependentAssembly>',
                  '  </dependency>']
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


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---- the key-form string hash (formats.md §1.4), for deployment mark names ----

def string_hash(s):
    """H(s): four x65599 lanes over the lower-cased UTF-16 code units."""
    lanes = [0, 0, 0, 0]
    for n, ch in enumerate(s.encode("utf-16-le")[0::2]):
        c = ch + 32 if 65 <= ch <= 90 else ch
        lanes[n % 4] = (lanes[n % 4] * 65599 + c) & 0xFFFFFFFF
    return (lanes[0] * 0x1E5FFFFFD27 + lanes[1] * 0xFFFFFFDC00000051 +
            lanes[2] * 0x1FFFFFFF7 + lanes[3]) & 0xFFFFFFFFFFFFFFFF


def mark_name(kind, s):
    """p!/s!/i! value name of packages.md §5.2."""
    return "%s!CBS_%s_%016x" % (kind, s.lower()[:60], string_hash(s))


def mark_data(s, flag=1, extra=0x32):
    """u32 length, u32 flag, the string, one more byte when flag is 1 (GW; VPX)."""
    import struct
    d = struct.pack("<II", len(s), flag) + s.encode()
    return d + (bytes([extra]) if flag == 1 else b"")


# ---- an image ----------------------------------------------------------------

class Image:
    """One generated volume: components (payloads, manifests, COMPONENTS keys),
    deployments with their marks and catalogs, Winners, and whatever the
    gen_*.py modules add (files, SOFTWARE and COMPONENTS text-source lines).
    The hives are built in finish() from text sources kept in sources/<name>."""

    def __init__(self, tools, out, name, base, lower=False, build=BUILD):
        self.tools, self.out, self.name, self.base, self.build = tools, out, name, base, build
        self.root = os.path.join(out, name)
        shutil.rmtree(self.root, ignore_errors=True)
        # a broken PC's disk may show lower-case folder names (an ntfs-3g mount
        # is case-sensitive, Windows is not): sxscheck must find them all the same
        self.win = os.path.join(self.root, "Windows")
        self.winsxs = os.path.join(self.win, "winsxs" if lower else "WinSxS")
        self.mdir = os.path.join(self.winsxs, "manifests" if lower else "Manifests")
        self.cfg = os.path.join(self.win, "system32" if lower else "System32", "config")
        self.comps = []          # records, in the order added
        self.by_kf = {}
        self.deployments = []
        self.winners = {}        # winners key -> (versions, winner) or None (no key)
        self.soft_extra = []     # SOFTWARE lines from gen_* modules
        self.comp_extra = []     # COMPONENTS lines from gen_* modules
        self.extra_hives = {}    # other hives: name -> text-source lines (SYSTEM: gen_logs.py)
        self.product = "Windows 10 Enterprise LTSC 2019"
        self.broken = False      # the support case's branch PC (gen_deltas.py's damage)

    def path(self, *rel):
        return os.path.join(self.win, *rel)

    # one component version
    def add(self, i, files, folder=True, manifest=True, key=True, cf=None, fflag=0x1,
            psfx=False, lcu=(), dcm=False, deployment=False, deps=(), corrupt=(),
            corrupt_r=False, manifest_upper=False, extra_key_lines=()):
        kf = keyforms(self.tools.sxscheck, i)
        rec = dict(i=i, files=files, kf=kf["keyform"], winners=kf["winners"], short=kf["short"],
                   links=[], cf=cf, key=key, fflag=fflag, deployment=deployment,
                   extra=list(extra_key_lines))
        digests = {}
        file_data = {}
        for (fname, ondisk, size, flags) in files:
            data = (fake_wcp_dll(self.base) if flags == "wcp"
                    else payload_bytes(rec["kf"] + "/" + fname, size))
            alg = hashlib.sha1 if "sha1" in flags else hashlib.sha256
            digests[fname] = base64.b64encode(alg(data).digest()).decode()
            if "systemdata" in flags:
                data = data[:100] + b"changed at run time" + data[119:]  # legitimately differs
            if fname in corrupt:
                data = data[:200] + bytes(b ^ 0xFF for b in data[200:216]) + data[216:]
            file_data[fname] = data
            if folder:
                write(os.path.join(self.winsxs, rec["kf"], ondisk),
                      gen_deltas.stored_form(self.tools, i, fname, data))
        if folder:
            gen_deltas.write(self.tools, write, os.path.join(self.winsxs, rec["kf"]), i, files,
                             rec["kf"], self.broken, payload_bytes, file_data)
        if psfx:
            write_psfx(self.tools, os.path.join(self.winsxs, rec["kf"]), files, rec["kf"],
                       corrupt_r, file_data)
        for lcu_pkg in lcu:
            # servicing\LCU\<package>\<keyform>\{f,r} (calibration.md §1.2, SB17763b)
            write_psfx(self.tools, self.path("servicing", "LCU", lcu_pkg, rec["kf"]), files,
                       rec["kf"], False, file_data)
        xml = manifest_xml(i, files, digests, deployment=deployment, deps=deps)
        rec["xml"] = xml
        rec["s256h"] = hashlib.sha256(xml).hexdigest()
        if manifest:
            mname = rec["kf"] + ".manifest"
            if manifest_upper:
                mname = mname.upper().replace(".MANIFEST", ".manifest")
            mpath = os.path.join(self.mdir, mname)
            write(mpath, xml)
            if dcm and self.tools.mkdcm:
                tmp = mpath + ".xml"
                os.rename(mpath, tmp)
                subprocess.run([self.tools.mkdcm, self.tools.base_path, tmp, mpath], check=True)
                os.unlink(tmp)
        self.comps.append(rec)
        self.by_kf[rec["kf"]] = rec
        return rec

    def deploy(self, name, version, package, update, deps, marks="psi", catalog=True,
               key=True, manifest=True, arch="amd64"):
        """A deployment (packages.md §5.1): its manifest (<deployment/> + install
        dependencies), its COMPONENTS keys, CanonicalData\\Deployments with
        p!/s!/i! marks for (package, update) and its catalog."""
        d = self.add(ident(name, version, arch=arch), [], deployment=True,
                     deps=[r["i"] for r in deps], key=key, manifest=manifest)
        d["package"], d["update"], d["marks"], d["deps"] = package, update, marks, deps
        d["catalog"] = catalog
        for r in deps:
            r["links"].append(d["short"])
        d["links"].append(d["short"])
        self.deployments.append(d)
        return d

    def set_winners(self, key, versions, winner):
        self.winners[key] = (sorted(versions, key=vkey), winner)

    def auto_winners(self, skip=()):
        """Every family's newest version wins (what CBS writes for installed ones)."""
        fam = {}
        for r in self.comps:
            if not r["deployment"]:
                fam.setdefault(r["winners"], []).append(r["i"]["version"])
        for key, versions in fam.items():
            if key not in self.winners and not any(s in key for s in skip):
                self.set_winners(key, versions, max(versions, key=vkey))

    def _catalog(self, d):
        """WinSxS\\Catalogs\\<sha256>.cat covering the deployment's manifests
        (their decompressed XML, whose SHA-256 is S256H: packages.md §0.3)."""
        import tempfile
        import gen_packages as gp
        with tempfile.TemporaryDirectory() as td:
            members = []
            for n, r in enumerate([d] + d["deps"]):
                mp = os.path.join(td, "%d.manifest" % n)
                write(mp, r["xml"])
                members.append(mp)
            out = os.path.join(td, "out.cat")
            gp.mkcat(self.tools, out, members)
            with open(out, "rb") as f:
                cat = f.read()
        thumb = hashlib.sha256(cat).hexdigest()
        write(os.path.join(self.winsxs, "Catalogs", thumb + ".cat"), cat)
        return thumb

    def finish(self):
        src_dir = os.path.join(self.out, "sources", self.name)
        shutil.rmtree(src_dir, ignore_errors=True)
        os.makedirs(src_dir)
        comp = ["# COMPONENTS hive of %s (generated by mkimages.py)" % self.name, "",
                "[ServicingStackVersions]",
                'LastWCPVersionToAccessStore = sz:"%s (WinBuild.160101.0800)"' % self.build, ""]
        catalogs = {}
        if self.deployments:
            for d in self.deployments:
                thumb = self._catalog(d) if d["catalog"] and self.tools.mkcat else None
                d["thumb"] = thumb
                if thumb:
                    catalogs.setdefault(thumb, []).append(d["short"])
                s = "%s.%s" % (d["package"], d["update"])
                comp += ["[CanonicalData\\Deployments\\%s]" % d["short"],
                         'appid = binary-text:"%s"' % identity_string(d["i"])]
                if thumb:
                    comp.append('CatalogThumbprint = sz:"%s"' % thumb)
                for k in d["marks"]:
                    comp.append('"%s" = hex:%s' % (mark_name(k, s), mark_data(s).hex()))
                comp.append("")
            for thumb in sorted(catalogs):
                comp.append("[CanonicalData\\Catalogs\\%s]" % thumb)
                comp += ['"c!%s" = binary:' % sh for sh in catalogs[thumb]]
                comp.append("")
        for r in self.comps:
            if not r["key"]:
                continue
            comp += ["[DerivedData\\Components\\%s]" % r["kf"],
                     'identity = binary-text:"%s"' % identity_string(r["i"]),
                     'S256H = hex:%s' % r["s256h"]]
            comp += ['"c!%s" = binary:' % sh for sh in r["links"]]
            if r["cf"] is not None:
                comp.append("CF = dword:0x%x" % r["cf"])
            for (fname, _o, _s, _f) in r["files"]:
                if r["fflag"] is not None:
                    comp.append('"f!%s" = dword:0x%x' % (fname.lower(), r["fflag"]))
            comp += r["extra"]
            comp.append("")
        comp += self.comp_extra
        major, minor, cur, ubr = self.build.split(".")
        soft = ["# SOFTWARE hive of %s (generated by mkimages.py)" % self.name, "",
                "[Microsoft\\Windows NT\\CurrentVersion]",
                'ProductName = sz:"%s"' % self.product,
                'CurrentBuild = sz:"%s"' % cur, "UBR = dword:%s" % ubr,
                "CurrentMajorVersionNumber = dword:%s" % major,
                "CurrentMinorVersionNumber = dword:%s" % minor, ""]
        for key in sorted(self.winners):
            versions, winner = self.winners[key]
            band = ".".join(winner.split(".")[:2])
            soft += ["[Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\%s]" % key,
                     '@ = sz:"%s"' % band, "",
                     "[Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners\\%s\\%s]" % (key, band),
                     '@ = sz:"%s"' % winner]
            soft += ['"%s" = binary:01' % v for v in versions if v.startswith(band + ".")]
            soft.append("")
        soft += self.soft_extra
        for hive, text in [("COMPONENTS", comp), ("SOFTWARE", soft)] + sorted(self.extra_hives.items()):
            src = os.path.join(src_dir, hive + ".txt")
            with open(src, "w") as f:
                f.write("\n".join(text) + "\n")
            os.makedirs(self.cfg, exist_ok=True)
            subprocess.run([self.tools.mkhive, src, os.path.join(self.cfg, hive)], check=True)


# ---- the support case: a branch PC and its healthy colleague -------------------

def build_pc(tools, out, name, broken, base):
    img = Image(tools, out, name, base, lower=broken)
    img.broken = broken
    for i, files in components():
        bad = ("driver.stl", "sppobjs.dll") if broken else ()
        # Kernel32's f\ r\ (and the branch PC's damaged r\) come from gen_deltas.py
        img.add(i, files, corrupt=bad, dcm=i["name"] in DCM_COMPONENTS,
                manifest_upper=broken and i["name"] == "Microsoft-Windows-Notepad")
    for mod in CONTENT:
        hook = getattr(mod, "contribute_" + name.replace("-", "_"), None)
        if hook:
            hook(img)
    # HyperV-ComputeLib-Legacy belongs to a Staged feature (gen_state.py): the branch PC has
    # no Winners key for it, the support case's "does not have a winner but has 3 other
    # component versions", which calibration.md §3, §7 (c) shows is no damage (a note)
    fam = {}
    for r in img.comps:
        if not r["deployment"]:
            fam.setdefault(r["winners"], []).append(r["i"]["version"])
    for key, versions in fam.items():
        if (broken and "computelib-legacy" in key) or key in img.winners:
            continue
        winner = max(versions, key=vkey)
        if broken and "codeintegrity" in key:
            winner = "10.0.17763.1554"  # an older version, no longer in the store
            versions = versions + [winner]
        img.set_winners(key, versions, winner)
    # servicing logs and the SYSTEM hive (minifilters): gen_logs.py (issue 13)
    gen_logs.write_logs(img.root, broken)
    img.extra_hives["SYSTEM"] = gen_logs.system_hive_source(name, broken)
    img.finish()


def write_psfx(tools, folder, files, kf, broken, file_data):
    """f\\ and r\\ of every file of a component (in its folder or under
    servicing\\LCU): real PA30 differentials from mkpsfx (gen_deltas.py), r\\
    rebuilding an RTM base from the full file and f\\ the full file from it."""
    if not tools.mkpsfx:
        return
    for (fname, _ondisk, _size, _flags) in files:
        gen_deltas.write_pair(tools, write, folder, kf, fname, file_data[fname], payload_bytes,
                              corrupt_r=broken)


# components stored DCM-compressed (as every Windows 10 manifest is)
DCM_COMPONENTS = ("Microsoft-Windows-Kernel32", "Microsoft-Windows-Notepad.Resources")

# Content modules (testdata/images/gen_*.py): each may define
# contribute_<image>(img) for the images above and images() -> [(name, build(tools, out, base))].
CONTENT = []


def load_content():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import importlib
    for fn in sorted(os.listdir(here)):
        if fn.startswith("gen_") and fn.endswith(".py"):
            CONTENT.append(importlib.import_module(fn[:-3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sxscheck", required=True)
    ap.add_argument("--mkhive", required=True)
    ap.add_argument("--mkdcm")
    ap.add_argument("--mkcat", help="tests/tools/mkcat: package and deployment catalogs")
    ap.add_argument("--mkpsfx", help="tests/tools/pa30/mkpsfx: f/r/n differentials, DCS")
    ap.add_argument("--base", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "base-manifest.xml"),
                    help="self-authored DCM base manifest")
    ap.add_argument("--pki", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "pki"), help="test signing key and certificates (mkcat)")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    tools = ap.parse_args()
    tools.base_path = tools.base
    with open(tools.base, "rb") as f:
        base = f.read()
    load_content()
    for name, broken in (("golden-pc", False), ("branch-pc", True)):
        build_pc(tools, tools.out, name, broken, base)
    for mod in CONTENT:
        if not getattr(mod, "available", lambda t: True)(tools):
            continue
        for _name, build in getattr(mod, "images", lambda: [])():
            build(tools, tools.out, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
