/* SPDX-License-Identifier: MIT */
/*
 * Judgement on the target itself (issue 15): a hibernated volume, an image
 * without registry hives, a Windows older than the store layout sxscheck
 * knows.
 */
#include "check/volume.h"

#include <stdlib.h>
#include <string.h>

static void check_hibernation(const struct sxs_model *m, struct sxs_findings *out)
{
	if (m->hibernation == SXS_HIBER_HIBERNATED)
		sxs_findings_add(out, SXS_F_VOLUME_HIBERNATED, NULL, "hiberfil.sys",
		                 "Windows is hibernated or was shut down by Fast Startup (hiberfil.sys "
		                 "starts with \"%s\"): the volume is older than what Windows holds in "
		                 "memory; scan read-only and do not repair until Windows is resumed and "
		                 "shut down fully",
		                 m->hiber_signature);
	else if (m->hibernation == SXS_HIBER_RESUMING)
		sxs_findings_add(out, SXS_F_VOLUME_HIBERNATED, NULL, "hiberfil.sys",
		                 "a resume from hibernation began and did not finish (hiberfil.sys "
		                 "starts with \"%s\"): Windows may still resume from it; do not repair "
		                 "until it has been booted and shut down fully",
		                 m->hiber_signature);
}

/*
 * No hive at all is not a clean image: the registry half of the check did
 * not run, so say so as a warning (exit 1) unless --no-registry asked for
 * the files-only check.  A hive that is there but broken is hive-unreadable.
 */
static void check_registry_present(const struct sxs_model *m, struct sxs_findings *out)
{
	if (m->registry_skipped) {
		sxs_findings_add(out, SXS_F_CHECK_SKIPPED, NULL, NULL,
		                 "registry checks skipped (--no-registry): COMPONENTS and SOFTWARE "
		                 "were not read, only the files were checked");
		return;
	}
	if (m->have_components_hive || m->have_software_hive || m->components_unreadable ||
	    m->software_unreadable)
		return;
	sxs_findings_add(out, SXS_F_REGISTRY_MISSING, NULL, "System32/config",
	                 "neither COMPONENTS nor SOFTWARE is in System32/config, so only the files "
	                 "were checked: pass a whole Windows volume (or its Windows folder), or "
	                 "--no-registry for a files-only check");
}

/*
 * sxscheck's rules are those of the Windows 10/11 store (formats.md 2.5:
 * DCM-compressed manifests, PSFX deltas, S256H of the decompressed
 * manifest); a Windows 7/8.1 store is read with them but not calibrated.
 */
static void check_version(const struct sxs_model *m, struct sxs_findings *out)
{
	if (!sxs_check_version_unsupported(m))
		return;
	sxs_findings_add(out, SXS_F_WINDOWS_UNSUPPORTED, NULL, NULL,
	                 "the image is Windows %u.%u (build %s), older than Windows 10: sxscheck "
	                 "checks the store layout of Windows 10/11 and Server 2016 and later "
	                 "(compressed manifests, PSFX deltas); findings on this store are tentative",
	                 m->windows_major, m->windows_minor, m->build ? m->build : "unknown");
}

bool sxs_check_version_unsupported(const struct sxs_model *m)
{
	return m->windows_major != 0 && m->windows_major < 10;
}

void sxs_check_volume(const struct sxs_model *m, struct sxs_findings *out)
{
	check_hibernation(m, out);
	check_registry_present(m, out);
	check_version(m, out);
}
