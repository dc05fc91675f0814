/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "check/scan.h"
#include "util/alloc.h"

static void registry_ids_are_unique_kebab_case(void **state)
{
	(void)state;
	for (int i = 0; i < SXS_F_COUNT; i++) {
		const struct sxs_finding_info *a = sxs_finding_info((enum sxs_finding_kind)i);
		assert_non_null(a->id);
		assert_non_null(a->doc);
		assert_non_null(a->advice);
		for (const char *p = a->id; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
		assert_int_equal(sxs_finding_lookup(a->id), i);
		for (int j = i + 1; j < SXS_F_COUNT; j++)
			assert_string_not_equal(a->id, sxs_finding_info((enum sxs_finding_kind)j)->id);
	}
	assert_int_equal(sxs_finding_lookup("no-such-finding"), -1);
	assert_null(sxs_finding_info(SXS_F_COUNT));
}

static void issue_ids_are_registered(void **state)
{
	(void)state;
	static const char *const ids[] = {
		"payload-hash-mismatch", "payload-missing", "payload-unreadable", "manifest-missing",
		"manifest-orphan", "manifest-unreadable", "manifest-compressed-unsupported",
		"manifest-hash-mismatch", "identity-mismatch", "winner-missing", "winner-not-installed",
		"pending-operations", "hive-dirty", "delta-corrupt",
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++)
		assert_true(sxs_finding_lookup(ids[i]) >= 0);
}

static void findings_sort_is_deterministic(void **state)
{
	(void)state;
	struct sxs_findings f;
	sxs_findings_init(&f);
	sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "b", "y", "m");
	sxs_findings_add(&f, SXS_F_PAYLOAD_HASH_MISMATCH, "b", "z", "m");
	sxs_findings_add(&f, SXS_F_PENDING_OPERATIONS, NULL, "pending.xml", "m");
	sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "a", "x", "m %d", 1);
	sxs_findings_sort(&f);
	assert_null(f.v[0].component);
	assert_string_equal(f.v[1].component, "a");
	assert_int_equal(f.v[2].kind, SXS_F_PAYLOAD_HASH_MISMATCH);
	assert_int_equal(f.v[3].kind, SXS_F_PAYLOAD_MISSING);
	assert_string_equal(f.v[1].message, "m 1");
	assert_int_equal(sxs_findings_count(&f, SXS_SEV_WARNING), 4);
	assert_int_equal(sxs_findings_count(&f, SXS_SEV_ERROR), 3);
	sxs_findings_release(&f);
}

static void findings_oom_is_sticky(void **state)
{
	(void)state;
	struct sxs_findings f;
	sxs_findings_init(&f);
	sxs_alloc_fail_after(0);
	assert_null(sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "a", "b", "c"));
	sxs_alloc_fail_after(-1);
	assert_null(sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "a", "b", "c"));
	assert_int_equal(sxs_findings_error(&f), -SXS_ENOMEM);
	sxs_findings_release(&f);
}

/* A model built by hand: one family with two versions and no winner. */
static void winners_family_without_winner_is_reported(void **state)
{
	(void)state;
	struct sxs_model m;
	struct sxs_findings f;
	sxs_model_init(&m);
	sxs_findings_init(&f);
	m.have_software_hive = true;
	m.payloads_checked = true;
	m.comps = sxs_calloc(2, sizeof(*m.comps));
	m.ncomps = 2;
	const char *versions[] = {"10.0.17763.1613", "10.0.17763.1"};
	for (int i = 0; i < 2; i++) {
		struct sxs_component *c = &m.comps[i];
		c->keyform = sxs_strdup(i ? "k1" : "k2");
		c->winners_key = sxs_strdup("fam");
		c->id.name = sxs_strdup("Fam");
		c->id.version = sxs_strdup(versions[i]);
		c->has_identity = true;
	}
	assert_int_equal(sxs_model_index(&m), 0);
	assert_int_equal(sxs_check_model(&m, &f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].kind, SXS_F_WINNER_MISSING);
	assert_string_equal(f.v[0].winners_key, "fam");
	assert_int_equal(f.v[0].nversions, 2);
	/* versions sorted numerically, not as strings */
	assert_string_equal(f.v[0].versions[0], "10.0.17763.1");
	assert_string_equal(f.v[0].versions[1], "10.0.17763.1613");
	assert_non_null(strstr(f.v[0].message, "10.0.17763.1613 does not have a winner but has 1 other component version(s)"));
	sxs_findings_release(&f);
	sxs_model_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_ids_are_unique_kebab_case),
		cmocka_unit_test(issue_ids_are_registered),
		cmocka_unit_test(findings_sort_is_deterministic),
		cmocka_unit_test(findings_oom_is_sticky),
		cmocka_unit_test(winners_family_without_winner_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
