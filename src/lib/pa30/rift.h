/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_RIFT_H
#define SXS_PA30_RIFT_H

/*
 * IntFormat and rift tables as they travel in PA30 bitstreams (psfx.md §5.2,
 * formats.md §4.5): the wire readers only.  Used by the PRSM reversal data
 * (prsm.c) and by the PE preprocess and patch streams.
 *
 * IntFormat: a Huffman code over 252 symbols; 0-125 code non-negative
 * magnitude classes, 126-251 negative ones.  A class m <= 3 is the value m;
 * a larger one is ((2 + (m & 1)) << h) | h raw bits with h = (m >> 1) - 1.
 * A negative class codes -(v + 1).
 *
 * RiftTable: one "present" bit; when set, two IntFormats (source deltas,
 * offset deltas), an Int count, then count pairs: s += src(); d += dst();
 * entry (s, s + d).  Entries are returned sorted by source (stable, so
 * equal sources keep their stream order).  All arithmetic wraps mod 2^64.
 */

#include <stddef.h>
#include <stdint.h>

#include "pa30/bits.h"
#include "pa30/huffman.h"
#include "util/status.h"

#define PA30_INTFORMAT_SYMS 252
#define PA30_INTFORMAT_HALF 126

struct pa30_intformat {
	struct pa30_huff code;
};

void pa30_intformat_init(struct pa30_intformat *f);
void pa30_intformat_release(struct pa30_intformat *f);
/* The fixed default format (lengths 7 for symbols 0-3, 8 for the rest). */
int pa30_intformat_default(struct pa30_intformat *f, struct sxs_diag *diag);
/* An IntFormat description from the stream (counts, 4-bit lengths, fill rule). */
int pa30_intformat_read(struct pa30_intformat *f, struct pa30_bits *b, struct sxs_diag *diag,
                        const char *what);
/* One number coded with f. */
int pa30_intformat_number(const struct pa30_intformat *f, struct pa30_bits *b, int64_t *ret,
                          struct sxs_diag *diag, const char *what);

struct pa30_rift_entry {
	int64_t source;
	int64_t target;
	size_t order; /* position in the stream (ties in the sort keep it) */
};

struct pa30_rift {
	struct pa30_rift_entry *v; /* sxs_malloc'd, sorted by source */
	size_t n;
};

void pa30_rift_release(struct pa30_rift *r);
/*
 * Read a rift table (present bit first).  The entry count is refused when it
 * exceeds the bits left in the stream (every entry costs at least two bits),
 * before anything is allocated.
 */
int pa30_rift_read(struct pa30_bits *b, struct pa30_rift *r_ret, struct sxs_diag *diag,
                   const char *what);

#endif
