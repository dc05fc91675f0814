/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_PLAN_H
#define SXS_REPORT_PLAN_H

#include "check/compare.h"
#include "util/strbuf.h"

/*
 * Writers for `sxscheck compare`: the differences, the numbered replace
 * plan with a reason per step, and what the plan cannot fix.  Names from
 * the images are escaped (text) or sanitized (JSON) as in the scan report.
 */

/* Text for an administrator: header, differences, numbered steps, unfixable. */
int sxs_report_compare_text(struct sxs_strbuf *out, const struct sxs_comparison *c);

/*
 * One JSON document:
 *   {"image": {...}, "golden": {...}, "build_mismatch": bool, "warnings": [...],
 *    "differences": [...], "plan": [{"step", "action", "component"|"winners_key",
 *    "reason", ...}], "unfixable": [...], "summary": {...}}
 */
int sxs_report_compare_json(struct sxs_strbuf *out, const struct sxs_comparison *c);

#endif
