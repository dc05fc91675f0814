/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_LZ_H
#define SXS_PA30_LZ_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* Alphabet sizes of one table segment (formats.md §4.6). */
#define PA30_MAIN_SYMS 600
#define PA30_LEN_SYMS 256
#define PA30_ALIGNED_SYMS 16
#define PA30_SEGMENT_LENS (PA30_MAIN_SYMS + PA30_LEN_SYMS + PA30_ALIGNED_SYMS)
#define PA30_PRETREE_SYMS 39

struct pa30_riftmap;

/*
 * Decode the Patch bitstream (formats.md §4.5-4.7, psfx.md §5.6): its rift
 * table, Huffman tables, LZ symbols, producing exactly out_len
 * (<= SXS_MAX_PA30_TARGET) bytes against the reference ref[0..ref_len).
 * caller (may be NULL) is the PE pipeline's rift, keyed by virtual target
 * position (ref_len + target offset) -> source offset; with it and the
 * patch's own rift table, source-relative copies are re-anchored through
 * the offset table; with neither this is the RAW decoder.  *out_ret
 * (sxs_malloc) holds exactly out_len bytes.
 */
int pa30_decode_patch(const uint8_t *ref, size_t ref_len,
                      const uint8_t *patch, size_t patch_len, size_t out_len,
                      const struct pa30_riftmap *caller,
                      uint8_t **out_ret, struct sxs_diag *diag);

#endif
