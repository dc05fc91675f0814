/* SPDX-License-Identifier: MIT */
#include "check/findings.h"

#include <stdarg.h>
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
		"a file listed in a component's manifest is not in its WinSxS folder",
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
		"COMPONENTS lists a component whose WinSxS\\Manifests file is absent",
		"restore the manifest from a healthy machine of the same build"},
	[SXS_F_MANIFEST_ORPHAN] = {
		"manifest-orphan", SXS_SEV_WARNING, SXS_CBS_METADATA,
		"a manifest in WinSxS\\Manifests has no DerivedData\\Components key in the COMPONENTS hive",
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
		"winner-missing", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"a component family has versions in the store but no winner in SideBySide\\Winners (CBS.log: \"does not have a winner but has N other component version(s)\")",
		"add the Winners band and winner values from a healthy machine (sxscheck compare writes the reg add lines)"},
	[SXS_F_WINNER_NOT_INSTALLED] = {
		"winner-not-installed", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"SideBySide\\Winners names a winning version that is not in the store",
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
		"pending-operations", SXS_SEV_WARNING, SXS_CBS_NONE,
		"a servicing transaction is pending (WinSxS\\pending.xml or COMPONENTS PendingXmlIdentifier); results may be transient",
		"boot the machine once so the pending operations complete, then scan again"},
	[SXS_F_HIVE_DIRTY] = {
		"hive-dirty", SXS_SEV_WARNING, SXS_CBS_NONE,
		"a registry hive was not cleanly written (sequence numbers differ); its newest changes are in .LOG1/.LOG2 and were not read",
		"boot Windows once or load and unload the hive with reg.exe, then scan again"},
	[SXS_F_HIVE_UNREADABLE] = {
		"hive-unreadable", SXS_SEV_ERROR, SXS_CBS_METADATA,
		"a registry hive exists but could not be opened as a hive",
		"restore the hive from System32\\config\\RegBack or a backup"},
	[SXS_F_CHECK_SKIPPED] = {
		"check-skipped", SXS_SEV_INFO, SXS_CBS_NONE,
		"a check could not run because its input is absent (for example no COMPONENTS or SOFTWARE hive)",
		"none; the report says which checks ran"},
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

struct sxs_finding *sxs_findings_add(struct sxs_findings *f, enum sxs_finding_kind kind,
                                     const char *component, const char *file,
                                     const char *fmt, ...)
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
	struct sxs_strbuf msg = SXS_STRBUF_INIT;
	va_list ap;
	char small[512];
	va_start(ap, fmt);
	vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	sxs_strbuf_adds(&msg, small);
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
		if (registry[f->v[i].kind].severity >= min)
			n++;
	return n;
}
