#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the CONSTRUCTED servicing-log excerpts of testdata/cbs/.

Every failure mode of ../shared/docs/cbslog.md §10 without a public log gets
a short CBS.log excerpt built from the lines the doc quotes (§4.4, §4.5, §4.6,
§5, §6, §9, §10) and the sources it names; wording the doc does not quote is
marked "(constructed)" in the first line of the file.  They are NOT real
logs: the first line of each file says so (a leading non-record line, which
the reader counts as foreign text).  The records use Windows' column layout
(level from column 21 padded to 22, source padded to 7, message at 50),
CRLF line ends and a UTF-8 BOM, like CBS.log.

usage: mkexcerpts.py [OUTDIR]   (default: this folder)
"""
import os
import sys

PKT = "31bf3856ad364e35"
LCU = "Package_for_RollupFix~%s~amd64~~17763.1637.1.6" % PKT


def rec(ts, level, source, msg):
    return "%s, %-22s%-7s%s" % (ts, level, source, msg)


class Log:
    def __init__(self, what):
        self.lines = ["# CONSTRUCTED excerpt for sxscheck's tests, not a real log: " + what]
        self.t = [2021, 3, 2, 9, 14, 0]

    def tick(self, s=1):
        y, mo, d, h, mi, se = self.t
        se += s
        mi += se // 60
        se %= 60
        h += mi // 60
        mi %= 60
        self.t = [y, mo, d, h, mi, se]

    def ts(self):
        return "%04d-%02d-%02d %02d:%02d:%02d" % tuple(self.t)

    def add(self, level, source, msg, dt=0):
        self.tick(dt)
        self.lines.append(rec(self.ts(), level, source, msg))

    def raw(self, text):
        self.lines.append(text)

    def ti_start(self):
        for m in ("TI: --- Initializing Trusted Installer ---", "TI: Last boot time: 2021-03-02 09:10:12.500",
                  "Starting TrustedInstaller initialization.", "Ending TrustedInstaller initialization.",
                  "Starting the TrustedInstaller main loop.", "TrustedInstaller service starts successfully.",
                  "Starting TiWorker initialization.", "Ending TiWorker initialization.",
                  "Starting the TiWorker main loop.", "TiWorker starts successfully.",
                  "Universal Time is: 2021-03-02 08:14:01.100",
                  "Loaded Servicing Stack v10.0.17763.1613 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.1613_none_56ccb10399321418\\cbscore.dll"):
            self.add("Info", "CBS", m)
        self.add("Info", "CSI", "00000001@2021/3/2:08:14:01.200 WcpInitialize: wcp.dll version 10.0.17763.1613 (WinBuild.160101.0800)")

    def session(self, sid, client):
        self.add("Info", "CBS", "Session: %s initialized by client %s, external staging directory: (null), external registry directory: (null)" % (sid, client), 1)

    def exec_start(self, sid, client, pkg, ident):
        self.add("Info", "CBS", "Exec: Processing started.  Client: %s, Session: %s, Package: %s, Identifier: %s" % (client, sid, pkg, ident))
        self.add("Info", "CBS", "Exec: Resolving Package: %s, Update: 4592440-1_neutral_PACKAGE, PinDeployment: amd64_microsoft-windows-kernel32_%s_10.0.17763.1637_none_e0a4fb0e28c9b3c2" % (pkg, PKT))
        self.add("Info", "CBS", "Exec: Installing Package: %s, Update: 4592440-1_neutral_PACKAGE, InstallDeployment: amd64_microsoft-windows-kernel32_%s_10.0.17763.1637_none_e0a4fb0e28c9b3c2" % (pkg, PKT))

    def exec_end(self, sid, pkg, ident, hr, name, failed_in="Execute"):
        if hr != "0x00000000":
            self.add("Info", "CBS", "WER: Generating failure report for package: %s, status: %s, failure source: %s, start state: Staged, target state: Installed, client id: WindowsUpdateAgent" % (pkg, hr, failed_in))
        tail = ", Identifier: %s" % ident if ident else ""
        self.add("Info", "CBS", "Exec: Processing complete.  Session: %s, Package: %s%s [HRESULT = %s - %s]" % (sid, pkg, tail, hr, name))
        if hr != "0x00000000":
            self.add("Error", "CBS", "Failed to perform operation.  [HRESULT = %s - %s]" % (hr, name))
        self.add("Info", "CBS", "Session: %s finalized. Reboot required: no [HRESULT = %s - %s]" % (sid, hr, name))

    def write(self, path):
        data = "\ufeff" + "\r\n".join(self.lines[:1]) + "\r\n" + "\r\n".join(self.lines[1:]) + "\r\n"
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(data)


def payload_hash_mismatch():
    kf = "amd64_microsoft-windows-codeintegrity_%s_10.0.17763.1613_none_ede540f8d6a77dfa" % PKT
    L = Log("payload hash mismatch of driver.stl (the support case): SFC cannot repair it, DISM /ScanHealth lists it (cbslog.md 4.5, 4.6, 6)")
    L.ti_start()
    L.add("Info", "CBS", "TiWorker: Client requests SFP repair object.", 1)
    L.add("Info", "CSI", "00000005 CSI Store 2534525256704 initialized")
    for i in range(121):
        L.add("Info", "CSI", "%08x [SR] Verifying 100 components" % (6 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Beginning Verify and Repair transaction" % (7 + 3 * i))
        if i == 40:
            L.add("Info", "CSI", "000001f0 Hashes for file member [l:10]'driver.stl' do not match.")
            L.raw(" Expected: {l:32 ml:33 b:997eb8cc43bae45698184649acb57bf9bb774bdde587fa4356a701a7a9cd07d1}.")
            L.raw(" Actual: {l:32 b:f48e060707421d6a25bdf641d2124b8083bb6f710f9a5219c53471c8cf6b736e}.")
            L.add("Info", "CSI", "000001f1 [SR] Cannot repair member file [l:10]'driver.stl' of Microsoft-Windows-CodeIntegrity, version 10.0.17763.1613, arch amd64, nonSxS, pkt {l:8 b:%s} in the store, hash mismatch" % PKT)
        L.add("Info", "CSI", "%08x [SR] Verify complete" % (8 + 3 * i))
    L.add("Info", "CSI", "00000300 [SR] Repairing 1 components", 2)
    L.add("Info", "CSI", "00000301 [SR] Beginning Verify and Repair transaction")
    L.add("Info", "CSI", "00000302 [SR] Cannot repair member file [l:10]'driver.stl' of Microsoft-Windows-CodeIntegrity, version 10.0.17763.1613, arch amd64, nonSxS, pkt {l:8 b:%s} in the store, hash mismatch" % PKT)
    L.add("Info", "CSI", "00000303 [SR] Repair complete")
    L.add("Info", "CSI", "00000304 [SR] Committing transaction")
    L.add("Info", "CSI", "00000305 [SR] Verify and Repair Transaction completed. All files and registry keys listed in this transaction  have been successfully repaired")
    sid = "30869151_1175012345"
    L.session(sid, "DISM Package Manager Provider")
    L.add("Info", "CBS", "Client specifies manual store corruption detect or repair.")
    L.add("Info", "CBS", "Exec: Session processing started.  Client: Manual, Session(DISM Package Manager Provider Store Corruption Detect/Repair): %s" % sid)
    L.add("Info", "CBS", "FLOW: Entering stage: CheckCsi ")
    L.add("Info", "CSI", "00000001@2021/3/2:08:16:10.100 Starting corruption detection (InnerFlags=5)", 60)
    L.add("Info", "CSI", "00000002 Hashes for file member [l:10]'driver.stl' do not match.", 30)
    L.raw(" Expected: {l:32 ml:33 b:997eb8cc43bae45698184649acb57bf9bb774bdde587fa4356a701a7a9cd07d1}.")
    L.raw(" Actual: {l:32 b:f48e060707421d6a25bdf641d2124b8083bb6f710f9a5219c53471c8cf6b736e}.")
    L.add("Error", "CSI", "00000003@2021/3/2:08:16:40.500 (F) Attempting to mark store corrupt with category [l:18 ml:19]'CorruptPayloadFile'[gle=0x80004005]")
    L.add("Info", "CSI", "00000004@2021/3/2:08:16:40.600 Corruption detection complete. numCorruptions = 1, Disp = 1.")
    for m in ("", "=================================", "Checking System Update Readiness.", "",
              "(p)\tCSI Payload Corrupt\t(n)\t\t%s\\driver.stl" % kf, "", "Summary:",
              "Operation: Detect only ", "Operation result: 0x0", "Last Successful Step: Entire operation completes.",
              "Total Detected Corruption:\t1", "\tCBS Manifest Corruption:\t0", "\tCBS Metadata Corruption:\t0",
              "\tCSI Manifest Corruption:\t0", "\tCSI Metadata Corruption:\t0", "\tCSI Payload Corruption:\t1",
              "Total Repaired Corruption:\t0", "\tCBS Manifest Repaired:\t0", "\tCSI Manifest Repaired:\t0",
              "\tCSI Payload Repaired:\t0", "\tCSI Store Metadata refreshed:\tTrue", "", "Total Operation Time: 31 seconds."):
        L.add("Info", "CBS", m)
    L.add("Info", "CBS", "Exec: Processing complete, session(Corruption Detecting): %s [HRESULT = 0x00000000 - S_OK]" % sid)
    L.add("Info", "CBS", "Session: %s finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]" % sid)
    return L


def psfx_reverse_delta():
    L = Log("PSFX reverse delta 0x800f0985 while installing the CU; CSI hydration lines as in cbslog.md 5 (the CBS lines naming the code are constructed)")
    L.ti_start()
    sid = "30869160_2089233455"
    L.session(sid, "WindowsUpdateAgent")
    L.exec_start(sid, "WindowsUpdateAgent", LCU, "KB4592440")
    L.add("Error", "CSI", "0000014e@2021/3/2:08:20:11.120 (F) onecore\\base\\wcp\\rtllib\\win32lib\\delta_library.cpp(287): Error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) originated in function Windows::Rtl::DeltaDecompressBuffer expression: g_pfnApplyDeltaB(( (DELTA_FLAG_TYPE)0x00000000 ), ReferenceInput, CompressedInput, &UncompressedOutput)", 300)
    L.raw("[gle=0x80004005]")
    L.add("Error", "CSI", "0000014f (F) Hydration failed with error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) . Delta Type: Reverse Delta , IntegrityState Valid: true , RetrievedChecksum: 763531355 , ComputedChecksum: 763531355[gle=0x80004005]")
    L.add("Error", "CSI", "00000150 (F) Hydration failed for component Microsoft-Windows-Kernel32, version 10.0.17763.1613, arch amd64, nonSxS, pkt {l:8 b:%s} on file kernel32.dll with NTSTATUS -1073283059. Matching Component = Microsoft-Windows-Kernel32, version 10.0.17763.1637, arch amd64, nonSxS, pkt {l:8 b:%s}[gle=0x80004005]" % (PKT, PKT))
    L.add("Error", "CSI", "00000151 (F) PSFX_E_APPLY_REVERSE_DELTA_FAILED (constructed) applying the reverse delta of kernel32.dll [HRESULT = 0x800f0985 - PSFX_E_APPLY_REVERSE_DELTA_FAILED][gle=0x800f0985]")
    L.add("Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x800f0985 - PSFX_E_APPLY_REVERSE_DELTA_FAILED]")
    L.exec_end(sid, LCU, "KB4592440", "0x800f0985", "PSFX_E_APPLY_REVERSE_DELTA_FAILED")
    return L


def spp_installer():
    L = Log("SppInstaller advanced installer fails with 0x8007000d at boot, 0x800f0922 (cbslog.md 4.4 [S:MS-0922]; the CMIADAPTER wording is constructed)")
    L.ti_start()
    for m in ("Startup: BlockTime: 10800000ms, BlockTimeIncrement: 900000ms", "Startup: current ExecuteState is CbsExecuteStateResolvePending",
              "Startup: Initializing advanced operation queue.", "Startup: Processing advanced operation queue, startupPhase: 0"):
        L.add("Info", "CBS", m)
    L.add("Info", "CSI", "00000012 Begin executing advanced installer phase 38 index 1215 (sequence 1274)", 20)
    L.raw("    Old component: [l:0]'', New component: [ml:275]'Microsoft-Windows-Security-SPP-Component-SKU-EnterpriseS-License, Culture=neutral, Version=10.0.17763.1, PublicKeyToken=%s, ProcessorArchitecture=amd64, versionScope=NonSxS'" % PKT)
    L.raw("    Install mode: install")
    L.raw("    Installer ID: {27c4ed31-5d3b-4ab2-a0a1-7d0e7e6f6d2f}")
    L.raw("    Installer name: [l:12]'SppInstaller'")
    L.add("Error", "CSI", "00000013 (F) CMIADAPTER: Inner Error Message from AI HRESULT = 0x8007000d [Error,Facility=FACILITY_WIN32,Code=13 (0x000d)] (constructed)", 2)
    L.add("Error", "CSI", "00000014 (F) Failed execution of queue item Installer: SppInstaller ({27c4ed31-5d3b-4ab2-a0a1-7d0e7e6f6d2f}) with HRESULT 0x8007000d.  Failure will not be ignored: A rollback will be initiated after all the operations in the installer queue are completed; installer is reliable[gle=0x80004005]")
    L.add("Error", "CBS", "Startup: Failed to process advanced operation queue, startupPhase: 0.  A rollback transaction will be created. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]", 1)
    L.add("Info", "CBS", "WER: Generating failure report for package: %s, status: 0x800f0922, failure source: AI, start state: Staged, target state: Installed, client id: WindowsUpdateAgent" % LCU)
    L.add("Info", "CBS", "Setting original failure status: 0x800f0922, last forward execute state: CbsExecuteStateResolvePending")
    L.add("Info", "CBS", "Startup: Rolling back the transaction and restarting", 30)
    L.add("Info", "CBS", "Startup: Processing complete. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]")
    return L


def uso_abort():
    L = Log("the Update Orchestrator aborts the CU install after 30 minutes, 0x800f0821 CBS_E_ABORT (cbslog.md 10, the seed case; the abort wording is constructed)")
    L.ti_start()
    sid = "30869170_1190022311"
    L.session(sid, "UpdateAgentLCU")
    L.exec_start(sid, "UpdateAgentLCU", LCU, "KB4592440")
    L.add("Info", "CBS", "Exec: Stage Progress: 42%, (constructed) waiting for the install callback", 600)
    L.add("Info", "CBS", "Exec: Stage Progress: 61%, (constructed) waiting for the install callback", 600)
    L.add("Info", "CBS", "Exec: Client requested abort of the operation (constructed) [HRESULT = 0x800f0821 - CBS_E_ABORT]", 600)
    L.add("Error", "CBS", "Failed to execute execution chain. [HRESULT = 0x800f0821 - CBS_E_ABORT]")
    L.exec_end(sid, LCU, "KB4592440", "0x800f0821", "CBS_E_ABORT")
    return L


def dpx_access_denied():
    L = Log("DPX access denied while extracting the update in SoftwareDistribution\\Download, a file system filter in the way (cbslog.md 10, the seed case; DPX wording constructed)")
    L.ti_start()
    sid = "30869180_2200011133"
    L.session(sid, "WindowsUpdateAgent")
    L.exec_start(sid, "WindowsUpdateAgent", LCU, "KB4592440")
    L.add("Info", "DPX", "Started DPX phase: Resume and Download Job", 2)
    L.add("Info", "DPX", "Started DPX phase: Apply Deltas Provided In File")
    L.add("Error", "DPX", "Failed to open file \\\\?\\C:\\Windows\\SoftwareDistribution\\Download\\2f4f38c6a37b9f6b1e0e6f3c1ad3e0c4\\Windows10.0-KB4592440-x64.cab for extraction (constructed) [HRESULT = 0x80070005 - E_ACCESSDENIED]")
    L.add("Info", "DPX", "Ended DPX phase: Apply Deltas Provided In File")
    L.add("Error", "CBS", "Failed to extract the files from the update package (constructed) [HRESULT = 0x80070005 - E_ACCESSDENIED]")
    L.exec_end(sid, LCU, "KB4592440", "0x80070005", "E_ACCESSDENIED", "Download")
    return L


def delete_pending():
    kf = "amd64_microsoft-windows-kernel32_%s_10.0.17763.1637_none_e0a4fb0e28c9b3c2" % PKT
    L = Log("STATUS_DELETE_PENDING on WinSxS\\Temp\\InFlight while installing (cbslog.md 10, the seed case; CSI (F) layout of cbslog.md 3, the result wording constructed)")
    L.ti_start()
    sid = "30869190_3300022244"
    L.session(sid, "WindowsUpdateAgent")
    L.exec_start(sid, "WindowsUpdateAgent", LCU, "KB4592440")
    L.add("Info", "CBS", "Cannot get value from store object that is already going to be deleted. [HRESULT = 0x8007012f - ERROR_DELETE_PENDING]", 5)
    L.add("Error", "CSI", "0000010f (F) STATUS_DELETE_PENDING #2331781# from Windows::Rtl::SystemImplementation::DirectFileSystemProvider::SysCreateFile(flags = (AllowSharingViolation), handle = {provider=NULL, handle=0, name= (\"null\")}, da = (DELETE|SYNCHRONIZE|FILE_READ_ATTRIBUTES), oa = @0x9c7e3f2a10->OBJECT_ATTRIBUTES {s:48; rd:NULL; on:[173]'\\??\\C:\\Windows\\WinSxS\\Temp\\InFlight\\8c1e6e4f2ad7d601c1020000d011f00c\\%s\\kernel32.dll'; a:(OBJ_CASE_INSENSITIVE)}, disp = Invalid)[gle=0xd0000056]" % kf, 40)
    L.add("Error", "CSI", "00000110@2021/3/2:08:24:51.710 (F) STATUS_DELETE_PENDING #2331780# from ComponentStore::CRawStoreLayout::MoveFileIntoPlace (constructed)[gle=0xd0000056]")
    L.add("Error", "CBS", "Failed to execute execution chain. (constructed) [HRESULT = 0x8007012f - ERROR_DELETE_PENDING]")
    L.exec_end(sid, LCU, "KB4592440", "0x8007012f", "ERROR_DELETE_PENDING")
    return L


def store_corruption_0831():
    missing = "Package_1021_for_KB4480116~%s~amd64~~10.0.1.2" % PKT
    L = Log("0x800f0831 CBS_E_STORE_CORRUPTION, a package manifest missing (the sequence of cbslog.md 9.1 [S:q94z3v4c])")
    L.ti_start()
    sid = "30869200_4400033355"
    L.session(sid, "WindowsUpdateAgent")
    L.exec_start(sid, "WindowsUpdateAgent", LCU, "KB4592440")
    L.add("Info", "CBS", "Store corruption, manifest missing for package: %s" % missing, 3)
    L.add("Error", "CBS", "Failed to resolve package '%s' [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]" % missing)
    L.add("Info", "CBS", "Mark store corruption flag because of package: %s. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]" % missing)
    L.add("Info", "CBS", "Failed to resolve Package: %s [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]" % missing)
    L.add("Error", "CBS", "Failed to plan package operation (constructed) [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
    L.exec_end(sid, LCU, "KB4592440", "0x800f0831", "CBS_E_STORE_CORRUPTION", "Resolve")
    return L


def installers_failed_0922():
    pkg = "Microsoft-Windows-Foundation-Package~%s~amd64~~10.0.14393.0" % PKT
    L = Log("0x800f0922 CBS_E_INSTALLERS_FAILED at commit: the Task Scheduler advanced installer cannot find a file; the result line without Identifier as on 6.3/14393 (cbslog.md 4.4 [S:MS-0922])")
    L.ti_start()
    sid = "30579072_298067563"
    L.session(sid, "DISM Package Manager Provider")
    L.exec_start(sid, "DISM Package Manager Provider", pkg, "Windows Foundation")
    L.add("Info", "CSI", "0000021a Begin executing advanced installer phase 38 index 2480 (sequence 2519)", 20)
    L.raw("    Installer name: [l:14]'Task Scheduler'")
    L.add("Error", "CSI", "0000021b (F) Failed execution of queue item Installer: Task Scheduler ({07a3a45e-a0b1-4b11-b0a5-5c1a8b6e4c3b}) with HRESULT HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND).  Failure will not be ignored: A rollback will be initiated after all the operations in the installer queue are completed; installer is reliable[gle=0x80004005]", 1)
    L.add("Error", "CBS", "Failed to execute execution chain. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]")
    L.exec_end(sid, pkg, None, "0x800f0922", "CBS_E_INSTALLERS_FAILED", "AI")
    return L


def component_store_corrupt():
    L = Log("0x80073712 ERROR_SXS_COMPONENT_STORE_CORRUPT staging the CU (cbslog.md 9.3 [S:MS-IPU] excerpt)")
    L.ti_start()
    sid = "30869210_5500044466"
    L.session(sid, "WindowsUpdateAgent")
    L.exec_start(sid, "WindowsUpdateAgent", LCU, "KB4592440")
    L.add("Error", "CSI", "0000000b (F) STATUS_SXS_COMPONENT_STORE_CORRUPT #62038# from CCSDirectTransaction::OperateEnding at index 0 of 1 operations, disposition 0[gle=0xd015001a]", 10)
    L.add("Error", "CBS", "Failed to bulk stage deployment manifest and pin deployment for package: %s [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]" % LCU)
    L.exec_end(sid, LCU, "KB4592440", "0x80073712", "ERROR_SXS_COMPONENT_STORE_CORRUPT", "Stage")
    return L


def sfc_pnp_drivers():
    L = Log("SFC's driver pass (DEPLOY [Pnp] lines after the [SR] batches): two driver binaries found corrupt and restored from the driver store; the store itself is healthy (constructed from the shape of real SFC runs, no real log copied)")
    L.ti_start()
    L.add("Info", "CBS", "TiWorker: Client requests SFP repair object.", 1)
    for i in range(110):
        L.add("Info", "CSI", "%08x [SR] Verifying 100 components" % (6 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Beginning Verify and Repair transaction" % (7 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Verify complete" % (8 + 3 * i))
    L.add("Info", "CSI", "00000200 [SR] Repairing 0 components", 2)
    L.add("Info", "CSI", "00000201 [SR] Beginning Verify and Repair transaction")
    L.add("Info", "CSI", "00000202 [SR] Repair complete")
    for d in ("usbser.sys", "serenum.sys"):
        L.add("Info", "DEPLOY", "[Pnp] Corrupt file: C:\\Windows\\System32\\drivers\\%s" % d)
        L.add("Info", "DEPLOY", "[Pnp] Repaired file: C:\\Windows\\System32\\drivers\\%s" % d)
    L.add("Info", "CBS", "Trusted Installer is shutting down because: SHUTDOWN_REASON_AUTOSTOP", 60)
    return L


def sfc_pnp_failed():
    L = Log("SFC's driver pass: a driver binary found corrupt that SFC could not repair (Error '[Pnp] Failed repairing file: P: '), after an [SR] pass that found nothing (constructed)")
    L.ti_start()
    L.add("Info", "CBS", "TiWorker: Client requests SFP repair object.", 1)
    for i in range(105):
        L.add("Info", "CSI", "%08x [SR] Verifying 100 components" % (6 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Beginning Verify and Repair transaction" % (7 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Verify complete" % (8 + 3 * i))
    L.add("Info", "CSI", "00000200 [SR] Repairing 0 components", 2)
    L.add("Info", "CSI", "00000201 [SR] Beginning Verify and Repair transaction")
    L.add("Info", "CSI", "00000202 [SR] Repair complete")
    L.add("Info", "DEPLOY", "[Pnp] Corrupt file: C:\\Windows\\System32\\drivers\\vmbusr.sys")
    L.add("Error", "DEPLOY", "[Pnp] Failed repairing file: C:\\Windows\\System32\\drivers\\vmbusr.sys: ")
    return L


def sfc_verifyonly_pnp():
    L = Log("sfc /verifyonly: only [SR] Verify batches (no 'Repairing N components'), then SFC's driver pass lists driver binaries as corrupt and repairs nothing (constructed from the shape of a real verify-only run)")
    L.ti_start()
    L.add("Info", "CBS", "TiWorker: Client requests SFP repair object.", 1)
    for i in range(130):
        L.add("Info", "CSI", "%08x [SR] Verifying 100 components" % (6 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Beginning Verify and Repair transaction" % (7 + 3 * i))
        L.add("Info", "CSI", "%08x [SR] Verify complete" % (8 + 3 * i))
    for d in ("hidbth.sys", "bthenum.sys"):
        L.add("Info", "DEPLOY", "[Pnp] Corrupt file: C:\\WINDOWS\\System32\\drivers\\%s" % d)
    return L


def restorehealth_report_cut():
    L = Log("the report of a 24H2 DISM /RestoreHealth cut out of CBS.log (from 'Checking System Update Readiness.' to 'Total Operation Time'): (p) lines with three empty flag columns, the FileFlags and Registry Metadata counters, a failing result with no session line around it (constructed in the shape of public captures)")
    items = ["amd64_microsoft-windows-s..ngsengine-component_%s_10.0.26100.1742_none_0f2b8c01d9a4e6b1\\r\\SettingsEngine.dll" % PKT,
             "wow64_microsoft-windows-t..entication-provider_%s_10.0.26100.1591_none_7d2e1a9c3e55b0c2\\r\\tokenprovider.dll" % PKT]
    L.t = [2025, 1, 14, 22, 5, 9]
    L.add("Info", "CBS", "Checking System Update Readiness.")
    L.add("Info", "CBS", "")
    for it in items:
        L.add("Info", "CBS", "(p)\tCSI Payload Corrupt\t(n)\t\t\t" + it)
        L.add("Info", "CBS", "Repair failed: Missing replacement payload.")
    for m in ("", "Summary:", "Operation: Detect and Repair ", "Operation result: 0x800f0915",
              "Last Successful Step: Remove staged packages completes.", "Total Detected Corruption:\t2",
              "\tCBS Manifest Corruption:\t0", "\tCBS Metadata Corruption:\t0", "\tCSI Manifest Corruption:\t0",
              "\tCSI Metadata Corruption:\t0", "\tCSI Payload Corruption:\t2", "\tCSI FileFlags Corrupt:\t0",
              "Total Repaired Corruption:\t0", "\tCBS Manifest Repaired:\t0", "\tCSI Manifest Repaired:\t0",
              "\tCSI Payload Repaired:\t0", "\tCSI FileFlags Repaired:\t0", "\tCSI Registry Metadata refreshed:\tFalse",
              "\tCSI Store Metadata refreshed:\tTrue", "Staged Packages:", "\tCBS Staged packages:\t0",
              "\tCBS Staged packages removed:\t0", "", "Total Operation Time: 64 seconds."):
        L.add("Info", "CBS", m)
    return L


def restorehealth_download_failed():
    sid = "31218020_1122334455"
    kf = "wow64_microsoft-windows-msxml30_%s_10.0.14393.0_none_5d1b5b1a3e1e2a7f" % PKT
    L = Log("Server 2016 (14393) DISM /RestoreHealth from Windows Update: the report is one record (untimestamped lines) and, as in copies pasted into text files, its TABs are spaces; the download fails (CheckSur download Result, 'finalized. Download error:') and the session ends CBS_E_DOWNLOAD_FAILURE (constructed)")
    L.ti_start()
    L.session(sid, "DISM Package Manager Provider")
    L.add("Info", "CBS", "Client specifies manual store corruption detect or repair.")
    L.add("Info", "CBS", "Exec: Session processing started.  Client: Manual, Session(DISM Package Manager Provider Store Corruption Detect/Repair): %s" % sid)
    L.add("Info", "CBS", "Exec: Clients specified using Windows Update.")
    L.add("Info", "CBS", "", 300)
    for t in ("=================================", "Checking System Update Readiness.",
              "(p) CSI Payload Corrupt   %s\\msxml3.dll" % kf, "Repair failed: Missing replacement payload.",
              "(p) CSI Payload Corrupt   %s\\msxml3r.dll" % kf, "Repair failed: Missing replacement payload.",
              "Summary:", "Operation: Detect and Repair", "Operation result: 0x800f0906",
              "Last Successful Step: Entire operation completes.", "Total Detected Corruption: 2",
              " CBS Manifest Corruption: 0", " CBS Metadata Corruption: 0", " CSI Manifest Corruption: 0",
              " CSI Metadata Corruption: 0", " CSI Payload Corruption: 2", "Total Repaired Corruption: 0",
              " CBS Manifest Repaired: 0", " CSI Manifest Repaired: 0", " CSI Payload Repaired: 0",
              " CSI Store Metadata refreshed: True", "Total Operation Time: 301 seconds."):
        L.raw(t)
    L.add("Info", "CBS", "CheckSur: hrStatus: 0x800f0906 [CBS_E_DOWNLOAD_FAILURE], download Result: 0x80240438 [Unknown Error]")
    L.add("Info", "CBS", "Failed to run Detect and repair. [HRESULT = 0x800f0906 - CBS_E_DOWNLOAD_FAILURE]")
    L.add("Info", "CBS", "Exec: Processing complete, session(Corruption Repairing): %s [HRESULT = 0x800f0906 - CBS_E_DOWNLOAD_FAILURE]" % sid)
    L.add("Error", "CBS", "Session: %s failed to perform store corruption detect and repair operation. [HRESULT = 0x800f0906 - CBS_E_DOWNLOAD_FAILURE]" % sid)
    L.add("Info", "CBS", "Session: %s finalized. Download error: 0x80240438 [Unknown Error], Reboot required: no [HRESULT = 0x800f0906 - CBS_E_DOWNLOAD_FAILURE]" % sid)
    return L


def startup_ai_rotated():
    L = Log("boot-time advanced installers fail (0x800f0922) and the machine restarts to roll back before 'Startup: Processing complete' is written: the failure is the one Startup stated (constructed after cbslog.md 4.4)")
    L.ti_start()
    L.add("Info", "CBS", "Startup: Processing advanced operation queue", 1)
    L.add("Info", "CSI", "00000010 Begin executing advanced installer phase 31 index 120 (sequence 121)", 5)
    L.raw("    Installer name: [l:15]'Network Drivers'")
    L.add("Info", "CSI", "00000011 Finished running all AIs.", 3)
    L.add("Info", "CSI", "00000012 The queue has completed running, and AI failures have occured.")
    L.add("Info", "CSI", "00000013 ==Error Summary Start==")
    L.add("Error", "CSI", "00000014 (F) Installer: Network Drivers\tBinary Name: NetSetupAI.dll\tErrorCode: 800106d9\tPhase: 31\tMode: Delta\tComponent: NONE[gle=0x80004005]")
    L.add("Info", "CSI", "00000015 ==Error Summary End==")
    L.add("Error", "CBS", "Startup: Failed to process advanced operation queue, startupPhase: 0.  A rollback transaction will be created. [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]")
    L.add("Info", "CBS", "Setting ExecuteState key to: CbsExecuteStateInitiateRollback | CbsExecuteStateFlagAdvancedInstallersFailed")
    L.t = [2021, 3, 2, 9, 20, 0]
    L.ti_start()
    L.add("Info", "CBS", "No startup processing required, TrustedInstaller service was not set as autostart", 1)
    return L


def starts_mid_operation():
    missing = "Package_812_for_KB4592440~%s~amd64~~10.0.1.6" % PKT
    sid = "30869222_3344556677"
    L = Log("a copy that starts in the middle of an install (rotated or cut): no 'Exec: Processing started', the failure lines, then the result; the origin is the first line with the result's code (constructed after the 0x800f0831 sequence of cbslog.md 9.1)")
    L.add("Info", "CBS", "Exec: Resolving Package: %s, Update: 4592440-1_neutral_PACKAGE" % LCU)
    L.add("Info", "CBS", "Failed to get next element [HRESULT = 0x800f080d - CBS_E_MANIFEST_INVALID_ITEM]")
    L.add("Info", "CBS", "Store corruption, manifest missing for package: %s" % missing)
    L.add("Error", "CBS", "Failed to resolve package '%s' [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]" % missing)
    L.add("Info", "CBS", "Mark store corruption flag because of package: %s. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]" % missing)
    L.exec_end(sid, LCU, "KB4592440", "0x800f0831", "CBS_E_STORE_CORRUPTION", "Resolve")
    return L


def fod_wer_cut():
    pkg = "Microsoft-Windows-Hello-Face-Package~%s~amd64~~10.0.17763.1" % PKT
    L = Log("a feature on demand that cannot get its content (0x800f0950), cut after CBS's failure report: neither 'Processing started' nor 'Processing complete' is in the file (constructed)")
    L.add("Info", "CBS", "Failed to download and plan capabilities [HRESULT = 0x800f0950 - CBS_E_INVALID_WINDOWS_UPDATE_COUNT]")
    L.add("Info", "CBS", "Failed to plan execution. [HRESULT = 0x800f0950 - CBS_E_INVALID_WINDOWS_UPDATE_COUNT]")
    L.add("Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x800f0950 - CBS_E_INVALID_WINDOWS_UPDATE_COUNT]")
    L.add("Info", "CBS", "WER: Generating failure report for package: %s, status: 0x800f0950, failure source: CBS Other, start state: Absent, target state: Absent, client id: FodHelper(FaceBootstrapAdapter)" % pkg)
    L.add("Info", "CBS", "Not able to query DisableWerReporting flag.  Assuming not set... [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]")
    L.add("Info", "CBS", "Not able to add %windir%\\winsxs\\pending.xml to WER report. [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]")
    return L


class Text(Log):
    """A log without timestamps (CheckSUR.log)."""

    def write(self, path):
        data = "\r\n".join(self.lines) + "\r\n"
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(data)


def checksur():
    pkg = "Package_2_for_KB2871997~%s~amd64~~6.1.2.5" % PKT
    L = Text("a Windows 7 CheckSUR.log (System Update Readiness tool): a corrupt .mum replaced, a corrupt catalog without a repair file (lines of cbslog.md 6 [S:TECHNET-2011])")
    for t in ("=================================", "Checking System Update Readiness.", "Binary Version 6.1.7601.22471",
              "Package Version 26.0", "2014-06-10 11:22", "", "Checking Windows Servicing Packages", "",
              "Checking Package Manifests and Catalogs",
              "(f)\tCBS MUM Corrupt\t0x800F0900\tservicing\\Packages\\%s.mum\tLine 1:" % pkg,
              "(fix)\tCBS MUM Corrupt\tCBS File Replaced\t%s.mum from Cabinet: C:\\Windows\\CheckSur\\v1.0\\windows6.1-kb2871997-v2-x64.cab." % pkg,
              "(f)\tCBS Catalog Corrupt\t0x800B0100\tservicing\\Packages\\%s.cat\t" % pkg.replace("Package_2", "Package_3"),
              "", "Checking Package Watchlist", "", "Checking Component Watchlist", "", "Checking Packages", "",
              "Checking Component Store", "", "Summary:", "Seconds executed: 1187", " Found 2 errors", " Fixed 1 errors",
              " CBS MUM Corrupt Total count: 1", " Fixed: CBS MUM Corrupt.  Total count: 1",
              " CBS Catalog Corrupt Total count: 1", "", "Unavailable repair files:",
              "\tservicing\\packages\\%s.cat" % pkg.replace("Package_2", "Package_3"), ""):
        L.raw(t)
    return L


EXCERPTS = {
    "CheckSUR.log": checksur,
    "payload-hash-mismatch.log": payload_hash_mismatch,
    "psfx-reverse-delta-0x800f0985.log": psfx_reverse_delta,
    "sppinstaller-0x8007000d.log": spp_installer,
    "uso-abort-0x800f0821.log": uso_abort,
    "dpx-access-denied.log": dpx_access_denied,
    "delete-pending-inflight.log": delete_pending,
    "store-corruption-0x800f0831.log": store_corruption_0831,
    "installers-failed-0x800f0922.log": installers_failed_0922,
    "component-store-corrupt-0x80073712.log": component_store_corrupt,
    "sfc-pnp-drivers-repaired.log": sfc_pnp_drivers,
    "sfc-pnp-driver-failed.log": sfc_pnp_failed,
    "sfc-verifyonly-pnp-corrupt.log": sfc_verifyonly_pnp,
    "restorehealth-report-cut-0x800f0915.log": restorehealth_report_cut,
    "restorehealth-download-failed-0x800f0906.log": restorehealth_download_failed,
    "startup-ai-failed-restart.log": startup_ai_rotated,
    "starts-mid-operation-0x800f0831.log": starts_mid_operation,
    "fod-cut-after-wer-0x800f0950.log": fod_wer_cut,
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    for name, fn in EXCERPTS.items():
        fn().write(os.path.join(out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
