/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_FINDINGS_H
#define SXS_CHECK_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The findings registry: every kind of problem sxscheck reports about a
 * Windows image, with a stable kebab-case id, a severity and a one-line
 * description.  Ids are never renamed or reused; sxscheck-findings(7) is
 * generated from this table.
 */
enum sxs_severity {
	SXS_SEV_INFO,
	SXS_SEV_WARNING,
	SXS_SEV_ERROR,
};

/* CBS.log summary bucket a finding counts under. */
enum sxs_cbs_class {
	SXS_CBS_NONE,
	SXS_CBS_PAYLOAD,  /* "CSI Payload Corruption" */
	SXS_CBS_MANIFEST, /* "CSI Manifest Corruption" */
	SXS_CBS_METADATA, /* "CSI Metadata Corruption" (COMPONENTS, Winners) */
	SXS_CBS_CBS_MANIFEST, /* "CBS Manifest Corruption" (.mum/.cat, packages.md §3.4) */
	SXS_CBS_CBS_METADATA, /* "CBS Metadata Corruption" (CBS Packages registry, marks) */
};
#define SXS_CBS_CLASS_COUNT 6

enum sxs_finding_kind {
	SXS_F_PAYLOAD_HASH_MISMATCH,
	SXS_F_PAYLOAD_MISSING,
	SXS_F_PAYLOAD_UNREADABLE,
	SXS_F_PAYLOAD_UNVERIFIABLE,
	SXS_F_MANIFEST_MISSING,
	SXS_F_MANIFEST_ORPHAN,
	SXS_F_MANIFEST_UNREADABLE,
	SXS_F_MANIFEST_COMPRESSED_UNSUPPORTED,
	SXS_F_MANIFEST_HASH_MISMATCH,
	SXS_F_MANIFEST_NAME_MISMATCH,
	SXS_F_IDENTITY_MISMATCH,
	SXS_F_WINNER_MISSING,
	SXS_F_WINNER_NOT_INSTALLED,
	SXS_F_WINNER_MALFORMED,
	SXS_F_PATH_UNSAFE,
	SXS_F_LINK_REFUSED,
	SXS_F_DELTA_CORRUPT,
	SXS_F_BASE_MANIFEST_UNKNOWN,
	SXS_F_PENDING_OPERATIONS,
	SXS_F_HIVE_DIRTY,
	SXS_F_HIVE_UNREADABLE,
	SXS_F_CHECK_SKIPPED,
	/* package (CBS) layer, packages.md §6.1 (check/packages.c) */
	SXS_F_PACKAGE_MUM_MISSING,
	SXS_F_PACKAGE_CAT_MISSING,
	SXS_F_PACKAGE_MUM_CORRUPT,
	SXS_F_PACKAGE_MUM_NAME_MISMATCH,
	SXS_F_PACKAGE_MUM_NOT_IN_CATALOG,
	SXS_F_PACKAGE_CAT_CORRUPT,
	SXS_F_PACKAGE_CAT_CHAIN_UNCHECKED,
	SXS_F_PACKAGE_CAT_CHAIN_INVALID,
	SXS_F_PACKAGE_FILE_UNREADABLE,
	SXS_F_PACKAGE_STATE_UNKNOWN,
	SXS_F_PACKAGE_STATE_BROKEN,
	SXS_F_PACKAGE_PARTIALLY_INSTALLED,
	SXS_F_PACKAGE_PENDING_STALE,
	SXS_F_PENDING_TRANSACTION_MISMATCH,
	SXS_F_PACKAGE_CHILD_MISSING,
	SXS_F_ROLLUP_STATE,
	SXS_F_ROLLUP_SUBPACKAGE_MISSING,
	SXS_F_SERVICING_STACK_VERSION,
	SXS_F_SERVICING_REBOOT_PENDING,
	SXS_F_SESSIONS_EXCLUSIVE,
	SXS_F_PACKAGE_TAMPERED,
	SXS_F_PACKAGE_ORPHAN_MUM,
	SXS_F_PACKAGE_INSTALLNAME_MISMATCH,
	/* disks (issue 15): hive logs, hibernated volumes, wrong targets */
	SXS_F_HIVE_REPLAYED,
	SXS_F_VOLUME_HIBERNATED,
	SXS_F_REGISTRY_MISSING,
	SXS_F_WINDOWS_UNSUPPORTED,
	/* state (issue 11): deployments, marks, catalogs (check/deploy.c) */
	SXS_F_DEPLOYMENT_MARK_ORPHAN,
	SXS_F_DEPLOYMENT_MARK_MALFORMED,
	SXS_F_DEPLOYMENT_NOT_INSTALLED,
	SXS_F_DEPLOYMENT_COMPONENT_MISSING,
	SXS_F_CATALOG_MISSING,
	SXS_F_MANIFEST_NOT_IN_CATALOG,
	/* end of state's block */
	/* servicing logs: CBS.log, CbsPersist, dism.log read by scan (issue 13, check/logs.c) */
	SXS_F_SERVICING_FAILED,
	SXS_F_SERVICING_CORRUPTION_REPORTED,
	SXS_F_SERVICING_LOG_UNREADABLE,
	SXS_F_COUNT
};

struct sxs_finding_info {
	const char *id;
	enum sxs_severity severity; /* the highest this kind can be reported with */
	enum sxs_cbs_class cbs;
	const char *doc;    /* one line */
	const char *advice; /* what an admin does about it */
};

const struct sxs_finding_info *sxs_finding_info(enum sxs_finding_kind kind);
const char *sxs_severity_name(enum sxs_severity sev);
/* DISM's summary line a class counts under ("CBS Manifest Corruption"), NULL for none. */
const char *sxs_cbs_class_name(enum sxs_cbs_class cls);
/* kind for an id, or -1 */
int sxs_finding_lookup(const char *id);

/* One reported problem. Strings are owned (sxs_malloc). */
struct sxs_finding {
	enum sxs_finding_kind kind;
	enum sxs_severity severity; /* this finding's: the registry's unless the evidence lowers it */
	char *component;   /* full key form, or NULL */
	char *file;        /* file or path inside the component / image, or NULL */
	char *message;     /* one line, lower case, no final period */
	char *expected;    /* lower-case hex digest or value, or NULL */
	char *actual;
	char *algorithm;   /* "sha256", ... when expected/actual are digests */
	char *winners_key; /* Winners key form, or NULL */
	char **versions;   /* for Winners findings */
	size_t nversions;
	char *tentative;   /* why this finding may be stale (it rests on a dirty hive
	                      whose logs could not be replayed), or NULL */
};

struct sxs_findings {
	struct sxs_finding *v;
	size_t n, cap;
	bool oom;
};

void sxs_findings_init(struct sxs_findings *f);
void sxs_findings_release(struct sxs_findings *f);
/*
 * Add a finding; the strings are copied (NULL allowed).  Returns the new
 * finding, or NULL on oom (sticky: sxs_findings_error()).
 */
struct sxs_finding *sxs_findings_add(struct sxs_findings *f, enum sxs_finding_kind kind,
                                     const char *component, const char *file,
                                     const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/*
 * The same with a severity decided from the evidence (liveness, gates;
 * calibration.md §6-§7); it never exceeds the registry's.
 */
struct sxs_finding *sxs_findings_add_sev(struct sxs_findings *f, enum sxs_finding_kind kind,
                                         enum sxs_severity sev, const char *component,
                                         const char *file, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Append " (<text>)" to a finding's message; 0 or -SXS_ENOMEM (also sticky in f). */
int sxs_finding_note(struct sxs_findings *f, struct sxs_finding *fd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sxs_finding_set(char **field, const char *value);
/*
 * A stable fingerprint of a finding for fleets: 16 hex digits of FNV-1a-64
 * over "id\0component\0file" (names case-folded; empty when absent), so
 * the same problem on two machines or two runs has the same fingerprint.
 */
void sxs_finding_fingerprint(const struct sxs_finding *fd, char out[17]);
int sxs_finding_add_version(struct sxs_finding *fd, const char *version);
int sxs_findings_error(const struct sxs_findings *f);
/* Deterministic report order: by component, then kind, then file. */
void sxs_findings_sort(struct sxs_findings *f);
/* Count of findings at or above severity. */
size_t sxs_findings_count(const struct sxs_findings *f, enum sxs_severity min);

#endif
