/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_REPORT_H
#define SXS_REPORT_REPORT_H

#include "check/findings.h"
#include "store/model.h"
#include "util/strbuf.h"

/*
 * Report writers.  They append to a strbuf (the CLI writes it out), so
 * the library never prints.  All quoting and escaping lives here: a name
 * from the image can never break a text line or the JSON document.
 */

/* Version of the JSON documents' layout (scan, census); raised when a field changes meaning. */
#define SXS_JSON_SCHEMA_VERSION 2

/* Text in the spirit of CBS.log: one finding per line, then a summary. */
int sxs_report_scan_text(struct sxs_strbuf *out, const struct sxs_model *m,
                         const struct sxs_findings *f);
/* One JSON document: {"image", "build", "findings": [...], "stats": {...}, ...} */
int sxs_report_scan_json(struct sxs_strbuf *out, const struct sxs_model *m,
                         const struct sxs_findings *f);

/* The same with one more top-level member `key` (consumed; the servicing logs' summary, issue 13). */
struct json_object;
int sxs_report_scan_json_extra(struct sxs_strbuf *out, const struct sxs_model *m,
                               const struct sxs_findings *f, const char *key, struct json_object *extra);

/* Escaped for a terminal line (see sxs_utf8_escape_text). */
void sxs_report_text_escape(struct sxs_strbuf *out, const char *s);

/* "1.2 MiB" */
void sxs_report_size(struct sxs_strbuf *out, uint64_t bytes);

#endif
