/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_PE_RIFTMAP_H
#define SXS_PA30_PE_RIFTMAP_H

/*
 * Rift maps and their algebra (psfx.md §5.3).
 *
 * A rift map is a list of (src, dst) breakpoints sorted by src; it describes
 * a piecewise shift: for x in the segment that starts at breakpoint i,
 * f(x) = x + (dst_i - src_i).  All arithmetic wraps modulo 2^64, as the
 * tables in real deltas (and what the algebra builds from them) carry
 * values near INT64_MIN and INT64_MAX.
 *
 * Two lookups:
 *   pa30_riftmap_offset(m, x)  the offset of the last breakpoint <= x; 0 below
 *                              the first one and for an empty map (msdelta's
 *                              RiftTable::map, used by the PE transforms);
 *   riftmap "get" (internal)   the same, but below the first breakpoint it is
 *                              the last breakpoint's offset: the map wraps
 *                              (used by multiply and reverse).
 *
 * pa30_riftmap_multiply(a, b) is b after a; pa30_riftmap_reverse(a) is the
 * inverse of a, built the way msdelta does for maps whose segments overlap
 * or leave gaps once shifted (i386 FileAlignment relayouts): segments are
 * walked from source 0 upwards (the wrapped part below the first breakpoint
 * last), and where a segment's image falls on image positions an earlier
 * segment already covered, the earlier one keeps them.
 *
 * Every function that builds a map caps it at SXS_MAX_PE_RIFT entries and
 * returns -SXS_ELIMIT beyond (a real map has a few dozen entries); reverse
 * also gives up with -SXS_ELIMIT when overlapping images would make it
 * move more than SXS_MAX_RIFT_WORK interval records (monotone maps, which
 * is what real deltas carry, move none).
 */

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* Most entries any rift map built here may hold. */
#define SXS_MAX_PE_RIFT ((size_t)1 << 16)

/* Interval records reverse may move before it gives up. */
#define SXS_MAX_RIFT_WORK ((size_t)1 << 26)

struct pa30_riftpt {
	int64_t src;
	int64_t dst;
};

struct pa30_riftmap {
	struct pa30_riftpt *v;
	size_t n, cap;
};

void pa30_riftmap_init(struct pa30_riftmap *m);
void pa30_riftmap_release(struct pa30_riftmap *m);
/* Append a breakpoint (not sorted); -SXS_ENOMEM or -SXS_ELIMIT. */
int pa30_riftmap_push(struct pa30_riftmap *m, int64_t src, int64_t dst);
/* Stable sort by src: breakpoints with equal src keep their order. */
int pa30_riftmap_sort(struct pa30_riftmap *m);

/* Offset (dst - src) that applies at x; 0 below the first breakpoint. */
int64_t pa30_riftmap_offset(const struct pa30_riftmap *m, int64_t x);
/* x + pa30_riftmap_offset(m, x), wrapping (msdelta's MapRva). */
int64_t pa30_riftmap_apply(const struct pa30_riftmap *m, int64_t x);

/* *out = b after a (an empty operand is the identity). out is replaced. */
int pa30_riftmap_multiply(const struct pa30_riftmap *a, const struct pa30_riftmap *b,
                          struct pa30_riftmap *out, struct sxs_diag *diag);
/* *out = the inverse of a (see above).  out is replaced. */
int pa30_riftmap_reverse(const struct pa30_riftmap *a, struct pa30_riftmap *out,
                         struct sxs_diag *diag);

#endif
