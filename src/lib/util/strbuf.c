/* SPDX-License-Identifier: MIT */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

void sxs_strbuf_init(struct sxs_strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

void sxs_strbuf_release(struct sxs_strbuf *sb)
{
	sxs_free(sb->buf);
	sxs_strbuf_init(sb);
}

void sxs_strbuf_reset(struct sxs_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
	sb->oom = false;
}

static bool grow(struct sxs_strbuf *sb, size_t extra)
{
	size_t need;
	if (sb->oom)
		return false;
	if (sxs_add_size(sb->len, extra, &need) || sxs_add_size(need, 1, &need)) {
		sb->oom = true;
		return false;
	}
	if (need <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	char *p = sxs_realloc(sb->buf, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sxs_strbuf_add(struct sxs_strbuf *sb, const void *data, size_t len)
{
	if (!grow(sb, len))
		return;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sxs_strbuf_adds(struct sxs_strbuf *sb, const char *s)
{
	sxs_strbuf_add(sb, s, strlen(s));
}

void sxs_strbuf_addc(struct sxs_strbuf *sb, char c)
{
	sxs_strbuf_add(sb, &c, 1);
}

void sxs_strbuf_vaddf(struct sxs_strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	char small[256];

	if (sb->oom)
		return;
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sxs_strbuf_add(sb, small, (size_t)n);
		return;
	}
	if (!grow(sb, (size_t)n))
		return;
	va_copy(aq, ap);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, aq);
	va_end(aq);
	sb->len += (size_t)n;
}

void sxs_strbuf_addf(struct sxs_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sxs_strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

const char *sxs_strbuf_str(const struct sxs_strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

int sxs_strbuf_error(const struct sxs_strbuf *sb)
{
	return sb->oom ? -SXS_ENOMEM : 0;
}

char *sxs_strbuf_detach(struct sxs_strbuf *sb, size_t *len_ret)
{
	if (sb->oom) {
		sxs_strbuf_release(sb);
		return NULL;
	}
	if (!sb->buf && !grow(sb, 0))
		return NULL;
	if (sb->len == 0)
		sb->buf[0] = '\0';
	char *p = sb->buf;
	/*
	 * A detached string is usually kept (identities, key forms: tens of
	 * thousands in a model): give back the slack the doubling left.  If the
	 * shrinking realloc fails the buffer is kept as it is.
	 */
	if (sb->cap - sb->len > 16) {
		char *q = sxs_realloc(p, sb->len + 1);
		if (q)
			p = q;
	}
	if (len_ret)
		*len_ret = sb->len;
	sxs_strbuf_init(sb);
	return p;
}
