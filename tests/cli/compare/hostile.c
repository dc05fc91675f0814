/* SPDX-License-Identifier: MIT */
/*
 * hostile-scripts: repair scripts for names made to break out of quoting.
 *
 *   hostile-scripts OUT          build a broken and a golden model in memory
 *                                whose payload names and key forms hold
 *                                quotes, $(), backticks, ;, newlines, invalid
 *                                UTF-8...; create matching folders under
 *                                OUT/image and OUT/golden; write OUT/repair.sh
 *                                and OUT/repair.ps1; check that in the ps1
 *                                every such name appears only inside a
 *                                single-quoted literal (or an escaped comment).
 *   hostile-scripts verify OUT   after `repair.sh --apply`: every repairable
 *                                file now has the golden content, the others
 *                                are untouched.
 *
 * Every hostile name contains "pwned": a command injection would create a
 * file of that name, which hostile.sh looks for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/compare.h"
#include "digest/digest.h"
#include "modelgen.h"
#include "report/script.h"

/* Names Windows accepts but shells would interpret. */
static const char *const repairable[] = {
	"a b pwned.dll",
	"it's pwned.dll",
	"$(touch pwned1).dll",
	"`touch pwned2`.dll",
	"x;touch pwned3&.dll",
	"\xe2\x80\x98" "curly\xe2\x80\x99 \xe2\x80\x9a" "pwned\xe2\x80\x9b.dll",
	"$HOME pwned.dll",
	"-rf pwned.dll",
	"100% pwned {1}[2].dll",
	"'; touch pwned4; '.dll",
	"${IFS}pwned.dll",
	"#comment pwned.dll",
	" lead space pwned.dll",
	"\xf0\x9f\x98\x80 emoji pwned.dll",
	/* issue 12 defect 5: in Windows-1252, C4 92 is A-umlaut and a right
	 * single quote, which ends a PowerShell literal */
	"a\xc4\x92; x = $(touch pwned7); y = echo \xc4\x92.dll",
	/* ends in 9F, a Shift-JIS lead byte that would swallow the closing quote */
	"tail pwned8 \xc4\x9f",
};
#define NREPAIRABLE (sizeof(repairable) / sizeof(*repairable))

/* Names a script must leave out (with a comment), one component each. */
static const char *const refused[] = {
	"bad\xff pwned.dll",      /* invalid UTF-8 */
	"quote\" pwned.dll",      /* not a Windows name */
	"star* pwned.dll",
};
#define NREFUSED (sizeof(refused) / sizeof(*refused))

/* A name the golden side itself cannot serve (not a safe name at all). */
static const char newline_name[] = "new\nline pwned.dll";

static const char hostile_keyform[] =
	"amd64_b'$(touch pwned5)`touch pwned6`_31bf3856ad364e35_1.0.0.0_none_0000000000000000";

static void die(const char *what)
{
	fprintf(stderr, "hostile-scripts: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST)
				die(buf);
			*p = '/';
		}
	if (mkdir(buf, 0755) && errno != EEXIST)
		die(buf);
}

static void put_file(const char *dir, const char *name, const char *content)
{
	char path[8192];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		fprintf(stderr, "hostile-scripts: path too long\n");
		exit(1);
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(content, f) < 0 || fclose(f))
		die(path);
}

static char *content(const char *side, const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "%s:%s", side, name);
	return buf;
}

/* One component per side with the given files; golden copies are healthy. */
static void add_component(struct sxs_model *here, struct sxs_model *golden, const char *name,
                          const char *keyform, const char *const *files, size_t n,
                          const char *out)
{
	struct sxs_model *sides[2] = {here, golden};
	for (int s = 0; s < 2; s++) {
		struct sxs_component *c = mg_comp(sides[s], name, "1.0.0.0");
		if (keyform) {
			sxs_free(c->keyform);
			sxs_free(c->folder);
			c->keyform = sxs_strdup(keyform);
			c->folder = sxs_strdup(keyform);
		}
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s/Windows/WinSxS/Manifests", out, s ? "golden" : "image");
		mkdirs(dir);
		snprintf(dir, sizeof(dir), "%s/%s/Windows/WinSxS/%s", out, s ? "golden" : "image", c->keyform);
		mkdirs(dir);
		for (size_t i = 0; i < n; i++) {
			char golden_content[512];
			snprintf(golden_content, sizeof(golden_content), "%s", content("golden", files[i]));
			const char *mine = s ? golden_content : content("broken", files[i]);
			mg_file(c, files[i], golden_content, mine);
			put_file(dir, files[i], mine);
		}
	}
}

/* ---- a small PowerShell lexer: literals, comments, the rest ----------- */

static bool is_squote(const unsigned char *p)
{
	return p[0] == '\'' || (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b);
}

static size_t squote_len(const unsigned char *p)
{
	return p[0] == '\'' ? 1 : 3;
}

/*
 * Split a PowerShell script: append the decoded contents of every
 * single-quoted literal to lits (NUL-separated) and every byte of code
 * outside literals, double-quoted strings' text included, to code.
 * Comments are dropped.
 */
static void ps_lex(const char *src, struct sxs_strbuf *lits, struct sxs_strbuf *code)
{
	const unsigned char *p = (const unsigned char *)src;
	while (*p) {
		if (p[0] == '<' && p[1] == '#') {
			const char *end = strstr((const char *)p, "#>");
			p = end ? (const unsigned char *)end + 2 : p + strlen((const char *)p);
		} else if (*p == '#') {
			while (*p && *p != '\n')
				p++;
		} else if (is_squote(p)) {
			p += squote_len(p);
			for (;;) {
				if (!*p) {
					fprintf(stderr, "hostile-scripts: unterminated literal in the ps1\n");
					exit(1);
				}
				if (is_squote(p)) {
					size_t n = squote_len(p);
					if (!is_squote(p + n)) {
						p += n;
						break;
					}
					/* doubled: the second quote character stands for itself */
					p += n;
					n = squote_len(p);
					sxs_strbuf_add(lits, p, n);
					p += n;
					continue;
				}
				sxs_strbuf_addc(lits, (char)*p++);
			}
			sxs_strbuf_addc(lits, '\0');
		} else if (*p == '"') {
			sxs_strbuf_addc(code, (char)*p++);
			while (*p && *p != '"') {
				if (*p == '`' && p[1])
					sxs_strbuf_addc(code, (char)*p++);
				sxs_strbuf_addc(code, (char)*p++);
			}
			if (*p)
				sxs_strbuf_addc(code, (char)*p++);
		} else {
			sxs_strbuf_addc(code, (char)*p++);
		}
	}
}

/* s is a literal, or the base64 a literal holds decodes to s (names outside ASCII). */
static bool has_literal(const struct sxs_strbuf *lits, const char *s)
{
	for (size_t i = 0; i < lits->len; i += strlen(lits->buf + i) + 1) {
		const char *l = lits->buf + i;
		uint8_t dec[1024];
		size_t n;
		if (!strcmp(l, s))
			return true;
		if (sxs_base64_decode(l, strlen(l), dec, sizeof(dec) - 1, &n) == 0 && n == strlen(s) &&
		    !memcmp(dec, s, n))
			return true;
	}
	return false;
}

static int check_ps1(const char *text)
{
	struct sxs_strbuf lits = SXS_STRBUF_INIT, code = SXS_STRBUF_INIT;
	int bad = 0;
	ps_lex(text, &lits, &code);
	for (size_t i = 0; i < NREPAIRABLE; i++)
		if (!has_literal(&lits, repairable[i])) {
			fprintf(stderr, "ps1: no literal holds '%s'\n", repairable[i]);
			bad = 1;
		}
	if (!has_literal(&lits, hostile_keyform)) {
		fprintf(stderr, "ps1: no literal holds the hostile key form\n");
		bad = 1;
	}
	if (strstr(sxs_strbuf_str(&code), "pwned")) {
		const char *at = strstr(sxs_strbuf_str(&code), "pwned");
		fprintf(stderr, "ps1: a hostile name leaks into code: ...%.60s\n",
		        at > code.buf + 30 ? at - 30 : code.buf);
		bad = 1;
	}
	/* the refused names never appear raw (comments escape them) */
	for (size_t i = 0; i < NREFUSED; i++)
		if (strstr(text, refused[i])) {
			fprintf(stderr, "ps1: refused name %zu written raw\n", i);
			bad = 1;
		}
	if (strstr(text, newline_name)) {
		fprintf(stderr, "ps1: the newline name is written raw\n");
		bad = 1;
	}
	sxs_strbuf_release(&lits);
	sxs_strbuf_release(&code);
	return bad;
}

static void write_out(const char *path, const struct sxs_strbuf *sb)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(sb->buf, 1, sb->len, f) != sb->len || fclose(f))
		die(path);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 20];
	if (!f)
		die(path);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Key form of the component of that name (as mg_comp makes it). */
static char *keyform_of(const char *name)
{
	struct sxs_model m;
	mg_init(&m, "x", NULL);
	char *kf = sxs_strdup(mg_comp(&m, name, "1.0.0.0")->keyform);
	sxs_model_release(&m);
	return kf;
}

static int expect_content(const char *out, const char *kf, const char *name, const char *side)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/image/Windows/WinSxS/%s/%s", out, kf, name);
	const char *got = slurp(path);
	if (strcmp(got, content(side, name))) {
		fprintf(stderr, "%s/%s: holds '%s', expected the %s copy\n", kf, name, got, side);
		return 1;
	}
	return 0;
}

static int verify(const char *out)
{
	int bad = 0;
	char *kf = keyform_of("Contoso-Hostile");
	for (size_t i = 0; i < NREPAIRABLE; i++)
		bad |= expect_content(out, kf, repairable[i], "golden");
	sxs_free(kf);
	bad |= expect_content(out, hostile_keyform, "ok pwned.dll", "golden");
	for (size_t i = 0; i < NREFUSED; i++) {
		char name[64];
		snprintf(name, sizeof(name), "Contoso-Refused%zu", i);
		kf = keyform_of(name);
		bad |= expect_content(out, kf, refused[i], "broken");
		sxs_free(kf);
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "verify"))
		return verify(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: hostile-scripts OUT | hostile-scripts verify OUT\n");
		return 2;
	}
	const char *out = argv[1];
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	struct sxs_strbuf sh = SXS_STRBUF_INIT, ps = SXS_STRBUF_INIT;
	struct sxs_script_options opt = {.generator = "sxscheck test"};
	size_t skipped_sh = 0, skipped_ps = 0;
	char path[4096];

	mkdirs(out);
	mg_init(&here, "image", "10.0.17763.1613");
	mg_init(&golden, "golden", "10.0.17763.1613");
	add_component(&here, &golden, "Contoso-Hostile", NULL, repairable, NREPAIRABLE, out);
	static const char *const ok[] = {"ok pwned.dll"};
	add_component(&here, &golden, "Contoso-Keyform", hostile_keyform, ok, 1, out);
	for (size_t i = 0; i < NREFUSED; i++) {
		char name[64];
		snprintf(name, sizeof(name), "Contoso-Refused%zu", i);
		add_component(&here, &golden, name, NULL, &refused[i], 1, out);
	}
	/* the newline name: in memory only (the golden side cannot serve it) */
	struct sxs_component *c = mg_comp(&here, "Contoso-Newline", "1.0.0.0");
	mg_file(c, newline_name, "x", "y");
	c = mg_comp(&golden, "Contoso-Newline", "1.0.0.0");
	mg_file(c, newline_name, "x", "x");
	c->files[0].state = SXS_PAYLOAD_UNSAFE; /* what the loader says of such a name */
	mg_done(&here);
	mg_done(&golden);
	/* no Winners in this test */
	here.have_software_hive = golden.have_software_hive = false;

	sxs_comparison_init(&cmp);
	MG_CHECK(sxs_compare_models(&here, &golden, NULL, &cmp) == 0);
	MG_CHECK(cmp.nactions == 2 + NREFUSED);
	MG_CHECK(cmp.nunfixable >= 1);
	MG_CHECK(sxs_script_write(&sh, SXS_SCRIPT_SH, &cmp, &opt, &skipped_sh) == 0);
	MG_CHECK(sxs_script_write(&ps, SXS_SCRIPT_PS1, &cmp, &opt, &skipped_ps) == 0);
	MG_CHECK(skipped_sh == NREFUSED && skipped_ps == NREFUSED);
	snprintf(path, sizeof(path), "%s/repair.sh", out);
	write_out(path, &sh);
	snprintf(path, sizeof(path), "%s/repair.ps1", out);
	write_out(path, &ps);

	/* the names, hex of their UTF-8 bytes, for tests/ps1/parse.mjs --names */
	struct sxs_strbuf names = SXS_STRBUF_INIT;
	for (size_t i = 0; i <= NREPAIRABLE; i++) {
		const char *n = i < NREPAIRABLE ? repairable[i] : hostile_keyform;
		for (const unsigned char *q = (const unsigned char *)n; *q; q++)
			sxs_strbuf_addf(&names, "%02x", *q);
		sxs_strbuf_addc(&names, '\n');
	}
	snprintf(path, sizeof(path), "%s/names.hex", out);
	write_out(path, &names);
	sxs_strbuf_release(&names);

	/* after the BOM the ps1 is ASCII: it reads the same in any code page */
	const char *ptext = sxs_strbuf_str(&ps);
	int bad = 0;
	if (strncmp(ptext, "\xef\xbb\xbf", 3)) {
		fprintf(stderr, "ps1: no UTF-8 BOM\n");
		bad = 1;
	} else {
		ptext += 3;
	}
	for (const unsigned char *q = (const unsigned char *)ptext; *q; q++)
		if (*q > 0x7e || (*q < 0x20 && *q != '\n' && *q != '\r' && *q != '\t')) {
			fprintf(stderr, "ps1: byte 0x%02x outside ASCII at offset %zu\n", *q,
			        (size_t)(q - (const unsigned char *)ptext));
			bad = 1;
			break;
		}
	bad |= check_ps1(ptext);
	for (size_t i = 0; i < NREFUSED; i++)
		if (strstr(sxs_strbuf_str(&sh), refused[i])) {
			fprintf(stderr, "sh: refused name %zu written raw\n", i);
			bad = 1;
		}
	if (strstr(sxs_strbuf_str(&sh), newline_name)) {
		fprintf(stderr, "sh: the newline name is written raw\n");
		bad = 1;
	}
	sxs_strbuf_release(&sh);
	sxs_strbuf_release(&ps);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
	return bad;
}
