/* SPDX-License-Identifier: MIT */
#ifndef SXS_TESTS_PRSMWRITER_H
#define SXS_TESTS_PRSMWRITER_H

/*
 * Test-only writers for the PSFX payload formats (issue 14): IntFormats and
 * rift tables, PRSM reversal data and reverse deltas, XPRESS Huffman
 * streams, Compression API containers, DCS containers and the PSFX CRC-32
 * prefix.  Written from psfx.md §3-§4, §7, formats.md §1.2/§3.6 and
 * [MS-XCA], independently of src/lib/pa30 (they share only public headers);
 * LZMS data comes from libwim's compressor (a third-party encoder).
 * Functions return 0 or -SXS_E*; output buffers are sxs_malloc'd.
 */

#include <stddef.h>
#include <stdint.h>

#include "pa30writer.h"

/* --- IntFormat and rift tables --------------------------------------------- */

#define PRSMW_INTFMT_SYMS 252

struct prsmw_intfmt {
	uint8_t lens[PRSMW_INTFMT_SYMS];
	uint32_t codes[PRSMW_INTFMT_SYMS];
	/* how the description is written: explicit counts and the default length */
	unsigned npos, nneg, ndef, dl;
};

/* The fixed default format (7 bits for classes 0-3, 8 for the rest). */
void prsmw_intfmt_default(struct prsmw_intfmt *f);
/* Every length explicit (npos = nneg = 126, ndef = 0); lens must be 1..16. */
void prsmw_intfmt_explicit(struct prsmw_intfmt *f, const uint8_t *lens);
/* Described by the fill rule only: npos = nneg = 0, ndef, dl (lengths derived). */
void prsmw_intfmt_fill(struct prsmw_intfmt *f, unsigned ndef, unsigned dl);
/* Write the description (counts, explicit lengths, default length). */
void prsmw_put_intfmt(struct pa30w_bits *w, const struct prsmw_intfmt *f);
/* One number in format f (class code, then the extra bits). */
void prsmw_put_number(struct pa30w_bits *w, const struct prsmw_intfmt *f, int64_t v);

struct prsmw_pair {
	int64_t a, b; /* (source, target) of a rift entry; for PRSM (left, right/count/value) */
};

/* A rift table in stream order: present bit, formats, Int count, deltas. */
void prsmw_put_rift(struct pa30w_bits *w, const struct prsmw_intfmt *fs,
                    const struct prsmw_intfmt *fd, const struct prsmw_pair *e, size_t n);

/* --- PRSM reversal data ----------------------------------------------------- */

struct prsmw_body {
	uint8_t **sec;     /* finished section bitstreams */
	size_t *sec_len;
	size_t n, cap;
	int oom;
	int64_t declared;  /* the u32 count written first; -1 (default): n */
};

void prsmw_body_init(struct prsmw_body *b);
void prsmw_body_release(struct prsmw_body *b);
/* Any section bytes (a bitstream of the caller's making). */
void prsmw_section_raw(struct prsmw_body *b, const uint8_t *sec, size_t len);
/* Type 0: entries (left, right) and one length each (default IntFormat). */
int prsmw_section_copy(struct prsmw_body *b, const struct prsmw_pair *e, const int64_t *lens,
                       size_t n);
/* Type 1: entries (left, count) and the bytes; compressed: a CAPI XPRESS_HUFF container. */
int prsmw_section_insert(struct prsmw_body *b, const struct prsmw_pair *e, size_t n,
                         const uint8_t *blob, size_t blob_len, int compressed,
                         size_t chunk_size);
/* Type 2: entries (left, value). */
int prsmw_section_bytes(struct prsmw_body *b, const struct prsmw_pair *e, size_t n);
/* "PRSM", the section count, the sections, as one bitstream. */
int prsmw_body_finish(struct prsmw_body *b, uint8_t **out, size_t *len);

/* A PRSM body that rebuilds `base` from `cur`: copies of 8+ byte runs found
 * in cur, single bytes as byte patches, the rest as inserts. */
int prsmw_diff(const uint8_t *cur, size_t cur_len, const uint8_t *base, size_t base_len,
               int compress_inserts, uint8_t **out, size_t *len);

/* A reverse delta (FileTypeSet fts, which should have 0x100) around a PRSM body. */
int prsmw_reverse_delta(int pa31, uint64_t fts, uint64_t flags, uint64_t target_size,
                        uint64_t hash_alg_id, const uint8_t *hash, size_t hash_len,
                        const uint8_t *body, size_t body_len, uint8_t **out, size_t *len);

/* --- XPRESS Huffman and the Compression API container ------------------------ */

/* Compress with greedy LZ into 64 KiB blocks (matches may cross a block end). */
int prsmw_xpress_compress(const uint8_t *data, size_t n, uint8_t **out, size_t *len);
/*
 * A Compression API container (alg 4 XPRESS_HUFF with prsmw_xpress_compress,
 * alg 5 LZMS with libwim) of chunk_size chunks; stored chunks where
 * compressing does not help.
 */
int prsmw_capi_container(unsigned alg, size_t chunk_size, const uint8_t *data, size_t n,
                         uint8_t **out, size_t *len);

/* --- DCS and PSFX files --------------------------------------------------------- */

/* "DCS\x01" + LZMS blocks of block_size bytes (libwim's compressor). */
int prsmw_make_dcs(const uint8_t *data, size_t n, size_t block_size, uint8_t **out,
                   size_t *len);
/* u32 CRC-32 of the delta, then the delta. */
int prsmw_psfx_file(const uint8_t *delta, size_t len, uint8_t **out, size_t *out_len);

#endif
