/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_VOLUME_H
#define SXS_CHECK_VOLUME_H

#include <stdbool.h>

#include "check/findings.h"
#include "store/model.h"

/* volume-hibernated, registry-missing, windows-version-unsupported */
void sxs_check_volume(const struct sxs_model *m, struct sxs_findings *out);
/* The image is a Windows older than 10 (m->windows_major from SOFTWARE). */
bool sxs_check_version_unsupported(const struct sxs_model *m);

#endif
