/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_SCAN_H
#define SXS_CHECK_SCAN_H

#include "check/findings.h"
#include "store/model.h"

/*
 * Turn what the model recorded into findings: payloads, manifests,
 * COMPONENTS agreement, Winners consistency, store state.  The findings are
 * sorted into report order.
 */
int sxs_check_model(const struct sxs_model *m, struct sxs_findings *out);

/* Winners: versions of `family` present in the store (sorted, for reports). */
int sxs_family_versions(const struct sxs_model *m, const char *family, char ***ret, size_t *n_ret);
void sxs_strv_free(char **v, size_t n);

#endif
