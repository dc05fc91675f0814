/* SPDX-License-Identifier: MIT */
/*
 * Knowledge kept as data: HRESULT names, the harmless lines of §8.1, the
 * failure kinds of §10 with their remedies.  Every row names its source:
 * keys are those of ../shared/docs/cbslog.md §14, or the Windows SDK header
 * the name is defined in (winerror.h, ntstatus.h, wuerror.h).  The name
 * Windows printed in the log always wins over this table (cbslog.md §0.7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbslog/cbslog.h"
#include "cbslog/internal.h"

#define W "winerror.h"
#define N "ntstatus.h"
#define WU "wuerror.h [S:WUERR]"
#define TBL "[S:TBL] cbslog.md 9.1"
#define PSFX "[S:TBL][S:MS-IPU] cbslog.md 9.2"

/* Full HRESULTs (sorted by code). */
static const struct sxs_hresult_info hresults[] = {
	{0x00000000, "S_OK", W},
	{0x00000001, "S_FALSE", W},
	{0x80004001, "E_NOTIMPL", W},
	{0x80004002, "E_NOINTERFACE", W},
	{0x80004003, "E_POINTER", W},
	{0x80004004, "E_ABORT", W},
	{0x80004005, "E_FAIL", W},
	{0x8000FFFF, "E_UNEXPECTED", W},
	{0x80070005, "E_ACCESSDENIED", W},
	{0x80070006, "E_HANDLE", W},
	{0x8007000E, "E_OUTOFMEMORY", W},
	{0x80070057, "E_INVALIDARG", W},
	/* crypto (catalogs) */
	{0x80092003, "CRYPT_E_FILE_ERROR", W},
	{0x80092004, "CRYPT_E_NOT_FOUND", W},
	{0x80096010, "TRUST_E_BAD_DIGEST", W},
	{0x800B0100, "TRUST_E_NOSIGNATURE", W},
	{0x800B0101, "CERT_E_EXPIRED", W},
	{0x800B0109, "CERT_E_UNTRUSTEDROOT", W},
	/* CBS_E (facility 15, 0x800F0800-0x800F09FF) */
	{0x800F0800, "CBS_E_INTERNAL_ERROR", TBL},
	{0x800F0801, "CBS_E_NOT_INITIALIZED", TBL},
	{0x800F0802, "CBS_E_ALREADY_INITIALIZED", TBL},
	{0x800F0803, "CBS_E_INVALID_PARAMETER", TBL},
	{0x800F0804, "CBS_E_OPEN_FAILED", TBL},
	{0x800F0805, "CBS_E_INVALID_PACKAGE", TBL},
	{0x800F0806, "CBS_E_PENDING", TBL},
	{0x800F0807, "CBS_E_NOT_INSTALLABLE", TBL},
	{0x800F0808, "CBS_E_IMAGE_NOT_ACCESSIBLE", TBL},
	{0x800F0809, "CBS_E_ARRAY_ELEMENT_MISSING", TBL},
	{0x800F080A, "CBS_E_REESTABLISH_SESSION", TBL},
	{0x800F080B, "CBS_E_PROPERTY_NOT_AVAILABLE", TBL},
	{0x800F080C, "CBS_E_UNKNOWN_UPDATE", TBL},
	{0x800F080D, "CBS_E_MANIFEST_INVALID_ITEM", TBL},
	{0x800F080E, "CBS_E_MANIFEST_VALIDATION_DUPLICATE_ATTRIBUTES", TBL},
	{0x800F080F, "CBS_E_MANIFEST_VALIDATION_DUPLICATE_ELEMENT", TBL},
	{0x800F0810, "CBS_E_MANIFEST_VALIDATION_MISSING_REQUIRED_ATTRIBUTES", TBL},
	{0x800F0811, "CBS_E_MANIFEST_VALIDATION_MISSING_REQUIRED_ELEMENTS", TBL},
	{0x800F0812, "CBS_E_MANIFEST_VALIDATION_UPDATES_PARENT_MISSING", TBL},
	{0x800F0813, "CBS_E_INVALID_INSTALL_STATE", TBL},
	{0x800F0814, "CBS_E_INVALID_CONFIG_VALUE", TBL},
	{0x800F0815, "CBS_E_INVALID_CARDINALITY", TBL},
	{0x800F0816, "CBS_E_DPX_JOB_STATE_SAVED", TBL},
	{0x800F0817, "CBS_E_PACKAGE_DELETED", TBL},
	{0x800F0818, "CBS_E_IDENTITY_MISMATCH", TBL},
	{0x800F0819, "CBS_E_DUPLICATE_UPDATENAME", TBL},
	{0x800F081A, "CBS_E_INVALID_DRIVER_OPERATION_KEY", TBL},
	{0x800F081B, "CBS_E_UNEXPECTED_PROCESSOR_ARCHITECTURE", TBL},
	{0x800F081C, "CBS_E_EXCESSIVE_EVALUATION", TBL},
	{0x800F081D, "CBS_E_CYCLE_EVALUATION", TBL},
	{0x800F081E, "CBS_E_NOT_APPLICABLE", TBL},
	{0x800F081F, "CBS_E_SOURCE_MISSING", TBL},
	{0x800F0820, "CBS_E_CANCEL", TBL},
	{0x800F0821, "CBS_E_ABORT", TBL},
	{0x800F0822, "CBS_E_ILLEGAL_COMPONENT_UPDATE", TBL},
	{0x800F0823, "CBS_E_NEW_SERVICING_STACK_REQUIRED", TBL},
	{0x800F0824, "CBS_E_SOURCE_NOT_IN_LIST", TBL},
	{0x800F0825, "CBS_E_CANNOT_UNINSTALL", TBL},
	{0x800F0826, "CBS_E_PENDING_VICTIM", TBL},
	{0x800F0827, "CBS_E_STACK_SHUTDOWN_REQUIRED", TBL},
	{0x800F0828, "CBS_E_INSUFFICIENT_DISK_SPACE", TBL},
	{0x800F0829, "CBS_E_AC_POWER_REQUIRED", TBL},
	{0x800F082A, "CBS_E_STACK_UPDATE_FAILED_REBOOT_REQUIRED", TBL},
	{0x800F082B, "CBS_E_SQM_REPORT_IGNORED_AI_FAILURES_ON_TRANSACTION_RESOLVE", TBL},
	{0x800F082C, "CBS_E_DEPENDENT_FAILURE", TBL},
	{0x800F082D, "CBS_E_PAC_INITIAL_FAILURE", TBL},
	{0x800F082E, "CBS_E_NOT_ALLOWED_OFFLINE", TBL},
	{0x800F082F, "CBS_E_EXCLUSIVE_WOULD_MERGE", TBL},
	{0x800F0830, "CBS_E_IMAGE_UNSERVICEABLE", TBL},
	{0x800F0831, "CBS_E_STORE_CORRUPTION", TBL},
	{0x800F0832, "CBS_E_STORE_TOO_MUCH_CORRUPTION", TBL},
	{0x800F0833, "CBS_S_STACK_RESTART_REQUIRED", TBL},
	{0x800F0840, "CBS_E_SESSION_CORRUPT", TBL},
	{0x800F0841, "CBS_E_SESSION_INTERRUPTED", TBL},
	{0x800F0842, "CBS_E_SESSION_FINALIZED", TBL},
	{0x800F0843, "CBS_E_SESSION_READONLY", TBL},
	{0x800F084F, "CBS_E_RESOLVE_FAILED", TBL},
	{0x800F0900, "CBS_E_XML_PARSER_FAILURE", TBL},
	{0x800F0902, "CBS_E_BUSY", TBL},
	{0x800F0903, "CBS_E_INVALID_RECALL", TBL},
	{0x800F0904, "CBS_E_MORE_THAN_ONE_ACTIVE_EDITION", TBL},
	{0x800F0905, "CBS_E_NO_ACTIVE_EDITION", TBL},
	{0x800F0906, "CBS_E_DOWNLOAD_FAILURE", TBL},
	{0x800F0907, "CBS_E_GROUPPOLICY_DISALLOWED", TBL},
	{0x800F0908, "CBS_E_METERED_NETWORK", TBL},
	{0x800F0909, "CBS_E_PUBLIC_OBJECT_LEAK", TBL},
	{0x800F090B, "CBS_E_REPAIR_PACKAGE_CORRUPT", TBL},
	{0x800F090C, "CBS_E_COMPONENT_NOT_INSTALLED_BY_CBS", TBL},
	{0x800F090D, "CBS_E_MISSING_PACKAGE_MAPPING_INDEX", TBL},
	{0x800F090E, "CBS_E_EMPTY_PACKAGE_MAPPING_INDEX", TBL},
	{0x800F090F, "CBS_E_WINDOWS_UPDATE_SEARCH_FAILURE", TBL},
	{0x800F0910, "CBS_E_WINDOWS_AUTOMATIC_UPDATE_SETTING_DISALLOWED", TBL},
	{0x800F0920, "CBS_E_HANG_DETECTED", TBL},
	{0x800F0921, "CBS_E_PRIMITIVES_FAILED", TBL},
	{0x800F0922, "CBS_E_INSTALLERS_FAILED", TBL},
	{0x800F0923, "CBS_E_SAFEMODE_ENTERED", TBL},
	{0x800F0924, "CBS_E_SESSIONS_LEAKED", TBL},
	{0x800F0925, "CBS_E_INVALID_EXECUTESTATE", TBL},
	{0x800F0950, "CBS_E_INVALID_WINDOWS_UPDATE_COUNT", TBL},
	/* two public names; the 2025 Microsoft article's wins over the older table (cbslog.md 9) */
	{0x800F0954, "CBS_E_NO_OPTIONAL_CONTENT_FOUND_ON_UPDATE_SERVERS", "[S:MS-OPENSSH]"},
	/* PSFX_E */
	{0x800F0980, "PSFX_E_DELTA_NOT_SUPPORTED_FOR_COMPONENT", PSFX},
	{0x800F0981, "PSFX_E_REVERSE_AND_FORWARD_DELTAS_MISSING", PSFX},
	{0x800F0982, "PSFX_E_MATCHING_COMPONENT_NOT_FOUND", PSFX},
	{0x800F0983, "PSFX_E_MATCHING_COMPONENT_DIRECTORY_MISSING", PSFX},
	{0x800F0984, "PSFX_E_MATCHING_BINARY_MISSING", PSFX},
	{0x800F0985, "PSFX_E_APPLY_REVERSE_DELTA_FAILED", PSFX},
	{0x800F0986, "PSFX_E_APPLY_FORWARD_DELTA_FAILED", PSFX},
	{0x800F0987, "PSFX_E_NULL_DELTA_HYDRATION_FAILED", PSFX},
	{0x800F0988, "PSFX_E_INVALID_DELTA_COMBINATION", PSFX},
	{0x800F0989, "PSFX_E_REVERSE_DELTA_MISSING", PSFX},
	{0x800F0991, "PSFX_E_MISSING_PAYLOAD_FILE", PSFX},
	/* Windows Update agent */
	{0x80240016, "WU_E_INSTALL_NOT_ALLOWED", WU},
	{0x80240017, "WU_E_NOT_APPLICABLE", WU},
	{0x8024001E, "WU_E_SERVICE_STOP", WU},
	{0x8024001F, "WU_E_NO_CONNECTION", WU},
	{0x80240020, "WU_E_NO_INTERACTIVE_USER", WU},
	{0x80240021, "WU_E_TIME_OUT", WU},
	{0x80240022, "WU_E_ALL_UPDATES_FAILED", WU},
	{0x80240438, "WU_E_PT_ENDPOINT_UNREACHABLE", "[S:MS-OPENSSH]"},
	{0x8024402C, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", WU},
	{0x8024A10A, "USO_E_SERVICE_SHUTTING_DOWN", "[S:MS-common]"},
	/* NTSTATUS */
	{0xC0000001, "STATUS_UNSUCCESSFUL", N},
	{0xC000000D, "STATUS_INVALID_PARAMETER", N},
	{0xC0000017, "STATUS_NO_MEMORY", N},
	{0xC0000022, "STATUS_ACCESS_DENIED", N},
	{0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND", N},
	{0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND", N},
	{0xC0000043, "STATUS_SHARING_VIOLATION", N},
	{0xC0000054, "STATUS_FILE_LOCK_CONFLICT", N},
	{0xC0000056, "STATUS_DELETE_PENDING", N},
	{0xC000007F, "STATUS_DISK_FULL", N},
	{0xC0000102, "STATUS_FILE_CORRUPT_ERROR", N},
	{0xC0000120, "STATUS_CANCELLED", N},
	{0xC0150019, "STATUS_SXS_IDENTITY_PARSE_ERROR", N},
	{0xC015001A, "STATUS_SXS_COMPONENT_STORE_CORRUPT", N},
	{0xC015001B, "STATUS_SXS_FILE_HASH_MISMATCH", N},
};

/* Win32 error codes (the low 16 bits of HRESULT_FROM_WIN32 and NTSTATUS_FROM_WIN32). */
static const struct sxs_hresult_info win32[] = {
	{1, "ERROR_INVALID_FUNCTION", W},
	{2, "ERROR_FILE_NOT_FOUND", W},
	{3, "ERROR_PATH_NOT_FOUND", W},
	{4, "ERROR_TOO_MANY_OPEN_FILES", W},
	{5, "ERROR_ACCESS_DENIED", W},
	{6, "ERROR_INVALID_HANDLE", W},
	{8, "ERROR_NOT_ENOUGH_MEMORY", W},
	{13, "ERROR_INVALID_DATA", W},
	{14, "ERROR_OUTOFMEMORY", W},
	{18, "ERROR_NO_MORE_FILES", W},
	{19, "ERROR_WRITE_PROTECT", W},
	{21, "ERROR_NOT_READY", W},
	{23, "ERROR_CRC", W},
	{31, "ERROR_GEN_FAILURE", W},
	{32, "ERROR_SHARING_VIOLATION", W},
	{33, "ERROR_LOCK_VIOLATION", W},
	{38, "ERROR_HANDLE_EOF", W},
	{39, "ERROR_HANDLE_DISK_FULL", W},
	{50, "ERROR_NOT_SUPPORTED", W},
	{80, "ERROR_FILE_EXISTS", W},
	{87, "ERROR_INVALID_PARAMETER", W},
	{109, "ERROR_BROKEN_PIPE", W},
	{112, "ERROR_DISK_FULL", W},
	{122, "ERROR_INSUFFICIENT_BUFFER", W},
	{123, "ERROR_INVALID_NAME", W},
	{126, "ERROR_MOD_NOT_FOUND", W},
	{127, "ERROR_PROC_NOT_FOUND", W},
	{145, "ERROR_DIR_NOT_EMPTY", W},
	{161, "ERROR_BAD_PATHNAME", W},
	{183, "ERROR_ALREADY_EXISTS", W},
	{193, "ERROR_BAD_EXE_FORMAT", W},
	{206, "ERROR_FILENAME_EXCED_RANGE", W},
	{234, "ERROR_MORE_DATA", W},
	{259, "ERROR_NO_MORE_ITEMS", W},
	{267, "ERROR_DIRECTORY", W},
	{303, "ERROR_DELETE_PENDING", W},
	{534, "ERROR_ARITHMETIC_OVERFLOW", W},
	{577, "ERROR_INVALID_IMAGE_HASH", W},
	{995, "ERROR_OPERATION_ABORTED", W},
	{997, "ERROR_IO_PENDING", W},
	{1006, "ERROR_FILE_INVALID", W},
	{1053, "ERROR_SERVICE_REQUEST_TIMEOUT", W},
	{1058, "ERROR_SERVICE_DISABLED", W},
	{1114, "ERROR_DLL_INIT_FAILED", W},
	{1115, "ERROR_SHUTDOWN_IN_PROGRESS", W},
	{1117, "ERROR_IO_DEVICE", W},
	{1168, "ERROR_NOT_FOUND", W},
	{1223, "ERROR_CANCELLED", W},
	{1392, "ERROR_FILE_CORRUPT", W},
	{1393, "ERROR_DISK_CORRUPT", W},
	{1450, "ERROR_NO_SYSTEM_RESOURCES", W},
	{1460, "ERROR_TIMEOUT", W},
	{1465, "ERROR_XML_PARSE_ERROR", W},
	{1603, "ERROR_INSTALL_FAILURE", W},
	{1618, "ERROR_INSTALL_ALREADY_RUNNING", W},
	{1722, "RPC_S_SERVER_UNAVAILABLE", W},
	{1726, "RPC_S_CALL_FAILED", W},
	{1727, "RPC_S_CALL_FAILED_DNE", W},
	{1753, "EPT_S_NOT_REGISTERED", W}, /* an advanced installer's RPC peer absent (Container Installer, 0x800706d9) */
	{3010, "ERROR_SUCCESS_REBOOT_REQUIRED", W},
	{3011, "ERROR_SUCCESS_RESTART_REQUIRED", W},
	{3017, "ERROR_FAIL_REBOOT_REQUIRED", W},
	{12002, "ERROR_WINHTTP_TIMEOUT", W},
	{12007, "ERROR_WINHTTP_NAME_NOT_RESOLVED", W},
	{12029, "ERROR_WINHTTP_CANNOT_CONNECT", W},
	{12030, "ERROR_WINHTTP_CONNECTION_ERROR", W},
	{12152, "ERROR_WINHTTP_INVALID_SERVER_RESPONSE", W},
	{12175, "ERROR_WINHTTP_SECURE_FAILURE", W},
	{14003, "ERROR_SXS_ASSEMBLY_NOT_FOUND", W},
	{14028, "ERROR_SXS_FILE_HASH_MISMATCH", W},
	{14081, "ERROR_SXS_ASSEMBLY_MISSING", W},
	{14098, "ERROR_SXS_COMPONENT_STORE_CORRUPT", W},
	{14107, "ERROR_SXS_TRANSACTION_CLOSURE_INCOMPLETE", W},
};

static int cmp_code(const void *k, const void *e)
{
	uint32_t a = *(const uint32_t *)k, b = ((const struct sxs_hresult_info *)e)->code;
	return a < b ? -1 : a > b;
}

static const struct sxs_hresult_info *find(const struct sxs_hresult_info *t, size_t n, uint32_t code)
{
	return bsearch(&code, t, n, sizeof(*t), cmp_code);
}

const struct sxs_hresult_info *sxs_hresult_lookup(uint32_t code)
{
	const struct sxs_hresult_info *h = find(hresults, sizeof(hresults) / sizeof(*hresults), code);
	if (h)
		return h;
	/* HRESULT_FROM_WIN32: Windows prints the bare ERROR_ name ([HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]) */
	if ((code & 0xFFFF0000u) == 0x80070000u)
		return find(win32, sizeof(win32) / sizeof(*win32), code & 0xFFFF);
	return NULL;
}

bool sxs_hresult_by_name(const char *name, size_t len, uint32_t *code_ret)
{
	for (size_t i = 0; i < sizeof(win32) / sizeof(*win32); i++) {
		if (strlen(win32[i].name) == len && !memcmp(win32[i].name, name, len)) {
			*code_ret = win32[i].code;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(hresults) / sizeof(*hresults); i++) {
		if (!strncmp(hresults[i].name, "STATUS_", 7) && strlen(hresults[i].name) == len &&
		    !memcmp(hresults[i].name, name, len)) {
			*code_ret = hresults[i].code;
			return true;
		}
	}
	return false;
}

/*
 * Harmless lines (cbslog.md §8.1, measured on the corpus): never the
 * origin of a failure, never a cause.  They matter only when their code is
 * the session's result, and even then the walk back skips them.
 */
static const struct {
	const char *pattern;
	uint32_t code; /* 0: any code */
} noise[] = {
	{"Failed to internally open package", 0x800F0805},
	{"Failed to OpenPackage using worker session", 0x800F0805},
	{"InternalOpenPackage failed for", 0x800F0805},
	{"Failed to create open package", 0x800F0805},
	{"Unrecognized packageExtended attribute", 0x800F080D},
	{"Expecting attribute name", 0x800F080D},
	{"Failed to get next element", 0x800F080D},
	{"Failed to get internal update", 0x800F080C},
	{"Not able to read ", 0x80070002},
	{"Windows update server selection group policy not set", 0x80070002},
	{"Failed to initialize onesettings", 0},
	{"onesettings value for", 0},
	{"Cannot get value from store object that is already going to be deleted", 0x8007012F},
	{"will delete in-place instead", 0x80070020},
	{"to temp directory", 0x80070020},
	{"Failed administrator access check", 0x80070005},
	{"Failed to unload offline registry", 0x80070005},
	{"Failed to find a matching version for servicing stack", 0x80070490},
	{"Failed to find servicing stack directory in online store", 0x80070490},
	{"Failed to read Rpt", 0x80070490},
	{"Failed to read Doq", 0x80070490},
	{"Failed to get merged pending executionsequence info", 0x80070490},
	{"Failed to read AutoRepairNeeded", 0x80070490},
	{"Failed to compute delta for LastScavengingStarvationReport", 0x80070216},
	{"scavenging starvation", 0x80070216},
	{"lower than last tick count", 0x8007000D},
	{"SQM: ", 0},
	{"Failed to write store corruption detect and repair", 0},
	{"Failed Open Eventlog", 0},
	{"Failed to ask UI handler to terminate", 0},
	{"Failed to check whether package is partially installed", 0x80070490},
	{"Failed to call external evaluate applicability", 0x80070490},
	{"non-critical error, ignored", 0},
	{"Failed to load the provider", 0x8007007E},
	{"Failed to get and initialize the PE Provider", 0},
	{"to Windows Error Report", 0x80070002},
	{"Attempting to mark store corrupt with category", 0},
	{"Failed to clear CorruptionDetectedDuringAcr", 0x80070002},
	{"Failed to get last scavenging", 0},
	{"Failed to report poqexec status", 0x80070490},
};

bool sxs_cbs_is_noise(const char *msg, size_t len, uint32_t code)
{
	for (size_t i = 0; i < sizeof(noise) / sizeof(*noise); i++) {
		if (noise[i].code && noise[i].code != code)
			continue;
		if (sxs_cbs_memmem(msg, len, noise[i].pattern, strlen(noise[i].pattern)))
			return true;
	}
	return false;
}

/* cbslog.md §10: signature, remedy, source.  %s in a remedy is filled with the subject. */
static const struct sxs_cbs_kind_info kinds[SXS_KIND_COUNT] = {
	[SXS_KIND_STORE_CORRUPTION_MISSING_PACKAGE] = {
		"store-corruption-missing-package",
		"0x800f0831 CBS_E_STORE_CORRUPTION: a package the operation needs has no manifest in the store",
		"DISM /Online /Cleanup-Image /RestoreHealth; if it persists, download %s from the Microsoft Update Catalog and install it (DISM /Online /Add-Package), then retry the update",
		"sxscheck scan ROOT lists the store's state offline",
		"[S:MS-common][S:q94z3v4c]"},
	[SXS_KIND_COMPONENT_STORE_CORRUPT] = {
		"component-store-corrupt",
		"0x80073712 / 0x80073701 / 0x8007371b: the component store is inconsistent or an assembly is missing",
		"DISM /Online /Cleanup-Image /RestoreHealth%s; orphaned language-pack packages: remove and re-add the language pack; if it persists, an in-place upgrade",
		"sxscheck scan ROOT, then sxscheck compare ROOT --golden GOLDEN_ROOT for what is missing",
		"[S:MS-common][S:MS-IPU]"},
	[SXS_KIND_MANIFEST_CORRUPT] = {
		"manifest-corrupt",
		"a CBS package .mum/.cat or a CSI manifest is corrupt or missing",
		"extract the .mum/.cat of %s from the matching update (.msu/.cab) into a folder and run DISM /Online /Cleanup-Image /RestoreHealth /Source:<folder> /LimitAccess",
		"sxscheck scan ROOT checks every manifest offline",
		"[S:MS-947821][S:MS-000d]"},
	[SXS_KIND_PAYLOAD_CORRUPT] = {
		"payload-corrupt",
		"a component payload in WinSxS fails its hash",
		"DISM /Online /Cleanup-Image /RestoreHealth (Windows Update, or /Source:wim:<install.wim>:<index> of the same build and edition with /LimitAccess), then sfc /scannow; offline: copy the component folder from a healthy machine of the same build%s",
		"sxscheck scan ROOT confirms each payload offline; sxscheck compare ROOT --golden GOLDEN_ROOT writes the replace plan",
		"[S:MS-947821]"},
	[SXS_KIND_PSFX_DELTA] = {
		"psfx-delta",
		"a PSFX forward/reverse/null delta could not be applied (hydration failed)",
		"DISM /Online /Cleanup-Image /RestoreHealth; install the full (non-express) cumulative update from the Microsoft Update Catalog, servicing stack update first; an in-place upgrade if it persists%s",
		"sxscheck scan ROOT checks the f\\, r\\ and n\\ deltas and the full files they apply to",
		"[S:SF-0986][S:MS-IPU][S:BORN-0988]"},
	[SXS_KIND_ADVANCED_INSTALLER] = {
		"advanced-installer",
		"an advanced installer failed at boot or commit (0x800f0922 CBS_E_INSTALLERS_FAILED)",
		"fix what the advanced installer %s needed (its inner error is quoted above; e.g. a corrupted scheduled task, or for the SPP installer the licensing store), remove the staged package, then retry the update",
		NULL,
		"[S:MS-0922][S:RETRO-2014]"},
	[SXS_KIND_ACCESS_DENIED] = {
		"access-denied",
		"0x80070005 is the failing HRESULT: an ACL or a file system filter driver blocked TrustedInstaller",
		"restore the default ACLs of %s; clean boot, and unload or uninstall third-party file system filter drivers (fltmc filters lists them; with --root sxscheck lists those registered in the image), Process Monitor on the file",
		NULL,
		"[S:MS-common][S:MS other: deactivate-kernel-mode-filter-driver]"},
	[SXS_KIND_SHARING_VIOLATION] = {
		"sharing-violation",
		"0x80070020 is the failing HRESULT: another process held the file open",
		"clean boot (antivirus and other filter drivers off), Process Monitor on %s, retry",
		NULL,
		"[S:MS-common]"},
	[SXS_KIND_DELETE_PENDING] = {
		"delete-pending",
		"STATUS_DELETE_PENDING / 0x8007012f: a file the operation needs is marked for deletion",
		"restart so the pending deletes complete (%s), check that no antivirus holds handles in WinSxS\\Temp, retry the update",
		NULL,
		"cbslog.md 10 (seed case; no public source found)"},
	[SXS_KIND_PENDING_REBOOT] = {
		"pending-reboot",
		"0x80070bc9 ERROR_FAIL_REBOOT_REQUIRED: a pending transaction blocks the operation",
		"restart Windows before running DISM or the update again%s; if it persists after restarts, pending.xml or the transaction state is damaged: in-place upgrade",
		NULL,
		"[S:MS-0bc9][S:TECHNET-2011]"},
	[SXS_KIND_CLIENT_ABORT_TIMEOUT] = {
		"client-abort-timeout",
		"0x800f0821 CBS_E_ABORT / 0x800f0920 CBS_E_HANG_DETECTED: the client gave up or the watchdog fired",
		"install %s in a maintenance window with nothing else running; more CPU/RAM or a faster disk; install the latest servicing stack (KB4493473 or later on 1809/2019 extends the timeout)",
		NULL,
		"[S:MS-common][S:MS-0920]"},
	[SXS_KIND_DOWNLOAD_FAILED] = {
		"download-failed",
		"content download from Windows Update/WSUS failed (0x8024xxxx, 0x80072efx)",
		"fix DNS/proxy/WSUS reachability, or allow \"Download repair content and optional features directly from Windows Update\" by policy, or give a local /Source%s",
		NULL,
		"[S:MS-OPENSSH]"},
	[SXS_KIND_SOURCE_MISSING] = {
		"source-missing",
		"the repair or feature source was not available or not usable",
		"give DISM a source of the same build and edition: /Source:wim:X:\\sources\\install.wim:<index> or /Source:esd:X:\\sources\\install.esd:<index> with /LimitAccess (a .wim/.esd given as a folder fails with 0x8007007b/0x8007010b)%s",
		"sxscheck compare ROOT --golden GOLDEN_ROOT finds the files a healthy machine can supply",
		"[S:MS-947821][S:MS-OPENSSH]"},
	[SXS_KIND_CANCELLED] = {
		"cancelled",
		"0x800f0820 CBS_E_CANCEL: the user or the client cancelled",
		"run the operation again and let it finish%s",
		NULL,
		"cbslog.md 10"},
	[SXS_KIND_NOT_APPLICABLE] = {
		"not-applicable",
		"0x800f081e CBS_E_NOT_APPLICABLE: the package does not apply to this image",
		"check that %s matches this edition, architecture and build (and that its prerequisites, e.g. the servicing stack, are installed)",
		NULL,
		"cbslog.md 9.1"},
	[SXS_KIND_INTERRUPTED] = {
		"interrupted",
		"an operation started and never completed (reboot, crash, kill)",
		"run the operation again%s; look at the System event log for why TrustedInstaller stopped",
		NULL,
		"cbslog.md 10"},
	[SXS_KIND_PROJECTED_FILE_REPAIRED] = {
		"projected-file-repaired",
		"SFC restored a system file outside WinSxS from the store's good copy (not a store problem)",
		"nothing to do%s",
		NULL,
		"[S:MS-954402]"},
};

const struct sxs_cbs_kind_info *sxs_cbs_kind_info(enum sxs_cbs_kind kind)
{
	return (unsigned)kind < SXS_KIND_COUNT ? &kinds[kind] : NULL;
}

int sxs_cbs_kind_lookup(const char *id)
{
	for (int i = 0; i < SXS_KIND_COUNT; i++)
		if (!strcmp(kinds[i].id, id))
			return i;
	return -1;
}

/* The kinds vocabulary of expected.json mapped to codes (cbslog.md §9, §10). */
int sxs_cbs_kind_of_code(uint32_t code)
{
	switch (code) {
	case 0x800F0831:
		return SXS_KIND_STORE_CORRUPTION_MISSING_PACKAGE;
	case 0x80073712:
	case 0x80073701:
	case 0x8007371B:
	case 0x800736B3:
	case 0xC015001A:
	case 0xD015001A:
		return SXS_KIND_COMPONENT_STORE_CORRUPT;
	case 0x800F080D:
	case 0x800F0900:
	case 0x800B0100:
	case 0x80092004:
		return SXS_KIND_MANIFEST_CORRUPT;
	case 0x800736CC:
		return SXS_KIND_PAYLOAD_CORRUPT;
	case 0x800F0922:
		return SXS_KIND_ADVANCED_INSTALLER;
	case 0x80070005:
	case 0xC0000022:
		return SXS_KIND_ACCESS_DENIED;
	case 0x80070020:
	case 0xC0000043:
		return SXS_KIND_SHARING_VIOLATION;
	case 0x8007012F:
	case 0xC0000056:
	case 0xD0000056:
		return SXS_KIND_DELETE_PENDING;
	case 0x80070BC9:
	case 0x800F0806:
		return SXS_KIND_PENDING_REBOOT;
	case 0x800F0821:
	case 0x800F0920:
		return SXS_KIND_CLIENT_ABORT_TIMEOUT;
	case 0x800F081F:
	case 0x800F0906:
	case 0x800F0907:
	case 0x800F0954:
	/* 0x800F0915: DISM "The repair content could not be found anywhere" after a
	   /RestoreHealth whose (p) lines end "Repair failed: Missing replacement
	   payload." (24H2 and later; a public capture of such a run, SecretLUL/WinMedic
	   tests/fixtures README); no symbolic name was found, none is given */
	case 0x800F0915:
		return SXS_KIND_SOURCE_MISSING;
	case 0x800F0820:
		return SXS_KIND_CANCELLED;
	case 0x800F081E:
		return SXS_KIND_NOT_APPLICABLE;
	}
	if (code >= 0x800F0980 && code <= 0x800F0991)
		return SXS_KIND_PSFX_DELTA;
	if (code >= 0x800F0940 && code <= 0x800F094F) /* SOURCE_MISSING_FROM_* (cbslog.md 9.1) */
		return SXS_KIND_SOURCE_MISSING;
	/* 0x800F0950-0955: the Windows Update / WSUS content for a feature on demand (cbslog.md 9.1,
	   "FoD sources"): "Failed to download and plan capabilities [0x800f0950]" */
	if (code >= 0x800F0950 && code <= 0x800F0955)
		return SXS_KIND_SOURCE_MISSING;
	if ((code & 0xFFFF0000u) == 0x80240000u || (code & 0xFFFFFFF0u) == 0x80072EE0u ||
	    (code & 0xFFFFFFF0u) == 0x80072EF0u || code == 0x80072F8F)
		return SXS_KIND_DOWNLOAD_FAILED;
	return -1;
}

/*
 * Windows release of a build number (the servicing branch: 19041 serves
 * 2004-22H2, cbslog.md 0.10).  Source: Microsoft's Windows release
 * information pages (Windows 10/11 and Windows Server release history).
 */
static const struct {
	unsigned major, minor, build;
	const char *label;
} releases[] = {
	{6, 1, 7600, "Windows 7 / Server 2008 R2 RTM"},
	{6, 1, 7601, "Windows 7 SP1 / Server 2008 R2 SP1"},
	{6, 2, 9200, "Windows 8 / Server 2012"},
	{6, 3, 9600, "Windows 8.1 / Server 2012 R2"},
	{10, 0, 10240, "Windows 10 1507"},
	{10, 0, 10586, "Windows 10 1511"},
	{10, 0, 14393, "Windows 10 1607 / Server 2016"},
	{10, 0, 15063, "Windows 10 1703"},
	{10, 0, 16299, "Windows 10 1709"},
	{10, 0, 17134, "Windows 10 1803"},
	{10, 0, 17763, "Windows 10 1809 / Server 2019"},
	{10, 0, 18362, "Windows 10 1903"},
	{10, 0, 18363, "Windows 10 1909"},
	{10, 0, 19041, "Windows 10 2004-22H2 (19041 servicing branch)"},
	{10, 0, 19042, "Windows 10 20H2"},
	{10, 0, 19043, "Windows 10 21H1"},
	{10, 0, 19044, "Windows 10 21H2"},
	{10, 0, 19045, "Windows 10 22H2"},
	{10, 0, 20348, "Windows Server 2022"},
	{10, 0, 22000, "Windows 11 21H2"},
	{10, 0, 22621, "Windows 11 22H2/23H2 (22621 servicing branch)"},
	{10, 0, 22631, "Windows 11 23H2"},
	{10, 0, 26100, "Windows 11 24H2 / Server 2025"},
};

const char *sxs_cbs_release_label(const char *build)
{
	unsigned a, b, c;
	if (!build || sscanf(build, "%u.%u.%u", &a, &b, &c) != 3)
		return NULL;
	for (size_t i = 0; i < sizeof(releases) / sizeof(*releases); i++)
		if (releases[i].major == a && releases[i].minor == b && releases[i].build == c)
			return releases[i].label;
	return NULL;
}
