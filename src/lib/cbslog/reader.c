/* SPDX-License-Identifier: MIT */
/*
 * Servicing log records: encodings, physical lines, continuation lines
 * (../shared/docs/cbslog.md §2 and §3; the rules are explained in reader.h).
 */
#include "cbslog/reader.h"

#include <string.h>

#include "util/alloc.h"
#include "util/strbuf.h"

/* Column where the message starts on every build (cbslog.md §3, measured over ~260,000 records). */
#define MSG_COL 50
#define LEVEL_COL 21

struct sxs_cbslog_reader {
	sxs_cbslog_record_fn fn;
	void *ctx;
	int err; /* sticky */

	/* encoding detection: the first bytes are held until 4 are seen */
	bool decided;
	uint8_t det[4];
	size_t ndet;
	bool first_chunk_done;

	/* UTF-16 transcoding state */
	bool have_odd;
	uint8_t odd;
	uint32_t hi_surrogate;   /* pending high surrogate, 0 if none */
	struct sxs_strbuf u8;    /* transcoded chunk */

	/* physical line assembly */
	struct sxs_strbuf carry; /* partial line carried over from the previous chunk */
	bool carry_overflow;     /* the line being carried is over the limit */
	struct sxs_strbuf scratch;

	/* current record */
	bool have_rec;
	struct sxs_cbslog_record cur;
	struct sxs_strbuf rec;
	bool rec_full;

	struct sxs_cbslog_stats st;
};

static const char *const known_sources[] = {"CBS", "CSI", "DISM", "SXS", "DPX", "DEPLOY"};

int sxs_cbslog_reader_new(sxs_cbslog_record_fn fn, void *ctx, struct sxs_cbslog_reader **ret)
{
	struct sxs_cbslog_reader *r = sxs_calloc(1, sizeof(*r));
	if (!r)
		return -SXS_ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	sxs_strbuf_init(&r->u8);
	sxs_strbuf_init(&r->carry);
	sxs_strbuf_init(&r->scratch);
	sxs_strbuf_init(&r->rec);
	*ret = r;
	return 0;
}

void sxs_cbslog_reader_free(struct sxs_cbslog_reader *r)
{
	if (!r)
		return;
	sxs_strbuf_release(&r->u8);
	sxs_strbuf_release(&r->carry);
	sxs_strbuf_release(&r->scratch);
	sxs_strbuf_release(&r->rec);
	sxs_free(r);
}

const struct sxs_cbslog_stats *sxs_cbslog_reader_stats(const struct sxs_cbslog_reader *r)
{
	return &r->st;
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool sxs_cbslog_is_record_start(const char *s, size_t n)
{
	static const char pat[] = "dddd-dd-dd dd:dd:dd, ";
	if (n < sizeof(pat) - 1)
		return false;
	for (size_t i = 0; i < sizeof(pat) - 1; i++) {
		if (pat[i] == 'd') {
			if (!is_digit(s[i]))
				return false;
		} else if (s[i] != pat[i]) {
			return false;
		}
	}
	return true;
}

/* "[1804] [0x80070002] " — wimgapi writes these into Panther logs without a timestamp (cbslog.md §2) */
static bool is_wimgapi(const char *s, size_t n)
{
	size_t i = 0;
	if (n < 16 || s[0] != '[')
		return false;
	for (i = 1; i < n && is_digit(s[i]); i++)
		;
	if (i == 1 || i + 14 > n || s[i] != ']' || s[i + 1] != ' ' || s[i + 2] != '[' || s[i + 3] != '0' ||
	    (s[i + 4] != 'x' && s[i + 4] != 'X'))
		return false;
	for (size_t k = i + 5; k < i + 13; k++)
		if (!strchr("0123456789abcdefABCDEF", s[k]) || !s[k])
			return false;
	return s[i + 13] == ']';
}

static int ascii_ieq(const char *a, size_t n, const char *b)
{
	size_t m = strlen(b);
	if (n != m)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

static int emit(struct sxs_cbslog_reader *r)
{
	if (!r->have_rec)
		return 0;
	r->have_rec = false;
	if (sxs_strbuf_error(&r->rec))
		return -SXS_ENOMEM;
	r->cur.msg = sxs_strbuf_str(&r->rec);
	r->cur.msglen = r->rec.len;
	r->cur.truncated = r->rec_full;
	if (r->rec_full)
		r->st.truncated_records++;
	int rc = r->fn ? r->fn(r->ctx, &r->cur) : 0;
	return rc;
}

static void rec_add(struct sxs_cbslog_reader *r, const char *s, size_t n)
{
	if (r->rec_full)
		return;
	if (r->rec.len + n > SXS_MAX_CBSLOG_RECORD) {
		n = SXS_MAX_CBSLOG_RECORD - r->rec.len;
		r->rec_full = true;
	}
	sxs_strbuf_add(&r->rec, s, n);
}

static void start_record(struct sxs_cbslog_reader *r, const char *s, size_t n)
{
	struct sxs_cbslog_record *c = &r->cur;
	memset(c, 0, sizeof(*c));
	c->line = r->st.lines;
	c->nlines = 1;
	memcpy(c->ts, s, 19);
	c->ts[19] = '\0';

	size_t p = LEVEL_COL, w = p;
	while (w < n && ((s[w] >= 'a' && s[w] <= 'z') || (s[w] >= 'A' && s[w] <= 'Z')))
		w++;
	if (ascii_ieq(s + p, w - p, "info"))
		c->level = SXS_CBSLOG_INFO;
	else if (ascii_ieq(s + p, w - p, "warning"))
		c->level = SXS_CBSLOG_WARNING;
	else if (ascii_ieq(s + p, w - p, "error"))
		c->level = SXS_CBSLOG_ERROR;
	else
		c->level = SXS_CBSLOG_OTHER;

	size_t q = w;
	while (q < n && s[q] == ' ')
		q++;
	size_t t = q;
	while (t < n && s[t] != ' ' && s[t] != '\t')
		t++;
	size_t msg;
	bool known = false;
	for (size_t i = 0; i < sizeof(known_sources) / sizeof(*known_sources) && t > q; i++) {
		if (t - q == strlen(known_sources[i]) && !memcmp(s + q, known_sources[i], t - q)) {
			known = true;
			memcpy(c->source, s + q, t - q);
			c->source[t - q] = '\0';
			break;
		}
	}
	if (known) {
		size_t a = t;
		while (a < n && a < MSG_COL && s[a] == ' ')
			a++;
		if (a == MSG_COL || a == n) {
			msg = a;
		} else {
			msg = t;
			while (msg < n && s[msg] == ' ')
				msg++;
		}
	} else {
		/* empty source column (24H2) or an overflowing token: the message starts at column 50 */
		msg = (q >= MSG_COL && n >= MSG_COL) ? MSG_COL : q;
	}
	if (known || q >= MSG_COL)
		r->st.known_source_records++;
	if (msg > n)
		msg = n;

	r->st.records++;
	if (!r->st.first_ts[0])
		memcpy(r->st.first_ts, c->ts, 20);
	if (r->st.last_ts[0] && strcmp(c->ts, r->st.last_ts) < 0)
		r->st.ts_inversions++;
	memcpy(r->st.last_ts, c->ts, 20);

	sxs_strbuf_reset(&r->rec);
	r->rec_full = false;
	rec_add(r, s + msg, n - msg);
	r->have_rec = true;
}

static int process_line(struct sxs_cbslog_reader *r, const char *s, size_t n)
{
	int rc;
	r->st.lines++;
	/* a BOM at the start of a line (logs concatenated by hand) is dropped */
	if (n >= 3 && (uint8_t)s[0] == 0xEF && (uint8_t)s[1] == 0xBB && (uint8_t)s[2] == 0xBF) {
		s += 3;
		n -= 3;
	}
	if (memchr(s, '\0', n)) {
		sxs_strbuf_reset(&r->scratch);
		sxs_strbuf_add(&r->scratch, s, n);
		if (sxs_strbuf_error(&r->scratch))
			return -SXS_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (!r->scratch.buf[i]) {
				r->scratch.buf[i] = '?';
				r->st.nul_bytes++;
			}
		}
		s = r->scratch.buf;
	}
	if (sxs_cbslog_is_record_start(s, n)) {
		if ((rc = emit(r)))
			return rc;
		start_record(r, s, n);
	} else if (is_wimgapi(s, n)) {
		if ((rc = emit(r)))
			return rc;
		memset(&r->cur, 0, sizeof(r->cur));
		r->cur.line = r->st.lines;
		r->cur.nlines = 1;
		r->cur.level = SXS_CBSLOG_NONE;
		strcpy(r->cur.source, "wimgapi");
		sxs_strbuf_reset(&r->rec);
		r->rec_full = false;
		rec_add(r, s, n);
		r->have_rec = true;
		r->st.wimgapi_lines++;
	} else if (r->have_rec) {
		rec_add(r, "\n", 1);
		rec_add(r, s, n);
		r->cur.nlines++;
		r->st.continuation_lines++;
	} else {
		if (!r->st.leading_junk_lines) {
			size_t k = n < sizeof(r->st.first_junk) - 1 ? n : sizeof(r->st.first_junk) - 1;
			memcpy(r->st.first_junk, s, k);
			r->st.first_junk[k] = '\0';
		}
		r->st.leading_junk_lines++;
		/* handed on as an untimestamped "text" record: CheckSUR.log has no timestamps at all */
		memset(&r->cur, 0, sizeof(r->cur));
		r->cur.line = r->st.lines;
		r->cur.nlines = 1;
		r->cur.level = SXS_CBSLOG_NONE;
		strcpy(r->cur.source, "text");
		sxs_strbuf_reset(&r->rec);
		r->rec_full = false;
		rec_add(r, s, n);
		r->have_rec = true;
		if ((rc = emit(r)))
			return rc;
	}
	return sxs_strbuf_error(&r->rec);
}

/* One complete physical line (terminator removed); handles the carried part. */
static int line_done(struct sxs_cbslog_reader *r, const char *s, size_t n, char term)
{
	const char *line = s;
	size_t len = n;
	if (r->carry.len || r->carry_overflow) {
		if (!r->carry_overflow) {
			size_t room = SXS_MAX_CBSLOG_RECORD - r->carry.len;
			sxs_strbuf_add(&r->carry, s, n < room ? n : room);
			if (sxs_strbuf_error(&r->carry))
				return -SXS_ENOMEM;
		}
		line = r->carry.buf;
		len = r->carry.len;
	}
	if (term == '\n') {
		if (len && line[len - 1] == '\r') {
			len--;
			r->st.crlf++;
		} else {
			r->st.bare_lf++;
		}
	} else if (term == '\r') {
		r->st.bare_cr++;
	} else if (len && line[len - 1] == '\r') {
		len--; /* the last line, without its LF */
	}
	int rc = process_line(r, line, len);
	sxs_strbuf_reset(&r->carry);
	r->carry_overflow = false;
	return rc;
}

static void carry_add(struct sxs_cbslog_reader *r, const char *s, size_t n)
{
	if (r->carry_overflow)
		return;
	if (r->carry.len + n > SXS_MAX_CBSLOG_RECORD) {
		n = SXS_MAX_CBSLOG_RECORD - r->carry.len;
		r->carry_overflow = true;
	}
	sxs_strbuf_add(&r->carry, s, n);
}

#define EOL_PROBE 65536

static int split_lines(struct sxs_cbslog_reader *r, const char *s, size_t n)
{
	char term = r->st.cr_mode ? '\r' : '\n';
	while (n) {
		const char *e = memchr(s, term, n);
		if (!e) {
			carry_add(r, s, n);
			return sxs_strbuf_error(&r->carry);
		}
		int rc = line_done(r, s, (size_t)(e - s), term);
		if (rc)
			return rc;
		n -= (size_t)(e - s) + 1;
		s = e + 1;
	}
	return 0;
}

/*
 * Line ends are decided on the first 64 KiB of text, whatever the feeds:
 * LF if one occurs there, else CR if one does (a file with lone CRs only),
 * else LF.  Until then the text is held (no line has been read yet).
 */
static int decide_eol(struct sxs_cbslog_reader *r)
{
	r->first_chunk_done = true;
	const char *held = r->carry.buf ? r->carry.buf : "";
	size_t n = r->carry.len;
	r->st.cr_mode = !memchr(held, '\n', n) && memchr(held, '\r', n);
	/* take the held text out of carry and split it */
	char *copy = n ? sxs_malloc(n) : NULL;
	if (n && !copy)
		return -SXS_ENOMEM;
	if (n)
		memcpy(copy, held, n);
	sxs_strbuf_reset(&r->carry);
	int rc = split_lines(r, copy ? copy : "", n);
	sxs_free(copy);
	return rc;
}

static int split_utf8(struct sxs_cbslog_reader *r, const char *s, size_t n)
{
	if (!r->first_chunk_done) {
		size_t room = EOL_PROBE - r->carry.len;
		size_t take = n < room ? n : room;
		const char *lf = memchr(s, '\n', take);
		if (lf)
			take = (size_t)(lf - s) + 1;
		sxs_strbuf_add(&r->carry, s, take);
		if (sxs_strbuf_error(&r->carry))
			return -SXS_ENOMEM;
		s += take;
		n -= take;
		if (!lf && r->carry.len < EOL_PROBE)
			return 0;
		int rc = decide_eol(r);
		if (rc)
			return rc;
	}
	return split_lines(r, s, n);
}

static void put_utf8(struct sxs_strbuf *out, uint32_t cp)
{
	char b[4];
	size_t k;
	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	sxs_strbuf_add(out, b, k);
}

static void utf16_unit(struct sxs_cbslog_reader *r, uint32_t u)
{
	if (r->hi_surrogate) {
		if (u >= 0xDC00 && u <= 0xDFFF) {
			put_utf8(&r->u8, 0x10000 + ((r->hi_surrogate - 0xD800) << 10) + (u - 0xDC00));
			r->hi_surrogate = 0;
			return;
		}
		put_utf8(&r->u8, 0xFFFD);
		r->hi_surrogate = 0;
	}
	if (u >= 0xD800 && u <= 0xDBFF)
		r->hi_surrogate = u;
	else if (u >= 0xDC00 && u <= 0xDFFF)
		put_utf8(&r->u8, 0xFFFD);
	else
		put_utf8(&r->u8, u);
}

static int feed_utf16(struct sxs_cbslog_reader *r, const uint8_t *p, size_t n)
{
	bool le = r->st.encoding == SXS_CBSLOG_UTF16LE;
	while (n) {
		sxs_strbuf_reset(&r->u8);
		size_t take = n < 65536 ? n : 65536;
		size_t i = 0;
		if (r->have_odd && take) {
			uint8_t a = r->odd, b = p[0];
			utf16_unit(r, le ? (uint32_t)(a | (b << 8)) : (uint32_t)((a << 8) | b));
			r->have_odd = false;
			i = 1;
		}
		for (; i + 1 < take; i += 2)
			utf16_unit(r, le ? (uint32_t)(p[i] | (p[i + 1] << 8)) : (uint32_t)((p[i] << 8) | p[i + 1]));
		if (i < take) {
			r->odd = p[i];
			r->have_odd = true;
		}
		if (sxs_strbuf_error(&r->u8))
			return -SXS_ENOMEM;
		int rc = split_utf8(r, r->u8.buf ? r->u8.buf : "", r->u8.len);
		if (rc)
			return rc;
		p += take;
		n -= take;
	}
	return 0;
}

static int feed_decided(struct sxs_cbslog_reader *r, const uint8_t *p, size_t n)
{
	if (r->st.encoding == SXS_CBSLOG_UTF8)
		return split_utf8(r, (const char *)p, n);
	return feed_utf16(r, p, n);
}

/* Decide the encoding from the first bytes (up to 4) and feed them. */
static int decide(struct sxs_cbslog_reader *r)
{
	const uint8_t *d = r->det;
	size_t n = r->ndet, skip = 0;
	r->decided = true;
	if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
		r->st.bom = true;
		skip = 3;
	} else if (n >= 2 && d[0] == 0xFF && d[1] == 0xFE) {
		r->st.encoding = SXS_CBSLOG_UTF16LE;
		r->st.bom = true;
		skip = 2;
	} else if (n >= 2 && d[0] == 0xFE && d[1] == 0xFF) {
		r->st.encoding = SXS_CBSLOG_UTF16BE;
		r->st.bom = true;
		skip = 2;
	} else if (n >= 4 && d[0] && !d[1] && d[2] && !d[3] && d[0] < 0x80 && d[2] < 0x80) {
		r->st.encoding = SXS_CBSLOG_UTF16LE; /* "2\0" "0\0": UTF-16LE without BOM */
	} else if (n >= 4 && !d[0] && d[1] && !d[2] && d[3] && d[1] < 0x80 && d[3] < 0x80) {
		r->st.encoding = SXS_CBSLOG_UTF16BE;
	}
	return feed_decided(r, d + skip, n - skip);
}

int sxs_cbslog_reader_feed(struct sxs_cbslog_reader *r, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (r->err)
		return r->err;
	r->st.bytes += len;
	if (!r->decided) {
		while (len && r->ndet < 4) {
			r->det[r->ndet++] = *p++;
			len--;
		}
		if (r->ndet < 4)
			return 0;
		if ((r->err = decide(r)))
			return r->err;
	}
	if (len)
		r->err = feed_decided(r, p, len);
	return r->err;
}

int sxs_cbslog_reader_end(struct sxs_cbslog_reader *r)
{
	if (r->err)
		return r->err;
	if (!r->decided && (r->err = decide(r)))
		return r->err;
	if (r->have_odd || r->hi_surrogate) {
		sxs_strbuf_reset(&r->u8);
		put_utf8(&r->u8, 0xFFFD);
		r->have_odd = false;
		r->hi_surrogate = 0;
		if ((r->err = split_utf8(r, r->u8.buf, r->u8.len)))
			return r->err;
	}
	if (!r->first_chunk_done && (r->err = decide_eol(r)))
		return r->err;
	if (r->carry.len || r->carry_overflow) {
		if ((r->err = line_done(r, "", 0, '\0')))
			return r->err;
	}
	r->err = emit(r);
	return r->err;
}

const char *sxs_cbslog_eol_name(const struct sxs_cbslog_stats *st)
{
	if (st->cr_mode)
		return "cr";
	if (st->crlf && st->bare_lf)
		return st->crlf >= st->bare_lf ? "crlf-with-embedded-lf" : "lf";
	if (st->crlf)
		return "crlf";
	if (st->bare_lf)
		return "lf";
	return "none";
}
