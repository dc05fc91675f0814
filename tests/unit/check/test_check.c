/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "check/scan.h"
#include "util/alloc.h"

/* FNV-1a-64 of "payload-missing\0\0" (computed independently in Python) */
#define FINGERPRINT_PAYLOAD_MISSING_EMPTY "c72f5d9485d77bf8"

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
	sxs_findings_add(&f, SXS_F_HIVE_DIRTY, NULL, "SOFTWARE", "m");
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

/* Messages are never cut (they were at 511 bytes). */
static void finding_messages_are_whole(void **state)
{
	(void)state;
	struct sxs_findings f;
	char name[2001];
	memset(name, 'n', 2000);
	name[2000] = '\0';
	sxs_findings_init(&f);
	struct sxs_finding *fd = sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "c", name,
	                                          "file member '%s' is missing", name);
	assert_non_null(fd);
	assert_int_equal(strlen(fd->message), 2000 + strlen("file member '' is missing"));
	assert_int_equal(sxs_finding_note(&f, fd, "why %d", 7), 0);
	assert_non_null(strstr(fd->message, "' is missing (why 7)"));
	/* severity: the registry's, lowered by evidence, never raised */
	assert_int_equal(fd->severity, SXS_SEV_ERROR);
	fd = sxs_findings_add_sev(&f, SXS_F_WINNER_MISSING, SXS_SEV_ERROR, NULL, NULL, "m");
	assert_int_equal(fd->severity, SXS_SEV_WARNING);
	fd = sxs_findings_add_sev(&f, SXS_F_PAYLOAD_MISSING, SXS_SEV_INFO, "c", "f", "m");
	assert_int_equal(fd->severity, SXS_SEV_INFO);
	assert_int_equal(sxs_findings_count(&f, SXS_SEV_WARNING), 2);
	sxs_findings_release(&f);
}

/* Fingerprints: stable, case-insensitive in names, different per id / component / file. */
static void fingerprints_are_stable(void **state)
{
	(void)state;
	struct sxs_findings f;
	char a[17], b[17], c[17], d[17];
	sxs_findings_init(&f);
	sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "amd64_x_1", "a.dll", "one message");
	sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "AMD64_X_1", "A.DLL", "another message");
	sxs_findings_add(&f, SXS_F_PAYLOAD_HASH_MISMATCH, "amd64_x_1", "a.dll", "m");
	sxs_findings_add(&f, SXS_F_PAYLOAD_MISSING, "amd64_x_1", "b.dll", "m");
	sxs_finding_fingerprint(&f.v[0], a);
	sxs_finding_fingerprint(&f.v[1], b);
	sxs_finding_fingerprint(&f.v[2], c);
	sxs_finding_fingerprint(&f.v[3], d);
	assert_int_equal(strlen(a), 16);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	/* a fixed value: fleets compare fingerprints across versions of sxscheck */
	struct sxs_findings g;
	sxs_findings_init(&g);
	sxs_findings_add(&g, SXS_F_PAYLOAD_MISSING, NULL, NULL, "m");
	sxs_finding_fingerprint(&g.v[0], a);
	assert_string_equal(a, FINGERPRINT_PAYLOAD_MISSING_EMPTY);
	sxs_findings_release(&g);
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
		cmocka_unit_test(finding_messages_are_whole),
		cmocka_unit_test(fingerprints_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
