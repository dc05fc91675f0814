/* SPDX-License-Identifier: MIT */
/*
 * The decoder on real Microsoft data (../shared/vectors, see its README).
 * The vectors are not redistributable and never part of the project: when
 * the folder is absent this test exits 77 (meson: skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "manifest/manifest.h"
#include "filebuf.h"
#include "pa30/pa30.h"
#include "util/alloc.h"
#include "util/hex.h"

static const char *vectors;

static uint8_t *load(const char *rel, size_t *len)
{
	char path[4096];
	uint8_t *data = NULL;
	snprintf(path, sizeof(path), "%s/%s", vectors, rel);
	if (pa30t_read_file(path, &data, len) < 0)
		fail_msg("cannot read %s", path);
	return data;
}

static void expect_digest(enum sxs_digest_alg alg, const uint8_t *data, size_t len,
                          const char *hex)
{
	uint8_t md[SXS_DIGEST_MAX];
	size_t mdlen;
	char got[2 * SXS_DIGEST_MAX + 1];
	assert_int_equal(sxs_digest_buffer(alg, data, len, md, &mdlen), 0);
	sxs_hex_encode(md, mdlen, got);
	assert_string_equal(got, hex);
}

static void base_manifest_matches_known_hash(void **state)
{
	(void)state;
	size_t len;
	uint8_t *base = load("dcm/base_manifest.bin", &len), md[SXS_DIGEST_MAX];
	size_t mdlen;
	assert_int_equal(len, SXS_BASE_MANIFEST_SIZE);
	assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA256, base, len, md, &mdlen), 0);
	assert_memory_equal(md, sxs_base_manifest_sha256, 32);
	sxs_free(base);
}

static const struct {
	const char *file;
	size_t size;
	const char *md5;
} dcms[] = {
	{"dcm/amd64_microsoft-windows-core_31bf3856ad364e35_10.0.26100.1_none_a943f5e781a44c5c.manifest",
	 415, "05ce391bcd42cc29c917f242af7eefc8"},
	{"dcm/amd64_microsoft-windows-font-truetype-gadugi_31bf3856ad364e35_10.0.26100.1_none_e1326a4c8dcc8ee1.manifest",
	 2305, "91fc84854c00cdb72644457e20d96cc7"},
	{"dcm/amd64_microsoft-windows-network-security_31bf3856ad364e35_10.0.26100.1591_none_68e46b0fda91af4d.manifest",
	 96246, "5f8671540358c1b95b2ad263bfab7008"},
};

static void dcm_manifests_decode_to_known_md5(void **state)
{
	(void)state;
	size_t blen;
	uint8_t *base = load("dcm/base_manifest.bin", &blen);
	for (size_t i = 0; i < sizeof(dcms) / sizeof(dcms[0]); i++) {
		size_t len, olen;
		uint8_t *dcm = load(dcms[i].file, &len), *out;
		struct sxs_diag diag = {{0}};
		struct sxs_pa30_header h;
		assert_int_equal(sxs_container_detect(dcm, len), SXS_CONTAINER_DCM);
		int err = sxs_container_decode(dcm, len, base, blen, &out, &olen, &diag);
		if (err)
			fail_msg("%s: %s", dcms[i].file, sxs_diag_msg(&diag, err));
		assert_int_equal(olen, dcms[i].size);
		expect_digest(SXS_DIGEST_MD5, out, olen, dcms[i].md5);
		assert_memory_equal(out, "<?xml", 5);
		/* header as formats.md §3.2 describes it */
		assert_int_equal(sxs_pa30_read_header(dcm + 4, len - 4, &h, NULL), 0);
		assert_int_equal(h.file_type_set, 1);
		assert_int_equal(h.file_type, 1);
		assert_int_equal(h.flags, 0x20000);
		assert_int_equal(h.target_size, dcms[i].size);
		assert_int_equal(h.hash_alg_id, 0);
		assert_int_equal(h.target_filetime, 0x019DB1DED5D71680ull);
		sxs_free(out);
		sxs_free(dcm);
	}
	sxs_free(base);
}

/* Each decoded manifest's own identity gives back its file name (the key form). */
static void decoded_identity_reproduces_file_name(void **state)
{
	(void)state;
	size_t blen;
	uint8_t *base = load("dcm/base_manifest.bin", &blen);
	for (size_t i = 0; i < sizeof(dcms) / sizeof(*dcms); i++) {
		size_t len, olen;
		uint8_t *dcm = load(dcms[i].file, &len), *xml = NULL;
		struct sxs_manifest *m = NULL;
		struct sxs_strbuf kf = SXS_STRBUF_INIT;
		assert_int_equal(sxs_container_decode(dcm, len, base, blen, &xml, &olen, NULL), 0);
		assert_int_equal(sxs_manifest_parse(xml, olen, &m, NULL), 0);
		assert_int_equal(sxs_identity_keyform(&m->id, SXS_KEYFORM_FULL, &kf), 0);
		const char *name = strchr(dcms[i].file, '/') + 1;
		size_t stem = strlen(name) - strlen(".manifest");
		if (kf.len != stem || strncmp(sxs_strbuf_str(&kf), name, stem))
			fail_msg("%s: identity gives %s", name, sxs_strbuf_str(&kf));
		sxs_strbuf_release(&kf);
		sxs_manifest_free(m);
		sxs_free(xml);
		sxs_free(dcm);
	}
	sxs_free(base);
}

static void dcm_needs_the_right_base(void **state)
{
	(void)state;
	/* an empty or a different base must not produce the manifest */
	size_t blen, len, olen;
	uint8_t *base = load("dcm/base_manifest.bin", &blen);
	uint8_t *dcm = load(dcms[2].file, &len), *out = NULL;
	int err = sxs_container_decode(dcm, len, base, 100, &out, &olen, NULL);
	if (err == 0) { /* no hash in a DCM: it may "decode" to other bytes */
		uint8_t md[SXS_DIGEST_MAX];
		size_t mdlen;
		sxs_digest_buffer(SXS_DIGEST_MD5, out, olen, md, &mdlen);
		char hex[33];
		sxs_hex_encode(md, mdlen, hex);
		assert_string_not_equal(hex, dcms[2].md5);
		sxs_free(out);
	}
	sxs_free(dcm);
	sxs_free(base);
}

static void raw_delta_turns_cmd_into_where(void **state)
{
	(void)state;
	size_t slen, dlen, olen;
	uint8_t *src = load("raw/cmd.exe", &slen), *d = load("raw/cmd_to_where.pa30", &dlen), *out;
	struct sxs_diag diag = {{0}};
	int err = sxs_pa30_apply(src, slen, d, dlen, &out, &olen, &diag);
	if (err)
		fail_msg("%s", sxs_diag_msg(&diag, err));
	assert_int_equal(olen, 65536);
	expect_digest(SXS_DIGEST_SHA256, out, olen,
	              "f51fab8041e5023d7290b540a2106f051ef0bd2bc3443c9daf318628b560fa29");
	sxs_free(out);
	/* against an empty source it cannot succeed */
	out = NULL;
	assert_true(sxs_pa30_apply(NULL, 0, d, dlen, &out, &olen, NULL) < 0);
	assert_null(out);
	sxs_free(src);
	sxs_free(d);
}

static void negative_vectors_are_rejected(void **state)
{
	(void)state;
	char dirpath[4096];
	size_t slen;
	uint8_t *src = load("raw/cmd.exe", &slen);
	int count = 0;
	snprintf(dirpath, sizeof(dirpath), "%s/negative", vectors);
	DIR *dir = opendir(dirpath);
	struct dirent *de;
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char rel[512];
		size_t len, olen;
		uint8_t *out = NULL;
		struct sxs_diag diag = {{0}};
		if (strncmp(de->d_name, "fuzz_crash_", 11) != 0)
			continue;
		snprintf(rel, sizeof(rel), "negative/%s", de->d_name);
		uint8_t *d = load(rel, &len);
		int err = sxs_pa30_apply(src, slen, d, len, &out, &olen, &diag);
		if (err >= 0)
			fail_msg("%s applied to cmd.exe", de->d_name);
		assert_null(out);
		assert_true(diag.msg[0] != '\0'); /* a reason, not just a code */
		err = sxs_pa30_apply(NULL, 0, d, len, &out, &olen, NULL);
		if (err >= 0)
			fail_msg("%s applied to an empty source", de->d_name);
		/* info must cope too */
		struct sxs_pa30_header h;
		(void)sxs_pa30_read_header(d, len, &h, NULL);
		sxs_free(d);
		count++;
	}
	closedir(dir);
	assert_int_equal(count, 9);
	sxs_free(src);
}

static void real_dcm_survives_every_truncation_and_bit_flip(void **state)
{
	(void)state;
	size_t blen, len, olen;
	uint8_t *base = load("dcm/base_manifest.bin", &blen);
	uint8_t *dcm = load(dcms[1].file, &len), *out;
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = sxs_malloc(n ? n : 1);
		memcpy(copy, dcm, n);
		out = NULL;
		if (sxs_container_decode(copy, n, base, blen, &out, &olen, NULL) >= 0)
			fail_msg("truncation to %zu bytes decoded", n);
		sxs_free(copy);
	}
	for (size_t bit = 0; bit < len * 8; bit++) {
		dcm[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (sxs_container_decode(dcm, len, base, blen, &out, &olen, NULL) == 0)
			sxs_free(out); /* no hash in a DCM: some flips still decode */
		dcm[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	sxs_free(dcm);
	sxs_free(base);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base_manifest_matches_known_hash),
		cmocka_unit_test(dcm_manifests_decode_to_known_md5),
		cmocka_unit_test(decoded_identity_reproduces_file_name),
		cmocka_unit_test(dcm_needs_the_right_base),
		cmocka_unit_test(raw_delta_turns_cmd_into_where),
		cmocka_unit_test(negative_vectors_are_rejected),
		cmocka_unit_test(real_dcm_survives_every_truncation_and_bit_flip),
	};
	struct stat st;
	if (argc < 2 || stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vectors not found: skipping\n");
		return 77;
	}
	vectors = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
