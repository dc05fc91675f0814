/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_BITS_H
#define SXS_PA30_BITS_H

/*
 * LSB-first bit reader for PA30 bitstreams (formats.md §4.3).
 *
 * Bit k of a stream is bit (k mod 8) of byte k / 8.  The first 3 bits give
 * the number of padding bits (0-7) in the last byte, so the valid bits are
 * [3, 8 * len - pad).
 *
 * For speed the reader keeps up to 64 bits in `buf` and refills it in one
 * unaligned load.  Near the end of the input it appends zero bits so that
 * decoding can run without a bounds check per bit, but it counts them: any
 * bit consumed past `limit` makes pa30_bits_overrun() true, and every caller
 * checks that before it accepts a result.  The zeros are never part of a
 * successful decode.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"
#include "util/status.h"

struct pa30_bits {
	const uint8_t *start; /* first byte of the stream */
	const uint8_t *next;  /* next byte to load into buf */
	const uint8_t *end;   /* one past the last byte */
	uint64_t buf;         /* pending bits; the next bit is bit 0 */
	unsigned avail;       /* bits held in buf */
	uint64_t phantom;     /* zero bits appended past the end */
	uint64_t limit;       /* number of valid bits: 8 * len - pad */
};

/* Guaranteed number of bits in buf after pa30_bits_refill(). */
#define PA30_BITS_REFILL_MIN 56u

/* Start reading the stream in data[0..len): consumes the 3-bit pad count. */
int pa30_bits_init(struct pa30_bits *b, const uint8_t *data, size_t len,
                   struct sxs_diag *diag, const char *what);

/* Bits consumed so far, counted from the first bit of the stream. */
static inline uint64_t pa30_bits_consumed(const struct pa30_bits *b)
{
	return (uint64_t)(b->next - b->start) * 8u + b->phantom - b->avail;
}

/* True once a bit past the last valid one was consumed. */
static inline bool pa30_bits_overrun(const struct pa30_bits *b)
{
	return pa30_bits_consumed(b) > b->limit;
}

static inline void pa30_bits_refill_slow(struct pa30_bits *b)
{
	while (b->avail <= PA30_BITS_REFILL_MIN) {
		if (b->next != b->end)
			b->buf |= (uint64_t)*b->next++ << b->avail;
		else
			b->phantom += 8; /* counted zero bits, see above */
		b->avail += 8;
	}
}

/* Make at least PA30_BITS_REFILL_MIN bits available in buf. */
static inline void pa30_bits_refill(struct pa30_bits *b)
{
	if (b->avail >= PA30_BITS_REFILL_MIN)
		return;
	if ((size_t)(b->end - b->next) >= 8) {
		/*
		 * Load 8 bytes; the bytes that do not fit completely land above
		 * `avail` and are the same bits the next load puts there.
		 */
		unsigned nbytes = (63u - b->avail) >> 3;
		b->buf |= sxs_le64(b->next) << b->avail;
		b->next += nbytes;
		b->avail += nbytes * 8u;
		return;
	}
	pa30_bits_refill_slow(b);
}

/* The next n bits (n <= avail, n < 64) without consuming them. */
static inline uint32_t pa30_bits_peek(const struct pa30_bits *b, unsigned n)
{
	return (uint32_t)(b->buf & (((uint64_t)1 << n) - 1));
}

static inline void pa30_bits_skip(struct pa30_bits *b, unsigned n)
{
	b->buf >>= n;
	b->avail -= n;
}

/* Read n <= 32 bits; the first bit read is the least significant. */
static inline uint32_t pa30_bits_read(struct pa30_bits *b, unsigned n)
{
	uint32_t v;
	pa30_bits_refill(b);
	v = pa30_bits_peek(b, n);
	pa30_bits_skip(b, n);
	return v;
}

/*
 * Int (msdelta BitReadInt): k zero bits then a one (k <= 15), then
 * 4 * (k + 1) value bits, least significant first.
 */
int pa30_bits_read_int(struct pa30_bits *b, uint64_t *ret, struct sxs_diag *diag,
                       const char *what);

/*
 * Buf (BitReadBuffer): an Int length, then padding to the next byte, then
 * the raw bytes; *ret points into the stream.  Reading continues after it.
 */
int pa30_bits_read_buf(struct pa30_bits *b, const uint8_t **ret, size_t *len_ret,
                       struct sxs_diag *diag, const char *what);

#endif
