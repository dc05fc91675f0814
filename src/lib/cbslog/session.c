/* SPDX-License-Identifier: MIT */
/*
 * From records to servicing operations (../shared/docs/cbslog.md §4-§8,
 * §11): TrustedInstaller runs, sessions, package executions, corruption
 * sessions (/ScanHealth, /RestoreHealth), SFC runs, boot-time startup
 * processing, DISM command lines; and the health findings beside them:
 * summary blocks, (p) lines, [SR] findings, hydration failures, the build.
 *
 * The log is read once, front to back.  The walk back "inside the failing
 * session to the first record with the result code" (§0 item 5) is done
 * forward: while an operation is open, the first record of every failure
 * code is remembered (harmless lines of §8.1 excluded), so the origin is
 * known when the result arrives.  CSI records carry no session: they
 * belong to whatever operation is open (§8 step 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "cbslog/cbslog.h"
#include "cbslog/internal.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/map.h"
#include "util/strbuf.h"

#define MAX_OPS 20000         /* operations kept; failed ones are kept beyond it */
#define MAX_CODES_PER_OP 128  /* distinct failure codes remembered per open operation */
#define MAX_NAMES 1024        /* distinct codes counted per log */
#define MAX_ITEMS 10000       /* (p) lines, SFC items, hydration failures per log (their dedupe is quadratic) */
#define RING 6                /* failure records kept before a result */
#define TEXT_MAX 512

struct code_seen {
	uint32_t code;
	uint64_t line;
	char *text;
};

struct op_priv {
	struct code_seen *codes;
	size_t n, cap;
	struct sxs_cbs_line ring[RING];
	size_t ring_n, ring_pos;
	bool startup_failed;
	uint32_t fail_code;
	uint64_t fail_line;
	char *fail_text;
	uint32_t wer_code;  /* "WER: Generating failure report for package: P, status: X" */
	uint64_t wer_line;
};

struct name_entry {
	uint32_t code;
	unsigned count;
	char *name; /* printed in the log, or NULL */
};

struct sxs_cbs_analyzer {
	struct sxs_cbs_log *log;
	size_t *open;
	size_t nopen, capopen;
	char last_session[80];
	char last_client[120];
	long sum_idx;       /* summary being read, -1 none */
	long sfc_idx;       /* SFC run open, -1 none */
	long sfc_op;
	long startup_op;
	long dism_op;
	char *delta_type;   /* from the "Hydration failed with error ... Delta Type:" line before */
	char *last_installer;
	char *ai_err_name;                  /* "(F) Installer: N<TAB>Binary Name: B<TAB>ErrorCode: X" */
	uint32_t ai_err_code;
	uint64_t ai_err_line;
	uint64_t last_line, last_line_next; /* last physical line of the previous record, of this one */
	char addsource_session[80];         /* "Exec: Addsource called, Session: S" */
	uint32_t addsource[8];
	size_t naddsource;
	struct code_seen orphan[16];        /* failure codes while no operation is open (a copy that starts mid-operation) */
	size_t norphan;
	struct sxs_map seen;                /* dedupe of SFC items, SFC paths and hydration failures */
	struct sxs_strbuf key;
	size_t caps[8];
	int err;
};

struct sxs_cbs_names {
	struct name_entry *v;
	size_t n, cap;
};

/* ---- small helpers ---- */

static bool starts(const char *m, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	return n >= k && !memcmp(m, lit, k);
}

static const char *find(const char *m, size_t n, const char *lit)
{
	return sxs_cbs_memmem(m, n, lit, strlen(lit));
}

#define hexval sxs_hex_digit

/* Exactly 8 hex digits at p (not followed by a 9th); *end_ret after them. */
static bool hex8(const char *p, const char *end, uint32_t *ret, const char **end_ret)
{
	uint32_t v = 0;
	if (end - p < 8)
		return false;
	for (int i = 0; i < 8; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return false;
		v = (v << 4) | (uint32_t)h;
	}
	if (end - p > 8 && hexval(p[8]) >= 0)
		return false;
	*ret = v;
	if (end_ret)
		*end_ret = p + 8;
	return true;
}

/* "0x" + up to 8 hex digits (short forms like "0x0" of summaries) */
static bool hexnum(const char *p, const char *end, uint32_t *ret)
{
	if (end - p < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return false;
	p += 2;
	uint64_t v = 0;
	int k = 0;
	while (p < end && hexval(*p) >= 0 && k < 9) {
		v = (v << 4) | (uint64_t)hexval(*p++);
		k++;
	}
	if (!k || k > 8)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static char *dupn(const char *s, size_t n)
{
	return sxs_strndup(s, n);
}

/* The record's first physical line, cut. */
static char *first_line(const char *m, size_t n)
{
	const char *nl = memchr(m, '\n', n);
	size_t k = nl ? (size_t)(nl - m) : n;
	if (k > TEXT_MAX)
		k = TEXT_MAX;
	return dupn(m, k);
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool sxs_cbs_is_failure(uint32_t code)
{
	if (!(code & 0x80000000u))
		return false; /* S_OK, S_FALSE, CBS_S_*, WU_S_*: success severity */
	switch (code) {
	case 0x80070BC2: /* ERROR_SUCCESS_REBOOT_REQUIRED: a success (cbslog.md §0.6) */
	case 0x80070BC3: /* ERROR_SUCCESS_RESTART_REQUIRED */
	case 0x800F0833: /* CBS_S_STACK_RESTART_REQUIRED */
	/* CBS_E_DPX_JOB_STATE_SAVED: the download job was saved to resume later, a pause of an
	   express install, not its failure [I: name from cbslog.md 9.1; no public log shows it failing] */
	case 0x800F0816:
		return false;
	}
	return true;
}

/* ---- growable arrays ---- */

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 8;
	void *p = sxs_reallocarray(v, nc, size);
	if (!p)
		return NULL;
	memset((char *)p + *cap * size, 0, (nc - *cap) * size);
	*cap = nc;
	return p;
}

#define PUSH(an, arr, count, capslot)                                                        \
	({                                                                                   \
		__typeof__(arr) _p = grow((arr), &(an)->caps[capslot], (count), sizeof(*(arr))); \
		if (_p)                                                                      \
			(arr) = _p;                                                          \
		_p ? &(arr)[(count)++] : NULL;                                               \
	})

enum { CAP_OPS, CAP_SUM, CAP_PL, CAP_COR, CAP_SFC, CAP_HYD, CAP_BUILD, CAP_OPEN };

/* ---- printed names and counts ---- */

static struct sxs_cbs_names *names_of(struct sxs_cbs_log *log)
{
	if (!log->names)
		log->names = sxs_calloc(1, sizeof(struct sxs_cbs_names));
	return log->names;
}

static void note_code(struct sxs_cbs_analyzer *an, uint32_t code, const char *name, size_t namelen)
{
	struct sxs_cbs_names *nm = names_of(an->log);
	if (!nm) {
		an->err = -SXS_ENOMEM;
		return;
	}
	for (size_t i = 0; i < nm->n; i++) {
		if (nm->v[i].code == code) {
			nm->v[i].count++;
			if (!nm->v[i].name && name && namelen)
				nm->v[i].name = dupn(name, namelen);
			return;
		}
	}
	if (nm->n >= MAX_NAMES)
		return;
	if (nm->n == nm->cap) {
		size_t nc = nm->cap ? nm->cap * 2 : 32;
		struct name_entry *p = sxs_reallocarray(nm->v, nc, sizeof(*p));
		if (!p) {
			an->err = -SXS_ENOMEM;
			return;
		}
		nm->v = p;
		nm->cap = nc;
	}
	struct name_entry *e = &nm->v[nm->n++];
	e->code = code;
	e->count = 1;
	e->name = (name && namelen) ? dupn(name, namelen) : NULL;
}

const char *sxs_cbs_printed_name(const struct sxs_cbs_log *log, uint32_t code)
{
	const struct sxs_cbs_names *nm = log->names;
	if (!nm)
		return NULL;
	for (size_t i = 0; i < nm->n; i++)
		if (nm->v[i].code == code)
			return nm->v[i].name;
	return NULL;
}

/* ---- code extraction (cbslog.md §3.1) ---- */

#define hit sxs_cbs_hit
#define MAX_HITS SXS_CBS_MAX_HITS
#define extract_codes sxs_cbs_extract_codes

static size_t add_hit(struct hit *h, size_t n, uint32_t code, const char *name, size_t namelen)
{
	for (size_t i = 0; i < n; i++) {
		if (h[i].code == code) {
			if (!h[i].name && name) {
				h[i].name = name;
				h[i].namelen = namelen;
			}
			return n;
		}
	}
	if (n >= MAX_HITS)
		return n;
	h[n].code = code;
	h[n].name = name;
	h[n].namelen = namelen;
	return n + 1;
}

/* Symbolic ERROR_x / STATUS_x name at p (up to a non-name character). */
static size_t symlen(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && (is_alnum(*q)))
		q++;
	return (size_t)(q - p);
}

/* Every failure code in a message (severity bit set), with the name Windows printed next to it. */
size_t sxs_cbs_extract_codes(const char *m, size_t n, struct sxs_cbs_hit *h)
{
	const char *end = m + n;
	size_t k = 0;
	/* which forms can occur at all: one scan each, instead of one per form */
	bool has_hr = find(m, n, "HRESULT") != NULL, st = find(m, n, "STATUS") != NULL;
	bool err = find(m, n, "[ERROR_") != NULL;
	for (const char *p = m; p + 10 <= end; p++) {
		p = memchr(p, 'x', (size_t)(end - p));
		if (!p)
			break;
		if (p == m || p[-1] != '0' || (p - 1 > m && (is_alnum(p[-2]) || p[-2] == '@')))
			continue;
		uint32_t c;
		const char *e;
		if (!hex8(p + 1, end, &c, &e) || !(c & 0x80000000u))
			continue;
		const char *name = NULL;
		size_t nl = 0;
		if (end - e > 3 && !memcmp(e, " - ", 3)) {
			const char *b = memchr(e + 3, ']', (size_t)(end - e - 3));
			if (b && b - (e + 3) < 120) {
				name = e + 3;
				nl = (size_t)(b - name);
				if (nl == 13 && !memcmp(name, "Unknown Error", 13))
					name = NULL, nl = 0; /* CBS prints this for codes it does not own (§0.7) */
			}
		}
		k = add_hit(h, k, c, name, nl);
	}
	/* DISM: "HRESULT=80070BC9" (no 0x, upper case) */
	for (const char *p = m; has_hr && (p = find(p, (size_t)(end - p), "HRESULT=")); p += 8) {
		uint32_t c;
		const char *q = p + 8;
		if (end - q >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			q += 2;
		if (hex8(q, end, &c, NULL) && (c & 0x80000000u))
			k = add_hit(h, k, c, NULL, 0);
	}
	/* CSI: "with NTSTATUS -1073283059" (decimal) */
	for (const char *p = m; st && (p = find(p, (size_t)(end - p), "NTSTATUS -")); p += 10) {
		const char *q = p + 10;
		uint64_t v = 0;
		int d = 0;
		while (q < end && *q >= '0' && *q <= '9' && d < 11) {
			v = v * 10 + (uint64_t)(*q++ - '0');
			d++;
		}
		if (d && v <= 0x80000000u && v)
			k = add_hit(h, k, (uint32_t)(0x100000000ull - v), NULL, 0);
	}
	/* NTSTATUS_FROM_WIN32(ERROR_x), HRESULT_FROM_WIN32(ERROR_x | 14098) */
	for (const char *p = m; (has_hr || st) && (p = find(p, (size_t)(end - p), "_FROM_WIN32(")); p += 12) {
		bool nt = p - m >= 8 && !memcmp(p - 8, "NTSTATUS", 8);
		bool hr = p - m >= 7 && !memcmp(p - 7, "HRESULT", 7);
		if (!nt && !hr)
			continue;
		const char *a = p + 12;
		size_t l = symlen(a, end);
		uint32_t w = 0;
		bool ok = false;
		if (l && a[0] >= '0' && a[0] <= '9') {
			for (size_t i = 0; i < l && i < 6; i++)
				w = w * 10 + (uint32_t)(a[i] - '0');
			ok = w && w <= 0xFFFF;
		} else {
			ok = sxs_hresult_by_name(a, l, &w);
		}
		if (!ok)
			continue;
		/* NTSTATUS_FROM_WIN32(ERROR_x) is the name CSI prints; HRESULT_FROM_WIN32(ERROR_x) is ERROR_x in CBS's [HRESULT] form */
		const char *name = nt ? p - 8 : a;
		const char *close = memchr(a, ')', (size_t)(end - a));
		size_t nl = close ? (size_t)(nt ? close + 1 - name : close - name) : 0;
		if (!nt && a[0] >= '0' && a[0] <= '9')
			nl = 0;
		k = add_hit(h, k, (nt ? 0xC0070000u : 0x80070000u) | (w & 0xFFFF), nl ? name : NULL, nl);
	}
	/* symbolic NTSTATUS: "(F) STATUS_DELETE_PENDING #..." */
	for (const char *p = m; st && (p = find(p, (size_t)(end - p), "STATUS_")); p += 7) {
		if (p > m && (is_alnum(p[-1])))
			continue;
		size_t l = symlen(p, end);
		uint32_t c;
		if (sxs_hresult_by_name(p, l, &c))
			k = add_hit(h, k, c, p, l);
	}
	/* "[ERROR_DIRECTORY]" */
	for (const char *p = m; err && (p = find(p, (size_t)(end - p), "[ERROR_")); p += 7) {
		size_t l = symlen(p + 1, end);
		uint32_t w;
		if (p + 1 + l < end && p[1 + l] == ']' && sxs_hresult_by_name(p + 1, l, &w))
			k = add_hit(h, k, 0x80070000u | w, p + 1, l);
	}
	return k;
}

/* The result of a result line: "[HRESULT = 0x...]", else "hr: 0x...", else the first code. */
static bool result_code(const char *m, size_t n, uint32_t *code_ret)
{
	const char *end = m + n, *p;
	if ((p = find(m, n, "[HRESULT ="))) {
		/* "[HRESULT = 0x800f0922 - ...]"; on 14393 the bracket may wrap: "[HRESULT =\n0x800f0922" (cbslog.md 4.4) */
		p += 10;
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\r'))
			p++;
		if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			return hex8(p + 2, end, code_ret, NULL);
	}
	if ((p = find(m, n, "hr: 0x")))
		return hex8(p + 6, end, code_ret, NULL);
	if ((p = find(m, n, "(hr:0x")))
		return hex8(p + 6, end, code_ret, NULL);
	if ((p = find(m, n, "HRESULT=")))
		return hexnum(p + 8, end, code_ret) || hex8(p + 8, end, code_ret, NULL);
	struct hit h[MAX_HITS];
	if (extract_codes(m, n, h)) {
		*code_ret = h[0].code;
		return true;
	}
	return false;
}

/* ---- operations ---- */

static void orphans_clear(struct sxs_cbs_analyzer *an)
{
	for (size_t i = 0; i < an->norphan; i++)
		sxs_free(an->orphan[i].text);
	an->norphan = 0;
}

static struct sxs_cbs_op *op_at(struct sxs_cbs_analyzer *an, long i)
{
	return i >= 0 ? &an->log->ops[i] : NULL;
}

static long new_op(struct sxs_cbs_analyzer *an, enum sxs_cbs_op_type type,
                   const struct sxs_cbslog_record *rec, bool open)
{
	struct sxs_cbs_log *log = an->log;
	if (log->nops >= MAX_OPS) {
		/* drop the oldest operation that did not fail */
		size_t i;
		for (i = 0; i < log->nops; i++) {
			bool isopen = false;
			for (size_t k = 0; k < an->nopen; k++)
				isopen |= an->open[k] == i;
			if (!log->ops[i].failed && !isopen && (long)i != an->sfc_op &&
			    (long)i != an->startup_op && (long)i != an->dism_op)
				break;
		}
		if (i == log->nops)
			return -1;
		struct sxs_cbs_op *o = &log->ops[i];
		sxs_cbs_op_release(o); /* keep the array compact: release and shift */
		memmove(o, o + 1, (log->nops - i - 1) * sizeof(*o));
		log->nops--;
		log->ops_dropped++;
		for (size_t k = 0; k < an->nopen; k++)
			if (an->open[k] > i)
				an->open[k]--;
		if (an->sfc_op > (long)i)
			an->sfc_op--;
		if (an->startup_op > (long)i)
			an->startup_op--;
		if (an->dism_op > (long)i)
			an->dism_op--;
	}
	struct sxs_cbs_op *op = PUSH(an, log->ops, log->nops, CAP_OPS);
	if (!op) {
		an->err = -SXS_ENOMEM;
		return -1;
	}
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->start_line = op->end_line = rec->line;
	memcpy(op->start_ts, rec->ts, sizeof(op->start_ts));
	op->parsed = true;
	long idx = (long)(log->nops - 1);
	if (open) {
		orphans_clear(an);
		op->priv = sxs_calloc(1, sizeof(struct op_priv));
		size_t *slot = PUSH(an, an->open, an->nopen, CAP_OPEN);
		if (!op->priv || !slot) {
			an->err = -SXS_ENOMEM;
			if (slot)
				an->nopen--;
			return idx;
		}
		*slot = (size_t)idx;
	}
	return idx;
}

/*
 * An operation first seen at its end ("Exec: Processing complete" or a failure
 * report with no "Processing started" in the file): the failure codes of the
 * records before it become its own, so its origin is walked back (cbslog.md 0.5).
 */
static long new_op_adopting(struct sxs_cbs_analyzer *an, enum sxs_cbs_op_type type,
                            const struct sxs_cbslog_record *rec)
{
	struct code_seen saved[sizeof(an->orphan) / sizeof(*an->orphan)];
	size_t ns = an->norphan;
	memcpy(saved, an->orphan, ns * sizeof(*saved));
	an->norphan = 0;
	long idx = new_op(an, type, rec, true);
	struct sxs_cbs_op *op = op_at(an, idx);
	struct op_priv *pv = op ? op->priv : NULL;
	if (pv && ns && (pv->codes = sxs_calloc(ns, sizeof(*pv->codes)))) {
		memcpy(pv->codes, saved, ns * sizeof(*saved));
		pv->n = pv->cap = ns;
		ns = 0;
	}
	for (size_t i = 0; i < ns; i++)
		sxs_free(saved[i].text);
	return idx;
}

static void priv_free(struct sxs_cbs_op *op)
{
	struct op_priv *pv = op->priv;
	if (!pv)
		return;
	for (size_t i = 0; i < pv->n; i++)
		sxs_free(pv->codes[i].text);
	sxs_free(pv->codes);
	for (size_t i = 0; i < RING; i++)
		sxs_free(pv->ring[i].text);
	sxs_free(pv->fail_text);
	sxs_free(pv);
	op->priv = NULL;
}

void sxs_cbs_op_release(struct sxs_cbs_op *op)
{
	priv_free(op);
	sxs_free(op->client);
	sxs_free(op->session);
	sxs_free(op->package);
	sxs_free(op->identifier);
	sxs_free(op->kb);
	sxs_free(op->command);
	sxs_free(op->repair_source);
	sxs_free(op->origin.text);
	for (size_t i = 0; i < op->nevidence; i++)
		sxs_free(op->evidence[i].text);
	sxs_free(op->evidence);
	sxs_free(op->installer);
	sxs_free(op->subject_file);
}

static void unopen(struct sxs_cbs_analyzer *an, long idx)
{
	for (size_t k = 0; k < an->nopen; k++) {
		if ((long)an->open[k] == idx) {
			memmove(&an->open[k], &an->open[k + 1], (an->nopen - k - 1) * sizeof(*an->open));
			an->nopen--;
			return;
		}
	}
}

static bool is_open(struct sxs_cbs_analyzer *an, long idx)
{
	for (size_t k = 0; k < an->nopen; k++)
		if ((long)an->open[k] == idx)
			return true;
	return false;
}

/* KB number from an identifier ("KB5043080") or a package name (cbslog.md §3.2, §0.8). */
static char *kb_of(const char *s)
{
	if (!s)
		return NULL;
	for (const char *p = s; (p = strstr(p, "KB")); p += 2) {
		if (p > s && is_alnum(p[-1]) && p[-1] != '_')
			continue;
		size_t d = 0;
		while (p[2 + d] >= '0' && p[2 + d] <= '9')
			d++;
		if (d < 6 || d > 8 || is_alnum(p[2 + d]))
			continue;
		/* KB777777 / KB777778: placeholders of language and FoD packages (§0.8) */
		if (!strncmp(p, "KB777777", 8) || !strncmp(p, "KB777778", 8))
			continue;
		return dupn(p, 2 + d);
	}
	return NULL;
}

static void add_evidence(struct sxs_cbs_op *op, const struct sxs_cbs_line *l, int *err)
{
	for (size_t i = 0; i < op->nevidence; i++)
		if (op->evidence[i].line == l->line)
			return;
	struct sxs_cbs_line *p = sxs_reallocarray(op->evidence, op->nevidence + 1, sizeof(*p));
	if (!p) {
		*err = -SXS_ENOMEM;
		return;
	}
	op->evidence = p;
	p[op->nevidence].line = l->line;
	p[op->nevidence].text = l->text ? sxs_strdup(l->text) : NULL;
	op->nevidence++;
}

/* Close an operation with its result; find its origin. */
static void close_op(struct sxs_cbs_analyzer *an, long idx, bool has_result, uint32_t code,
                     const struct sxs_cbslog_record *rec)
{
	struct sxs_cbs_op *op = op_at(an, idx);
	if (!op)
		return;
	struct op_priv *pv = op->priv;
	if (rec)
		op->end_line = rec->line;
	uint64_t result_line = rec ? rec->line : op->end_line;
	if (!has_result && pv && pv->fail_code && op->type != SXS_OP_STARTUP && rec) {
		/* closed without an HRESULT after "Failed to perform operation [HRESULT = X]" inside it */
		has_result = true;
		code = pv->fail_code;
	}
	if (!has_result && pv && pv->fail_code && op->type == SXS_OP_STARTUP && pv->startup_failed) {
		/*
		 * Boot-time processing that stated its failure ("Startup: Failed to process
		 * advanced operation queue ... [HRESULT = 0x800f0922]") and never printed
		 * "Startup: Processing complete" in this file (the rollback reboot, or the
		 * file ends): the failure it stated is its result (cbslog.md 4.4).
		 */
		has_result = true;
		code = pv->fail_code;
		result_line = pv->fail_line;
	}
	if (!has_result && pv && pv->wer_code) {
		/*
		 * CBS generated a failure report with the package's status before the
		 * operation's end is in the file (truncated or rotated copy, restart):
		 * "WER: Generating failure report for package: P, status: X" is written
		 * only once the operation has failed with X (cbslog.md 3.1, 4.4).
		 */
		has_result = true;
		code = pv->wer_code;
		result_line = pv->wer_line;
	}
	if (has_result) {
		op->has_result = true;
		op->result = code;
		op->result_line = result_line;
		op->failed = sxs_cbs_is_failure(code);
	}
	if (op->failed && pv && !op->origin.line) {
		for (size_t i = 0; i < pv->n; i++) {
			if (pv->codes[i].code == op->result) {
				op->origin.line = pv->codes[i].line;
				op->origin.text = pv->codes[i].text;
				pv->codes[i].text = NULL;
				break;
			}
		}
		if (!op->origin.line && rec) {
			op->origin.line = rec->line;
			op->origin.text = first_line(rec->msg, rec->msglen);
		}
		/* the failure records just before the result, oldest first */
		for (size_t i = 0; i < pv->ring_n; i++) {
			size_t at = (pv->ring_pos + RING - pv->ring_n + i) % RING;
			add_evidence(op, &pv->ring[at], &an->err);
		}
	}
	priv_free(op);
	unopen(an, idx);
}

/* The open (or, when none is open, most recent) operation of a session. */
static long find_session_op(struct sxs_cbs_analyzer *an, const char *s, size_t n, bool open_only)
{
	for (size_t k = an->nopen; k-- > 0;) {
		struct sxs_cbs_op *op = &an->log->ops[an->open[k]];
		if (op->session && strlen(op->session) == n && !memcmp(op->session, s, n))
			return (long)an->open[k];
	}
	if (open_only)
		return -1;
	for (size_t i = an->log->nops; i-- > 0 && an->log->nops - i <= 16;) {
		struct sxs_cbs_op *op = &an->log->ops[i];
		if (op->session && strlen(op->session) == n && !memcmp(op->session, s, n))
			return (long)i;
	}
	return -1;
}

/* "Session: 30754339_543620214" → the id */
static size_t session_id(const char *p, const char *end, const char **id_ret)
{
	const char *q = p;
	while (q < end && (is_alnum(*q) || *q == '-' || *q == '.'))
		q++;
	*id_ret = p;
	return (size_t)(q - p);
}

/* Value of "Key: value" up to ", " or " [" or the end. */
static char *field(const char *m, size_t n, const char *key)
{
	const char *end = m + n, *p = find(m, n, key);
	if (!p)
		return NULL;
	p += strlen(key);
	const char *q = p;
	while (q < end && *q != '\n' && !(q[0] == ',' && q + 1 < end && q[1] == ' ') &&
	       !(q[0] == ' ' && q + 1 < end && q[1] == '['))
		q++;
	while (q > p && q[-1] == ' ')
		q--;
	return q > p ? dupn(p, (size_t)(q - p)) : NULL;
}

static void set_str(char **dst, char *v)
{
	if (!*dst)
		*dst = v;
	else
		sxs_free(v);
}

/* ---- build evidence (cbslog.md §0.10, §4.2) ---- */

static void build_ev(struct sxs_cbs_analyzer *an, uint64_t line, const char *what, const char *v,
                     size_t n)
{
	struct sxs_cbs_log *log = an->log;
	for (size_t i = 0; i < log->nbuild_ev; i++)
		if (!strcmp(log->build_ev[i].what, what))
			return; /* the first line of each kind is enough */
	while (n && (v[n - 1] == ' ' || v[n - 1] == '.' || v[n - 1] == '\''))
		n--;
	if (!n || n > 64)
		return;
	struct sxs_cbs_build_evidence *e = PUSH(an, log->build_ev, log->nbuild_ev, CAP_BUILD);
	if (!e || !(e->value = dupn(v, n))) {
		an->err = -SXS_ENOMEM;
		return;
	}
	e->line = line;
	e->what = what;
}

static size_t version_len(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
		q++;
	return (size_t)(q - p);
}

static void build_lines(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec)
{
	const char *m = rec->msg, *end = m + rec->msglen, *p;
	size_t n = rec->msglen;
	/* every line below but the two prefixed ones says "version"/"Version": one scan decides */
	if (!starts(m, n, "Loaded Servicing Stack v") && !starts(m, n, "Build: ") && !find(m, n, "ersion"))
		return;
	if (starts(m, n, "Loaded Servicing Stack v")) {
		p = m + 24;
		build_ev(an, rec->line, "servicing stack", p, version_len(p, end));
	} else if (starts(m, n, "Build: ") && n > 7 && m[7] >= '0' && m[7] <= '9') {
		const char *q = m + 7;
		while (q < end && *q != ' ' && *q != '\n')
			q++;
		build_ev(an, rec->line, "build", m + 7, (size_t)(q - m - 7));
	} else if (!strcmp(rec->source, "CSI") && (p = find(m, n, "WcpInitialize: wcp.dll version "))) {
		p += 31;
		build_ev(an, rec->line, "wcp.dll", p, version_len(p, end));
	} else if ((p = find(m, n, "WcpVersion: ["))) {
		const char *q = memchr(p, '\'', (size_t)(end - p));
		if (q)
			build_ev(an, rec->line, "WcpVersion", q + 1, version_len(q + 1, end));
	} else if ((p = find(m, n, "Target image information: OS Version="))) {
		p += strlen("Target image information: OS Version=");
		build_ev(an, rec->line, "target image", p, version_len(p, end));
	} else if ((p = find(m, n, "DismCore.dll version: "))) {
		p += 22;
		build_ev(an, rec->line, "DismCore.dll", p, version_len(p, end));
	} else if ((p = find(m, n, "Image session version: "))) {
		p += 23;
		build_ev(an, rec->line, "image session", p, version_len(p, end));
	}
}

/* ---- summaries, (p) lines, CheckSUR ---- */

static int64_t num_after_tab(const char *s, size_t n)
{
	const char *p = memchr(s, ':', n);
	if (!p)
		return -1;
	p++;
	while (p < s + n && (*p == '\t' || *p == ' '))
		p++;
	int64_t v = 0;
	int d = 0;
	while (p < s + n && *p >= '0' && *p <= '9' && d < 18) {
		v = v * 10 + (*p++ - '0');
		d++;
	}
	return d ? v : -1;
}

static void summary_line(struct sxs_cbs_analyzer *an, const char *s, size_t n, uint64_t line)
{
	struct sxs_cbs_log *log = an->log;
	if (n == 8 && !memcmp(s, "Summary:", 8)) {
		struct sxs_cbs_summary *sm = PUSH(an, log->summaries, log->nsummaries, CAP_SUM);
		if (!sm) {
			an->err = -SXS_ENOMEM;
			return;
		}
		memset(sm, 0, sizeof(*sm));
		sm->line = line;
		sm->total_detected = sm->cbs_manifest = sm->cbs_metadata = sm->csi_manifest = -1;
		sm->csi_metadata = sm->csi_payload = sm->total_repaired = sm->cbs_manifest_repaired = -1;
		sm->csi_manifest_repaired = sm->csi_payload_repaired = -1;
		sm->cbs_staged_packages = sm->cbs_staged_packages_removed = -1;
		sm->total_operation_time_s = -1;
		sm->csi_store_metadata_refreshed = -1;
		sm->csi_fileflags = sm->csi_fileflags_repaired = -1;
		sm->csi_registry_metadata_refreshed = -1;
		an->sum_idx = (long)log->nsummaries - 1;
		for (size_t k = an->nopen; k-- > 0;) {
			struct sxs_cbs_op *op = &log->ops[an->open[k]];
			if (op->type == SXS_OP_CORRUPTION || op->type == SXS_OP_RESTOREHEALTH ||
			    op->type == SXS_OP_SCANHEALTH) {
				op->summary_line = line;
				break;
			}
		}
		return;
	}
	if (an->sum_idx < 0)
		return;
	struct sxs_cbs_summary *sm = &log->summaries[an->sum_idx];
	while (n && (*s == '\t' || *s == ' '))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n)
		return;
#define IS(lit) (n >= sizeof(lit) - 1 && !memcmp(s, lit, sizeof(lit) - 1))
	if (IS("Operation: ")) {
		set_str(&sm->operation, dupn(s + 11, n - 11));
	} else if (IS("Operation result: ")) {
		sm->has_result = hexnum(s + 18, s + n, &sm->result);
		sm->result_line = line;
	} else if (IS("Last Successful Step: ")) {
		set_str(&sm->last_successful_step, dupn(s + 22, n - 22));
	} else if (IS("Total Detected Corruption:")) {
		sm->total_detected = num_after_tab(s, n);
	} else if (IS("CBS Manifest Corruption:")) {
		sm->cbs_manifest = num_after_tab(s, n);
	} else if (IS("CBS Metadata Corruption:")) {
		sm->cbs_metadata = num_after_tab(s, n);
	} else if (IS("CSI Manifest Corruption:")) {
		sm->csi_manifest = num_after_tab(s, n);
	} else if (IS("CSI Metadata Corruption:")) {
		sm->csi_metadata = num_after_tab(s, n);
	} else if (IS("CSI Payload Corruption:")) {
		sm->csi_payload = num_after_tab(s, n);
	} else if (IS("Total Repaired Corruption:")) {
		sm->total_repaired = num_after_tab(s, n);
	} else if (IS("CBS Manifest Repaired:")) {
		sm->cbs_manifest_repaired = num_after_tab(s, n);
	} else if (IS("CSI Manifest Repaired:")) {
		sm->csi_manifest_repaired = num_after_tab(s, n);
	} else if (IS("CSI Payload Repaired:")) {
		sm->csi_payload_repaired = num_after_tab(s, n);
	} else if (IS("CSI Store Metadata refreshed:")) {
		sm->csi_store_metadata_refreshed = find(s, n, "True") ? 1 : find(s, n, "False") ? 0 : -1;
	} else if (IS("CSI FileFlags Corrupt:")) {
		sm->csi_fileflags = num_after_tab(s, n);
	} else if (IS("CSI FileFlags Repaired:")) {
		sm->csi_fileflags_repaired = num_after_tab(s, n);
	} else if (IS("CSI Registry Metadata refreshed:")) {
		sm->csi_registry_metadata_refreshed = find(s, n, "True") ? 1 : find(s, n, "False") ? 0 : -1;
	} else if (IS("CBS Staged packages removed:")) {
		sm->cbs_staged_packages_removed = num_after_tab(s, n);
	} else if (IS("CBS Staged packages:")) {
		sm->cbs_staged_packages = num_after_tab(s, n);
	} else if (IS("Seconds executed:")) {
		/* CheckSUR (Windows 7): "Seconds executed: N", " Found N errors", " Fixed N errors" */
		sm->total_operation_time_s = num_after_tab(s, n);
		set_str(&sm->operation, sxs_strdup("CheckSUR"));
		sm->has_result = true;
		sm->result = 0;
	} else if ((IS("Found ") || IS("Fixed ")) && find(s, n, " error")) {
		int64_t v = 0;
		int d = 0;
		for (const char *p = s + 6; p < s + n && *p >= '0' && *p <= '9' && d < 18; p++, d++)
			v = v * 10 + (*p - '0');
		if (d) {
			if (s[1] == 'o')
				sm->total_detected = v;
			else
				sm->total_repaired = v;
			sm->complete = true;
		}
	} else if (IS("Total Operation Time:")) {
		const char *p = s + 21;
		while (p < s + n && *p == ' ')
			p++;
		int64_t v = 0;
		int d = 0;
		while (p < s + n && *p >= '0' && *p <= '9' && d < 18) {
			v = v * 10 + (*p++ - '0');
			d++;
		}
		sm->total_operation_time_s = d ? v : -1;
		sm->complete = true;
		an->sum_idx = -1;
	} else if (!IS("Staged Packages:") && !IS("Total ") && n > 2 && s[n - 1] != ':') {
		/* anything else ends the block (a summary cut short); a counter this
		   reader does not know ("CBS ...: N", "CSI ...: True", as 24H2 added
		   FileFlags and Registry Metadata) does not */
		bool counter = (IS("CBS ") || IS("CSI ")) && memchr(s, ':', n);
		if (!counter && !find(s, n, "Corruption") && !find(s, n, "Repaired"))
			an->sum_idx = -1;
	}
#undef IS
}

static void pline(struct sxs_cbs_analyzer *an, const char *s, size_t n, uint64_t line)
{
	struct sxs_cbs_log *log = an->log;
	bool fix = starts(s, n, "(fix)\t");
	if (log->nplines >= MAX_ITEMS)
		return;
	/* fields separated by TAB: (p) TYPE [flags...] ITEM (cbslog.md §6) */
	const char *f[16];
	size_t fl[16], nf = 0;
	const char *p = s, *end = s + n;
	while (p <= end && nf < 16) {
		const char *t = memchr(p, '\t', (size_t)(end - p));
		const char *e = t ? t : end;
		f[nf] = p;
		fl[nf] = (size_t)(e - p);
		nf++;
		if (!t)
			break;
		p = t + 1;
	}
	if (nf < 3 && starts(s, n, "(p) ")) {
		/*
		 * A copy whose TABs became spaces (pasted into a web page or a text
		 * file): "(p) CSI Payload Corrupt (n)  <keyform>\<file>".  The type
		 * ends at its word "Corrupt" or "Missing" (cbslog.md 6 types); flags are
		 * parenthesised tokens; the rest is the item.
		 */
		nf = 0;
		f[nf] = s;
		fl[nf++] = 3;
		p = s + 3;
		while (p < end && *p == ' ')
			p++;
		const char *ts = p, *te = NULL;
		while (p < end) {
			const char *w = p;
			while (p < end && *p != ' ')
				p++;
			if (((size_t)(p - w) == 7 && (!memcmp(w, "Corrupt", 7) || !memcmp(w, "Missing", 7)))) {
				te = p;
				break;
			}
			while (p < end && *p == ' ')
				p++;
		}
		if (!te)
			return;
		f[nf] = ts;
		fl[nf++] = (size_t)(te - ts);
		for (;;) {
			while (p < end && *p == ' ')
				p++;
			if (p < end && *p == '(' && nf < 15) {
				const char *w = p;
				while (p < end && *p != ' ' && *p != ')')
					p++;
				if (p < end && *p == ')') {
					p++;
					f[nf] = w;
					fl[nf++] = (size_t)(p - w);
					continue;
				}
				p = w;
			}
			break;
		}
		const char *ie = end;
		while (ie > p && (ie[-1] == ' ' || ie[-1] == '\r'))
			ie--;
		if (ie <= p)
			return;
		f[nf] = p;
		fl[nf++] = (size_t)(ie - p);
	}
	if (nf < 3)
		return;
	/* trailing empty fields */
	while (nf > 2 && fl[nf - 1] == 0)
		nf--;
	struct sxs_cbs_pline *pl = PUSH(an, log->plines, log->nplines, CAP_PL);
	if (!pl) {
		an->err = -SXS_ENOMEM;
		return;
	}
	memset(pl, 0, sizeof(*pl));
	pl->line = line;
	pl->fix = fix;
	pl->type = dupn(f[1], fl[1]);
	size_t last = nf - 1;
	/* CheckSUR: "(f) CBS MUM Corrupt 0x800F0900 servicing\Packages\x.mum Line 1:" */
	if (nf >= 4 && starts(f[0], fl[0], "(f") && fl[last] && starts(f[last], fl[last], "Line "))
		last--;
	pl->item = dupn(f[last], fl[last]);
	for (size_t i = 2; i < last; i++) {
		if (!fl[i])
			continue;
		char **fv = sxs_reallocarray(pl->flags, pl->nflags + 1, sizeof(char *));
		if (!fv) {
			an->err = -SXS_ENOMEM;
			return;
		}
		pl->flags = fv;
		fv[pl->nflags++] = dupn(f[i], fl[i]);
	}
	if (!pl->type || !pl->item)
		an->err = -SXS_ENOMEM;
}

/* ---- SFC (cbslog.md §4.6) ---- */

static struct sxs_cbs_sfc *sfc_cur(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec)
{
	struct sxs_cbs_log *log = an->log;
	if (an->sfc_idx < 0) {
		struct sxs_cbs_sfc *r = PUSH(an, log->sfc, log->nsfc, CAP_SFC);
		if (!r) {
			an->err = -SXS_ENOMEM;
			return NULL;
		}
		memset(r, 0, sizeof(*r));
		r->start_line = r->end_line = rec->line;
		an->sfc_idx = (long)log->nsfc - 1;
		an->sfc_op = new_op(an, SXS_OP_SFC, rec, false);
	}
	struct sxs_cbs_sfc *r = &log->sfc[an->sfc_idx];
	r->end_line = rec->line;
	struct sxs_cbs_op *op = op_at(an, an->sfc_op);
	if (op)
		op->end_line = rec->line;
	return r;
}

static void sfc_end(struct sxs_cbs_analyzer *an)
{
	an->sfc_idx = -1;
	an->sfc_op = -1;
}

/*
 * Seen before?  Key: a tag, the SFC run, then up to three strings; inserted
 * when new.  A hash set, so a log with thousands of items stays linear.
 */
static bool seen(struct sxs_cbs_analyzer *an, char tag, const char *a, size_t na, const char *b, size_t nb,
                 const char *c, size_t nc)
{
	struct sxs_strbuf *k = &an->key;
	sxs_strbuf_reset(k);
	sxs_strbuf_addf(k, "%c%ld\x1f", tag, an->sfc_idx);
	sxs_strbuf_add(k, a ? a : "", a ? na : 0);
	sxs_strbuf_addc(k, '\x1f');
	sxs_strbuf_add(k, b ? b : "", b ? nb : 0);
	sxs_strbuf_addc(k, '\x1f');
	sxs_strbuf_add(k, c ? c : "", c ? nc : 0);
	if (sxs_strbuf_error(k)) {
		an->err = -SXS_ENOMEM;
		return true;
	}
	if (sxs_map_has(&an->seen, k->buf, k->len))
		return true;
	if (sxs_map_put(&an->seen, k->buf, k->len, an))
		an->err = -SXS_ENOMEM;
	return false;
}

static void strv_add(struct sxs_cbs_analyzer *an, char tag, char ***v, size_t *n, const char *s, size_t len)
{
	if (*n >= MAX_ITEMS || seen(an, tag, s, len, NULL, 0, NULL, 0))
		return;
	char **p = sxs_reallocarray(*v, *n + 1, sizeof(char *));
	if (!p || !(p[*n] = dupn(s, len))) {
		if (p)
			*v = p;
		an->err = -SXS_ENOMEM;
		return;
	}
	*v = p;
	(*n)++;
}

/* "[l:13]'BCMWL63AL.SYS'" / "[l:36{18}]"Amd64\CNBJ2530.DPB"" → the text */
static bool counted(const char *p, const char *end, const char **s_ret, size_t *n_ret, const char **after)
{
	if (p >= end || *p != '[')
		return false;
	const char *b = memchr(p, ']', (size_t)(end - p));
	if (!b || b + 1 >= end || (b[1] != '\'' && b[1] != '"'))
		return false;
	char q = b[1];
	const char *e = memchr(b + 2, q, (size_t)(end - b - 2));
	if (!e)
		return false;
	*s_ret = b + 2;
	*n_ret = (size_t)(e - b - 2);
	if (after)
		*after = e + 1;
	return true;
}

/*
 * A component identity as CSI prints it:
 *   Win10+: "Name, version V, arch A, nonSxS, pkt {l:8 b:...}[, type ...]"
 *   Win7/8: "Name, Version = V, pA = PROCESSOR_ARCHITECTURE_AMD64 (9), Culture neutral, ..."
 */
static void parse_identity(const char *s, const char *end, struct sxs_cbs_item *it, int *err)
{
	const char *v = find(s, (size_t)(end - s), ", version ");
	const char *v7 = find(s, (size_t)(end - s), ", Version = ");
	const char *name_end = v ? v : v7;
	if (!name_end)
		return;
	it->component = dupn(s, (size_t)(name_end - s));
	const char *vp = v ? v + 10 : v7 + 12;
	it->version = dupn(vp, version_len(vp, end));
	if (v) {
		const char *a = find(vp, (size_t)(end - vp), ", arch ");
		if (a) {
			a += 7;
			const char *q = find(a, (size_t)(end - a), ", ");
			it->arch = dupn(a, (size_t)((q ? q : end) - a));
		}
	} else {
		static const struct {
			const char *pa, *arch;
		} pa[] = {{"PROCESSOR_ARCHITECTURE_AMD64", "amd64"}, {"PROCESSOR_ARCHITECTURE_INTEL", "x86"},
		          {"PROCESSOR_ARCHITECTURE_MSIL", "msil"}, {"PROCESSOR_ARCHITECTURE_ARM64", "arm64"},
		          {"PROCESSOR_ARCHITECTURE_IA32_ON_WIN64", "wow64"},
		          {"PROCESSOR_ARCHITECTURE_IA64", "ia64"}, {"PROCESSOR_ARCHITECTURE_ARM", "arm"}};
		for (size_t i = 0; i < sizeof(pa) / sizeof(*pa); i++) {
			const char *q = find(vp, (size_t)(end - vp), pa[i].pa);
			if (q && !is_alnum(q[strlen(pa[i].pa)])) {
				it->arch = sxs_strdup(pa[i].arch);
				break;
			}
		}
	}
	if (!it->component || !it->version)
		*err = -SXS_ENOMEM;
}

static void sr_line(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec, const char *m,
                    size_t n)
{
	const char *end = m + n, *p;
	struct sxs_cbs_sfc *r = sfc_cur(an, rec);
	if (!r)
		return;
	if (starts(m, n, "Verifying ")) {
		uint64_t v = 0;
		for (p = m + 10; p < end && *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		r->components_verified += v;
	} else if (starts(m, n, "Repairing ") && n > 10 && m[10] >= '0' && m[10] <= '9') {
		uint32_t v = 0;
		for (p = m + 10; p < end && *p >= '0' && *p <= '9' && v < 100000000; p++)
			v = v * 10 + (uint32_t)(*p - '0');
		uint32_t *a = sxs_reallocarray(r->repairing, r->nrepairing + 1, sizeof(*a));
		if (!a) {
			an->err = -SXS_ENOMEM;
			return;
		}
		r->repairing = a;
		a[r->nrepairing++] = v;
	} else if (starts(m, n, "Cannot repair member file ")) {
		const char *fs, *after;
		size_t fn;
		struct sxs_cbs_item it = {0};
		p = m + 26;
		if (counted(p, end, &fs, &fn, &after)) {
			it.file = dupn(fs, fn);
			p = after;
		} else {
			const char *o = find(p, (size_t)(end - p), " of ");
			if (!o)
				return;
			it.file = dupn(p, (size_t)(o - p));
			p = o;
		}
		if (starts(p, (size_t)(end - p), " of "))
			p += 4;
		const char *store = find(p, (size_t)(end - p), " in the store");
		parse_identity(p, store ? store : end, &it, &an->err);
		it.line = rec->line;
		if (seen(an, 'C', it.component, it.component ? strlen(it.component) : 0, it.file,
		         it.file ? strlen(it.file) : 0, NULL, 0)) {
			sxs_free(it.file);
			sxs_free(it.component);
			sxs_free(it.version);
			sxs_free(it.arch);
			return;
		}
		if (r->ncannot_repair >= MAX_ITEMS)
			goto drop;
		struct sxs_cbs_item *a = sxs_reallocarray(r->cannot_repair, r->ncannot_repair + 1, sizeof(*a));
		if (!a) {
			an->err = -SXS_ENOMEM;
			goto drop;
		}
		r->cannot_repair = a;
		a[r->ncannot_repair++] = it;
		return;
drop:
		sxs_free(it.file);
		sxs_free(it.component);
		sxs_free(it.version);
		sxs_free(it.arch);
	} else if (starts(m, n, "Repaired file ") && (p = find(m, n, " by copying from backup"))) {
		strv_add(an, 'B', &r->repaired_backup, &r->nrepaired_backup, m + 14, (size_t)(p - m - 14));
	} else if (starts(m, n, "Repairing file ") && (p = find(m, n, " from store"))) {
		strv_add(an, 'P', &r->repaired_projected, &r->nrepaired_projected, m + 15, (size_t)(p - m - 15));
	} else if (starts(m, n, "Repairing corrupted file ") && (p = find(m, n, " from store"))) {
		/* Windows 7: "[SR] Repairing corrupted file [ml:..]"\??\C:\..."\[l:..]"x.dll" from store" */
		strv_add(an, 'P', &r->repaired_projected, &r->nrepaired_projected, m + 25, (size_t)(p - m - 25));
	} else if (starts(m, n, "Could not reproject corrupted file ")) {
		p = find(m, n, "; source file in store is also corrupted");
		size_t k = p ? (size_t)(p - m - 35) : n - 35;
		strv_add(an, 'R', &r->could_not_reproject, &r->ncould_not_reproject, m + 35, k);
	} else if (starts(m, n, "Cannot commit interactively")) {
		if (!r->boot_critical_line)
			r->boot_critical_line = rec->line;
		struct sxs_cbs_op *op = op_at(an, an->sfc_op);
		if (op && !op->boot_critical_line)
			op->boot_critical_line = rec->line;
	} else if (starts(m, n, "Verify and Repair Transaction completed")) {
		r->completed = true;
		sfc_end(an);
	}
}

/* ---- hydration (cbslog.md §5) ---- */

static void hydration(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec, const char *m,
                      size_t n)
{
	const char *end = m + n, *p;
	if ((p = find(m, n, "Delta Type: "))) {
		p += 12;
		const char *q = p;
		while (q < end && *q != ',' && *q != '\n' && *q != '[')
			q++;
		while (q > p && q[-1] == ' ')
			q--;
		sxs_free(an->delta_type);
		an->delta_type = dupn(p, (size_t)(q - p));
		return;
	}
	p = find(m, n, "Hydration failed for component ");
	if (!p)
		return;
	p += 31;
	const char *on = find(p, (size_t)(end - p), " on file ");
	if (!on)
		return;
	struct sxs_cbs_item it = {0};
	parse_identity(p, on, &it, &an->err);
	const char *f = on + 9, *fe = f;
	while (fe < end && *fe != ' ' && *fe != '\n')
		fe++;
	struct sxs_cbs_log *log = an->log;
	long run = an->sfc_idx;
	an->sfc_idx = -1; /* hydration failures are per log, not per SFC run */
	bool dup = seen(an, 'H', it.component, it.component ? strlen(it.component) : 0, it.version,
	                it.version ? strlen(it.version) : 0, f, (size_t)(fe - f));
	an->sfc_idx = run;
	if (dup) {
		sxs_free(it.component);
		sxs_free(it.version);
		sxs_free(it.arch);
		return;
	}
	struct sxs_cbs_hydration *h = log->nhydration < MAX_ITEMS
		? PUSH(an, log->hydration, log->nhydration, CAP_HYD) : NULL;
	if (!h) {
		sxs_free(it.component);
		sxs_free(it.version);
		sxs_free(it.arch);
		return;
	}
	memset(h, 0, sizeof(*h));
	h->component = it.component;
	h->version = it.version;
	h->arch = it.arch;
	h->file = dupn(f, (size_t)(fe - f));
	h->line = rec->line;
	/* the status is "with NTSTATUS -1073283059"; the [gle=0x80004005] beside it is generic */
	struct hit hs[MAX_HITS];
	size_t k = extract_codes(m, n, hs);
	h->ntstatus = 0;
	for (size_t i = 0; i < k; i++)
		if (!h->ntstatus || ((hs[i].code & 0xF0000000u) == 0xC0000000u && (h->ntstatus & 0xF0000000u) != 0xC0000000u))
			if (hs[i].code != 0x80004005 || !h->ntstatus)
				h->ntstatus = hs[i].code;
	h->delta_type = an->delta_type;
	an->delta_type = NULL;
}

/* ---- DISM command lines (cbslog.md §11) ---- */

static void dism_close(struct sxs_cbs_analyzer *an)
{
	struct sxs_cbs_op *op = op_at(an, an->dism_op);
	if (op) {
		if (!op->has_result && !op->ended)
			op->unfinished = true;
		/* a command line that failed validation ended without an HRESULT: listed, not a servicing failure */
		op->failed = op->has_result && sxs_cbs_is_failure(op->result);
		close_op(an, an->dism_op, false, 0, NULL);
	}
	an->dism_op = -1;
}

static char *squeeze(const char *s, size_t n)
{
	char *out = sxs_malloc(n + 1);
	size_t k = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' && (k == 0 || out[k - 1] == ' '))
			continue;
		out[k++] = s[i];
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	return out;
}

static bool dism_line(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec)
{
	const char *m = rec->msg, *end = m + rec->msglen, *p;
	size_t n = rec->msglen;
	struct sxs_cbs_op *op;
	if (starts(m, n, "DISM.EXE: ")) {
		const char *t = m + 10;
		size_t tn = n - 10;
		if (starts(t, tn, "<----- Starting Dism.exe session")) {
			dism_close(an);
		} else if (starts(t, tn, "Executing command line: ") || starts(t, tn, "Failed validating command line: ")) {
			bool ok = t[0] == 'E';
			size_t off = ok ? 24 : 32;
			dism_close(an);
			an->dism_op = new_op(an, SXS_OP_DISM_COMMAND, rec, true);
			if ((op = op_at(an, an->dism_op))) {
				const char *nl = memchr(t + off, '\n', tn - off);
				op->command = squeeze(t + off, (nl ? (size_t)(nl - t) : tn) - off);
				op->parsed = ok;
				if (!ok) {
					op->origin.line = rec->line;
					op->origin.text = first_line(m, n);
				}
			}
		} else if (starts(t, tn, "<----- Ending Dism.exe session")) {
			if ((op = op_at(an, an->dism_op))) {
				op->ended = true;
				op->end_line = rec->line;
			}
			dism_close(an);
		} else if ((p = find(t, tn, "processed the command line but failed. HRESULT="))) {
			uint32_t c;
			if ((op = op_at(an, an->dism_op)) && (hexnum(p + 47, end, &c) || hex8(p + 47, end, &c, NULL))) {
				if (!op->has_result || op->result != c) {
					op->has_result = true;
					op->result = c;
					op->result_line = rec->line;
				}
			}
		}
		return true;
	}
	if (find(m, n, "DismApi.dll: <----- Starting DismApi.dll session")) {
		an->log->dismapi_sessions++;
		return true;
	}
	if (an->dism_op < 0)
		return false;
	op = op_at(an, an->dism_op);
	if ((p = find(m, n, "CLIHandler::ExecuteCmdLine(hr:"))) {
		uint32_t c;
		if (hexnum(p + 30, end, &c) && !op->has_result) {
			op->has_result = true;
			op->result = c;
			op->result_line = rec->line;
		}
		return true;
	}
	if ((p = find(m, n, "CBS AddSource failed with HRESULT="))) {
		uint32_t c;
		if (hexnum(p + 34, end, &c) && op->naddsource < sizeof(op->addsource) / sizeof(*op->addsource)) {
			bool dup = false;
			for (size_t i = 0; i < op->naddsource; i++)
				dup |= op->addsource[i] == c;
			if (!dup)
				op->addsource[op->naddsource++] = c;
		}
		return true;
	}
	return false;
}

/* ---- the record callback ---- */

/*
 * Where in a record a code is: records that span several physical lines (a
 * Windows 8 / Server 2016 report is one record, cbslog.md 2) get the physical
 * line that carries it, and that line's text.
 */
static void code_place(const struct sxs_cbslog_record *rec, uint32_t code, uint64_t *line, char **text)
{
	*line = rec->line;
	if (rec->nlines > 1) {
		char hex[12];
		snprintf(hex, sizeof(hex), "%08" PRIx32, code);
		const char *at = sxs_cbs_memmem(rec->msg, rec->msglen, hex, 8);
		if (!at) {
			snprintf(hex, sizeof(hex), "%08" PRIX32, code);
			at = sxs_cbs_memmem(rec->msg, rec->msglen, hex, 8);
		}
		if (at) {
			const char *ls = rec->msg;
			for (const char *q = rec->msg; q < at; q++) {
				if (*q == '\n') {
					(*line)++;
					ls = q + 1;
				}
			}
			*text = first_line(ls, rec->msglen - (size_t)(ls - rec->msg));
			return;
		}
	}
	*text = first_line(rec->msg, rec->msglen);
}

static void remember_codes(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec,
                           const struct hit *h, size_t k)
{
	for (size_t o = 0; o < an->nopen; o++) {
		struct sxs_cbs_op *op = &an->log->ops[an->open[o]];
		struct op_priv *pv = op->priv;
		if (!pv)
			continue;
		for (size_t i = 0; i < k; i++) {
			bool seen = false;
			for (size_t j = 0; j < pv->n && !seen; j++)
				seen = pv->codes[j].code == h[i].code;
			if (seen || pv->n >= MAX_CODES_PER_OP || sxs_cbs_is_noise(rec->msg, rec->msglen, h[i].code))
				continue;
			if (pv->n == pv->cap) {
				size_t nc = pv->cap ? pv->cap * 2 : 8;
				struct code_seen *p = sxs_reallocarray(pv->codes, nc, sizeof(*p));
				if (!p) {
					an->err = -SXS_ENOMEM;
					return;
				}
				pv->codes = p;
				pv->cap = nc;
			}
			pv->codes[pv->n].code = h[i].code;
			code_place(rec, h[i].code, &pv->codes[pv->n].line, &pv->codes[pv->n].text);
			pv->n++;
		}
	}
}

static void remember_failure_record(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec)
{
	for (size_t o = 0; o < an->nopen; o++) {
		struct op_priv *pv = an->log->ops[an->open[o]].priv;
		if (!pv)
			continue;
		struct sxs_cbs_line *slot = &pv->ring[pv->ring_pos];
		sxs_free(slot->text);
		slot->line = rec->line;
		slot->text = first_line(rec->msg, rec->msglen);
		pv->ring_pos = (pv->ring_pos + 1) % RING;
		if (pv->ring_n < RING)
			pv->ring_n++;
	}
}

/* A file named by a failure record: "\??\C:\...", "'...'", path after "file " */
static char *subject_path(const char *m, size_t n)
{
	const char *end = m + n, *p;
	if ((p = find(m, n, "\\??\\")) || (p = find(m, n, "\\\\?\\")) || (p = find(m, n, ":\\Windows\\")) ||
	    (p = find(m, n, ":\\WINDOWS\\"))) {
		if (p[0] == ':' && p > m)
			p--;
		const char *q = p;
		while (q < end && *q != '\'' && *q != '"' && *q != ']' && *q != ' ' && *q != '\n' &&
		       *q != ',' && *q != ';' && *q != ')')
			q++;
		if (q - p > 4)
			return dupn(p, (size_t)(q - p));
	}
	return NULL;
}

static void startup_line(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_record *rec,
                         const struct hit *h, size_t k)
{
	const char *m = rec->msg;
	size_t n = rec->msglen;
	if (an->startup_op < 0) {
		an->startup_op = new_op(an, SXS_OP_STARTUP, rec, true);
		struct sxs_cbs_op *so = op_at(an, an->startup_op);
		if (so && an->ai_err_name && !so->installer) {
			so->installer = an->ai_err_name;
			so->installer_hr = an->ai_err_code;
			so->installer_line = an->ai_err_line;
			an->ai_err_name = NULL;
		}
	}
	struct sxs_cbs_op *op = op_at(an, an->startup_op);
	if (!op)
		return;
	struct op_priv *pv = op->priv;
	op->end_line = rec->line;
	if (starts(m, n, "Startup: Processing complete.")) {
		uint32_t c = 0;
		bool has = result_code(m, n, &c);
		long idx = an->startup_op;
		an->startup_op = -1;
		if (pv && pv->startup_failed && pv->fail_code) {
			/* "Startup: Failed, restart required" then "Processing complete [ERROR_SUCCESS_REBOOT_REQUIRED]":
			   the failure is the one stated before (Appostarsi CBS_5_23:8227) */
			op->has_result = true;
			op->result = pv->fail_code;
			op->result_line = pv->fail_line;
			op->failed = true;
			close_op(an, idx, false, 0, rec);
		} else {
			close_op(an, idx, has, c, rec);
		}
		return;
	}
	bool failed_line = starts(m, n, "Startup: Failed") || find(m, n, "possible hang was detected");
	if (pv && failed_line) {
		pv->startup_failed = true;
		for (size_t i = 0; i < k && !pv->fail_code; i++) {
			if (sxs_cbs_is_failure(h[i].code)) {
				pv->fail_code = h[i].code;
				pv->fail_line = rec->line;
			}
		}
	}
}

int sxs_cbs_analyzer_record(void *ctx, const struct sxs_cbslog_record *rec)
{
	struct sxs_cbs_analyzer *an = ctx;
	struct sxs_cbs_log *log = an->log;
	const char *m = rec->msg, *p;
	size_t n = rec->msglen;
	const char *end = m + n;
	struct hit h[MAX_HITS];
	size_t k = 0;

	if (an->err)
		return an->err;
	an->last_line = an->last_line_next; /* the previous record's last line */
	an->last_line_next = rec->line + rec->nlines - 1;

	/* codes of the record: counted, named, remembered by the open operations */
	if (find(m, n, "0x") || find(m, n, "STATUS") || find(m, n, "HRESULT") || find(m, n, "[ERROR_") ||
	    find(m, n, "0X")) {
		k = extract_codes(m, n, h);
		for (size_t i = 0; i < k; i++)
			note_code(an, h[i].code, h[i].name, h[i].namelen);
		if (k && an->nopen)
			remember_codes(an, rec, h, k);
		for (size_t i = 0; i < k && !an->nopen && rec->ts[0] && an->norphan < sizeof(an->orphan) / sizeof(*an->orphan); i++) {
			bool dup = false;
			for (size_t j = 0; j < an->norphan && !dup; j++)
				dup = an->orphan[j].code == h[i].code;
			if (dup || !sxs_cbs_is_failure(h[i].code) || sxs_cbs_is_noise(rec->msg, rec->msglen, h[i].code))
				continue;
			an->orphan[an->norphan].code = h[i].code;
			code_place(rec, h[i].code, &an->orphan[an->norphan].line, &an->orphan[an->norphan].text);
			an->norphan++;
		}
	}
	if (an->nopen && (rec->level == SXS_CBSLOG_ERROR || find(m, n, "(F) ")) &&
	    !(k && sxs_cbs_is_noise(m, n, h[0].code)) && !find(m, n, "Attempting to mark store corrupt"))
		remember_failure_record(an, rec);

	build_lines(an, rec);

	/* the file a failure record names (access denied, sharing violation, delete pending) */
	if (k && an->nopen && (find(m, n, "(F) ") || rec->level == SXS_CBSLOG_ERROR) && !sxs_cbs_is_noise(m, n, h[0].code)) {
		bool want = false;
		for (size_t i = 0; i < k; i++) {
			int kd = sxs_cbs_kind_of_code(h[i].code);
			want |= kd == SXS_KIND_ACCESS_DENIED || kd == SXS_KIND_SHARING_VIOLATION || kd == SXS_KIND_DELETE_PENDING;
		}
		char *sp = want ? subject_path(m, n) : NULL;
		for (size_t o = 0; sp && o < an->nopen; o++) {
			struct sxs_cbs_op *op = &log->ops[an->open[o]];
			if (!op->subject_file)
				op->subject_file = sxs_strdup(sp);
		}
		sxs_free(sp);
	}

	/* 0x800f0831: "Store corruption, manifest missing for package: P", "Failed to resolve package 'P'" (§9.1) */
	if (!log->missing_package) {
		if ((p = find(m, n, "manifest missing for package: "))) {
			p += 30;
			const char *q = p;
			while (q < end && *q != ' ' && *q != '\n' && *q != ',' && *q != '[')
				q++;
			log->missing_package = dupn(p, (size_t)(q - p));
		} else if ((p = find(m, n, "Failed to resolve package '"))) {
			p += 27;
			const char *q = memchr(p, '\'', (size_t)(end - p));
			if (q)
				log->missing_package = dupn(p, (size_t)(q - p));
		}
	}

	/* line-level content: every physical line of the record (Windows 8 writes the whole
	   DISM summary as one record, cbslog.md §2) */
	{
		const char *s = m;
		uint64_t line = rec->line;
		while (s <= end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			const char *e = nl ? nl : end;
			size_t len = (size_t)(e - s);
			const char *t = s;
			size_t tl = len;
			while (tl && (*t == ' ' || *t == '\t'))
				t++, tl--;
			if (tl && (starts(t, tl, "(p)\t") || starts(t, tl, "(f)\t") || starts(t, tl, "(fix)\t") ||
			           starts(t, tl, "(p) ")))
				pline(an, t, tl, line);
			else if (tl == 8 && !memcmp(t, "Summary:", 8))
				summary_line(an, t, tl, line);
			else if (an->sum_idx >= 0)
				summary_line(an, s, len, line);
			if (!nl)
				break;
			s = nl + 1;
			line++;
		}
	}

	if (!strcmp(rec->source, "text")) {
		if (starts(m, n, "Checking System Update Readiness.") || starts(m, n, "Binary Version "))
			log->checksur_text = true;
		return an->err;
	}

	/* CSI: [SR], hydration, advanced installers */
	if (!strcmp(rec->source, "CSI") || !rec->source[0]) {
		/* "00000006 [SR] Verifying 100 components", "0000000a@2020/2/5:00:18:03.653 ..." */
		const char *q = m;
		while (q < end && hexval(*q) >= 0)
			q++;
		if (q < end && *q == '@')
			while (q < end && *q != ' ')
				q++;
		while (q < end && *q == ' ')
			q++;
		size_t qn = (size_t)(end - q);
		if (starts(q, qn, "[SR] ")) {
			const char *nl = memchr(q, '\n', qn);
			sr_line(an, rec, q + 5, (nl ? (size_t)(nl - q) : qn) - 5);
		} else if (find(q, qn, "Hydration failed")) {
			hydration(an, rec, q, qn);
		} else if ((p = find(q, qn, "Failed execution of queue item Installer: "))) {
			p += 42;
			const char *e = find(p, (size_t)(end - p), " (");
			const char *w = find(p, (size_t)(end - p), " with HRESULT ");
			for (size_t o = 0; o < an->nopen; o++) {
				struct sxs_cbs_op *op = &log->ops[an->open[o]];
				if (op->installer)
					continue;
				op->installer = dupn(p, (size_t)((e ? e : w ? w : p) - p));
				op->installer_line = rec->line;
				/* the code right after "with HRESULT" (not the generic [gle=0x80004005] at the end) */
				struct hit hw[MAX_HITS];
				const char *we = w ? w + 14 : NULL;
				while (we && we < end && *we != ' ' && *we != '\n' && *we != ']')
					we++;
				if (we && we < end && we[-1] == '.')
					we--;
				size_t kw = w ? extract_codes(w, (size_t)(we - w), hw) : 0;
				op->installer_hr = kw ? hw[0].code : 0;
			}
		} else if ((p = find(q, qn, "(F) Installer: ")) && find(q, qn, "ErrorCode: ")) {
			/*
			 * The advanced-installer queue's error summary ("==Error Summary Start=="):
			 * "(F) Installer: Network Drivers<TAB>Binary Name: NetSetupAI.dll<TAB>ErrorCode:
			 * 800106d9<TAB>Phase: 31..." - the installer and its own code (hex without 0x).
			 */
			p += 15;
			const char *e = p;
			while (e < end && *e != '\t' && *e != '\n' && !(e + 1 < end && e[0] == ' ' && e[1] == ' '))
				e++;
			const char *c = find(q, qn, "ErrorCode: ") + 11;
			uint32_t v = 0;
			int d = 0;
			while (c < end && hexval(*c) >= 0 && d < 9) {
				v = (v << 4) | (uint32_t)hexval(*c++);
				d++;
			}
			if (e > p && d == 8) {
				bool taken = false;
				for (size_t o = 0; o < an->nopen; o++) {
					struct sxs_cbs_op *op = &log->ops[an->open[o]];
					if (op->installer)
						continue;
					op->installer = dupn(p, (size_t)(e - p));
					op->installer_hr = v;
					op->installer_line = rec->line;
					taken = true;
				}
				if (!taken && !an->nopen && !an->ai_err_name) {
					/* the Startup operation that states the queue's failure comes next */
					an->ai_err_name = dupn(p, (size_t)(e - p));
					an->ai_err_code = v;
					an->ai_err_line = rec->line;
				}
			}
		} else if ((p = find(q, qn, "Installer name: "))) {
			const char *s = NULL;
			size_t sl = 0;
			p += 16;
			if (!counted(p, end, &s, &sl, NULL) && p < end && *p == '\'') {
				const char *e = memchr(p + 1, '\'', (size_t)(end - p - 1));
				s = p + 1;
				sl = e ? (size_t)(e - s) : 0;
			}
			if (s && sl) {
				sxs_free(an->last_installer);
				an->last_installer = dupn(s, sl);
			}
		} else if (find(q, qn, "(F) ") && find(q, qn, "CMIADAPTER") && k) {
			for (size_t o = 0; o < an->nopen; o++) {
				struct sxs_cbs_op *op = &log->ops[an->open[o]];
				if (op->installer)
					continue;
				op->installer = an->last_installer ? sxs_strdup(an->last_installer) : NULL;
				op->installer_hr = h[k - 1].code;
				op->installer_line = rec->line;
			}
		}
		if (!strcmp(rec->source, "CSI"))
			return an->err;
	}

	/*
	 * SFC's driver pass, after its [SR] batches: "DEPLOY [Pnp] Corrupt file: P" then
	 * "[Pnp] Repaired file: P" or (Error) "[Pnp] Failed repairing file: P: ".  The
	 * files are driver binaries outside WinSxS restored from the driver store,
	 * projected copies like SFC's "[SR] Repairing file ... from store".
	 */
	if (starts(m, n, "[Pnp] Repaired file: ") || starts(m, n, "[Pnp] Failed repairing file: ") ||
	    starts(m, n, "[Pnp] Corrupt file: ")) {
		bool ok = m[6] == 'R', bad = m[6] == 'C';
		const char *s0 = m + (ok ? 21 : bad ? 20 : 29);
		const char *e0 = memchr(s0, '\n', (size_t)(end - s0));
		e0 = e0 ? e0 : end;
		while (e0 > s0 && (e0[-1] == ' ' || e0[-1] == '\r'))
			e0--;
		if (!ok && e0 > s0 && e0[-1] == ':')
			e0--;
		struct sxs_cbs_sfc *r = e0 > s0 ? sfc_cur(an, rec) : NULL;
		if (r) {
			if (ok)
				strv_add(an, 'D', &r->pnp_repaired, &r->npnp_repaired, s0, (size_t)(e0 - s0));
			else if (bad)
				strv_add(an, 'K', &r->pnp_corrupt, &r->npnp_corrupt, s0, (size_t)(e0 - s0));
			else
				strv_add(an, 'F', &r->pnp_failed, &r->npnp_failed, s0, (size_t)(e0 - s0));
		}
		return an->err;
	}

	if (!strcmp(rec->source, "DISM") || starts(m, n, "DISM.EXE: ") || starts(m, n, "DismApi.dll: ")) {
		if (dism_line(an, rec))
			return an->err;
	}

	/* CBS and the rest */
	if (starts(m, n, "TI: --- Initializing Trusted Installer ---")) {
		log->ti_starts++;
		orphans_clear(an);
		sxs_free(an->ai_err_name);
		an->ai_err_name = NULL;
		/* whatever was open did not finish: TrustedInstaller restarted (cbslog.md §4.1, §8 step 3) */
		while (an->nopen) {
			long idx = (long)an->open[an->nopen - 1];
			struct sxs_cbs_op *op = &log->ops[idx];
			op->unfinished = true;
			if (op->type != SXS_OP_DISM_COMMAND)
				op->interrupted = true;
			if (an->last_line > op->end_line)
				op->end_line = an->last_line; /* the last record before the restart */
			if (idx == an->startup_op)
				an->startup_op = -1;
			if (idx == an->dism_op)
				an->dism_op = -1;
			close_op(an, idx, false, 0, NULL);
			if (op->has_result) /* it had stated its failure before the restart */
				op->interrupted = false;
		}
		an->startup_op = -1;
		sfc_end(an);
		an->sum_idx = -1;
		return an->err;
	}
	if (starts(m, n, "TI: It looks like TI crashed or was interrupted")) {
		if (!log->crash_marker_line)
			log->crash_marker_line = rec->line;
		return an->err;
	}
	if (starts(m, n, "TiWorker: Client requests SFP repair object")) {
		sfc_end(an);
		(void)sfc_cur(an, rec);
		return an->err;
	}
	if (starts(m, n, "Session: ")) {
		const char *id;
		size_t idn = session_id(m + 9, end, &id);
		const char *rest = id + idn;
		size_t rn = (size_t)(end - rest);
		if (starts(rest, rn, " initialized by client ")) {
			log->sessions_initialized++;
			const char *c = rest + 23, *ce = c;
			while (ce < end && *ce != ',' && *ce != '\n')
				ce++;
			if (ce > c && ce[-1] == '.')
				ce--;
			size_t cl = (size_t)(ce - c) < sizeof(an->last_client) - 1 ? (size_t)(ce - c)
			                                                               : sizeof(an->last_client) - 1;
			size_t il = idn < sizeof(an->last_session) - 1 ? idn : sizeof(an->last_session) - 1;
			memcpy(an->last_client, c, cl);
			an->last_client[cl] = '\0';
			memcpy(an->last_session, id, il);
			an->last_session[il] = '\0';
		} else if (starts(rest, rn, " finalized.")) {
			uint32_t c;
			if (!result_code(m, n, &c))
				return an->err;
			long idx = find_session_op(an, id, idn, false);
			struct sxs_cbs_op *op = op_at(an, idx);
			/* "finalized. Download error: 0x80240438 [Unknown Error], Reboot required: ..." (14393) */
			const char *de = find(m, n, " Download error: 0x");
			uint32_t dc;
			if (op && de && hexnum(de + 17, end, &dc) && sxs_cbs_is_failure(dc) && !op->download_hr) {
				op->download_hr = dc;
				op->download_line = rec->line;
			}
			if (op && is_open(an, idx)) {
				close_op(an, idx, true, c, rec);
			} else if (op) {
				if (!op->failed && sxs_cbs_is_failure(c)) {
					op->result = c;
					op->result_line = rec->line;
					op->has_result = true;
					op->failed = true;
				}
			} else if (sxs_cbs_is_failure(c)) {
				idx = new_op(an, SXS_OP_SESSION, rec, false);
				if ((op = op_at(an, idx))) {
					op->session = dupn(id, idn);
					if (!strncmp(an->last_session, id, idn) && !an->last_session[idn])
						op->client = sxs_strdup(an->last_client);
					close_op(an, idx, true, c, rec);
				}
			}
		}
		return an->err;
	}
	if (starts(m, n, "Exec: Processing started.  Client: ") || starts(m, n, "Exec: Processing started. Client: ")) {
		char *client = field(m, n, "Client: ");
		bool maint = client && !strncmp(client, "CbsTask", 7);
		long idx = new_op(an, maint ? SXS_OP_MAINTENANCE : SXS_OP_PACKAGE, rec, true);
		struct sxs_cbs_op *op = op_at(an, idx);
		if (!op) {
			sxs_free(client);
			return an->err;
		}
		op->client = client;
		op->session = field(m, n, "Session: ");
		op->package = field(m, n, "Package: ");
		op->identifier = field(m, n, "Identifier: ");
		op->kb = kb_of(op->identifier);
		if (!op->kb)
			op->kb = kb_of(op->package);
		return an->err;
	}
	if (starts(m, n, "Exec: Installing Package: ") || starts(m, n, "Exec: Uninstalling Package: ") ||
	    starts(m, n, "Exec: Staging Package: ")) {
		for (size_t o = an->nopen; o-- > 0;) {
			struct sxs_cbs_op *op = &log->ops[an->open[o]];
			if (op->type == SXS_OP_PACKAGE) {
				if (!op->action || m[6] == 'I' || m[6] == 'U')
					op->action = m[6] == 'I' ? "install" : m[6] == 'U' ? "uninstall" : "stage";
				break;
			}
		}
		return an->err;
	}
	if (starts(m, n, "Exec: Processing complete.  Session: ") || starts(m, n, "Exec: Processing complete. Session: ")) {
		p = find(m, n, "Session: ") + 9;
		const char *id;
		size_t idn = session_id(p, end, &id);
		uint32_t c = 0;
		bool has = result_code(m, n, &c);
		long idx = find_session_op(an, id, idn, true);
		if (idx < 0) {
			idx = new_op_adopting(an, SXS_OP_PACKAGE, rec);
			struct sxs_cbs_op *op = op_at(an, idx);
			if (op) {
				op->session = dupn(id, idn);
				op->package = field(m, n, "Package: ");
				op->identifier = field(m, n, "Identifier: ");
				op->kb = kb_of(op->identifier);
				if (!op->kb)
					op->kb = kb_of(op->package);
			}
		}
		close_op(an, idx, has, c, rec);
		return an->err;
	}
	if (starts(m, n, "Exec: Addsource called, Session: ")) {
		const char *id;
		size_t idn = session_id(m + 33, end, &id);
		if (idn < sizeof(an->addsource_session)) {
			memcpy(an->addsource_session, id, idn);
			an->addsource_session[idn] = '\0';
			an->naddsource = 0;
		}
		return an->err;
	}
	if (an->addsource_session[0] && (starts(m, n, "Failed to Add Source using worker session") ||
	                                 starts(m, n, "Failed adding alternate source directory"))) {
		for (size_t i = 0; i < k && an->naddsource < sizeof(an->addsource) / sizeof(*an->addsource); i++) {
			bool dup = false;
			for (size_t j = 0; j < an->naddsource; j++)
				dup |= an->addsource[j] == h[i].code;
			if (!dup)
				an->addsource[an->naddsource++] = h[i].code;
		}
		return an->err;
	}
	if (starts(m, n, "Exec: Session processing started.")) {
		p = find(m, n, "): ");
		long idx = new_op(an, SXS_OP_CORRUPTION, rec, true);
		struct sxs_cbs_op *op = op_at(an, idx);
		if (op) {
			op->client = field(m, n, "Client: ");
			if (p) {
				const char *id;
				size_t idn = session_id(p + 3, end, &id);
				op->session = dupn(id, idn);
				if (!strncmp(an->last_session, id, idn) && !an->last_session[idn]) {
					sxs_free(op->client);
					op->client = sxs_strdup(an->last_client);
				}
				/* the /Source it was given failed to be added (CBS AddSource, cbslog.md 11) */
				if (!strncmp(an->addsource_session, id, idn) && !an->addsource_session[idn]) {
					memcpy(op->addsource, an->addsource, an->naddsource * sizeof(*an->addsource));
					op->naddsource = an->naddsource;
					an->addsource_session[0] = '\0';
					an->naddsource = 0;
				}
			}
		}
		return an->err;
	}
	if (starts(m, n, "Exec: Clients specified using ")) {
		for (size_t o = an->nopen; o-- > 0;) {
			struct sxs_cbs_op *op = &log->ops[an->open[o]];
			if (op->type == SXS_OP_CORRUPTION && !op->repair_source) {
				const char *s = m + 30, *e = s;
				while (e < end && *e != '.' && *e != '\n')
					e++;
				op->repair_source = dupn(s, (size_t)(e - s));
				break;
			}
		}
		return an->err;
	}
	if (starts(m, n, "Exec: Processing complete, session(")) {
		p = find(m, n, "): ");
		if (!p)
			return an->err;
		const char *id;
		size_t idn = session_id(p + 3, end, &id);
		uint32_t c = 0;
		bool has = result_code(m, n, &c);
		enum sxs_cbs_op_type t = find(m, (size_t)(p - m), "Repairing") ? SXS_OP_RESTOREHEALTH
		                         : find(m, (size_t)(p - m), "Detecting") ? SXS_OP_SCANHEALTH
		                                                                  : SXS_OP_CORRUPTION;
		long idx = find_session_op(an, id, idn, true);
		if (idx < 0) {
			idx = new_op(an, t, rec, true);
			struct sxs_cbs_op *op = op_at(an, idx);
			if (op)
				op->session = dupn(id, idn);
		}
		struct sxs_cbs_op *op = op_at(an, idx);
		if (op)
			op->type = t;
		close_op(an, idx, has, c, rec);
		return an->err;
	}
	if (starts(m, n, "Startup: ")) {
		startup_line(an, rec, h, k);
		return an->err;
	}
	if (starts(m, n, "Setting original failure status: ")) {
		struct sxs_cbs_op *op = op_at(an, an->startup_op);
		uint32_t c;
		if (op && op->priv && hexnum(m + 33, end, &c) && sxs_cbs_is_failure(c)) {
			struct op_priv *pv = op->priv;
			pv->startup_failed = true;
			if (!pv->fail_code) {
				pv->fail_code = c;
				pv->fail_line = rec->line;
			}
		}
		return an->err;
	}
	if (starts(m, n, "Maint: processing complete.")) {
		uint32_t c;
		if (result_code(m, n, &c) && sxs_cbs_is_failure(c)) {
			long idx = -1;
			for (size_t o = an->nopen; o-- > 0;)
				if (log->ops[an->open[o]].type == SXS_OP_MAINTENANCE)
					idx = (long)an->open[o];
			if (idx < 0) {
				idx = new_op(an, SXS_OP_MAINTENANCE, rec, true);
				struct sxs_cbs_op *op = op_at(an, idx);
				if (op && (p = find(m, n, "Session: "))) {
					const char *id;
					size_t idn = session_id(p + 9, end, &id);
					op->session = dupn(id, idn);
				}
			}
			close_op(an, idx, true, c, rec);
		}
		return an->err;
	}
	if (starts(m, n, "Failed to perform operation.")) {
		uint32_t c;
		if (!result_code(m, n, &c) || !sxs_cbs_is_failure(c))
			return an->err;
		/* usually right after the session's own result with the same code */
		struct sxs_cbs_op *last = log->nops ? &log->ops[log->nops - 1] : NULL;
		if (last && last->has_result && last->result == c && rec->line - last->result_line < 50)
			return an->err;
		if (an->nopen) {
			/* inside an operation: its own "Processing complete" says the result; when that
			   line carries no HRESULT, this is it (ehsan CBS.log:6412, 6480) */
			struct sxs_cbs_op *op = &log->ops[an->open[an->nopen - 1]];
			struct op_priv *pv = op->priv;
			if (pv && op->type != SXS_OP_STARTUP && !pv->fail_code) {
				pv->fail_code = c;
				pv->fail_line = rec->line;
			}
			return an->err;
		}
		long idx = new_op(an, SXS_OP_SESSION, rec, false);
		close_op(an, idx, true, c, rec);
		return an->err;
	}
	if (starts(m, n, "CheckSur: hrStatus: ") && (p = find(m, n, "download Result: 0x"))) {
		/* the store repair's download from Windows Update (cbslog.md 4.5): its failure explains
		   CBS_E_DOWNLOAD_FAILURE / CBS_E_SOURCE_MISSING */
		uint32_t dc;
		if (hexnum(p + 17, end, &dc) && sxs_cbs_is_failure(dc) && an->nopen) {
			struct sxs_cbs_op *op = &log->ops[an->open[an->nopen - 1]];
			if (!op->download_hr) {
				op->download_hr = dc;
				op->download_line = rec->line;
			}
		}
		return an->err;
	}
	if (starts(m, n, "WER: Generating failure report for package: ")) {
		char *pkg = field(m, n, "package: ");
		uint32_t st = 0;
		const char *sp = find(m, n, ", status: 0x");
		bool failed = sp && hexnum(sp + 10, end, &st) && sxs_cbs_is_failure(st);
		bool done = false;
		for (size_t o = an->nopen; pkg && o-- > 0;) {
			struct sxs_cbs_op *op = &log->ops[an->open[o]];
			struct op_priv *pv = op->priv;
			if (op->type == SXS_OP_SFC || op->type == SXS_OP_DISM_COMMAND)
				continue;
			if (!op->package) {
				op->package = sxs_strdup(pkg);
				if (!op->kb)
					op->kb = kb_of(pkg);
			}
			if (failed && pv && !pv->wer_code) {
				pv->wer_code = st;
				pv->wer_line = rec->line;
			}
			done = true;
			break;
		}
		if (pkg && failed && !done) {
			/*
			 * No operation of this package is open here: the copy starts after its
			 * "Exec: Processing started" (an excerpt, a rotated file).  The report
			 * itself proves the package's operation failed with that status.
			 */
			long idx = new_op_adopting(an, SXS_OP_PACKAGE, rec);
			struct sxs_cbs_op *op = op_at(an, idx);
			if (op) {
				op->package = sxs_strdup(pkg);
				op->kb = kb_of(pkg);
				char *cl = field(m, n, "client id: ");
				if (cl && !op->client)
					op->client = cl;
				else
					sxs_free(cl);
				close_op(an, idx, true, st, rec);
			}
		}
		sxs_free(pkg);
		return an->err;
	}
	return an->err;
}

/* ---- lifecycle ---- */

int sxs_cbs_analyzer_new(struct sxs_cbs_log *log, struct sxs_cbs_analyzer **ret)
{
	struct sxs_cbs_analyzer *an = sxs_calloc(1, sizeof(*an));
	if (!an)
		return -SXS_ENOMEM;
	an->log = log;
	an->sum_idx = an->sfc_idx = an->sfc_op = an->startup_op = an->dism_op = -1;
	sxs_map_init(&an->seen, false);
	sxs_strbuf_init(&an->key);
	/* capacities of arrays the log may already hold */
	*ret = an;
	return 0;
}

void sxs_cbs_analyzer_free(struct sxs_cbs_analyzer *an)
{
	if (!an)
		return;
	for (size_t k = 0; k < an->nopen; k++)
		priv_free(&an->log->ops[an->open[k]]);
	orphans_clear(an);
	sxs_free(an->ai_err_name);
	sxs_free(an->open);
	sxs_free(an->delta_type);
	sxs_free(an->last_installer);
	sxs_map_release(&an->seen);
	sxs_strbuf_release(&an->key);
	sxs_free(an);
}

static void derive_build(struct sxs_cbs_log *log)
{
	unsigned a, b, c, d;
	/* the DISM target line has the UBR (a 19045 image says 19041 everywhere else, §0.10) */
	/*
	 * The build is the servicing branch (what expected.json and Windows' own
	 * Build: line mean): the stack, CSI, DISM's own modules; the DISM target
	 * line names the image's full version (a 19045 image is 19041 there only,
	 * cbslog.md §0.10), kept as build_full.
	 */
	static const char *const order[] = {"WcpVersion", "wcp.dll", "servicing stack", "build", "image session",
	                                    "DismCore.dll", "target image"};
	for (size_t o = 0; o < sizeof(order) / sizeof(*order); o++) {
		for (size_t i = 0; i < log->nbuild_ev; i++) {
			const struct sxs_cbs_build_evidence *e = &log->build_ev[i];
			if (strcmp(e->what, order[o]))
				continue;
			int k;
			a = b = c = d = 0;
			if (!strcmp(e->what, "build")) {
				/* "19041.1.amd64fre...": the branch base only */
				if (sscanf(e->value, "%u", &c) != 1 || c < 6000)
					continue;
				char buf[32];
				snprintf(buf, sizeof(buf), "10.0.%u", c);
				log->build = sxs_strdup(buf);
				goto full;
			}
			k = sscanf(e->value, "%u.%u.%u.%u", &a, &b, &c, &d);
			if (k < 3 || (a == 0 && b == 0))
				continue;
			char buf[48];
			snprintf(buf, sizeof(buf), "%u.%u.%u", a, b, c);
			log->build = sxs_strdup(buf);
			goto full;
		}
	}
full:
	for (size_t i = 0; i < log->nbuild_ev; i++) {
		const struct sxs_cbs_build_evidence *e = &log->build_ev[i];
		if (!strcmp(e->what, "target image") && sscanf(e->value, "%u.%u.%u.%u", &a, &b, &c, &d) == 4) {
			char buf[48];
			snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a, b, c, d);
			log->build_full = sxs_strdup(buf);
		}
	}
}

/*
 * A DISM summary block states its operation's result ("Operation result:
 * 0x800f0915", cbslog.md 6).  When the file holds no session result for it (a
 * copy cut to the report, or the operation's end is past the file's end), the
 * summary's failing result is the operation's result.
 */
static void summary_results(struct sxs_cbs_analyzer *an)
{
	struct sxs_cbs_log *log = an->log;
	for (size_t s = 0; s < log->nsummaries && !an->err; s++) {
		const struct sxs_cbs_summary *sm = &log->summaries[s];
		if (!sm->has_result || !sxs_cbs_is_failure(sm->result) || !sm->operation ||
		    !strcmp(sm->operation, "CheckSUR"))
			continue;
		bool owned = false;
		for (size_t i = 0; i < log->nops; i++) {
			struct sxs_cbs_op *op = &log->ops[i];
			if (op->summary_line != sm->line)
				continue;
			owned = true;
			if (!op->has_result) {
				op->has_result = true;
				op->result = sm->result;
				op->result_line = sm->result_line;
				op->failed = true;
				op->interrupted = false;
				if (!op->origin.line) {
					op->origin.line = sm->result_line;
					sxs_free(op->origin.text);
					op->origin.text = sxs_strdup("Operation result (DISM summary)");
				}
			}
		}
		if (owned)
			continue;
		char msg[64];
		snprintf(msg, sizeof(msg), "Operation result: 0x%" PRIx32, sm->result);
		struct sxs_cbslog_record rec;
		memset(&rec, 0, sizeof(rec));
		rec.line = sm->result_line ? sm->result_line : sm->line;
		rec.nlines = 1;
		rec.msg = msg;
		rec.msglen = strlen(msg);
		enum sxs_cbs_op_type t = !strncmp(sm->operation, "Detect and Repair", 17) ? SXS_OP_RESTOREHEALTH
		                         : !strncmp(sm->operation, "Detect only", 11)     ? SXS_OP_SCANHEALTH
		                                                                          : SXS_OP_CORRUPTION;
		long idx = new_op(an, t, &rec, true);
		struct sxs_cbs_op *op = op_at(an, idx);
		if (op) {
			op->summary_line = sm->line;
			op->start_line = sm->line;
			close_op(an, idx, true, sm->result, &rec);
		}
	}
}

int sxs_cbs_analyzer_finish(struct sxs_cbs_analyzer *an, const struct sxs_cbslog_stats *st)
{
	struct sxs_cbs_log *log = an->log;
	if (an->err)
		return an->err;
	if (st)
		log->stats = *st;
	dism_close(an);
	while (an->nopen) {
		long idx = (long)an->open[an->nopen - 1];
		struct sxs_cbs_op *op = &log->ops[idx];
		op->unfinished = true;
		/*
		 * An install or store repair that never completes in the file is
		 * interrupted (expected.json's "interrupted": "never completes in the
		 * file"); on a disk examined offline the machine went down during it.
		 */
		if (op->type == SXS_OP_PACKAGE || op->type == SXS_OP_RESTOREHEALTH || op->type == SXS_OP_SCANHEALTH ||
		    op->type == SXS_OP_CORRUPTION)
			op->interrupted = true;
		if (an->last_line_next > op->end_line)
			op->end_line = an->last_line_next;
		close_op(an, idx, false, 0, NULL);
		if (op->has_result) /* it had stated its failure before the file ends */
			op->interrupted = false;
	}
	an->startup_op = -1;
	sfc_end(an);
	summary_results(an);
	derive_build(log);

	/* what kind of file this is */
	uint64_t dism = 0;
	for (size_t i = 0; i < log->nops; i++)
		dism += log->ops[i].type == SXS_OP_DISM_COMMAND;
	if (log->nplines && !log->nsummaries) {
		bool f = false;
		for (size_t i = 0; i < log->nplines; i++)
			f |= log->plines[i].type && strstr(log->plines[i].type, "MUM") != NULL && log->plines[i].nflags;
		(void)f;
	}
	if (log->checksur_text && !log->stats.records)
		log->file_kind = "checksur";
	else if (dism || log->dismapi_sessions)
		log->file_kind = log->ti_starts || log->sessions_initialized ? "cbs" : "dism";
	else if (!log->ti_starts && !log->sessions_initialized && log->nsfc && log->stats.records &&
	         log->sfc[0].start_line <= 2)
		log->file_kind = "sfc-extract";
	else
		log->file_kind = "cbs";
	if (an->err)
		return an->err;
	return sxs_cbs_triage(log);
}

/* ---- stream: reader + analyzer ---- */

struct sxs_cbs_stream {
	struct sxs_cbs_log *log;
	struct sxs_cbslog_reader *reader;
	struct sxs_cbs_analyzer *an;
};

int sxs_cbs_stream_new(struct sxs_cbs_log *log, struct sxs_cbs_stream **ret)
{
	struct sxs_cbs_stream *s = sxs_calloc(1, sizeof(*s));
	int err;
	if (!s)
		return -SXS_ENOMEM;
	s->log = log;
	if ((err = sxs_cbs_analyzer_new(log, &s->an)) ||
	    (err = sxs_cbslog_reader_new(sxs_cbs_analyzer_record, s->an, &s->reader))) {
		sxs_cbs_stream_free(s);
		return err;
	}
	*ret = s;
	return 0;
}

int sxs_cbs_stream_feed(struct sxs_cbs_stream *s, const void *data, size_t len)
{
	return sxs_cbslog_reader_feed(s->reader, data, len);
}

int sxs_cbs_stream_end(struct sxs_cbs_stream *s)
{
	int err = sxs_cbslog_reader_end(s->reader);
	if (!err)
		err = sxs_cbs_analyzer_finish(s->an, sxs_cbslog_reader_stats(s->reader));
	else
		s->log->stats = *sxs_cbslog_reader_stats(s->reader);
	return err;
}

void sxs_cbs_stream_free(struct sxs_cbs_stream *s)
{
	if (!s)
		return;
	sxs_cbslog_reader_free(s->reader);
	sxs_cbs_analyzer_free(s->an);
	sxs_free(s);
}

size_t sxs_cbs_code_counts(const struct sxs_cbs_log *log, struct sxs_cbs_name_count **ret)
{
	const struct sxs_cbs_names *nm = log->names;
	*ret = NULL;
	if (!nm || !nm->n)
		return 0;
	struct sxs_cbs_name_count *v = sxs_calloc(nm->n, sizeof(*v));
	if (!v)
		return 0;
	for (size_t i = 0; i < nm->n; i++) {
		v[i].code = nm->v[i].code;
		v[i].count = nm->v[i].count;
	}
	*ret = v;
	return nm->n;
}

void sxs_cbs_names_free(struct sxs_cbs_log *log)
{
	struct sxs_cbs_names *nm = log->names;
	if (!nm)
		return;
	for (size_t i = 0; i < nm->n; i++)
		sxs_free(nm->v[i].name);
	sxs_free(nm->v);
	sxs_free(nm);
	log->names = NULL;
}
