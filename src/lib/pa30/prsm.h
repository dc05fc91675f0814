/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_PRSM_H
#define SXS_PA30_PRSM_H

/* Internal to pa30/: the reverse-delta path (prsm.c) and what it shares with pa30.c. */

#include <stddef.h>
#include <stdint.h>

#include "pa30/pa30.h"

/*
 * Rebuild out[0..out_len) (zeroed by the caller) from ref and the PRSM
 * reversal data body (psfx.md §4).
 */
int pa30_prsm_apply(const uint8_t *ref, size_t ref_len, const uint8_t *body, size_t body_len,
                    uint8_t *out, size_t out_len, struct sxs_diag *diag);

/*
 * A parsed reverse delta (h->is_reverse; body = its reversal data) applied
 * to ref: TargetSize checked against max_target, target hash verified when
 * the delta has one.
 */
int pa30_apply_reverse_parsed(const struct sxs_pa30_header *h, const uint8_t *body,
                              const uint8_t *ref, size_t ref_len, uint64_t max_target,
                              uint8_t **out_ret, size_t *out_len_ret, struct sxs_diag *diag);

/* Compare the delta's TargetHash with out (nothing to do for HashAlgId 0). */
int pa30_check_target_hash(const struct sxs_pa30_header *h, const uint8_t *out, size_t len,
                           struct sxs_diag *diag);

#endif
