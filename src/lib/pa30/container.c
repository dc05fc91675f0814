/* SPDX-License-Identifier: MIT */
/* WinSxS "DC?\x01" containers (formats.md §3). */
#include <string.h>

#include "pa30/codec.h"
#include "pa30/pa30.h"
#include "util/alloc.h"
#include "util/bytes.h"

/* SHA-256 of the 9,066-byte DCM base manifest in wcp.dll (formats.md §3.3). */
const uint8_t sxs_base_manifest_sha256[32] = {
	0x0a, 0xd8, 0xf1, 0x00, 0xf1, 0xc5, 0x6f, 0x4a, 0x1a, 0xad, 0x99, 0x0d,
	0xef, 0xad, 0xe9, 0x19, 0x1f, 0x7d, 0x5b, 0xe9, 0x29, 0xb9, 0x30, 0xa0,
	0x41, 0x60, 0xeb, 0xbf, 0x99, 0xcd, 0x6b, 0x46,
};

static const struct {
	enum sxs_container type;
	char magic[4];
	const char *name;
} containers[] = {
	{SXS_CONTAINER_DCM, {'D', 'C', 'M', 1}, "DCM"},
	{SXS_CONTAINER_DCN, {'D', 'C', 'N', 1}, "DCN"},
	{SXS_CONTAINER_DCD, {'D', 'C', 'D', 1}, "DCD"},
	{SXS_CONTAINER_DCS, {'D', 'C', 'S', 1}, "DCS"},
	{SXS_CONTAINER_DCH, {'D', 'C', 'H', 1}, "DCH"},
	{SXS_CONTAINER_DCX, {'D', 'C', 'X', 1}, "DCX"},
};

#define NCONTAINERS (sizeof(containers) / sizeof(containers[0]))

enum sxs_container sxs_container_detect(const uint8_t *data, size_t len)
{
	if (!data || len < SXS_CONTAINER_MAGIC_LEN)
		return SXS_CONTAINER_NONE;
	for (size_t i = 0; i < NCONTAINERS; i++)
		if (memcmp(data, containers[i].magic, SXS_CONTAINER_MAGIC_LEN) == 0)
			return containers[i].type;
	return SXS_CONTAINER_NONE;
}

const char *sxs_container_name(enum sxs_container type)
{
	for (size_t i = 0; i < NCONTAINERS; i++)
		if (containers[i].type == type)
			return containers[i].name;
	return "none";
}

/* ---- DCS ------------------------------------------------------------------ */

int sxs_dcs_decode_stream(sxs_dcs_read_fn rd, void *rctx, sxs_dcs_sink_fn sink, void *sctx,
                          uint64_t *total_ret, struct sxs_diag *diag)
{
	struct sxs_wim_decoder *wd = NULL;
	uint8_t hdr[SXS_DCS_HEADER_LEN], *in = NULL, *out = NULL;
	size_t in_cap = 0, out_cap = 0;
	uint64_t done = 0, total;
	uint32_t nblocks;
	int err;

	if ((err = rd(rctx, hdr, sizeof(hdr), diag)))
		return err;
	if (memcmp(hdr, "DCS\x01", 4) != 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "dcs: bad magic");
	nblocks = sxs_le32(hdr + 4);
	total = sxs_le32(hdr + 8);
	for (uint32_t i = 0; i < nblocks; i++) {
		uint8_t bh[8];
		if ((err = rd(rctx, bh, sizeof(bh), diag)))
			goto out;
		uint32_t size = sxs_le32(bh), dsize = sxs_le32(bh + 4);
		if (size <= 4) {
			err = sxs_diag_set(diag, SXS_EFORMAT, "dcs: block %u: size %u leaves no data",
			                   i, size);
			goto out;
		}
		size_t csize = size - 4u;
		if (dsize > SXS_MAX_DCS_BLOCK || csize > 2 * SXS_MAX_DCS_BLOCK) {
			err = sxs_diag_set(diag, SXS_ELIMIT,
			                   "dcs: block %u: %u bytes from %zu (a block is at most %zu)", i,
			                   dsize, csize, SXS_MAX_DCS_BLOCK);
			goto out;
		}
		if (dsize > total - done) {
			err = sxs_diag_set(diag, SXS_EFORMAT,
			                   "dcs: block %u: %u more bytes than the %llu declared", i, dsize,
			                   (unsigned long long)total);
			goto out;
		}
		if (dsize == 0) {
			err = sxs_diag_set(diag, SXS_EFORMAT, "dcs: block %u is empty", i);
			goto out;
		}
		if (csize > in_cap) {
			uint8_t *p = sxs_realloc(in, csize);
			if (!p) {
				err = sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
				goto out;
			}
			in = p;
			in_cap = csize;
		}
		if (dsize > out_cap) {
			uint8_t *p = sxs_realloc(out, dsize);
			if (!p) {
				err = sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
				goto out;
			}
			out = p;
			out_cap = dsize;
		}
		if ((err = rd(rctx, in, csize, diag)))
			goto out;
		if (!wd && (err = sxs_wim_decoder_new(SXS_WIM_LZMS, SXS_MAX_DCS_BLOCK, &wd, diag)))
			goto out;
		if ((err = sxs_wim_decode(wd, in, csize, out, dsize, diag)))
			goto out;
		if ((err = sink(sctx, out, dsize))) {
			sxs_diag_set(diag, -err, "dcs: %s", sxs_strerror(err));
			goto out;
		}
		done += dsize;
	}
	if (done != total) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "dcs: %u blocks give %llu bytes, %llu declared",
		                   nblocks, (unsigned long long)done, (unsigned long long)total);
		goto out;
	}
	if (total_ret)
		*total_ret = total;
out:
	sxs_wim_decoder_free(wd);
	sxs_free(in);
	sxs_free(out);
	return err;
}

struct mem_src {
	const uint8_t *p;
	size_t left;
};

static int mem_read(void *ctx, uint8_t *buf, size_t n, struct sxs_diag *diag)
{
	struct mem_src *m = ctx;
	if (n > m->left)
		return sxs_diag_set(diag, SXS_ETRUNC, "dcs: data ends early");
	if (n)
		memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return 0;
}

struct mem_sink {
	uint8_t *p;
	size_t len, cap;
};

static int mem_sink_put(void *ctx, const uint8_t *data, size_t n)
{
	struct mem_sink *s = ctx;
	if (n > s->cap - s->len) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap - s->len < n) {
			if (cap > SIZE_MAX / 2)
				return -SXS_ELIMIT;
			cap *= 2;
		}
		uint8_t *p = sxs_realloc(s->p, cap);
		if (!p)
			return -SXS_ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	return 0;
}

static int dcs_decode_mem(const uint8_t *data, size_t len, uint8_t **out_ret, size_t *out_len_ret,
                          struct sxs_diag *diag)
{
	struct mem_src src = {data, len};
	struct mem_sink sink = {NULL, 0, 0};
	int err = sxs_dcs_decode_stream(mem_read, &src, mem_sink_put, &sink, NULL, diag);
	if (err) {
		sxs_free(sink.p);
		return err;
	}
	if (!sink.p && !(sink.p = sxs_malloc(1)))
		return sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	*out_ret = sink.p;
	*out_len_ret = sink.len;
	return 0;
}

int sxs_container_decode(const uint8_t *data, size_t len,
                         const uint8_t *base, size_t base_len,
                         uint8_t **out_ret, size_t *out_len_ret,
                         struct sxs_diag *diag)
{
	enum sxs_container type = sxs_container_detect(data, len);

	switch (type) {
	case SXS_CONTAINER_DCM:
		if (!base)
			return sxs_diag_set(diag, SXS_EINVAL, "dcm: base manifest required");
		return sxs_pa30_apply(base, base_len, data + SXS_CONTAINER_MAGIC_LEN,
		                      len - SXS_CONTAINER_MAGIC_LEN, out_ret, out_len_ret, diag);
	case SXS_CONTAINER_DCN:
		return sxs_pa30_apply(NULL, 0, data + SXS_CONTAINER_MAGIC_LEN,
		                      len - SXS_CONTAINER_MAGIC_LEN, out_ret, out_len_ret, diag);
	case SXS_CONTAINER_DCD:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "dcd: delta against an unknown basis file, not verifiable offline");
	case SXS_CONTAINER_DCS:
		return dcs_decode_mem(data, len, out_ret, out_len_ret, diag);
	case SXS_CONTAINER_DCH:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "dch: header-only container has no payload");
	case SXS_CONTAINER_DCX:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "dcx: undocumented container not supported");
	case SXS_CONTAINER_NONE:
		break;
	}
	return sxs_diag_set(diag, SXS_EFORMAT, "not a DCM/DCN container");
}
