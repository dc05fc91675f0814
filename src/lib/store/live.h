/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_LIVE_H
#define SXS_STORE_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/model.h"

/*
 * Liveness (calibration.md §6.2): a component is LIVE when it is the
 * Winners default of its family (Winners\<family> default band, that
 * band's default version = its version), or when a deployment with an i!
 * mark of an Installed (0x70) or Permanent (0x80) package owns it (c!), is
 * it, or lists it as a dependencyType="install" dependency.  Otherwise it
 * is DORMANT (superseded, staged, disabled feature).  Without deployment
 * data or package states every component is UNKNOWN and m->liveness_known
 * is false.
 *
 * state_fn gives the CBS CurrentState of a package identity (0, or
 * -SXS_ENOENT when unknown); have_packages says whether the image's package
 * registry was read at all.
 */
typedef int (*sxs_package_state_fn)(const void *ctx, const char *identity, uint32_t *state_ret);

void sxs_model_liveness(struct sxs_model *m, bool have_packages, sxs_package_state_fn state_fn,
                        const void *ctx);

/* CurrentState 0x70 (Installed) or 0x80 (Permanent): packages.md §4.2. */
bool sxs_package_state_installed(uint32_t state);

#endif
