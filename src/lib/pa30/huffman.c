/* SPDX-License-Identifier: MIT */
#include "pa30/huffman.h"

#include <string.h>

#include "util/alloc.h"

#define MAX_TABLEBITS 12u
#define MAX_SYMBOLS 1024u /* largest alphabet we build (main: 600) */

/* Code-space positions are in units of 2^-CODE_SPACE_BITS. */
#define CODE_SPACE_BITS PA30_MAX_CODE_LEN

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

/* Per byte: 0x80 where the byte of w exceeds max_len (<= 127), else 0. */
static uint64_t bytes_above(uint64_t w, unsigned max_len)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	/*
	 * b + (127 - max_len) has its top bit set iff b > max_len, for
	 * b <= 127 and without a carry into the next byte; a byte above 127
	 * has its top bit set already (and may carry, but then the result is
	 * non-zero anyway, which is all the caller asks).
	 */
	return ((w + (127u - max_len) * ones) | w) & high;
}

/*
 * Check that lens[0..n) are <= max_len and sum their Kraft weights
 * 2^(16 - len) (length 0 weighs nothing) into *kraft_ret; fails on a length
 * above max_len, naming the first such symbol.  When used is not NULL, the
 * symbols of non-zero length are also stored there in increasing order and
 * *nused_ret is set to their number.
 *
 * This runs once or twice for every table, so it avoids what makes a plain
 * byte loop with a histogram slow: eight zero lengths (most of a sparse
 * main code) are skipped with one load, the other words are checked at
 * once and summed into registers without branches, and no count in memory
 * is incremented again and again (each increment would wait for the
 * previous store).
 */
static int scan_lengths(const uint8_t *lens, size_t n, unsigned max_len, uint16_t *used,
                        size_t *nused_ret, uint64_t *kraft_ret, struct sxs_diag *diag,
                        const char *what)
{
	uint64_t k0 = 0, k1 = 0;
	size_t i = 0, k = 0;

	while (i < n) {
		size_t len = 8;
		uint64_t w = 0;

		if (n - i >= 8) {
			memcpy(&w, lens + i, 8);
		} else {
			len = n - i; /* the tail, zero-padded */
			for (size_t j = 0; j < len; j++)
				w |= (uint64_t)lens[i + j] << (8 * j);
		}
		if (w == 0) {
			i += len;
			continue;
		}
		if (bytes_above(w, max_len)) {
			while (lens[i] <= max_len)
				i++;
			return sxs_diag_set(diag, SXS_EFORMAT,
			                    "pa30: %s code: length %u of symbol %zu exceeds %u",
			                    what, lens[i], i, max_len);
		}
		/* every byte is <= max_len <= 16 now; 0x10000 >> 0 is masked off */
		for (unsigned j = 0; j < 64; j += 16) {
			k0 += (0x10000u >> ((w >> j) & 31u)) & 0xFFFFu;
			k1 += (0x10000u >> ((w >> (j + 8)) & 31u)) & 0xFFFFu;
		}
		if (used) {
			for (size_t j = 0; j < len; j++) {
				used[k] = (uint16_t)(i + j);
				k += lens[i + j] != 0;
			}
		}
		i += len;
	}
	*kraft_ret = k0 + k1;
	if (used)
		*nused_ret = k;
	return 0;
}

/*
 * Check that lens form a complete code, an empty one, or a single symbol of
 * length 1 (see scan_lengths).
 */
static int check_code(const uint8_t *lens, size_t n, unsigned max_len, uint16_t *used,
                      size_t *nused_ret, struct sxs_diag *diag, const char *what)
{
	uint64_t kraft = 0;
	int err;

	if (max_len > PA30_MAX_CODE_LEN)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: code length limit %u too large",
		                    max_len);
	err = scan_lengths(lens, n, max_len, used, nused_ret, &kraft, diag, what);
	if (err)
		return err;
	/* Kraft sum in units of 2^-16: a complete code sums to exactly 2^16 */
	if (kraft > (1u << PA30_MAX_CODE_LEN))
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s code is over-subscribed", what);
	/*
	 * The one incomplete code msdelta accepts, as DEFLATE and LZX decoders
	 * do: a single used symbol of length 1, which gets code 0 (the bit 1
	 * decodes to no symbol and fails when read).  A sum of exactly 2^15
	 * with a length-1 symbol means that symbol is the only one used.  A
	 * real RAW delta (KB4528069, amd64 calc.exe) has such a length code:
	 * psfx.md §0.5, §8 stage 0.
	 */
	if (kraft == (1u << (PA30_MAX_CODE_LEN - 1)) && memchr(lens, 1, n))
		return 0;
	if (kraft != 0 && kraft < (1u << PA30_MAX_CODE_LEN))
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s code is incomplete", what);
	return 0;
}

int pa30_huff_check(const uint8_t *lens, size_t n, unsigned max_len,
                    struct sxs_diag *diag, const char *what)
{
	return check_code(lens, n, max_len, NULL, NULL, diag, what);
}

/* Reverse the 16 bits of x. */
static inline uint32_t reverse16(uint32_t x)
{
	x = ((x & 0x5555u) << 1) | ((x >> 1) & 0x5555u);
	x = ((x & 0x3333u) << 2) | ((x >> 2) & 0x3333u);
	x = ((x & 0x0F0Fu) << 4) | ((x >> 4) & 0x0F0Fu);
	return ((x & 0x00FFu) << 8) | ((x >> 8) & 0x00FFu);
}

/*
 * The bit-reversed code after the bit-reversed code r of length len: adding
 * one to the code carries from its last bit, which is bit len - 1 of r.
 * Meaningless (but defined) after the last code, all ones.
 */
static inline uint32_t next_reversed(uint32_t r, unsigned len)
{
	uint32_t zeros = ~r & ((1u << len) - 1);
	uint32_t bit = 1u << (31 - __builtin_clz(zeros | 1u));
	return (r & (bit - 1)) | bit;
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

/*
 * How the tables are built.  A complete code tiles the code space [0, 2^16)
 * (units of 2^-16): msdelta gives the longest codes the smallest values and
 * codes of one length go to symbols in increasing order, so the codes of
 * length len occupy [start[len], start[len] + count[len] << (16 - len)),
 * start[longest] = 0, one after the other.  (Kraft's sum of exactly 2^16
 * makes every count[len] + carry even, so msdelta's acc >> 1 never drops a
 * bit and its first_code[len] is start[len] >> (16 - len).)  A code at
 * position p, read MSB first from the LSB-first stream, is looked up with
 * reverse16(p): its low len bits are the code's bits in stream order and
 * the higher bits are 0.
 *
 * Primary table (codes of length <= tb): codes are placed shortest first;
 * when moving to a longer length the filled part of the table is doubled
 * by copying, which replicates every shorter code over all the index bits
 * it does not use.  Each entry is written once and copied, instead of
 * scattered stores per symbol.
 *
 * Second level (codes longer than tb): visited in code-space order, codes
 * under one tb-bit prefix are consecutive and the first of them is the
 * longest, which gives the size of that prefix's subtable.
 *
 * Every entry of every table ends up written because the code is complete
 * (check_code) and the codes tile the code space; the one exception, a lone
 * symbol of length 1, fills index 0 of a 2-entry primary table and leaves
 * index 1 zeroed (the memset below), an entry that decodes to no symbol.
 */
int pa30_huff_build(struct pa30_huff *h, const uint8_t *lens, size_t n,
                    unsigned max_len, unsigned max_tablebits,
                    struct sxs_diag *diag, const char *what)
{
	unsigned count[PA30_MAX_CODE_LEN + 1];
	unsigned first[PA30_MAX_CODE_LEN + 1]; /* index in sorted of each length */
	uint32_t start[PA30_MAX_CODE_LEN + 1]; /* code-space position, see above */
	uint16_t used[MAX_SYMBOLS];            /* symbols of non-zero length */
	uint16_t sorted[MAX_SYMBOLS];          /* the same by length, then value */
	unsigned c[4][PA30_MAX_CODE_LEN + 1];  /* per half: counts, next index */
	size_t nused, half;
	unsigned shortest = 0, longest = 0, tb;
	uint32_t pos, mask, prefix_unit, size;
	size_t total;
	int err;

	if (n > MAX_SYMBOLS || max_tablebits > MAX_TABLEBITS || max_tablebits == 0)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: bad huffman table parameters");
	err = check_code(lens, n, max_len, used, &nused, diag, what);
	if (err)
		return err;
	/*
	 * Count the lengths (1-16 now).  Runs of one length are common, and an
	 * increment of the same counter waits for the previous store, so the
	 * two halves of used are counted apart (in two arrays each) and later
	 * sorted apart: two independent chains instead of one.
	 */
	half = nused / 2;
	memset(c, 0, sizeof(c));
	for (size_t i = 0; i < half; i++) {
		c[0][lens[used[i]]]++;
		c[2][lens[used[half + i]]]++;
	}
	if (nused & 1)
		c[2][lens[used[nused - 1]]]++;
	for (unsigned len = 0; len <= PA30_MAX_CODE_LEN; len++)
		count[len] = c[0][len] + c[2][len];
	for (unsigned len = 1; len <= PA30_MAX_CODE_LEN; len++) {
		if (count[len]) {
			if (!shortest)
				shortest = len;
			longest = len;
		}
	}

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
	pos = 0;
	for (unsigned len = longest; len >= shortest; len--) {
		start[len] = pos;
		pos += count[len] << (CODE_SPACE_BITS - len);
	}
	/* counting sort of the used symbols by length, stable, in two halves */
	{
		unsigned k = 0;
		for (unsigned len = shortest; len <= longest; len++) {
			first[len] = k;
			c[1][len] = k;              /* next of the first half */
			c[3][len] = k + c[0][len];  /* next of the second half */
			k += count[len];
		}
		for (size_t i = 0; i < half; i++) {
			uint16_t sa = used[i], sb = used[half + i];
			sorted[c[1][lens[sa]]++] = sa;
			sorted[c[3][lens[sb]]++] = sb;
		}
		if (nused & 1)
			sorted[c[3][lens[used[nused - 1]]]++] = used[nused - 1];
	}

	tb = longest < max_tablebits ? longest : max_tablebits;
	mask = (1u << tb) - 1;
	prefix_unit = (uint32_t)1 << (CODE_SPACE_BITS - tb);
	/* one subtable per tb-bit prefix, sized by the code that starts it */
	total = (size_t)1 << tb;
	for (unsigned len = longest; len > tb; len--) {
		uint32_t lo = start[len], hi = lo + (count[len] << (CODE_SPACE_BITS - len));
		uint32_t nsub = (hi + prefix_unit - 1) / prefix_unit -
		                (lo + prefix_unit - 1) / prefix_unit;
		total += (size_t)nsub << (len - tb);
	}
	err = ensure_capacity(h, total);
	if (err)
		return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory");
	h->tablebits = tb;

	/* primary table: shortest codes first, doubling in between */
	size = (uint32_t)1 << (shortest < tb ? shortest : tb);
	memset(h->table, 0, size * sizeof(h->table[0]));
	for (unsigned len = shortest; len <= tb; len++) {
		for (; size < (1u << len); size *= 2)
			memcpy(h->table + size, h->table, size * sizeof(h->table[0]));
		const uint16_t *syms = sorted + first[len];
		uint32_t r = reverse16(start[len]);
		for (unsigned j = 0; j < count[len]; j++) {
			h->table[r] = leaf(syms[j], len);
			r = next_reversed(r, len);
		}
	}
	for (; size <= mask; size *= 2)
		memcpy(h->table + size, h->table, size * sizeof(h->table[0]));

	/* second level, in code-space order */
	{
		uint32_t next_off = (uint32_t)1 << tb, base = 0, subbits = 0;
		for (unsigned len = longest; len > tb; len--) {
			const uint16_t *syms = sorted + first[len];
			unsigned sublen = len - tb;
			uint32_t r = reverse16(start[len]);
			for (unsigned j = 0; j < count[len]; j++, r = next_reversed(r, len)) {
				uint32_t e = leaf(syms[j], len);
				if ((r >> tb) == 0) {
					/* the first and longest code under this prefix */
					base = next_off;
					subbits = sublen;
					next_off += (uint32_t)1 << subbits;
					h->table[r & mask] = (base << 8) | PA30_HUFF_SUBTABLE | subbits;
				}
				for (uint32_t i = r >> tb; i < (1u << subbits); i += 1u << sublen)
					h->table[base + i] = e;
			}
		}
	}
	return 0;
}
