# SPDX-License-Identifier: MIT
"""The package layer and deployments of the support case's two PCs (golden-pc,
branch-pc): the same packages on both, and on the branch PC the problems DISM
counts as "CBS Manifest/Metadata Corruption" in the support case (issue 11):

  - the previous cumulative update's .mum is missing (0x800f0831: "Store
    corruption, manifest missing for package", packages.md §2.5);
  - a package stuck in Install Pending with no pending transaction
    (packages.md §6.1 package-pending-stale);
  - a .mum that fails its catalog (changed after signing: "CBS MUM Corrupt
    0x800B0100", packages.md §3.4);
  - a deployment whose component is gone (the Task Scheduler component's
    manifest and folder; its COMPONENTS key lingers: "Failed to pin
    deployment ... ERROR_SXS_ASSEMBLY_MISSING", packages.md §6.1); compare
    restores both from the golden PC.

The .mum/.cat pairs and the CBS registry lines come from gen_packages.py.
"""
import mkimages as mk

BUILD = mk.BUILD
LCU_OLD = "17763.1577.1.5"
LCU_NEW = "17763.1613.1.6"


def by_name(img, name, version=None, arch="amd64"):
    for r in img.comps:
        if r["i"]["name"] == name and r["i"]["arch"] == arch and \
                (version is None or r["i"]["version"] == version):
            return r
    raise KeyError(name)


def contribute(img, broken):
    if not img.tools.mkcat:
        return  # the package layer needs mkcat's catalogs
    import gen_packages as gp
    gone = broken
    task = img.add(mk.ident("Microsoft-Windows-TaskScheduler", BUILD),
                   [("schtasks.exe", "schtasks.exe", 20000, "")],
                   folder=not gone, manifest=not gone)
    found = [by_name(img, "Microsoft-Windows-Notepad"),
             by_name(img, "Microsoft-Windows-Notepad.Resources"),
             by_name(img, "Microsoft-Windows-Security-SPP-Component-SKU-EnterpriseS-License")]
    lcu = [by_name(img, "Microsoft-Windows-CodeIntegrity"),
           by_name(img, "Microsoft-Windows-Kernel32"),
           by_name(img, "Microsoft-Windows-Kernel32", arch="wow64"),
           by_name(img, "Microsoft-Windows-Security-SPP"),
           by_name(img, "Microsoft.Windows.Common-Controls"), task]
    hv = [by_name(img, "Microsoft-Windows-HyperV-ComputeLib-Legacy", v)
          for v in ("10.0.17763.1", "10.0.17763.1490", "10.0.17763.1554", BUILD)]
    ssu = by_name(img, "Microsoft-Windows-ServicingStack")
    parent = [dict(name="Microsoft-Windows-Foundation-Package", version="10.0.17763.1")]
    pkgs = []

    def package(name, version, state, dname, dversion, comps, marks, update, **kw):
        pid = gp.identity(name, version)
        d = img.deploy(dname, dversion, pid, update, comps, marks=marks)
        p = gp.package(name, version, state=state, deployments=[(update, d["i"], {})], **kw)
        pkgs.append(p)
        return p

    package("Microsoft-Windows-Foundation-Package", "10.0.17763.1", 0x70,
            "Microsoft-Windows-Foundation-Deployment", "10.0.17763.1", found, "psi", "Foundation",
            identifier="Foundation", release_type="Foundation")
    old = package("Package_for_RollupFix", LCU_OLD, 0x50, "Microsoft-Windows-RollupFix-Deployment",
                  "10.0.17763.1577", hv[1:3], "psi", "4586793-1_neutral_GDR",
                  identifier="KB4586793", release_type="Security Update", parents=parent)
    package("Package_for_RollupFix", LCU_NEW, 0x70, "Microsoft-Windows-RollupFix-Deployment",
            BUILD, lcu, "psi", "4592440-1_neutral_GDR", identifier="KB4592440",
            release_type="Security Update", parents=parent, bom=True)
    stack = package("Package_for_ServicingStack_1613", "17763.1613.1.1", 0x70,
                    "Microsoft-Windows-ServicingStack-Deployment", BUILD, [ssu], "psi",
                    "4586863-1_neutral_GDR", identifier="KB4586863", parents=parent)
    # Hyper-V is a disabled feature on these PCs: its packages are Staged
    package("Microsoft-Hyper-V-ClientEdition-Package", "10.0.17763.1", 0x40,
            "Microsoft-Hyper-V-ClientEdition-Deployment", "10.0.17763.1", [hv[0], hv[3]], "ps",
            "Microsoft-Hyper-V", identifier="Microsoft-Hyper-V", release_type="Feature Pack",
            parents=parent)
    if broken:
        # a .NET update downloaded, never finished: Install Pending with no pending.xml
        package("Package_for_KB4586875", "10.0.1.2", 0x60, "Microsoft-Windows-NetFx-Deployment",
                "10.0.17763.1613", [], "ps", "4586875-1_neutral_GDR", identifier="KB4586875",
                parents=parent)
    pkgdir = img.path("servicing", "Packages")
    for p in pkgs:
        mum = None
        if broken and p is stack:
            mum = gp.mum_text(p).replace(b'restart="possible"', b'restart="required"')
        gp.write_pair(pkgdir, p, img.tools, mum=mum)
    if broken:
        import os
        os.unlink(os.path.join(pkgdir, gp.ident(old) + ".mum"))
    img.soft_extra += [l for l in gp.cbs_lines(pkgs, version=(BUILD, ssu["kf"]))
                       if not l.startswith("#")]


def contribute_golden_pc(img):
    contribute(img, False)


def contribute_branch_pc(img):
    contribute(img, True)
