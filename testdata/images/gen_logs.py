#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Servicing logs and the SYSTEM hive source of the demo images (issue 13).

Called by mkimages.py.  The branch PC gets Windows/Logs/CBS/ and
Windows/Logs/DISM/dism.log modeled on the support case (DEVELOPERS.md,
../shared/docs/cbslog.md §10 seed-case notes): the update fails for months,
first with access denied in SoftwareDistribution\\Download (a third-party file
system filter, TmPreFlt/gscfmgr), then the Update Orchestrator aborts after
30 minutes, then a PSFX reverse delta will not apply (0x800f0985), the SPP
advanced installer fails at boot (0x8007000d -> 0x800f0922), a delete is
pending in WinSxS\\Temp\\InFlight, and DISM /ScanHealth lists the corrupt
payloads.  The golden PC gets a healthy CBS.log.  These logs are CONSTRUCTED
(the first line of each says so); the real ones are in ../shared/vectors/cbs.

The older history is a CbsPersist_*.cab as Windows rotates it (cbslog.md §7),
written here with MSZIP compression (Windows uses LZX; libmspack reads both).
Everything is deterministic: the images-in-sync test regenerates and compares.
"""
import os
import struct
import zlib

PKT = "31bf3856ad364e35"
NOV = "Package_for_RollupFix~%s~amd64~~17763.1577.1.5" % PKT
DEC = "Package_for_RollupFix~%s~amd64~~17763.1637.1.6" % PKT


# ---- cabinet writer (MS-CAB, one folder, MSZIP) ----

def _cab_checksum(data, seed=0):
    """The CFDATA checksum of the cabinet format: XOR of little-endian dwords, tail bytes folded in."""
    csum = seed
    n = len(data) // 4
    for (v,) in struct.iter_unpack("<I", data[:n * 4]):
        csum ^= v
    tail = data[n * 4:]
    ul = 0
    if len(tail) == 3:
        ul = (tail[0] << 16) | (tail[1] << 8) | tail[2]
    elif len(tail) == 2:
        ul = (tail[0] << 8) | tail[1]
    elif len(tail) == 1:
        ul = tail[0]
    return csum ^ ul


def cab_bytes(member, data, compress=True, checksums=True):
    """A one-file cabinet holding `data` as `member` (MSZIP blocks of 32 KiB, or stored)."""
    blocks = []
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = [data[i:i + 32768] for i in range(0, len(data), 32768)] or [b""]
    for i, chunk in enumerate(chunks):
        if compress:
            # MSZIP: "CK" then deflate; the window carries over from block to block
            last = i == len(chunks) - 1
            body = b"CK" + comp.compress(chunk) + comp.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
        else:
            body = chunk
        sizes = struct.pack("<HH", len(body), len(chunk))
        csum = _cab_checksum(sizes, _cab_checksum(body)) if checksums else 0
        blocks.append(struct.pack("<I", csum) + sizes + body)
    name = member.encode() + b"\0"
    hdr_len, folder_len = 36, 8
    file_len = 16 + len(name)
    data_off = hdr_len + folder_len + file_len
    total = data_off + sum(len(b) for b in blocks)
    header = struct.pack("<4sIIIIIBBHHHHH", b"MSCF", 0, total, 0, hdr_len + folder_len, 0, 3, 1, 1, 1, 0, 0x1234, 0)
    folder = struct.pack("<IHH", data_off, len(blocks), 1 if compress else 0)
    # 2020-12-15 09:30:00, archive attribute
    date = ((2020 - 1980) << 9) | (12 << 5) | 15
    time = (9 << 11) | (30 << 5)
    cffile = struct.pack("<IIHHHH", len(data), 0, 0, date, time, 0x20) + name
    return header + folder + cffile + b"".join(blocks)


# ---- log writer ----

class Log:
    def __init__(self, what, start):
        self.lines = ["# CONSTRUCTED servicing log of a sxscheck demo image, not a real log: " + what]
        self.t = list(start)

    def tick(self, s):
        y, mo, d, h, mi, se = self.t
        se += s
        mi += se // 60
        se %= 60
        h += mi // 60
        mi %= 60
        d += h // 24
        h %= 24
        self.t = [y, mo, d, h, mi, se]

    def add(self, msg, level="Info", source="CBS", dt=0):
        self.tick(dt)
        ts = "%04d-%02d-%02d %02d:%02d:%02d" % tuple(self.t)
        self.lines.append("%s, %-22s%-7s%s" % (ts, level, source, msg))

    def raw(self, text):
        self.lines.append(text)

    def ti_start(self, boot, dt=60, startup=False):
        self.add("TI: --- Initializing Trusted Installer ---", dt=dt)
        self.add("TI: Last boot time: %s" % boot)
        for m in ("Starting TrustedInstaller initialization.", "Ending TrustedInstaller initialization.",
                  "Starting the TrustedInstaller main loop.", "TrustedInstaller service starts successfully."):
            self.add(m)
        if not startup:
            self.add("No startup processing required, TrustedInstaller service was not set as autostart")
        self.add("Starting TiWorker initialization.", dt=1)
        self.add("TiWorker starts successfully.")
        self.add("Loaded Servicing Stack v10.0.17763.1613 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_%s_10.0.17763.1613_none_56ccb10399321418\\cbscore.dll" % PKT)
        self.add("00000001 WcpInitialize: wcp.dll version 10.0.17763.1613 (WinBuild.160101.0800)", source="CSI")

    def install(self, sid, client, pkg, kb, body, hr, name, source="Execute"):
        self.add("Session: %s initialized by client %s, external staging directory: (null), external registry directory: (null)" % (sid, client), dt=5)
        self.add("Exec: Processing started.  Client: %s, Session: %s, Package: %s, Identifier: %s" % (client, sid, pkg, kb))
        self.add("Exec: Installing Package: %s, Update: %s-1_neutral_PACKAGE, InstallDeployment: amd64_microsoft-windows-kernel32_%s_10.0.17763.1637_none_e0a4fb0e28c9b3c2" % (pkg, kb[2:], PKT), dt=1)
        body(self)
        if hr != "0x00000000":
            self.add("WER: Generating failure report for package: %s, status: %s, failure source: %s, start state: Staged, target state: Installed, client id: %s" % (pkg, hr, source, client))
        self.add("Exec: Processing complete.  Session: %s, Package: %s, Identifier: %s [HRESULT = %s - %s]" % (sid, pkg, kb, hr, name))
        if hr != "0x00000000":
            self.add("Failed to perform operation.  [HRESULT = %s - %s]" % (hr, name), level="Error")
        self.add("Session: %s finalized. Reboot required: no [HRESULT = %s - %s]" % (sid, hr, name))

    def text(self):
        return "\ufeff" + "\r\n".join(self.lines) + "\r\n"


def _dpx_access_denied(L):
    L.add("Started DPX phase: Resume and Download Job", source="DPX", dt=2)
    L.add("Started DPX phase: Apply Deltas Provided In File", source="DPX")
    L.add("Failed to open file \\\\?\\C:\\Windows\\SoftwareDistribution\\Download\\5e0c2a3b1f9d4c7a8b6e2d1f0a9c8b7e\\Windows10.0-KB4586793-x64.cab for extraction [HRESULT = 0x80070005 - E_ACCESSDENIED]", level="Error", source="DPX", dt=40)
    L.add("Ended DPX phase: Apply Deltas Provided In File", source="DPX")
    L.add("Failed to extract the files from the update package [HRESULT = 0x80070005 - E_ACCESSDENIED]", level="Error")


def _uso_abort(L):
    L.add("Exec: Stage Progress: 40%, waiting for the install callback", dt=900)
    L.add("Exec: Client requested abort of the operation [HRESULT = 0x800f0821 - CBS_E_ABORT]", dt=900)
    L.add("Failed to execute execution chain. [HRESULT = 0x800f0821 - CBS_E_ABORT]", level="Error")


def _psfx(L):
    kf = "amd64_microsoft-windows-kernel32_%s_10.0.17763.1613_none_e12b34fc28332262" % PKT
    L.add("0000014e (F) onecore\\base\\wcp\\rtllib\\win32lib\\delta_library.cpp(287): Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated in function Windows::Rtl::DeltaDecompressBuffer expression: g_pfnApplyDeltaB(( (DELTA_FLAG_TYPE)0x00000000 ), ReferenceInput, CompressedInput, &UncompressedOutput)", level="Error", source="CSI", dt=300)
    L.raw("[gle=0x80004005]")
    L.add("0000014f (F) Hydration failed with error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) . Delta Type: Reverse Delta , IntegrityState Valid: false , RetrievedChecksum: 763531355 , ComputedChecksum: 1229185059[gle=0x80004005]", level="Error", source="CSI")
    L.add("00000150 (F) Hydration failed for component Microsoft-Windows-Kernel32, version 10.0.17763.1613, arch amd64, nonSxS, pkt {l:8 b:%s} on file kernel32.dll with NTSTATUS -1073283059. Matching Component = Microsoft-Windows-Kernel32, version 10.0.17763.1637, arch amd64, nonSxS, pkt {l:8 b:%s}[gle=0x80004005]" % (PKT, PKT), level="Error", source="CSI")
    L.add("00000151 Warning: Unable to repair payload file ([l:12]'kernel32.dll') for component ([l:87 ml:140]'%s') from backups directory with disposition (2)" % kf, source="CSI")
    L.add("Failed to process single phase execution. [HRESULT = 0x800f0985 - PSFX_E_APPLY_REVERSE_DELTA_FAILED]", level="Error")


def _delete_pending(L):
    kf = "amd64_microsoft-windows-kernel32_%s_10.0.17763.1637_none_e0a4fb0e28c9b3c2" % PKT
    L.add("0000010f (F) STATUS_DELETE_PENDING #2331781# from Windows::Rtl::SystemImplementation::DirectFileSystemProvider::SysCreateFile(flags = (AllowSharingViolation), da = (DELETE|SYNCHRONIZE|FILE_READ_ATTRIBUTES), oa = @0x9c7e3f2a10->OBJECT_ATTRIBUTES {s:48; rd:NULL; on:[173]'\\??\\C:\\Windows\\WinSxS\\Temp\\InFlight\\8c1e6e4f2ad7d601c1020000d011f00c\\%s\\kernel32.dll'; a:(OBJ_CASE_INSENSITIVE)}, disp = Invalid)[gle=0xd0000056]" % kf, level="Error", source="CSI", dt=120)
    L.add("Failed to execute execution chain. [HRESULT = 0x8007012f - ERROR_DELETE_PENDING]", level="Error")


def persisted_log():
    L = Log("November 2020: the CU fails, access denied under SoftwareDistribution\\Download, then USO gives up after 30 minutes",
            [2020, 11, 18, 3, 0, 0])
    L.ti_start("2020-11-18 02:58:40.120")
    L.install("30853216_1500000001", "UpdateAgentLCU", NOV, "KB4586793", _dpx_access_denied,
              "0x80070005", "E_ACCESSDENIED", "Download")
    L.ti_start("2020-11-25 03:01:10.500", dt=7 * 86400)
    L.install("30854224_1600000002", "UpdateAgentLCU", NOV, "KB4586793", _uso_abort,
              "0x800f0821", "CBS_E_ABORT")
    return L


def branch_cbs_log():
    L = Log("December 2020: the CU fails on a reverse delta, the SPP installer fails at boot, a delete is pending, DISM /ScanHealth lists corrupt payloads",
            [2020, 12, 15, 9, 30, 0])
    L.ti_start("2020-12-15 09:28:51.300", dt=0)
    L.install("30857640_1700000003", "UpdateAgentLCU", DEC, "KB4592440", _psfx,
              "0x800f0985", "PSFX_E_APPLY_REVERSE_DELTA_FAILED")
    # after the reboot: the SPP advanced installer (the seed case's SppInstaller hr=0x8007000d)
    L.ti_start("2020-12-15 10:02:13.800", dt=1800, startup=True)
    for m in ("Startup: BlockTime: 10800000ms, BlockTimeIncrement: 900000ms", "Startup: current ExecuteState is CbsExecuteStateResolvePending",
              "Startup: Processing advanced operation queue, startupPhase: 0"):
        L.add(m)
    L.add("00000012 Begin executing advanced installer phase 38 index 1215 (sequence 1274)", source="CSI", dt=20)
    L.raw("    Installer name: [l:12]'SppInstaller'")
    L.add("00000014 (F) Failed execution of queue item Installer: SppInstaller ({27c4ed31-5d3b-4ab2-a0a1-7d0e7e6f6d2f}) with HRESULT 0x8007000d.  Failure will not be ignored: A rollback will be initiated after all the operations in the installer queue are completed; installer is reliable[gle=0x80004005]", level="Error", source="CSI", dt=2)
    L.add("Startup: Failed to process advanced operation queue, startupPhase: 0.  A rollback transaction will be created. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]", level="Error")
    L.add("WER: Generating failure report for package: %s, status: 0x800f0922, failure source: AI, start state: Staged, target state: Installed, client id: UpdateAgentLCU" % DEC)
    L.add("Setting original failure status: 0x800f0922, last forward execute state: CbsExecuteStateResolvePending")
    L.add("Startup: Processing complete. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]", dt=40)
    # the next try: a delete still pending in WinSxS\Temp\InFlight
    L.ti_start("2020-12-16 08:12:40.000", dt=22 * 3600)
    L.install("30857760_1800000004", "UpdateAgentLCU", DEC, "KB4592440", _delete_pending,
              "0x8007012f", "ERROR_DELETE_PENDING")
    # the admin checks the store
    ci = "amd64_microsoft-windows-codeintegrity_%s_10.0.17763.1613_none_ede540f8d6a77dfa" % PKT
    spp = "amd64_microsoft-windows-security-spp_%s_10.0.17763.1613_none_67cea732f2da8c9a" % PKT
    npd = "amd64_microsoft-windows-notepad_%s_10.0.17763.1_none_5fe07760c829276f" % PKT
    sid = "30857790_1900000005"
    L.add("Session: %s initialized by client DISM Package Manager Provider, external staging directory: (null), external registry directory: (null)" % sid, dt=600)
    L.add("Client specifies manual store corruption detect or repair.")
    L.add("Exec: Session processing started.  Client: Manual, Session(DISM Package Manager Provider Store Corruption Detect/Repair): %s" % sid)
    L.add("00000001 Starting corruption detection (InnerFlags=5)", source="CSI", dt=5)
    L.add("00000002 Hashes for file member [l:10]'driver.stl' do not match.", source="CSI", dt=60)
    L.raw(" Expected: {l:32 ml:33 b:997eb8cc43bae45698184649acb57bf9bb774bdde587fa4356a701a7a9cd07d1}.")
    L.raw(" Actual: {l:32 b:f48e060707421d6a25bdf641d2124b8083bb6f710f9a5219c53471c8cf6b736e}.")
    L.add("00000003 Hashes for file member [l:11]'sppobjs.dll' do not match.", source="CSI")
    L.raw(" Expected: {l:32 ml:33 b:5e3c5e791368cda1f46df590aab6ae5db1222050074b7c39e5ddb2aefa4f7ba3}.")
    L.raw(" Actual: {l:32 b:3c0bc07199dec3a74d9ed020159b5c2ea9aa07a41feec09f5a02347abfe94d57}.")
    L.add("00000004 (F) Attempting to mark store corrupt with category [l:18 ml:19]'CorruptPayloadFile'[gle=0x80004005]", level="Error", source="CSI")
    L.add("00000005 Corruption detection complete. numCorruptions = 3, Disp = 1.", source="CSI")
    for m in ("", "=================================", "Checking System Update Readiness.", "",
              "(p)\tCSI Payload Corrupt\t(n)\t\t%s\\driver.stl" % ci,
              "(p)\tCSI Payload Corrupt\t(n)\t\t%s\\sppobjs.dll" % spp,
              "(p)\tCSI Payload Corrupt\t(n)\t\t%s\\notepad.exe" % npd, "", "Summary:",
              "Operation: Detect only ", "Operation result: 0x0", "Last Successful Step: Entire operation completes.",
              "Total Detected Corruption:\t3", "\tCBS Manifest Corruption:\t0", "\tCBS Metadata Corruption:\t0",
              "\tCSI Manifest Corruption:\t0", "\tCSI Metadata Corruption:\t0", "\tCSI Payload Corruption:\t3",
              "Total Repaired Corruption:\t0", "\tCBS Manifest Repaired:\t0", "\tCSI Manifest Repaired:\t0",
              "\tCSI Payload Repaired:\t0", "\tCSI Store Metadata refreshed:\tTrue", "", "Total Operation Time: 65 seconds."):
        L.add(m)
    L.add("Exec: Processing complete, session(Corruption Detecting): %s [HRESULT = 0x00000000 - S_OK]" % sid)
    L.add("Session: %s finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]" % sid)
    return L


def branch_dism_log():
    L = Log("DISM /RestoreHealth with an install.wim given as a folder (cbslog.md 11)", [2020, 12, 15, 12, 40, 0])
    for m in ("DISM.EXE: ", "DISM.EXE: <----- Starting Dism.exe session ----->", "DISM.EXE: ",
              "DISM.EXE: Host machine information: OS Version=10.0.17763, Running architecture=amd64, Number of processors=4",
              "DISM.EXE: Executing command line: dism  /online /cleanup-image /restorehealth /source:D:\\sources\\install.wim /limitaccess",
              "DISM.EXE: Target image information: OS Version=10.0.17763.1613, Image architecture=amd64"):
        L.add(m, source="DISM")
    L.add("DISM Package Manager: PID=4711 TID=4712 CBS AddSource failed with HRESULT=0x8007010b! - CDISMPackageManager::Internal_Finalize", level="Warning", source="DISM", dt=1)
    L.add("DISM Package Manager: PID=4711 TID=4712 Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)", level="Error", source="DISM", dt=50)
    for m in ("DISM.EXE: Image session has been closed. Reboot required=no.", "DISM.EXE: ",
              "DISM.EXE: <----- Ending Dism.exe session ----->", "DISM.EXE: "):
        L.add(m, source="DISM")
    return L


def golden_cbs_log():
    L = Log("a healthy machine: the December CU installs", [2020, 12, 15, 9, 30, 0])
    L.ti_start("2020-12-15 09:28:51.300", dt=0)
    L.install("30857640_1700000013", "UpdateAgentLCU", DEC, "KB4592440", lambda L: None, "0x00000000", "S_OK")
    return L


def write_logs(root, broken):
    """Windows/Logs of one demo image."""
    cbs = os.path.join(root, "Windows", "Logs", "CBS")
    os.makedirs(cbs, exist_ok=True)
    if broken:
        persisted = persisted_log().text().encode("utf-8")
        with open(os.path.join(cbs, "CbsPersist_20201215093000.cab"), "wb") as f:
            f.write(cab_bytes("CbsPersist_20201215093000.log", persisted))
        with open(os.path.join(cbs, "CBS.log"), "wb") as f:
            f.write(branch_cbs_log().text().encode("utf-8"))
        dism = os.path.join(root, "Windows", "Logs", "DISM")
        os.makedirs(dism, exist_ok=True)
        with open(os.path.join(dism, "dism.log"), "wb") as f:
            f.write(branch_dism_log().text().encode("utf-8"))
    else:
        with open(os.path.join(cbs, "CBS.log"), "wb") as f:
            f.write(golden_cbs_log().text().encode("utf-8"))


def system_hive_source(name, broken):
    """SYSTEM hive text (mkhive) with the file system minifilters of the image."""
    lines = ["# SYSTEM hive of %s (generated by gen_logs.py)" % name, "",
             "[Select]", "Current = dword:1", "Default = dword:1", "",
             "[ControlSet001\\Control\\Session Manager]", 'BootExecute = multi-sz:"autocheck autochk *"', ""]
    filters = [("FileInfo", "40500", "\\SystemRoot\\System32\\drivers\\fileinfo.sys", 0, "FSFilter Bottom"),
               ("Wof", "40700", "\\SystemRoot\\System32\\Drivers\\Wof.sys", 0, "FSFilter Compression"),
               ("luafv", "135000", "\\SystemRoot\\system32\\drivers\\luafv.sys", 2, "FSFilter Virtualization"),
               ("WdFilter", "328010", "\\SystemRoot\\system32\\drivers\\wd\\WdFilter.sys", 0, "FSFilter Anti-Virus")]
    if broken:
        # the support case's third-party filters (DEVELOPERS.md): an antivirus pre-filter and a file monitor
        filters += [("TmPreFlt", "325000.5", "\\SystemRoot\\system32\\DRIVERS\\TmPreFlt.sys", 0, "FSFilter Anti-Virus"),
                    ("gscfmgr", "371250", "system32\\DRIVERS\\gscfmgr.sys", 2, "FSFilter Activity Monitor")]
    for svc, alt, path, start, group in filters:
        key = "ControlSet001\\Services\\%s" % svc
        lines += ["[%s]" % key, 'ImagePath = expand-sz:"%s"' % path.replace("\\", "\\\\"), "Start = dword:%d" % start,
                  "Type = dword:2", 'Group = sz:"%s"' % group, "",
                  "[%s\\Instances]" % key, 'DefaultInstance = sz:"%s Instance"' % svc, "",
                  "[%s\\Instances\\%s Instance]" % (key, svc), 'Altitude = sz:"%s"' % alt, "Flags = dword:0", ""]
    # a service that is not a minifilter
    lines += ["[ControlSet001\\Services\\Tcpip]", 'ImagePath = expand-sz:"System32\\\\drivers\\\\tcpip.sys"',
              "Start = dword:0", ""]
    return lines
