/* SPDX-License-Identifier: MIT */
/*
 * Repair-script writers (PowerShell and sh) on arbitrary names.  The input
 * is carved into NUL-separated strings: the quoting functions get the first
 * one, and a comparison with one action of each kind gets the rest (image,
 * golden, component key forms, file names, Winners keys, bands, versions).
 * Properties:
 *   - sxs_script_sh_quote / sxs_script_ps_quote output decodes, by the
 *     target shell's single-quote rules, back to exactly the input, and is
 *     one single-quoted word;
 *   - both scripts are valid UTF-8 without control characters but '\n',
 *     '\r' and '\t' (no name can start a new command line); the ps1 is a
 *     UTF-8 BOM and then ASCII only (it reads the same in any code page);
 *   - no name (key forms, file names, Winners keys, image and golden
 *     paths) appears in a script's code, outside its single-quoted
 *     literals and comments: a name that ended a literal or a
 *     here-document early (issue 12 defects 4, 5) would; the sh script has
 *     no here-document at all;
 *   - the sh script passes `sh -n` (syntax check, nothing is run).
 */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/compare.h"
#include "fuzz.h"
#include "report/script.h"
#include "util/alloc.h"
#include "util/utf8.h"

/* A version of nparts parts (sometimes another count, which the writer must refuse). */
static void fuzz_version(struct fuzz_input *in, struct sxs_version *v, unsigned nparts)
{
	uint8_t sel = fuzz_u8(in);
	v->nparts = (uint8_t)((sel & 7) == 7 ? sel % 5 : nparts);
	for (unsigned i = 0; i < SXS_VERSION_MAX_PARTS; i++)
		v->part[i] = (uint16_t)fuzz_u32(in);
}

static char *take(struct fuzz_input *in)
{
	char *s = fuzz_string(in);
	char *d = sxs_strdup(s);
	free(s);
	if (!d)
		abort();
	return d;
}

/* Decode one POSIX sh word made of '...' and \' parts; NULL if not that shape. */
static char *sh_unquote(const char *w)
{
	size_t n = strlen(w);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		abort();
	const char *p = w;
	while (*p) {
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e) {
				free(out);
				return NULL;
			}
			memcpy(o, p + 1, (size_t)(e - p - 1));
			o += e - p - 1;
			p = e + 1;
		} else if (p[0] == '\\' && p[1] == '\'') {
			*o++ = '\'';
			p += 2;
		} else {
			free(out); /* anything unquoted could be expanded */
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

static int ps_quote_len(const unsigned char *p)
{
	if (*p == '\'')
		return 1;
	if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b)
		return 3;
	return 0;
}

/* Decode a PowerShell single-quoted literal: any of ' U+2018..U+201B ends it
 * unless doubled.  NULL if w is not exactly one such literal. */
static char *ps_unquote(const char *w)
{
	const unsigned char *p = (const unsigned char *)w;
	size_t n = strlen(w);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		abort();
	int q = ps_quote_len(p);
	if (!q)
		goto bad;
	p += q;
	for (;;) {
		if (!*p)
			goto bad;
		int l = ps_quote_len(p);
		if (l) {
			int l2 = ps_quote_len(p + l);
			if (l2) {
				/* a doubled quote: one literal quote (the first) */
				memcpy(o, p, (size_t)l);
				o += l;
				p += l + l2;
				continue;
			}
			p += l;
			if (*p)
				goto bad; /* the literal ended before the end */
			break;
		}
		*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void check_quoting(const char *s)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_script_sh_quote(&sb, s);
	char *d = sh_unquote(sxs_strbuf_str(&sb));
	FUZZ_CHECK(d && !strcmp(d, s), "sh quote of '%s' is %s", s, sxs_strbuf_str(&sb));
	free(d);
	sxs_strbuf_reset(&sb);
	sxs_script_ps_quote(&sb, s);
	d = ps_unquote(sxs_strbuf_str(&sb));
	FUZZ_CHECK(d && !strcmp(d, s), "ps quote of '%s' is %s", s, sxs_strbuf_str(&sb));
	free(d);
	sxs_strbuf_release(&sb);
}

/*
 * Every name given to the writer: none may appear in a script's code, i.e.
 * outside single-quoted literals and comments.  A name that ends a literal
 * or a here-document early (issue 12 defects 4 and 5) leaves its tail in
 * code, where this finds it.
 */
#define MAX_NAMES 64
static const char *names[MAX_NAMES];
static size_t nnames;

static void note_name(const char *s)
{
	if (strlen(s) >= 6 && nnames < MAX_NAMES)
		names[nnames++] = s;
}

/* The code of a sh script: outside '...' words and # comments; `<<` here is a here-document. */
static void sh_code(const char *t, struct sxs_strbuf *code)
{
	bool word_start = true;
	for (const char *p = t; *p;) {
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			FUZZ_CHECK(e, "unterminated single quote in the sh script");
			sxs_strbuf_adds(code, "''");
			p = e + 1;
			word_start = false;
		} else if (*p == '#' && word_start) {
			while (*p && *p != '\n')
				p++;
		} else if (*p == '"') {
			/* double quotes: still code (expansions), a ' in them is literal */
			sxs_strbuf_addc(code, *p++);
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					sxs_strbuf_addc(code, *p++);
				sxs_strbuf_addc(code, *p++);
			}
			FUZZ_CHECK(*p, "unterminated double quote in the sh script");
			sxs_strbuf_addc(code, *p++);
			word_start = false;
		} else if (*p == '\\' && p[1]) {
			sxs_strbuf_add(code, p, 2);
			p += 2;
			word_start = false;
		} else {
			word_start = strchr(" \t\n;&|(){}", *p) != NULL;
			sxs_strbuf_addc(code, *p++);
		}
	}
}

static bool ps_squote(const unsigned char *p)
{
	return p[0] == '\'' || (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b);
}

/* The code of a ps1: outside '...' literals, @'...'@ here-strings and comments. */
static void ps_code(const char *t, struct sxs_strbuf *code)
{
	const unsigned char *p = (const unsigned char *)t;
	while (*p) {
		if (p[0] == '<' && p[1] == '#') {
			const char *e = strstr((const char *)p, "#>");
			FUZZ_CHECK(e, "unterminated <# comment in the ps1");
			p = (const unsigned char *)e + 2;
		} else if (*p == '#') {
			while (*p && *p != '\n')
				p++;
		} else if (*p == '"') {
			/* an expandable string: code, `-escapes, "" for a quote */
			sxs_strbuf_addc(code, (char)*p++);
			while (*p && !(*p == '"' && p[1] != '"')) {
				if ((*p == '`' || *p == '"') && p[1])
					sxs_strbuf_addc(code, (char)*p++);
				sxs_strbuf_addc(code, (char)*p++);
			}
			FUZZ_CHECK(*p, "unterminated double quote in the ps1");
			sxs_strbuf_addc(code, (char)*p++);
		} else if (p[0] == '@' && p[1] == '\'' && (p[2] == '\r' || p[2] == '\n')) {
			const char *e = strstr((const char *)p, "\n'@");
			FUZZ_CHECK(e, "unterminated here-string in the ps1");
			p = (const unsigned char *)e + 3;
		} else if (ps_squote(p)) {
			p += *p == '\'' ? 1 : 3;
			for (;;) {
				FUZZ_CHECK(*p, "unterminated literal in the ps1");
				if (ps_squote(p)) {
					const unsigned char *q = p + (*p == '\'' ? 1 : 3);
					if (!ps_squote(q)) {
						p = q;
						break;
					}
					p = q + (*q == '\'' ? 1 : 3); /* doubled: one quote in the value */
					continue;
				}
				p++;
			}
			sxs_strbuf_adds(code, "''");
		} else {
			sxs_strbuf_addc(code, (char)*p++);
		}
	}
}

static char *baseline[2]; /* the scripts of an empty plan: names found there prove nothing */

static void check_script(const char *t, size_t len, bool is_sh)
{
	FUZZ_CHECK(strlen(t) == len, "NUL in the script");
	FUZZ_CHECK(sxs_utf8_valid(t, len), "script is not valid UTF-8");
	if (!is_sh) {
		/* a UTF-8 BOM, then ASCII: Windows PowerShell 5.1 reads it the same
		 * in any ANSI code page */
		FUZZ_CHECK(len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3), "the ps1 has no UTF-8 BOM");
		t += 3;
		len -= 3;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		FUZZ_CHECK(c >= 0x20 ? c != 0x7f : (c == '\n' || c == '\r' || c == '\t'),
		           "control byte 0x%02x at %zu", c, i);
		FUZZ_CHECK(is_sh || c < 0x80, "ps1: byte 0x%02x outside ASCII at %zu", c, i);
	}
	struct sxs_strbuf code = SXS_STRBUF_INIT;
	if (is_sh)
		sh_code(t, &code);
	else
		ps_code(t, &code);
	const char *cs = sxs_strbuf_str(&code);
	FUZZ_CHECK(!is_sh || !strstr(cs, "<<"), "a here-document in the sh script");
	for (size_t i = 0; i < nnames; i++) {
		if (strstr(baseline[is_sh], names[i]))
			continue;
		const char *hit = strstr(cs, names[i]);
		FUZZ_CHECK(!hit, "%s: name '%s' is in code outside a literal: ...%.80s", is_sh ? "sh" : "ps1",
		           names[i], hit > cs + 40 ? hit - 40 : cs);
	}
	sxs_strbuf_release(&code);
	if (is_sh) {
		int fds[2];
		if (pipe(fds))
			abort();
		pid_t pid = fork();
		if (pid < 0)
			abort();
		if (pid == 0) {
			dup2(fds[0], 0);
			close(fds[0]);
			close(fds[1]);
			execl("/bin/sh", "sh", "-n", (char *)NULL);
			_exit(127);
		}
		close(fds[0]);
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(fds[1], t + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(fds[1]);
		int st;
		while (waitpid(pid, &st, 0) < 0)
			;
		FUZZ_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sh -n rejects the script:\n%s", t);
	}
}

static void make_baseline(void)
{
	if (baseline[0])
		return;
	struct sxs_comparison c;
	sxs_comparison_init(&c);
	for (int kind = 0; kind < 2; kind++) {
		struct sxs_strbuf out = SXS_STRBUF_INIT;
		if (sxs_script_write(&out, kind ? SXS_SCRIPT_SH : SXS_SCRIPT_PS1, &c, NULL, NULL))
			abort();
		baseline[kind] = sxs_strbuf_detach(&out, NULL);
		if (!baseline[kind])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	char *q = fuzz_string(&in);
	check_quoting(q);
	free(q);

	struct sxs_comparison c;
	make_baseline();
	sxs_comparison_init(&c);
	nnames = 0;
	c.image = take(&in);
	c.golden = take(&in);
	c.golden_label = take(&in);
	c.golden_is_reference = size & 1;

	c.actions = sxs_calloc(SXS_ACT_COUNT, sizeof(*c.actions));
	if (!c.actions)
		abort();
	for (int k = 0; k < SXS_ACT_COUNT && in.left; k++) {
		struct sxs_action *a = &c.actions[c.nactions++];
		uint8_t sel = fuzz_u8(&in);
		a->kind = (enum sxs_action_kind)k;
		a->reason = take(&in);
		if (k == SXS_ACT_RESTORE_MANIFEST || k == SXS_ACT_REPLACE_FOLDER) {
			a->component = take(&in);
			note_name(a->component);
			a->folder_exists = sel & 1;
			a->manifest_exists = sel & 2;
			if (k == SXS_ACT_REPLACE_FOLDER) {
				size_t nf = 1 + (sel >> 4) % 3;
				a->files = sxs_calloc(nf, sizeof(*a->files));
				if (!a->files)
					abort();
				for (size_t i = 0; i < nf; i++) {
					struct sxs_plan_file *f = &a->files[a->nfiles++];
					f->name = take(&in);
					note_name(f->name);
					f->alg = SXS_DIGEST_SHA256;
					memset(f->hex, 'a', 64);
					f->hex[64] = '\0';
					f->size = fuzz_u32(&in);
					f->differs = sel & 4;
					f->keep = (sel & 8) && i == 0;
					f->delta = (sel & 0x80) && i == 1;
				}
			}
		} else {
			a->winners_key = take(&in);
			note_name(a->winners_key);
			fuzz_version(&in, &a->band, 2);
			if (sel & 1)
				fuzz_version(&in, &a->winner, 4);
			a->set_default_band = sel & 2;
			a->band_exists = sel & 4;
			a->saw_default_band = sel & 8;
			fuzz_version(&in, &a->seen_default_band, 2);
			a->saw_winner = sel & 0x40;
			fuzz_version(&in, &a->seen_winner, 4);
			size_t nv = (sel >> 4) & 3;
			a->versions = sxs_calloc(nv ? nv : 1, sizeof(*a->versions));
			a->keep_versions = sxs_calloc(nv ? nv : 1, sizeof(*a->keep_versions));
			if (!a->versions || !a->keep_versions)
				abort();
			for (size_t i = 0; i < nv; i++) {
				fuzz_version(&in, &a->versions[a->nversions++], 4);
				fuzz_version(&in, &a->keep_versions[a->nkeep_versions++], 4);
			}
		}
	}
	if (in.left) {
		c.unfixable = sxs_calloc(1, sizeof(*c.unfixable));
		if (!c.unfixable)
			abort();
		c.nunfixable = 1;
		c.unfixable[0].component = take(&in);
		c.unfixable[0].needed = take(&in);
		c.unfixable[0].reason = take(&in);
	}

	struct sxs_script_options opt = {"sxscheck fuzz"};
	for (int kind = 0; kind < 2; kind++) {
		struct sxs_strbuf out = SXS_STRBUF_INIT;
		size_t skipped = 0;
		int err = sxs_script_write(&out, kind ? SXS_SCRIPT_SH : SXS_SCRIPT_PS1, &c, &opt, &skipped);
		FUZZ_CHECK(err == 0, "script_write: %d", err);
		FUZZ_CHECK(skipped <= c.nactions, "%zu skipped of %zu", skipped, c.nactions);
		if (getenv("FUZZ_SCRIPT_DUMP"))
			fprintf(stderr, "%s", sxs_strbuf_str(&out));
		check_script(sxs_strbuf_str(&out), out.len, kind == 1);
		sxs_strbuf_release(&out);
	}
	sxs_comparison_release(&c);
	return 0;
}
