/* SPDX-License-Identifier: MIT */
/*
 * DER bytes -> catalog (sxs_catalog_parse).  Properties:
 *   - a failure is a -SXS_E* code with a one-line diag and no catalog;
 *   - a parsed catalog's members are sorted, 20 or 32 bytes, each found by
 *     sxs_catalog_has(), and nothing else of that length is (a hash one
 *     bit away from a member is only a member if it is listed);
 *   - the signature verdict is one of the enum's, the chain is never
 *     "valid" without roots, the file hash is the SHA-256 of the input;
 *   - a second parse gives the same members and verdict.
 */
#include <string.h>

#include "digest/digest.h"
#include "fuzz.h"
#include "package/catalog.h"
#include "util/alloc.h"

static bool listed(const struct sxs_catalog *c, const uint8_t *h, size_t len)
{
	for (size_t i = 0; i < c->nmembers; i++)
		if (c->members[i].hash_len == len && !memcmp(c->members[i].hash, h, len))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sxs_catalog *c = NULL, *c2 = NULL;
	struct sxs_diag diag = {{0}};
	int err = sxs_catalog_parse(data, size, NULL, &c, &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "parse returned %d", err);
	if (err) {
		FUZZ_CHECK(c == NULL, "catalog written on error");
		FUZZ_CHECK(diag.msg[0] || err == -SXS_ENOMEM, "no diag for %s", sxs_strerror(err));
		FUZZ_CHECK(!strchr(diag.msg, '\n'), "diag has a newline: %s", diag.msg);
		return 0;
	}
	FUZZ_CHECK(c->signature <= SXS_CAT_SIG_BAD, "signature verdict %d", c->signature);
	FUZZ_CHECK(c->chain == SXS_CAT_CHAIN_NOT_CHECKED, "chain checked without roots");
	uint8_t h[SXS_DIGEST_MAX];
	size_t hl;
	FUZZ_CHECK(sxs_digest_buffer(SXS_DIGEST_SHA256, data, size, h, &hl) == 0 &&
	           !memcmp(h, c->sha256, 32), "file hash is not the input's SHA-256");
	FUZZ_CHECK(c->nmembers <= SXS_MAX_CATALOG_MEMBERS, "%zu members", c->nmembers);
	for (size_t i = 0; i < c->nmembers; i++) {
		const struct sxs_cat_member *m = &c->members[i];
		FUZZ_CHECK(m->hash_len == 20 || m->hash_len == 32, "member of %u bytes", m->hash_len);
		FUZZ_CHECK(sxs_catalog_has(c, m->hash, m->hash_len), "member %zu not found", i);
		if (i)
			FUZZ_CHECK(m[-1].hash_len < m->hash_len ||
			           (m[-1].hash_len == m->hash_len && memcmp(m[-1].hash, m->hash, m->hash_len) <= 0),
			           "members not sorted at %zu", i);
		uint8_t near[32];
		memcpy(near, m->hash, m->hash_len);
		near[m->hash_len - 1] ^= 1;
		FUZZ_CHECK(sxs_catalog_has(c, near, m->hash_len) == listed(c, near, m->hash_len),
		           "membership of an unlisted hash");
	}
	FUZZ_CHECK(sxs_catalog_parse(data, size, NULL, &c2, NULL) == 0, "second parse failed");
	FUZZ_CHECK(c2->nmembers == c->nmembers && c2->signature == c->signature &&
	           (c->nmembers == 0 ||
	            !memcmp(c->members, c2->members, c->nmembers * sizeof(*c->members))),
	           "second parse differs");
	sxs_catalog_free(c2);
	sxs_catalog_free(c);
	return 0;
}
