/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_REGISTRY_H
#define SXS_STORE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/*
 * The registry view of an image: COMPONENTS (DerivedData\Components,
 * pending state, servicing stack version) and SOFTWARE (SideBySide\Winners,
 * the build).  A missing or unreadable hive is not an error: the model says
 * why it was not read and the checks that need it are skipped.
 */
struct sxs_registry;

int sxs_registry_open(struct sxs_image *img, struct sxs_model *m, struct sxs_registry **ret,
                      struct sxs_diag *diag);
void sxs_registry_free(struct sxs_registry *r);
/* COMPONENTS ServicingStackVersions\LastWCPVersionToAccessStore (version part), or NULL. */
const char *sxs_registry_wcp_version(const struct sxs_registry *r);
/* Mark model components found in DerivedData\Components; add absent ones. */
int sxs_registry_attach_components(struct sxs_registry *r, struct sxs_model *m,
                                   struct sxs_diag *diag);
/*
 * After the manifests are read: components whose manifest could not be read
 * (or is missing) still belong to a family; take their identity from the
 * COMPONENTS identity value, so Winners checks neither lose the version nor
 * call its winner "not installed".
 */
int sxs_registry_identities(struct sxs_model *m);

/*
 * The DCM base manifest: from override_path when given, else resource
 * 0x266/1 of the active servicing stack's wcp.dll (chosen by wcp_version,
 * else the highest *_microsoft-windows-servicingstack_* folder).  When none
 * can be had, *base_ret is NULL and *problem_ret says why (not an error).
 * m->base_manifest_source / base_manifest_known are set.
 */
int sxs_base_manifest_load(struct sxs_image *img, struct sxs_model *m, const char *wcp_version,
                           const char *override_path, uint8_t **base_ret, size_t *len_ret,
                           char **problem_ret, struct sxs_diag *diag);

#endif
