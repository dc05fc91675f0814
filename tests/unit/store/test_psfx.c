/* SPDX-License-Identifier: MIT */
/*
 * The delta tier on the demo images through sxs_model_load: verdicts per
 * differential, the same with 1 and 4 hash workers, the size cap and the
 * shared memory budget (a tiny cap makes every group run alone), and
 * --deltas=crc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "store/model.h"
#include "store/store.h"
#include "util/alloc.h"

#ifndef TESTDATA_DIR
#error "TESTDATA_DIR must be defined"
#endif

static void load(const char *image, unsigned jobs, enum sxs_delta_tier tier, uint64_t cap,
                 struct sxs_model *m)
{
	char root[1024];
	struct sxs_image *img;
	struct sxs_diag diag = {{0}};
	struct sxs_model_options opt = {.jobs = jobs, .deltas = tier, .delta_cap = cap};
	snprintf(root, sizeof(root), "%s/images/%s", TESTDATA_DIR, image);
	assert_int_equal(sxs_image_open(root, &img, &diag), 0);
	sxs_model_init(m);
	assert_int_equal(sxs_model_load(img, &opt, m, &diag), 0);
	sxs_image_free(img);
}

static const struct sxs_delta_file *delta(const struct sxs_model *m, const char *kf_part,
                                          const char *path)
{
	for (size_t i = 0; i < m->ncomps; i++)
		if (strstr(m->comps[i].keyform, kf_part))
			for (size_t k = 0; k < m->comps[i].ndeltas; k++)
				if (!strcmp(m->comps[i].deltas[k].path, path))
					return &m->comps[i].deltas[k];
	fail_msg("no %s in %s", path, kf_part);
	return NULL;
}

/* The verdicts of both models are the same, differential by differential. */
static void same_verdicts(const struct sxs_model *a, const struct sxs_model *b)
{
	assert_int_equal(a->ncomps, b->ncomps);
	for (size_t i = 0; i < a->ncomps; i++) {
		assert_int_equal(a->comps[i].ndeltas, b->comps[i].ndeltas);
		for (size_t k = 0; k < a->comps[i].ndeltas; k++) {
			const struct sxs_delta_file *x = &a->comps[i].deltas[k], *y = &b->comps[i].deltas[k];
			assert_string_equal(x->path, y->path);
			assert_int_equal(x->err, y->err);
			assert_int_equal(x->verdict, y->verdict);
			assert_string_equal(x->vdetail ? x->vdetail : "", y->vdetail ? y->vdetail : "");
		}
	}
}

static void golden_differentials_are_all_proven(void **state)
{
	(void)state;
	struct sxs_model m;
	load("golden-pc", 1, SXS_DELTAS_FULL, 0, &m);
	size_t n = 0;
	for (size_t i = 0; i < m.ncomps; i++)
		for (size_t k = 0; k < m.comps[i].ndeltas; k++, n++) {
			const struct sxs_delta_file *d = &m.comps[i].deltas[k];
			assert_int_equal(d->err, 0);
			assert_int_equal(d->verdict, SXS_DV_OK);
			assert_true(d->have_header);
			assert_true(d->owner != SIZE_MAX);
		}
	assert_int_equal(n, 7);
	const struct sxs_delta_file *r = delta(&m, "win32k", "r\\win32kfull.sys");
	assert_true(r->is_reverse);
	assert_int_equal(r->hash_alg_id, 0x8004);
	assert_true(m.deltas_applied);
	sxs_model_release(&m);
}

static void branch_verdicts_do_not_depend_on_the_workers(void **state)
{
	(void)state;
	struct sxs_model a, b;
	load("branch-pc", 1, SXS_DELTAS_FULL, 0, &a);
	load("branch-pc", 4, SXS_DELTAS_FULL, 0, &b);
	same_verdicts(&a, &b);
	assert_int_equal(delta(&a, "win32k", "r\\win32kfull.sys")->verdict, SXS_DV_FAILED);
	/* f\ was not applied: its r\ is the finding */
	assert_int_equal(delta(&a, "win32k", "f\\win32kfull.sys")->verdict, SXS_DV_UNCHECKED);
	assert_int_equal(delta(&a, "win32k", "n\\win32kns.sys")->verdict, SXS_DV_OK);
	const struct sxs_delta_file *k = delta(&a, "amd64_microsoft-windows-kernel32", "r\\kernel32.dll");
	assert_int_equal(k->err, -SXS_EHASH);
	assert_true(sxs_delta_damaged(k));
	assert_int_equal(delta(&a, "wow64_microsoft-windows-kernel32", "r\\kernel32.dll")->verdict,
	                 SXS_DV_OK);
	sxs_model_release(&a);
	sxs_model_release(&b);
}

static void a_small_cap_is_reported_and_shared(void **state)
{
	(void)state;
	struct sxs_model a, b;
	/* 64 KiB: win32kfull.sys (90,000 bytes) and amd64 kernel32.dll (70,000) are
	 * over the cap; the rest runs one group at a time under the budget */
	load("golden-pc", 1, SXS_DELTAS_FULL, 64 << 10, &a);
	load("golden-pc", 4, SXS_DELTAS_FULL, 64 << 10, &b);
	same_verdicts(&a, &b);
	const struct sxs_delta_file *r = delta(&a, "win32k", "r\\win32kfull.sys");
	assert_int_equal(r->verdict, SXS_DV_UNVERIFIABLE);
	assert_non_null(strstr(r->vdetail, "cap"));
	assert_int_equal(delta(&a, "wow64_microsoft-windows-kernel32", "f\\kernel32.dll")->verdict,
	                 SXS_DV_OK);
	assert_int_equal(delta(&a, "win32k", "n\\win32kns.sys")->verdict, SXS_DV_OK);
	sxs_model_release(&a);
	sxs_model_release(&b);
}

static void crc_tier_applies_nothing(void **state)
{
	(void)state;
	struct sxs_model m;
	load("branch-pc", 2, SXS_DELTAS_CRC, 0, &m);
	assert_false(m.deltas_applied);
	for (size_t i = 0; i < m.ncomps; i++)
		for (size_t k = 0; k < m.comps[i].ndeltas; k++)
			assert_int_equal(m.comps[i].deltas[k].verdict, SXS_DV_UNCHECKED);
	assert_int_equal(delta(&m, "amd64_microsoft-windows-kernel32", "r\\kernel32.dll")->err,
	                 -SXS_EHASH);
	sxs_model_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_differentials_are_all_proven),
		cmocka_unit_test(branch_verdicts_do_not_depend_on_the_workers),
		cmocka_unit_test(a_small_cap_is_reported_and_shared),
		cmocka_unit_test(crc_tier_applies_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
