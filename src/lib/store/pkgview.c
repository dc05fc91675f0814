/* SPDX-License-Identifier: MIT */
#include "store/pkgview.h"

#include "store/packages.h"

/* The package layer's facts (store/packages.h), read from the CBS Packages key. */
bool sxs_model_have_packages(const struct sxs_model *m)
{
	return m->packages && m->packages->have_registry;
}

int sxs_model_package_state(const struct sxs_model *m, const char *identity, uint32_t *state_ret)
{
	return sxs_packages_state(m->packages, identity, state_ret);
}

bool sxs_model_package_exists(const struct sxs_model *m, const char *identity)
{
	return m->packages && sxs_cbs_find(&m->packages->cbs, identity) != NULL;
}

size_t sxs_model_package_count(const struct sxs_model *m)
{
	return m->packages ? m->packages->n : 0;
}

int sxs_model_package_state_at(const struct sxs_model *m, size_t i, uint32_t *state_ret)
{
	if (!m->packages || i >= m->packages->n)
		return -SXS_ENOENT;
	const struct sxs_package *p = &m->packages->v[i];
	if (!p->reg || !p->reg->has_state)
		return -SXS_ENOENT;
	*state_ret = p->reg->state;
	return 0;
}
