/* SPDX-License-Identifier: MIT */
/*
 * check/deltas.c on models built in memory: which verdicts become errors,
 * notes or unverifiable lines; many r\ failing at once are said once; many
 * unverifiable differentials with one reason are one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "check/deltas.h"
#include "check/scan.h"
#include "store/psfx.h"
#include "util/alloc.h"

/* ncomps components, each with one payload "a.dll" and the given differentials. */
static void make_model(struct sxs_model *m, size_t ncomps, const char *kinds,
                       enum sxs_psfx_verdict rv, const char *version)
{
	sxs_model_init(m);
	m->comps = sxs_calloc(ncomps, sizeof(*m->comps));
	assert_non_null(m->comps);
	m->ncomps = ncomps;
	m->payloads_checked = m->deltas_applied = true;
	for (size_t i = 0; i < ncomps; i++) {
		struct sxs_component *c = &m->comps[i];
		char kf[64];
		snprintf(kf, sizeof(kf), "amd64_c%03zu_31bf3856ad364e35_%s_none_0", i, version);
		c->keyform = sxs_strdup(kf);
		c->id.version = sxs_strdup(version);
		c->files = sxs_calloc(1, sizeof(*c->files));
		c->nfiles = 1;
		c->files[0].name = sxs_strdup("a.dll");
		c->files[0].ondisk = sxs_strdup("a.dll");
		c->files[0].state = SXS_PAYLOAD_OK;
		c->ndeltas = strlen(kinds);
		c->deltas = sxs_calloc(c->ndeltas, sizeof(*c->deltas));
		for (size_t k = 0; k < c->ndeltas; k++) {
			struct sxs_delta_file *d = &c->deltas[k];
			char path[16];
			snprintf(path, sizeof(path), "%c\\a.dll", kinds[k]);
			d->path = sxs_strdup(path);
			d->kind = kinds[k];
			d->verdict = kinds[k] == 'r' ? rv : SXS_DV_OK;
			d->vdetail = sxs_strdup(kinds[k] == 'r' ? "why r" : "ok");
		}
		assert_int_equal(sxs_psfx_assign(c), 0);
	}
	assert_int_equal(sxs_model_index(m), 0);
}

static size_t count(const struct sxs_findings *f, enum sxs_finding_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].kind == k;
	return n;
}

static void run(const struct sxs_model *m, struct sxs_findings *f)
{
	sxs_findings_init(f);
	sxs_check_deltas(m, f);
	assert_int_equal(sxs_findings_error(f), 0);
}

static void a_few_reverse_failures_are_errors(void **state)
{
	(void)state;
	struct sxs_model m;
	struct sxs_findings f;
	make_model(&m, 7, "fr", SXS_DV_FAILED, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_DELTA_REVERSE_FAILED), 7);
	assert_int_equal(count(&f, SXS_F_PAYLOAD_UNVERIFIABLE), 0);
	assert_non_null(strstr(f.v[0].message, "0x800f0985"));
	assert_int_equal(f.v[0].severity, SXS_SEV_ERROR);
	sxs_findings_release(&f);
	sxs_model_release(&m);
}

static void widespread_reverse_failures_are_said_once(void **state)
{
	(void)state;
	struct sxs_model m;
	struct sxs_findings f;
	make_model(&m, 8, "fr", SXS_DV_FAILED, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_DELTA_REVERSE_FAILED), 0);
	assert_int_equal(count(&f, SXS_F_PAYLOAD_UNVERIFIABLE), 1);
	assert_int_equal(f.n, 1);
	assert_non_null(strstr(f.v[0].message, "8 of 8 reverse differentials"));
	assert_int_equal(f.v[0].severity, SXS_SEV_INFO);
	sxs_findings_release(&f);
	/* half of them or more is the threshold: 8 of 20 stay errors */
	sxs_model_release(&m);
	make_model(&m, 20, "fr", SXS_DV_FAILED, "10.0.17763.1613");
	for (size_t i = 8; i < 20; i++)
		m.comps[i].deltas[1].verdict = SXS_DV_OK;
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_DELTA_REVERSE_FAILED), 8);
	sxs_findings_release(&f);
	sxs_model_release(&m);
}

static void many_unverifiable_with_one_reason_are_one_line(void **state)
{
	(void)state;
	struct sxs_model m;
	struct sxs_findings f;
	make_model(&m, 11, "fr", SXS_DV_UNVERIFIABLE, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].kind, SXS_F_PAYLOAD_UNVERIFIABLE);
	assert_non_null(strstr(f.v[0].message, "11 differentials not verified: why r"));
	sxs_findings_release(&f);
	sxs_model_release(&m);
	make_model(&m, 3, "fr", SXS_DV_UNVERIFIABLE, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_PAYLOAD_UNVERIFIABLE), 3);
	assert_non_null(f.v[0].file);
	sxs_findings_release(&f);
	sxs_model_release(&m);
}

static void combinations_are_notes(void **state)
{
	(void)state;
	struct sxs_model m;
	struct sxs_findings f;
	/* r\ without f\ */
	make_model(&m, 1, "r", SXS_DV_OK, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_DELTA_COMBINATION_INVALID), 1);
	assert_int_equal(f.v[0].severity, SXS_SEV_INFO);
	sxs_findings_release(&f);
	sxs_model_release(&m);
	/* f\ without r\: a note on a non-RTM version, nothing on RTM */
	make_model(&m, 1, "f", SXS_DV_OK, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_DELTA_REVERSE_MISSING), 1);
	sxs_findings_release(&f);
	sxs_model_release(&m);
	make_model(&m, 1, "f", SXS_DV_OK, "10.0.17763.1");
	run(&m, &f);
	assert_int_equal(f.n, 0);
	sxs_findings_release(&f);
	sxs_model_release(&m);
	/* n\ beside r\ and f\ */
	make_model(&m, 1, "fnr", SXS_DV_OK, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(count(&f, SXS_F_DELTA_COMBINATION_INVALID), 1);
	assert_non_null(strstr(f.v[0].message, "r\\ and f\\"));
	sxs_findings_release(&f);
	sxs_model_release(&m);
	/* nothing at all: not a finding */
	make_model(&m, 1, "", SXS_DV_OK, "10.0.17763.1613");
	run(&m, &f);
	assert_int_equal(f.n, 0);
	sxs_findings_release(&f);
	sxs_model_release(&m);
}

static void rtm_versions(void **state)
{
	(void)state;
	assert_true(sxs_version_is_rtm("10.0.17763.1"));
	assert_false(sxs_version_is_rtm("10.0.17763.1613"));
	assert_false(sxs_version_is_rtm("10.0.17763.11"));
	assert_false(sxs_version_is_rtm(NULL));
	assert_false(sxs_version_is_rtm("1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_few_reverse_failures_are_errors),
		cmocka_unit_test(widespread_reverse_failures_are_said_once),
		cmocka_unit_test(many_unverifiable_with_one_reason_are_one_line),
		cmocka_unit_test(combinations_are_notes),
		cmocka_unit_test(rtm_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
