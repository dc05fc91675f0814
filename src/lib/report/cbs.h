/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_CBS_H
#define SXS_REPORT_CBS_H

#include <json-c/json.h>

#include "cbslog/cbslog.h"
#include "check/logs.h"
#include "util/strbuf.h"

/*
 * Writers of `sxscheck cbs`: text an admin reads top-down (verdict, the
 * evidence lines with their numbers, remedies) and one JSON document with
 * schema_version and one object per log, its fields named as in
 * ../shared/vectors/cbs/expected.json.  `ctx` (may be NULL) adds the image:
 * ties of log items to the scan, minifilters, pending state.
 */
struct sxs_cbs_report_options {
	bool verbose;            /* every operation, not only the failed ones */
	const char *root;        /* image root shown in the header, or NULL */
};

int sxs_report_cbs_text(struct sxs_strbuf *out, struct sxs_cbs_log *const *logs, size_t n,
                        const struct sxs_log_context *ctx, const struct sxs_cbs_report_options *opt);
int sxs_report_cbs_json(struct sxs_strbuf *out, struct sxs_cbs_log *const *logs, size_t n,
                        const struct sxs_log_context *ctx, const struct sxs_cbs_report_options *opt);

/* The scan's section on the image's servicing logs (last failure, ties). */
int sxs_report_servicing_text(struct sxs_strbuf *out, struct sxs_cbs_log *const *logs, size_t n,
                              const struct sxs_log_context *ctx);
struct json_object *sxs_report_servicing_json(struct sxs_cbs_log *const *logs, size_t n,
                                              const struct sxs_log_context *ctx);

/* One log as a JSON object (the scan report embeds the last failure with it). */
struct json_object *sxs_cbs_log_json(const struct sxs_cbs_log *log);
/* "0x%08x" */
void sxs_cbs_code_str(uint32_t code, char buf[11]);

#endif
