/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_BYTES_H
#define SXS_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/status.h"

/*
 * Bounds-checked little-endian reader over untrusted bytes.  Every read
 * compares `need > (size_t)(end - cur)`; a short read returns -SXS_ETRUNC
 * and leaves the cursor where it was.
 */
struct sxs_reader {
	const uint8_t *start;
	const uint8_t *cur;
	const uint8_t *end;
};

static inline void sxs_reader_init(struct sxs_reader *r, const void *data, size_t len)
{
	r->start = r->cur = data;
	r->end = r->start + len;
}

static inline size_t sxs_reader_left(const struct sxs_reader *r)
{
	return (size_t)(r->end - r->cur);
}

static inline size_t sxs_reader_offset(const struct sxs_reader *r)
{
	return (size_t)(r->cur - r->start);
}

/* Move to absolute offset `off` from the start. */
static inline int sxs_reader_seek(struct sxs_reader *r, size_t off)
{
	if (off > (size_t)(r->end - r->start))
		return -SXS_ETRUNC;
	r->cur = r->start + off;
	return 0;
}

static inline int sxs_reader_skip(struct sxs_reader *r, size_t n)
{
	if (n > sxs_reader_left(r))
		return -SXS_ETRUNC;
	r->cur += n;
	return 0;
}

static inline int sxs_reader_bytes(struct sxs_reader *r, size_t n, const uint8_t **ret)
{
	if (n > sxs_reader_left(r))
		return -SXS_ETRUNC;
	*ret = r->cur;
	r->cur += n;
	return 0;
}

static inline int sxs_reader_u8(struct sxs_reader *r, uint8_t *ret)
{
	if (1 > sxs_reader_left(r))
		return -SXS_ETRUNC;
	*ret = *r->cur++;
	return 0;
}

static inline int sxs_reader_u16(struct sxs_reader *r, uint16_t *ret)
{
	if (2 > sxs_reader_left(r))
		return -SXS_ETRUNC;
	*ret = (uint16_t)(r->cur[0] | (r->cur[1] << 8));
	r->cur += 2;
	return 0;
}

static inline int sxs_reader_u32(struct sxs_reader *r, uint32_t *ret)
{
	if (4 > sxs_reader_left(r))
		return -SXS_ETRUNC;
	*ret = (uint32_t)r->cur[0] | ((uint32_t)r->cur[1] << 8) |
	       ((uint32_t)r->cur[2] << 16) | ((uint32_t)r->cur[3] << 24);
	r->cur += 4;
	return 0;
}

static inline int sxs_reader_u64(struct sxs_reader *r, uint64_t *ret)
{
	uint32_t lo, hi;
	if (8 > sxs_reader_left(r))
		return -SXS_ETRUNC;
	sxs_reader_u32(r, &lo);
	sxs_reader_u32(r, &hi);
	*ret = ((uint64_t)hi << 32) | lo;
	return 0;
}

/* Unchecked loads for callers that already checked the bounds. */
static inline uint16_t sxs_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t sxs_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t sxs_le64(const uint8_t *p)
{
	return (uint64_t)sxs_le32(p) | ((uint64_t)sxs_le32(p + 4) << 32);
}

/* Little-endian stores, for writers of test fixtures and generated files. */
static inline void sxs_put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void sxs_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sxs_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
