/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_INTERNAL_H
#define SXS_PA30_INTERNAL_H

/* Internal to pa30/: what pa30.c shares with the delta dispatcher (delta.c, pe/). */

#include <stddef.h>
#include <stdint.h>

#include "pa30/pa30.h"

/*
 * Parse a PA30/PA31 header and return where its PreProcess and Patch
 * buffers are (a reverse delta: *preprocess_ret NULL, the patch is its
 * reversal data).
 */
int pa30_parse_delta(const uint8_t *delta, size_t len, struct sxs_pa30_header *hdr_ret,
                     const uint8_t **preprocess_ret, const uint8_t **patch_ret,
                     struct sxs_diag *diag);

/* Undo the x86 CALL translation of flag 0x1 over buf[0..size) (formats.md §4.7). */
void pa30_undo_e8(uint8_t *buf, size_t size);

#endif
