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
