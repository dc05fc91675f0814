/* SPDX-License-Identifier: MIT */
#include "report/script.h"

#include <string.h>

#include "digest/digest.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/utf8.h"
#include "util/version.h"

/*
 * The scripts are the template files repair.sh.in and repair.ps1.in
 * (compiled in by embed.c); this writer only replaces their marker lines
 * with comments and the plan as data:
 *   - sh: plan_data() prints the plan's directives (manifest, folder,
 *     payload, keep, delta, winners, wband, wversion) as printf arguments:
 *     single-quoted words (sxs_script_sh_quote) or tokens we make ourselves
 *     (step numbers, hex digests, fixed keywords); the template's run_plan
 *     reads them back as fields.  undo.sh.in goes in as single-quoted printf
 *     arguments too.  No here-document anywhere.
 *   - ps1: hashtables of single-quoted literals; a name outside printable
 *     ASCII is written as base64 of its UTF-8 bytes and decoded at run
 *     time, so the whole file is ASCII after its UTF-8 BOM and reads the
 *     same whatever code page Windows PowerShell 5.1 would assume.
 * Names from the images go in only after sxs_script_name_ok accepted them
 * (or in '#' comment lines, escaped so they hold no control character);
 * Winners bands and versions are parsed values (util/version.h) formatted
 * here, and a Winners key must be [A-Za-z0-9._-].
 */

extern const char sxs_tpl_repair_sh[], sxs_tpl_undo_sh[], sxs_tpl_repair_ps1[], sxs_tpl_undo_ps1[];
extern const size_t sxs_tpl_repair_sh_len, sxs_tpl_undo_sh_len, sxs_tpl_repair_ps1_len,
	sxs_tpl_undo_ps1_len;

#define MARK_HEADER "# @@SXSCHECK-HEADER@@"
#define MARK_PLAN_BEGIN "# @@SXSCHECK-PLAN-BEGIN@@"
#define MARK_PLAN_END "# @@SXSCHECK-PLAN-END@@"

bool sxs_script_name_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (len == 0 || len > 255 || !sxs_utf8_valid(s, len))
		return false;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || strchr("<>:\"/\\|?*", c))
			return false;
	}
	/* Windows drops a trailing dot or space: the name would not round-trip */
	return s[len - 1] != '.' && s[len - 1] != ' ';
}

/* A Winners key form as we write it: [A-Za-z0-9._-], 1..255 characters. */
static bool reg_token_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A plan build "10.0.17763.1613" (three or four parts), else NULL. */
static const char *build_token(const char *b)
{
	struct sxs_version v;
	if (!b)
		return NULL;
	size_t len = strlen(b);
	return sxs_version_parse_parts(b, len, 4, &v) == 0 || sxs_version_parse_parts(b, len, 3, &v) == 0
	               ? b
	               : NULL;
}

void sxs_script_ps_quote(struct sxs_strbuf *out, const char *s)
{
	sxs_strbuf_addc(out, '\'');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* ' and U+2018..U+201B all end a PowerShell single-quoted string: double them */
		if (*p == '\'') {
			sxs_strbuf_adds(out, "''");
		} else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b) {
			sxs_strbuf_add(out, p, 3);
			sxs_strbuf_add(out, p, 3);
			p += 2;
		} else {
			sxs_strbuf_addc(out, (char)*p);
		}
	}
	sxs_strbuf_addc(out, '\'');
}

void sxs_script_sh_quote(struct sxs_strbuf *out, const char *s)
{
	sxs_strbuf_addc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			sxs_strbuf_adds(out, "'\\''");
		else
			sxs_strbuf_addc(out, *p);
	}
	sxs_strbuf_addc(out, '\'');
}

static bool printable_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

void sxs_script_ps_name(struct sxs_strbuf *out, const char *s)
{
	if (printable_ascii(s)) {
		sxs_script_ps_quote(out, s);
		return;
	}
	size_t len = strlen(s);
	char *b64 = sxs_malloc(SXS_BASE64_LEN(len) + 1);
	if (!b64) {
		out->oom = true;
		return;
	}
	sxs_base64_encode((const uint8_t *)s, len, b64);
	sxs_strbuf_adds(out, "(ConvertFrom-SxsBase64 '");
	sxs_strbuf_adds(out, b64);
	sxs_strbuf_adds(out, "')");
	sxs_free(b64);
}

/* Text with every byte outside printable ASCII as \xNN (ps1 comments and prose). */
static void ascii_escape(struct sxs_strbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p >= 0x20 && *p <= 0x7e)
			sxs_strbuf_addc(out, (char)*p);
		else
			sxs_strbuf_addf(out, "\\x%02x", *p);
	}
}

/* A version as text (digits and dots only). */
static void add_version(struct sxs_strbuf *out, const struct sxs_version *v)
{
	char buf[SXS_VERSION_STR_MAX];
	sxs_strbuf_adds(out, sxs_version_format(v, buf));
}

static bool is_winners_action(enum sxs_action_kind k)
{
	return k == SXS_ACT_CREATE_WINNERS_KEY || k == SXS_ACT_SET_WINNER ||
	       k == SXS_ACT_ADD_WINNERS_VERSION;
}

/* A differential "r\\name" (or "r/name"): f, r or n, a separator, a file name. */
static bool delta_name_ok(const char *s)
{
	return (s[0] == 'f' || s[0] == 'r' || s[0] == 'n') && (s[1] == '\\' || s[1] == '/') &&
	       sxs_script_name_ok(s + 2);
}

static bool hex_ok(const struct sxs_plan_file *f)
{
	size_t want = 2 * sxs_digest_size(f->alg);
	if (want == 0 || strlen(f->hex) != want)
		return false;
	for (size_t i = 0; i < want; i++)
		if (!((f->hex[i] >= '0' && f->hex[i] <= '9') || (f->hex[i] >= 'a' && f->hex[i] <= 'f')))
			return false;
	return true;
}

static bool version_ok(const struct sxs_version *v, unsigned nparts)
{
	return v->nparts == nparts;
}

/* Why the action cannot be written, or NULL when it can. */
static const char *action_unsafe(const struct sxs_action *a)
{
	if (is_winners_action(a->kind)) {
		if (!reg_token_ok(a->winners_key))
			return "the Winners key has characters a registry step does not accept";
		if (!version_ok(&a->band, 2) || !version_ok(&a->winner, 4) ||
		    (a->saw_default_band && !version_ok(&a->seen_default_band, 2)) ||
		    (a->saw_winner && !version_ok(&a->seen_winner, 4)))
			return "a band or winner is not a version";
		for (size_t i = 0; i < a->nversions; i++)
			if (!version_ok(&a->versions[i], 4))
				return "a version value is not a version";
		for (size_t i = 0; i < a->nkeep_versions; i++)
			if (!version_ok(&a->keep_versions[i], 4))
				return "an existing version value is not a version";
		return NULL;
	}
	if (a->kind == SXS_ACT_RESTORE_PACKAGE)
		return sxs_script_name_ok(a->package) ? NULL
		       : "the package name cannot be a Windows file name (control characters, invalid UTF-8 or <>:\"/\\|?*)";
	if (a->kind != SXS_ACT_RESTORE_MANIFEST && a->kind != SXS_ACT_REPLACE_FOLDER)
		return "a plan step of a kind this version of the scripts does not know";
	if (!sxs_script_name_ok(a->component))
		return "the component key form cannot be a Windows file name (control characters, invalid UTF-8 or <>:\"/\\|?*)";
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct sxs_plan_file *f = &a->files[i];
		bool ok = f->delta ? delta_name_ok(f->name) && (!f->lcu || sxs_script_name_ok(f->lcu))
		                   : sxs_script_name_ok(f->name);
		if (!ok)
			return "a file name cannot be a Windows file name (control characters, invalid UTF-8 or <>:\"/\\|?*)";
		if (!f->delta && !f->keep && !hex_ok(f))
			return "a file digest is not a hex digest of its algorithm";
	}
	return NULL;
}

static const char *action_title(const struct sxs_action *a)
{
	switch (a->kind) {
	case SXS_ACT_RESTORE_MANIFEST: return "restore the manifest";
	case SXS_ACT_REPLACE_FOLDER: return "repair the component folder";
	case SXS_ACT_CREATE_WINNERS_KEY: return "create the Winners key";
	case SXS_ACT_SET_WINNER: return "set the Winners band and winner";
	case SXS_ACT_ADD_WINNERS_VERSION: return "add Winners version values";
	case SXS_ACT_RESTORE_PACKAGE: return "restore the package's .mum and .cat";
	default: return "?";
	}
}

/* ---- template filling ----------------------------------------------------- */

struct writer {
	struct sxs_strbuf *out;
	const struct sxs_comparison *c;
	const struct sxs_script_options *opt;
	bool *ok;        /* per action: written (not left out) */
	size_t nsteps;
	bool ps1;
};

/* "<prefix><text>\n" as a comment line that cannot end early. */
static void comment(struct writer *w, const char *prefix, const char *text)
{
	sxs_strbuf_adds(w->out, prefix);
	if (text && w->ps1)
		ascii_escape(w->out, text);
	else if (text)
		sxs_utf8_escape_text(w->out, text, strlen(text));
	sxs_strbuf_addc(w->out, '\n');
}

static void write_header(struct writer *w)
{
	const struct sxs_comparison *c = w->c;
	struct sxs_strbuf *out = w->out;
	sxs_strbuf_addf(out, "# Generated by %s from 'sxscheck compare'.  Read it before you run it.\n",
	                w->opt && w->opt->generator && printable_ascii(w->opt->generator) ? w->opt->generator
	                                                                                  : "sxscheck");
	comment(w, "# Image:  ", c->image);
	comment(w, "# Golden: ", c->golden);
	comment(w, "# Plan made for build ", c->image_build ? c->image_build : "unknown");
	if (c->build_mismatch)
		sxs_strbuf_adds(out, "# WARNING: the two sides run different builds.\n");
	if (c->image_hibernated)
		sxs_strbuf_adds(out, "# WARNING: the image was hibernated (Fast Startup) when the plan was made: the\n"
		                     "# volume is older than what Windows holds in memory.  Start Windows, shut it\n"
		                     "# down fully and make a new plan; the sh script refuses such a volume.\n");
	if (c->nunfixable) {
		sxs_strbuf_addf(out, "#\n# Not fixed by this script (%zu):\n", c->nunfixable);
		for (size_t i = 0; i < c->nunfixable; i++) {
			const struct sxs_unfixable *u = &c->unfixable[i];
			comment(w, "#   - ", u->component ? u->component : u->package ? u->package : u->winners_key);
			comment(w, "#     ", u->reason);
			if (u->needed)
				comment(w, "#     needed: ", u->needed);
		}
	}
	for (size_t i = 0; i < c->nactions; i++) {
		const struct sxs_action *a = &c->actions[i];
		const char *why = action_unsafe(a);
		if (!why)
			continue;
		sxs_strbuf_addf(out, "#\n# Step %zu (%s) left out: %s\n", i + 1, sxs_action_kind_name(a->kind),
		                why);
		comment(w, "#   ", a->component ? a->component : a->package ? a->package : a->winners_key);
	}
}

static void step_comment(struct writer *w, size_t step, const struct sxs_action *a, const char *indent)
{
	sxs_strbuf_addf(w->out, "%s# Step %zu: %s ", indent, step, action_title(a));
	const char *what = a->component ? a->component : a->package ? a->package : a->winners_key;
	if (what && w->ps1)
		ascii_escape(w->out, what);
	else if (what)
		sxs_utf8_escape_text(w->out, what, strlen(what));
	sxs_strbuf_addc(w->out, '\n');
	sxs_strbuf_adds(w->out, indent);
	comment(w, "#   why: ", a->reason);
}

/*
 * Copy the template, replacing the header marker line and the plan region
 * (its begin marker to its end marker, both included).
 */
static int fill(struct writer *w, const char *tpl, size_t len, void (*plan)(struct writer *))
{
	bool in_plan = false, saw_header = false, saw_plan = false;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(tpl + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (tpl + off)) : len - off;
		const char *line = tpl + off;
		off += n + (nl ? 1 : 0);
		if (n == strlen(MARK_HEADER) && !memcmp(line, MARK_HEADER, n)) {
			write_header(w);
			saw_header = true;
		} else if (n == strlen(MARK_PLAN_BEGIN) && !memcmp(line, MARK_PLAN_BEGIN, n)) {
			in_plan = true;
			plan(w);
			saw_plan = true;
		} else if (n == strlen(MARK_PLAN_END) && !memcmp(line, MARK_PLAN_END, n)) {
			in_plan = false;
		} else if (!in_plan) {
			sxs_strbuf_add(w->out, line, n);
			sxs_strbuf_addc(w->out, '\n');
		}
	}
	/* a template without its markers is a build defect, not bad input */
	if (!saw_header || !saw_plan || in_plan)
		return -SXS_EINVAL;
	return sxs_strbuf_error(w->out);
}

/* ---- POSIX sh ------------------------------------------------------------- */

/*
 * The plan is printed by plan_data(): one printf per directive, each field a
 * single-quoted argument (names, versions) or a token made here (step
 * numbers, hex digests, fixed keywords).  run_plan in repair.sh.in reads the
 * fields back one a line and passes them to the directive as arguments.
 */
static void sh_word(struct sxs_strbuf *out, const char *s)
{
	sxs_strbuf_addc(out, ' ');
	sxs_script_sh_quote(out, s);
}

static void sh_version(struct sxs_strbuf *out, const struct sxs_version *v)
{
	sxs_strbuf_adds(out, " '");
	add_version(out, v);
	sxs_strbuf_addc(out, '\'');
}

/* Start a plan_data line: printf of one field a line. */
static void sh_printf(struct sxs_strbuf *out)
{
	sxs_strbuf_adds(out, "\tprintf '%s\\n' ");
}

static void sh_files_step(struct writer *w, size_t step, const struct sxs_action *a)
{
	struct sxs_strbuf *out = w->out;
	if (a->kind == SXS_ACT_RESTORE_PACKAGE) {
		char mh[65], ch[65];
		sxs_hex_encode(a->mum_sha256, 32, mh);
		sxs_hex_encode(a->cat_sha256, 32, ch);
		sh_printf(out);
		sxs_strbuf_addf(out, "package %zu", step);
		sh_word(out, a->package);
		sxs_strbuf_addf(out, " %s %s\n", mh, ch);
		return;
	}
	if (a->kind == SXS_ACT_RESTORE_MANIFEST) {
		char hex[65];
		sxs_hex_encode(a->manifest_sha256, 32, hex);
		sxs_strbuf_addf(out, "\t# decoded manifest SHA-256 (S256H): %s\n", hex);
		sh_printf(out);
		sxs_strbuf_addf(out, "manifest %zu", step);
		sh_word(out, a->component);
		sxs_strbuf_adds(out, a->manifest_exists ? " present\n" : " absent\n");
		return;
	}
	sh_printf(out);
	sxs_strbuf_addf(out, "folder %zu", step);
	sh_word(out, a->component);
	sxs_strbuf_adds(out, a->folder_exists ? " present\n" : " absent\n");
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct sxs_plan_file *f = &a->files[i];
		if (f->keep) {
			sh_printf(out);
			sxs_strbuf_adds(out, "keep");
			sh_word(out, f->name);
		} else if (f->delta) {
			sh_printf(out);
			sxs_strbuf_addf(out, "delta %c", f->name[0]);
			sh_word(out, f->name + 2);
			sxs_strbuf_adds(out, f->differs ? " differs" : " same");
			if (f->lcu)
				sh_word(out, f->lcu); /* in servicing/LCU/<lcu>/<kf>/ */
			else
				sxs_strbuf_adds(out, " -");
		} else {
			sh_printf(out);
			sxs_strbuf_addf(out, "payload %s", sxs_digest_name(f->alg));
			sh_word(out, f->name);
			sxs_strbuf_addf(out, " %s %s", f->hex, f->differs ? "differs" : "same");
		}
		sxs_strbuf_addc(out, '\n');
	}
	sh_printf(out);
	sxs_strbuf_adds(out, "end_folder\n");
}

static void sh_winners_step(struct writer *w, size_t step, const struct sxs_action *a)
{
	struct sxs_strbuf *out = w->out;
	const char *kind = a->kind == SXS_ACT_CREATE_WINNERS_KEY ? "create"
	                   : a->kind == SXS_ACT_SET_WINNER       ? "set"
	                                                         : "add";
	sh_printf(out);
	sxs_strbuf_addf(out, "winners %zu %s", step, kind);
	sh_word(out, a->winners_key);
	if (a->saw_default_band && a->kind != SXS_ACT_CREATE_WINNERS_KEY)
		sh_version(out, &a->seen_default_band);
	else
		sxs_strbuf_adds(out, " -");
	sxs_strbuf_addc(out, '\n');
	sh_printf(out);
	sxs_strbuf_adds(out, "wband");
	sh_version(out, &a->band);
	sxs_strbuf_adds(out, a->band_exists && a->kind != SXS_ACT_CREATE_WINNERS_KEY ? " present" : " absent");
	if (a->saw_winner && a->band_exists)
		sh_version(out, &a->seen_winner);
	else
		sxs_strbuf_adds(out, " -");
	sh_version(out, &a->winner);
	sxs_strbuf_adds(out, a->set_default_band || a->kind == SXS_ACT_CREATE_WINNERS_KEY ? " set-default\n"
	                                                                                   : " keep-default\n");
	for (size_t i = 0; a->band_exists && i < a->nkeep_versions; i++) {
		sh_printf(out);
		sxs_strbuf_adds(out, "wversion keep");
		sh_version(out, &a->keep_versions[i]);
		sxs_strbuf_addc(out, '\n');
	}
	for (size_t i = 0; i < a->nversions; i++) {
		sh_printf(out);
		sxs_strbuf_adds(out, "wversion add");
		sh_version(out, &a->versions[i]);
		sxs_strbuf_addc(out, '\n');
	}
	sh_printf(out);
	sxs_strbuf_adds(out, "wend\n");
}

/* The fixed part of undo.sh, as single-quoted printf arguments. */
static void sh_undo_template(struct writer *w)
{
	struct sxs_strbuf *out = w->out;
	sxs_strbuf_adds(out, "undo_template() {\n\tprintf '%s\\n'");
	for (size_t off = 0; off < sxs_tpl_undo_sh_len;) {
		const char *line = sxs_tpl_undo_sh + off;
		const char *nl = memchr(line, '\n', sxs_tpl_undo_sh_len - off);
		size_t n = nl ? (size_t)(nl - line) : sxs_tpl_undo_sh_len - off;
		off += n + (nl ? 1 : 0);
		char *l = sxs_strndup(line, n);
		if (!l) {
			out->oom = true;
			return;
		}
		sxs_strbuf_adds(out, " \\\n\t\t");
		sxs_script_sh_quote(out, l);
		sxs_free(l);
	}
	sxs_strbuf_adds(out, "\n}\n");
}

static void sh_plan(struct writer *w)
{
	const struct sxs_comparison *c = w->c;
	struct sxs_strbuf *out = w->out;
	const char *build = build_token(c->image_build);
	sxs_strbuf_adds(out, "plan_build=");
	sxs_script_sh_quote(out, build ? build : "unknown");
	sxs_strbuf_addf(out, "\nplan_steps=%zu\nplan_data() {\n", w->nsteps);
	for (size_t i = 0; i < c->nactions; i++) {
		const struct sxs_action *a = &c->actions[i];
		if (!w->ok[i])
			continue;
		step_comment(w, i + 1, a, "\t");
		if (is_winners_action(a->kind))
			sh_winners_step(w, i + 1, a);
		else
			sh_files_step(w, i + 1, a);
	}
	sxs_strbuf_adds(out, "\t:\n}\n");
	sh_undo_template(w);
}

/* ---- PowerShell ------------------------------------------------------------ */

static void ps_field(struct sxs_strbuf *out, const char *name)
{
	sxs_strbuf_addf(out, "        %-14s = ", name);
}

static void ps_version(struct sxs_strbuf *out, const struct sxs_version *v)
{
	sxs_strbuf_addc(out, '\'');
	add_version(out, v);
	sxs_strbuf_addc(out, '\'');
}

static void ps_versions(struct sxs_strbuf *out, const struct sxs_version *v, size_t n)
{
	sxs_strbuf_adds(out, "@(");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sxs_strbuf_adds(out, ", ");
		ps_version(out, &v[i]);
	}
	sxs_strbuf_adds(out, ")\n");
}

static const char *ps_algorithm(enum sxs_digest_alg alg)
{
	switch (alg) {
	case SXS_DIGEST_MD5: return "MD5";
	case SXS_DIGEST_SHA1: return "SHA1";
	default: return "SHA256";
	}
}

static void ps_step(struct writer *w, size_t step, const struct sxs_action *a)
{
	struct sxs_strbuf *out = w->out;
	step_comment(w, step, a, "    ");
	sxs_strbuf_adds(out, "    @{\n");
	ps_field(out, "Step");
	sxs_strbuf_addf(out, "%zu\n", step);
	ps_field(out, "Action");
	sxs_strbuf_adds(out, a->kind == SXS_ACT_RESTORE_MANIFEST  ? "'RestoreManifest'\n"
	                     : a->kind == SXS_ACT_REPLACE_FOLDER  ? "'ReplaceFolder'\n"
	                     : a->kind == SXS_ACT_RESTORE_PACKAGE ? "'RestorePackage'\n"
	                                                          : "'Winners'\n");
	ps_field(out, "Title");
	sxs_script_ps_quote(out, action_title(a));
	sxs_strbuf_addc(out, '\n');
	/* prose that can quote values from the image: ASCII with \xNN escapes */
	struct sxs_strbuf why = SXS_STRBUF_INIT;
	ascii_escape(&why, a->reason ? a->reason : "");
	ps_field(out, "Reason");
	sxs_script_ps_quote(out, sxs_strbuf_str(&why));
	sxs_strbuf_addc(out, '\n');
	if (sxs_strbuf_error(&why))
		out->oom = true;
	sxs_strbuf_release(&why);

	if (is_winners_action(a->kind)) {
		bool create = a->kind == SXS_ACT_CREATE_WINNERS_KEY;
		ps_field(out, "Kind");
		sxs_strbuf_adds(out, create ? "'Create'\n" : a->kind == SXS_ACT_SET_WINNER ? "'Set'\n" : "'Add'\n");
		ps_field(out, "Key");
		sxs_script_ps_quote(out, a->winners_key);
		sxs_strbuf_addc(out, '\n');
		ps_field(out, "SeenBand");
		if (a->saw_default_band && !create)
			ps_version(out, &a->seen_default_band);
		else
			sxs_strbuf_adds(out, "$null");
		sxs_strbuf_addc(out, '\n');
		ps_field(out, "SetDefaultBand");
		sxs_strbuf_adds(out, a->set_default_band || create ? "$true\n" : "$false\n");
		ps_field(out, "Band");
		ps_version(out, &a->band);
		sxs_strbuf_addc(out, '\n');
		ps_field(out, "BandExists");
		sxs_strbuf_adds(out, a->band_exists && !create ? "$true\n" : "$false\n");
		ps_field(out, "SeenWinner");
		if (a->saw_winner && a->band_exists && !create)
			ps_version(out, &a->seen_winner);
		else
			sxs_strbuf_adds(out, "$null");
		sxs_strbuf_addc(out, '\n');
		ps_field(out, "Winner");
		ps_version(out, &a->winner);
		sxs_strbuf_addc(out, '\n');
		ps_field(out, "Keep");
		ps_versions(out, a->keep_versions, a->band_exists && !create ? a->nkeep_versions : 0);
		ps_field(out, "Add");
		ps_versions(out, a->versions, a->nversions);
		sxs_strbuf_adds(out, "    }\n");
		return;
	}
	if (a->kind == SXS_ACT_RESTORE_PACKAGE) {
		char mh[65], ch[65];
		sxs_hex_encode(a->mum_sha256, 32, mh);
		sxs_hex_encode(a->cat_sha256, 32, ch);
		for (char *q = mh; *q; q++)
			*q = (*q >= 'a' && *q <= 'f') ? (char)(*q - 32) : *q;
		for (char *q = ch; *q; q++)
			*q = (*q >= 'a' && *q <= 'f') ? (char)(*q - 32) : *q;
		ps_field(out, "Package");
		sxs_script_ps_name(out, a->package);
		sxs_strbuf_addc(out, '\n');
		ps_field(out, "MumHash");
		sxs_strbuf_addf(out, "'%s'\n", mh);
		ps_field(out, "CatHash");
		sxs_strbuf_addf(out, "'%s'\n    }\n", ch);
		return;
	}
	ps_field(out, "Component");
	sxs_script_ps_name(out, a->component);
	sxs_strbuf_addc(out, '\n');
	if (a->kind == SXS_ACT_RESTORE_MANIFEST) {
		char hex[65];
		sxs_hex_encode(a->manifest_sha256, 32, hex);
		ps_field(out, "Exists");
		sxs_strbuf_adds(out, a->manifest_exists ? "$true\n" : "$false\n");
		sxs_strbuf_addf(out, "        # decoded manifest SHA-256 (S256H): %s\n    }\n", hex);
		return;
	}
	ps_field(out, "FolderExists");
	sxs_strbuf_adds(out, a->folder_exists ? "$true\n" : "$false\n");
	ps_field(out, "Keep");
	sxs_strbuf_adds(out, "@(");
	const char *sep = "";
	for (size_t i = 0; i < a->nfiles; i++)
		if (a->files[i].keep) {
			sxs_strbuf_adds(out, sep);
			sxs_script_ps_name(out, a->files[i].name);
			sep = ", ";
		}
	sxs_strbuf_adds(out, ")\n");
	ps_field(out, "Files");
	sxs_strbuf_adds(out, "@(\n");
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct sxs_plan_file *f = &a->files[i];
		if (f->keep)
			continue;
		sxs_strbuf_adds(out, "            @{ Name = ");
		if (f->delta) {
			/* no digest in the manifest: the copy must equal the golden file */
			struct sxs_strbuf path = SXS_STRBUF_INIT;
			sxs_strbuf_addc(&path, f->name[0]);
			sxs_strbuf_addc(&path, '\\');
			sxs_strbuf_adds(&path, f->name + 2);
			sxs_script_ps_name(out, sxs_strbuf_str(&path));
			if (sxs_strbuf_error(&path))
				out->oom = true;
			sxs_strbuf_release(&path);
			sxs_strbuf_addf(out, "; Algorithm = 'SHA256'; Hash = $null; Differs = %s; Lcu = ",
			                f->differs ? "$true" : "$false");
			if (f->lcu)
				sxs_script_ps_name(out, f->lcu);
			else
				sxs_strbuf_adds(out, "$null");
			sxs_strbuf_adds(out, " }   # differential\n");
			continue;
		}
		char hex[sizeof(f->hex)];
		size_t n = strlen(f->hex);
		for (size_t k = 0; k <= n; k++)
			hex[k] = (f->hex[k] >= 'a' && f->hex[k] <= 'f') ? (char)(f->hex[k] - 32) : f->hex[k];
		sxs_script_ps_name(out, f->name);
		sxs_strbuf_addf(out, "; Algorithm = '%s'; Hash = '%s'; Differs = %s; Lcu = $null }\n",
		                ps_algorithm(f->alg), hex, f->differs ? "$true" : "$false");
	}
	sxs_strbuf_adds(out, "        )\n    }\n");
}

static void ps_plan(struct writer *w)
{
	const struct sxs_comparison *c = w->c;
	struct sxs_strbuf *out = w->out;
	const char *build = build_token(c->image_build);
	sxs_strbuf_adds(out, "$PlanBuild = ");
	sxs_script_ps_quote(out, build ? build : "unknown");
	sxs_strbuf_adds(out, "\n$Plan = @(\n");
	for (size_t i = 0; i < c->nactions; i++)
		if (w->ok[i])
			ps_step(w, i + 1, &c->actions[i]);
	sxs_strbuf_adds(out, ")\n# the fixed part of undo.ps1 (undo.ps1.in)\n$UndoTemplate = @(\n");
	for (size_t off = 0; off < sxs_tpl_undo_ps1_len;) {
		const char *line = sxs_tpl_undo_ps1 + off;
		const char *nl = memchr(line, '\n', sxs_tpl_undo_ps1_len - off);
		size_t n = nl ? (size_t)(nl - line) : sxs_tpl_undo_ps1_len - off;
		off += n + (nl ? 1 : 0);
		char *l = sxs_strndup(line, n);
		if (!l) {
			out->oom = true;
			return;
		}
		sxs_strbuf_adds(out, "    ");
		sxs_script_ps_quote(out, l);
		sxs_strbuf_addc(out, '\n');
		sxs_free(l);
	}
	sxs_strbuf_adds(out, ")\n");
}

/* ---- entry point -------------------------------------------------------------- */

int sxs_script_write(struct sxs_strbuf *out, enum sxs_script_kind kind,
                     const struct sxs_comparison *c, const struct sxs_script_options *opt,
                     size_t *skipped_ret)
{
	struct sxs_strbuf body = SXS_STRBUF_INIT;
	struct writer w = {.out = &body, .c = c, .opt = opt, .ps1 = kind == SXS_SCRIPT_PS1};
	size_t skipped = 0;
	int err;

	if (c->nactions && !(w.ok = sxs_calloc(c->nactions, sizeof(*w.ok))))
		return -SXS_ENOMEM;
	for (size_t i = 0; i < c->nactions; i++) {
		w.ok[i] = action_unsafe(&c->actions[i]) == NULL;
		if (w.ok[i])
			w.nsteps++;
		else
			skipped++;
	}
	if (kind == SXS_SCRIPT_PS1)
		err = fill(&w, sxs_tpl_repair_ps1, sxs_tpl_repair_ps1_len, ps_plan);
	else
		err = fill(&w, sxs_tpl_repair_sh, sxs_tpl_repair_sh_len, sh_plan);
	if (!err && kind == SXS_SCRIPT_PS1) {
		/* UTF-8 BOM, then CRLF lines: what Windows PowerShell 5.1 reads as UTF-8 */
		sxs_strbuf_adds(out, "\xef\xbb\xbf");
		const char *s = sxs_strbuf_str(&body);
		for (size_t i = 0; i < body.len; i++) {
			if (s[i] == '\n')
				sxs_strbuf_addc(out, '\r');
			sxs_strbuf_addc(out, s[i]);
		}
		err = sxs_strbuf_error(out);
	} else if (!err) {
		sxs_strbuf_add(out, sxs_strbuf_str(&body), body.len);
		err = sxs_strbuf_error(out);
	}
	sxs_strbuf_release(&body);
	sxs_free(w.ok);
	if (!err && skipped_ret)
		*skipped_ret = skipped;
	return err;
}
