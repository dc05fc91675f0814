/* SPDX-License-Identifier: MIT */
/*
 * libwim's LZMS and XPRESS decompressors (Debian libwim-dev; psfx.md §7).
 * The only file that includes wimlib.h.
 */
#include <wimlib.h>

#include "pa30/codec.h"
#include "util/alloc.h"

struct sxs_wim_decoder {
	struct wimlib_decompressor *d;
	size_t max_block;
	enum sxs_wim_codec codec;
};

static const char *codec_name(enum sxs_wim_codec c)
{
	return c == SXS_WIM_LZMS ? "lzms" : "xpress";
}

int sxs_wim_decoder_new(enum sxs_wim_codec codec, size_t max_block,
                        struct sxs_wim_decoder **ret, struct sxs_diag *diag)
{
	size_t limit = codec == SXS_WIM_LZMS ? SXS_MAX_LZMS_BLOCK : SXS_XPRESS_BLOCK;
	struct sxs_wim_decoder *d;
	int werr;

	if (max_block == 0 || max_block > limit)
		return sxs_diag_set(diag, SXS_ELIMIT, "%s: block of %zu bytes (at most %zu)",
		                    codec_name(codec), max_block, limit);
	d = sxs_calloc(1, sizeof(*d));
	if (!d)
		return sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	werr = wimlib_create_decompressor(codec == SXS_WIM_LZMS ? WIMLIB_COMPRESSION_TYPE_LZMS
	                                                        : WIMLIB_COMPRESSION_TYPE_XPRESS,
	                                  max_block, &d->d);
	if (werr) {
		sxs_free(d);
		if (werr == WIMLIB_ERR_NOMEM)
			return sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "%s: libwim refuses a decoder: %s",
		                    codec_name(codec), wimlib_get_error_string(werr));
	}
	d->max_block = max_block;
	d->codec = codec;
	*ret = d;
	return 0;
}

void sxs_wim_decoder_free(struct sxs_wim_decoder *d)
{
	if (!d)
		return;
	wimlib_free_decompressor(d->d);
	sxs_free(d);
}

int sxs_wim_decode(struct sxs_wim_decoder *d, const uint8_t *in, size_t in_len,
                   uint8_t *out, size_t out_len, struct sxs_diag *diag)
{
	if (out_len > d->max_block)
		return sxs_diag_set(diag, SXS_ELIMIT, "%s: block of %zu bytes exceeds %zu",
		                    codec_name(d->codec), out_len, d->max_block);
	if (out_len == 0)
		return in_len == 0 ? 0
		                   : sxs_diag_set(diag, SXS_EFORMAT, "%s: data for an empty block",
		                                  codec_name(d->codec));
	if (in_len == 0)
		return sxs_diag_set(diag, SXS_ETRUNC, "%s: empty compressed block",
		                    codec_name(d->codec));
	if (wimlib_decompress(in, in_len, out, out_len, d->d) != 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: block of %zu bytes does not decode",
		                    codec_name(d->codec), in_len);
	return 0;
}
