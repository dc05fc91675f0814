/* SPDX-License-Identifier: MIT */
/*
 * Build small struct sxs_model values in memory for compare, reference and
 * script tests (shared by tests/unit/compare and tests/cli/compare).  Abort
 * on any failure: these are test fixtures.
 */
#ifndef SXS_TEST_MODELGEN_H
#define SXS_TEST_MODELGEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "store/model.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define MG_CHECK(x)                                                          \
	do {                                                                 \
		if (!(x)) {                                                  \
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x); \
			abort();                                             \
		}                                                            \
	} while (0)

static inline void mg_init(struct sxs_model *m, const char *image, const char *build)
{
	sxs_model_init(m);
	m->image = sxs_strdup(image);
	m->build = build ? sxs_strdup(build) : NULL;
	m->product = sxs_strdup("Windows 10 Enterprise LTSC 2019");
	m->have_components_hive = true;
	m->have_software_hive = true;
	m->payloads_checked = true;
}

/* Add a healthy component for the identity "name, version" (amd64, neutral). */
static inline struct sxs_component *mg_comp(struct sxs_model *m, const char *name,
                                            const char *version)
{
	struct sxs_strbuf id = SXS_STRBUF_INIT, sb = SXS_STRBUF_INIT;
	struct sxs_component *v = sxs_reallocarray(m->comps, m->ncomps + 1, sizeof(*v));
	MG_CHECK(v);
	m->comps = v;
	struct sxs_component *c = &m->comps[m->ncomps++];
	memset(c, 0, sizeof(*c));
	sxs_strbuf_addf(&id, "%s, Culture=neutral, Version=%s, PublicKeyToken=31bf3856ad364e35, "
	                     "ProcessorArchitecture=amd64, versionScope=NonSxS", name, version);
	MG_CHECK(sxs_identity_parse(id.buf, id.len, &c->id, NULL) == 0);
	c->has_identity = true;
	MG_CHECK(sxs_identity_canonical(&c->id, &sb) == 0);
	c->canonical = sxs_strbuf_detach(&sb, NULL);
	MG_CHECK(sxs_identity_keyform(&c->id, SXS_KEYFORM_FULL, &sb) == 0);
	c->computed_keyform = sxs_strbuf_detach(&sb, NULL);
	c->keyform = sxs_strdup(c->computed_keyform);
	c->manifest_ondisk = sxs_strdup(c->keyform);
	MG_CHECK(sxs_identity_keyform(&c->id, SXS_KEYFORM_WINNERS, &sb) == 0);
	c->winners_key = sxs_strbuf_detach(&sb, NULL);
	c->hive_identity = sxs_strdup(c->canonical);
	c->folder = sxs_strdup(c->keyform);
	c->mstate = SXS_MANIFEST_OK;
	/* a manifest hash derived from the key form, recorded in COMPONENTS too */
	MG_CHECK(sxs_digest_buffer(SXS_DIGEST_SHA256, c->keyform, strlen(c->keyform),
	                           c->manifest_sha256, NULL) == 0);
	memcpy(c->s256h, c->manifest_sha256, 32);
	c->has_manifest_sha256 = c->has_s256h = c->in_hive = true;
	c->manifest_size = 1000;
	sxs_strbuf_release(&id);
	return c;
}

/*
 * Add a payload whose manifest digest is SHA-256(expected) and whose file
 * holds `actual` (NULL: missing).
 */
static inline struct sxs_payload *mg_file(struct sxs_component *c, const char *name,
                                          const char *expected, const char *actual)
{
	struct sxs_payload *v = sxs_reallocarray(c->files, c->nfiles + 1, sizeof(*v));
	MG_CHECK(v);
	c->files = v;
	struct sxs_payload *p = &c->files[c->nfiles++];
	memset(p, 0, sizeof(*p));
	p->name = sxs_strdup(name);
	p->alg = SXS_DIGEST_SHA256;
	p->digest_len = 32;
	MG_CHECK(sxs_digest_buffer(SXS_DIGEST_SHA256, expected, strlen(expected), p->expected, NULL) == 0);
	if (!actual) {
		p->state = SXS_PAYLOAD_MISSING;
		return p;
	}
	p->ondisk = sxs_strdup(name);
	p->size = strlen(actual);
	MG_CHECK(sxs_digest_buffer(SXS_DIGEST_SHA256, actual, strlen(actual), p->actual, NULL) == 0);
	p->state = memcmp(p->actual, p->expected, 32) ? SXS_PAYLOAD_MISMATCH : SXS_PAYLOAD_OK;
	return p;
}

/* Winners\<family>: default band, one band with winner and versions (NULL-terminated). */
static inline struct sxs_winner_family *mg_family(struct sxs_model *m, const char *key,
                                                  const char *band, const char *winner,
                                                  const char *const *versions)
{
	struct sxs_winner_family *v = sxs_reallocarray(m->families, m->nfamilies + 1, sizeof(*v));
	MG_CHECK(v);
	m->families = v;
	struct sxs_winner_family *f = &m->families[m->nfamilies++];
	memset(f, 0, sizeof(*f));
	f->key = sxs_strdup(key);
	f->band = sxs_strdup(band);
	f->bands = sxs_calloc(1, sizeof(*f->bands));
	MG_CHECK(f->bands);
	f->nbands = 1;
	f->bands[0].band = sxs_strdup(band);
	f->bands[0].winner = winner ? sxs_strdup(winner) : NULL;
	for (size_t i = 0; versions && versions[i]; i++) {
		char **nv = sxs_reallocarray(f->bands[0].versions, i + 1, sizeof(*nv));
		MG_CHECK(nv);
		f->bands[0].versions = nv;
		nv[i] = sxs_strdup(versions[i]);
		f->bands[0].nversions = i + 1;
	}
	return f;
}

static inline void mg_done(struct sxs_model *m)
{
	MG_CHECK(sxs_model_index(m) == 0);
}

#endif
