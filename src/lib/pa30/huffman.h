/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_HUFFMAN_H
#define SXS_PA30_HUFFMAN_H

/*
 * Canonical Huffman codes in msdelta's convention (formats.md §4.6): for
 * each length from the longest down to 1, first_code[len] = acc;
 * acc = (acc + count[len]) >> 1; codes of one length go to symbols in
 * increasing order.  A code is read most significant bit first from the
 * LSB-first stream, so the decode tables are indexed by the bit-reversed
 * code.
 *
 * Decoding is table driven: a primary table indexed by the next
 * `tablebits` bits, and for longer codes a second-level table per prefix.
 */

#include <stddef.h>
#include <stdint.h>

#include "pa30/bits.h"
#include "util/status.h"

#define PA30_MAX_CODE_LEN 16

/*
 * Table entry: bits 0-4 code length (0: invalid, the code is empty), bit 7
 * subtable flag (then bits 0-4 are the subtable's index bits and bits 8-31
 * its offset), bits 8-31 the symbol.
 */
#define PA30_HUFF_SUBTABLE 0x80u

struct pa30_huff {
	uint32_t *table;
	size_t cap;         /* entries allocated */
	unsigned tablebits; /* index bits of the primary table */
};

void pa30_huff_init(struct pa30_huff *h);
void pa30_huff_release(struct pa30_huff *h);

/*
 * Check that lens[0..n) (each <= max_len) form a complete prefix code, are
 * all zero (an empty code, which fails only when a symbol is decoded), or
 * give one symbol length 1 and all others 0 (msdelta's lone-symbol code: the
 * symbol is code 0; reading the bit 1 fails like an empty code).  Every
 * other incomplete or over-subscribed code is -SXS_EFORMAT.
 */
int pa30_huff_check(const uint8_t *lens, size_t n, unsigned max_len,
                    struct sxs_diag *diag, const char *what);

/*
 * Check lens (as pa30_huff_check) and build the decode tables; primary
 * table bits are min(longest code, max_tablebits), max_tablebits <= 12.
 */
int pa30_huff_build(struct pa30_huff *h, const uint8_t *lens, size_t n,
                    unsigned max_len, unsigned max_tablebits,
                    struct sxs_diag *diag, const char *what);

/*
 * Decode one symbol.  The caller has refilled b (at least 16 bits pending).
 * Returns the symbol, or -1 when the bits name no symbol (an empty code, or
 * the unused half of a lone-symbol code).
 */
static inline int pa30_huff_decode(const struct pa30_huff *h, struct pa30_bits *b)
{
	uint32_t e = h->table[pa30_bits_peek(b, h->tablebits)];

	if (e & PA30_HUFF_SUBTABLE) {
		uint32_t sub = (uint32_t)(b->buf >> h->tablebits) & ((1u << (e & 31u)) - 1u);
		e = h->table[(e >> 8) + sub];
	}
	if ((e & 31u) == 0)
		return -1;
	pa30_bits_skip(b, e & 31u);
	return (int)(e >> 8);
}

#endif
