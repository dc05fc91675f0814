/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_CODEC_H
#define SXS_PA30_CODEC_H

/*
 * The general-purpose codecs PSFX payloads use besides PA30's own LZ:
 *
 *   XPRESS Huffman ([MS-XCA] §2.1-2.2, "LZ77+Huffman"): 64 KiB blocks, each
 *     a 256-byte table of 512 4-bit code lengths then a bitstream read most
 *     significant bit first from 16-bit little-endian words, with raw bytes
 *     for long match lengths.  Used for the bytes PRSM reversal data
 *     re-inserts (psfx.md §4).
 *   LZMS (raw, no container): DCS payload blocks (formats.md §3.6) and the
 *     chunks of LZMS Compression API containers.
 *   The Windows Compression API buffer container (cabinet.dll): u32 magic
 *     0xC0E5510A, u16 header size (24), u8 header check byte, u8 algorithm
 *     (3 XPRESS, 4 XPRESS_HUFF, 5 LZMS), u64 total size, u32 chunk size,
 *     u32 flags; then per chunk a u32 compressed size and the data; a chunk
 *     whose compressed size equals its decoded size is stored (psfx.md §4, §7).
 *
 * LZMS and single-block XPRESS go through libwim (the only wimlib user is
 * wim.c).  wimlib's API decodes one XPRESS block per call and does not say
 * where a block's input ends, so chunks of more than one 64 KiB block are
 * decoded by xpress.c, written from [MS-XCA] (psfx.md §4, risk R9).
 *
 * Every function returns 0 or -SXS_E*; a stream that does not decode to
 * exactly the size asked for is -SXS_EFORMAT or -SXS_ETRUNC.  wimlib can
 * report success on damaged LZMS or XPRESS input (psfx.md §7): callers hash
 * what comes out, and a hash is the only verdict on it.
 */

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* Compression API algorithm numbers (COMPRESS_ALGORITHM_*). */
#define SXS_CAPI_MAGIC 0xC0E5510Au
#define SXS_CAPI_HEADER_LEN 24
#define SXS_CAPI_XPRESS 3
#define SXS_CAPI_XPRESS_HUFF 4
#define SXS_CAPI_LZMS 5

/* Largest decoded block we hand to libwim for LZMS (2^26, Windows' own cap). */
#define SXS_MAX_LZMS_BLOCK ((size_t)1 << 26)
#define SXS_XPRESS_BLOCK 65536u

/* --- libwim (wim.c) ------------------------------------------------------- */

enum sxs_wim_codec { SXS_WIM_LZMS, SXS_WIM_XPRESS };

struct sxs_wim_decoder;

/* A decoder for blocks of at most max_block decoded bytes. */
int sxs_wim_decoder_new(enum sxs_wim_codec codec, size_t max_block,
                        struct sxs_wim_decoder **ret, struct sxs_diag *diag);
void sxs_wim_decoder_free(struct sxs_wim_decoder *d);
/* Decode in[0..in_len) into exactly out_len (<= max_block) bytes. */
int sxs_wim_decode(struct sxs_wim_decoder *d, const uint8_t *in, size_t in_len,
                   uint8_t *out, size_t out_len, struct sxs_diag *diag);

/* --- XPRESS Huffman (xpress.c) -------------------------------------------- */

/*
 * Decode a stream of XPRESS Huffman blocks into out[start .. start + n):
 * matches may reach back into out[0 .. start) (earlier chunks).  A match may
 * run past its block's 64 KiB (Windows' compressor does that) but never past
 * n.  *consumed_ret (may be NULL) is the input bytes used.
 */
int sxs_xpress_huff_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t start,
                           size_t n, size_t *consumed_ret, struct sxs_diag *diag);

/* --- Compression API container (capi.c) ----------------------------------- */

/*
 * Decode a Compression API container of XPRESS_HUFF or LZMS chunks.  The
 * declared total is refused above max_out before anything is allocated.
 * *out_ret (sxs_malloc; at least one byte) holds *out_len_ret bytes.
 */
int sxs_capi_decode(const uint8_t *in, size_t in_len, uint64_t max_out, uint8_t **out_ret,
                    size_t *out_len_ret, struct sxs_diag *diag);

#endif
