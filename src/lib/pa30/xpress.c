/* SPDX-License-Identifier: MIT */
/*
 * XPRESS Huffman ([MS-XCA] §2.1-2.2) for streams of several 64 KiB blocks
 * (see codec.h for why libwim is not used for those).
 *
 * Bit input: a window filled from 16-bit little-endian words, read most
 * significant bit first.  A block starts by loading two words.  Before a
 * bit is consumed while exactly 16 bits are left, the next word is loaded
 * ("lazy" refill).  Raw bytes (long match lengths) are read at the input
 * cursor, which only word loads and raw reads advance: so when a refill
 * happens matters, and this decoder consumes codes and distance bits in
 * groups but loads words exactly where a bit-by-bit reader would (a group
 * of k bits starting with r bits left loads a word iff r - k < 16).  Facts
 * from [MS-XCA], cross-checked against how samba's lzxpress_huffman.c and
 * JL src/xpress.rs read (no code taken).
 */
#include <string.h>

#include "pa30/codec.h"
#include "util/alloc.h"
#include "util/bytes.h"

#define XP_SYMS 512
#define XP_MAX_LEN 15
#define XP_TABLE_LEN 256
#define XP_MIN_MATCH 3

struct xp_in {
	const uint8_t *p;
	size_t len, pos;
	uint64_t bits;   /* the low `left` bits are unread, next bit highest */
	unsigned left;
};

static int xp_load(struct xp_in *in, struct sxs_diag *diag)
{
	if (in->len - in->pos < 2)
		return sxs_diag_set(diag, SXS_ETRUNC, "xpress: input ends inside the bitstream");
	in->bits = (in->bits << 16) | sxs_le16(in->p + in->pos);
	in->pos += 2;
	in->left += 16;
	return 0;
}

static inline uint32_t xp_peek15(const struct xp_in *in)
{
	/* left >= 16 here */
	return (uint32_t)(in->bits >> (in->left - 15)) & 0x7FFFu;
}

/*
 * Canonical code over 512 symbols from the 256-byte table ([MS-XCA] §2.2.4:
 * sorted by length, then symbol; the code must fill the 2^15 table
 * exactly).  Entry: symbol << 4 | length.
 */
static int xp_build(const uint8_t *tab, uint16_t *table, struct sxs_diag *diag)
{
	size_t next = 0;
	for (unsigned len = 1; len <= XP_MAX_LEN; len++) {
		size_t span = (size_t)1 << (XP_MAX_LEN - len);
		for (unsigned sym = 0; sym < XP_SYMS; sym++) {
			unsigned l = (tab[sym >> 1] >> ((sym & 1) * 4)) & 15u;
			if (l != len)
				continue;
			if (span > ((size_t)1 << XP_MAX_LEN) - next)
				return sxs_diag_set(diag, SXS_EFORMAT, "xpress: over-subscribed code");
			for (size_t i = 0; i < span; i++)
				table[next + i] = (uint16_t)(sym << 4 | len);
			next += span;
		}
	}
	if (next != (size_t)1 << XP_MAX_LEN)
		return sxs_diag_set(diag, SXS_EFORMAT, "xpress: incomplete code");
	return 0;
}

static int read_raw(struct xp_in *in, size_t n, uint32_t *v, struct sxs_diag *diag)
{
	if (in->len - in->pos < n)
		return sxs_diag_set(diag, SXS_ETRUNC, "xpress: input ends inside a match length");
	*v = n == 1 ? in->p[in->pos] : n == 2 ? sxs_le16(in->p + in->pos) : sxs_le32(in->p + in->pos);
	in->pos += n;
	return 0;
}

int sxs_xpress_huff_decode(const uint8_t *src, size_t in_len, uint8_t *out, size_t start,
                           size_t n, size_t *consumed_ret, struct sxs_diag *diag)
{
	struct xp_in in = {src, in_len, 0, 0, 0};
	uint16_t *table;
	size_t pos = start, end;
	int err = 0;

	if (sxs_add_size(start, n, &end))
		return sxs_diag_set(diag, SXS_ELIMIT, "xpress: output size overflows");
	table = sxs_malloc(sizeof(*table) << XP_MAX_LEN);
	if (!table)
		return sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	while (pos < end) {
		size_t block_end = end - pos > SXS_XPRESS_BLOCK ? pos + SXS_XPRESS_BLOCK : end;
		if (in.len - in.pos < XP_TABLE_LEN) {
			err = sxs_diag_set(diag, SXS_ETRUNC,
			                   "xpress: input ends before the table of the block at %zu",
			                   pos - start);
			goto out;
		}
		if ((err = xp_build(in.p + in.pos, table, diag)))
			goto out;
		in.pos += XP_TABLE_LEN;
		in.bits = 0;
		in.left = 0;
		if ((err = xp_load(&in, diag)) || (err = xp_load(&in, diag)))
			goto out;
		while (pos < block_end) {
			/* at least 16 bits are always left between steps */
			uint16_t e = table[xp_peek15(&in)];
			unsigned clen = e & 15u;
			if (in.left - clen < 16 && (err = xp_load(&in, diag)))
				goto out;
			in.left -= clen;
			unsigned sym = e >> 4;
			if (sym < 256) {
				out[pos++] = (uint8_t)sym;
				continue;
			}
			unsigned dbits = (sym >> 4) & 15u;
			uint64_t len = sym & 15u;
			if (len == 15) {
				uint32_t v = 0;
				if ((err = read_raw(&in, 1, &v, diag)))
					goto out;
				len += v;
				if (len == 255 + 15) {
					if ((err = read_raw(&in, 2, &v, diag)))
						goto out;
					len = v;
					if (len == 0) {
						if ((err = read_raw(&in, 4, &v, diag)))
							goto out;
						len = v;
					}
				}
			}
			len += XP_MIN_MATCH;
			size_t dist = (size_t)1 << dbits;
			if (dbits) {
				if (in.left - dbits < 16 && (err = xp_load(&in, diag)))
					goto out;
				in.left -= dbits;
				dist |= (size_t)(in.bits >> in.left) & (((size_t)1 << dbits) - 1);
			}
			if (dist > pos) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "xpress: match distance %zu before the start of the data",
				                   dist);
				goto out;
			}
			if (len > end - pos) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "xpress: match of %llu bytes runs past the end",
				                   (unsigned long long)len);
				goto out;
			}
			for (size_t i = 0; i < len; i++, pos++)
				out[pos] = out[pos - dist];
		}
	}
	if (consumed_ret)
		*consumed_ret = in.pos;
out:
	sxs_free(table);
	return err;
}
