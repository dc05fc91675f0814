/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_HIVES_H
#define SXS_CHECK_HIVES_H

#include "check/findings.h"
#include "store/model.h"

/*
 * How the hives were read (m->components_log, m->software_log): a
 * hive-replayed note for each hive replayed from its logs, a hive-dirty
 * warning (with the reason) for each dirty hive whose logs could not be
 * replayed.
 */
void sxs_check_hives(const struct sxs_model *m, struct sxs_findings *out);

/*
 * Mark tentative (finding->tentative) every finding that rests on a hive
 * that is dirty and was not replayed (m->components_dirty,
 * m->software_dirty).  0 or -SXS_ENOMEM.
 */
int sxs_check_tentative(const struct sxs_model *m, struct sxs_findings *out);

#endif
