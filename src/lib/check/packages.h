/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_PACKAGES_H
#define SXS_CHECK_PACKAGES_H

#include "check/findings.h"
#include "store/model.h"

/*
 * The package (CBS) layer checks of packages.md §6.1 over the facts of
 * store/packages.h, respecting §6.2 (what a healthy 17763 looks like).
 * Nothing is reported when the image has no package data at all (no
 * servicing\Packages and no CBS Packages key).  Gate: while a hive is dirty
 * (and not recovered) or a servicing transaction is pending, every error
 * found here is reported as a warning "may be transient".
 */
int sxs_check_packages(const struct sxs_model *m, struct sxs_findings *out);

#endif
