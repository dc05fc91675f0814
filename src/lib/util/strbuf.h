/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_STRBUF_H
#define SXS_UTIL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * A growable NUL-terminated byte string.  Out of memory is sticky: the
 * appenders become no-ops and sxs_strbuf_error() returns -SXS_ENOMEM, so a
 * writer checks once at the end.
 */
struct sxs_strbuf {
	char *buf;   /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
	bool oom;
};

#define SXS_STRBUF_INIT { NULL, 0, 0, false }

void sxs_strbuf_init(struct sxs_strbuf *sb);
void sxs_strbuf_release(struct sxs_strbuf *sb);
void sxs_strbuf_reset(struct sxs_strbuf *sb);
void sxs_strbuf_add(struct sxs_strbuf *sb, const void *data, size_t len);
void sxs_strbuf_adds(struct sxs_strbuf *sb, const char *s);
void sxs_strbuf_addc(struct sxs_strbuf *sb, char c);
void sxs_strbuf_addf(struct sxs_strbuf *sb, const char *fmt, ...) SXS_PRINTF(2, 3);
void sxs_strbuf_vaddf(struct sxs_strbuf *sb, const char *fmt, va_list ap) SXS_PRINTF(2, 0);
/* "" when empty, never NULL */
const char *sxs_strbuf_str(const struct sxs_strbuf *sb);
int sxs_strbuf_error(const struct sxs_strbuf *sb);
/* Hand the buffer over (caller frees with sxs_free); NULL on oom. */
char *sxs_strbuf_detach(struct sxs_strbuf *sb, size_t *len_ret);

#endif
