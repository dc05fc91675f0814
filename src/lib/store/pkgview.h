/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_PKGVIEW_H
#define SXS_STORE_PKGVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/*
 * What the store's liveness and the deployment checks need of the package
 * layer (store/packages.h, the "pkg" area): one narrow view, so they do not
 * depend on how packages are modelled.
 */

/* The image's CBS Packages registry was read. */
bool sxs_model_have_packages(const struct sxs_model *m);
/* CurrentState of a package identity: 0, or -SXS_ENOENT when unknown. */
int sxs_model_package_state(const struct sxs_model *m, const char *identity, uint32_t *state_ret);
/* A Packages\<identity> key exists. */
bool sxs_model_package_exists(const struct sxs_model *m, const char *identity);

/* Packages known to the image (registry keys and .mum files), for counting. */
size_t sxs_model_package_count(const struct sxs_model *m);
/* CurrentState of the i-th package: 0, or -SXS_ENOENT when it has none. */
int sxs_model_package_state_at(const struct sxs_model *m, size_t i, uint32_t *state_ret);

#endif
