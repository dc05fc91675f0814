/* SPDX-License-Identifier: MIT */
#include "check/findings.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/status.h"
#include "util/strbuf.h"

static const struct sxs_finding_info registry[SXS_F_COUNT] = {
	[SXS_F_PAYLOAD_HASH_MISMATCH] = {
		"payload-hash-mismatch", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a payload file's hash differs from the digest in its manifest (CBS.log: \"Hashes for file member ... do not match\")",
		"replace the component folder WinSxS\\<keyform> from a healthy machine of the same build (sxscheck compare)"},
	[SXS_F_PAYLOAD_MISSING] = {
		"payload-missing", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a file listed in a component's manifest is not in its WinSxS folder: an error for a live component (the Winners default, or installed by a deployment of an Installed package), a warning for a dormant one, info when it is kept as differentials or CF is set; never for deployments",
		"restore the file from a healthy source (sxscheck compare), then run DISM /RestoreHealth"},
	[SXS_F_PAYLOAD_UNREADABLE] = {
		"payload-unreadable", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a payload file exists but could not be read (permissions, I/O error, or not a regular file)",
		"check the file's permissions and the disk; on Windows look for filter drivers denying access (0x80070005)"},
	[SXS_F_PAYLOAD_UNVERIFIABLE] = {
		"payload-unverifiable", SXS_SEV_INFO, SXS_CBS_NONE,
		"a payload could not be verified offline (unsupported container or hash transform); not counted as corruption",
		"none needed; verify on Windows with DISM /ScanHealth if in doubt"},
	[SXS_F_MANIFEST_MISSING] = {
		"manifest-missing", SXS_SEV_ERROR, SXS_CBS_MANIFEST,
		"COMPONENTS lists a component whose WinSxS\\Manifests file is absent: an error when the component is live, info for old servicing-stack versions and dormant ones (Windows removes them at the next scavenge)",
		"restore the manifest from a healthy machine of the same build"},
	[SXS_F_MANIFEST_ORPHAN] = {
		"manifest-orphan", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"a manifest in WinSxS\\Manifests has no DerivedData\\Components key in the COMPONENTS hive: a warning (Windows deletes orphans at the next scavenge), an error when a live deployment or a Winners default needs it",
		"the store and the COMPONENTS hive disagree; compare with a healthy machine before removing anything"},
	[SXS_F_MANIFEST_UNREADABLE] = {
		"manifest-unreadable", SXS_SEV_ERROR, SXS_CBS_MANIFEST,
		"a manifest could not be read, decompressed or parsed",
		"restore the manifest from a healthy machine of the same build"},
	[SXS_F_MANIFEST_COMPRESSED_UNSUPPORTED] = {
		"manifest-compressed-unsupported", SXS_SEV_WARNING, SXS_CBS_NONE,
		"a manifest uses a compression container sxscheck cannot decode, so its component was not checked",
		"supply the base manifest with --base-manifest, or check this component on Windows"},
	[SXS_F_MANIFEST_HASH_MISMATCH] = {
		"manifest-hash-mismatch", SXS_SEV_ERROR, SXS_CBS_MANIFEST,
		"the SHA-256 of a (decompressed) manifest differs from its S256H value in COMPONENTS",
		"restore the manifest from a healthy machine of the same build"},
	[SXS_F_MANIFEST_NAME_MISMATCH] = {
		"manifest-name-mismatch", SXS_SEV_ERROR, SXS_CBS_MANIFEST,
		"a manifest's file name is not the key form of the identity it declares",
		"the manifest was renamed or replaced by another component's; restore it from a healthy machine"},
	[SXS_F_IDENTITY_MISMATCH] = {
		"identity-mismatch", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"the identity value in COMPONENTS differs from the identity in the manifest",
		"compare the COMPONENTS key with a healthy machine of the same build"},
	[SXS_F_WINNER_MISSING] = {
		"winner-missing", SXS_SEV_WARNING, SXS_CBS_METADATA,
		"a component family has versions in the store but no winner in SideBySide\\Winners: info (staged, superseded and disabled-feature families have none), a warning when one of its versions is live; never an error until calibrated on a real image",
		"add the Winners band and winner values from a healthy machine (sxscheck compare writes the reg add lines)"},
	[SXS_F_WINNER_NOT_INSTALLED] = {
		"winner-not-installed", SXS_SEV_WARNING, SXS_CBS_METADATA,
		"SideBySide\\Winners names a winning version that is not in the store: a warning, info when WinSxS\\Fusion holds it (Windows 11 MSI-installed Win32 assemblies)",
		"restore that component version from a healthy machine, or point the winner at an installed version"},
	[SXS_F_WINNER_MALFORMED] = {
		"winner-malformed", SXS_SEV_WARNING, SXS_CBS_METADATA,
		"a SideBySide\\Winners key has values of an unexpected type or shape",
		"compare the key with a healthy machine of the same build"},
	[SXS_F_PATH_UNSAFE] = {
		"path-unsafe", SXS_SEV_ERROR, SXS_CBS_MANIFEST,
		"a file or component name from the image would leave its folder (.., separators, NUL, control characters); it was not opened",
		"treat the image as tampered with; restore the manifest from a trusted source"},
	[SXS_F_LINK_REFUSED] = {
		"link-refused", SXS_SEV_WARNING, SXS_CBS_PAYLOAD,
		"a symbolic link was found where the store holds files or folders; sxscheck does not follow links",
		"Windows stores hold no symbolic links; find out who created it"},
	[SXS_F_DELTA_CORRUPT] = {
		"delta-corrupt", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a PSFX forward/reverse/null delta in a component's f, r or n folder fails its CRC-32 or its PA30 header does not parse (CBS.log: \"CSI Payload Corrupt\" on the f\\, r\\ or n\\ path; Windows checks the CRC before applying, psfx.md §2.1)",
		"replace the component folder from a healthy machine of the same build (sxscheck compare)"},
	[SXS_F_BASE_MANIFEST_UNKNOWN] = {
		"base-manifest-unknown", SXS_SEV_WARNING, SXS_CBS_NONE,
		"the DCM base manifest in the servicing stack's wcp.dll is missing or differs from the known one",
		"compressed manifests were decoded with the best base found; S256H checks tell whether it was right"},
	[SXS_F_PENDING_OPERATIONS] = {
		"pending-operations", SXS_SEV_INFO, SXS_CBS_NONE,
		"a servicing transaction is pending (WinSxS\\pending.xml or COMPONENTS PendingXmlIdentifier): normal between an update and its reboot, so a note; store and package errors are then reported as warnings \"may be transient\" (a pending.xml that does not match PendingXmlIdentifier is pending-transaction-mismatch)",
		"boot the machine once so the pending operations complete, then scan again"},
	[SXS_F_HIVE_DIRTY] = {
		"hive-dirty", SXS_SEV_WARNING, SXS_CBS_NONE,
		"a registry hive is dirty (not completely written) and its .LOG1/.LOG2 could not be replayed (absent, damaged or not matching): what it says may be stale, and findings resting on it are tentative",
		"boot Windows once (it replays the logs) or copy the hive together with its .LOG1/.LOG2, then scan again; sxscheck hive recover says what the logs hold"},
	[SXS_F_HIVE_UNREADABLE] = {
		"hive-unreadable", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"a registry hive exists but could not be opened as a hive",
		"restore the hive from System32\\config\\RegBack or a backup"},
	[SXS_F_CHECK_SKIPPED] = {
		"check-skipped", SXS_SEV_INFO, SXS_CBS_NONE,
		"a check could not run because its input is absent (for example no COMPONENTS or SOFTWARE hive)",
		"none; the report says which checks ran"},
	/*
	 * Package (CBS) layer: packages.md §6.1 (rules, severities, DISM
	 * categories) and §6.2 (what a healthy 17763 looks like: not flagged).
	 * A dirty hive or a pending transaction lowers every error here to a
	 * warning "may be transient" (packages.md §6, gates).
	 */
	[SXS_F_PACKAGE_MUM_MISSING] = {
		"package-mum-missing", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"a package of the CBS Packages key has no servicing\\Packages\\<name>.mum (CheckSUR/DISM: \"CBS MUM Missing\"; the classic 0x800f0831 CBS_E_STORE_CORRUPTION); an error when the package is Staged or later, a note when it is Absent (a removed package whose key lingers), a warning otherwise",
		"copy the .mum/.cat pair from a healthy machine with the same package (sxscheck compare plans it), or reinstall the update that owns the package"},
	[SXS_F_PACKAGE_CAT_MISSING] = {
		"package-cat-missing", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"a package's .mum has no same-named .cat in servicing\\Packages (DISM: \"CBS Catalog Missing\"; a note for an Absent package)",
		"copy the .mum/.cat pair from a healthy machine with the same package (sxscheck compare plans it)"},
	[SXS_F_PACKAGE_MUM_CORRUPT] = {
		"package-mum-corrupt", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"a package manifest (.mum) is not well-formed XML or lacks its assemblyIdentity or package element (CheckSUR: \"CBS MUM Corrupt 0x800F0900\")",
		"copy the .mum/.cat pair from a healthy machine with the same package (sxscheck compare plans it)"},
	[SXS_F_PACKAGE_MUM_NAME_MISMATCH] = {
		"package-mum-name-mismatch", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"a .mum's file name is not the identity its assemblyIdentity declares (CheckSUR: \"Expected file name ... does not match the actual file name\")",
		"the file was renamed or replaced; copy the right .mum/.cat pair from a healthy machine"},
	[SXS_F_PACKAGE_MUM_NOT_IN_CATALOG] = {
		"package-mum-not-in-catalog", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"the SHA-256 of a .mum is not a member of its same-named .cat (CheckSUR: \"CBS MUM Corrupt 0x800B0100 ... Package manifest cannot be validated by the corresponding catalog\")",
		"the .mum was changed after signing; copy the .mum/.cat pair from a healthy machine"},
	[SXS_F_PACKAGE_CAT_CORRUPT] = {
		"package-cat-corrupt", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"a package catalog is not a DER PKCS#7 signedData with a trust list, its signed digest differs from the list, or its signature does not verify (CheckSUR: \"CBS Catalog Corrupt 0x800B0100\")",
		"copy the .mum/.cat pair from a healthy machine with the same package (sxscheck compare plans it)"},
	[SXS_F_PACKAGE_CAT_CHAIN_UNCHECKED] = {
		"package-cat-chain-unchecked", SXS_SEV_INFO, SXS_CBS_NONE,
		"catalog signatures were verified but their certificate chains were not (no trusted roots given); certificate dates are never compared with today",
		"none needed; give Microsoft's roots (PEM) with --catalog-roots to check the chains too"},
	[SXS_F_PACKAGE_CAT_CHAIN_INVALID] = {
		"package-cat-chain-invalid", SXS_SEV_WARNING, SXS_CBS_NONE,
		"a package catalog's signer does not chain to the roots given with --catalog-roots",
		"check that the right roots were given (Microsoft Root Certificate Authority 2010 and the older roots for SHA-1 era catalogs)"},
	[SXS_F_PACKAGE_FILE_UNREADABLE] = {
		"package-file-unreadable", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"a .mum or .cat in servicing\\Packages exists but could not be read (I/O error, not a regular file, too large)",
		"check the file's permissions and the disk, then scan again"},
	[SXS_F_PACKAGE_STATE_UNKNOWN] = {
		"package-state-unknown", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a package's CurrentState is missing, not a DWORD, or not one of the documented codes (packages.md §4.2)",
		"compare the package's key with a healthy machine; DISM /Get-Packages shows how Windows reads it"},
	[SXS_F_PACKAGE_STATE_BROKEN] = {
		"package-state-broken", SXS_SEV_ERROR, SXS_CBS_CBS_METADATA,
		"a package's CurrentState is one of the API's \"... but broken\" codes (Resolved/Staged/Installed/Permanent Invalid)",
		"reinstall the package's update, or run DISM /RestoreHealth with a matching source"},
	[SXS_F_PACKAGE_PARTIALLY_INSTALLED] = {
		"package-partially-installed", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a package is Partially Installed (0x65): its installation failed part-way (Servicing event 6)",
		"install the update again; if it keeps failing, read CBS.log for the failing component (sxscheck cbs)"},
	[SXS_F_PACKAGE_PENDING_STALE] = {
		"package-pending-stale", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a package is Install Pending or Uninstall Pending (or listed under PackagesPending) while nothing is pending: no pending.xml, no PendingXmlIdentifier, no RebootPending",
		"the operation will never complete by itself; remove the stuck package with DISM /Remove-Package (Microsoft's Azure guidance) or reinstall the update"},
	[SXS_F_PENDING_TRANSACTION_MISMATCH] = {
		"pending-transaction-mismatch", SXS_SEV_ERROR, SXS_CBS_NONE,
		"WinSxS\\pending.xml and COMPONENTS PendingXmlIdentifier disagree (an error when both exist with different identifiers: PoqExec fails to parse pending.xml), or one of them is missing",
		"do not boot into the pending operation blindly: restore pending.xml or the identifier from a backup, or revert the pending actions with DISM /Cleanup-Image /RevertPendingActions"},
	[SXS_F_PACKAGE_CHILD_MISSING] = {
		"package-child-missing", SXS_SEV_WARNING, SXS_CBS_CBS_MANIFEST,
		"an Installed package's unconditional update names a child package that has neither a Packages key nor a .mum (0x800f0812 / 0x800f0831 family); a warning until calibrated on a real image",
		"reinstall the parent update, or copy the child's .mum/.cat pair from a healthy machine"},
	[SXS_F_ROLLUP_STATE] = {
		"rollup-state", SXS_SEV_WARNING, SXS_CBS_NONE,
		"cumulative updates (Package_for_RollupFix) in an unusual state: more than one Installed, or the newest Staged/Install Pending/Partially Installed below an Installed older one (a note while a transaction is pending: download-then-reboot is normal)",
		"finish or retry the newest cumulative update; CBS.log shows why it did not install (sxscheck cbs)"},
	[SXS_F_ROLLUP_SUBPACKAGE_MISSING] = {
		"rollup-subpackage-missing", SXS_SEV_ERROR, SXS_CBS_CBS_MANIFEST,
		"the installed cumulative update's .mum names a sub-package whose .mum is missing (\"Store corruption, manifest missing for package\", 0x800f0831)",
		"copy the missing .mum/.cat pairs from a healthy machine with the same cumulative update (sxscheck compare plans them)"},
	[SXS_F_SERVICING_STACK_VERSION] = {
		"servicing-stack-version", SXS_SEV_ERROR, SXS_CBS_NONE,
		"the active servicing stack (the highest value of the CBS Version key, the one Windows loads) has no WinSxS folder with that version, or it is older than COMPONENTS LastWCPVersionToAccessStore (an error only when its folder is missing; older values left beside it are notes)",
		"compare the Version key with a healthy machine of the same build; reinstall the latest servicing stack update"},
	[SXS_F_SERVICING_REBOOT_PENDING] = {
		"servicing-reboot-pending", SXS_SEV_INFO, SXS_CBS_NONE,
		"CBS waits for a reboot: RebootPending, RebootInProgress or PackagesPending exist (normal between an update and its reboot)",
		"reboot the machine, then scan again"},
	[SXS_F_SESSIONS_EXCLUSIVE] = {
		"sessions-exclusive", SXS_SEV_INFO, SXS_CBS_NONE,
		"SessionsPending\\Exclusive is set while no transaction is pending (DISM: \"another servicing operation is pending\")",
		"reboot once; if servicing still refuses to start, compare SessionsPending with a healthy machine"},
	[SXS_F_PACKAGE_TAMPERED] = {
		"package-tampered", SXS_SEV_INFO, SXS_CBS_NONE,
		"a package key carries marks of hand-made changes: a DefVis value (saved by unhide tools) or no Owners subkey although its .mum has a parent (\"decoupled\")",
		"none for integrity; know that the package's visibility or ownership was edited by a tool"},
	[SXS_F_PACKAGE_ORPHAN_MUM] = {
		"package-orphan-mum", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a .mum/.cat in servicing\\Packages has no key in the CBS Packages registry key (\"installed but some packages aren't applied to the registry\")",
		"compare with a healthy machine; reinstall the update that owns the package"},
	[SXS_F_PACKAGE_INSTALLNAME_MISMATCH] = {
		"package-installname-mismatch", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a package key's InstallName is not <key name>.mum",
		"compare the package's key with a healthy machine"},
	/* disks (issue 15) */
	[SXS_F_HIVE_REPLAYED] = {
		"hive-replayed", SXS_SEV_INFO, SXS_CBS_NONE,
		"a dirty registry hive was read after replaying its .LOG1/.LOG2 in memory, as Windows does when it loads it (the image is not written)",
		"none; sxscheck hive recover -o writes the recovered hive for other tools"},
	[SXS_F_VOLUME_HIBERNATED] = {
		"volume-hibernated", SXS_SEV_WARNING, SXS_CBS_NONE,
		"hiberfil.sys says Windows is hibernated (or suspended by Fast Startup): the volume is older than what Windows holds in memory, and repair scripts refuse to run on it",
		"resume Windows and shut it down fully (shutdown /s /t 0, or Fast Startup off), or read the volume read-only only"},
	[SXS_F_REGISTRY_MISSING] = {
		"registry-missing", SXS_SEV_WARNING, SXS_CBS_NONE,
		"neither the COMPONENTS nor the SOFTWARE hive is in System32\\config, so only the files were checked",
		"check that ROOT is a whole Windows volume (not a copy of WinSxS); --no-registry asks for the files-only check on purpose"},
	[SXS_F_WINDOWS_UNSUPPORTED] = {
		"windows-version-unsupported", SXS_SEV_WARNING, SXS_CBS_NONE,
		"the image is older than Windows 10 (build from SOFTWARE CurrentVersion); sxscheck's store rules are those of Windows 10/11 and Server 2016+",
		"check Windows 7/8.1 stores on Windows with DISM or the System Update Readiness tool; findings here are not calibrated for them"},
	/* state (issue 11): deployments, marks, catalogs; packages.md §5, §6.1 */
	[SXS_F_DEPLOYMENT_MARK_ORPHAN] = {
		"deployment-mark-orphan", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a p!/s!/i! mark on a COMPONENTS deployment names a package that has no key under Component Based Servicing\\Packages (a note when the package has only a p! mark there: planned, never staged)",
		"compare the deployment's marks and the Packages key with a healthy machine of the same build"},
	[SXS_F_DEPLOYMENT_MARK_MALFORMED] = {
		"deployment-mark-malformed", SXS_SEV_WARNING, SXS_CBS_CBS_METADATA,
		"a p!/s!/i! mark's name does not match its own data (CBS_ + the package.update string cut to 60 characters + its key-form hash) or its data is inconsistent (a note when only the bytes around a verified string differ from the layout seen so far); hand-made registry fixes are the usual cause",
		"compare the deployment key with a healthy machine; do not edit marks by hand"},
	[SXS_F_DEPLOYMENT_NOT_INSTALLED] = {
		"deployment-not-installed", SXS_SEV_WARNING, SXS_CBS_METADATA,
		"an Installed package's unconditional update names a deployment that has no i! mark for that package and update",
		"the package's install did not complete for this deployment; run DISM /RestoreHealth, or reinstall the update"},
	[SXS_F_DEPLOYMENT_COMPONENT_MISSING] = {
		"deployment-component-missing", SXS_SEV_ERROR, SXS_CBS_MANIFEST,
		"a deployment installed by an Installed package lacks its own component, or a component it installs, in COMPONENTS or WinSxS\\Manifests (CBS.log: \"Failed to pin deployment ... ERROR_SXS_ASSEMBLY_MISSING\")",
		"restore the manifest and COMPONENTS key from a healthy machine of the same build, or reinstall the update that owns the deployment"},
	[SXS_F_CATALOG_MISSING] = {
		"catalog-missing", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"a deployment's CatalogThumbprint has no WinSxS\\Catalogs\\<thumbprint>.cat, the file's SHA-256 is not its name, or CanonicalData\\Catalogs has no key for it: an error when the deployment is installed, a warning otherwise",
		"restore the catalog from a healthy machine of the same build (it is the same file everywhere)"},
	[SXS_F_MANIFEST_NOT_IN_CATALOG] = {
		"manifest-not-in-catalog", SXS_SEV_WARNING, SXS_CBS_MANIFEST,
		"a component's S256H is not a member of the catalog of any deployment that owns it (CheckSUR: \"CSI Manifest Failed Catalog Check\"); a warning until calibrated on a real image",
		"restore the manifest and its COMPONENTS key from a healthy machine of the same build"},
	/*
	 * servicing logs (issue 13, check/logs.c): what the image's own logs say,
	 * beside what the scan sees.  History, not the store's state: notes that
	 * never change the exit status (a repaired store scans clean although its
	 * CBS.log still records the old failure); the ties say what still holds.
	 */
	[SXS_F_SERVICING_FAILED] = {
		"servicing-failed", SXS_SEV_INFO, SXS_CBS_NONE,
		"the image's CBS.log/dism.log records a servicing operation that ended with a failure HRESULT (the last one, with its primary kind)",
		"run sxscheck cbs --root ROOT for the failing session, its origin line and the remedy"},
	[SXS_F_SERVICING_CORRUPTION_REPORTED] = {
		"servicing-corruption-reported", SXS_SEV_INFO, SXS_CBS_NONE,
		"the image's servicing logs report store corruption that was not repaired (DISM/SFC results)",
		"run sxscheck cbs --root ROOT; each reported item is matched to this scan there"},
	[SXS_F_SERVICING_LOG_UNREADABLE] = {
		"servicing-log-unreadable", SXS_SEV_INFO, SXS_CBS_NONE,
		"a servicing log of the image could not be read (damaged cab, not a log, I/O error)",
		"none needed for the store; the message says what is wrong with the file"},
	/* PSFX differentials, issue 14 (psfx.md §2.3-§2.4); only a conclusive check is an error */
	[SXS_F_DELTA_REVERSE_FAILED] = {
		"delta-reverse-failed", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a reverse differential (r\\) applied to its current file does not rebuild the RTM base its TargetHash describes: the next cumulative update fails with 0x800f0985 PSFX_E_APPLY_REVERSE_DELTA_FAILED",
		"replace the component folder from a healthy machine of the same build (sxscheck compare), or let Windows Update repair it online"},
	[SXS_F_DELTA_FORWARD_FAILED] = {
		"delta-forward-failed", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a forward differential (f\\) applied to the RTM base (rebuilt with r\\) does not give back the current file byte for byte (the 0x800f0986 PSFX_E_APPLY_FORWARD_DELTA_FAILED shape)",
		"replace the component folder from a healthy machine of the same build (sxscheck compare)"},
	[SXS_F_DELTA_NULL_FAILED] = {
		"delta-null-failed", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"a null differential (n\\) decoded against empty input does not give back the file its manifest describes (0x800f0987 PSFX_E_NULL_DELTA_HYDRATION_FAILED)",
		"replace the component folder from a healthy machine of the same build (sxscheck compare)"},
	[SXS_F_DELTA_FORWARD_OTHER_VERSION] = {
		"delta-forward-other-version", SXS_SEV_ERROR, SXS_CBS_PAYLOAD,
		"the SHA-256 TargetHash of a forward differential (f\\) is not the manifest's digest of its file: it belongs to another version",
		"replace the component folder from a healthy machine of the same build (sxscheck compare)"},
	[SXS_F_DELTA_COMBINATION_INVALID] = {
		"delta-combination-invalid", SXS_SEV_INFO, SXS_CBS_NONE,
		"a file has r\\ without f\\, or n\\ beside r\\/f\\ (the 0x800f0988 PSFX_E_INVALID_DELTA_COMBINATION shape); never calibrated on a real store, so a note",
		"compare with a healthy machine of the same build; DISM /ScanHealth says whether Windows minds"},
	[SXS_F_DELTA_REVERSE_MISSING] = {
		"delta-reverse-missing", SXS_SEV_INFO, SXS_CBS_NONE,
		"a file of a non-RTM component version has f\\ but no r\\ (the 0x800f0989 PSFX_E_REVERSE_DELTA_MISSING shape), so its forward delta cannot be checked; healthy stores keep some differentials elsewhere (calibration.md §1.2)",
		"none unless Windows Update fails with 0x800f0989; then compare with a healthy machine"},
};

const struct sxs_finding_info *sxs_finding_info(enum sxs_finding_kind kind)
{
	if ((unsigned)kind >= SXS_F_COUNT)
		return NULL;
	return &registry[kind];
}

const char *sxs_severity_name(enum sxs_severity sev)
{
	switch (sev) {
	case SXS_SEV_ERROR:
		return "error";
	case SXS_SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}

const char *sxs_cbs_class_name(enum sxs_cbs_class cls)
{
	switch (cls) {
	case SXS_CBS_PAYLOAD:
		return "CSI Payload Corruption";
	case SXS_CBS_MANIFEST:
		return "CSI Manifest Corruption";
	case SXS_CBS_METADATA:
		return "CSI Metadata Corruption";
	case SXS_CBS_CBS_MANIFEST:
		return "CBS Manifest Corruption";
	case SXS_CBS_CBS_METADATA:
		return "CBS Metadata Corruption";
	default:
		return NULL;
	}
}

int sxs_finding_lookup(const char *id)
{
	for (int i = 0; i < SXS_F_COUNT; i++)
		if (!strcmp(registry[i].id, id))
			return i;
	return -1;
}

void sxs_findings_init(struct sxs_findings *f)
{
	memset(f, 0, sizeof(*f));
}

static void finding_release(struct sxs_finding *fd)
{
	sxs_free(fd->component);
	sxs_free(fd->file);
	sxs_free(fd->message);
	sxs_free(fd->expected);
	sxs_free(fd->actual);
	sxs_free(fd->algorithm);
	sxs_free(fd->winners_key);
	sxs_free(fd->tentative);
	for (size_t i = 0; i < fd->nversions; i++)
		sxs_free(fd->versions[i]);
	sxs_free(fd->versions);
}

void sxs_findings_release(struct sxs_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		finding_release(&f->v[i]);
	sxs_free(f->v);
	sxs_findings_init(f);
}

int sxs_finding_set(char **field, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = sxs_strdup(value)))
		return -SXS_ENOMEM;
	sxs_free(*field);
	*field = copy;
	return 0;
}

int sxs_finding_add_version(struct sxs_finding *fd, const char *version)
{
	char **v = sxs_reallocarray(fd->versions, fd->nversions + 1, sizeof(*v));
	if (!v)
		return -SXS_ENOMEM;
	fd->versions = v;
	if (!(v[fd->nversions] = sxs_strdup(version)))
		return -SXS_ENOMEM;
	fd->nversions++;
	return 0;
}

static struct sxs_finding *add_v(struct sxs_findings *f, enum sxs_finding_kind kind,
                                  enum sxs_severity sev, const char *component, const char *file,
                                  const char *fmt, va_list ap) SXS_PRINTF(6, 0);
static struct sxs_finding *add_v(struct sxs_findings *f, enum sxs_finding_kind kind,
                                  enum sxs_severity sev, const char *component, const char *file,
                                  const char *fmt, va_list ap)
{
	if (f->oom)
		return NULL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		struct sxs_finding *v = sxs_reallocarray(f->v, cap, sizeof(*v));
		if (!v)
			goto oom;
		f->v = v;
		f->cap = cap;
	}
	struct sxs_finding *fd = &f->v[f->n];
	memset(fd, 0, sizeof(*fd));
	fd->kind = kind;
	/* evidence can only lower a rule's severity, never raise it above the registry's */
	fd->severity = sev < registry[kind].severity ? sev : registry[kind].severity;
	struct sxs_strbuf msg = SXS_STRBUF_INIT;
	sxs_strbuf_vaddf(&msg, fmt, ap); /* whole message: names from the image can be long */
	fd->message = sxs_strbuf_detach(&msg, NULL);
	if (!fd->message || sxs_finding_set(&fd->component, component) ||
	    sxs_finding_set(&fd->file, file)) {
		finding_release(fd);
		goto oom;
	}
	f->n++;
	return fd;
oom:
	f->oom = true;
	return NULL;
}

struct sxs_finding *sxs_findings_add(struct sxs_findings *f, enum sxs_finding_kind kind,
                                     const char *component, const char *file,
                                     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct sxs_finding *fd = add_v(f, kind, registry[kind].severity, component, file, fmt, ap);
	va_end(ap);
	return fd;
}

struct sxs_finding *sxs_findings_add_sev(struct sxs_findings *f, enum sxs_finding_kind kind,
                                         enum sxs_severity sev, const char *component,
                                         const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct sxs_finding *fd = add_v(f, kind, sev, component, file, fmt, ap);
	va_end(ap);
	return fd;
}

int sxs_finding_note(struct sxs_findings *f, struct sxs_finding *fd, const char *fmt, ...)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	va_list ap;
	if (!fd)
		return 0;
	sxs_strbuf_adds(&sb, fd->message);
	sxs_strbuf_adds(&sb, " (");
	va_start(ap, fmt);
	sxs_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	sxs_strbuf_addc(&sb, ')');
	char *s = sxs_strbuf_detach(&sb, NULL);
	if (!s) {
		f->oom = true;
		return -SXS_ENOMEM;
	}
	sxs_free(fd->message);
	fd->message = s;
	return 0;
}

/* FNV-1a, 64 bits: no allocation, so a fingerprint never depends on memory pressure */
static uint64_t fnv1a(uint64_t h, const char *s, bool fold)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * 0x100000001b3ull;
	}
	return (h ^ 0) * 0x100000001b3ull; /* the field separator */
}

void sxs_finding_fingerprint(const struct sxs_finding *fd, char out[17])
{
	const char *c = fd->component ? fd->component : fd->winners_key;
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv1a(h, registry[fd->kind].id, false);
	/* case-folded: Windows names are case-insensitive, mounts spell them differently */
	h = fnv1a(h, c, true);
	h = fnv1a(h, fd->file, true);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

int sxs_findings_error(const struct sxs_findings *f)
{
	return f->oom ? -SXS_ENOMEM : 0;
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct sxs_finding *a = pa, *b = pb;
	int c;
	/* image-wide findings (no component) first */
	if ((c = strcmp_null(a->component ? a->component : a->winners_key,
	                     b->component ? b->component : b->winners_key)))
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp_null(a->file, b->file)))
		return c;
	return strcmp_null(a->message, b->message);
}

void sxs_findings_sort(struct sxs_findings *f)
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), cmp_finding);
}

size_t sxs_findings_count(const struct sxs_findings *f, enum sxs_severity min)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].severity >= min)
			n++;
	return n;
}
