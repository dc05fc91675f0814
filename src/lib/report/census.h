/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_CENSUS_H
#define SXS_REPORT_CENSUS_H

#include "report/report.h"
#include "store/census.h"

/* `sxscheck census` as text (tables) and as one JSON document (schema_version 2). */
int sxs_report_census_text(struct sxs_strbuf *out, const struct sxs_model *m,
                           const struct sxs_census *c);
int sxs_report_census_json(struct sxs_strbuf *out, const struct sxs_model *m,
                           const struct sxs_census *c);

#endif
