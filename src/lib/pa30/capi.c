/* SPDX-License-Identifier: MIT */
/* Windows Compression API buffer container (codec.h; psfx.md §4 and §7). */
#include <string.h>

#include "pa30/codec.h"
#include "util/alloc.h"
#include "util/bytes.h"

/* Largest chunk accepted (JL caps at 64 MiB as well; Windows' LZMS limit is 2^26). */
#define CAPI_MAX_CHUNK ((size_t)1 << 26)

int sxs_capi_decode(const uint8_t *in, size_t in_len, uint64_t max_out, uint8_t **out_ret,
                    size_t *out_len_ret, struct sxs_diag *diag)
{
	struct sxs_wim_decoder *wd = NULL;
	uint8_t *out = NULL;
	size_t hdr, chunk, total, pos, cur;
	unsigned alg;
	uint64_t total64;
	int err = 0;

	if (in_len < SXS_CAPI_HEADER_LEN)
		return sxs_diag_set(diag, SXS_ETRUNC, "compression container: %zu bytes, no header",
		                    in_len);
	if (sxs_le32(in) != SXS_CAPI_MAGIC)
		return sxs_diag_set(diag, SXS_EFORMAT, "compression container: bad magic %08x",
		                    sxs_le32(in));
	hdr = sxs_le16(in + 4);
	alg = in[7];
	total64 = sxs_le64(in + 8);
	chunk = sxs_le32(in + 16);
	if (hdr < SXS_CAPI_HEADER_LEN || hdr > in_len)
		return sxs_diag_set(diag, SXS_EFORMAT, "compression container: header size %zu", hdr);
	if (alg != SXS_CAPI_XPRESS_HUFF && alg != SXS_CAPI_LZMS)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "compression container: algorithm %u not supported", alg);
	if (total64 > max_out || total64 > SIZE_MAX - 1)
		return sxs_diag_set(diag, SXS_ELIMIT,
		                    "compression container: %llu bytes declared (at most %llu here)",
		                    (unsigned long long)total64, (unsigned long long)max_out);
	total = (size_t)total64;
	if (total && (chunk == 0 || chunk > CAPI_MAX_CHUNK))
		return sxs_diag_set(diag, SXS_EFORMAT, "compression container: chunk size %zu", chunk);
	out = sxs_malloc(total ? total : 1);
	if (!out)
		return sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	pos = hdr;
	cur = 0;
	while (cur < total) {
		size_t want = total - cur < chunk ? total - cur : chunk;
		size_t csize;
		if (in_len - pos < 4) {
			err = sxs_diag_set(diag, SXS_ETRUNC,
			                   "compression container: ends before the chunk at %zu", cur);
			goto out;
		}
		csize = sxs_le32(in + pos);
		pos += 4;
		if (csize == 0 || csize > in_len - pos) {
			err = sxs_diag_set(diag, csize ? SXS_ETRUNC : SXS_EFORMAT,
			                   "compression container: chunk of %zu bytes at offset %zu", csize,
			                   pos - 4);
			goto out;
		}
		if (csize == want) {
			memcpy(out + cur, in + pos, want); /* stored */
		} else if (csize > want) {
			err = sxs_diag_set(diag, SXS_EFORMAT,
			                   "compression container: chunk of %zu bytes for %zu bytes of data",
			                   csize, want);
			goto out;
		} else if (alg == SXS_CAPI_LZMS || want <= SXS_XPRESS_BLOCK) {
			/* one LZMS chunk, or an XPRESS chunk of one block: libwim */
			enum sxs_wim_codec c = alg == SXS_CAPI_LZMS ? SXS_WIM_LZMS : SXS_WIM_XPRESS;
			if (!wd && (err = sxs_wim_decoder_new(c, alg == SXS_CAPI_LZMS ? chunk
			                                          : SXS_XPRESS_BLOCK, &wd, diag)))
				goto out;
			if ((err = sxs_wim_decode(wd, in + pos, csize, out + cur, want, diag)))
				goto out;
		} else {
			if ((err = sxs_xpress_huff_decode(in + pos, csize, out, cur, want, NULL, diag)))
				goto out;
		}
		pos += csize;
		cur += want;
	}
	*out_ret = out;
	*out_len_ret = total;
	out = NULL;
out:
	sxs_wim_decoder_free(wd);
	sxs_free(out);
	return err;
}
