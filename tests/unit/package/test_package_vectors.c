/* SPDX-License-Identifier: MIT */
/*
 * The package layer on real Microsoft files: the KB4528069 (ESU 2019-10)
 * .mum/.cat pairs of both architectures and the decoded Windows 11 package
 * manifests of UFCase (../shared/vectors/pkg, see packages.md §7).  The
 * vectors are not redistributable: when the folder is absent this test
 * exits 77 (meson: skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "digest/digest.h"
#include "package/catalog.h"
#include "package/mum.h"
#include "util/alloc.h"
#include "util/hex.h"

static const char *vectors; /* .../vectors/pkg */

static uint8_t *load(const char *rel, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", vectors, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *const cab_dirs[] = {"esu-kb4528069-x64/cab", "esu-kb4528069-x86/cab"};
static const char *const bases[] = {"update", "package_for_kb4528069_sp1", "package_1_for_kb4528069",
                                    "package_2_for_kb4528069", "package_3_for_kb4528069"};

static void pair_name(char *buf, size_t n, size_t cab, size_t base, const char *ext)
{
	const char *arch = cab == 0 ? "amd64" : "x86";
	if (base == 0)
		snprintf(buf, n, "%s/update.%s", cab_dirs[cab], ext);
	else
		snprintf(buf, n, "%s/%s~31bf3856ad364e35~%s~~6.1.1.1.%s", cab_dirs[cab], bases[base], arch, ext);
}

static struct sxs_catalog *parse_cat(const char *rel)
{
	size_t len;
	uint8_t *der = load(rel, &len);
	struct sxs_catalog *cat = NULL;
	struct sxs_diag diag = {{0}};
	int err = sxs_catalog_parse(der, len, NULL, &cat, &diag);
	if (err)
		fail_msg("%s: %s", rel, sxs_diag_msg(&diag, err));
	free(der);
	return cat;
}

/* Every real catalog parses, its signature verifies, the chain is reported as not checked. */
static void real_catalogs_parse_and_verify(void **state)
{
	(void)state;
	char rel[512];
	for (size_t c = 0; c < 2; c++)
		for (size_t b = 0; b < 5; b++) {
			pair_name(rel, sizeof(rel), c, b, "cat");
			struct sxs_catalog *cat = parse_cat(rel);
			assert_int_equal(cat->signature, SXS_CAT_SIG_VALID);
			assert_int_equal(cat->chain, SXS_CAT_CHAIN_NOT_CHECKED);
			assert_false(cat->sha1_list);
			assert_non_null(cat->signer);
			assert_string_equal(cat->signer, "Microsoft Windows");
			assert_true(cat->nmembers >= 2);
			for (size_t i = 0; i < cat->nmembers; i++)
				assert_false(cat->members[i].digest_differs);
			sxs_catalog_free(cat);
		}
}

/* Every .mum is a member of its same-named .cat, by SHA-256 and SHA-1 (packages.md §3.5). */
static void every_mum_is_a_member_of_its_cat(void **state)
{
	(void)state;
	char rel[512];
	for (size_t c = 0; c < 2; c++)
		for (size_t b = 0; b < 5; b++) {
			pair_name(rel, sizeof(rel), c, b, "cat");
			struct sxs_catalog *cat = parse_cat(rel);
			pair_name(rel, sizeof(rel), c, b, "mum");
			size_t len;
			uint8_t *mum = load(rel, &len), h[32];
			size_t hl;
			bool member = false;
			assert_int_equal(sxs_catalog_has_file(cat, mum, len, &member), 0);
			assert_true(member);
			assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA1, mum, len, h, &hl), 0);
			assert_true(sxs_catalog_has(cat, h, hl));
			/* one byte changed: no longer a member */
			mum[len / 2] ^= 0x20;
			assert_int_equal(sxs_catalog_has_file(cat, mum, len, &member), 0);
			assert_false(member);
			free(mum);
			sxs_catalog_free(cat);
		}
}

/* The members listed in catalog-members.txt, kind by kind, and no others. */
static void members_match_the_reference_list(void **state)
{
	(void)state;
	size_t len;
	char *txt = (char *)load("catalog-members.txt", &len);
	txt[len] = '\0';
	size_t lines = 0;
	char *save = NULL;
	char prev[512] = "";
	struct sxs_catalog *cat = NULL;
	size_t listed = 0;
	for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char file[512], hex[65], kind[16];
		unsigned hl;
		if (sscanf(line, "%511s %64s %u %15s", file, hex, &hl, kind) != 4)
			continue;
		if (strcmp(file, prev) != 0) {
			if (cat) {
				assert_int_equal(cat->nmembers, listed);
				sxs_catalog_free(cat);
			}
			cat = parse_cat(file);
			snprintf(prev, sizeof(prev), "%s", file);
			listed = 0;
		}
		uint8_t h[32];
		assert_int_equal(strlen(hex), 2 * hl);
		assert_int_equal(sxs_hex_decode(hex, 2 * hl, h, hl), 0);
		assert_true(sxs_catalog_has(cat, h, hl));
		enum sxs_cat_member_kind want = !strcmp(kind, "pe")     ? SXS_CAT_MEMBER_PE
		                                : !strcmp(kind, "flat") ? SXS_CAT_MEMBER_FLAT
		                                                        : SXS_CAT_MEMBER_TAG_ONLY;
		bool found = false;
		for (size_t i = 0; i < cat->nmembers; i++)
			if (cat->members[i].hash_len == hl && !memcmp(cat->members[i].hash, h, hl)) {
				assert_int_equal(cat->members[i].kind, want);
				found = true;
			}
		assert_true(found);
		listed++;
		lines++;
	}
	if (cat) {
		assert_int_equal(cat->nmembers, listed);
		sxs_catalog_free(cat);
	}
	assert_int_equal(lines, 60);
	free(txt);
}

/* The file SHA-256 the catalog reports (WinSxS\Catalogs names) is the one of hashes.txt. */
static void catalog_file_hash_matches_hashes_txt(void **state)
{
	(void)state;
	char rel[512];
	size_t len;
	char *txt = (char *)load("hashes.txt", &len);
	txt[len] = '\0';
	pair_name(rel, sizeof(rel), 0, 3, "cat");
	struct sxs_catalog *cat = parse_cat(rel);
	char hex[65];
	sxs_hex_encode(cat->sha256, 32, hex);
	char want[700];
	snprintf(want, sizeof(want), "%s ", hex);
	char *line = strstr(txt, want);
	assert_non_null(line);
	assert_non_null(strstr(line, "package_2_for_kb4528069~31bf3856ad364e35~amd64~~6.1.1.1.cat"));
	sxs_catalog_free(cat);
	free(txt);
}

/* Identities: the name built from assemblyIdentity is the file's base name (any case). */
static void mum_identities_match_file_names(void **state)
{
	(void)state;
	char rel[512];
	for (size_t c = 0; c < 2; c++)
		for (size_t b = 0; b < 5; b++) {
			pair_name(rel, sizeof(rel), c, b, "mum");
			size_t len;
			uint8_t *data = load(rel, &len);
			struct sxs_mum *m = NULL;
			struct sxs_diag diag = {{0}};
			int err = sxs_mum_parse(data, len, &m, &diag);
			if (err)
				fail_msg("%s: %s", rel, sxs_diag_msg(&diag, err));
			char want[512];
			const char *arch = c == 0 ? "amd64" : "x86";
			snprintf(want, sizeof(want), "%s~31bf3856ad364e35~%s~~6.1.1.1",
			         b == 0 ? "package_for_kb4528069" : bases[b], arch);
			assert_int_equal(strcasecmp(m->identity, want), 0);
			assert_string_equal(m->identifier, "KB4528069");
			assert_true(m->nparents >= 1);
			/* the tree of packages.md §2.4 */
			if (b == 0 || b == 1) {
				assert_int_equal(m->nupdates, b == 0 ? 1 : 3);
				assert_int_equal(m->nrefs, m->nupdates);
				for (size_t i = 0; i < m->nrefs; i++) {
					assert_int_equal(m->refs[i].kind, SXS_MUM_REF_PACKAGE);
					assert_true(sxs_mum_update_unconditional(&m->updates[m->refs[i].update]));
				}
			} else {
				assert_int_equal(m->nupdates, 1);
				assert_true(m->updates[0].applicable);
				assert_int_equal(m->nrefs, 1);
				assert_int_equal(m->refs[0].kind, SXS_MUM_REF_COMPONENT);
			}
			sxs_mum_free(m);
			free(data);
		}
}

/* The decoded Windows 11 package manifests parse, with their selectable/contained shapes. */
static void windows11_mums_parse(void **state)
{
	(void)state;
	static const char *const files[] = {"pkg_cap.xml", "pkg_comp.xml", "pkg_cusinfo.xml",
	                                    "pkg_driver.xml", "pkg_extended.xml", "pkg_langpack.xml",
	                                    "pkg_parent.xml", "pkg_pkg.xml"};
	size_t selectable = 0, contained_false = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "ufcase/%s", files[i]);
		size_t len;
		uint8_t *data = load(rel, &len);
		struct sxs_mum *m = NULL;
		struct sxs_diag diag = {{0}};
		int err = sxs_mum_parse(data, len, &m, &diag);
		if (err)
			fail_msg("%s: %s", rel, sxs_diag_msg(&diag, err));
		assert_true(m->nupdates >= 1);
		assert_non_null(strstr(m->identity, "~31bf3856ad364e35~amd64~"));
		for (size_t u = 0; u < m->nupdates; u++)
			selectable += m->updates[u].selectable;
		for (size_t r = 0; r < m->nrefs; r++)
			contained_false += m->refs[r].contained_false;
		if (!strcmp(files[i], "pkg_extended.xml"))
			assert_non_null(strstr(m->identity, "~amd64~zh-CN~10.0.22621.1"));
		sxs_mum_free(m);
		free(data);
	}
	assert_true(selectable >= 2);
	assert_true(contained_false >= 2);
}

/* Damage to a real catalog: every truncation is refused, flips never crash. */
static void damaged_real_catalog(void **state)
{
	(void)state;
	char rel[512];
	pair_name(rel, sizeof(rel), 0, 2, "cat");
	size_t len;
	uint8_t *der = load(rel, &len);
	for (size_t n = 0; n < len; n += (n < 512 ? 1 : 37)) {
		struct sxs_catalog *cat = NULL;
		assert_int_not_equal(sxs_catalog_parse(der, n, NULL, &cat, NULL), 0);
		assert_null(cat);
	}
	/* a byte inside the CTL's members: the signed digest no longer matches */
	size_t ctl_byte = 200; /* within trustedSubjects of every ESU catalog */
	der[ctl_byte] ^= 0x01;
	struct sxs_catalog *cat = NULL;
	int err = sxs_catalog_parse(der, len, NULL, &cat, NULL);
	if (err == 0) {
		assert_int_equal(cat->signature, SXS_CAT_SIG_BAD_DIGEST);
		sxs_catalog_free(cat);
	}
	der[ctl_byte] ^= 0x01;
	/* the last byte belongs to the timestamp or signature: flip bits near the end */
	for (size_t k = 1; k <= 64; k++) {
		der[len - k] ^= 0x55;
		cat = NULL;
		if (sxs_catalog_parse(der, len, NULL, &cat, NULL) == 0)
			sxs_catalog_free(cat);
		der[len - k] ^= 0x55;
	}
	free(der);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_catalogs_parse_and_verify),
		cmocka_unit_test(every_mum_is_a_member_of_its_cat),
		cmocka_unit_test(members_match_the_reference_list),
		cmocka_unit_test(catalog_file_hash_matches_hashes_txt),
		cmocka_unit_test(mum_identities_match_file_names),
		cmocka_unit_test(windows11_mums_parse),
		cmocka_unit_test(damaged_real_catalog),
	};
	static char dir[4096];
	struct stat st;
	if (argc < 2)
		return 77;
	snprintf(dir, sizeof(dir), "%s/pkg", argv[1]);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vectors not found: skipping\n");
		return 77;
	}
	vectors = dir;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
