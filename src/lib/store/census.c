/* SPDX-License-Identifier: MIT */
#include "store/census.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manifest/identity.h"
#include "store/forms.h"
#include "store/pkgview.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/strbuf.h"

const char *const sxs_census_form_names[SXS_CENSUS_FORMS] = {
	"full", "container", "reparse", "f", "r", "n", "lcu_f", "lcu_r", "lcu_n", "none",
};

static const unsigned form_bits[SXS_CENSUS_FORMS - 1] = {
	SXS_FORM_FULL, SXS_FORM_CONTAINER, SXS_FORM_REPARSE, SXS_FORM_F, SXS_FORM_R, SXS_FORM_N,
	SXS_FORM_LCU_F, SXS_FORM_LCU_R, SXS_FORM_LCU_N,
};

void sxs_census_release(struct sxs_census *c)
{
	sxs_free(c->fflags);
	sxs_free(c->cfs);
	sxs_free(c->marks);
	sxs_free(c->packages);
	memset(c, 0, sizeof(*c));
}

/* A row for (absent, value) in a small table kept sorted; NULL on oom. */
static void *row(void **v, size_t *n, size_t elsize, bool absent, uint32_t value,
                 size_t off_absent, size_t off_value)
{
	char *base = *v;
	size_t i = 0;
	for (; i < *n; i++) {
		char *r = base + i * elsize;
		bool a = *(bool *)(r + off_absent);
		uint32_t val = *(uint32_t *)(r + off_value);
		if (a == absent && (absent || val == value))
			return r;
		/* absent first, then by value */
		if ((!absent && !a && val > value) || (absent && !a))
			break;
	}
	char *nv = sxs_reallocarray(base, *n + 1, elsize);
	if (!nv)
		return NULL;
	memmove(nv + (i + 1) * elsize, nv + i * elsize, (*n - i) * elsize);
	char *r = nv + i * elsize;
	memset(r, 0, elsize);
	*(bool *)(r + off_absent) = absent;
	*(uint32_t *)(r + off_value) = value;
	*v = nv;
	(*n)++;
	return r;
}

static struct sxs_census_fflag *fflag_row(struct sxs_census *c, bool absent, uint32_t v)
{
	return row((void **)&c->fflags, &c->nfflags, sizeof(*c->fflags), absent, v,
	           offsetof(struct sxs_census_fflag, absent), offsetof(struct sxs_census_fflag, value));
}

static struct sxs_census_cf *cf_row(struct sxs_census *c, bool absent, uint32_t v)
{
	return row((void **)&c->cfs, &c->ncfs, sizeof(*c->cfs), absent, v,
	           offsetof(struct sxs_census_cf, absent), offsetof(struct sxs_census_cf, value));
}

static int count_payloads(const struct sxs_component *comp, struct sxs_census *c)
{
	for (size_t i = 0; i < comp->nfiles; i++) {
		const struct sxs_payload *p = &comp->files[i];
		struct sxs_census_fflag *r = fflag_row(c, !p->has_fflag, p->fflag);
		if (!r)
			return -SXS_ENOMEM;
		r->files++;
		c->payload_files++;
		bool any = false;
		for (size_t b = 0; b < SXS_CENSUS_FORMS - 1; b++)
			if (p->forms & form_bits[b]) {
				r->forms[b]++;
				any = true;
			}
		if (!any)
			r->forms[SXS_CENSUS_FORM_NONE]++;
	}
	for (size_t i = 0; i < comp->nfflags; i++)
		c->fflags_unmatched += !comp->fflags[i].matched;
	return 0;
}

static int count_cf(const struct sxs_component *comp, struct sxs_census *c)
{
	struct sxs_census_cf *r = cf_row(c, !comp->has_cf, comp->cf);
	if (!r)
		return -SXS_ENOMEM;
	if (comp->live == SXS_LIVE_LIVE)
		r->live++;
	else if (comp->live == SXS_LIVE_DORMANT)
		r->dormant++;
	else
		r->unknown++;
	if (comp->nfiles) {
		if (comp->folder)
			r->with_folder++;
		else
			r->without_folder++;
	}
	return 0;
}

static void count_nofolder(const struct sxs_component *comp, struct sxs_census *c)
{
	if (comp->is_deployment || !comp->nfiles || comp->folder)
		return;
	struct sxs_census_nofolder *n = &c->nofolder;
	if (comp->live == SXS_LIVE_LIVE)
		n->live++;
	else if (comp->live == SXS_LIVE_DORMANT)
		n->dormant++;
	else
		n->unknown++;
	for (size_t i = 0; i < comp->nfiles; i++)
		if (comp->files[i].forms & SXS_FORM_LCU_DELTAS) {
			n->with_lcu_deltas++;
			break;
		}
	if (comp->has_cf && comp->cf)
		n->with_cf++;
}

enum { FAM_LIVE = 1, FAM_UNKNOWN = 2, FAM_SEEN = 4 };

static const struct sxs_winner_band *default_band(const struct sxs_winner_family *f)
{
	if (!f->band)
		return NULL;
	for (size_t i = 0; i < f->nbands; i++)
		if (!strcmp(f->bands[i].band, f->band))
			return &f->bands[i];
	return NULL;
}

static int count_families(const struct sxs_model *m, struct sxs_census *c)
{
	struct sxs_map fams, versions; /* family -> FAM_*; "family|version" present */
	int err = 0;
	sxs_map_init(&fams, true);
	sxs_map_init(&versions, true);
	for (size_t i = 0; i < m->ncomps && !err; i++) {
		const struct sxs_component *comp = &m->comps[i];
		if (!comp->winners_key || comp->is_deployment)
			continue;
		if (comp->id.version) {
			struct sxs_strbuf kv = SXS_STRBUF_INIT;
			sxs_strbuf_addf(&kv, "%s|%s", comp->winners_key, comp->id.version);
			err = sxs_strbuf_error(&kv);
			if (!err)
				err = sxs_map_put(&versions, kv.buf, kv.len, (void *)comp);
			sxs_strbuf_release(&kv);
			if (err)
				break;
		}
		size_t kl = strlen(comp->winners_key);
		unsigned f = (unsigned)(uintptr_t)sxs_map_get(&fams, comp->winners_key, kl) | FAM_SEEN;
		if (comp->live == SXS_LIVE_LIVE)
			f |= FAM_LIVE;
		else if (comp->live == SXS_LIVE_UNKNOWN)
			f |= FAM_UNKNOWN;
		err = sxs_map_put(&fams, comp->winners_key, kl, (void *)(uintptr_t)f);
	}
	const struct sxs_map_slot *slot;
	for (size_t it = 0; !err && sxs_map_next(&fams, &it, &slot);) {
		unsigned f = (unsigned)(uintptr_t)slot->value;
		c->families.families++;
		const struct sxs_winner_family *wf = sxs_model_family(m, slot->key);
		if (wf) {
			c->families.with_winners++;
			continue;
		}
		c->families.without_winners++;
		if (f & FAM_LIVE)
			c->families.without_any_live++;
		else if (f & FAM_UNKNOWN)
			c->families.without_unknown++;
		else
			c->families.without_none_live++;
	}
	c->families.winners_keys = m->nfamilies;
	for (size_t i = 0; i < m->nfamilies && !err; i++) {
		const struct sxs_winner_family *wf = &m->families[i];
		if (!sxs_map_has(&fams, wf->key, strlen(wf->key)))
			c->families.keys_without_versions++;
		const struct sxs_winner_band *b = default_band(wf);
		if (!b || !b->winner)
			continue;
		struct sxs_strbuf kv = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&kv, "%s|%s", wf->key, b->winner);
		if ((err = sxs_strbuf_error(&kv)))
			break;
		bool installed = sxs_map_has(&versions, kv.buf, kv.len);
		sxs_strbuf_release(&kv);
		if (installed)
			c->families.default_installed++;
		else
			c->families.default_not_installed++;
		if (sxs_model_has_fusion(m, wf->key, b->band, b->winner))
			c->families.default_in_fusion++;
	}
	sxs_map_release(&fams);
	sxs_map_release(&versions);
	return err;
}

static int count_fusion(const struct sxs_model *m, struct sxs_census *c)
{
	struct sxs_map versions; /* "family|version" -> component */
	struct sxs_strbuf kv = SXS_STRBUF_INIT;
	int err = 0;
	c->fusion.entries = m->nfusion;
	if (!m->nfusion)
		return 0;
	sxs_map_init(&versions, true);
	for (size_t i = 0; i < m->ncomps && !err; i++) {
		const struct sxs_component *comp = &m->comps[i];
		if (!comp->winners_key || !comp->id.version)
			continue;
		sxs_strbuf_reset(&kv);
		sxs_strbuf_addf(&kv, "%s|%s", comp->winners_key, comp->id.version);
		if (!(err = sxs_strbuf_error(&kv)))
			err = sxs_map_put(&versions, kv.buf, kv.len, (void *)comp);
	}
	for (size_t i = 0; i < m->nfusion && !err; i++) {
		/* "key\band\version" */
		const char *e = m->fusion[i];
		const char *s1 = strchr(e, '\\'), *s2 = s1 ? strchr(s1 + 1, '\\') : NULL;
		if (!s1 || !s2)
			continue;
		size_t kl = (size_t)(s1 - e), bl = (size_t)(s2 - s1 - 1);
		const char *version = s2 + 1;
		sxs_strbuf_reset(&kv);
		sxs_strbuf_add(&kv, e, kl);
		if ((err = sxs_strbuf_error(&kv)))
			break;
		const struct sxs_winner_family *wf = sxs_model_family(m, kv.buf);
		if (wf) {
			c->fusion.with_winners_key++;
			for (size_t k = 0; k < wf->nbands; k++)
				if (strlen(wf->bands[k].band) == bl && !strncmp(wf->bands[k].band, s1 + 1, bl) &&
				    wf->bands[k].winner && !strcmp(wf->bands[k].winner, version))
					c->fusion.winners_default++;
		}
		sxs_strbuf_addf(&kv, "|%s", version);
		if ((err = sxs_strbuf_error(&kv)))
			break;
		const struct sxs_component *comp = sxs_map_get(&versions, kv.buf, kv.len);
		if (comp) {
			c->fusion.with_component++;
			c->fusion.with_manifest += comp->mstate != SXS_MANIFEST_ABSENT;
			c->fusion.with_components_key += comp->in_hive;
		}
	}
	sxs_strbuf_release(&kv);
	sxs_map_release(&versions);
	return err;
}

static int count_marks(const struct sxs_model *m, struct sxs_census *c)
{
	c->deployment_keys = m->ndeployments;
	for (size_t i = 0; i < m->ndeployments; i++) {
		const struct sxs_deployment *d = &m->deployments[i];
		bool p = false, s = false, in = false;
		c->deployments_installed += d->installed;
		c->deployments_without_component += !d->comp;
		for (size_t j = 0; j < d->nmarks; j++) {
			const struct sxs_mark *mk = &d->marks[j];
			c->marks_total++;
			c->marks_malformed += !mk->name_ok || !mk->data_ok;
			p |= mk->kind == 'p';
			s |= mk->kind == 's';
			in |= mk->kind == 'i';
		}
		char combo[8] = "";
		size_t k = 0;
		if (p)
			combo[k++] = 'p';
		if (s) {
			if (k)
				combo[k++] = '+';
			combo[k++] = 's';
		}
		if (in) {
			if (k)
				combo[k++] = '+';
			combo[k++] = 'i';
		}
		combo[k] = '\0';
		if (!k)
			strcpy(combo, "none");
		size_t r = 0;
		while (r < c->nmarks && strcmp(c->marks[r].combo, combo))
			r++;
		if (r == c->nmarks) {
			struct sxs_census_marks *v = sxs_reallocarray(c->marks, c->nmarks + 1, sizeof(*v));
			if (!v)
				return -SXS_ENOMEM;
			c->marks = v;
			memset(&v[r], 0, sizeof(v[r]));
			memcpy(v[r].combo, combo, sizeof(combo));
			c->nmarks++;
		}
		c->marks[r].deployments++;
	}
	return 0;
}

static int count_packages(const struct sxs_model *m, struct sxs_census *c)
{
	c->have_packages = sxs_model_have_packages(m);
	size_t n = sxs_model_package_count(m);
	for (size_t i = 0; i < n; i++) {
		uint32_t st = 0;
		bool unknown = sxs_model_package_state_at(m, i, &st) != 0;
		struct sxs_census_packages *r =
			row((void **)&c->packages, &c->npackages, sizeof(*c->packages), unknown, st,
			    offsetof(struct sxs_census_packages, unknown),
			    offsetof(struct sxs_census_packages, state));
		if (!r)
			return -SXS_ENOMEM;
		r->n++;
	}
	return 0;
}

int sxs_census_build(const struct sxs_model *m, struct sxs_census *ret)
{
	struct sxs_census c = {0};
	int err = 0;
	c.payloads_listed = m->payloads_checked;
	for (size_t i = 0; i < m->ncomps && !err; i++) {
		const struct sxs_component *comp = &m->comps[i];
		c.components++;
		c.manifests += comp->mstate != SXS_MANIFEST_ABSENT;
		c.components_keys += comp->in_hive;
		c.deployments_components += comp->is_deployment;
		if (comp->mstate == SXS_MANIFEST_OK && !comp->nfiles && !comp->is_deployment)
			c.no_file_manifests++;
		c.with_files += comp->nfiles > 0;
		if (comp->live == SXS_LIVE_LIVE)
			c.live++;
		else if (comp->live == SXS_LIVE_DORMANT)
			c.dormant++;
		else
			c.unknown++;
		if ((err = count_payloads(comp, &c)) || (err = count_cf(comp, &c)))
			break;
		count_nofolder(comp, &c);
	}
	if (!err)
		err = count_families(m, &c);
	if (!err)
		err = count_fusion(m, &c);
	if (!err)
		err = count_marks(m, &c);
	if (!err)
		err = count_packages(m, &c);
	c.catalog_keys = m->ncatalog_keys;
	c.catalog_files = m->ncatalog_files;
	c.lcu_dirs = m->nlcu_dirs;
	if (err) {
		sxs_census_release(&c);
		return err;
	}
	*ret = c;
	return 0;
}
