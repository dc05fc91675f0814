/* SPDX-License-Identifier: MIT */
#include "pa30/bits.h"

int pa30_bits_init(struct pa30_bits *b, const uint8_t *data, size_t len,
                   struct sxs_diag *diag, const char *what)
{
	unsigned pad;

	if (len == 0)
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s bitstream is empty", what);
	if (len > (SIZE_MAX >> 3))
		return sxs_diag_set(diag, SXS_ELIMIT, "pa30: %s bitstream too large", what);
	b->start = b->next = data;
	b->end = data + len;
	b->buf = 0;
	b->avail = 0;
	b->phantom = 0;
	b->limit = (uint64_t)len * 8u;
	pad = pa30_bits_read(b, 3);
	if (pad > b->limit - 3)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pa30: %s bitstream: padding count %u exceeds its %zu bytes",
		                    what, pad, len);
	b->limit -= pad;
	return 0;
}

int pa30_bits_read_int(struct pa30_bits *b, uint64_t *ret, struct sxs_diag *diag,
                       const char *what)
{
	unsigned k, nbits;
	uint64_t v;

	pa30_bits_refill(b);
	/* up to 16 bits of unary prefix: k zeros and a one */
	k = (unsigned)__builtin_ctz(pa30_bits_peek(b, 16) | 0x10000u);
	if (k >= 16) {
		if (pa30_bits_overrun(b) || pa30_bits_consumed(b) + 16 > b->limit)
			return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s: bitstream ends early", what);
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s: integer with 16 zero bits", what);
	}
	pa30_bits_skip(b, k + 1);
	nbits = 4 * (k + 1);
	if (nbits <= 32) {
		v = pa30_bits_read(b, nbits);
	} else {
		v = pa30_bits_read(b, 32);
		v |= (uint64_t)pa30_bits_read(b, nbits - 32) << 32;
	}
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s: bitstream ends early", what);
	*ret = v;
	return 0;
}

int pa30_bits_read_buf(struct pa30_bits *b, const uint8_t **ret, size_t *len_ret,
                       struct sxs_diag *diag, const char *what)
{
	uint64_t n, bytepos, avail_bytes;
	int err = pa30_bits_read_int(b, &n, diag, what);

	if (err)
		return err;
	/* skip to the next byte boundary; the raw bytes must be valid bits */
	bytepos = (pa30_bits_consumed(b) + 7) / 8;
	avail_bytes = b->limit / 8;
	if (bytepos > avail_bytes || n > avail_bytes - bytepos)
		return sxs_diag_set(diag, SXS_ETRUNC,
		                    "pa30: %s: buffer of %llu bytes runs past the end", what,
		                    (unsigned long long)n);
	*ret = b->start + bytepos;
	*len_ret = (size_t)n;
	/* continue after the buffer; bytepos + n <= len, so no phantom bits */
	b->next = b->start + bytepos + n;
	b->buf = 0;
	b->avail = 0;
	b->phantom = 0;
	return 0;
}
