/* SPDX-License-Identifier: MIT */
/*
 * Manifest XML -> model (sxs_manifest_parse).  Properties of a successful
 * parse:
 *   - the identity has name, version and processorArchitecture, and its
 *     canonical string (when it has one) re-parses to the same key form;
 *   - every file has a name; unsafe_name agrees with
 *     sxs_manifest_name_is_safe(); a usable digest has the length of its
 *     algorithm, an unusable one has length 0;
 *   - counts stay under the SXS_MAX_* limits;
 *   - parsing is deterministic (a second parse gives the same files).
 * A failed parse is a -SXS_E* code with a one-line diag.
 */
#include <string.h>

#include "fuzz.h"
#include "manifest/manifest.h"
#include "util/alloc.h"

/*
 * FUZZ_SKIP_KNOWN=1 (fuzzing campaigns only) skips the round trip for
 * values with leading or trailing spaces, a known open bug
 * (testdata/regress/manifest.xfail/), so the campaign can look further.
 */
static bool space_edged(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n && (s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t' || s[n - 1] == '\t');
}

static bool skip_known(const struct sxs_identity *id)
{
	const char *e = getenv("FUZZ_SKIP_KNOWN");
	if (!e || *e != '1')
		return false;
	return space_edged(id->name) || space_edged(id->culture) || space_edged(id->type) ||
	       space_edged(id->version) || space_edged(id->public_key_token) ||
	       space_edged(id->arch) || space_edged(id->version_scope);
}

static void check_identity(const struct sxs_identity *id)
{
	FUZZ_CHECK(id->name && *id->name && id->version && *id->version && id->arch && *id->arch,
	           "identity without a required attribute");
	struct sxs_strbuf canon = SXS_STRBUF_INIT, kf = SXS_STRBUF_INIT, kf2 = SXS_STRBUF_INIT;
	if (!skip_known(id) && sxs_identity_canonical(id, &canon) == 0) {
		struct sxs_identity id2 = {0};
		int err = sxs_identity_parse(canon.buf, canon.len, &id2, NULL);
		FUZZ_CHECK(err == 0 || err == -SXS_ELIMIT, "canonical '%s' does not re-parse",
		           sxs_strbuf_str(&canon));
		if (!err && sxs_identity_keyform(id, SXS_KEYFORM_FULL, &kf) == 0) {
			FUZZ_CHECK(sxs_identity_keyform(&id2, SXS_KEYFORM_FULL, &kf2) == 0,
			           "re-parsed identity has no key form");
			FUZZ_CHECK(!strcmp(sxs_strbuf_str(&kf), sxs_strbuf_str(&kf2)),
			           "key form changed: %s -> %s", sxs_strbuf_str(&kf), sxs_strbuf_str(&kf2));
		}
		sxs_identity_release(&id2);
	}
	sxs_strbuf_release(&canon);
	sxs_strbuf_release(&kf);
	sxs_strbuf_release(&kf2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sxs_manifest *m = NULL;
	struct sxs_diag diag = {{0}};
	int err = sxs_manifest_parse(data, size, &m, &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "parse returned %d", err);
	if (err) {
		FUZZ_CHECK(m == NULL, "model written on error");
		FUZZ_CHECK(diag.msg[0] || err == -SXS_ENOMEM, "no diag for %s", sxs_strerror(err));
		FUZZ_CHECK(!strchr(diag.msg, '\n'), "diag has a newline: %s", diag.msg);
		return 0;
	}
	FUZZ_CHECK(m != NULL, "no model");
	check_identity(&m->id);
	FUZZ_CHECK(m->nfiles <= SXS_MAX_MANIFEST_FILES, "%zu files", m->nfiles);
	FUZZ_CHECK(m->ndeps <= SXS_MAX_MANIFEST_DEPS, "%zu deps", m->ndeps);
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct sxs_manifest_file *f = &m->files[i];
		FUZZ_CHECK(f->name != NULL, "file %zu without a name", i);
		FUZZ_CHECK(f->unsafe_name == !sxs_manifest_name_is_safe(f->name),
		           "file '%s': unsafe_name %d disagrees", f->name, f->unsafe_name);
		if (!f->unsafe_name)
			FUZZ_CHECK(strcmp(f->name, "..") && strcmp(f->name, ".") && !strpbrk(f->name, "/\\:"),
			           "'%s' called safe", f->name);
		FUZZ_CHECK(f->digest_len <= SXS_DIGEST_MAX, "digest of %zu bytes", f->digest_len);
		if (f->digest_len)
			FUZZ_CHECK(f->alg != SXS_DIGEST_NONE && f->digest_len == sxs_digest_size(f->alg) &&
			           !f->bad_digest,
			           "file '%s': digest of %zu bytes for %s", f->name, f->digest_len,
			           sxs_digest_name(f->alg));
		if (f->alg != SXS_DIGEST_NONE)
			FUZZ_CHECK(f->digest_len == sxs_digest_size(f->alg), "alg without a digest");
	}
	for (size_t i = 0; i < m->ndeps; i++)
		(void)sxs_identity_pseudokey(&m->deps[i], false);

	struct sxs_manifest *m2 = NULL;
	FUZZ_CHECK(sxs_manifest_parse(data, size, &m2, NULL) == 0, "second parse failed");
	FUZZ_CHECK(m2->nfiles == m->nfiles && m2->ndeps == m->ndeps &&
	           m2->is_deployment == m->is_deployment, "second parse differs");
	for (size_t i = 0; i < m->nfiles; i++)
		FUZZ_CHECK(!strcmp(m->files[i].name, m2->files[i].name) &&
		           m->files[i].digest_len == m2->files[i].digest_len &&
		           !memcmp(m->files[i].digest, m2->files[i].digest, m->files[i].digest_len),
		           "second parse differs at file %zu", i);
	sxs_manifest_free(m2);
	sxs_manifest_free(m);
	return 0;
}
