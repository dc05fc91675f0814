# SPDX-License-Identifier: MIT
"""The package (CBS) layer of the generated images: package manifests (.mum),
their catalogs (.cat, written by tests/tools/mkcat), and the SOFTWARE lines of
the Component Based Servicing key (packages.md §2-§4).

Everything is deterministic: the .mum text is built from the arguments, mkcat
signs with the fixed test key of testdata/pki and writes no time.

Interface (used by mkimages.py and the fixture generators):

  pkg = package(name, version, arch="amd64", culture="", state=0x70, ...)
      A dict describing one package (see package() for the keywords).
  ident(pkg) / identity(name, version, arch, culture)
      "name~31bf3856ad364e35~arch~culture~version" (culture empty when neutral).
  mum_text(pkg) -> bytes
      The .mum: asm.v3 <assembly> with assemblyIdentity, <package> (identifier,
      releaseType), <parent>s, one <update> per child package / deployment,
      CRLF line ends, a UTF-8 BOM when pkg["bom"].
  write_pair(pkgdir, pkg, tools, mum=None, members=())
      Writes <pkgdir>/<identity>.mum and .cat; the catalog lists the .mum and
      every file in `members` (deployment/component manifests, like
      Microsoft's package catalogs, §3.2).  `mum` overrides the .mum bytes
      written (the catalog is made from the bytes given in pkg or mum_text).
      tools needs .mkcat (path of the mkcat binary) and .pki (testdata/pki).
  cbs_lines(pkgs, version=None, reboot_pending=False, packages_pending=(),
            sessions=None) -> [str]
      mkhive text-source lines for SOFTWARE: Packages\\<identity> with
      CurrentState, InstallName, InstallClient, InstallLocation,
      InstallTimeHigh/Low, InstallUser, SelfUpdate, Visibility and an Owners
      subkey; the Version key (version = (stack version, WinSxS folder)).
  write_packages(windir, pkgs, tools, members=None) -> [str]
      write_pair for every package whose pkg["files"] is true, into
      <windir>/servicing/Packages; returns cbs_lines(pkgs).
  copy_real_pair(src_mum, src_cat, pkgdir, identity)
      Copy a real .mum/.cat pair (e.g. the ESU vectors) under its identity
      name, as CBS stores update.mum (§2.2).  Never commit real files.

Package keywords (package()): state (CurrentState), identifier, release_type,
parents [identity dicts], children [(update name, child pkg, opts)],
deployments [(update name, component identity dict, opts)], visibility,
owners [(identity, dword)], install_name (default identity + ".mum"),
files (write .mum/.cat, default True), bom, defvis, extra_values [lines].
opts: {"applicable": True} adds <applicable>, {"contained_false": True}
writes contained="false".
"""
import os
import shutil
import subprocess

PKT = "31bf3856ad364e35"
CBS = "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"


def identity(name, version, arch="amd64", culture="", pkt=PKT):
    return "~".join((name, pkt, arch, culture or "", version))


def package(name, version, arch="amd64", culture="", state=0x70, identifier="KB4000000",
            release_type="Update", parents=(), children=(), deployments=(), visibility=None,
            owners=None, install_name=None, files=True, bom=False, defvis=False,
            extra_values=()):
    p = dict(name=name, version=version, arch=arch, culture=culture, state=state,
             identifier=identifier, release_type=release_type, parents=list(parents),
             children=list(children), deployments=list(deployments), files=files, bom=bom,
             defvis=defvis, extra_values=list(extra_values))
    p["identity"] = identity(name, version, arch, culture)
    p["visibility"] = visibility if visibility is not None else (1 if not parents else 2)
    p["owners"] = owners if owners is not None else [(p["identity"], 0x20070)]
    p["install_name"] = install_name if install_name is not None else p["identity"] + ".mum"
    return p


def ident(pkg):
    return pkg["identity"]


def _id_attrs(name, version, arch, culture, pkt=PKT, scope=None):
    a = ['name="%s"' % name, 'version="%s"' % version, 'processorArchitecture="%s"' % arch,
         'language="%s"' % (culture or "neutral"), 'buildType="release"',
         'publicKeyToken="%s"' % pkt]
    if scope:
        a.append('versionScope="%s"' % scope)
    return " ".join(a)


def mum_text(pkg):
    L = ['<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
         '<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0" '
         'description="Fix for %s" displayName="default" company="Microsoft Corporation" '
         'copyright="Microsoft Corporation" supportInformation="http://support.microsoft.com/?kbid=%s">'
         % (pkg["identifier"], pkg["identifier"].replace("KB", "")),
         '  <assemblyIdentity %s />' % _id_attrs(pkg["name"], pkg["version"], pkg["arch"],
                                                 pkg["culture"]),
         '  <package identifier="%s" releaseType="%s" restart="possible">'
         % (pkg["identifier"], pkg["release_type"])]
    if pkg["parents"]:
        L.append('    <parent buildCompare="EQ" serviceCompare="GE" integrate="separate" '
                 'disposition="detect">')
        for par in pkg["parents"]:
            L.append('      <assemblyIdentity %s />' % _id_attrs(
                par["name"], par["version"], par.get("arch", pkg["arch"]), par.get("culture", "")))
        L.append('    </parent>')
    L.append('    <installerAssembly name="Microsoft-Windows-ServicingStack" version="10.0.0.0" '
             'language="neutral" processorArchitecture="%s" versionScope="nonSxS" '
             'publicKeyToken="%s" />' % (pkg["arch"], PKT))
    for (uname, child, opts) in pkg["children"]:
        L.append('    <update name="%s">' % uname)
        if opts.get("applicable"):
            L.append('      <applicable disposition="staged"><detectNone default="true" /></applicable>')
        cont = ' contained="false"' if opts.get("contained_false") else ""
        L.append('      <package integrate="hidden"%s>' % cont)
        L.append('        <assemblyIdentity %s />' % _id_attrs(child["name"], child["version"],
                                                               child["arch"], child["culture"]))
        L.append('      </package>')
        L.append('    </update>')
    for (uname, comp, opts) in pkg["deployments"]:
        L.append('    <update name="%s">' % uname)
        if opts.get("applicable"):
            L.append('      <applicable disposition="staged"><detectNone default="true" /></applicable>')
        L.append('      <component>')
        L.append('        <assemblyIdentity %s />' % _id_attrs(
            comp["name"], comp["version"], comp.get("arch", pkg["arch"]),
            comp.get("lang") or comp.get("culture") or "", comp.get("pkt", PKT), "nonSxS"))
        L.append('      </component>')
        L.append('    </update>')
    L += ['  </package>', '</assembly>']
    data = ("\r\n".join(L) + "\r\n").encode()
    return (b"\xef\xbb\xbf" + data) if pkg["bom"] else data


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def mkcat(tools, out, files, extra_args=()):
    pki = tools.pki
    subprocess.run([tools.mkcat, "--key", os.path.join(pki, "signer.key"),
                    "--cert", os.path.join(pki, "signer.pem"), *extra_args, "-o", out, *files],
                   check=True)


def write_pair(pkgdir, pkg, tools, mum=None, members=(), cat_args=()):
    """Write <identity>.mum and .cat; the catalog signs mum_text(pkg) (or pkg["mum"])."""
    signed = pkg.get("mum") or mum_text(pkg)
    base = os.path.join(pkgdir, ident(pkg))
    _write(base + ".mum", signed)
    mkcat(tools, base + ".cat", [base + ".mum", *members], cat_args)
    if mum is not None:
        _write(base + ".mum", mum)  # e.g. a .mum changed after signing
    return base + ".mum", base + ".cat"


def copy_real_pair(src_mum, src_cat, pkgdir, identity_):
    os.makedirs(pkgdir, exist_ok=True)
    shutil.copyfile(src_mum, os.path.join(pkgdir, identity_ + ".mum"))
    shutil.copyfile(src_cat, os.path.join(pkgdir, identity_ + ".cat"))


def q(s):
    """A mkhive string literal (only \\" and \\\\ are escapes)."""
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def cbs_lines(pkgs, version=None, reboot_pending=False, packages_pending=(), sessions=None):
    L = ["# Component Based Servicing (generated by gen_packages.py)"]
    for p in sorted(pkgs, key=lambda p: ident(p).lower()):
        key = "%s\\Packages\\%s" % (CBS, ident(p))
        L.append("[%s]" % key)
        if p["state"] is not None:
            L.append("CurrentState = dword:0x%x" % p["state"])
        if p["install_name"]:
            L.append("InstallName = sz:" + q(p["install_name"]))
        L += ['InstallClient = sz:"WindowsUpdateAgent"',
              "InstallLocation = sz:" + q("\\\\?\\C:\\Windows\\SoftwareDistribution\\Download\\"
                                         + p["identifier"]),
              "InstallTimeHigh = dword:0x01d4c4a1", "InstallTimeLow = dword:0x5b437864",
              'InstallUser = sz:"S-1-5-18"', "SelfUpdate = dword:0",
              "Visibility = dword:%d" % p["visibility"]]
        if p["defvis"]:
            L.append("DefVis = dword:2")
        L += p["extra_values"]
        L.append("")
        if p["owners"]:
            L.append("[%s\\Owners]" % key)
            L += ['"%s" = dword:0x%x' % (o, v) for (o, v) in p["owners"]]
            L.append("")
    if version:
        ver, folder = version
        L += ["[%s\\Version]" % CBS,
              '"%s" = expand-sz:%s' % (ver, q("%SystemRoot%\\WinSxS\\" + folder)), ""]
    if reboot_pending:
        L += ["[%s\\RebootPending]" % CBS, ""]
    for ident_ in packages_pending:
        L += ["[%s\\PackagesPending\\%s]" % (CBS, ident_), ""]
    if sessions is not None:
        L += ["[%s\\SessionsPending]" % CBS,
              "Exclusive = dword:%d" % sessions.get("Exclusive", 0),
              "TotalSessionPhases = dword:%d" % sessions.get("TotalSessionPhases", 0), ""]
    return L


def write_packages(windir, pkgs, tools, members=None):
    pkgdir = os.path.join(windir, "servicing", "Packages")
    os.makedirs(pkgdir, exist_ok=True)
    for p in pkgs:
        if p["files"]:
            write_pair(pkgdir, p, tools, members=(members or {}).get(ident(p), ()))
    return cbs_lines(pkgs)
