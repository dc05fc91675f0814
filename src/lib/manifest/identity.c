/* SPDX-License-Identifier: MIT */
#include "manifest/identity.h"

#include <inttypes.h>
#include <string.h>

#include "util/alloc.h"

/* ---- small helpers ---------------------------------------------------- */

static bool is_set(const char *s)
{
	return s && s[0];
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* a[0..alen) equals the NUL-terminated b, ignoring ASCII case */
static bool ascii_ieq_n(const char *a, size_t alen, const char *b)
{
	size_t i;
	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' || ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	}
	return b[i] == '\0';
}

static bool ascii_ieq(const char *a, const char *b)
{
	return ascii_ieq_n(a, strlen(a), b);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Undo appends after an error (the strbuf's oom flag, if set, stays). */
static void strbuf_truncate(struct sxs_strbuf *sb, size_t len)
{
	if (sb->buf && len <= sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

/* ---- UTF-8 / UTF-16 --------------------------------------------------- */

#define REPLACEMENT_CHAR 0xFFFDu

/*
 * Decode one code point from s[0..len), len >= 1; returns the bytes used.
 * Anything that is not well-formed UTF-8 (bad lead or continuation byte,
 * overlong form, surrogate, above U+10FFFF, cut short) yields U+FFFD and
 * consumes exactly one byte, so every input has one deterministic reading.
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp_ret)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp_ret = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1Fu, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0Fu, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07u, min = 0x10000;
	} else {
		goto bad;
	}
	if (n > len)
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp_ret = v;
	return n;
bad:
	*cp_ret = REPLACEMENT_CHAR;
	return 1;
}

static void utf8_append(struct sxs_strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sxs_strbuf_add(sb, b, n);
}

/*
 * Simple (one code unit to one code unit) lower-casing: ASCII, Latin-1,
 * Latin Extended-A, basic Greek and Cyrillic capitals.  Windows uses its
 * own case table; these blocks agree with it for the letters that occur in
 * component and file names.
 */
static uint16_t lower_unit(uint16_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? (uint16_t)(c + 0x20) : c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return (uint16_t)(c + 0x20);
	if (c >= 0x100 && c <= 0x17F) {
		if (c == 0x130)
			return 0x69; /* capital I with dot above */
		if (c == 0x178)
			return 0xFF; /* capital Y with diaeresis */
		if ((c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
			return (c & 1) ? c : (uint16_t)(c + 1);
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return (c & 1) ? (uint16_t)(c + 1) : c;
		return c;
	}
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return (uint16_t)(c + 0x20);
	if (c >= 0x410 && c <= 0x42F)
		return (uint16_t)(c + 0x20);
	if (c >= 0x400 && c <= 0x40F)
		return (uint16_t)(c + 0x50);
	return c;
}

/* ---- the string hash H(s) --------------------------------------------- */

#define LANE_MULT 65599u          /* 0x1003F */
#define COMBINE_P 0x1FFFFFFF7ull  /* lanes are combined with P^3, P^2, P, 1 */

struct lane_hash {
	uint32_t lane[4];
	size_t n; /* code units so far */
};

static void lane_feed(struct lane_hash *h, uint16_t unit)
{
	uint32_t *l = &h->lane[h->n & 3];
	*l = (uint32_t)(*l * LANE_MULT + lower_unit(unit));
	h->n++;
}

uint64_t sxs_keyform_hash_string(const char *utf8, size_t len)
{
	const unsigned char *s = (const unsigned char *)utf8;
	struct lane_hash h = {{0, 0, 0, 0}, 0};
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		i += utf8_decode(s + i, len - i, &cp);
		if (cp < 0x10000) {
			lane_feed(&h, (uint16_t)cp);
		} else {
			cp -= 0x10000;
			lane_feed(&h, (uint16_t)(0xD800 + (cp >> 10)));
			lane_feed(&h, (uint16_t)(0xDC00 + (cp & 0x3FF)));
		}
	}
	const uint64_t p1 = COMBINE_P, p2 = p1 * p1, p3 = p2 * p1; /* mod 2^64 */
	return h.lane[0] * p3 + h.lane[1] * p2 + h.lane[2] * p1 + h.lane[3];
}

static uint64_t hash_cstr(const char *s)
{
	return sxs_keyform_hash_string(s, strlen(s));
}

/* ---- identity lifecycle ----------------------------------------------- */

bool sxs_identity_culture_is_neutral(const struct sxs_identity *id)
{
	return !is_set(id->culture) || ascii_ieq(id->culture, "neutral") ||
	       ascii_ieq(id->culture, "none");
}

void sxs_identity_release(struct sxs_identity *id)
{
	if (!id)
		return;
	sxs_free(id->name);
	sxs_free(id->culture);
	sxs_free(id->type);
	sxs_free(id->version);
	sxs_free(id->public_key_token);
	sxs_free(id->arch);
	sxs_free(id->version_scope);
	sxs_free(id->build_type);
	memset(id, 0, sizeof(*id));
}

static int dup_field(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = sxs_strdup(src);
	return *dst ? 0 : -SXS_ENOMEM;
}

int sxs_identity_copy(struct sxs_identity *ret, const struct sxs_identity *src)
{
	struct sxs_identity id;
	int err;

	memset(&id, 0, sizeof(id));
	if ((err = dup_field(&id.name, src->name)) ||
	    (err = dup_field(&id.culture, src->culture)) ||
	    (err = dup_field(&id.type, src->type)) ||
	    (err = dup_field(&id.version, src->version)) ||
	    (err = dup_field(&id.public_key_token, src->public_key_token)) ||
	    (err = dup_field(&id.arch, src->arch)) ||
	    (err = dup_field(&id.version_scope, src->version_scope)) ||
	    (err = dup_field(&id.build_type, src->build_type)))
		goto out;
	*ret = id;
	return 0;
out:
	sxs_identity_release(&id);
	return err;
}

/* ---- pseudo-key ------------------------------------------------------- */

uint64_t sxs_identity_pseudokey(const struct sxs_identity *id, bool winners)
{
	/* Order and spelling matter: the attribute names are hashed too. */
	const struct {
		const char *attr;
		const char *value;
	} fields[] = {
		{"name", id->name},
		{"culture", id->culture}, /* not "language" */
		{"type", id->type},
		{"version", winners ? NULL : id->version},
		{"publicKeyToken", id->public_key_token},
		{"processorArchitecture", id->arch},
		{"versionScope", id->version_scope},
	};
	uint64_t k = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = fields[i].value;
		if (!is_set(v) || ascii_ieq(v, "none"))
			continue;
		if (i == 1 && ascii_ieq(v, "neutral"))
			continue;
		k = k * COMBINE_P + hash_cstr(fields[i].attr) * COMBINE_P + hash_cstr(v);
	}
	return k;
}

/* ---- key forms -------------------------------------------------------- */

/* The character as it appears in a key form, or 0 when it is dropped. */
static char keyform_char(char c)
{
	c = ascii_lower(c);
	if ((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.' || c == '_')
		return c;
	return 0;
}

void sxs_keyform_field(const char *s, size_t limit, struct sxs_strbuf *out)
{
	size_t n = 0, head, tail_from, k = 0;

	for (const char *p = s; *p; p++)
		if (keyform_char(*p))
			n++;
	if (limit == 0 || n <= limit) {
		head = n;
		tail_from = n;
	} else if (limit < 4) {
		head = limit;
		tail_from = n;
	} else {
		head = limit / 2 - 1;
		tail_from = n - head;
	}
	for (const char *p = s; *p; p++) {
		char c = keyform_char(*p);
		if (!c)
			continue;
		if (k < head || k >= tail_from)
			sxs_strbuf_addc(out, c);
		if (k + 1 == head && tail_from < n)
			sxs_strbuf_adds(out, "..");
		k++;
	}
}

static void keyform_culture(const struct sxs_identity *id, struct sxs_strbuf *out)
{
	if (sxs_identity_culture_is_neutral(id))
		sxs_strbuf_adds(out, "none");
	else
		sxs_keyform_field(id->culture, SXS_KEYFORM_CULTURE_MAX, out);
}

static void keyform_pkt(const struct sxs_identity *id, struct sxs_strbuf *out)
{
	if (is_set(id->public_key_token))
		sxs_keyform_field(id->public_key_token, 0, out);
	else
		sxs_strbuf_adds(out, "none");
}

int sxs_identity_keyform(const struct sxs_identity *id, enum sxs_keyform_kind kind,
                         struct sxs_strbuf *out)
{
	size_t old = out->len;
	int err;

	if (kind != SXS_KEYFORM_FULL && kind != SXS_KEYFORM_WINNERS && kind != SXS_KEYFORM_SHORT)
		return -SXS_EINVAL;
	if (!is_set(id->name) || !is_set(id->arch))
		return -SXS_EFORMAT;
	if (kind != SXS_KEYFORM_WINNERS && !is_set(id->version))
		return -SXS_EFORMAT;

	uint64_t k = sxs_identity_pseudokey(id, kind == SXS_KEYFORM_WINNERS);
	if (kind == SXS_KEYFORM_SHORT) {
		sxs_keyform_field(id->name, SXS_KEYFORM_SHORT_NAME_MAX, out);
		sxs_strbuf_addc(out, '_');
		keyform_pkt(id, out);
		sxs_strbuf_addc(out, '_');
		sxs_keyform_field(id->version, 0, out);
	} else {
		sxs_keyform_field(id->arch, 0, out);
		sxs_strbuf_addc(out, '_');
		sxs_keyform_field(id->name, SXS_KEYFORM_NAME_MAX, out);
		sxs_strbuf_addc(out, '_');
		keyform_pkt(id, out);
		sxs_strbuf_addc(out, '_');
		if (kind == SXS_KEYFORM_FULL) {
			sxs_keyform_field(id->version, 0, out);
			sxs_strbuf_addc(out, '_');
		}
		keyform_culture(id, out);
	}
	sxs_strbuf_addf(out, "_%016" PRIx64, k);
	err = sxs_strbuf_error(out);
	if (err)
		strbuf_truncate(out, old);
	return err;
}

/* ---- canonical appid string ------------------------------------------- */

/* A value the appid syntax can carry: no ',' and no control character. */
/*
 * A value the appid string can carry and give back unchanged: no control
 * characters, no ',' (the separator), and no leading or trailing space
 * (the parser trims them, so " X" would come back as another identity).
 */
static bool appid_value_ok(const char *v)
{
	size_t n = strlen(v);
	if (n && (v[0] == ' ' || v[n - 1] == ' '))
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7F || *p == ',')
			return false;
	return true;
}

int sxs_identity_canonical(const struct sxs_identity *id, struct sxs_strbuf *out)
{
	const char *fields[] = {id->name, id->culture, id->type, id->version,
	                        id->public_key_token, id->arch, id->version_scope};
	size_t old = out->len;
	int err;

	if (!is_set(id->name) || !is_set(id->version) || !is_set(id->arch))
		return -SXS_EFORMAT;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] && !appid_value_ok(fields[i]))
			return -SXS_EFORMAT;

	sxs_strbuf_adds(out, id->name);
	sxs_strbuf_adds(out, ", Culture=");
	sxs_strbuf_adds(out, is_set(id->culture) ? id->culture : "neutral");
	if (is_set(id->type)) {
		sxs_strbuf_adds(out, ", Type=");
		sxs_strbuf_adds(out, id->type);
	}
	sxs_strbuf_adds(out, ", Version=");
	sxs_strbuf_adds(out, id->version);
	if (is_set(id->public_key_token)) {
		sxs_strbuf_adds(out, ", PublicKeyToken=");
		sxs_strbuf_adds(out, id->public_key_token);
	}
	sxs_strbuf_adds(out, ", ProcessorArchitecture=");
	sxs_strbuf_adds(out, id->arch);
	if (is_set(id->version_scope)) {
		sxs_strbuf_adds(out, ", versionScope=");
		sxs_strbuf_adds(out, ascii_ieq(id->version_scope, "nonSxS") ? "NonSxS"
		                                                            : id->version_scope);
	}
	err = sxs_strbuf_error(out);
	if (err)
		strbuf_truncate(out, old);
	return err;
}

/* ---- appid parser ----------------------------------------------------- */

/* The identity member an appid attribute name selects, or NULL. */
static char **appid_slot(struct sxs_identity *id, const char *key, size_t len)
{
	if (ascii_ieq_n(key, len, "Culture") || ascii_ieq_n(key, len, "Language"))
		return &id->culture;
	if (ascii_ieq_n(key, len, "Type"))
		return &id->type;
	if (ascii_ieq_n(key, len, "Version"))
		return &id->version;
	if (ascii_ieq_n(key, len, "PublicKeyToken"))
		return &id->public_key_token;
	if (ascii_ieq_n(key, len, "ProcessorArchitecture"))
		return &id->arch;
	if (ascii_ieq_n(key, len, "versionScope"))
		return &id->version_scope;
	if (ascii_ieq_n(key, len, "BuildType"))
		return &id->build_type;
	return NULL;
}

static void trim_spaces(const char **s, size_t *len)
{
	while (*len && (*s)[0] == ' ') {
		(*s)++;
		(*len)--;
	}
	while (*len && (*s)[*len - 1] == ' ')
		(*len)--;
}

/* diag excerpts of untrusted text are cut to this many bytes */
#define EXCERPT 40

int sxs_identity_parse(const char *s, size_t len, struct sxs_identity *ret,
                       struct sxs_diag *diag)
{
	struct sxs_identity id;
	size_t pos = 0;
	unsigned field = 0;
	int err;

	memset(&id, 0, sizeof(id));
	if (len > SXS_MAX_IDENTITY_STRING)
		return sxs_diag_set(diag, SXS_ELIMIT, "identity: longer than %d bytes",
		                    SXS_MAX_IDENTITY_STRING);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return sxs_diag_set(diag, SXS_EFORMAT,
			                    "identity: control character at offset %zu", i);
	}

	for (;;) {
		size_t end = pos;
		while (end < len && s[end] != ',')
			end++;
		const char *seg = s + pos;
		size_t seglen = end - pos;
		trim_spaces(&seg, &seglen);
		if (seglen == 0) {
			err = sxs_diag_set(diag, SXS_EFORMAT, "identity: field %u is empty",
			                   field + 1);
			goto out;
		}
		if (field == 0) {
			id.name = sxs_strndup(seg, seglen);
			if (!id.name) {
				err = -SXS_ENOMEM;
				goto out;
			}
		} else {
			const char *eq = memchr(seg, '=', seglen);
			if (!eq) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "identity: field '%.*s' is not attr=value",
				                   (int)(seglen < EXCERPT ? seglen : EXCERPT), seg);
				goto out;
			}
			const char *key = seg, *val = eq + 1;
			size_t keylen = (size_t)(eq - seg), vallen = seglen - keylen - 1;
			trim_spaces(&key, &keylen);
			trim_spaces(&val, &vallen);
			char **slot = appid_slot(&id, key, keylen);
			if (!slot) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "identity: unknown attribute '%.*s'",
				                   (int)(keylen < EXCERPT ? keylen : EXCERPT), key);
				goto out;
			}
			if (*slot) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "identity: attribute '%.*s' given twice",
				                   (int)keylen, key);
				goto out;
			}
			if (vallen == 0) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "identity: attribute '%.*s' has no value",
				                   (int)keylen, key);
				goto out;
			}
			*slot = sxs_strndup(val, vallen);
			if (!*slot) {
				err = -SXS_ENOMEM;
				goto out;
			}
		}
		if (end == len)
			break;
		pos = end + 1;
		field++;
	}

	if (!id.version) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "identity: no Version");
		goto out;
	}
	if (!id.arch) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "identity: no ProcessorArchitecture");
		goto out;
	}
	*ret = id;
	return 0;
out:
	sxs_identity_release(&id);
	return err;
}

/* ---- key form splitting ----------------------------------------------- */

/* Index of the last '_' in s[0..end), or -1. */
static ptrdiff_t last_underscore(const char *s, size_t end)
{
	while (end > 0) {
		end--;
		if (s[end] == '_')
			return (ptrdiff_t)end;
	}
	return -1;
}

static bool shape_hex16(const char *s, size_t n)
{
	if (n != 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

static bool shape_pkt(const char *s, size_t n)
{
	return shape_hex16(s, n) || ascii_ieq_n(s, n, "none");
}

/* four dot-separated decimal parts of 1..5 digits */
static bool shape_version(const char *s, size_t n)
{
	unsigned parts = 1, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			if (++digits > 5)
				return false;
		} else if (s[i] == '.' && digits > 0 && parts < 4) {
			parts++;
			digits = 0;
		} else {
			return false;
		}
	}
	return parts == 4 && digits > 0;
}

static bool shape_chars(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		char c = ascii_lower(s[i]);
		if (!((c >= 'a' && c <= 'z') || is_digit(c) || (c && strchr(extra, c))))
			return false;
	}
	return true;
}

/* a key-form name: printable, no path separators */
static bool shape_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7F || c == '/' || c == '\\')
			return false;
	}
	return true;
}

/* Copy s[0..n) lower-cased into dst[cap]; false when empty or too long. */
static bool put_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		dst[i] = ascii_lower(s[i]);
	dst[n] = '\0';
	return true;
}

int sxs_keyform_split(const char *kf, struct sxs_keyform_parts *ret)
{
	struct sxs_keyform_parts p;
	size_t len = strlen(kf);
	ptrdiff_t u1, u2, u3, u4;
	size_t rest; /* kf[0..rest) holds "arch_name" (or "name" in the short form) */

	memset(&p, 0, sizeof(p));
	if (len > 256)
		return -SXS_EFORMAT;
	u1 = last_underscore(kf, len);
	u2 = u1 > 0 ? last_underscore(kf, (size_t)u1) : -1;
	u3 = u2 > 0 ? last_underscore(kf, (size_t)u2) : -1;
	if (u3 <= 0)
		return -SXS_EFORMAT;

	const char *hash = kf + u1 + 1, *a = kf + u2 + 1, *b = kf + u3 + 1;
	size_t hashlen = len - (size_t)u1 - 1;
	size_t alen = (size_t)(u1 - u2 - 1), blen = (size_t)(u2 - u3 - 1);

	if (!shape_hex16(hash, hashlen))
		return -SXS_EFORMAT;
	for (size_t i = 0; i < 16; i++) {
		char c = ascii_lower(hash[i]);
		p.hash = (p.hash << 4) | (uint64_t)(is_digit(c) ? c - '0' : c - 'a' + 10);
	}

	if (shape_version(a, alen)) {
		/* name(24)_pkt_version_hash */
		p.kind = SXS_KEYFORM_SHORT;
		if (!shape_pkt(b, blen) || !put_field(p.version, sizeof(p.version), a, alen) ||
		    !put_field(p.pkt, sizeof(p.pkt), b, blen))
			return -SXS_EFORMAT;
		rest = (size_t)u3;
		if (rest > SXS_KEYFORM_SHORT_NAME_MAX || !shape_name(kf, rest) ||
		    !put_field(p.name, sizeof(p.name), kf, rest))
			return -SXS_EFORMAT;
		*ret = p;
		return 0;
	}

	if (!shape_chars(a, alen, "-.") || !put_field(p.culture, sizeof(p.culture), a, alen))
		return -SXS_EFORMAT;
	if (shape_version(b, blen)) {
		/* arch_name_pkt_version_culture_hash */
		p.kind = SXS_KEYFORM_FULL;
		if (!put_field(p.version, sizeof(p.version), b, blen))
			return -SXS_EFORMAT;
		u4 = last_underscore(kf, (size_t)u3);
		if (u4 <= 0 || !shape_pkt(kf + u4 + 1, (size_t)(u3 - u4 - 1)) ||
		    !put_field(p.pkt, sizeof(p.pkt), kf + u4 + 1, (size_t)(u3 - u4 - 1)))
			return -SXS_EFORMAT;
		rest = (size_t)u4;
	} else if (shape_pkt(b, blen)) {
		/* arch_name_pkt_culture_hash */
		p.kind = SXS_KEYFORM_WINNERS;
		if (!put_field(p.pkt, sizeof(p.pkt), b, blen))
			return -SXS_EFORMAT;
		rest = (size_t)u3;
	} else {
		return -SXS_EFORMAT;
	}

	const char *us = memchr(kf, '_', rest);
	if (!us)
		return -SXS_EFORMAT;
	size_t archlen = (size_t)(us - kf), namelen = rest - archlen - 1;
	if (!shape_chars(kf, archlen, "") || !put_field(p.arch, sizeof(p.arch), kf, archlen) ||
	    !shape_name(us + 1, namelen) || !put_field(p.name, sizeof(p.name), us + 1, namelen))
		return -SXS_EFORMAT;
	*ret = p;
	return 0;
}

/* ---- f! value names --------------------------------------------------- */

int sxs_file_value_name(const char *file_name, struct sxs_strbuf *out)
{
	const unsigned char *s = (const unsigned char *)file_name;
	size_t len = strlen(file_name), units = 0, emitted = 0, old = out->len, i;
	bool underscore = false;
	uint32_t cp;
	int err;

	if (len == 0)
		return -SXS_EINVAL;
	for (i = 0; i < len;) {
		i += utf8_decode(s + i, len - i, &cp);
		units += cp >= 0x10000 ? 2 : 1;
		if (cp == '_')
			underscore = true;
	}

	sxs_strbuf_adds(out, "f!");
	for (i = 0; i < len && emitted < SXS_FILE_VALUE_NAME_MAX;) {
		i += utf8_decode(s + i, len - i, &cp);
		if (cp < 0x10000) {
			utf8_append(out, lower_unit((uint16_t)cp));
			emitted++;
		} else if (emitted + 2 <= SXS_FILE_VALUE_NAME_MAX) {
			utf8_append(out, cp);
			emitted += 2;
		} else {
			utf8_append(out, REPLACEMENT_CHAR); /* half a surrogate pair */
			emitted++;
		}
	}
	if (units > SXS_FILE_VALUE_NAME_MAX || underscore)
		sxs_strbuf_addf(out, "_%016" PRIx64, sxs_keyform_hash_string(file_name, len));

	err = sxs_strbuf_error(out);
	if (err)
		strbuf_truncate(out, old);
	return err;
}

/* ---- versions --------------------------------------------------------- */

struct version_part {
	const char *digits; /* leading zeros skipped */
	size_t ndigits;
	const char *tail;   /* anything after the digits, up to '.' */
	size_t ntail;
};

/* Take one part off *s (an exhausted string yields an empty part = 0). */
static struct version_part next_part(const char **s)
{
	struct version_part vp;
	const char *p = *s;

	while (*p == '0' && is_digit(p[1]))
		p++;
	vp.digits = p;
	while (is_digit(*p))
		p++;
	vp.ndigits = (size_t)(p - vp.digits);
	vp.tail = p;
	while (*p && *p != '.')
		p++;
	vp.ntail = (size_t)(p - vp.tail);
	if (*p == '.')
		p++;
	*s = p;
	return vp;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int sxs_version_compare(const char *a, const char *b)
{
	while (*a || *b) {
		struct version_part pa = next_part(&a), pb = next_part(&b);
		/* "0" and "" both mean zero */
		size_t na = (pa.ndigits == 1 && pa.digits[0] == '0') ? 0 : pa.ndigits;
		size_t nb = (pb.ndigits == 1 && pb.digits[0] == '0') ? 0 : pb.ndigits;
		if (na != nb)
			return na < nb ? -1 : 1;
		int c = memcmp(pa.digits, pb.digits, na);
		if (c)
			return sign(c);
		size_t nt = pa.ntail < pb.ntail ? pa.ntail : pb.ntail;
		c = memcmp(pa.tail, pb.tail, nt);
		if (c)
			return sign(c);
		if (pa.ntail != pb.ntail)
			return pa.ntail < pb.ntail ? -1 : 1;
	}
	return 0;
}

int sxs_version_band(const char *v, char *buf, size_t bufsz)
{
	size_t i = 0, n;

	while (is_digit(v[i]))
		i++;
	if (i == 0 || v[i] != '.')
		return -SXS_EFORMAT;
	n = ++i;
	while (is_digit(v[i]))
		i++;
	if (i == n || (v[i] != '\0' && v[i] != '.'))
		return -SXS_EFORMAT;
	if (i >= bufsz)
		return -SXS_ELIMIT;
	memcpy(buf, v, i);
	buf[i] = '\0';
	return 0;
}
