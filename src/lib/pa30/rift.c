/* SPDX-License-Identifier: MIT */
/* IntFormat and rift-table wire readers (psfx.md §5.2; JL src/lzx/rift.rs read for facts). */
#include "pa30/rift.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define INTFORMAT_TABLEBITS 10u

void pa30_intformat_init(struct pa30_intformat *f)
{
	pa30_huff_init(&f->code);
}

void pa30_intformat_release(struct pa30_intformat *f)
{
	pa30_huff_release(&f->code);
}

int pa30_intformat_default(struct pa30_intformat *f, struct sxs_diag *diag)
{
	uint8_t lens[PA30_INTFORMAT_SYMS];

	/* 4 * 2^-7 + 248 * 2^-8 = 1: a complete code */
	memset(lens, 8, sizeof(lens));
	memset(lens, 7, 4);
	return pa30_huff_build(&f->code, lens, PA30_INTFORMAT_SYMS, PA30_MAX_CODE_LEN,
	                       INTFORMAT_TABLEBITS, diag, "default intformat");
}

static unsigned dec_sat(unsigned v)
{
	return v ? v - 1 : 0;
}

int pa30_intformat_read(struct pa30_intformat *f, struct pa30_bits *b, struct sxs_diag *diag,
                        const char *what)
{
	uint8_t lens[PA30_INTFORMAT_SYMS];
	unsigned npos, nneg, ndef, dl, len, left;

	memset(lens, 0, sizeof(lens));
	npos = pa30_bits_read(b, 8);
	nneg = pa30_bits_read(b, 8);
	ndef = pa30_bits_read(b, 8);
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s intformat: bitstream ends early", what);
	if (npos > PA30_INTFORMAT_HALF || nneg > PA30_INTFORMAT_HALF)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pa30: %s intformat: %u positive / %u negative lengths (at most 126)",
		                    what, npos, nneg);
	if (ndef > PA30_INTFORMAT_SYMS - npos - nneg)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pa30: %s intformat: %u default symbols exceed the %u left", what,
		                    ndef, PA30_INTFORMAT_SYMS - npos - nneg);
	for (unsigned i = 0; i < npos; i++)
		lens[i] = (uint8_t)(pa30_bits_read(b, 4) + 1);
	for (unsigned i = 0; i < nneg; i++)
		lens[PA30_INTFORMAT_HALF + i] = (uint8_t)(pa30_bits_read(b, 4) + 1);
	dl = pa30_bits_read(b, 4) + 1;
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s intformat: bitstream ends early", what);
	/*
	 * The rest of each half: runs of decreasing length (IntFormat's fill
	 * rule as psfx.md §5.2 gives it).
	 */
	len = dl;
	left = ndef;
	for (unsigned i = npos; i < PA30_INTFORMAT_HALF; i++) {
		if (left == 0) {
			len = dec_sat(len);
			int r = (int)(PA30_INTFORMAT_SYMS - npos - nneg) - (int)i;
			left = r > 0 ? (unsigned)r : 0;
		}
		lens[i] = (uint8_t)len;
		left = dec_sat(left);
	}
	len = dl;
	left = ndef > PA30_INTFORMAT_HALF - npos ? ndef - (PA30_INTFORMAT_HALF - npos) : 0;
	for (unsigned i = PA30_INTFORMAT_HALF + nneg; i < PA30_INTFORMAT_SYMS; i++) {
		if (left == 0) {
			len = dec_sat(len);
			int r = (int)PA30_INTFORMAT_HALF - (int)(i - PA30_INTFORMAT_HALF);
			left = r > 0 ? (unsigned)r : 0;
		}
		lens[i] = (uint8_t)len;
		left = dec_sat(left);
	}
	pa30_huff_release(&f->code);
	return pa30_huff_build(&f->code, lens, PA30_INTFORMAT_SYMS, PA30_MAX_CODE_LEN,
	                       INTFORMAT_TABLEBITS, diag, what);
}

int pa30_intformat_number(const struct pa30_intformat *f, struct pa30_bits *b, int64_t *ret,
                          struct sxs_diag *diag, const char *what)
{
	int sym;
	uint64_t v;

	pa30_bits_refill(b);
	sym = pa30_huff_decode(&f->code, b);
	if (sym < 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s: number with an empty code", what);
	unsigned m = (unsigned)sym;
	bool neg = m >= PA30_INTFORMAT_HALF;
	if (neg)
		m -= PA30_INTFORMAT_HALF;
	if (m <= 3) {
		v = m;
	} else {
		unsigned h = (m >> 1) - 1; /* 1 .. 61 */
		uint64_t extra;
		if (h <= 32) {
			extra = pa30_bits_read(b, h);
		} else {
			extra = pa30_bits_read(b, 32);
			extra |= (uint64_t)pa30_bits_read(b, h - 32) << 32;
		}
		v = ((uint64_t)(2u + (m & 1u)) << h) | extra;
	}
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s: bitstream ends early", what);
	/* -(v + 1) is ~v in two's complement; v < 2^63 here */
	*ret = neg ? (int64_t)~v : (int64_t)v;
	return 0;
}

void pa30_rift_release(struct pa30_rift *r)
{
	sxs_free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct pa30_rift_entry *a = pa, *b = pb;
	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

int pa30_rift_read(struct pa30_bits *b, struct pa30_rift *r_ret, struct sxs_diag *diag,
                   const char *what)
{
	struct pa30_intformat fs, fd;
	struct pa30_rift r = {NULL, 0};
	uint64_t count, left;
	uint64_t s = 0, d = 0;
	int err;

	pa30_intformat_init(&fs);
	pa30_intformat_init(&fd);
	unsigned present = pa30_bits_read(b, 1);
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %s rift table: bitstream ends early", what);
	if (!present) {
		*r_ret = r;
		return 0;
	}
	if ((err = pa30_intformat_read(&fs, b, diag, what)) ||
	    (err = pa30_intformat_read(&fd, b, diag, what)) ||
	    (err = pa30_bits_read_int(b, &count, diag, what)))
		goto out;
	left = pa30_bits_consumed(b) <= b->limit ? b->limit - pa30_bits_consumed(b) : 0;
	if (count > left / 2) {
		err = sxs_diag_set(diag, SXS_EFORMAT,
		                   "pa30: %s rift table: %llu entries but only %llu bits left", what,
		                   (unsigned long long)count, (unsigned long long)left);
		goto out;
	}
	if (count) {
		r.v = sxs_calloc((size_t)count, sizeof(*r.v));
		if (!r.v) {
			err = sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (uint64_t i = 0; i < count; i++) {
		int64_t ds, dd;
		if ((err = pa30_intformat_number(&fs, b, &ds, diag, what)) ||
		    (err = pa30_intformat_number(&fd, b, &dd, diag, what)))
			goto out;
		s += (uint64_t)ds;
		d += (uint64_t)dd;
		r.v[i].source = (int64_t)s;
		r.v[i].target = (int64_t)(s + d);
		r.v[i].order = (size_t)i;
	}
	r.n = (size_t)count;
	if (r.n > 1)
		qsort(r.v, r.n, sizeof(*r.v), cmp_entry);
	*r_ret = r;
	r.v = NULL;
out:
	pa30_rift_release(&r);
	pa30_intformat_release(&fs);
	pa30_intformat_release(&fd);
	return err;
}
