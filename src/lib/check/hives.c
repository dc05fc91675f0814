/* SPDX-License-Identifier: MIT */
/*
 * Judgement on how the registry hives were read (issue 15): a dirty hive
 * replayed from its logs is a note; one whose logs could not be replayed
 * is a warning, and every finding that rests on it is marked tentative.
 */
#include "check/hives.h"
#include "check/volume.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/*
 * Finding kinds whose evidence comes from a hive.  COMPONENTS: the
 * DerivedData\Components keys (presence, S256H, identity), the pending
 * marker, the S256H test of the DCM base.  SOFTWARE: SideBySide\Winners.
 * Other areas add their kinds here (one row each).
 */
static const struct {
	enum sxs_finding_kind kind;
	bool components, software;
} rests_on[] = {
	{SXS_F_MANIFEST_MISSING, true, false},
	{SXS_F_MANIFEST_ORPHAN, true, false},
	{SXS_F_MANIFEST_HASH_MISMATCH, true, false},
	{SXS_F_IDENTITY_MISMATCH, true, false},
	{SXS_F_BASE_MANIFEST_UNKNOWN, true, false},
	{SXS_F_WINNER_MISSING, false, true},
	{SXS_F_WINNER_NOT_INSTALLED, false, true},
	{SXS_F_WINNER_MALFORMED, false, true},
	/* state (issue 11): liveness rests on COMPONENTS (c!, deployments) and SOFTWARE (Winners, packages) */
	{SXS_F_PAYLOAD_MISSING, true, true},
	{SXS_F_DEPLOYMENT_MARK_ORPHAN, true, true},
	{SXS_F_DEPLOYMENT_MARK_MALFORMED, true, false},
	{SXS_F_DEPLOYMENT_NOT_INSTALLED, true, true},
	{SXS_F_DEPLOYMENT_COMPONENT_MISSING, true, true},
	{SXS_F_CATALOG_MISSING, true, false},
	{SXS_F_MANIFEST_NOT_IN_CATALOG, true, false},
	/* pkg: the package findings read from the CBS key (SOFTWARE) or PendingXmlIdentifier */
	{SXS_F_PACKAGE_MUM_MISSING, false, true},
	{SXS_F_PACKAGE_STATE_UNKNOWN, false, true},
	{SXS_F_PACKAGE_STATE_BROKEN, false, true},
	{SXS_F_PACKAGE_PARTIALLY_INSTALLED, false, true},
	{SXS_F_PACKAGE_PENDING_STALE, false, true},
	{SXS_F_PACKAGE_CHILD_MISSING, false, true},
	{SXS_F_ROLLUP_STATE, false, true},
	{SXS_F_ROLLUP_SUBPACKAGE_MISSING, false, true},
	{SXS_F_SERVICING_STACK_VERSION, false, true},
	{SXS_F_SERVICING_REBOOT_PENDING, false, true},
	{SXS_F_SESSIONS_EXCLUSIVE, false, true},
	{SXS_F_PACKAGE_TAMPERED, false, true},
	{SXS_F_PACKAGE_ORPHAN_MUM, false, true},
	{SXS_F_PACKAGE_INSTALLNAME_MISMATCH, false, true},
	{SXS_F_PENDING_TRANSACTION_MISMATCH, true, false},
};

static void hive_state(const struct sxs_hive_fact *fact, bool dirty, const char *name,
                       struct sxs_findings *out)
{
	char file[64];
	snprintf(file, sizeof(file), "System32/config/%s", name);
	if (fact->read == SXS_HIVE_READ_REPLAYED)
		sxs_findings_add(out, SXS_F_HIVE_REPLAYED, NULL, file, "%s hive was dirty: %s", name,
		                 fact->note ? fact->note : "replayed");
	else if (dirty) {
		const char *why = fact->note ? fact->note : "no usable logs";
		if (!strncmp(why, "not replayed: ", 14))
			why += 14;
		sxs_findings_add(out, SXS_F_HIVE_DIRTY, NULL, file,
		                 "%s hive is dirty and its logs could not be replayed (%s): its newest "
		                 "changes may be missing",
		                 name, why);
	}
}

void sxs_check_hives(const struct sxs_model *m, struct sxs_findings *out)
{
	if (m->have_components_hive)
		hive_state(&m->components_log, m->components_dirty, "COMPONENTS", out);
	if (m->have_software_hive)
		hive_state(&m->software_log, m->software_dirty, "SOFTWARE", out);
}

/* findings about the target itself are not made tentative by it */
static bool about_the_target(enum sxs_finding_kind k)
{
	return k == SXS_F_WINDOWS_UNSUPPORTED || k == SXS_F_VOLUME_HIBERNATED ||
	       k == SXS_F_REGISTRY_MISSING || k == SXS_F_HIVE_DIRTY || k == SXS_F_HIVE_REPLAYED ||
	       k == SXS_F_CHECK_SKIPPED;
}

int sxs_check_tentative(const struct sxs_model *m, struct sxs_findings *out)
{
	bool old_windows = sxs_check_version_unsupported(m);
	if (!m->components_dirty && !m->software_dirty && !old_windows)
		return 0;
	for (size_t i = 0; i < out->n; i++) {
		struct sxs_finding *fd = &out->v[i];
		const char *why = NULL;
		if (old_windows && !about_the_target(fd->kind))
			why = "the image is older than Windows 10, whose store layout sxscheck's rules "
			      "were made for";
		for (size_t k = 0; k < sizeof(rests_on) / sizeof(*rests_on); k++) {
			if (rests_on[k].kind != fd->kind)
				continue;
			if (rests_on[k].components && m->components_dirty)
				why = "it rests on the COMPONENTS hive, which is dirty and whose logs were not replayed";
			else if (rests_on[k].software && m->software_dirty)
				why = "it rests on the SOFTWARE hive, which is dirty and whose logs were not replayed";
		}
		/* the pending marker read from COMPONENTS (pending.xml is a file) */
		if (fd->kind == SXS_F_PENDING_OPERATIONS && m->components_dirty && fd->file &&
		    !strcmp(fd->file, "COMPONENTS"))
			why = "it rests on the COMPONENTS hive, which is dirty and whose logs were not replayed";
		if (why && sxs_finding_set(&fd->tentative, why))
			return -SXS_ENOMEM;
	}
	return 0;
}
