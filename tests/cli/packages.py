#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The package-layer rules (packages.md §6.1) end to end: a healthy package
set in the shapes of §6.2 is added to a copy of golden-pc (real hives via
mkhive, real catalogs via mkcat), then each case plants one problem and the
scan's JSON must carry exactly the expected package findings with their
severities; the healthy image must carry none of warning or error.

usage: packages.py SRCROOT SXSCHECK MKHIVE MKCAT [MKLOG]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types

SRC, SXSCHECK, MKHIVE, MKCAT = sys.argv[1:5]
MKLOG = sys.argv[5] if len(sys.argv) > 5 else None
sys.path.insert(0, os.path.join(SRC, "testdata", "images"))
import gen_packages as gp  # noqa: E402

TOOLS = types.SimpleNamespace(mkcat=MKCAT, pki=os.path.join(SRC, "testdata", "pki"))
GOLDEN = os.path.join(SRC, "testdata", "images", "golden-pc")
SOURCES = os.path.join(SRC, "testdata", "images", "sources", "golden-pc")
SSU_FOLDER = "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.1613_none_56ccb10399321418"
FOUNDATION = dict(name="Microsoft-Windows-Foundation-Package", version="10.0.17763.1")

# ids this layer reports (the others belong to the store checks)
PKG_IDS = {
    "package-mum-missing", "package-cat-missing", "package-mum-corrupt", "package-mum-name-mismatch",
    "package-mum-not-in-catalog", "package-cat-corrupt", "package-cat-chain-unchecked",
    "package-cat-chain-invalid", "package-file-unreadable", "package-state-unknown",
    "package-state-broken", "package-partially-installed", "package-pending-stale",
    "pending-transaction-mismatch", "package-child-missing", "rollup-state",
    "rollup-subpackage-missing", "servicing-stack-version", "servicing-reboot-pending",
    "sessions-exclusive", "package-tampered", "package-orphan-mum",
    "package-installname-mismatch", "link-refused"}


def healthy_packages():
    """A 17763 package set in the shapes of packages.md §6.2."""
    kb = "KB4592440"
    subs = [gp.package("Package_%d_for_%s" % (n, kb), "10.0.1.7", identifier=kb,
                       parents=[FOUNDATION]) for n in (1, 2, 3)]
    lcu = gp.package("Package_for_RollupFix", "17763.1613.1.7", identifier=kb,
                     release_type="Security Update", bom=True,
                     children=[("%s-%d_neutral_PACKAGE" % (kb[2:], i + 1), s, {})
                               for i, s in enumerate(subs)])
    # §6.2.2: superseded cumulative updates stay, with their sub-packages
    old_subs = [gp.package("Package_%d_for_KB4586793" % n, "10.0.1.5", identifier="KB4586793",
                           state=0x50, parents=[FOUNDATION]) for n in (1, 2)]
    lcu_old = gp.package("Package_for_RollupFix", "17763.1554.1.5", identifier="KB4586793",
                         state=0x50, release_type="Security Update",
                         children=[("4586793-%d_neutral_PACKAGE" % (i + 1), s, {})
                                   for i, s in enumerate(old_subs)])
    # §6.2.3: several servicing stack updates Installed at once
    ssus = [gp.package("Package_for_KB4470788", "17763.164.1.1", identifier="KB4470788"),
            gp.package("Package_for_ServicingStack_1600", "17763.1600.1.1", identifier="KB4586863")]
    # §6.2.1, §6.2.11: Staged FoD and language packages, culture and wow64 packages
    staged = [gp.package("Microsoft-Windows-LanguageFeatures-Basic-de-de-Package", "10.0.17763.1",
                         identifier="KB777778", release_type="OnDemand Pack", state=0x40),
              gp.package("Microsoft-Windows-WordPad-FoD-Package", "10.0.17763.1", arch="wow64",
                         culture="en-US", identifier="KB777778", release_type="OnDemand Pack",
                         state=0x40),
              gp.package("Microsoft-Windows-Hyper-V-OptionalFeature-Package", "10.0.17763.1",
                         identifier="Microsoft-Hyper-V", release_type="Feature Pack", state=0x40)]
    # a selectable, separately shipped child: not required (§2.3)
    feature = gp.package("Microsoft-Windows-SearchEngine-Client-Package", "10.0.17763.1",
                         identifier="Microsoft-Windows-SearchEngine-Client", release_type="Feature Pack",
                         children=[("SearchEngine-Client-Package",
                                    gp.package("Microsoft-Windows-SearchEngine-Client-Package-onecoreuap-Package",
                                               "10.0.17763.1"),
                                    {"applicable": True, "contained_false": True})])
    return [lcu, lcu_old, *subs, *old_subs, *ssus, *staged, feature]


class Image:
    def __init__(self, tmp, pkgs):
        self.root = os.path.join(tmp, "img")
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.copytree(GOLDEN, self.root, symlinks=True)
        self.win = os.path.join(self.root, "Windows")
        self.pkgdir = os.path.join(self.win, "servicing", "Packages")
        self.cfg = os.path.join(self.win, "System32", "config")
        self.tmp = tmp
        self.pkgs = pkgs
        self.extra_soft = []
        self.extra_comp = []
        self.version = ("10.0.17763.1613", SSU_FOLDER)
        self.cbs_kw = {}
        # golden-pc has a package layer of its own (gen_state.py): this test replaces it
        shutil.rmtree(self.pkgdir, ignore_errors=True)
        gp.write_packages(self.win, pkgs, TOOLS)

    def path(self, pkg, ext):
        return os.path.join(self.pkgdir, gp.ident(pkg) + "." + ext)

    def hives(self, dirty=False):
        soft, keep = [], True
        for line in open(os.path.join(SOURCES, "SOFTWARE.txt")).read().splitlines():
            if line.startswith("["):
                keep = not line.startswith("[" + gp.CBS)
            if keep:
                soft.append(line)
        soft += gp.cbs_lines(self.pkgs, version=self.version, **self.cbs_kw) + self.extra_soft
        # ... and its deployments, whose marks name golden-pc's packages
        comp, keep = [], True
        for line in open(os.path.join(SOURCES, "COMPONENTS.txt")).read().splitlines():
            if line.startswith("["):
                keep = not line.startswith("[CanonicalData\\")
            if keep:
                comp.append(line)
        comp += self.extra_comp
        for name, lines in (("SOFTWARE", soft), ("COMPONENTS", comp)):
            src = os.path.join(self.tmp, name + ".txt")
            with open(src, "w") as f:
                f.write("\n".join(lines) + "\n")
            args = [MKHIVE] + (["--dirty"] if dirty and name == "SOFTWARE" else [])
            subprocess.run(args + [src, os.path.join(self.cfg, name)], check=True)

    def scan(self, *extra):
        r = subprocess.run([SXSCHECK, "scan", "--format=json", "--no-payload", *extra, self.root],
                           capture_output=True, text=True)
        if r.stderr:
            raise AssertionError("stderr: " + r.stderr)
        return r.returncode, json.loads(r.stdout)


failures = 0


def check(name, img, want, exit_code=None):
    """want: {id: severity or (severity, count)} for package-layer ids."""
    global failures
    img.hives(**getattr(img, "hive_kw", {}))
    rc, doc = img.scan()
    got = {}
    for f in doc["findings"]:
        if f["id"] in PKG_IDS:
            got.setdefault(f["id"], []).append(f)
    problems = []
    for fid, sev in want.items():
        count = None
        if isinstance(sev, tuple):
            sev, count = sev
        fs = got.get(fid, [])
        if not fs:
            problems.append("missing %s" % fid)
        elif any(f["severity"] != sev for f in fs):
            problems.append("%s severities %s, want %s" % (fid, [f["severity"] for f in fs], sev))
        elif count is not None and len(fs) != count:
            problems.append("%s reported %d times, want %d" % (fid, len(fs), count))
    for fid in got:
        if fid not in want and fid != "package-cat-chain-unchecked":
            problems.append("unexpected %s: %s" % (fid, got[fid][0]["message"]))
    if exit_code is not None and rc != exit_code:
        problems.append("exit %d, want %d" % (rc, exit_code))
    if problems:
        failures += 1
        print("FAIL %s: %s" % (name, "; ".join(problems)))
    else:
        print("ok   %s" % name)
    return doc


def case(name, want, mutate=None, exit_code=None):
    with tempfile.TemporaryDirectory() as tmp:
        pkgs = healthy_packages()
        img = Image(tmp, pkgs)
        if mutate:
            mutate(img)
        return check(name, img, want, exit_code)


def by_name(img, prefix, version=None):
    for p in img.pkgs:
        if gp.ident(p).startswith(prefix) and (version is None or p["version"] == version):
            return p
    raise KeyError(prefix)


def set_state(img, prefix, state, version=None):
    p = by_name(img, prefix, version)
    p["state"] = state
    return p


def rewrite_pair(img, pkg, mum=None, cat_args=()):
    gp.write_pair(img.pkgdir, pkg, TOOLS, mum=mum, cat_args=cat_args)


def main():
    # healthy: exit 0, only the chain note (§6.2)
    doc = case("healthy-17763-shapes", {"package-cat-chain-unchecked": "info"}, exit_code=0)
    assert all(f["severity"] == "info" for f in doc["findings"]), doc["findings"]

    def lowercase_names(img):
        # §6.2.8: cab members are lower case; Windows compares ignoring case
        p = by_name(img, "Package_3_for")
        for ext in ("mum", "cat"):
            src = img.path(p, ext)
            os.rename(src, os.path.join(img.pkgdir, os.path.basename(src).lower()))
    case("healthy-lower-case-files", {"package-cat-chain-unchecked": "info"}, lowercase_names, 0)

    # package-mum-missing: the previous cumulative update's .mum (0x800f0831)
    def old_lcu_mum(img):
        os.unlink(img.path(by_name(img, "Package_for_RollupFix", "17763.1554.1.5"), "mum"))
    case("mum-missing-superseded-lcu", {"package-mum-missing": ("error", 1)}, old_lcu_mum, 1)

    def absent_pkg(img):
        p = set_state(img, "Microsoft-Windows-Hyper-V-OptionalFeature", 0x0)
        os.unlink(img.path(p, "mum"))
        os.unlink(img.path(p, "cat"))
    # an Absent package (a removed Feature on Demand, calibration.md §1.6): a note
    case("mum-missing-absent-package-is-info", {"package-mum-missing": ("info", 1)},
         absent_pkg, 0)

    def absent_pkg_cat_gone(img):
        p = set_state(img, "Microsoft-Windows-Hyper-V-OptionalFeature", 0x0)
        os.unlink(img.path(p, "cat"))
    case("cat-missing-absent-package-is-info", {"package-cat-missing": ("info", 1)},
         absent_pkg_cat_gone, 0)

    def resolved_pkg(img):
        p = set_state(img, "Microsoft-Windows-Hyper-V-OptionalFeature", 0x20)
        os.unlink(img.path(p, "mum"))
        os.unlink(img.path(p, "cat"))
    case("mum-missing-resolved-package-is-warning", {"package-mum-missing": ("warning", 1)},
         resolved_pkg, 1)

    def cat_gone(img):
        os.unlink(img.path(by_name(img, "Package_for_KB4470788"), "cat"))
    case("cat-missing", {"package-cat-missing": ("error", 1)}, cat_gone, 1)

    def mum_garbage(img):
        with open(img.path(by_name(img, "Package_2_for_KB4592440"), "mum"), "wb") as f:
            f.write(b"<?xml version='1.0'?><assembly")
    case("mum-corrupt", {"package-mum-corrupt": ("error", 1),
                         "package-mum-not-in-catalog": ("error", 1)}, mum_garbage, 1)

    def renamed(img):
        p = by_name(img, "Package_for_ServicingStack_1600")
        other = dict(p, version="17763.1601.1.1")
        other["identity"] = gp.identity(p["name"], "17763.1601.1.1")
        p["mum"] = gp.mum_text(other)  # signed, but declaring another version
        rewrite_pair(img, p)
    case("mum-name-mismatch", {"package-mum-name-mismatch": ("error", 1)}, renamed, 1)

    def edited(img):
        p = by_name(img, "Package_1_for_KB4592440")
        data = gp.mum_text(p).replace(b"Fix for", b"Fix fur")
        rewrite_pair(img, p, mum=data)
    case("mum-not-in-catalog", {"package-mum-not-in-catalog": ("error", 1)}, edited, 1)

    def truncated_cat(img):
        path = img.path(by_name(img, "Package_3_for_KB4592440"), "cat")
        data = open(path, "rb").read()
        open(path, "wb").write(data[:len(data) // 2])
    case("cat-truncated", {"package-cat-corrupt": ("error", 1)}, truncated_cat, 1)

    for knob in ("--bad-signature", "--bad-digest", "--unsigned"):
        def bad_cat(img, knob=knob):
            rewrite_pair(img, by_name(img, "Package_for_KB4470788"), cat_args=(knob,))
        case("cat" + knob, {"package-cat-corrupt": ("error", 1)}, bad_cat, 1)

    def wrong_oid(img):
        rewrite_pair(img, by_name(img, "Package_for_KB4470788"),
                     cat_args=("--content-oid", "1.2.840.113549.1.7.1"))
    case("cat-wrong-content-type", {"package-cat-corrupt": ("error", 1)}, wrong_oid, 1)

    case("state-unknown", {"package-state-unknown": ("warning", 1)},
         lambda img: set_state(img, "Package_for_KB4470788", 0x1234), 1)
    case("state-broken", {"package-state-broken": ("error", 1)},
         lambda img: set_state(img, "Package_for_KB4470788", 0xFFFFFF90), 1)
    case("partially-installed", {"package-partially-installed": ("warning", 1)},
         lambda img: set_state(img, "Microsoft-Windows-SearchEngine-Client-Package~", 0x65), 1)
    case("install-pending-stale", {"package-pending-stale": ("warning", 1)},
         lambda img: set_state(img, "Microsoft-Windows-WordPad", 0x60), 1)

    def pending_with_reboot(img):
        set_state(img, "Microsoft-Windows-WordPad", 0x60)
        img.cbs_kw = dict(reboot_pending=True)
    case("install-pending-before-reboot", {"servicing-reboot-pending": ("info", 1)},
         pending_with_reboot, 0)

    def pending_xml(img, hive_id="{0123456789abcdef0123456789abcdef}",
                    xml_id="{0123456789abcdef0123456789abcdef}"):
        with open(os.path.join(img.win, "WinSxS", "pending.xml"), "w") as f:
            f.write('<?xml version="1.0" encoding="utf-8"?>\n<PendingTransaction Version="3.1" '
                    'Identifier="%s"><Transactions/></PendingTransaction>\n' % xml_id)
        hexid = ",".join("%02x" % b for b in (hive_id + "\0").encode("utf-16-le"))
        img.extra_comp += ["[]", "PendingXmlIdentifier = hex:" + hexid, ""]

    def staged_lcu_pending(img):
        # §6.2.2, §6.2.12: a newer LCU Install Pending next to the Installed one before the reboot
        new = gp.package("Package_for_RollupFix", "17763.1637.1.4", identifier="KB4598230",
                         state=0x60, release_type="Security Update")
        img.pkgs.append(new)
        gp.write_pair(img.pkgdir, new, TOOLS)
        pending_xml(img)
    # §6.2.2, §6.2.12: normal before the reboot: notes only (the store's pending-operations too)
    doc = case("newer-lcu-pending-before-reboot", {"rollup-state": ("info", 1)},
               staged_lcu_pending, 0)
    if [f["severity"] for f in doc["findings"] if f["id"] == "pending-operations"] != ["info", "info"]:
        fail("newer-lcu-pending-before-reboot", "pending-operations %s" % [
            (f["severity"], f["file"]) for f in doc["findings"] if f["id"] == "pending-operations"])

    def staged_lcu_no_pending(img):
        new = gp.package("Package_for_RollupFix", "17763.1637.1.4", identifier="KB4598230",
                         state=0x40, release_type="Security Update")
        img.pkgs.append(new)
        gp.write_pair(img.pkgdir, new, TOOLS)
    case("newer-lcu-staged-no-pending", {"rollup-state": ("warning", 1)}, staged_lcu_no_pending, 1)

    def lcu_pending_reboot_key(img):
        # §6.2.12: CBS RebootPending alone (no pending.xml) also says the update waits for its reboot
        new = gp.package("Package_for_RollupFix", "17763.1637.1.4", identifier="KB4598230",
                         state=0x60, release_type="Security Update")
        img.pkgs.append(new)
        gp.write_pair(img.pkgdir, new, TOOLS)
        img.cbs_kw = dict(reboot_pending=True)
    case("newer-lcu-install-pending-reboot-pending", {"rollup-state": ("info", 1),
                                                     "servicing-reboot-pending": ("info", 1)},
         lcu_pending_reboot_key, 0)

    case("two-lcus-installed", {"rollup-state": ("warning", 1)},
         lambda img: set_state(img, "Package_for_RollupFix", 0x70, "17763.1554.1.5"), 1)

    case("pending-transaction-mismatch",
         {"pending-transaction-mismatch": ("error", 1)},
         lambda img: pending_xml(img, xml_id="{ffffffffffffffffffffffffffffffff}"), 1)
    case("pending-xml-without-identifier", {"pending-transaction-mismatch": ("warning", 1)},
         lambda img: open(os.path.join(img.win, "WinSxS", "pending.xml"), "w").write(
             '<PendingTransaction Identifier="{1}"/>'), 1)

    def child_gone(img):
        p = by_name(img, "Package_for_KB4470788")
        ghost = gp.package("Package_9_for_KB4470788", "10.0.1.1")
        p["children"] = [("4470788-9_neutral_PACKAGE", ghost, {})]
        rewrite_pair(img, p)
    case("child-missing", {"package-child-missing": ("warning", 1)}, child_gone, 1)

    def sub_gone(img):
        p = by_name(img, "Package_2_for_KB4592440")
        os.unlink(img.path(p, "mum"))
        os.unlink(img.path(p, "cat"))
    # reported once, as the cumulative update's missing sub-package
    case("rollup-subpackage-missing", {"rollup-subpackage-missing": ("error", 1)}, sub_gone, 1)

    def sub_never_registered(img):
        p = by_name(img, "Package_3_for_KB4592440")
        img.pkgs.remove(p)
        os.unlink(img.path(p, "mum"))
        os.unlink(img.path(p, "cat"))
    case("rollup-subpackage-missing-no-key", {"rollup-subpackage-missing": ("error", 1)},
         sub_never_registered, 1)

    def ssv_missing(img):
        img.version = ("10.0.17763.1697", SSU_FOLDER.replace("1613", "1697"))
    case("servicing-stack-folder-missing", {"servicing-stack-version": ("error", 1)}, ssv_missing, 1)

    def ssv_wrong_version(img):
        img.version = ("10.0.17763.1600", SSU_FOLDER)
    # names the 1613 folder and is older than LastWCPVersionToAccessStore 1613
    case("servicing-stack-version-mismatch", {"servicing-stack-version": ("warning", 2)},
         ssv_wrong_version, 1)

    case("servicing-stack-no-version-key", {"servicing-stack-version": ("info", 1)},
         lambda img: setattr(img, "version", None), 0)

    def ssv_two(img):
        img.extra_soft += ["[%s\\Version]" % gp.CBS,
                           '"10.0.17763.1" = expand-sz:%s' % gp.q("%SystemRoot%\\WinSxS\\" + SSU_FOLDER)]
        img.version = None
    case("servicing-stack-two-values", {"servicing-stack-version": "warning"}, ssv_two, 1)

    # Windows loads the highest Version value (CbsFindServicingStackDirectory): an older
    # stack's value left behind, its folder already scavenged, is a note, not an error
    def ssv_values(img, *versions):
        img.version = None
        img.extra_soft += ["[%s\\Version]" % gp.CBS] + [
            '"10.0.17763.%s" = expand-sz:%s'
            % (v, gp.q("%SystemRoot%\\WinSxS\\" + SSU_FOLDER.replace("1613", v))) for v in versions]

    def ssv_older_left(img):
        ssv_values(img, "1490", "1613")
    case("servicing-stack-older-value-left", {"servicing-stack-version": ("info", 2)},
         ssv_older_left, 0)

    def ssv_newer_missing(img):
        ssv_values(img, "1613", "1697")
    with tempfile.TemporaryDirectory() as tmp:
        img = Image(tmp, healthy_packages())
        ssv_newer_missing(img)
        img.hives()
        rc, doc = img.scan()
        got = sorted((f["severity"], f["message"]) for f in doc["findings"]
                     if f["id"] == "servicing-stack-version")
        if rc != 1 or [g[0] for g in got] != ["error", "info"] or "17763.1697" not in got[0][1]:
            fail("servicing-stack-highest-value-folder-missing", "exit %d, %s" % (rc, got))
        else:
            print("ok   servicing-stack-highest-value-folder-missing")

    case("sessions-exclusive", {"sessions-exclusive": ("info", 1)},
         lambda img: setattr(img, "cbs_kw", dict(sessions={"Exclusive": 1})), 0)

    def defvis(img):
        by_name(img, "Package_for_KB4470788")["defvis"] = True
    case("tampered-defvis", {"package-tampered": ("info", 1)}, defvis, 0)

    def decoupled(img):
        by_name(img, "Package_1_for_KB4592440")["owners"] = []
    case("tampered-no-owners", {"package-tampered": ("info", 1)}, decoupled, 0)

    def orphan(img):
        stray = gp.package("Package_for_KB9999999", "10.0.1.0", identifier="KB9999999")
        gp.write_pair(img.pkgdir, stray, TOOLS)
    case("orphan-mum", {"package-orphan-mum": ("warning", 1)}, orphan, 1)

    def lone_cat(img):
        stray = gp.package("Package_for_KB9999998", "10.0.1.0", identifier="KB9999998")
        gp.write_pair(img.pkgdir, stray, TOOLS)
        os.unlink(img.path(stray, "mum"))
    case("orphan-lone-cat", {"package-orphan-mum": ("warning", 1)}, lone_cat, 1)

    def installname(img):
        by_name(img, "Package_for_KB4470788")["install_name"] = "update.mum"
    case("installname-mismatch", {"package-installname-mismatch": ("warning", 1)}, installname, 1)

    def installname_bare(img):
        # the identity without ".mum" (a real key copied in the EnterpriseG guide, packages.md §4.1)
        p = by_name(img, "Package_for_KB4470788")
        p["install_name"] = gp.ident(p)
    case("installname-identity-without-extension", {"package-cat-chain-unchecked": "info"},
         installname_bare, 0)

    def mum_is_dir(img):
        p = by_name(img, "Package_for_KB4470788")
        os.unlink(img.path(p, "mum"))
        os.mkdir(img.path(p, "mum"))
    case("mum-unreadable", {"package-file-unreadable": ("error", 1)}, mum_is_dir, 1)

    def mum_huge(img):
        # a sparse 20 MB .mum: over the 16 MB limit, refused before it is read
        with open(img.path(by_name(img, "Package_for_KB4470788"), "mum"), "r+b") as f:
            f.truncate(20 << 20)
    doc = case("mum-over-the-size-limit", {"package-file-unreadable": ("error", 1)}, mum_huge, 1)
    msg = [f["message"] for f in doc["findings"] if f["id"] == "package-file-unreadable"]
    if not msg or "limit" not in msg[0]:
        fail("mum-over-the-size-limit", "message does not name the limit: %s" % msg)

    def doctype_mum(img):
        p = by_name(img, "Package_for_KB4470788")
        p["mum"] = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbbbb"><!ENTITY c "&b;&b;&b;">]>'
                    + gp.mum_text(p).split(b"?>", 1)[1])
        rewrite_pair(img, p)
    case("mum-with-doctype-refused", {"package-mum-corrupt": ("error", 1)}, doctype_mum, 1)

    def mum_link(img):
        p = by_name(img, "Package_for_KB4470788")
        os.unlink(img.path(p, "mum"))
        os.symlink("/etc/passwd", img.path(p, "mum"))
    case("mum-symlink", {"link-refused": ("warning", 1)}, mum_link, 1)

    # the gate: a dirty SOFTWARE hive turns package errors into warnings
    def dirty(img):
        old_lcu_mum(img)
        img.hive_kw = dict(dirty=True)
    doc = case("gate-dirty-hive", {"package-mum-missing": ("warning", 1)}, dirty, 1)
    msgs = [f["message"] for f in doc["findings"] if f["id"] == "package-mum-missing"]
    if not msgs or "may be transient" not in msgs[0]:
        global failures
        failures += 1
        print("FAIL gate-dirty-hive: message lacks 'may be transient': %s" % msgs)

    # DISM categories in the summary
    doc = case("summary-counts-cbs-categories",
               {"package-mum-missing": "error"}, old_lcu_mum, 1)
    s = doc["summary"]
    if s.get("cbs_manifest_corruption") != 1:
        failures += 1
        print("FAIL summary-counts-cbs-categories: summary %s" % s)
    real_esu_case()
    replay_case()
    roots_cases()
    compare_cases()
    return 1 if failures else 0


def real_esu_case():
    """The real KB4528069 pairs (../shared/vectors/pkg; never committed) beside the self-made
    ones: real signatures, a BOM on update.mum, CRLF, lower-case cab names stored under the
    identity (packages.md §2.2, §7).  Only the applicable Package_1 installs; Package_2 (the
    embedded-parent twin of the same deployment) stays Absent, as on a real machine (§6.2.5)."""
    vec = os.path.join(SRC, "..", "shared", "vectors", "pkg")
    if not os.path.isdir(vec):
        print("skip healthy-with-real-esu-pairs: no ../shared/vectors")
        return
    with tempfile.TemporaryDirectory() as tmp:
        img = Image(tmp, healthy_packages())
        for arch, cab in (("amd64", "esu-kb4528069-x64"), ("x86", "esu-kb4528069-x86")):
            d = os.path.join(vec, cab, "cab")
            states = {"Package_for_KB4528069": 0x70, "Package_for_KB4528069_SP1": 0x70,
                      "Package_1_for_KB4528069": 0x70, "Package_2_for_KB4528069": 0x0,
                      "Package_3_for_KB4528069": 0x70}
            for name, state in states.items():
                base = "update" if name == "Package_for_KB4528069" else \
                    "%s~31bf3856ad364e35~%s~~6.1.1.1" % (name.lower(), arch)
                ident_ = gp.identity(name, "6.1.1.1", arch)
                gp.copy_real_pair(os.path.join(d, base + ".mum"), os.path.join(d, base + ".cat"),
                                  img.pkgdir, ident_)
                parent = [] if name == "Package_for_KB4528069" else [FOUNDATION]
                img.pkgs.append(gp.package(name, "6.1.1.1", arch=arch, state=state,
                                           identifier="KB4528069", parents=parent, files=False))
        img.hives()
        rc, doc = img.scan()
        bad = [(f["id"], f["message"]) for f in doc["findings"] if f["severity"] != "info"]
        verified = doc["stats"].get("package_pairs_verified", 0)
        if bad or rc != 0 or verified != len(img.pkgs):
            fail("healthy-with-real-esu-pairs", "exit %d, %d/%d verified, %s" %
                 (rc, verified, len(img.pkgs), bad[:5]))
        else:
            print("ok   healthy-with-real-esu-pairs")


def replay_case():
    """A SOFTWARE hive whose newest changes are only in its logs (hive/replay.c): the package
    layer reads the replayed hive, so a state that the logs already moved on is not reported."""
    if not MKLOG:
        print("skip package-state-from-replayed-hive: no mklog")
        return
    with tempfile.TemporaryDirectory() as tmp:
        img = Image(tmp, healthy_packages())
        set_state(img, "Microsoft-Windows-WordPad", 0x60)   # the stale primary says Install Pending
        img.hives()
        old = os.path.join(tmp, "old.hive")
        shutil.copyfile(os.path.join(img.cfg, "SOFTWARE"), old)
        set_state(img, "Microsoft-Windows-WordPad", 0x40)   # the logs say Staged
        img.hives()
        new = os.path.join(tmp, "new.hive")
        shutil.copyfile(os.path.join(img.cfg, "SOFTWARE"), new)
        for f in os.listdir(img.cfg):
            if f.upper().startswith("SOFTWARE"):
                os.unlink(os.path.join(img.cfg, f))
        subprocess.run([MKLOG, old, new, os.path.join(img.cfg, "SOFTWARE")], check=True)
        rc, doc = img.scan()
        ids = {f["id"] for f in doc["findings"] if f["id"] in PKG_IDS} - {"package-cat-chain-unchecked"}
        if ids or rc != 0:
            fail("package-state-from-replayed-hive", "exit %d, %s" % (rc, sorted(ids)))
        else:
            print("ok   package-state-from-replayed-hive")


def roots_cases():
    """--catalog-roots: chains checked against the given roots, dates never compared with today."""
    with tempfile.TemporaryDirectory() as tmp:
        img = Image(tmp, healthy_packages())
        img.hives()
        for name, pem, want in (("chain-valid-with-root", "root.pem", set()),
                                ("chain-invalid-with-other-root", "other-root.pem",
                                 {"package-cat-chain-invalid"})):
            rc, doc = img.scan("--catalog-roots=" + os.path.join(TOOLS.pki, pem))
            got = {f["id"] for f in doc["findings"] if f["id"] in PKG_IDS}
            if got != want:
                fail(name, "ids %s, want %s" % (sorted(got), sorted(want)))
            else:
                print("ok   %s" % name)


def fail(name, why):
    global failures
    failures += 1
    print("FAIL %s: %s" % (name, why))


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def compare_cases():
    """compare plans the verified golden pair; the scripts copy it (packages.md §6.1)."""
    with tempfile.TemporaryDirectory() as tmp:
        gdir, bdir = os.path.join(tmp, "g"), os.path.join(tmp, "b")
        os.makedirs(gdir)
        os.makedirs(bdir)
        golden = Image(gdir, healthy_packages())
        golden.hives()
        broken = Image(bdir, healthy_packages())
        # the previous LCU's .mum gone, a sub-package's .mum edited, one never registered
        os.unlink(broken.path(by_name(broken, "Package_for_RollupFix", "17763.1554.1.5"), "mum"))
        sub1 = by_name(broken, "Package_1_for_KB4592440")
        rewrite_pair(broken, sub1, mum=gp.mum_text(sub1).replace(b"Fix for", b"Fix fur"))
        sub3 = by_name(broken, "Package_3_for_KB4592440")
        broken.pkgs.remove(sub3)
        os.unlink(broken.path(sub3, "mum"))
        os.unlink(broken.path(sub3, "cat"))
        broken.hives()
        want = {gp.ident(p) for p in (by_name(golden, "Package_for_RollupFix", "17763.1554.1.5"),
                                       by_name(golden, "Package_1_for_KB4592440"),
                                       by_name(golden, "Package_3_for_KB4592440"))}

        def planned(doc):
            return {a["package"]: a for a in doc.get("plan", doc.get("actions", []))
                    if a.get("action") == "restore-package"}

        r = run([SXSCHECK, "compare", "--format=json", broken.root, "--golden", golden.root])
        doc = json.loads(r.stdout)
        acts = planned(doc)
        if set(acts) != want or r.returncode != 1:
            fail("compare-plans-golden-pairs", "exit %d, planned %s" % (r.returncode, sorted(acts)))
        else:
            gm = open(golden.path(by_name(golden, "Package_1_for_KB4592440"), "mum"), "rb").read()
            import hashlib
            a = acts[gp.ident(sub1)]
            if a["mum_sha256"] != hashlib.sha256(gm).hexdigest() or not a["mum_exists"]:
                fail("compare-plans-golden-pairs", "wrong hash or existence: %s" % a)
            else:
                print("ok   compare-plans-golden-pairs")
        # a reference of the golden image plans the same
        ref = os.path.join(tmp, "golden.sxsref")
        run([SXSCHECK, "snapshot", golden.root, "-o", ref])
        r2 = run([SXSCHECK, "compare", "--format=json", broken.root, "--reference", ref])
        acts2 = planned(json.loads(r2.stdout)) if r2.stdout else {}
        if {k: (v["mum_sha256"], v["cat_sha256"]) for k, v in acts2.items()} != \
           {k: (v["mum_sha256"], v["cat_sha256"]) for k, v in acts.items()}:
            fail("compare-reference-plans-the-same", "%s / %s" % (sorted(acts2), r2.stderr))
        else:
            print("ok   compare-reference-plans-the-same")
        # the PowerShell script carries the step with both hashes (once the script
        # templates know restore-package: until then the writer leaves it out, saying so)
        ps1 = os.path.join(tmp, "repair.ps1")
        run([SXSCHECK, "compare", broken.root, "--golden", golden.root, "--script=ps1", "-o", ps1])
        text = open(ps1, encoding="utf-8-sig").read()
        scripts_know = "(restore-package) left out" not in text
        if not scripts_know:
            print("skip repair-ps1-package-steps: the script templates do not know restore-package yet")
        elif text.count("RestorePackage") < 3 or text.lower().count(
                acts[gp.ident(sub1)]["cat_sha256"].lower()) < 1:
            fail("repair-ps1-package-steps", "steps or hashes missing")
        else:
            print("ok   repair-ps1-package-steps")
        # the offline script copies them; the image then scans clean at the package layer
        script = os.path.join(tmp, "repair.sh")
        run([SXSCHECK, "compare", broken.root, "--golden", golden.root, "--script=sh", "-o", script])
        if shutil.which("shellcheck"):
            sc = run(["shellcheck", "-s", "sh", script])
            if sc.returncode:
                fail("repair-sh-shellcheck", sc.stdout[:2000])
        r3 = run(["sh", script, "--apply", broken.root, os.path.join(golden.root, "Windows", "WinSxS")])
        if not scripts_know:
            print("skip repair-sh-restores-pairs: the script templates do not know restore-package yet")
        elif r3.returncode:
            fail("repair-sh-restores-pairs", r3.stdout[-2000:] + r3.stderr[-2000:])
        else:
            rc, doc = broken.scan()
            bad = [f for f in doc["findings"] if f["id"] in PKG_IDS and f["severity"] != "info"]
            # the never-registered sub-package now has a pair but no key: an orphan is all that is left
            if [f["id"] for f in bad] != ["package-orphan-mum"]:
                fail("repair-sh-restores-pairs", "after repair: %s" % [(f["id"], f["message"]) for f in bad])
            else:
                print("ok   repair-sh-restores-pairs")
        # a package the golden side does not have: unfixable, with what is needed
        os.unlink(golden.path(by_name(golden, "Package_for_KB4470788"), "mum"))
        os.unlink(broken.path(by_name(broken, "Package_for_KB4470788"), "mum"))
        r4 = run([SXSCHECK, "compare", "--format=json", broken.root, "--golden", golden.root])
        un = [u for u in json.loads(r4.stdout).get("unfixable", []) if u.get("package")]
        if len(un) != 1 or "Package_for_KB4470788" not in un[0]["package"]:
            fail("compare-unfixable-package", "%s" % un)
        else:
            print("ok   compare-unfixable-package")


if __name__ == "__main__":
    sys.exit(main())
