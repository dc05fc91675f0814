/* SPDX-License-Identifier: MIT */
#include "store/live.h"

#include <string.h>

#include "manifest/identity.h"

const char *sxs_liveness_name(enum sxs_liveness l)
{
	switch (l) {
	case SXS_LIVE_LIVE: return "live";
	case SXS_LIVE_DORMANT: return "dormant";
	default: return "unknown";
	}
}

bool sxs_package_state_installed(uint32_t state)
{
	return state == 0x70 || state == 0x80;
}

static bool deployment_installed(const struct sxs_deployment *d, sxs_package_state_fn fn,
                                 const void *ctx)
{
	for (size_t i = 0; i < d->nmarks; i++) {
		const struct sxs_mark *mk = &d->marks[i];
		uint32_t st;
		/* the string tells the package even when the name was edited by hand */
		if (mk->kind == 'i' && mk->package && fn(ctx, mk->package, &st) == 0 &&
		    sxs_package_state_installed(st))
			return true;
	}
	return false;
}

/*
 * The winner of its band: Winners\<family>\<major.minor> default = its
 * version (calibration.md §6.2).  Every band counts, not only the family's
 * default band: side-by-side assemblies are resolved per band (an
 * application bound to 8.0 gets the 8.0 band's winner, formats.md §5).
 */
static bool is_winners_default(const struct sxs_model *m, const struct sxs_component *c)
{
	char band[32];
	if (!c->winners_key || !c->id.version ||
	    sxs_version_band(c->id.version, band, sizeof(band)) != 0)
		return false;
	const struct sxs_winner_family *f = sxs_model_family(m, c->winners_key);
	if (!f)
		return false;
	for (size_t i = 0; i < f->nbands; i++)
		if (!strcmp(f->bands[i].band, band))
			return f->bands[i].winner && !strcmp(f->bands[i].winner, c->id.version);
	return false;
}

void sxs_model_liveness(struct sxs_model *m, bool have_packages, sxs_package_state_fn state_fn,
                        const void *ctx)
{
	m->liveness_known = m->have_deployment_data && have_packages && state_fn;
	for (size_t i = 0; i < m->ncomps; i++) {
		m->comps[i].live = SXS_LIVE_UNKNOWN;
		m->comps[i].live_why = 0;
	}
	if (!m->liveness_known)
		return;
	for (size_t i = 0; i < m->ndeployments; i++) {
		struct sxs_deployment *d = &m->deployments[i];
		d->installed = deployment_installed(d, state_fn, ctx);
		if (!d->installed || !d->comp)
			continue;
		d->comp->live_why |= SXS_LIVE_WHY_IS_DEPLOYMENT;
		for (size_t j = 0; j < d->comp->ninstall_deps; j++) {
			struct sxs_component *dep = sxs_model_find(m, d->comp->install_deps[j]);
			if (dep)
				dep->live_why |= SXS_LIVE_WHY_DEPENDENCY;
		}
	}
	for (size_t i = 0; i < m->ncomps; i++) {
		struct sxs_component *c = &m->comps[i];
		for (size_t j = 0; j < c->nclinks; j++) {
			const struct sxs_deployment *d = sxs_model_deployment(m, c->clinks[j]);
			if (d && d->installed)
				c->live_why |= SXS_LIVE_WHY_DEPLOYMENT;
		}
		if (is_winners_default(m, c))
			c->live_why |= SXS_LIVE_WHY_WINNER;
		c->live = c->live_why ? SXS_LIVE_LIVE : SXS_LIVE_DORMANT;
	}
}
