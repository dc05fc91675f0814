/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_JSON_UTIL_H
#define SXS_REPORT_JSON_UTIL_H

#include <json-c/json.h>

#include "util/strbuf.h"

/* json-c helpers: strings are sanitized to valid UTF-8 first. */
struct json_object *sxs_json_string(const char *s);
/* Add key: s (skipped when s is NULL); 0 or -SXS_ENOMEM.  v is consumed. */
int sxs_json_add_string(struct json_object *obj, const char *key, const char *s);
int sxs_json_add(struct json_object *obj, const char *key, struct json_object *v);
/* Pretty-print doc into out with a final newline. */
int sxs_json_finish(struct sxs_strbuf *out, struct json_object *doc);

#endif
