/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/compare.h"
#include "report/plan.h"
#include "modelgen.h"
#include "report/reference.h"
#include "report/script.h"
#include "util/version.h"

#define CI "Microsoft-Windows-CodeIntegrity"
#define HV "Microsoft-Windows-HyperV-ComputeLib-Legacy"

/* ---- helpers ------------------------------------------------------------ */

/* The reference text of m, as a NUL-terminated heap string. */
static char *reference_text(const struct sxs_model *m, size_t *len_ret)
{
	FILE *f = tmpfile();
	struct sxs_diag diag = {{0}};
	assert_non_null(f);
	assert_int_equal(sxs_reference_write(fileno(f), m, "golden-pc", NULL, &diag), 0);
	long n = lseek(fileno(f), 0, SEEK_END);
	assert_true(n > 0);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(pread(fileno(f), s, (size_t)n, 0), n);
	s[n] = '\0';
	fclose(f);
	if (len_ret)
		*len_ret = (size_t)n;
	return s;
}

/* Read text as a reference; returns the error and leaves the message in diag. */
static int read_text(const char *text, size_t len, struct sxs_model *m, struct sxs_diag *diag)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fflush(f);
	lseek(fileno(f), 0, SEEK_SET);
	sxs_model_init(m);
	int err = sxs_reference_read(fileno(f), "ref.sxsref", m, diag);
	fclose(f);
	return err;
}

/* A broken image and its healthy twin, like the demo's branch-pc / golden-pc. */
static void demo_models(struct sxs_model *here, struct sxs_model *golden)
{
	static const char *const hv[] = {"10.0.17763.1", "10.0.17763.1490", "10.0.17763.1554",
	                                 "10.0.17763.1613", NULL};
	static const char *const ci_here[] = {"10.0.17763.1554", "10.0.17763.1613", NULL};
	static const char *const ci_gold[] = {"10.0.17763.1613", NULL};
	struct sxs_model *sides[2] = {here, golden};

	for (int s = 0; s < 2; s++) {
		struct sxs_model *m = sides[s];
		struct sxs_component *c;
		mg_init(m, s ? "golden-pc" : "branch-pc", "10.0.17763.1613");
		c = mg_comp(m, CI, "10.0.17763.1613");
		mg_file(c, "CI.dll", "ci", "ci");
		mg_file(c, "driver.stl", "stl", s ? "stl" : "stl corrupted");
		for (int i = 0; hv[i]; i++) {
			c = mg_comp(m, HV, hv[i]);
			mg_file(c, "vmcomputelegacy.dll", hv[i], hv[i]);
		}
		mg_done(m);
		const char *cikey = m->comps[0].winners_key;
		mg_family(m, cikey, "10.0", s ? "10.0.17763.1613" : "10.0.17763.1554", s ? ci_gold : ci_here);
		if (s)
			mg_family(m, m->comps[1].winners_key, "10.0", "10.0.17763.1613", hv);
		mg_done(m);
	}
}

static const struct sxs_action *find_action(const struct sxs_comparison *c, enum sxs_action_kind k)
{
	for (size_t i = 0; i < c->nactions; i++)
		if (c->actions[i].kind == k)
			return &c->actions[i];
	return NULL;
}

/* ---- compare ------------------------------------------------------------ */

static void compare_plans_demo_repair(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	demo_models(&here, &golden);
	sxs_comparison_init(&cmp);
	assert_int_equal(sxs_compare_models(&here, &golden, NULL, &cmp), 0);

	assert_int_equal(cmp.nactions, 3);
	assert_int_equal(cmp.nunfixable, 0);
	assert_false(cmp.build_mismatch);
	/* files first, then the registry */
	assert_int_equal(cmp.actions[0].kind, SXS_ACT_REPLACE_FOLDER);
	assert_string_equal(cmp.actions[0].component, here.comps[0].keyform);
	assert_int_equal(cmp.actions[0].nfiles, 2);
	assert_false(cmp.actions[0].files[0].differs); /* CI.dll */
	assert_true(cmp.actions[0].files[1].differs);  /* driver.stl */

	char vb[SXS_VERSION_STR_MAX];
	const struct sxs_action *a = find_action(&cmp, SXS_ACT_SET_WINNER);
	assert_non_null(a);
	assert_string_equal(sxs_version_format(&a->band, vb), "10.0");
	assert_string_equal(sxs_version_format(&a->winner, vb), "10.0.17763.1613");
	assert_false(a->set_default_band);
	assert_true(a->saw_winner); /* what the scripts re-check */
	assert_string_equal(sxs_version_format(&a->seen_winner, vb), "10.0.17763.1554");
	assert_int_equal(a->nversions, 0);
	assert_int_equal(a->nkeep_versions, 2);

	a = find_action(&cmp, SXS_ACT_CREATE_WINNERS_KEY);
	assert_non_null(a);
	assert_true(a->set_default_band);
	assert_string_equal(sxs_version_format(&a->winner, vb), "10.0.17763.1613");
	assert_int_equal(a->nversions, 4);
	assert_string_equal(sxs_version_format(&a->versions[0], vb), "10.0.17763.1");
	assert_true(sxs_comparison_count(&cmp, SXS_SEV_ERROR) >= 3);

	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

static void compare_identical_images_has_no_plan(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	demo_models(&here, &golden);
	sxs_comparison_init(&cmp);
	assert_int_equal(sxs_compare_models(&golden, &golden, NULL, &cmp), 0);
	assert_int_equal(cmp.ndiffs, 0);
	assert_int_equal(cmp.nactions, 0);
	assert_int_equal(cmp.nunfixable, 0);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

static void compare_never_copies_a_damaged_golden_payload(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	demo_models(&here, &golden);
	/* the golden copy of driver.stl does not match its own manifest */
	struct sxs_payload *p = &golden.comps[0].files[1];
	p->actual[0] ^= 1;
	p->state = SXS_PAYLOAD_MISMATCH;
	sxs_comparison_init(&cmp);
	assert_int_equal(sxs_compare_models(&here, &golden, NULL, &cmp), 0);
	assert_null(find_action(&cmp, SXS_ACT_REPLACE_FOLDER));
	assert_true(cmp.nunfixable >= 1);
	assert_string_equal(cmp.unfixable[0].needed, here.comps[0].keyform);
	/* the winner still points at the damaged component: not set either */
	assert_null(find_action(&cmp, SXS_ACT_SET_WINNER));
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

static void compare_names_the_missing_winner_version(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	demo_models(&here, &golden);
	/* the golden PC's winner is newer than anything installed here */
	sxs_free(golden.families[0].bands[0].winner);
	golden.families[0].bands[0].winner = sxs_strdup("10.0.17763.1697");
	sxs_comparison_init(&cmp);
	assert_int_equal(sxs_compare_models(&here, &golden, NULL, &cmp), 0);
	assert_null(find_action(&cmp, SXS_ACT_SET_WINNER));
	int found = 0;
	/* the exact key form of the needed version is named */
	for (size_t i = 0; i < cmp.nunfixable; i++)
		if (cmp.unfixable[i].needed && strstr(cmp.unfixable[i].needed, "_10.0.17763.1697_none_"))
			found = 1;
	assert_int_equal(found, 1);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

static void compare_warns_on_build_mismatch(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	demo_models(&here, &golden);
	sxs_free(golden.build);
	golden.build = sxs_strdup("10.0.17763.1697");
	sxs_comparison_init(&cmp);
	assert_int_equal(sxs_compare_models(&here, &golden, NULL, &cmp), 0);
	assert_true(cmp.build_mismatch);
	assert_int_equal(cmp.diffs[0].kind, SXS_DIFF_BUILD);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

/* A build that cannot be read is not a different build (issue 11 item 6). */
static void compare_unknown_build_is_not_a_mismatch(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	demo_models(&here, &golden);
	sxs_free(here.build);
	here.build = NULL;
	sxs_free(golden.build);
	golden.build = NULL;
	sxs_comparison_init(&cmp);
	/* the same image compared with itself */
	assert_int_equal(sxs_compare_models(&golden, &golden, NULL, &cmp), 0);
	assert_false(cmp.build_mismatch);
	assert_true(cmp.build_unknown);
	assert_int_equal(cmp.ndiffs, 1);
	assert_int_equal(cmp.diffs[0].kind, SXS_DIFF_BUILD_UNKNOWN);
	assert_int_equal(cmp.diffs[0].severity, SXS_SEV_INFO);
	assert_int_equal(sxs_comparison_count(&cmp, SXS_SEV_WARNING), 0);
	assert_int_equal(cmp.nactions, 0);
	struct sxs_strbuf text = SXS_STRBUF_INIT;
	assert_int_equal(sxs_report_compare_text(&text, &cmp), 0);
	assert_null(strstr(sxs_strbuf_str(&text), "DIFFERENT BUILDS"));
	assert_non_null(strstr(sxs_strbuf_str(&text), "could not be read"));
	sxs_strbuf_release(&text);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

/* Messages are never cut (they were at 1023 bytes): a 3000-byte file name survives whole. */
static void compare_messages_are_whole(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	struct sxs_comparison cmp;
	char name[3001];
	memset(name, 'x', 3000);
	name[3000] = '\0';
	demo_models(&here, &golden);
	sxs_free(golden.build);
	golden.build = sxs_strdup(name);
	sxs_comparison_init(&cmp);
	assert_int_equal(sxs_compare_models(&here, &golden, NULL, &cmp), 0);
	assert_int_equal(cmp.diffs[0].kind, SXS_DIFF_BUILD);
	assert_non_null(strstr(cmp.diffs[0].message, name));
	assert_true(strlen(cmp.diffs[0].message) > 3000);
	sxs_comparison_release(&cmp);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

/* ---- reference files -------------------------------------------------- */

static void reference_round_trips_a_model(void **state)
{
	(void)state;
	struct sxs_model here, golden, back;
	struct sxs_comparison a, b;
	struct sxs_diag diag = {{0}};
	size_t len;
	demo_models(&here, &golden);
	char *text = reference_text(&golden, &len);
	assert_int_equal(read_text(text, len, &back, &diag), 0);
	assert_int_equal(back.ncomps, golden.ncomps);
	assert_int_equal(back.nfamilies, golden.nfamilies);
	assert_string_equal(back.image, "golden-pc");
	assert_string_equal(back.comps[0].canonical, golden.comps[0].canonical);
	assert_memory_equal(back.comps[0].files[1].actual, golden.comps[0].files[1].actual, 32);

	/* writing what was read gives the same bytes */
	size_t len2;
	char *text2 = reference_text(&back, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);

	/* and compare finds the same plan either way */
	sxs_comparison_init(&a);
	sxs_comparison_init(&b);
	assert_int_equal(sxs_compare_models(&here, &golden, NULL, &a), 0);
	assert_int_equal(sxs_compare_models(&here, &back, NULL, &b), 0);
	assert_int_equal(a.nactions, b.nactions);
	assert_int_equal(a.ndiffs, b.ndiffs);
	for (size_t i = 0; i < a.nactions; i++)
		assert_string_equal(a.actions[i].reason, b.actions[i].reason);
	sxs_comparison_release(&a);
	sxs_comparison_release(&b);
	free(text);
	free(text2);
	sxs_model_release(&here);
	sxs_model_release(&golden);
	sxs_model_release(&back);
}

/* Apply `edit` to a valid reference and expect `err` with "ref.sxsref:LINE:" */
static void expect_rejected(char *text, size_t len, int err, const char *where)
{
	struct sxs_model m;
	struct sxs_diag diag = {{0}};
	assert_int_equal(read_text(text, len, &m, &diag), err);
	if (!strstr(diag.msg, where)) {
		fprintf(stderr, "diag '%s' lacks '%s'\n", diag.msg, where);
		fail();
	}
	assert_null(strchr(diag.msg, '\n'));
	assert_int_equal(m.ncomps, 0); /* released */
}

static void reference_rejects_damage(void **state)
{
	(void)state;
	struct sxs_model here, golden;
	size_t len;
	demo_models(&here, &golden);
	char *orig = reference_text(&golden, &len);
	char *t = malloc(len + 8192);
	assert_non_null(t);

	/* tampered: a valid record changed (the product name) */
	memcpy(t, orig, len + 1);
	char *p = strstr(t, "Windows 10");
	assert_non_null(p);
	p[9] = '1';
	expect_rejected(t, len, -SXS_EHASH, "does not match the end line");

	/* tampered inconsistently: an "ok" payload whose digests differ */
	memcpy(t, orig, len + 1);
	p = strstr(t, " file ok sha256 ");
	assert_non_null(p);
	p[16] = p[16] == '0' ? '1' : '0';
	expect_rejected(t, len, -SXS_EFORMAT, "state ok but the digests differ");

	/* truncated: no end line */
	memcpy(t, orig, len + 1);
	p = strstr(t, "\nend ");
	assert_non_null(p);
	expect_rejected(t, (size_t)(p - t) + 1, -SXS_ETRUNC, "no end line");

	/* truncated in the middle of a line */
	expect_rejected(t, (size_t)(p - t) - 3, -SXS_ETRUNC, "truncated");

	/* empty */
	expect_rejected(t, 0, -SXS_ETRUNC, "ref.sxsref:1: empty file");

	/* text after the end line */
	memcpy(t, orig, len + 1);
	memcpy(t + len, "x\n", 3);
	expect_rejected(t, len + 2, -SXS_EFORMAT, "after the end line");

	/* a line over the limit */
	memcpy(t, orig, len + 1);
	p = strchr(strchr(t, '\n') + 1, '\n'); /* end of the image line */
	memmove(p + 5000, p, len - (size_t)(p - t) + 1);
	memset(p, 'x', 5000);
	expect_rejected(t, len + 5000, -SXS_ELIMIT, "ref.sxsref:2: line longer");

	/* CRLF line endings */
	memcpy(t, orig, len + 1);
	p = strchr(t, '\n');
	memmove(p + 1, p, len - (size_t)(p - t) + 1);
	*p = '\r';
	expect_rejected(t, len + 1, -SXS_EFORMAT, "ref.sxsref:1: carriage return");

	/* unsupported version */
	memcpy(t, orig, len + 1);
	t[7] = '9';
	expect_rejected(t, len, -SXS_EUNSUPPORTED, "ref.sxsref:1: format version 9");

	/* wrong hex length (checked before the digest) */
	memcpy(t, orig, len + 1);
	p = strstr(t, " manifest ok ");
	memmove(p + 13, p + 14, len - (size_t)(p + 14 - t) + 1);
	expect_rejected(t, len - 1, -SXS_EFORMAT, "expected 64 hex digits");

	/* a file name that would leave the folder */
	memcpy(t, orig, len + 1);
	p = strstr(t, " CI.dll\n");
	memcpy(p + 1, "..%2F.", 6);
	expect_rejected(t, len, -SXS_ENAME, "unsafe name");

	/* NUL byte */
	memcpy(t, orig, len + 1);
	t[20] = '\0';
	expect_rejected(t, len, -SXS_EFORMAT, "NUL byte");

	free(t);
	free(orig);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

static void reference_rejects_too_many_bands(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_adds(&sb, "sxsref 1\nimage x\nbuild -\nproduct -\ncomponents-hive no\n"
	                     "software-hive yes\npayloads checked\n"
	                     "family amd64_a_31bf3856ad364e35_none_0000000000000000 1.0\n");
	for (int i = 0; i < SXS_REF_MAX_BANDS + 1; i++)
		sxs_strbuf_addf(&sb, " band %d.0 -\n", i + 1);
	struct sxs_model m;
	struct sxs_diag diag = {{0}};
	assert_int_equal(read_text(sb.buf, sb.len, &m, &diag), -SXS_ELIMIT);
	assert_non_null(strstr(diag.msg, "ref.sxsref:73: more than 64 bands"));
	sxs_strbuf_release(&sb);
}

static void reference_escapes_odd_names(void **state)
{
	(void)state;
	struct sxs_model here, golden, back;
	struct sxs_diag diag = {{0}};
	size_t len;
	demo_models(&here, &golden);
	struct sxs_component *c = &golden.comps[0];
	static const char *const names[] = {"a b.dll", " lead", "trail ", "100%.dll", "caf\xc3\xa9.dll",
	                                    "bad\xff.dll", "it's $(x) `y`.dll"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		mg_file(c, names[i], names[i], names[i]);
	mg_file(c, "new\nline", "n", "n"); /* not a safe name: left out */
	char *text = reference_text(&golden, &len);
	assert_non_null(strstr(text, " a b.dll\n"));
	assert_non_null(strstr(text, " %20lead\n"));
	assert_non_null(strstr(text, " trail%20\n"));
	assert_non_null(strstr(text, " 100%25.dll\n"));
	assert_non_null(strstr(text, " bad%FF.dll\n"));
	assert_null(strstr(text, "new"));
	assert_int_equal(read_text(text, len, &back, &diag), 0);
	size_t found = 0;
	for (size_t i = 0; i < back.comps[0].nfiles; i++)
		for (size_t j = 0; j < sizeof(names) / sizeof(*names); j++)
			found += !strcmp(back.comps[0].files[i].name, names[j]);
	assert_int_equal(found, sizeof(names) / sizeof(*names));
	free(text);
	sxs_model_release(&here);
	sxs_model_release(&golden);
	sxs_model_release(&back);
}

/* ---- quoting ------------------------------------------------------------ */

static void script_quotes_for_each_shell(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_script_sh_quote(&sb, "it's $(x)");
	assert_string_equal(sb.buf, "'it'\\''s $(x)'");
	sxs_strbuf_reset(&sb);
	sxs_script_ps_quote(&sb, "it's \xe2\x80\x98q\xe2\x80\x99 $x");
	assert_string_equal(sb.buf, "'it''s \xe2\x80\x98\xe2\x80\x98q\xe2\x80\x99\xe2\x80\x99 $x'");
	sxs_strbuf_release(&sb);
	assert_true(sxs_script_name_ok("a b $(c) `d` 'e'.dll"));
	assert_false(sxs_script_name_ok("new\nline"));
	assert_false(sxs_script_name_ok("bad\xff"));
	assert_false(sxs_script_name_ok("quote\".dll"));
	assert_false(sxs_script_name_ok("dot."));
	assert_false(sxs_script_name_ok(".."));
}


/* ---- out of memory ------------------------------------------------------ */

static void compare_and_reader_fail_cleanly_without_memory(void **state)
{
	(void)state;
	struct sxs_model here, golden, back;
	struct sxs_diag diag;
	size_t len;
	demo_models(&here, &golden);
	char *text = reference_text(&golden, &len);
	int err = -SXS_ENOMEM;
	for (long n = 0; err == -SXS_ENOMEM; n++) {
		struct sxs_comparison cmp;
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		sxs_comparison_init(&cmp);
		memset(&diag, 0, sizeof(diag));
		sxs_alloc_fail_after(n);
		err = sxs_compare_models(&here, &golden, NULL, &cmp);
		if (!err)
			err = sxs_script_write(&sb, SXS_SCRIPT_SH, &cmp, NULL, NULL);
		if (!err)
			err = sxs_script_write(&sb, SXS_SCRIPT_PS1, &cmp, NULL, NULL);
		sxs_alloc_fail_after(-1);
		assert_true(err == 0 || err == -SXS_ENOMEM);
		sxs_strbuf_release(&sb);
		sxs_comparison_release(&cmp);
	}
	err = -SXS_ENOMEM;
	for (long n = 0; err == -SXS_ENOMEM; n++) {
		FILE *f = tmpfile();
		assert_non_null(f);
		assert_int_equal(fwrite(text, 1, len, f), len);
		fflush(f);
		lseek(fileno(f), 0, SEEK_SET);
		sxs_model_init(&back);
		memset(&diag, 0, sizeof(diag));
		sxs_alloc_fail_after(n);
		err = sxs_reference_read(fileno(f), "ref", &back, &diag);
		sxs_alloc_fail_after(-1);
		fclose(f);
		assert_true(err == 0 || err == -SXS_ENOMEM);
		sxs_model_release(&back);
	}
	free(text);
	sxs_model_release(&here);
	sxs_model_release(&golden);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compare_plans_demo_repair),
		cmocka_unit_test(compare_identical_images_has_no_plan),
		cmocka_unit_test(compare_never_copies_a_damaged_golden_payload),
		cmocka_unit_test(compare_names_the_missing_winner_version),
		cmocka_unit_test(compare_warns_on_build_mismatch),
		cmocka_unit_test(compare_unknown_build_is_not_a_mismatch),
		cmocka_unit_test(compare_messages_are_whole),
		cmocka_unit_test(reference_round_trips_a_model),
		cmocka_unit_test(reference_rejects_damage),
		cmocka_unit_test(reference_rejects_too_many_bands),
		cmocka_unit_test(reference_escapes_odd_names),
		cmocka_unit_test(script_quotes_for_each_shell),
		cmocka_unit_test(compare_and_reader_fail_cleanly_without_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
