/* SPDX-License-Identifier: MIT */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest/digest.h"
#include "util/hex.h"

enum { REG_SZ = 1, REG_EXPAND_SZ = 2, REG_BINARY = 3, REG_DWORD = 4, REG_MULTI_SZ = 7,
       REG_QWORD = 11 };

struct parser {
	const char *filename;
	unsigned line;
	int base_dirfd;
};

/* A growable byte buffer; aborts the program when memory runs out. */
struct buf {
	uint8_t *data;
	size_t len, cap;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("mkhive: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap - b->len < n)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

static void buf_add_u16(struct buf *b, uint32_t u)
{
	uint8_t le[2] = {(uint8_t)u, (uint8_t)(u >> 8)};
	buf_add(b, le, 2);
}

static int perr(const struct parser *p, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%u: ", p->filename, p->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/*
 * A double-quoted string at *sp; escapes are \" and \\ only.  Appends the
 * raw bytes (without quotes) to `out` and moves *sp past the closing quote.
 */
static int parse_quoted(struct parser *p, const char **sp, const char *end, struct buf *out)
{
	const char *s = *sp;
	if (s >= end || *s != '"')
		return perr(p, "expected a double-quoted string");
	for (s++; s < end; s++) {
		if (*s == '"') {
			*sp = s + 1;
			return 0;
		}
		if (*s == '\\') {
			if (s + 1 >= end || (s[1] != '"' && s[1] != '\\'))
				return perr(p, "unknown escape in string (only \\\" and \\\\)");
			s++;
		}
		buf_add(out, s, 1);
	}
	return perr(p, "unterminated string");
}

/* Append `utf8` as UTF-16LE code units; strict UTF-8. */
static int add_utf16(struct parser *p, const uint8_t *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp, min;
		size_t more;
		if (s[i] < 0x80) {
			cp = s[i];
			more = 0;
			min = 0;
		} else if ((s[i] & 0xe0) == 0xc0) {
			cp = s[i] & 0x1f;
			more = 1;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			cp = s[i] & 0x0f;
			more = 2;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			cp = s[i] & 0x07;
			more = 3;
			min = 0x10000;
		} else {
			return perr(p, "string is not valid UTF-8");
		}
		if (more > n - i - 1)
			return perr(p, "string is not valid UTF-8");
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return perr(p, "string is not valid UTF-8");
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return perr(p, "string is not valid UTF-8");
		if (cp >= 0x10000) {
			buf_add_u16(out, 0xd800 + ((cp - 0x10000) >> 10));
			buf_add_u16(out, 0xdc00 + ((cp - 0x10000) & 0x3ff));
		} else {
			buf_add_u16(out, cp);
		}
		i += more + 1;
	}
	return 0;
}

/* Hex byte pairs, optionally separated by spaces, tabs or commas. */
static int parse_hex(struct parser *p, const char *s, const char *end, struct buf *out)
{
	while (s < end) {
		if (*s == ' ' || *s == '\t' || *s == ',') {
			s++;
			continue;
		}
		uint8_t byte;
		if (end - s < 2 || sxs_hex_decode(s, 2, &byte, 1))
			return perr(p, "expected hex byte pairs");
		buf_add(out, &byte, 1);
		s += 2;
	}
	return 0;
}

static int parse_number(struct parser *p, const char *s, const char *end, uint64_t max,
                        uint64_t *ret)
{
	char tmp[32];
	size_t n = (size_t)(end - s);
	if (n == 0 || n >= sizeof(tmp) || *s == '-' || *s == '+')
		return perr(p, "expected a number");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *stop;
	errno = 0;
	unsigned long long v = strtoull(tmp, &stop, 0);
	if (errno || *stop || v > max)
		return perr(p, "bad number '%s'", tmp);
	*ret = v;
	return 0;
}

static int sha256_of_file(struct parser *p, const char *path, struct buf *out)
{
	int fd = openat(p->base_dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perr(p, "cannot open '%s' (relative to --base-dir): %s", path,
		            strerror(errno));
	struct sxs_digest *d = NULL;
	uint8_t chunk[65536], md[SXS_DIGEST_MAX];
	size_t mdlen;
	int ret = -1;
	if (sxs_digest_new(SXS_DIGEST_SHA256, &d) < 0) {
		perr(p, "cannot set up SHA-256");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perr(p, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sxs_digest_update(d, chunk, (size_t)n) < 0) {
			perr(p, "SHA-256 failed");
			goto out;
		}
	}
	if (sxs_digest_final(d, md, &mdlen) < 0) {
		perr(p, "SHA-256 failed");
		goto out;
	}
	buf_add(out, md, mdlen);
	ret = 0;
out:
	sxs_digest_free(d);
	close(fd);
	return ret;
}

/* TYPE:DATA after the '=' of a value line. */
static int parse_data(struct parser *p, const char *s, const char *end, uint32_t *type_ret,
                      struct buf *out)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	if (!colon)
		return perr(p, "expected TYPE:DATA after '='");
	size_t tlen = (size_t)(colon - s);
	const char *d = colon + 1;
	struct buf str = {0};
	int ret = -1;

#define IS(name) (tlen == sizeof(name) - 1 && memcmp(s, name, tlen) == 0)
	if (IS("sz") || IS("expand-sz") || IS("binary-text") || IS("sha256-of-file")) {
		if (parse_quoted(p, &d, end, &str) < 0)
			goto out;
		if (skip_ws(d, end) != end) {
			perr(p, "unexpected text after the string");
			goto out;
		}
		if (IS("binary-text")) {
			*type_ret = REG_BINARY;
			buf_add(out, str.data, str.len);
		} else if (IS("sha256-of-file")) {
			*type_ret = REG_BINARY;
			buf_add(&str, "", 1);
			if (sha256_of_file(p, (const char *)str.data, out) < 0)
				goto out;
		} else {
			*type_ret = IS("sz") ? REG_SZ : REG_EXPAND_SZ;
			if (add_utf16(p, str.data, str.len, out) < 0)
				goto out;
			buf_add_u16(out, 0);
		}
	} else if (IS("multi-sz")) {
		*type_ret = REG_MULTI_SZ;
		d = skip_ws(d, end);
		while (d < end) {
			str.len = 0;
			if (parse_quoted(p, &d, end, &str) < 0 ||
			    add_utf16(p, str.data, str.len, out) < 0)
				goto out;
			buf_add_u16(out, 0);
			d = skip_ws(d, end);
			if (d < end && *d == ',')
				d = skip_ws(d + 1, end);
			else if (d < end) {
				perr(p, "expected ',' between strings");
				goto out;
			}
		}
		buf_add_u16(out, 0);
	} else if (IS("dword") || IS("qword")) {
		uint64_t v;
		bool dword = IS("dword");
		if (parse_number(p, skip_ws(d, end), end, dword ? 0xffffffffu : UINT64_MAX, &v) < 0)
			goto out;
		*type_ret = dword ? REG_DWORD : REG_QWORD;
		for (int i = 0; i < (dword ? 4 : 8); i++) {
			uint8_t byte = (uint8_t)(v >> (8 * i));
			buf_add(out, &byte, 1);
		}
	} else if (IS("binary") || IS("hex")) {
		*type_ret = REG_BINARY;
		if (parse_hex(p, d, end, out) < 0)
			goto out;
	} else if (tlen > 5 && memcmp(s, "raw(", 4) == 0 && s[tlen - 1] == ')') {
		uint64_t t;
		if (parse_number(p, s + 4, s + tlen - 1, 0xffffffffu, &t) < 0 ||
		    parse_hex(p, d, end, out) < 0)
			goto out;
		*type_ret = (uint32_t)t;
	} else {
		perr(p, "unknown value type '%.*s'", (int)tlen, s);
		goto out;
	}
#undef IS
	ret = 0;
out:
	free(str.data);
	return ret;
}

static int parse_section(struct parser *p, const char *s, const char *end, struct src_file *f)
{
	/* s points at '[', end at the last non-blank character + 1 */
	if (end[-1] != ']')
		return perr(p, "a key line must end with ']'");
	const char *a = skip_ws(s + 1, end - 1), *b = trim_end(a, end - 1);
	for (const char *c = a; c < b; c++) {
		if (*c == '\\' && (c == a || c + 1 == b || c[1] == '\\'))
			return perr(p, "empty key name in path");
		if (*c == '\0')
			return perr(p, "NUL in key path");
	}
	f->keys = xrealloc(f->keys, (f->n_keys + 1) * sizeof(*f->keys));
	struct src_key *k = &f->keys[f->n_keys++];
	memset(k, 0, sizeof(*k));
	k->path = xrealloc(NULL, (size_t)(b - a) + 1);
	memcpy(k->path, a, (size_t)(b - a));
	k->path[b - a] = '\0';
	k->line = p->line;
	return 0;
}

static int parse_value(struct parser *p, const char *s, const char *end, struct src_file *f)
{
	struct buf name = {0}, data = {0};
	uint32_t type = 0;
	const char *eq;

	if (f->n_keys == 0)
		return perr(p, "value before the first [key] line");
	if (*s == '"') {
		if (parse_quoted(p, &s, end, &name) < 0)
			goto fail;
		eq = skip_ws(s, end);
		if (eq >= end || *eq != '=') {
			perr(p, "expected '=' after the value name");
			goto fail;
		}
	} else {
		eq = memchr(s, '=', (size_t)(end - s));
		if (!eq) {
			perr(p, "expected NAME = TYPE:DATA");
			goto fail;
		}
		const char *ne = trim_end(s, eq);
		if (ne == s) {
			perr(p, "empty value name (use @ for the default value)");
			goto fail;
		}
		if (!(ne - s == 1 && *s == '@'))
			buf_add(&name, s, (size_t)(ne - s));
	}
	if (memchr(name.data ? (const void *)name.data : "", '\0', name.len)) {
		perr(p, "NUL in value name");
		goto fail;
	}
	buf_add(&name, "", 1);
	if (parse_data(p, skip_ws(eq + 1, end), end, &type, &data) < 0)
		goto fail;

	struct src_key *k = &f->keys[f->n_keys - 1];
	k->values = xrealloc(k->values, (k->n_values + 1) * sizeof(*k->values));
	struct src_value *v = &k->values[k->n_values++];
	v->name = (char *)name.data;
	v->type = type;
	v->data = data.data ? data.data : xrealloc(NULL, 1);
	v->len = data.len;
	v->line = p->line;
	return 0;
fail:
	free(name.data);
	free(data.data);
	return -1;
}

int src_parse(const char *filename, const char *text, size_t len, int base_dirfd,
              struct src_file *out)
{
	struct parser p = {filename, 0, base_dirfd};
	struct src_file f = {0};
	const char *s = text, *end = text + len;

	if (memchr(text, '\0', len)) {
		fprintf(stderr, "%s: NUL byte in source\n", filename);
		return -1;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		p.line++;
		if (le > s && le[-1] == '\r')
			le--;
		const char *a = skip_ws(s, le), *b = trim_end(a, le);
		int r = 0;
		if (a == b || *a == '#')
			r = 0;
		else if (*a == '[')
			r = parse_section(&p, a, b, &f);
		else
			r = parse_value(&p, a, b, &f);
		if (r < 0) {
			src_free(&f);
			return -1;
		}
		s = nl ? nl + 1 : end;
	}
	*out = f;
	return 0;
}

void src_free(struct src_file *f)
{
	for (size_t i = 0; i < f->n_keys; i++) {
		struct src_key *k = &f->keys[i];
		for (size_t j = 0; j < k->n_values; j++) {
			free(k->values[j].name);
			free(k->values[j].data);
		}
		free(k->values);
		free(k->path);
	}
	free(f->keys);
	f->keys = NULL;
	f->n_keys = 0;
}
