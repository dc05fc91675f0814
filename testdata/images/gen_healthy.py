# SPDX-License-Identifier: MIT
"""healthy-17763: a healthy Windows 10 1809 / Server 2019 store in the shapes
calibration.md describes, which must scan with 0 errors and 0 warnings.

Every shape below is cited; the package layer (.mum/.cat pairs, the CBS
Packages registry) comes from gen_packages.py (the "pkg" area), the
store, the deployments and their marks from mkimages.Image.

  shape                                           where in calibration.md
  current version: full + f\\ + r\\ in its folder   §1.1 (cmd .592, SB17763a)
  current, full only, deltas under servicing\\LCU  §1.2 (scripting .1217, SB17763b)
  current, full only, no delta anywhere           §1.2 (htmlhelp .475, SB17763a)
  RTM .1 never updated, full only                 §1.3
  superseded kept with full + f + r               §1.4 shape 2 (mmc, SB20348a)
  RTM .1 kept next to the current version         §1.4 shape 3 (certutil, SB20348)
  superseded, payload cleaned up, CF set, deltas  §1.4, §2.4, §6.4 (info)
    in the older LCU's folder                     §1.9 (two LCU folders, DS)
  disabled optional feature: payload present,     §1.5 (lxss-bash .1 + .615, SB17763a);
    Staged package, no Winners key                §3 (Winners only for installed)
  removed Feature on Demand: manifest, no folder, §1.6 (dxcap only in servicing\\LCU,
    f\\/r\\ under servicing\\LCU only               SB17763b)
  staged language pack: resources only as LCU     §1.7 (pubprn.vbs cultures, SB17763b)
    deltas, no WinSxS folder
  old servicing-stack keys without manifests      §3, §7 (e) (MB: 36 on 26100)
  two cumulative updates, the older Superseded    packages.md §2.5, §6.2 item 2 (SCALIBR)
    with its .mum/.cat; two servicing stacks      §6.2 item 3
    Installed
  deployments with p+s+i marks (installed), p+s   calibration.md §2.5, packages.md §5.2
    (staged), p only (removed FoD)
  compressed (DCM) manifests                      formats.md §1.1
"""
import os

import mkimages as mk

BUILD = "10.0.17763.1613"
LCU_OLD = "17763.1577.1.5"
LCU_NEW = "17763.1613.1.6"
SSU = "17763.1613.1.1"
LCU_DIR = "Package_for_RollupFix~31bf3856ad364e35~amd64~~"


def ident(name, version, **kw):
    return mk.ident(name, version, **kw)


def f(name, size, flags=""):
    return (name, name.lower(), size, flags)


def build(tools, out, base):
    import gen_packages as gp
    img = mk.Image(tools, out, "healthy-17763", base)
    img.product = "Windows Server 2019 Datacenter"
    lcu_new_dir = LCU_DIR + LCU_NEW
    lcu_old_dir = LCU_DIR + LCU_OLD

    # --- the store --------------------------------------------------------
    ssu = img.add(ident("Microsoft-Windows-ServicingStack", BUILD),
                  [("wcp.dll", "wcp.dll", None, "wcp"), f("CbsCore.dll", 24000)])
    # old servicing stacks: still tracked, manifests gone (§3, MB)
    ssu164 = img.add(ident("Microsoft-Windows-ServicingStack", "10.0.17763.164"),
                     [f("CbsCore.dll", 20000)], folder=False, manifest=False)
    img.add(ident("Microsoft-Windows-ServicingStack", "10.0.17763.1490"),
            [f("CbsCore.dll", 22000)], folder=False, manifest=False)
    cmd = img.add(ident("Microsoft-Windows-CommandPrompt", BUILD), [f("cmd.exe", 28000)],
                  psfx=True, dcm=True, cf=0x80)
    scripting = img.add(ident("Microsoft-Windows-Scripting", "10.0.17763.1577"),
                        [f("cscript.exe", 16000)], lcu=[lcu_new_dir], dcm=True)
    hh = img.add(ident("Microsoft-Windows-HtmlHelp", "10.0.17763.1490"), [f("hh.exe", 9000)])
    findstr = img.add(ident("Microsoft-Windows-Findstr", "10.0.17763.1"),
                      [f("findstr.exe", 12000)], dcm=True)
    notepad = img.add(ident("Microsoft-Windows-Notepad", "10.0.17763.1"), [f("notepad.exe", 30000)])
    mmc_old = img.add(ident("Microsoft-Windows-MMC", "10.0.17763.1577"), [f("mmc.exe", 14000)],
                      psfx=True)
    mmc = img.add(ident("Microsoft-Windows-MMC", BUILD), [f("mmc.exe", 14100)], psfx=True,
                  dcm=True)
    cert_rtm = img.add(ident("Microsoft-Windows-Certutil", "10.0.17763.1"),
                       [f("certutil.exe", 18000)])
    cert = img.add(ident("Microsoft-Windows-Certutil", BUILD), [f("certutil.exe", 18200)],
                   psfx=True)
    # superseded, cleaned up: manifest and key stay, folder gone, CF set, deltas in the old LCU
    kb_old = img.add(ident("Microsoft-Windows-KernelBase", "10.0.17763.1577"),
                     [f("KernelBase.dll", 40000)], folder=False, lcu=[lcu_old_dir], cf=0x10,
                     dcm=True)
    kb = img.add(ident("Microsoft-Windows-KernelBase", BUILD), [f("KernelBase.dll", 40500)],
                 psfx=True, dcm=True)
    prn = img.add(ident("Microsoft-Windows-Printing-Scripts.Resources", "10.0.17763.1577",
                        lang="en-US"), [f("pubprn.vbs", 3000)], dcm=True)
    comctl = img.add(ident("Microsoft.Windows.Common-Controls", "6.0.17763.1613",
                           pkt="6595b64144ccf1df", scope=None, type_="win32"),
                     [f("comctl32.dll", 35000, "sha1")])
    # a disabled optional feature: payload present (§1.5)
    bash_rtm = img.add(ident("Microsoft-Windows-Lxss-Bash", "10.0.17763.1"), [f("bash.exe", 8000)])
    bash = img.add(ident("Microsoft-Windows-Lxss-Bash", "10.0.17763.1577"), [f("bash.exe", 8100)],
                   psfx=True)
    # a removed Feature on Demand: only deltas under servicing\LCU (§1.6)
    dxcap = img.add(ident("Microsoft-Windows-DirectX-Graphics-Tools", "10.0.17763.1577"),
                    [f("dxcap.exe", 7000)], folder=False, lcu=[lcu_new_dir], dcm=True)
    # a staged language pack: resources only as LCU deltas (§1.7)
    prn_de = img.add(ident("Microsoft-Windows-Printing-Scripts.Resources", "10.0.17763.1577",
                           lang="de-DE"), [f("pubprn.vbs", 3100)], folder=False,
                     lcu=[lcu_new_dir])

    # --- packages and their deployments ----------------------------------
    found_id = gp.identity("Microsoft-Windows-Foundation-Package", "10.0.17763.1")
    pkgs, deps = [], []

    def package(name, version, state, deployment, comps, marks, culture="", **kw):
        update = kw.pop("update", "%s-1_neutral_PACKAGE" % name.split("_")[-1].lower())
        dname = kw.pop("dname")
        d = img.deploy(dname, deployment, gp.identity(name, version, culture=culture), update,
                       comps, marks=marks)
        p = gp.package(name, version, culture=culture, state=state,
                       deployments=[(update, d["i"], {})], **kw)
        pkgs.append(p)
        deps.append(d)
        return p, d

    package("Microsoft-Windows-Foundation-Package", "10.0.17763.1", 0x80, "10.0.17763.1",
            [findstr, notepad, cert_rtm], "psi", dname="Microsoft-Windows-Foundation-Deployment",
            identifier="Foundation", release_type="Foundation", update="Foundation")
    parent = [dict(name="Microsoft-Windows-Foundation-Package", version="10.0.17763.1")]
    package("Package_for_RollupFix", LCU_OLD, 0x50, "10.0.17763.1577",
            [mmc_old, kb_old, scripting, bash], "psi",
            dname="Microsoft-Windows-RollupFix-Deployment", identifier="KB4586793",
            release_type="Security Update", parents=parent, update="4586793-1_neutral_GDR")
    package("Package_for_RollupFix", LCU_NEW, 0x70, BUILD,
            [cmd, scripting, hh, mmc, cert, kb, prn, comctl], "psi",
            dname="Microsoft-Windows-RollupFix-Deployment", identifier="KB4592440",
            release_type="Security Update", parents=parent, update="4592440-1_neutral_GDR")
    package("Package_for_ServicingStack_1613", SSU, 0x70, BUILD, [ssu], "psi",
            dname="Microsoft-Windows-ServicingStack-Deployment", identifier="KB4586863",
            parents=parent, update="4586863-1_neutral_GDR")
    # the first 1809 servicing stack stays Installed (packages.md §6.2 item 3) while its
    # component's manifest is gone (calibration.md §3, MB)
    package("Package_for_KB4470788", "17763.164.1.1", 0x70, "10.0.17763.164", [ssu164], "psi",
            dname="Microsoft-Windows-ServicingStack-Deployment", identifier="KB4470788",
            parents=parent, update="4470788-1_neutral_GDR")
    package("Microsoft-Windows-Lxss-Optional-Package", "10.0.17763.1", 0x40, "10.0.17763.1",
            [bash_rtm], "ps", dname="Microsoft-Windows-Lxss-Optional-Deployment",
            identifier="Microsoft-Windows-Subsystem-Linux", release_type="Feature Pack",
            parents=parent, update="Microsoft-Windows-Subsystem-Linux")
    package("Microsoft-Windows-DirectX-Graphics-Tools-FoD-Package", "10.0.17763.1", 0x0,
            "10.0.17763.1577", [dxcap], "p",
            dname="Microsoft-Windows-DirectX-Graphics-Tools-Deployment", identifier="KB777778",
            release_type="OnDemand Pack", parents=parent, update="DirectX-Graphics-Tools")
    package("Microsoft-Windows-Client-LanguagePack-Package", "10.0.17763.1", 0x40,
            "10.0.17763.1577", [prn_de], "ps", culture="de-DE",
            dname="Microsoft-Windows-Client-LanguagePack-Deployment", identifier="KB777778",
            release_type="Language Pack", parents=parent, update="LanguagePack")

    # --- Winners: installed families only (staged-only ones have none, §3) ------
    img.auto_winners(skip=(bash["winners"], dxcap["winners"], prn_de["winners"]))

    # --- servicing\Packages and the CBS registry --------------------------------
    img.soft_extra += gp.write_packages(img.win, pkgs, tools)
    img.soft_extra += [l for l in gp.cbs_lines([], version=(BUILD, ssu["kf"]))
                       if not l.startswith("#")]
    img.finish()


def images():
    return [("healthy-17763", build)]


def available(tools):
    """The package layer needs mkcat's catalogs."""
    return bool(tools.mkcat)
