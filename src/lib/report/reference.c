/* SPDX-License-Identifier: MIT */
#include "report/reference.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "store/store.h"
#include "package/mum.h"
#include "store/packages.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/strbuf.h"
#include "util/version.h"

/*
 * Layout (sxscheck-reference(5) is the full description):
 *
 *   sxsref 1
 *   image <text>
 *   build <version|->
 *   product <text|->
 *   components-hive yes|no
 *   software-hive yes|no
 *   payloads checked|unchecked
 *   component <keyform>                       sorted by key form
 *    manifest <state> <sha256|-> <size>
 *    registry <s256h|->                       when COMPONENTS has the key
 *    hive-identity <text>                     when it differs from identity
 *    identity <text>                          when the manifest was parsed
 *    deployment                               when it is a deployment
 *    folder present|absent
 *    file <state> <alg|-> <expected|-> <actual|-> <size> <name>   sorted by name
 *    delta ok|corrupt <f|r|n>\<name>         PSFX differentials, sorted
 *   family <winners key> <band|->             sorted by key
 *    malformed <text>
 *    band <band> <winner|->                   sorted by version
 *     version <version>                       sorted by version
 *   end <lines> <sha256 of every byte before this line>
 *
 * Fields are separated by one space.  A field is printable ASCII without
 * '%' and space; other bytes are written %XX.  The last field of image,
 * product, identity, hive-identity, malformed and file lines may hold
 * spaces (never first or last).
 */

#define FLUSH_AT (64u << 10)
#define READ_CHUNK (64u << 10)

static const char *const manifest_states[] = {
	[SXS_MANIFEST_OK] = "ok",
	[SXS_MANIFEST_UNREADABLE] = "unreadable",
	[SXS_MANIFEST_UNSUPPORTED] = "unsupported",
	[SXS_MANIFEST_ABSENT] = "absent",
	[SXS_MANIFEST_LINK] = "link",
	[SXS_MANIFEST_UNSAFE] = "unsafe",
};
#define N_MANIFEST_STATES (sizeof(manifest_states) / sizeof(*manifest_states))

/* Payload states whose `actual` digest was computed. */
static bool state_hashed(enum sxs_payload_state s)
{
	return s == SXS_PAYLOAD_OK || s == SXS_PAYLOAD_MISMATCH || s == SXS_PAYLOAD_NODIGEST;
}

/* ---- shared field rules ------------------------------------------------- */

/* Versions and bands as util/version.h parses them: canonical text only. */
static bool is_version(const char *s)
{
	return s && sxs_version_valid(s);
}

static bool is_band(const char *s)
{
	return s && sxs_band_valid(s);
}

static bool keyform_ok(const char *kf, enum sxs_keyform_kind kind)
{
	struct sxs_keyform_parts p;
	for (const char *q = kf; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			return false;
	return sxs_keyform_split(kf, &p) == 0 && p.kind == kind;
}

/* ---- writer --------------------------------------------------------------- */

struct writer {
	int fd;
	struct sxs_strbuf buf;
	struct sxs_digest *sha;
	size_t lines;
	int err;
	struct sxs_diag *diag;
};

static void put_field(struct sxs_strbuf *sb, const char *s, bool last)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool edge = i == 0 || i + 1 == len;
		if (c <= 0x20 || c >= 0x7f || c == '%') {
			if (c == ' ' && last && !edge)
				sxs_strbuf_addc(sb, ' ');
			else
				sxs_strbuf_addf(sb, "%%%02X", c);
		} else {
			sxs_strbuf_addc(sb, (char)c);
		}
	}
}

static void w_flush(struct writer *w)
{
	const char *p = sxs_strbuf_str(&w->buf);
	size_t left = w->buf.len;
	if (w->err)
		return;
	while (left) {
		ssize_t n = write(w->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = sxs_diag_set(w->diag, SXS_EIO, "write error: %s",
			                      n < 0 ? strerror(errno) : "short write");
			return;
		}
		p += n;
		left -= (size_t)n;
	}
	sxs_strbuf_reset(&w->buf);
}

/* Finish one line: count it, digest it, flush now and then. */
static void w_end(struct writer *w, size_t start)
{
	sxs_strbuf_addc(&w->buf, '\n');
	if (!w->err && (w->err = sxs_strbuf_error(&w->buf)))
		sxs_diag_set(w->diag, SXS_ENOMEM, "out of memory");
	if (w->err)
		return;
	w->lines++;
	int err = sxs_digest_update(w->sha, w->buf.buf + start, w->buf.len - start);
	if (err) {
		w->err = sxs_diag_set(w->diag, -err, "digest failed");
		return;
	}
	if (w->buf.len >= FLUSH_AT)
		w_flush(w);
}

static void w_line(struct writer *w, const char *fmt, ...) SXS_PRINTF(2, 3);
static void w_line(struct writer *w, const char *fmt, ...)
{
	size_t start = w->buf.len;
	char tmp[SXS_REF_MAX_LINE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sxs_strbuf_adds(&w->buf, tmp);
	w_end(w, start);
}

/* "<prefix><field>\n" with the field escaped (the last field of its line). */
static void w_text(struct writer *w, const char *prefix, const char *s)
{
	size_t start = w->buf.len;
	sxs_strbuf_adds(&w->buf, prefix);
	if (s && *s)
		put_field(&w->buf, s, true);
	else
		sxs_strbuf_addc(&w->buf, '-');
	w_end(w, start);
}

static int cmp_comp_p(const void *a, const void *b)
{
	return strcmp((*(const struct sxs_component *const *)a)->keyform,
	              (*(const struct sxs_component *const *)b)->keyform);
}

static int cmp_family_p(const void *a, const void *b)
{
	const struct sxs_winner_family *x = *(const struct sxs_winner_family *const *)a;
	const struct sxs_winner_family *y = *(const struct sxs_winner_family *const *)b;
	int c = strcasecmp(x->key, y->key);
	return c ? c : strcmp(x->key, y->key);
}

static int cmp_file_p(const void *a, const void *b)
{
	const struct sxs_payload *x = *(const struct sxs_payload *const *)a;
	const struct sxs_payload *y = *(const struct sxs_payload *const *)b;
	int c = strcasecmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

static int cmp_version_p(const void *a, const void *b)
{
	int c = sxs_version_compare(*(char *const *)a, *(char *const *)b);
	return c ? c : strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_band_p(const void *a, const void *b)
{
	const struct sxs_winner_band *x = *(const struct sxs_winner_band *const *)a;
	const struct sxs_winner_band *y = *(const struct sxs_winner_band *const *)b;
	int c = sxs_version_compare(x->band, y->band);
	return c ? c : strcmp(x->band, y->band);
}

/* Sorted array of pointers to n elements of `size` bytes at base. */
static const void **sorted_ptrs(const void *base, size_t n, size_t size,
                                int (*cmp)(const void *, const void *))
{
	const void **v = sxs_calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = (const char *)base + i * size;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp);
	return v;
}

static void write_hex_or_dash(struct sxs_strbuf *sb, const uint8_t *d, size_t len)
{
	char hex[2 * SXS_DIGEST_MAX + 1];
	if (!d || !len || len > SXS_DIGEST_MAX) {
		sxs_strbuf_addc(sb, '-');
		return;
	}
	sxs_hex_encode(d, len, hex);
	sxs_strbuf_adds(sb, hex);
}

static bool payload_writable(const struct sxs_payload *p)
{
	size_t len = strlen(p->name);
	if (!sxs_name_is_safe(p->name, len) || len > SXS_REF_MAX_LINE / 4)
		return false;
	if (p->alg != SXS_DIGEST_NONE && p->digest_len != sxs_digest_size(p->alg))
		return false;
	if (state_hashed(p->state) && p->alg == SXS_DIGEST_NONE &&
	    p->digest_len != sxs_digest_size(SXS_DIGEST_SHA256))
		return false;
	return true;
}

/* "r\\name": f, r or n, a backslash, a safe name */
static bool delta_path_ok(const char *p)
{
	return (p[0] == 'f' || p[0] == 'r' || p[0] == 'n') && p[1] == '\\' &&
	       sxs_name_is_safe(p + 2, strlen(p + 2)) && strlen(p) < SXS_REF_MAX_LINE / 4;
}

static int cmp_delta_p(const void *a, const void *b)
{
	const struct sxs_delta_file *x = *(const struct sxs_delta_file *const *)a;
	const struct sxs_delta_file *y = *(const struct sxs_delta_file *const *)b;
	int c = strcasecmp(x->path, y->path);
	return c ? c : strcmp(x->path, y->path);
}

static void write_deltas(struct writer *w, const struct sxs_component *c,
                         struct sxs_reference_stats *st)
{
	const struct sxs_delta_file **d;
	if (!c->ndeltas || w->err)
		return;
	d = (const struct sxs_delta_file **)sorted_ptrs(c->deltas, c->ndeltas, sizeof(*c->deltas),
	                                                  cmp_delta_p);
	if (!d) {
		w->err = sxs_diag_set(w->diag, SXS_ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < c->ndeltas && !w->err; i++) {
		if (!delta_path_ok(d[i]->path) || (i && !strcasecmp(d[i - 1]->path, d[i]->path))) {
			st->skipped++;
			continue;
		}
		size_t start = w->buf.len;
		sxs_strbuf_addf(&w->buf, " delta %s ", d[i]->err ? "corrupt" : "ok");
		put_field(&w->buf, d[i]->path, true);
		w_end(w, start);
	}
	sxs_free(d);
}

static void write_component(struct writer *w, const struct sxs_component *c,
                            struct sxs_reference_stats *st)
{
	size_t start;
	const struct sxs_payload **files = NULL;

	w_line(w, "component %s", c->keyform);
	start = w->buf.len;
	sxs_strbuf_addf(&w->buf, " manifest %s ", manifest_states[c->mstate]);
	write_hex_or_dash(&w->buf, c->has_manifest_sha256 ? c->manifest_sha256 : NULL, 32);
	sxs_strbuf_addf(&w->buf, " %llu", (unsigned long long)c->manifest_size);
	w_end(w, start);
	if (c->in_hive) {
		start = w->buf.len;
		sxs_strbuf_adds(&w->buf, " registry ");
		write_hex_or_dash(&w->buf, c->has_s256h ? c->s256h : NULL, 32);
		w_end(w, start);
	}
	bool identity = c->has_identity && c->canonical && strlen(c->canonical) < SXS_REF_MAX_LINE / 2;
	/* COMPONENTS' identity value: only written when it is not the manifest's ("-": none) */
	if (c->in_hive && identity && (!c->hive_identity || strcmp(c->hive_identity, c->canonical)))
		w_text(w, " hive-identity ",
		       c->hive_identity && strlen(c->hive_identity) < SXS_REF_MAX_LINE / 2 ? c->hive_identity
		                                                                         : NULL);
	else if (c->in_hive && !identity && c->hive_identity &&
	         strlen(c->hive_identity) < SXS_REF_MAX_LINE / 2)
		w_text(w, " hive-identity ", c->hive_identity);
	if (identity)
		w_text(w, " identity ", c->canonical);
	if (c->is_deployment)
		w_line(w, " deployment");
	w_line(w, " folder %s", c->folder ? "present" : "absent");

	files = (const struct sxs_payload **)sorted_ptrs(c->files, c->nfiles, sizeof(*c->files),
	                                                   cmp_file_p);
	if (!files) {
		w->err = sxs_diag_set(w->diag, SXS_ENOMEM, "out of memory");
		return;
	}
	const char *prev = NULL;
	for (size_t i = 0; i < c->nfiles && !w->err; i++) {
		const struct sxs_payload *p = files[i];
		if (!payload_writable(p) || (prev && !strcasecmp(prev, p->name))) {
			st->skipped++;
			continue;
		}
		prev = p->name;
		start = w->buf.len;
		sxs_strbuf_addf(&w->buf, " file %s %s ", sxs_payload_state_name(p->state),
		                p->alg == SXS_DIGEST_NONE ? "-" : sxs_digest_name(p->alg));
		write_hex_or_dash(&w->buf, p->alg != SXS_DIGEST_NONE ? p->expected : NULL, p->digest_len);
		sxs_strbuf_addc(&w->buf, ' ');
		write_hex_or_dash(&w->buf, state_hashed(p->state) ? p->actual : NULL, p->digest_len);
		sxs_strbuf_addf(&w->buf, " %llu ", (unsigned long long)p->size);
		put_field(&w->buf, p->name, true);
		w_end(w, start);
		st->files++;
	}
	sxs_free(files);
	write_deltas(w, c, st);
	st->components++;
}

static void write_family(struct writer *w, const struct sxs_winner_family *f,
                         struct sxs_reference_stats *st)
{
	const struct sxs_winner_band **bands;
	bool bad_winner = false;

	for (size_t i = 0; i < f->nbands; i++)
		if (f->bands[i].winner && !is_version(f->bands[i].winner))
			bad_winner = true;
	w_line(w, "family %s %s", f->key, is_band(f->band) ? f->band : "-");
	if (f->malformed)
		w_text(w, " malformed ", f->malformed_detail ? f->malformed_detail : "malformed");
	else if (bad_winner || (f->band && !is_band(f->band)))
		w_text(w, " malformed ", "a band or winner value is not a version");
	bands = (const struct sxs_winner_band **)sorted_ptrs(f->bands, f->nbands, sizeof(*f->bands),
	                                                       cmp_band_p);
	if (!bands) {
		w->err = sxs_diag_set(w->diag, SXS_ENOMEM, "out of memory");
		return;
	}
	const char *prevband = NULL;
	for (size_t i = 0; i < f->nbands && !w->err; i++) {
		const struct sxs_winner_band *b = bands[i];
		if (!is_band(b->band) || (prevband && !strcmp(prevband, b->band))) {
			st->skipped++;
			continue;
		}
		prevband = b->band;
		w_line(w, " band %s %s", b->band, is_version(b->winner) ? b->winner : "-");
		char **v = sxs_calloc(b->nversions ? b->nversions : 1, sizeof(*v));
		if (!v) {
			w->err = sxs_diag_set(w->diag, SXS_ENOMEM, "out of memory");
			break;
		}
		if (b->nversions) /* a band without versions has versions == NULL */
			memcpy(v, b->versions, b->nversions * sizeof(*v));
		if (b->nversions > 1)
			qsort(v, b->nversions, sizeof(*v), cmp_version_p);
		for (size_t j = 0; j < b->nversions && !w->err; j++) {
			if (!is_version(v[j]) || (j && !strcmp(v[j - 1], v[j]))) {
				st->skipped++;
				continue;
			}
			w_line(w, "  version %s", v[j]);
		}
		sxs_free(v);
	}
	sxs_free(bands);
	st->families++;
}

/*
 * The package layer (optional records after the families): "packages
 * listed" when the image had a servicing\Packages folder, then one
 * "package <identity> <.mum sha256> <.cat sha256>" per pair that verified
 * (catalog signature, .mum a member, identity = name), sorted ignoring case.
 * compare plans only such pairs; anything else is not worth recording.
 */
static bool package_name_ok(const char *s)
{
	struct sxs_package_name pn;
	if (!s || !*s || strlen(s) >= SXS_REF_MAX_LINE / 2 || sxs_package_name_split(s, &pn))
		return false;
	for (const unsigned char *q = (const unsigned char *)s; *q; q++)
		if (*q <= ' ' || *q >= 0x7f || strchr("<>:\"/\\|?*", *q))
			return false;
	return true;
}

static void write_packages(struct writer *w, const struct sxs_packages *p,
                           struct sxs_reference_stats *st)
{
	if (!p || !p->have_listing)
		return;
	w_line(w, "packages listed");
	for (size_t i = 0; i < p->n && !w->err; i++) {
		const struct sxs_package *e = &p->v[i];
		if (!e->pair_verified)
			continue;
		if (!package_name_ok(e->name) || (i && !strcasecmp(p->v[i - 1].name, e->name))) {
			st->skipped++;
			continue;
		}
		char mh[65], ch[65];
		sxs_hex_encode(e->mum_sha256, 32, mh);
		sxs_hex_encode(e->cat_sha256, 32, ch);
		w_line(w, "package %s %s %s", e->name, mh, ch);
	}
}

int sxs_reference_write(int fd, const struct sxs_model *m, const char *label,
                        struct sxs_reference_stats *stats, struct sxs_diag *diag)
{
	struct writer w = {.fd = fd, .diag = diag};
	struct sxs_reference_stats st = {0};
	const struct sxs_component **comps = NULL;
	const struct sxs_winner_family **fams = NULL;
	uint8_t digest[SXS_DIGEST_MAX];
	char hex[2 * SXS_DIGEST_MAX + 1];

	sxs_strbuf_init(&w.buf);
	if ((w.err = sxs_digest_new(SXS_DIGEST_SHA256, &w.sha))) {
		sxs_diag_set(diag, -w.err, "cannot set up SHA-256");
		goto out;
	}
	comps = (const struct sxs_component **)sorted_ptrs(m->comps, m->ncomps, sizeof(*m->comps),
	                                                     cmp_comp_p);
	fams = (const struct sxs_winner_family **)sorted_ptrs(m->families, m->nfamilies,
	                                                        sizeof(*m->families), cmp_family_p);
	if (!comps || !fams) {
		w.err = sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
		goto out;
	}
	w_line(&w, "sxsref %d", SXS_REFERENCE_VERSION);
	w_text(&w, "image ", label && *label ? label : m->image);
	w_line(&w, "build %s", is_version(m->build) ? m->build : "-");
	w_text(&w, "product ", m->product);
	w_line(&w, "components-hive %s", m->have_components_hive ? "yes" : "no");
	w_line(&w, "software-hive %s", m->have_software_hive ? "yes" : "no");
	w_line(&w, "payloads %s", m->payloads_checked ? "checked" : "unchecked");
	for (size_t i = 0; i < m->ncomps && !w.err; i++) {
		const struct sxs_component *c = comps[i];
		if (!keyform_ok(c->keyform, SXS_KEYFORM_FULL) ||
		    (i && !strcmp(comps[i - 1]->keyform, c->keyform))) {
			st.skipped++;
			continue;
		}
		write_component(&w, c, &st);
	}
	for (size_t i = 0; i < m->nfamilies && !w.err; i++) {
		const struct sxs_winner_family *f = fams[i];
		if (!keyform_ok(f->key, SXS_KEYFORM_WINNERS) ||
		    (i && !strcasecmp(fams[i - 1]->key, f->key))) {
			st.skipped++;
			continue;
		}
		write_family(&w, f, &st);
	}
	write_packages(&w, m->packages, &st);
	if (w.err)
		goto out;
	if ((w.err = sxs_digest_final(w.sha, digest, NULL))) {
		sxs_diag_set(diag, -w.err, "digest failed");
		goto out;
	}
	sxs_hex_encode(digest, 32, hex);
	sxs_strbuf_addf(&w.buf, "end %zu %s\n", w.lines, hex);
	if ((w.err = sxs_strbuf_error(&w.buf)))
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	w_flush(&w);
	if (!w.err && stats)
		*stats = st;
out:
	sxs_free(comps);
	sxs_free(fams);
	sxs_digest_free(w.sha);
	sxs_strbuf_release(&w.buf);
	return w.err;
}

/* ---- reader --------------------------------------------------------------- */

enum rd_state {
	RD_HEADER,    /* expecting header line `header_next` */
	RD_BODY,      /* components, families */
	RD_COMPONENT, /* inside a component */
	RD_FAMILY,    /* inside a family */
	RD_BAND,      /* inside a band */
	RD_DONE,      /* after the end line */
};

struct reader {
	int fd;
	const char *display;
	struct sxs_diag *diag;
	struct sxs_model *m;
	/* input */
	char *buf;             /* READ_CHUNK + SXS_REF_MAX_LINE + 1 */
	size_t start, len;     /* unconsumed bytes buf[start..start+len) */
	bool eof;
	size_t lineno;
	struct sxs_digest *sha;
	/* parse state */
	enum rd_state state;
	unsigned header_next;
	size_t comps_cap, families_cap, files_cap, deltas_cap, bands_cap, versions_cap;
	bool have_manifest, have_folder, have_identity, have_registry, have_hive_identity;
	bool family_has_bands;
};

static int rd_fail(struct reader *r, int err, const char *fmt, ...) SXS_PRINTF(3, 4);
static int rd_fail(struct reader *r, int err, const char *fmt, ...)
{
	char msg[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sxs_diag_set(r->diag, err, "%s:%zu: %s", r->display, r->lineno, msg);
}

/*
 * Next line into *line_ret (NUL-terminated in place, without the newline).
 * Returns 1 for a line, 0 at a clean end of input, or an error.
 */
static int rd_getline(struct reader *r, char **line_ret, size_t *len_ret)
{
	for (;;) {
		char *nl = r->len ? memchr(r->buf + r->start, '\n', r->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			char *line = r->buf + r->start;
			r->lineno++;
			if (n > SXS_REF_MAX_LINE)
				return rd_fail(r, SXS_ELIMIT, "line longer than %u bytes", SXS_REF_MAX_LINE);
			if (memchr(line, '\0', n))
				return rd_fail(r, SXS_EFORMAT, "NUL byte in line");
			*nl = '\0';
			r->start += n + 1;
			r->len -= n + 1;
			*line_ret = line;
			*len_ret = n;
			return 1;
		}
		if (r->len > SXS_REF_MAX_LINE) {
			r->lineno++;
			return rd_fail(r, SXS_ELIMIT, "line longer than %u bytes", SXS_REF_MAX_LINE);
		}
		if (r->eof) {
			if (r->len) {
				r->lineno++;
				return rd_fail(r, SXS_ETRUNC, "last line has no newline (file truncated?)");
			}
			return 0;
		}
		/* keep the partial line, refill behind it */
		memmove(r->buf, r->buf + r->start, r->len);
		r->start = 0;
		ssize_t got = read(r->fd, r->buf + r->len, READ_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return sxs_diag_set(r->diag, sxs_errno_status(errno), "%s: read error: %s",
			                    r->display, strerror(errno));
		if (got == 0)
			r->eof = true;
		r->len += (size_t)got;
	}
}

/* Split line into at most max fields at single spaces; the last takes the rest. */
static int split(struct reader *r, char *line, char **f, size_t min, size_t max, size_t *n_ret)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		if (n == max)
			break;
		char *sp = strchr(p, ' ');
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (f[i][0] == '\0')
			return rd_fail(r, SXS_EFORMAT, "empty field (two spaces, or a space at the end)");
	if (n < min)
		return rd_fail(r, SXS_EFORMAT, "record needs %zu fields, has %zu", min, n);
	const char *last = f[n - 1];
	if (last[0] == ' ' || last[strlen(last) - 1] == ' ')
		return rd_fail(r, SXS_EFORMAT, "empty field (two spaces, or a space at the end)");
	*n_ret = n;
	return 0;
}

/* A field without spaces and without '%': plain token. */
static int token(struct reader *r, const char *what, const char *s)
{
	for (const char *q = s; *q; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '%')
			return rd_fail(r, SXS_EFORMAT, "%s: unexpected character", what);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode an escaped field into a new string; spaces allowed when `text`. */
static int unescape(struct reader *r, const char *what, const char *s, bool text, char **ret)
{
	size_t len = strlen(s);
	char *out = sxs_malloc(len + 1), *o = out;
	if (!out)
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				sxs_free(out);
				return rd_fail(r, SXS_EFORMAT, "%s: bad %% escape", what);
			}
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (c < 0x20 || c >= 0x7f || (c == ' ' && !text)) {
			sxs_free(out);
			return rd_fail(r, SXS_EFORMAT, "%s: unexpected character", what);
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	*ret = out;
	return 0;
}

static int parse_u64(struct reader *r, const char *what, const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return rd_fail(r, SXS_EFORMAT, "%s: not a decimal number", what);
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return rd_fail(r, SXS_EFORMAT, "%s: not a decimal number", what);
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return rd_fail(r, SXS_EFORMAT, "%s: number too large", what);
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

/* Exactly 2 * len lower-case hex digits, or "-" when dash_ok (*present = false). */
static int parse_hex(struct reader *r, const char *what, const char *s, uint8_t *out, size_t len,
                     bool dash_ok, bool *present)
{
	if (!strcmp(s, "-")) {
		if (!dash_ok)
			return rd_fail(r, SXS_EFORMAT, "%s: digest required", what);
		if (present)
			*present = false;
		return 0;
	}
	for (const char *q = s; *q; q++)
		if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')))
			return rd_fail(r, SXS_EFORMAT, "%s: not lower-case hex", what);
	if (strlen(s) != 2 * len || sxs_hex_decode(s, 2 * len, out, len))
		return rd_fail(r, SXS_EFORMAT, "%s: expected %zu hex digits, got %zu", what, 2 * len,
		               strlen(s));
	if (present)
		*present = true;
	return 0;
}

static int yes_no(struct reader *r, const char *what, const char *s, const char *yes,
                  const char *no, bool *ret)
{
	if (!strcmp(s, yes))
		*ret = true;
	else if (!strcmp(s, no))
		*ret = false;
	else
		return rd_fail(r, SXS_EFORMAT, "%s: expected '%s' or '%s'", what, yes, no);
	return 0;
}

static int grow(struct reader *r, void **v, size_t n, size_t *cap, size_t size, size_t max,
                const char *what)
{
	if (n >= max)
		return rd_fail(r, SXS_ELIMIT, "more than %zu %s", max, what);
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap > max)
		ncap = max;
	void *nv = sxs_reallocarray(*v, ncap, size);
	if (!nv)
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	memset((char *)nv + *cap * size, 0, (ncap - *cap) * size);
	*v = nv;
	*cap = ncap;
	return 0;
}

static const char *const header_keys[] = {
	"sxsref", "image", "build", "product", "components-hive", "software-hive", "payloads",
};
#define N_HEADER (sizeof(header_keys) / sizeof(*header_keys))

static int rd_header(struct reader *r, char *line)
{
	char *f[2];
	size_t n;
	int err;
	const char *key = header_keys[r->header_next];
	bool text = r->header_next == 1 || r->header_next == 3;
	if ((err = split(r, line, f, 2, 2, &n)))
		return err;
	if (strcmp(f[0], key))
		return rd_fail(r, SXS_EFORMAT, "expected the '%s' line", key);
	switch (r->header_next) {
	case 0: {
		char want[16];
		snprintf(want, sizeof(want), "%d", SXS_REFERENCE_VERSION);
		if (strcmp(f[1], want))
			return rd_fail(r, SXS_EUNSUPPORTED, "format version %s is not supported (this sxscheck reads version %d)",
			               f[1], SXS_REFERENCE_VERSION);
		break;
	}
	case 1:
		if ((err = unescape(r, "image", f[1], text, &r->m->image)))
			return err;
		break;
	case 2:
		if (strcmp(f[1], "-")) {
			if (!is_version(f[1]))
				return rd_fail(r, SXS_EFORMAT, "build: not a version");
			if (!(r->m->build = sxs_strdup(f[1])))
				return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
		}
		break;
	case 3:
		if (strcmp(f[1], "-") && (err = unescape(r, "product", f[1], text, &r->m->product)))
			return err;
		break;
	case 4:
		return yes_no(r, key, f[1], "yes", "no", &r->m->have_components_hive);
	case 5:
		return yes_no(r, key, f[1], "yes", "no", &r->m->have_software_hive);
	case 6:
		return yes_no(r, key, f[1], "checked", "unchecked", &r->m->payloads_checked);
	}
	return 0;
}

static struct sxs_component *cur_comp(struct reader *r)
{
	return &r->m->comps[r->m->ncomps - 1];
}

static struct sxs_winner_family *cur_family(struct reader *r)
{
	return &r->m->families[r->m->nfamilies - 1];
}

/* Fill the derived identity fields the way the model loader does. */
static int set_identity(struct reader *r, struct sxs_component *c, const char *canonical)
{
	struct sxs_diag d = {{0}};
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = sxs_identity_parse(canonical, strlen(canonical), &c->id, &d);
	if (err == -SXS_ENOMEM)
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	if (err)
		return rd_fail(r, SXS_EFORMAT, "identity: %s", sxs_diag_msg(&d, err));
	c->has_identity = true;
	if ((err = sxs_identity_canonical(&c->id, &sb)) == 0) {
		if (strcmp(sxs_strbuf_str(&sb), canonical)) {
			sxs_strbuf_release(&sb);
			return rd_fail(r, SXS_EFORMAT, "identity: not in canonical form");
		}
		c->canonical = sxs_strbuf_detach(&sb, NULL);
	}
	sxs_strbuf_release(&sb);
	if (!err && (err = sxs_identity_keyform(&c->id, SXS_KEYFORM_FULL, &sb)) == 0)
		c->computed_keyform = sxs_strbuf_detach(&sb, NULL);
	sxs_strbuf_release(&sb);
	if (!err && (err = sxs_identity_keyform(&c->id, SXS_KEYFORM_WINNERS, &sb)) == 0)
		c->winners_key = sxs_strbuf_detach(&sb, NULL);
	sxs_strbuf_release(&sb);
	if (err == -SXS_ENOMEM || (!err && (!c->canonical || !c->computed_keyform || !c->winners_key)))
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	if (err)
		return rd_fail(r, SXS_EFORMAT, "identity: no key form can be made from it");
	return 0;
}

static int close_component(struct reader *r)
{
	if (r->state != RD_COMPONENT)
		return 0;
	if (!r->have_manifest || !r->have_folder)
		return rd_fail(r, SXS_EFORMAT, "component %s lacks its %s line", cur_comp(r)->keyform,
		               r->have_manifest ? "folder" : "manifest");
	struct sxs_component *c = cur_comp(r);
	if (c->in_hive && !r->have_hive_identity && c->canonical &&
	    !(c->hive_identity = sxs_strdup(c->canonical)))
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	if (c->mstate != SXS_MANIFEST_ABSENT)
		r->m->manifests_read++;
	return 0;
}

static int rd_component(struct reader *r, char *line)
{
	char *f[2];
	size_t n;
	int err;
	if ((err = split(r, line, f, 2, 2, &n)) || (err = token(r, "component", f[1])))
		return err;
	if (!keyform_ok(f[1], SXS_KEYFORM_FULL))
		return rd_fail(r, SXS_EFORMAT, "component: '%s' is not a lower-case key form", f[1]);
	if (r->m->ncomps && strcmp(cur_comp(r)->keyform, f[1]) >= 0)
		return rd_fail(r, SXS_EFORMAT, "component %s: out of order or repeated", f[1]);
	if ((err = grow(r, (void **)&r->m->comps, r->m->ncomps, &r->comps_cap, sizeof(*r->m->comps),
	                SXS_REF_MAX_COMPONENTS, "components")))
		return err;
	struct sxs_component *c = &r->m->comps[r->m->ncomps++];
	if (!(c->keyform = sxs_strdup(f[1])))
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	r->files_cap = r->deltas_cap = 0;
	r->have_manifest = r->have_folder = r->have_identity = false;
	r->have_registry = r->have_hive_identity = false;
	r->state = RD_COMPONENT;
	return 0;
}

static int parse_alg(struct reader *r, const char *s, enum sxs_digest_alg *ret)
{
	static const enum sxs_digest_alg algs[] = {SXS_DIGEST_MD5, SXS_DIGEST_SHA1, SXS_DIGEST_SHA256};
	if (!strcmp(s, "-")) {
		*ret = SXS_DIGEST_NONE;
		return 0;
	}
	for (size_t i = 0; i < sizeof(algs) / sizeof(*algs); i++)
		if (!strcmp(s, sxs_digest_name(algs[i]))) {
			*ret = algs[i];
			return 0;
		}
	return rd_fail(r, SXS_EFORMAT, "file: unknown digest algorithm '%s'", s);
}

static int parse_payload_state(struct reader *r, const char *s, enum sxs_payload_state *ret)
{
	for (int i = SXS_PAYLOAD_UNCHECKED; i <= SXS_PAYLOAD_UNVERIFIABLE; i++)
		if (!strcmp(s, sxs_payload_state_name((enum sxs_payload_state)i))) {
			*ret = (enum sxs_payload_state)i;
			return 0;
		}
	return rd_fail(r, SXS_EFORMAT, "file: unknown state '%s'", s);
}

static int rd_file(struct reader *r, struct sxs_component *c, char *rest)
{
	char *f[6];
	size_t n;
	int err;
	struct sxs_payload p;
	bool present;

	memset(&p, 0, sizeof(p));
	if ((err = split(r, rest, f, 6, 6, &n)) || (err = parse_payload_state(r, f[0], &p.state)) ||
	    (err = parse_alg(r, f[1], &p.alg)))
		return err;
	size_t dlen = sxs_digest_size(p.alg == SXS_DIGEST_NONE ? SXS_DIGEST_SHA256 : p.alg);
	if ((err = parse_hex(r, "file expected digest", f[2], p.expected, dlen, p.alg == SXS_DIGEST_NONE,
	                     &present)))
		return err;
	if (p.alg == SXS_DIGEST_NONE && present)
		return rd_fail(r, SXS_EFORMAT, "file: expected digest without an algorithm");
	if ((err = parse_hex(r, "file actual digest", f[3], p.actual, dlen, true, &present)))
		return err;
	if (present != state_hashed(p.state))
		return rd_fail(r, SXS_EFORMAT, "file: state %s %s an actual digest", f[0],
		               present ? "cannot have" : "needs");
	if ((p.state == SXS_PAYLOAD_OK) && memcmp(p.actual, p.expected, dlen))
		return rd_fail(r, SXS_EFORMAT, "file: state ok but the digests differ");
	if ((p.state == SXS_PAYLOAD_OK || p.state == SXS_PAYLOAD_MISMATCH) && p.alg == SXS_DIGEST_NONE)
		return rd_fail(r, SXS_EFORMAT, "file: state %s needs an algorithm", f[0]);
	if (p.state == SXS_PAYLOAD_NODIGEST && p.alg != SXS_DIGEST_NONE)
		return rd_fail(r, SXS_EFORMAT, "file: state nodigest with an algorithm");
	p.digest_len = dlen;
	if ((err = parse_u64(r, "file size", f[4], &p.size)))
		return err;
	char *name = NULL;
	if ((err = unescape(r, "file name", f[5], true, &name)))
		return err;
	if (!sxs_name_is_safe(name, strlen(name))) {
		sxs_free(name);
		return rd_fail(r, SXS_ENAME, "file: unsafe name");
	}
	if (c->nfiles && strcasecmp(c->files[c->nfiles - 1].name, name) >= 0) {
		sxs_free(name);
		return rd_fail(r, SXS_EFORMAT, "file: out of order or repeated");
	}
	if ((err = grow(r, (void **)&c->files, c->nfiles, &r->files_cap, sizeof(*c->files),
	                SXS_REF_MAX_FILES, "files in one component"))) {
		sxs_free(name);
		return err;
	}
	p.name = name;
	c->files[c->nfiles++] = p;
	return 0;
}

static int rd_delta(struct reader *r, struct sxs_component *c, char *rest)
{
	char *f[2], *path = NULL;
	size_t n;
	bool ok = false;
	int err;
	if ((err = split(r, rest, f, 2, 2, &n)) || (err = yes_no(r, "delta", f[0], "ok", "corrupt", &ok)) ||
	    (err = unescape(r, "delta path", f[1], true, &path)))
		return err;
	if (!delta_path_ok(path)) {
		sxs_free(path);
		return rd_fail(r, SXS_ENAME, "delta: not f\\, r\\ or n\\ followed by a safe name");
	}
	if (c->ndeltas && strcasecmp(c->deltas[c->ndeltas - 1].path, path) >= 0) {
		sxs_free(path);
		return rd_fail(r, SXS_EFORMAT, "delta: out of order or repeated");
	}
	if ((err = grow(r, (void **)&c->deltas, c->ndeltas, &r->deltas_cap, sizeof(*c->deltas),
	                SXS_REF_MAX_FILES, "differentials in one component"))) {
		sxs_free(path);
		return err;
	}
	struct sxs_delta_file *d = &c->deltas[c->ndeltas++];
	d->path = path;
	d->err = ok ? 0 : -SXS_EFORMAT;
	if (!ok && !(d->detail = sxs_strdup("corrupt in the reference image")))
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	return 0;
}

static int rd_in_component(struct reader *r, char *line)
{
	struct sxs_component *c = cur_comp(r);
	char *f[4];
	size_t n;
	int err;
	bool present;

	if (!strncmp(line, " file ", 6)) {
		if (!r->have_folder || c->ndeltas)
			return rd_fail(r, SXS_EFORMAT, "file line out of place");
		return rd_file(r, c, line + 6);
	}
	if (!strncmp(line, " delta ", 7)) {
		if (!r->have_folder)
			return rd_fail(r, SXS_EFORMAT, "delta line before the folder line");
		return rd_delta(r, c, line + 7);
	}
	if (r->have_folder)
		return rd_fail(r, SXS_EFORMAT, "unexpected line in component %s", c->keyform);
	if (!strncmp(line, " manifest ", 10)) {
		if (r->have_manifest)
			return rd_fail(r, SXS_EFORMAT, "repeated manifest line");
		if ((err = split(r, line + 10, f, 3, 3, &n)))
			return err;
		size_t i;
		for (i = 0; i < N_MANIFEST_STATES; i++)
			if (!strcmp(f[0], manifest_states[i]))
				break;
		if (i == N_MANIFEST_STATES)
			return rd_fail(r, SXS_EFORMAT, "manifest: unknown state '%s'", f[0]);
		c->mstate = (enum sxs_manifest_state)i;
		if ((err = parse_hex(r, "manifest sha256", f[1], c->manifest_sha256, 32, true, &present)) ||
		    (err = parse_u64(r, "manifest size", f[2], &c->manifest_size)))
			return err;
		c->has_manifest_sha256 = present;
		r->have_manifest = true;
		return 0;
	}
	if (!r->have_manifest)
		return rd_fail(r, SXS_EFORMAT, "expected the manifest line of component %s", c->keyform);
	if (!strncmp(line, " registry ", 10)) {
		if (r->have_registry || r->have_identity || r->have_hive_identity)
			return rd_fail(r, SXS_EFORMAT, "registry line out of place");
		if ((err = split(r, line + 10, f, 1, 1, &n)) ||
		    (err = parse_hex(r, "registry S256H", f[0], c->s256h, 32, true, &present)))
			return err;
		c->in_hive = true;
		c->has_s256h = present;
		r->have_registry = true;
		return 0;
	}
	if (!strncmp(line, " hive-identity ", 15)) {
		if (!r->have_registry || r->have_identity || r->have_hive_identity)
			return rd_fail(r, SXS_EFORMAT, "hive-identity line out of place");
		r->have_hive_identity = true;
		if (!strcmp(line + 15, "-"))
			return 0; /* COMPONENTS has no identity value */
		return unescape(r, "hive-identity", line + 15, true, &c->hive_identity);
	}
	if (!strncmp(line, " identity ", 10)) {
		if (r->have_identity)
			return rd_fail(r, SXS_EFORMAT, "repeated identity line");
		char *s = NULL;
		if ((err = unescape(r, "identity", line + 10, true, &s)))
			return err;
		r->have_identity = true;
		err = set_identity(r, c, s);
		sxs_free(s);
		return err;
	}
	if (!strcmp(line, " deployment")) {
		if (c->is_deployment)
			return rd_fail(r, SXS_EFORMAT, "repeated deployment line");
		c->is_deployment = true;
		return 0;
	}
	if (!strncmp(line, " folder ", 8)) {
		bool present_folder = false;
		if ((err = yes_no(r, "folder", line + 8, "present", "absent", &present_folder)))
			return err;
		if (present_folder && !(c->folder = sxs_strdup(c->keyform)))
			return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
		r->have_folder = true;
		return 0;
	}
	return rd_fail(r, SXS_EFORMAT, "unexpected line in component %s", c->keyform);
}

static int rd_family(struct reader *r, char *line)
{
	char *f[3];
	size_t n;
	int err;
	if ((err = split(r, line, f, 3, 3, &n)) || (err = token(r, "family", f[1])))
		return err;
	if (!keyform_ok(f[1], SXS_KEYFORM_WINNERS))
		return rd_fail(r, SXS_EFORMAT, "family: '%s' is not a lower-case Winners key form", f[1]);
	if (strcmp(f[2], "-") && !is_band(f[2]))
		return rd_fail(r, SXS_EFORMAT, "family: band '%s' is not major.minor", f[2]);
	if (r->m->nfamilies && strcasecmp(cur_family(r)->key, f[1]) >= 0)
		return rd_fail(r, SXS_EFORMAT, "family %s: out of order or repeated", f[1]);
	if ((err = grow(r, (void **)&r->m->families, r->m->nfamilies, &r->families_cap,
	                sizeof(*r->m->families), SXS_REF_MAX_FAMILIES, "families")))
		return err;
	struct sxs_winner_family *fam = &r->m->families[r->m->nfamilies++];
	if (!(fam->key = sxs_strdup(f[1])) || (strcmp(f[2], "-") && !(fam->band = sxs_strdup(f[2]))))
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	r->bands_cap = 0;
	r->family_has_bands = false;
	r->state = RD_FAMILY;
	return 0;
}

static int rd_in_family(struct reader *r, char *line)
{
	struct sxs_winner_family *fam = cur_family(r);
	char *f[2];
	size_t n;
	int err;

	if (!strncmp(line, " malformed ", 11)) {
		if (fam->malformed || fam->nbands)
			return rd_fail(r, SXS_EFORMAT, "malformed line out of place");
		fam->malformed = true;
		return unescape(r, "malformed", line + 11, true, &fam->malformed_detail);
	}
	if (!strncmp(line, " band ", 6)) {
		if ((err = split(r, line + 6, f, 2, 2, &n)))
			return err;
		if (!is_band(f[0]))
			return rd_fail(r, SXS_EFORMAT, "band: '%s' is not major.minor", f[0]);
		if (strcmp(f[1], "-") && !is_version(f[1]))
			return rd_fail(r, SXS_EFORMAT, "band: winner '%s' is not a version", f[1]);
		if (fam->nbands && cmp_version_p(&fam->bands[fam->nbands - 1].band, &f[0]) >= 0)
			return rd_fail(r, SXS_EFORMAT, "band %s: out of order or repeated", f[0]);
		if ((err = grow(r, (void **)&fam->bands, fam->nbands, &r->bands_cap, sizeof(*fam->bands),
		                SXS_REF_MAX_BANDS, "bands in one family")))
			return err;
		struct sxs_winner_band *b = &fam->bands[fam->nbands++];
		if (!(b->band = sxs_strdup(f[0])) || (strcmp(f[1], "-") && !(b->winner = sxs_strdup(f[1]))))
			return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
		r->versions_cap = 0;
		r->state = RD_BAND;
		return 0;
	}
	if (!strncmp(line, "  version ", 10)) {
		if (r->state != RD_BAND)
			return rd_fail(r, SXS_EFORMAT, "version line outside a band");
		struct sxs_winner_band *b = &fam->bands[fam->nbands - 1];
		const char *v = line + 10;
		if (!is_version(v))
			return rd_fail(r, SXS_EFORMAT, "version: '%s' is not a version", v);
		if (b->nversions && cmp_version_p(&b->versions[b->nversions - 1], &v) >= 0)
			return rd_fail(r, SXS_EFORMAT, "version %s: out of order or repeated", v);
		if ((err = grow(r, (void **)&b->versions, b->nversions, &r->versions_cap,
		                sizeof(*b->versions), SXS_REF_MAX_VERSIONS, "versions in one band")))
			return err;
		if (!(b->versions[b->nversions] = sxs_strdup(v)))
			return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
		b->nversions++;
		return 0;
	}
	return rd_fail(r, SXS_EFORMAT, "unexpected line in family %s", fam->key);
}

static int rd_package(struct reader *r, char *line)
{
	char *f[4];
	size_t n;
	uint8_t mh[32], ch[32];
	int err;
	if (!r->m->packages)
		return rd_fail(r, SXS_EFORMAT, "package line before 'packages listed'");
	if ((err = split(r, line, f, 4, 4, &n)) ||
	    (err = parse_hex(r, "package .mum sha256", f[2], mh, 32, false, NULL)) ||
	    (err = parse_hex(r, "package .cat sha256", f[3], ch, 32, false, NULL)))
		return err;
	if (!package_name_ok(f[1]))
		return rd_fail(r, SXS_EFORMAT, "package: '%s' is not a package identity", f[1]);
	if (r->m->packages->n >= SXS_REF_MAX_COMPONENTS)
		return rd_fail(r, SXS_ELIMIT, "more than %u packages", SXS_REF_MAX_COMPONENTS);
	err = sxs_packages_add_verified(r->m->packages, f[1], mh, ch);
	if (err == -SXS_EFORMAT)
		return rd_fail(r, SXS_EFORMAT, "package %s: out of order or repeated", f[1]);
	if (err)
		return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
	return 0;
}

static int rd_end(struct reader *r, char *line, size_t len)
{
	char *f[3];
	size_t n;
	uint64_t lines;
	uint8_t want[32], got[SXS_DIGEST_MAX];
	int err;
	(void)len;
	if ((err = split(r, line, f, 3, 3, &n)) || (err = parse_u64(r, "end line count", f[1], &lines)) ||
	    (err = parse_hex(r, "end digest", f[2], want, 32, false, NULL)))
		return err;
	if (lines != r->lineno - 1)
		return rd_fail(r, SXS_EFORMAT, "end: the file has %zu lines before this one, the trailer says %llu",
		               r->lineno - 1, (unsigned long long)lines);
	if ((err = sxs_digest_final(r->sha, got, NULL)))
		return sxs_diag_set(r->diag, -err, "digest failed");
	if (memcmp(got, want, 32))
		return rd_fail(r, SXS_EHASH, "SHA-256 of the contents does not match the end line (file modified or damaged)");
	r->state = RD_DONE;
	return 0;
}

static int rd_line(struct reader *r, char *line, size_t len)
{
	int err;
	if (r->state == RD_DONE)
		return rd_fail(r, SXS_EFORMAT, "text after the end line");
	if (len && (line[len - 1] == '\r'))
		return rd_fail(r, SXS_EFORMAT, "carriage return at the end of the line (CRLF line endings?)");
	if (r->state == RD_HEADER) {
		if ((err = rd_header(r, line)))
			return err;
		if (++r->header_next == N_HEADER)
			r->state = RD_BODY;
		return 0;
	}
	if (line[0] == ' ') {
		if (r->state == RD_COMPONENT)
			return rd_in_component(r, line);
		if (r->state == RD_FAMILY || r->state == RD_BAND)
			return rd_in_family(r, line);
		return rd_fail(r, SXS_EFORMAT, "indented line outside a component or family");
	}
	if ((err = close_component(r)))
		return err;
	if (!strncmp(line, "component ", 10)) {
		if (r->m->nfamilies)
			return rd_fail(r, SXS_EFORMAT, "component after the families");
		return rd_component(r, line);
	}
	if (!strncmp(line, "family ", 7)) {
		if (r->m->packages)
			return rd_fail(r, SXS_EFORMAT, "family after the packages");
		return rd_family(r, line);
	}
	if (!strcmp(line, "packages listed")) {
		if (r->m->packages)
			return rd_fail(r, SXS_EFORMAT, "a second 'packages listed' line");
		if (!(r->m->packages = sxs_packages_new()))
			return sxs_diag_set(r->diag, SXS_ENOMEM, "out of memory");
		r->m->packages->have_listing = true;
		return 0;
	}
	if (!strncmp(line, "package ", 8))
		return rd_package(r, line);
	if (!strncmp(line, "end ", 4))
		return rd_end(r, line, len);
	return rd_fail(r, SXS_EFORMAT, "unknown record");
}

int sxs_reference_read(int fd, const char *display, struct sxs_model *m, struct sxs_diag *diag)
{
	struct reader r = {.fd = fd, .display = display, .diag = diag, .m = m};
	char *line = NULL;
	size_t len = 0;
	int err;

	r.buf = sxs_malloc(READ_CHUNK + SXS_REF_MAX_LINE + 2);
	if (!r.buf) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
		goto out;
	}
	if ((err = sxs_digest_new(SXS_DIGEST_SHA256, &r.sha))) {
		sxs_diag_set(diag, -err, "cannot set up SHA-256");
		goto out;
	}
	while ((err = rd_getline(&r, &line, &len)) == 1) {
		if (r.lineno > SXS_REF_MAX_LINES) {
			err = rd_fail(&r, SXS_ELIMIT, "more than %u lines", SXS_REF_MAX_LINES);
			goto out;
		}
		bool is_end = r.state != RD_HEADER && r.state != RD_DONE && !strncmp(line, "end ", 4);
		if (!is_end && r.state != RD_DONE) {
			/* the digest covers every line before the end line, newline included */
			line[len] = '\n';
			err = sxs_digest_update(r.sha, line, len + 1);
			line[len] = '\0';
			if (err) {
				sxs_diag_set(diag, -err, "digest failed");
				goto out;
			}
		}
		if ((err = rd_line(&r, line, len)))
			goto out;
	}
	if (err)
		goto out;
	if (r.state != RD_DONE) {
		r.lineno++;
		err = rd_fail(&r, SXS_ETRUNC,
		              r.lineno == 1 ? "empty file" : "no end line (file truncated?)");
		goto out;
	}
	err = sxs_model_index(m);
	if (err)
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
out:
	sxs_digest_free(r.sha);
	sxs_free(r.buf);
	if (err)
		sxs_model_release(m);
	return err;
}
