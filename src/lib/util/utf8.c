/* SPDX-License-Identifier: MIT */
#include "util/utf8.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp, min;
	if ((c & 0xe0) == 0xc0) {
		n = 2; cp = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; cp = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool sxs_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] == 0)
			return false;
		size_t n = seq_len(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

void sxs_utf8_sanitize(struct sxs_strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = seq_len(p + i, len - i);
		if (!n) {
			sxs_strbuf_adds(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		sxs_strbuf_add(out, p + i, n);
		i += n;
	}
}

static bool is_format_control(const unsigned char *p, size_t n)
{
	if (n == 2)
		return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f; /* U+0080..U+009F */
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x80)
		return p[2] == 0xa8 || p[2] == 0xa9 ||           /* U+2028, U+2029 */
		       (p[2] >= 0xaa && p[2] <= 0xae) ||          /* U+202A..U+202E */
		       p[2] == 0x8e || p[2] == 0x8f;              /* LRM, RLM */
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x81)
		return p[2] >= 0xa6 && p[2] <= 0xa9;              /* U+2066..U+2069 */
	return false;
}

void sxs_utf8_escape_text(struct sxs_strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t n = seq_len(p + i, len - i);
		if (n == 1 && c >= 0x20 && c != 0x7f) {
			sxs_strbuf_addc(out, (char)c);
		} else if (c == '\n') {
			sxs_strbuf_adds(out, "\\n");
		} else if (c == '\t') {
			sxs_strbuf_adds(out, "\\t");
		} else if (c == '\r') {
			sxs_strbuf_adds(out, "\\r");
		} else if (n > 1 && !is_format_control(p + i, n)) {
			sxs_strbuf_add(out, p + i, n);
			i += n;
			continue;
		} else if (n > 1) {
			/* C1 controls (a CSI can drive a terminal), line separators and
			 * bidi overrides (they can make a name read as another) */
			for (size_t k = 0; k < n; k++)
				sxs_strbuf_addf(out, "\\x%02x", p[i + k]);
			i += n;
			continue;
		} else {
			sxs_strbuf_addf(out, "\\x%02x", c);
		}
		i++;
	}
}
