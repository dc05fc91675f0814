/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_UTF8_H
#define SXS_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/* True when s[0..len) is well-formed UTF-8 without NUL. */
bool sxs_utf8_valid(const char *s, size_t len);

/*
 * Append s to out as well-formed UTF-8, each invalid byte replaced by
 * U+FFFD (for JSON, which cannot carry raw bytes).
 */
void sxs_utf8_sanitize(struct sxs_strbuf *out, const char *s, size_t len);

/*
 * Append s to out for a terminal: valid printable UTF-8 as is, control
 * characters as \n \t \r or \xNN, invalid bytes as \xNN, a backslash as
 * itself.  A hostile name can never start a new report line.
 */
void sxs_utf8_escape_text(struct sxs_strbuf *out, const char *s, size_t len);

#endif
