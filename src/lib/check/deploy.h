/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_DEPLOY_H
#define SXS_CHECK_DEPLOY_H

#include "check/findings.h"
#include "store/model.h"

/*
 * deployment-mark-orphan, deployment-mark-malformed,
 * deployment-component-missing, catalog-missing (packages.md §6.1).
 * Called by sxs_check_model; findings are not sorted here.
 */
int sxs_check_deployments(const struct sxs_model *m, struct sxs_findings *out);

#endif
