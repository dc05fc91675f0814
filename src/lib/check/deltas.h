/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_DELTAS_H
#define SXS_CHECK_DELTAS_H

#include "check/findings.h"
#include "store/model.h"

/*
 * PSFX differentials (issue 14): turn what store/psfx.c recorded into
 * findings: delta-corrupt (CRC-32/header), delta-reverse-failed (0x800f0985),
 * delta-forward-failed, delta-null-failed, delta-forward-other-version,
 * the combination notes, and payload-unverifiable for what could not be
 * decided (grouped by reason when there are many).
 */
void sxs_check_deltas(const struct sxs_model *m, struct sxs_findings *out);

/* A component version that is a feature release's RTM payload (x.y.z.1). */
bool sxs_version_is_rtm(const char *version);

#endif
