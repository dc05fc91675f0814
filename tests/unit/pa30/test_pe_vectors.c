/* SPDX-License-Identifier: MIT */
/*
 * Real Microsoft PE deltas (../shared/vectors/pe/vectors.txt, psfx.md §6):
 * SOURCE DELTA EXPECTED-SHA256 KIND per line.  Every native one (kind
 * pe-*) must come out byte-exact with its TargetHash (when it has one)
 * matching; a CLI one (cli-*) byte-exact or refused as unsupported, never
 * called corrupt.  pe/esu/vectors.txt (the KB4528069 express deltas, when
 * someone puts them there) is read the same way.  The vectors are not
 * redistributable and never part of the project: without the folder this
 * test exits 77 (meson: skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "digest/digest.h"
#include "filebuf.h"
#include "pa30/delta.h"
#include "util/alloc.h"
#include "util/hex.h"

static const char *vectors;

struct vec {
	char src[512], delta[512], sha[65], kind[32];
};

static uint8_t *load(const char *dir, const char *rel, size_t *len)
{
	char path[4096];
	uint8_t *data = NULL;
	snprintf(path, sizeof(path), "%s/%s/%s", vectors, dir, rel);
	if (pa30t_read_file(path, &data, len) < 0)
		fail_msg("cannot read %s", path);
	return data;
}

/* Read dir/vectors.txt; returns the number of lines (0 when absent). */
static size_t read_list(const char *dir, struct vec *v, size_t max)
{
	char path[4096], line[2048];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/vectors.txt", vectors, dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%511s %511s %64s %31s", v[n].src, v[n].delta, v[n].sha,
		           v[n].kind) == 4)
			n++;
	}
	fclose(f);
	return n;
}

static void sha256_hex(const uint8_t *p, size_t n, char hex[65])
{
	uint8_t md[SXS_DIGEST_MAX];
	size_t mdlen;
	assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA256, p, n, md, &mdlen), 0);
	sxs_hex_encode(md, mdlen, hex);
}

static void print_transforms(const char *name, uint64_t t)
{
	printf("  %-60s transforms that changed the source: 0x%llx\n", name,
	       (unsigned long long)t);
}

/* Run every line of dir/vectors.txt; returns how many ran. */
static size_t run_list(const char *dir)
{
	static struct vec v[64];
	size_t n = read_list(dir, v, 64);

	for (size_t i = 0; i < n; i++) {
		size_t slen, dlen;
		uint8_t *src = load(dir, v[i].src, &slen), *d = load(dir, v[i].delta, &dlen);
		struct sxs_delta_result res;
		bool cli = strncmp(v[i].kind, "cli", 3) == 0;
		char hex[65];

		assert_int_equal(sxs_delta_apply(src, slen, d, dlen, NULL, &res), 0);
		if (cli && res.verdict == SXS_DELTA_UNSUPPORTED) {
			/* refused for what it is, with a reason */
			assert_int_equal(res.kind, SXS_DELTA_KIND_CLI);
			assert_non_null(strstr(res.reason, "CLI"));
			assert_null(res.out);
			printf("  %-60s unsupported: %s\n", v[i].delta, res.reason);
		} else {
			if (res.verdict != SXS_DELTA_OK)
				fail_msg("%s: %s: %s", v[i].delta, sxs_delta_verdict_name(res.verdict),
				         res.reason);
			sha256_hex(res.out, res.out_len, hex);
			if (strcmp(hex, v[i].sha) != 0)
				fail_msg("%s: sha256 %s, expected %s", v[i].delta, hex, v[i].sha);
			assert_int_equal(res.out_len, res.header.target_size);
			assert_int_equal(res.hash, res.header.hash_alg_id ? SXS_DELTA_HASH_MATCH
			                                                  : SXS_DELTA_HASH_NONE);
			print_transforms(v[i].delta, res.transforms);
		}
		sxs_delta_result_release(&res);
		sxs_free(src);
		sxs_free(d);
	}
	return n;
}

static void pe_vectors_decode_byte_exact(void **state)
{
	(void)state;
	/* 13 lines: 6 native PE (amd64, i386), 7 CLI (psfx.md §6) */
	assert_int_equal(run_list("pe"), 13);
}

static void esu_vectors_decode_byte_exact(void **state)
{
	(void)state;
	size_t n = run_list("pe/esu");
	if (n == 0)
		printf("  pe/esu/vectors.txt absent: nothing to run\n");
}

/*
 * A PE delta applied to another PE than its own source must not pass: its
 * TargetHash, when it has one, mismatches (or the stream does not fit).
 */
static void pe_vector_on_the_wrong_source_is_not_ok(void **state)
{
	(void)state;
	static struct vec v[64];
	size_t n = read_list("pe", v, 64);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		size_t j = (i + 1) % n, slen, dlen;
		uint8_t *src = load("pe", v[j].src, &slen), *d = load("pe", v[i].delta, &dlen);
		struct sxs_delta_result res;
		if (strcmp(v[i].src, v[j].src) == 0) {
			sxs_free(src);
			sxs_free(d);
			continue;
		}
		assert_int_equal(sxs_delta_apply(src, slen, d, dlen, NULL, &res), 0);
		if (res.have_header && res.header.hash_alg_id != 0)
			assert_int_not_equal(res.verdict, SXS_DELTA_OK);
		if (res.verdict == SXS_DELTA_OK) {
			/* no hash: it may decode, but never to the expected bytes */
			char hex[65];
			sha256_hex(res.out, res.out_len, hex);
			assert_string_not_equal(hex, v[i].sha);
		}
		sxs_delta_result_release(&res);
		sxs_free(src);
		sxs_free(d);
	}
}

/* Every truncation and every bit flip of a real PE delta: a verdict, no crash. */
static void pe_vector_survives_truncation_and_bit_flips(void **state)
{
	(void)state;
	size_t slen, dlen;
	uint8_t *src = load("pe", "jl/pe-decode/amd64_provdiagnostics/base.bin", &slen);
	uint8_t *d = load("pe", "jl/pe-decode/amd64_provdiagnostics/delta.pa30", &dlen);
	struct sxs_delta_result res;

	for (size_t n = 0; n < dlen; n++) {
		assert_int_equal(sxs_delta_apply(src, slen, d, n, NULL, &res), 0);
		if (res.verdict == SXS_DELTA_OK)
			fail_msg("truncation to %zu bytes decoded", n);
		assert_true(res.reason[0] != '\0');
		assert_null(memchr(res.reason, '\n', strlen(res.reason)));
		sxs_delta_result_release(&res);
	}
	for (size_t bit = 0; bit < dlen * 8; bit++) {
		d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sxs_delta_apply(src, slen, d, dlen, NULL, &res), 0);
		/* SHA-256 TargetHash: a flip that decodes must still be caught */
		if (res.verdict == SXS_DELTA_OK)
			assert_int_equal(res.hash, SXS_DELTA_HASH_MATCH);
		sxs_delta_result_release(&res);
		d[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	sxs_free(src);
	sxs_free(d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pe_vectors_decode_byte_exact),
		cmocka_unit_test(esu_vectors_decode_byte_exact),
		cmocka_unit_test(pe_vector_on_the_wrong_source_is_not_ok),
		cmocka_unit_test(pe_vector_survives_truncation_and_bit_flips),
	};
	struct stat st;
	char path[4096];
	if (argc < 2) {
		fprintf(stderr, "usage: test_pe_vectors VECTORS-DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/pe/vectors.txt", argv[1]);
	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s not found: skipping\n", path);
		return 77;
	}
	vectors = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
