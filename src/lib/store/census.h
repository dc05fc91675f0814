/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_CENSUS_H
#define SXS_STORE_CENSUS_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/*
 * Counts per shape, no findings (`sxscheck census`): what calibration.md §8
 * asks a real image for.  Every row is a fact about the image; nothing is
 * judged.  The rows of each table are sorted by their key.
 */

/* One f! value and the forms found on disk for the files carrying it (§8.1). */
enum {
	SXS_CENSUS_FORM_FULL,
	SXS_CENSUS_FORM_CONTAINER,
	SXS_CENSUS_FORM_REPARSE,
	SXS_CENSUS_FORM_F,
	SXS_CENSUS_FORM_R,
	SXS_CENSUS_FORM_N,
	SXS_CENSUS_FORM_LCU_F,
	SXS_CENSUS_FORM_LCU_R,
	SXS_CENSUS_FORM_LCU_N,
	SXS_CENSUS_FORM_NONE,     /* no form at all */
	SXS_CENSUS_FORMS
};
extern const char *const sxs_census_form_names[SXS_CENSUS_FORMS];

struct sxs_census_fflag {
	uint32_t value;
	bool absent;              /* the row for files without an f! value */
	size_t files;
	size_t forms[SXS_CENSUS_FORMS];
};

/* One CF value (or absent) against liveness and folder presence (§8.2). */
struct sxs_census_cf {
	uint32_t value;
	bool absent;
	size_t live, dormant, unknown;
	size_t with_folder, without_folder; /* components with files */
};

/* Components with >= 1 file and no WinSxS folder, by kind (§8.3). */
struct sxs_census_nofolder {
	size_t live, dormant, unknown;
	size_t with_lcu_deltas;   /* some file has f/r/n under servicing\LCU */
	size_t with_cf;           /* CF present and non-zero */
};

/* Winners families (§8.4). */
struct sxs_census_families {
	size_t families;          /* distinct families among non-deployment components */
	size_t with_winners, without_winners;
	size_t without_any_live, without_none_live, without_unknown;
	size_t winners_keys;      /* keys under SideBySide\Winners */
	size_t default_installed, default_not_installed, default_in_fusion;
	size_t keys_without_versions; /* Winners keys whose family has no component */
};

/* WinSxS\Fusion\<key>\<band>\<version> (§8.5). */
struct sxs_census_fusion {
	size_t entries;
	size_t with_winners_key;  /* the key exists under Winners */
	size_t winners_default;   /* the version is its band's default */
	size_t with_component;    /* a component (manifest or COMPONENTS key) has that key + version */
	size_t with_manifest;
	size_t with_components_key;
};

/* CanonicalData\Deployments by the marks they carry. */
struct sxs_census_marks {
	char combo[8];            /* "p+s+i", "p", "none", ... */
	size_t deployments;
};

struct sxs_census_packages {
	uint32_t state;
	bool unknown;             /* no readable CurrentState */
	size_t n;
};

struct sxs_census {
	size_t components, manifests, components_keys, deployments_components;
	size_t no_file_manifests, with_files;
	size_t live, dormant, unknown;
	size_t payload_files;
	bool payloads_listed;     /* folders were listed (not --no-payload) */
	struct sxs_census_fflag *fflags;
	size_t nfflags;
	size_t fflags_unmatched;  /* f! values that belong to no <file> of the manifest */
	struct sxs_census_cf *cfs;
	size_t ncfs;
	struct sxs_census_nofolder nofolder;
	struct sxs_census_families families;
	struct sxs_census_fusion fusion;
	size_t deployment_keys, deployments_installed, deployments_without_component;
	size_t marks_total, marks_malformed;
	struct sxs_census_marks *marks;
	size_t nmarks;
	size_t catalog_keys, catalog_files;
	size_t lcu_dirs;
	bool have_packages;
	struct sxs_census_packages *packages;
	size_t npackages;
};

int sxs_census_build(const struct sxs_model *m, struct sxs_census *ret);
void sxs_census_release(struct sxs_census *c);

#endif
