/* SPDX-License-Identifier: MIT */
#include "store/pkgview.h"

/*
 * Until the package layer is merged the image has no package data: every
 * state is unknown, and liveness stays unknown (check/ caps at warning).
 */
bool sxs_model_have_packages(const struct sxs_model *m)
{
	(void)m;
	return false;
}

int sxs_model_package_state(const struct sxs_model *m, const char *identity, uint32_t *state_ret)
{
	(void)m;
	(void)identity;
	(void)state_ret;
	return -SXS_ENOENT;
}

bool sxs_model_package_exists(const struct sxs_model *m, const char *identity)
{
	(void)m;
	(void)identity;
	return false;
}

size_t sxs_model_package_count(const struct sxs_model *m)
{
	(void)m;
	return 0;
}

int sxs_model_package_state_at(const struct sxs_model *m, size_t i, uint32_t *state_ret)
{
	(void)m;
	(void)i;
	(void)state_ret;
	return -SXS_ENOENT;
}
