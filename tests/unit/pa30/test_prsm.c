/* SPDX-License-Identifier: MIT */
/*
 * Reverse deltas (PRSM), rift tables and IntFormats, XPRESS Huffman, the
 * Compression API container: streams built with the test writer
 * (tests/tools/pa30/prsmwriter.c) and libwim's compressors, then hostile
 * variants of every length, count and offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <wimlib.h>

#include "digest/digest.h"
#include "pa30/bits.h"
#include "pa30/codec.h"
#include "pa30/pa30.h"
#include "pa30/rift.h"
#include "prsmwriter.h"
#include "util/alloc.h"

/* ------------------------------------------------------------ helpers */

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/* Text-like data: words from a small vocabulary, some noise. */
static uint8_t *sample(size_t n, unsigned seed)
{
	static const char *words[] = {"kernel32", "ntdll", "Microsoft", "Windows", "servicing",
	                              "0x800f0985", "\x00\x00\x00\x00", "PE\0\0", "text", "reloc"};
	uint8_t *p = sxs_malloc(n ? n : 1);
	assert_non_null(p);
	rng_state = 0x9E3779B97F4A7C15ull * (seed + 1);
	for (size_t i = 0; i < n;) {
		if (rnd() % 8 == 0) {
			p[i++] = (uint8_t)rnd();
			continue;
		}
		const char *w = words[rnd() % 10];
		size_t l = strlen(w) ? strlen(w) : 4;
		for (size_t k = 0; k < l && i < n; k++)
			p[i++] = (uint8_t)w[k];
	}
	return p;
}

static struct pa30_bits open_bits(const uint8_t *p, size_t n)
{
	struct pa30_bits b;
	assert_int_equal(pa30_bits_init(&b, p, n, NULL, "test"), 0);
	return b;
}

/* ------------------------------------------------- IntFormat and rift */

static void rift_reads_back_what_was_written(void **state)
{
	(void)state;
	static const struct prsmw_pair e[] = {
		{0, 0}, {5, 1000}, {5, -7}, {100000, 3}, {-4, 70000}, {(int64_t)1 << 62, -((int64_t)1 << 61)},
	};
	uint8_t lens[PRSMW_INTFMT_SYMS];
	struct prsmw_intfmt fs, fd;
	for (unsigned i = 0; i < PRSMW_INTFMT_SYMS; i++)
		lens[i] = (uint8_t)(i < 4 ? 7 : 8);
	prsmw_intfmt_explicit(&fs, lens);
	prsmw_intfmt_fill(&fd, 248, 8); /* only the fill rule: 248 of length 8, 4 of 7 */
	struct pa30w_bits w;
	uint8_t *buf;
	size_t len;
	pa30w_bits_init(&w);
	prsmw_put_rift(&w, &fs, &fd, e, 6);
	pa30w_put(&w, 0x5A, 8); /* what follows the table is still there */
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);

	struct pa30_bits b = open_bits(buf, len);
	struct pa30_rift r;
	assert_int_equal(pa30_rift_read(&b, &r, NULL, "t"), 0);
	assert_int_equal(r.n, 6);
	/* sorted by source, equal sources in stream order */
	int64_t want[6][2] = {{-4, 70000}, {0, 0}, {5, 1000}, {5, -7}, {100000, 3},
	                      {(int64_t)1 << 62, -((int64_t)1 << 61)}};
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(r.v[i].source, want[i][0]);
		assert_int_equal(r.v[i].target, want[i][1]);
	}
	assert_int_equal(pa30_bits_read(&b, 8), 0x5A);
	assert_false(pa30_bits_overrun(&b));
	pa30_rift_release(&r);
	sxs_free(buf);
}

static void rift_absent_and_hostile_counts(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *buf;
	size_t len;
	struct pa30_rift r;
	struct sxs_diag d = {{0}};

	/* present bit 0: an empty table */
	pa30w_bits_init(&w);
	pa30w_put(&w, 0, 1);
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);
	struct pa30_bits b = open_bits(buf, len);
	assert_int_equal(pa30_rift_read(&b, &r, NULL, "t"), 0);
	assert_int_equal(r.n, 0);
	sxs_free(buf);

	/* a count far beyond the bits left is refused before allocating */
	struct prsmw_intfmt f;
	prsmw_intfmt_default(&f);
	pa30w_bits_init(&w);
	pa30w_put(&w, 1, 1);
	prsmw_put_intfmt(&w, &f);
	prsmw_put_intfmt(&w, &f);
	pa30w_put_int(&w, (uint64_t)1 << 40);
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);
	b = open_bits(buf, len);
	assert_int_equal(pa30_rift_read(&b, &r, &d, "t"), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "entries but only"));
	sxs_free(buf);

	/* counts of explicit lengths above 126 */
	pa30w_bits_init(&w);
	pa30w_put(&w, 1, 1);
	pa30w_put(&w, 127, 8);
	pa30w_put(&w, 0, 8);
	pa30w_put(&w, 0, 8);
	pa30w_put(&w, 0, 32);
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);
	b = open_bits(buf, len);
	assert_int_equal(pa30_rift_read(&b, &r, NULL, "t"), -SXS_EFORMAT);
	sxs_free(buf);

	/* more default symbols than remain */
	pa30w_bits_init(&w);
	pa30w_put(&w, 1, 1);
	pa30w_put(&w, 100, 8);
	pa30w_put(&w, 100, 8);
	pa30w_put(&w, 53, 8);
	pa30w_put(&w, 0, 32);
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);
	b = open_bits(buf, len);
	assert_int_equal(pa30_rift_read(&b, &r, NULL, "t"), -SXS_EFORMAT);
	sxs_free(buf);

	/* the fill rule with 252 defaults of length 8 is an incomplete code */
	prsmw_intfmt_fill(&f, 252, 8);
	pa30w_bits_init(&w);
	pa30w_put(&w, 1, 1);
	prsmw_put_intfmt(&w, &f);
	pa30w_put(&w, 0, 32);
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);
	b = open_bits(buf, len);
	memset(&d, 0, sizeof(d));
	assert_int_equal(pa30_rift_read(&b, &r, &d, "t"), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "incomplete"));
	sxs_free(buf);

	/* a table cut short after its count */
	prsmw_intfmt_default(&f);
	struct prsmw_pair e[3] = {{1, 2}, {3, 4}, {5, 6}};
	pa30w_bits_init(&w);
	prsmw_put_rift(&w, &f, &f, e, 3);
	assert_int_equal(pa30w_bits_finish(&w, &buf, &len), 0);
	b = open_bits(buf, len - 2);
	int err = pa30_rift_read(&b, &r, NULL, "t");
	assert_true(err == -SXS_ETRUNC || err == -SXS_EFORMAT);
	sxs_free(buf);
}

/* ------------------------------------------------------------- XPRESS */

static void xpress_multiblock_round_trip(void **state)
{
	(void)state;
	/* 300 KiB: five blocks, long matches, the u16 and u32 length forms */
	size_t n = 300 * 1024;
	uint8_t *data = sample(n, 1), *c, *out;
	size_t clen, used;
	memset(data + 70000, 0, 70000);   /* a 70,000-byte run: u32 length */
	memset(data + 150000, 'x', 3000); /* u16 length */
	assert_int_equal(prsmw_xpress_compress(data, n, &c, &clen), 0);
	out = sxs_malloc(n);
	assert_int_equal(sxs_xpress_huff_decode(c, clen, out, 0, n, &used, NULL), 0);
	assert_memory_equal(out, data, n);
	assert_int_equal(used, clen);

	/* every truncation fails cleanly */
	struct sxs_diag d = {{0}};
	for (size_t cut = 0; cut < clen; cut += clen / 23 + 1)
		assert_int_not_equal(sxs_xpress_huff_decode(c, cut, out, 0, n, NULL, &d), 0);
	sxs_free(c);
	sxs_free(out);
	sxs_free(data);
}

static void xpress_agrees_with_libwim_blocks(void **state)
{
	(void)state;
	/* libwim's compressor as a third-party encoder of single blocks */
	struct wimlib_compressor *wc;
	size_t n = 65536;
	uint8_t *data = sample(n, 2), *c = sxs_malloc(n), *out = sxs_malloc(n);
	assert_int_equal(wimlib_create_compressor(WIMLIB_COMPRESSION_TYPE_XPRESS, n, 0, &wc), 0);
	size_t clen = wimlib_compress(data, n, c, n, wc);
	assert_true(clen > 0);
	assert_int_equal(sxs_xpress_huff_decode(c, clen, out, 0, n, NULL, NULL), 0);
	assert_memory_equal(out, data, n);
	/* and through libwim itself (wim.c) */
	struct sxs_wim_decoder *wd;
	memset(out, 0, n);
	assert_int_equal(sxs_wim_decoder_new(SXS_WIM_XPRESS, n, &wd, NULL), 0);
	assert_int_equal(sxs_wim_decode(wd, c, clen, out, n, NULL), 0);
	assert_memory_equal(out, data, n);
	assert_int_equal(sxs_wim_decode(wd, c, clen, out, n + 1, NULL), -SXS_ELIMIT);
	sxs_wim_decoder_free(wd);
	assert_int_equal(sxs_wim_decoder_new(SXS_WIM_XPRESS, 65537, &wd, NULL), -SXS_ELIMIT);
	wimlib_free_compressor(wc);
	sxs_free(data);
	sxs_free(c);
	sxs_free(out);
}

static void xpress_rejects_hostile_streams(void **state)
{
	(void)state;
	uint8_t s[300], out[64];
	struct sxs_diag d = {{0}};

	/* all-zero table: no code at all */
	memset(s, 0, sizeof(s));
	assert_int_equal(sxs_xpress_huff_decode(s, sizeof(s), out, 0, 10, NULL, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "incomplete"));
	/* over-subscribed: three symbols of length 1 */
	memset(s, 0, sizeof(s));
	s[0] = 0x11;
	s[1] = 0x01;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sxs_xpress_huff_decode(s, sizeof(s), out, 0, 10, NULL, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "over-subscribed"));
	/* a match before the start: symbols 'A' (code 0) and match dist 2^0 len 3 (code 1) */
	memset(s, 0, sizeof(s));
	s['A' / 2] = 0x01 << (('A' & 1) * 4);
	s[128] = 0x01;        /* symbol 256: dbits 0, length 3 */
	s[256] = 0x00;
	s[257] = 0x80;        /* first word: bits 1... -> the match first */
	memset(&d, 0, sizeof(d));
	assert_int_equal(sxs_xpress_huff_decode(s, sizeof(s), out, 0, 10, NULL, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "before the start"));
	/* literal 'A' then the match: fine with history, but 10 bytes asked of a 4-byte match run */
	s[256] = 0x00;
	s[257] = 0x40;        /* bits 0 1 0 ...: 'A', match(3), 'A' ... */
	assert_int_equal(sxs_xpress_huff_decode(s, 260, out, 0, 4, NULL, NULL), 0);
	assert_memory_equal(out, "AAAA", 4);
	memset(&d, 0, sizeof(d));
	assert_int_equal(sxs_xpress_huff_decode(s, 260, out, 0, 2, NULL, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "past the end"));
	/* the match may reach into history before `start` */
	out[0] = 'Q';
	s[257] = 0x80;
	assert_int_equal(sxs_xpress_huff_decode(s, 260, out, 1, 3, NULL, NULL), 0);
	assert_memory_equal(out, "QQQQ", 4);
}

/* ------------------------------------------------ Compression API container */

static void capi_decodes_xpress_and_lzms(void **state)
{
	(void)state;
	size_t n = 200000;
	uint8_t *data = sample(n, 3), *c, *out;
	size_t clen, olen;
	/* 64 KiB chunks: libwim; 1 MiB: one multi-block chunk, our decoder */
	size_t chunks[] = {65536, 1u << 20};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(prsmw_capi_container(4, chunks[i], data, n, &c, &clen), 0);
		assert_int_equal(sxs_capi_decode(c, clen, n, &out, &olen, NULL), 0);
		assert_int_equal(olen, n);
		assert_memory_equal(out, data, n);
		sxs_free(out);
		sxs_free(c);
	}
	assert_int_equal(prsmw_capi_container(5, 1u << 17, data, n, &c, &clen), 0);
	assert_int_equal(sxs_capi_decode(c, clen, n, &out, &olen, NULL), 0);
	assert_memory_equal(out, data, n);
	sxs_free(out);
	/* the declared size is checked against the caller's cap first */
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_capi_decode(c, clen, n - 1, &out, &olen, &d), -SXS_ELIMIT);
	sxs_free(c);
	/* incompressible data: stored chunks */
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)rnd();
	assert_int_equal(prsmw_capi_container(4, 65536, data, n, &c, &clen), 0);
	assert_int_equal(clen, 24 + n + 4 * 4);
	assert_int_equal(sxs_capi_decode(c, clen, n, &out, &olen, NULL), 0);
	assert_memory_equal(out, data, n);
	sxs_free(out);
	sxs_free(c);
	sxs_free(data);
}

static void capi_rejects_hostile_headers(void **state)
{
	(void)state;
	uint8_t *data = sample(5000, 4), *c, *out = NULL;
	size_t clen, olen;
	assert_int_equal(prsmw_capi_container(4, 65536, data, 5000, &c, &clen), 0);
	uint8_t *m = sxs_malloc(clen);
	struct {
		size_t at;
		uint8_t v;
		int err;
	} cases[] = {
		{0, 0x0B, -SXS_EFORMAT},  /* magic */
		{4, 23, -SXS_EFORMAT},    /* header size below 24 */
		{5, 0xFF, -SXS_EFORMAT},  /* header size beyond the data */
		{7, 9, -SXS_EUNSUPPORTED}, /* algorithm */
		{15, 0x80, -SXS_ELIMIT},  /* total size */
		{16, 0, -SXS_EFORMAT},    /* chunk size 0 ... */
		{24, 0, -SXS_EFORMAT},    /* chunk of zero bytes (low byte; the rest below) */
		{26, 0x10, -SXS_ETRUNC},  /* chunk runs past the end */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(m, c, clen);
		m[cases[i].at] = cases[i].v;
		if (cases[i].at == 16)
			m[17] = m[18] = m[19] = 0;
		if (cases[i].at == 24)
			m[25] = m[26] = m[27] = 0;
		struct sxs_diag d = {{0}};
		assert_int_equal(sxs_capi_decode(m, clen, 1u << 20, &out, &olen, &d), cases[i].err);
		assert_null(out);
	}
	/* a compressed chunk that claims more bytes than its data: csize > want */
	memcpy(m, c, clen);
	m[8] = 10;
	m[9] = m[10] = 0;
	assert_int_equal(sxs_capi_decode(m, clen, 1u << 20, &out, &olen, NULL), -SXS_EFORMAT);
	for (size_t cut = 0; cut < clen; cut += 97)
		assert_int_not_equal(sxs_capi_decode(c, cut, 1u << 20, &out, &olen, NULL), 0);
	sxs_free(m);
	sxs_free(c);
	sxs_free(data);
}

/* --------------------------------------------------------------- PRSM */

struct rev {
	uint8_t *delta;
	size_t len;
};

static struct rev make_reverse(const uint8_t *cur, size_t cur_len, const uint8_t *base,
                               size_t base_len, int pa31, uint64_t alg, int compress)
{
	uint8_t *body, md[SXS_DIGEST_MAX];
	size_t body_len, md_len = 0;
	struct rev r;
	assert_int_equal(prsmw_diff(cur, cur_len, base, base_len, compress, &body, &body_len), 0);
	if (alg)
		assert_int_equal(sxs_digest_buffer(alg == 0x8004 ? SXS_DIGEST_SHA1 : SXS_DIGEST_SHA256,
		                                   base, base_len, md, &md_len), 0);
	assert_int_equal(prsmw_reverse_delta(pa31, 0x101, 0, base_len, alg, md, md_len, body,
	                                     body_len, &r.delta, &r.len), 0);
	sxs_free(body);
	return r;
}

/* The current file and an older "RTM" version: moved blocks, edits, inserts. */
static void make_versions(uint8_t **cur, size_t *cur_len, uint8_t **base, size_t *base_len)
{
	size_t n = 180000;
	uint8_t *b = sample(n, 5);
	uint8_t *c = sxs_malloc(n + 5000);
	/* cur = base with [1000,21000) moved to the end, bytes changed, a block removed */
	memcpy(c, b, 1000);
	memcpy(c + 1000, b + 21000, n - 21000);
	memcpy(c + 1000 + n - 21000, b + 1000, 20000);
	c[5000] ^= 0x55;
	c[90000] ^= 0xAA;
	*cur_len = n - 8000; /* the last 8000 bytes of the base are gone */
	memset(b + 60000, 0, 1); /* a byte only the base has */
	*cur = c;
	*base = b;
	*base_len = n;
}

static void prsm_rebuilds_the_base(void **state)
{
	(void)state;
	uint8_t *cur, *base, *out;
	size_t cur_len, base_len, out_len;
	make_versions(&cur, &cur_len, &base, &base_len);
	struct {
		int pa31;
		uint64_t alg;
		int compress;
	} v[] = {{0, 0x8004, 1}, {1, 0x800C, 1}, {0, 0, 0}, {1, 0x8004, 0}};
	for (size_t i = 0; i < 4; i++) {
		struct rev r = make_reverse(cur, cur_len, base, base_len, v[i].pa31, v[i].alg,
		                            v[i].compress);
		struct sxs_pa30_header h;
		assert_int_equal(sxs_pa30_read_header(r.delta, r.len, &h, NULL), 0);
		assert_true(h.is_reverse);
		assert_int_equal(h.target_size, base_len);
		struct sxs_diag d = {{0}};
		assert_int_equal(sxs_pa30_apply_reverse(cur, cur_len, r.delta, r.len, 1u << 30, &out,
		                                        &out_len, &d), 0);
		assert_int_equal(out_len, base_len);
		assert_memory_equal(out, base, base_len);
		sxs_free(out);
		/* the generic apply dispatches reverse deltas too */
		assert_int_equal(sxs_pa30_apply(cur, cur_len, r.delta, r.len, &out, &out_len, NULL), 0);
		assert_memory_equal(out, base, base_len);
		sxs_free(out);
		/* a cap below the target size: refused before decoding */
		out = NULL;
		assert_int_equal(sxs_pa30_apply_reverse(cur, cur_len, r.delta, r.len, base_len - 1,
		                                        &out, &out_len, NULL), -SXS_ELIMIT);
		assert_null(out);
		/* the current file changed since the delta was made: hash mismatch (when hashed) */
		cur[100] ^= 1;
		int err = sxs_pa30_apply_reverse(cur, cur_len, r.delta, r.len, 1u << 30, &out,
		                                 &out_len, NULL);
		if (v[i].alg) {
			assert_int_equal(err, -SXS_EHASH);
		} else {
			assert_int_equal(err, 0);
			assert_memory_not_equal(out, base, base_len);
			sxs_free(out);
		}
		cur[100] ^= 1;
		/* the PSFX file around it passes the CRC-32 tier */
		uint8_t *file;
		size_t file_len;
		assert_int_equal(prsmw_psfx_file(r.delta, r.len, &file, &file_len), 0);
		assert_int_equal(sxs_psfx_check(file, file_len, &h, NULL), 0);
		assert_true(h.is_reverse);
		sxs_free(file);
		sxs_free(r.delta);
	}
	sxs_free(cur);
	sxs_free(base);
}

static int apply_body(const uint8_t *ref, size_t ref_len, const uint8_t *body, size_t body_len,
                      size_t target, uint8_t **out, struct sxs_diag *d)
{
	uint8_t *delta;
	size_t len, out_len;
	assert_int_equal(prsmw_reverse_delta(0, 0x100, 0, target, 0, NULL, 0, body, body_len,
	                                     &delta, &len), 0);
	int err = sxs_pa30_apply_reverse(ref, ref_len, delta, len, 1u << 20, out, &out_len, d);
	sxs_free(delta);
	return err;
}

static void prsm_sections_clip_and_order(void **state)
{
	(void)state;
	const uint8_t ref[] = "0123456789abcdef";
	struct prsmw_body b;
	uint8_t *body, *out;
	size_t len;
	prsmw_body_init(&b);
	/* copies: in range, clipped by both buffers, negative, beyond the ends */
	struct prsmw_pair cp[] = {{0, 10}, {4, 14}, {-3, 0}, {6, -1}, {30, 0}, {8, 2}, {12, 0}};
	/* lengths pair with the entries sorted by source: (-3,0) (0,10) (4,14) (6,-1) (8,2) (12,0) (30,0) */
	int64_t cl[] = {5, 4, 9, 2, 0, 100, 4};
	assert_int_equal(prsmw_section_copy(&b, cp, cl, 7), 0);
	/* byte patches: the first entry of two for one offset wins (applied last to first) */
	struct prsmw_pair bp[] = {{3, 'X'}, {3, 'Y'}, {-1, 'Z'}, {99, 'Z'}, {11, 0x141}};
	assert_int_equal(prsmw_section_bytes(&b, bp, 5), 0);
	assert_int_equal(prsmw_body_finish(&b, &body, &len), 0);
	prsmw_body_release(&b);
	assert_int_equal(apply_body(ref, 16, body, len, 16, &out, NULL), 0);
	/* 0-3 "abcd", 4-5 "ef" (clipped by ref), 6-11 zero (11 patched), 12-15 "0123" (clipped by out) */
	const uint8_t want[16] = {'a', 'b', 'c', 'X', 'e', 'f', 0, 0, 0, 0, 0, 0x41, '0', '1', '2', '3'};
	assert_memory_equal(out, want, 16);
	sxs_free(out);
	sxs_free(body);
}

static void prsm_rejects_hostile_sections(void **state)
{
	(void)state;
	const uint8_t ref[32] = {0};
	struct prsmw_body b;
	uint8_t *body, *out = NULL;
	size_t len;
	struct sxs_diag d;
	const uint8_t blob[8] = "ABCDEFGH";

	struct {
		const char *what;
		struct prsmw_pair e;
		const char *msg;
	} ins[] = {
		{"count beyond the data", {0, 9}, "left in its data"},
		{"negative count", {0, -1}, "left in its data"},
		{"offset past the target", {30, 4}, "outside"},
		{"negative offset", {-1, 2}, "outside"},
	};
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		prsmw_body_init(&b);
		assert_int_equal(prsmw_section_insert(&b, &ins[i].e, 1, blob, 8, 0, 0), 0);
		assert_int_equal(prsmw_body_finish(&b, &body, &len), 0);
		prsmw_body_release(&b);
		memset(&d, 0, sizeof(d));
		assert_int_equal(apply_body(ref, 32, body, len, 32, &out, &d), -SXS_EFORMAT);
		assert_non_null(strstr(d.msg, ins[i].msg));
		assert_null(out);
		sxs_free(body);
	}
	/* an inserted blob that claims to be compressed but is not a container */
	struct pa30w_bits w;
	uint8_t *sec;
	size_t sec_len;
	pa30w_bits_init(&w);
	pa30w_put(&w, 1, 32);
	pa30w_put(&w, 0, 32);
	pa30w_put(&w, 1, 32);
	pa30w_put(&w, 0, 1);
	pa30w_put_buf(&w, blob, 8);
	assert_int_equal(pa30w_bits_finish(&w, &sec, &sec_len), 0);
	prsmw_body_init(&b);
	prsmw_section_raw(&b, sec, sec_len);
	assert_int_equal(prsmw_body_finish(&b, &body, &len), 0);
	prsmw_body_release(&b);
	assert_int_equal(apply_body(ref, 32, body, len, 32, &out, NULL), -SXS_ETRUNC);
	sxs_free(body);
	sxs_free(sec);
	/* unknown section type */
	pa30w_bits_init(&w);
	pa30w_put(&w, 3, 32);
	pa30w_put(&w, 0, 32);
	assert_int_equal(pa30w_bits_finish(&w, &sec, &sec_len), 0);
	prsmw_body_init(&b);
	prsmw_section_raw(&b, sec, sec_len);
	assert_int_equal(prsmw_body_finish(&b, &body, &len), 0);
	prsmw_body_release(&b);
	memset(&d, 0, sizeof(d));
	assert_int_equal(apply_body(ref, 32, body, len, 32, &out, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "unknown type 3"));
	sxs_free(body);
	sxs_free(sec);
	/* a section too short for its type word */
	prsmw_body_init(&b);
	prsmw_section_raw(&b, (const uint8_t *)"\0\0\0", 3);
	assert_int_equal(prsmw_body_finish(&b, &body, &len), 0);
	prsmw_body_release(&b);
	assert_int_equal(apply_body(ref, 32, body, len, 32, &out, NULL), -SXS_ETRUNC);
	sxs_free(body);
	/* bad magic, and a body too short for it */
	uint8_t bad[12] = {0, 'P', 'R', 'S', 'N'};
	memset(&d, 0, sizeof(d));
	assert_int_not_equal(apply_body(ref, 32, bad, sizeof(bad), 32, &out, &d), 0);
	assert_int_equal(apply_body(ref, 32, bad, 3, 32, &out, NULL), -SXS_ETRUNC);
	/* trailing bits that are not a section */
	prsmw_body_init(&b);
	assert_int_equal(prsmw_body_finish(&b, &body, &len), 0);
	prsmw_body_release(&b);
	uint8_t *longer = sxs_malloc(len + 1);
	memcpy(longer, body, len);
	longer[len] = 0;
	assert_int_equal(apply_body(ref, 32, body, len, 32, &out, NULL), 0); /* no section: zeros */
	sxs_free(out);
	out = NULL;
	assert_int_not_equal(apply_body(ref, 32, longer, len + 1, 32, &out, NULL), 0);
	assert_null(out);
	sxs_free(longer);
	sxs_free(body);
}

static void reverse_header_checks(void **state)
{
	(void)state;
	uint8_t *delta, *out = NULL;
	size_t len, out_len;
	uint8_t body[] = {0};
	struct sxs_diag d = {{0}};
	/* unknown flag bits */
	assert_int_equal(prsmw_reverse_delta(0, 0x101, (uint64_t)1 << 30, 4, 0, NULL, 0, body, 1,
	                                     &delta, &len), 0);
	assert_int_equal(sxs_pa30_apply_reverse(body, 1, delta, len, 100, &out, &out_len, &d),
	                 -SXS_EUNSUPPORTED);
	sxs_free(delta);
	/* unknown hash algorithm; a hash of the wrong size */
	uint8_t h[20] = {0};
	assert_int_equal(prsmw_reverse_delta(0, 0x101, 0, 4, 0x8009, h, 20, body, 1, &delta, &len), 0);
	assert_int_equal(sxs_pa30_apply_reverse(body, 1, delta, len, 100, &out, &out_len, NULL),
	                 -SXS_EUNSUPPORTED);
	sxs_free(delta);
	assert_int_equal(prsmw_reverse_delta(1, 0x101, 0, 4, 0x800C, h, 20, body, 1, &delta, &len), 0);
	assert_int_equal(sxs_pa30_apply_reverse(body, 1, delta, len, 100, &out, &out_len, NULL),
	                 -SXS_EFORMAT);
	sxs_free(delta);
	/* not a reverse delta */
	assert_int_equal(pa30w_make_raw_delta(NULL, 0, body, 1, 0, 0, NULL, &delta, &len), 0);
	assert_int_equal(sxs_pa30_apply_reverse(body, 1, delta, len, 100, &out, &out_len, NULL),
	                 -SXS_EINVAL);
	assert_null(out);
	sxs_free(delta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rift_reads_back_what_was_written),
		cmocka_unit_test(rift_absent_and_hostile_counts),
		cmocka_unit_test(xpress_multiblock_round_trip),
		cmocka_unit_test(xpress_agrees_with_libwim_blocks),
		cmocka_unit_test(xpress_rejects_hostile_streams),
		cmocka_unit_test(capi_decodes_xpress_and_lzms),
		cmocka_unit_test(capi_rejects_hostile_headers),
		cmocka_unit_test(prsm_rebuilds_the_base),
		cmocka_unit_test(prsm_sections_clip_and_order),
		cmocka_unit_test(prsm_rejects_hostile_sections),
		cmocka_unit_test(reverse_header_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
