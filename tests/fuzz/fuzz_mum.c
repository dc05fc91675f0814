/* SPDX-License-Identifier: MIT */
/*
 * Package manifest XML -> model (sxs_mum_parse).  Properties of a
 * successful parse:
 *   - the identity has name, version and processorArchitecture, and its
 *     package identity string splits back into the same five fields
 *     (name, public key token, arch, culture empty when neutral, version)
 *     whenever the version has the four numeric parts CBS uses;
 *   - every reference points at an existing <update>, counts stay under
 *     the SXS_MAX_MUM_* limits;
 *   - parsing is deterministic (a second parse gives the same identity and
 *     the same updates and references).
 * A failed parse is a -SXS_E* code with a one-line diag and no model.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "package/mum.h"
#include "util/alloc.h"

static void check_identity_string(const struct sxs_mum *m)
{
	struct sxs_package_name pn;
	FUZZ_CHECK(m->identity && m->identity[0], "no identity string");
	int err = sxs_package_name_split(m->identity, &pn);
	if (err)
		return; /* a version that is not a.b.c.d, or too long: nothing to compare */
	FUZZ_CHECK(!strcmp(pn.name, m->id.name), "name %s -> %s", m->id.name, pn.name);
	FUZZ_CHECK(!strcmp(pn.arch, m->id.arch), "arch %s -> %s", m->id.arch, pn.arch);
	FUZZ_CHECK(!strcmp(pn.version, m->id.version), "version %s -> %s", m->id.version, pn.version);
	FUZZ_CHECK(!strcmp(pn.pkt, m->id.public_key_token ? m->id.public_key_token : ""),
	           "public key token changed");
	if (sxs_identity_culture_is_neutral(&m->id))
		FUZZ_CHECK(pn.culture[0] == '\0', "neutral culture written as '%s'", pn.culture);
	else
		FUZZ_CHECK(!strcmp(pn.culture, m->id.culture), "culture %s -> %s", m->id.culture,
		           pn.culture);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sxs_mum *m = NULL, *m2 = NULL;
	struct sxs_diag diag = {{0}};
	int err = sxs_mum_parse(data, size, &m, &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "parse returned %d", err);
	if (err) {
		FUZZ_CHECK(m == NULL, "model written on error");
		FUZZ_CHECK(diag.msg[0] || err == -SXS_ENOMEM, "no diag for %s", sxs_strerror(err));
		FUZZ_CHECK(!strchr(diag.msg, '\n'), "diag has a newline: %s", diag.msg);
		return 0;
	}
	FUZZ_CHECK(m && m->has_package, "no model or no package element");
	FUZZ_CHECK(m->id.name && *m->id.name && m->id.version && *m->id.version && m->id.arch &&
	           *m->id.arch, "identity without a required attribute");
	check_identity_string(m);
	FUZZ_CHECK(m->nupdates <= SXS_MAX_MUM_UPDATES, "%zu updates", m->nupdates);
	FUZZ_CHECK(m->nrefs + m->nparents <= SXS_MAX_MUM_REFS, "%zu refs", m->nrefs);
	for (size_t i = 0; i < m->nupdates; i++)
		FUZZ_CHECK(m->updates[i].name != NULL, "update %zu without a name", i);
	for (size_t i = 0; i < m->nrefs; i++) {
		FUZZ_CHECK(m->refs[i].update < m->nupdates, "ref %zu names update %zu of %zu", i,
		           m->refs[i].update, m->nupdates);
		FUZZ_CHECK(m->refs[i].kind <= SXS_MUM_REF_DRIVER, "ref kind %d", m->refs[i].kind);
	}
	FUZZ_CHECK(sxs_mum_parse(data, size, &m2, NULL) == 0, "second parse failed");
	FUZZ_CHECK(!strcmp(m->identity, m2->identity) && m->nupdates == m2->nupdates &&
	           m->nrefs == m2->nrefs && m->nparents == m2->nparents, "second parse differs");
	for (size_t i = 0; i < m->nrefs; i++)
		FUZZ_CHECK(m->refs[i].update == m2->refs[i].update &&
		           m->refs[i].kind == m2->refs[i].kind, "second parse differs at ref %zu", i);
	sxs_mum_free(m2);
	sxs_mum_free(m);
	return 0;
}
