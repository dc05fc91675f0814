/* SPDX-License-Identifier: MIT */
#include "pa30/huffman.h"

#include <string.h>

#include "util/alloc.h"

#define MAX_TABLEBITS 12u
#define MAX_SYMBOLS 1024u /* largest alphabet we build (main: 600) */

void pa30_huff_init(struct pa30_huff *h)
{
	h->table = NULL;
	h->cap = 0;
	h->tablebits = 0;
}

void pa30_huff_release(struct pa30_huff *h)
{
	sxs_free(h->table);
	pa30_huff_init(h);
}

/* Count lengths per bit length; fails on a length above max_len. */
static int count_lengths(const uint8_t *lens, size_t n, unsigned max_len,
                         unsigned count[PA30_MAX_CODE_LEN + 1],
                         struct sxs_diag *diag, const char *what)
{
	memset(count, 0, (PA30_MAX_CODE_LEN + 1) * sizeof(count[0]));
	for (size_t i = 0; i < n; i++) {
		if (lens[i] > max_len)
			return sxs_diag_set(diag, SXS_EFORMAT,
			                    "pa30: %s code: length %u of symbol %zu exceeds %u",
			                    what, lens[i], i, max_len);
		count[lens[i]]++;
	}
	return 0;
}

/* Count the lengths and check they form a complete or an empty code. */
static int count_and_check(const uint8_t *lens, size_t n, unsigned max_len,
                           unsigned count[PA30_MAX_CODE_LEN + 1],
                           struct sxs_diag *diag, const char *what)
{
	uint32_t kraft = 0;
	int err;

	if (max_len > PA30_MAX_CODE_LEN)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: code length limit %u too large",
		                    max_len);
	err = count_lengths(lens, n, max_len, count, diag, what);
	if (err)
		return err;
	/* Kraft sum in units of 2^-16: a complete code sums to exactly 2^16 */
	for (unsigned len = 1; len <= PA30_MAX_CODE_LEN; len++)
		kraft += (uint32_t)count[len] << (PA30_MAX_CODE_LEN - len);
	if (kraft > (1u << PA30_MAX_CODE_LEN))
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s code is over-subscribed", what);
	if (kraft != 0 && kraft < (1u << PA30_MAX_CODE_LEN))
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s code is incomplete", what);
	return 0;
}

int pa30_huff_check(const uint8_t *lens, size_t n, unsigned max_len,
                    struct sxs_diag *diag, const char *what)
{
	unsigned count[PA30_MAX_CODE_LEN + 1];
	return count_and_check(lens, n, max_len, count, diag, what);
}

/* Reverse the low len (1-16) bits of code. */
static uint32_t reverse_bits(uint32_t code, unsigned len)
{
	uint32_t x = code;
	x = ((x & 0x5555u) << 1) | ((x >> 1) & 0x5555u);
	x = ((x & 0x3333u) << 2) | ((x >> 2) & 0x3333u);
	x = ((x & 0x0F0Fu) << 4) | ((x >> 4) & 0x0F0Fu);
	x = ((x & 0x00FFu) << 8) | ((x >> 8) & 0x00FFu);
	return x >> (16 - len);
}

static int ensure_capacity(struct pa30_huff *h, size_t entries)
{
	uint32_t *t;

	if (entries <= h->cap)
		return 0;
	t = sxs_reallocarray(h->table, entries, sizeof(*t));
	if (!t)
		return -SXS_ENOMEM;
	h->table = t;
	h->cap = entries;
	return 0;
}

static uint32_t leaf(size_t sym, unsigned len)
{
	return ((uint32_t)sym << 8) | len;
}

int pa30_huff_build(struct pa30_huff *h, const uint8_t *lens, size_t n,
                    unsigned max_len, unsigned max_tablebits,
                    struct sxs_diag *diag, const char *what)
{
	unsigned count[PA30_MAX_CODE_LEN + 1];
	uint32_t next_code[PA30_MAX_CODE_LEN + 1];
	uint16_t rev[MAX_SYMBOLS];
	uint8_t subbits[1u << MAX_TABLEBITS];
	uint32_t suboff[1u << MAX_TABLEBITS];
	unsigned longest = 0, tb;
	uint32_t acc = 0, mask;
	size_t total;
	int err;

	if (n > MAX_SYMBOLS || max_tablebits > MAX_TABLEBITS || max_tablebits == 0)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: bad huffman table parameters");
	err = count_and_check(lens, n, max_len, count, diag, what);
	if (err)
		return err;
	for (unsigned len = 1; len <= PA30_MAX_CODE_LEN; len++)
		if (count[len])
			longest = len;

	if (longest == 0) {
		/* empty code: one invalid entry that every lookup hits */
		err = ensure_capacity(h, 1);
		if (err)
			return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory");
		h->table[0] = 0;
		h->tablebits = 0;
		return 0;
	}

	/* msdelta's canonical codes: the longest codes take the smallest values */
	for (unsigned len = longest; len >= 1; len--) {
		next_code[len] = acc;
		acc = (acc + count[len]) >> 1;
	}
	for (size_t sym = 0; sym < n; sym++)
		if (lens[sym])
			rev[sym] = (uint16_t)reverse_bits(next_code[lens[sym]]++, lens[sym]);

	tb = longest < max_tablebits ? longest : max_tablebits;
	mask = (1u << tb) - 1;
	/* size the second-level tables: the longest code below each prefix */
	memset(subbits, 0, (size_t)1 << tb);
	for (size_t sym = 0; sym < n; sym++) {
		if (lens[sym] > tb) {
			uint32_t p = rev[sym] & mask;
			uint8_t sb = (uint8_t)(lens[sym] - tb);
			if (sb > subbits[p])
				subbits[p] = sb;
		}
	}
	total = (size_t)1 << tb;
	for (uint32_t p = 0; p <= mask; p++) {
		if (subbits[p]) {
			suboff[p] = (uint32_t)total;
			total += (size_t)1 << subbits[p];
		}
	}
	err = ensure_capacity(h, total);
	if (err)
		return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory");
	h->tablebits = tb;

	/* a complete code fills every entry; clear anyway so none is stale */
	memset(h->table, 0, total * sizeof(h->table[0]));
	for (uint32_t p = 0; p <= mask; p++)
		if (subbits[p])
			h->table[p] = (suboff[p] << 8) | PA30_HUFF_SUBTABLE | subbits[p];
	for (size_t sym = 0; sym < n; sym++) {
		unsigned len = lens[sym];
		if (len == 0)
			continue;
		if (len <= tb) {
			for (uint32_t i = rev[sym]; i <= mask; i += 1u << len)
				h->table[i] = leaf(sym, len);
		} else {
			uint32_t p = rev[sym] & mask;
			uint32_t size = 1u << subbits[p];
			unsigned sublen = len - tb;
			for (uint32_t i = (uint32_t)rev[sym] >> tb; i < size; i += 1u << sublen)
				h->table[suboff[p] + i] = leaf(sym, len);
		}
	}
	return 0;
}
