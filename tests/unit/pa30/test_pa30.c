/* SPDX-License-Identifier: MIT */
/*
 * PA30 decoder tests on streams built bit by bit with the test writer
 * (tests/tools/pa30).  Valid streams must decode to the expected bytes;
 * hostile ones must fail with the expected error and leave the
 * out-parameters alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "digest/digest.h"
#include "filebuf.h"
#include "pa30/pa30.h"
#include "pa30writer.h"
#include "util/alloc.h"

static const char *regress_dir; /* testdata/regress/pa30, from argv */

/* ------------------------------------------------------------ helpers */

static uint8_t def_lens[PA30W_SEGMENT_LENS];
static uint32_t def_codes[PA30W_SEGMENT_LENS];

/* The default (flat) tables' codes, as a hand-built stream uses them. */
static void init_default_codes(void)
{
	pa30w_flat_lengths(def_lens, PA30W_MAIN_SYMS);
	pa30w_flat_lengths(def_lens + PA30W_MAIN_SYMS, PA30W_LEN_SYMS);
	pa30w_flat_lengths(def_lens + PA30W_MAIN_SYMS + PA30W_LEN_SYMS, PA30W_ALIGNED_SYMS);
	pa30w_codes(def_lens, PA30W_MAIN_SYMS, def_codes);
	pa30w_codes(def_lens + PA30W_MAIN_SYMS, PA30W_LEN_SYMS, def_codes + PA30W_MAIN_SYMS);
	pa30w_codes(def_lens + PA30W_MAIN_SYMS + PA30W_LEN_SYMS, PA30W_ALIGNED_SYMS,
	            def_codes + PA30W_MAIN_SYMS + PA30W_LEN_SYMS);
}

static void put_main(struct pa30w_bits *w, unsigned sym)
{
	pa30w_put_code(w, def_codes[sym], def_lens[sym]);
}

static void put_len(struct pa30w_bits *w, unsigned sym)
{
	pa30w_put_code(w, def_codes[PA30W_MAIN_SYMS + sym], def_lens[PA30W_MAIN_SYMS + sym]);
}

static void put_aligned(struct pa30w_bits *w, unsigned sym)
{
	unsigned i = PA30W_MAIN_SYMS + PA30W_LEN_SYMS + sym;
	pa30w_put_code(w, def_codes[i], def_lens[i]);
}

/* Main symbol of a match: 256 + position slot * 8 + length slot. */
static unsigned match_sym(unsigned slot, unsigned lslot)
{
	return 256 + slot * 8 + lslot;
}

/* A hand-built patch with default tables: pad count, no rift, default. */
static void begin_default_patch(struct pa30w_bits *w)
{
	pa30w_bits_init(w);  /* 3-bit padding count, filled in at the end */
	pa30w_put(w, 0, 1);  /* base rift table: absent */
	pa30w_put(w, 1, 1);  /* CompositeFormat: use the default tables */
}

/* Finish the patch bits and wrap them in a header (NULL: plain RAW). */
static void finish_delta(struct pa30w_bits *w, const struct pa30w_header *hdr,
                         uint64_t target_size, uint8_t **d, size_t *dl)
{
	struct pa30w_header h;
	uint8_t *patch;
	size_t plen;

	if (hdr)
		h = *hdr;
	else
		pa30w_header_raw(&h, target_size);
	assert_int_equal(pa30w_bits_finish(w, &patch, &plen), 0);
	assert_int_equal(pa30w_write_delta(&h, patch, plen, d, dl), 0);
	sxs_free(patch);
}

/* A delta whose header bitstream is given (after "PA30" + FILETIME). */
static void wrap_header_bits(struct pa30w_bits *w, uint8_t **d, size_t *dl)
{
	uint8_t *body;
	size_t blen;
	assert_int_equal(pa30w_bits_finish(w, &body, &blen), 0);
	*d = sxs_malloc(12 + blen);
	assert_non_null(*d);
	memcpy(*d, "PA30", 4);
	memset(*d + 4, 0, 8);
	memcpy(*d + 12, body, blen);
	*dl = 12 + blen;
	sxs_free(body);
}

static void expect_output(const uint8_t *src, size_t slen, const uint8_t *d, size_t dl,
                          const void *want, size_t want_len)
{
	uint8_t *out = NULL;
	size_t olen = 0;
	struct sxs_diag diag = {{0}};
	int err = sxs_pa30_apply(src, slen, d, dl, &out, &olen, &diag);
	if (err)
		fail_msg("apply failed: %d %s", err, sxs_diag_msg(&diag, err));
	assert_int_equal(olen, want_len);
	assert_memory_equal(out, want, want_len);
	sxs_free(out);
}

/* Apply must fail with err, a diag containing `msg`, and untouched outputs. */
static void expect_error(const uint8_t *src, size_t slen, const uint8_t *d, size_t dl,
                         int err, const char *msg)
{
	uint8_t sentinel = 0, *out = &sentinel;
	size_t olen = 12345;
	struct sxs_diag diag = {{0}};
	int got = sxs_pa30_apply(src, slen, d, dl, &out, &olen, &diag);
	if (got != err)
		fail_msg("expected %d, got %d (%s)", err, got, sxs_diag_msg(&diag, got));
	assert_ptr_equal(out, &sentinel);
	assert_int_equal(olen, 12345);
	if (msg && !strstr(diag.msg, msg))
		fail_msg("diag '%s' lacks '%s'", diag.msg, msg);
}

/* Encode tokens with options into a RAW delta of the given target size. */
static void tokens_delta(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
                         const struct pa30w_patch_opts *o, uint64_t target_size,
                         uint8_t **d, size_t *dl)
{
	struct pa30w_header h;
	uint8_t *patch;
	size_t plen;
	assert_int_equal(pa30w_encode_patch(tok, ntok, ref_len, o, &patch, &plen), 0);
	pa30w_header_raw(&h, target_size);
	assert_int_equal(pa30w_write_delta(&h, patch, plen, d, dl), 0);
	sxs_free(patch);
}

#define LIT(c) {0, (uint8_t)(c), PA30W_SLOT_AUTO, 0, 0}
#define MATCH(kind, v, n) {1, 0, (kind), (v), (n)}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = sxs_malloc(n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
	return p;
}

/* ------------------------------------------------- valid, hand built */

static void pa30_decodes_literals_with_default_tables(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;

	begin_default_patch(&w);
	put_main(&w, 'h'); /* literal 'h' */
	put_main(&w, 'i'); /* literal 'i' */
	put_main(&w, '!'); /* literal '!' */
	finish_delta(&w, NULL, 3, &d, &dl);
	expect_output(NULL, 0, d, dl, "hi!", 3);
	sxs_free(d);
}

static void pa30_decodes_overlapping_match(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;

	begin_default_patch(&w);
	put_main(&w, 'a');                     /* literal */
	put_main(&w, 'b');                     /* literal */
	put_main(&w, match_sym(2 + 7, 7));     /* x = 2: distance 2; length slot 7: 8 */
	put_main(&w, match_sym(1 + 7, 0));     /* x = 1: distance 1; length from tree */
	put_len(&w, 3);                        /* length symbol 3: 3 + 8 = 11 */
	finish_delta(&w, NULL, 21, &d, &dl);
	expect_output(NULL, 0, d, dl, "abababababbbbbbbbbbbb", 21);
	sxs_free(d);
}

static void pa30_decodes_long_distance_with_aligned_bits(void **state)
{
	(void)state;
	/* 40 literals then a copy of 5 bytes from distance 37 (x = 10) */
	struct pa30w_bits w;
	uint8_t want[45], *d;
	size_t dl;

	begin_default_patch(&w);
	for (unsigned i = 0; i < 40; i++) {
		want[i] = (uint8_t)('A' + i);
		put_main(&w, want[i]);         /* literal */
	}
	memcpy(want + 40, want + 3, 5);
	/* distance 37 = 0b100101: x = 10, hi = 2, n = 4 -> no middle bits, aligned 5 */
	put_main(&w, match_sym(10 + 7, 4)); /* slot 17, length 5 */
	pa30w_put(&w, 0, 0);                /* n - 4 = 0 middle bits */
	put_aligned(&w, 37 & 15);           /* aligned symbol: low 4 bits */
	finish_delta(&w, NULL, 45, &d, &dl);
	expect_output(NULL, 0, d, dl, want, 45);
	sxs_free(d);
}

static void pa30_decodes_extended_slot_and_long_length(void **state)
{
	(void)state;
	/* Source of 300000 bytes; copy 5000 bytes from virtual address 10. */
	const size_t R = 300000, len = 5000;
	uint8_t *src = random_bytes(R), *d;
	size_t dl;
	struct pa30w_bits w;
	uint64_t dist = R - 10;               /* pos R - address 10 */
	unsigned n = 17;                      /* 2^18 <= dist < 3 * 2^17: x = 36 */

	assert_true(dist >= ((uint64_t)2 << n) && dist < ((uint64_t)3 << n));
	begin_default_patch(&w);
	put_main(&w, match_sym(7, 0));        /* slot 7 (extended), length from tree */
	pa30w_put(&w, 0, 1);                  /* extended class: 0 -> x = 36 + bits(2) */
	pa30w_put(&w, 0, 2);                  /* x = 36: hi = 2, n = 17 */
	pa30w_put(&w, (dist >> 4) & 0x1FFF, 13); /* n - 4 = 13 middle bits */
	put_aligned(&w, (unsigned)(dist & 15)); /* aligned low 4 bits */
	put_len(&w, 0);                       /* length symbol 0: long length */
	/* len - 8 = 4992 = 0b1_0011_1000_0000: k = 12 - 8 = 4 */
	pa30w_put(&w, 1u << 4, 5);            /* 4 zero bits, then a one */
	pa30w_put(&w, 4992 - 4096, 12);       /* k + 8 = 12 value bits */
	finish_delta(&w, NULL, len, &d, &dl);
	expect_output(src, R, d, dl, src + 10, len);
	sxs_free(d);
	sxs_free(src);
}

static void pa30_decodes_source_relative_slots(void **state)
{
	(void)state;
	/* Slots 0-3 copy from address t - delta (the source when below R). */
	const size_t R = 0x40000;
	uint8_t *src = random_bytes(R), *d, want[4 * 6];
	size_t dl;
	struct pa30w_token tok[] = {
		MATCH(PA30W_SLOT_SRC_SAME, 0, 6),   /* t = 0: from 0 */
		MATCH(PA30W_SLOT_SRC14, -0x1000, 6), /* t = 6: from 0x1006 */
		MATCH(PA30W_SLOT_SRC16, -0x9000, 6), /* t = 12: from 0x900c */
		MATCH(PA30W_SLOT_SRC18, -0x29000, 6), /* t = 18: from 0x29012 */
	};
	memcpy(want, src, 6);
	memcpy(want + 6, src + 0x1006, 6);
	memcpy(want + 12, src + 0x900c, 6);
	memcpy(want + 18, src + 0x29012, 6);
	tokens_delta(tok, 4, R, NULL, sizeof(want), &d, &dl);
	expect_output(src, R, d, dl, want, sizeof(want));
	sxs_free(d);
	sxs_free(src);
}

static void pa30_decodes_positive_source_relative_deltas(void **state)
{
	(void)state;
	/* Positive deltas copy from behind t: first copy 0x30000 source bytes. */
	const size_t R = 0x40000, T0 = 0x30000;
	uint8_t *src = random_bytes(R), *d;
	size_t dl;
	struct pa30w_token tok[] = {
		MATCH(PA30W_SLOT_SRC_SAME, 0, T0),     /* t 0: source[0, T0) */
		MATCH(PA30W_SLOT_SRC14, 0x1FFF, 4),    /* t T0: from T0 - 0x1fff */
		MATCH(PA30W_SLOT_SRC16, 0x2000, 4),    /* t T0+4: upper half of slot 1 */
		MATCH(PA30W_SLOT_SRC16, 0x9FFF, 4),    /* t T0+8 */
		MATCH(PA30W_SLOT_SRC18, 0xA000, 4),    /* t T0+12: upper half of slot 2 */
		MATCH(PA30W_SLOT_SRC18, 0x29FFF, 4),   /* t T0+16 */
	};
	const size_t T = T0 + 20;
	uint8_t *want = sxs_malloc(T);
	memcpy(want, src, T0);
	memcpy(want + T0, src + T0 - 0x1FFF, 4);
	memcpy(want + T0 + 4, src + T0 + 4 - 0x2000, 4);
	memcpy(want + T0 + 8, src + T0 + 8 - 0x9FFF, 4);
	memcpy(want + T0 + 12, src + T0 + 12 - 0xA000, 4);
	memcpy(want + T0 + 16, src + T0 + 16 - 0x29FFF, 4);
	tokens_delta(tok, sizeof(tok) / sizeof(tok[0]), R, NULL, T, &d, &dl);
	expect_output(src, R, d, dl, want, T);
	sxs_free(want);
	sxs_free(d);
	sxs_free(src);
}

static void pa30_decodes_every_distance_class(void **state)
{
	(void)state;
	/*
	 * One 4-byte copy per distance class x = 1..49: the lowest distance of
	 * the class and one with all low bits set (< 2^25), from a source of
	 * 2^25 + 64 bytes.
	 */
	const size_t R = ((size_t)1 << 25) + 64;
	uint8_t *src = sxs_malloc(R), *d, *want;
	struct pa30w_token tok[2 * 49];
	size_t n = 0, dl;
	for (size_t i = 0; i < R; i += 4) { /* cheap pattern, unique per 4 bytes */
		uint32_t v = (uint32_t)(i * 2654435761u);
		memcpy(src + i, &v, 4);
	}
	want = sxs_malloc(4 * 2 * 49);
	for (unsigned x = 1; x <= 49; x++) {
		uint64_t lo, hi;
		if (x <= 3) {
			lo = hi = x;
		} else {
			unsigned nb = (x >> 1) - 1;
			lo = (uint64_t)(2u | (x & 1u)) << nb;
			hi = lo | (((uint64_t)1 << nb) - 1);
		}
		for (int k = 0; k < 2; k++) {
			uint64_t dist = k ? hi : lo;
			uint64_t pos = R + 4 * n;
			tok[n] = (struct pa30w_token)MATCH(PA30W_SLOT_DIST, (int64_t)dist, 4);
			for (int j = 0; j < 4; j++) { /* may overlap for tiny distances */
				uint64_t a = pos + (uint64_t)j - dist;
				want[4 * n + (size_t)j] = a < R ? src[a] : want[a - R];
			}
			n++;
		}
	}
	tokens_delta(tok, n, R, NULL, 4 * n, &d, &dl);
	expect_output(src, R, d, dl, want, 4 * n);
	sxs_free(d);
	sxs_free(want);
	sxs_free(src);
}

static void pa30_source_relative_slot_reaches_into_target(void **state)
{
	(void)state;
	/* With delta > 0 nothing changes; with delta < t - R... use a tiny source:
	 * t = 8, delta = -(8 - R)... simplest: R = 4, at t = 6 delta = 2 copies
	 * from address 4 = target offset 0. */
	const uint8_t src[4] = {'w', 'x', 'y', 'z'};
	struct pa30w_token tok[] = {
		LIT('a'), LIT('b'), LIT('c'), LIT('d'), LIT('e'), LIT('f'),
		MATCH(PA30W_SLOT_SRC14, 2, 3), /* t = 6: from address 4 (target 'a') */
		MATCH(PA30W_SLOT_SRC14, 9, 2), /* t = 9: from address 0 (source 'w') */
	};
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, 8, 4, NULL, 11, &d, &dl);
	expect_output(src, 4, d, dl, "abcdefabcwx", 11);
	sxs_free(d);
}

static void pa30_decodes_recent_distance_slots(void **state)
{
	(void)state;
	struct pa30w_token tok[] = {
		LIT('0'), LIT('1'), LIT('2'), LIT('3'), LIT('4'), LIT('5'), LIT('6'), LIT('7'),
		MATCH(PA30W_SLOT_DIST, 8, 2),  /* t 8: from 0 "01"; recent {8, 0, 0} */
		MATCH(PA30W_SLOT_DIST, 3, 2),  /* t 10: from 7 "70"; recent {3, 8, 0} */
		MATCH(PA30W_SLOT_LRU1, 0, 2),  /* t 12: d 8, from 4 "45"; recent {8, 3, 0} */
		MATCH(PA30W_SLOT_LRU1, 0, 2),  /* t 14: d 3, from 11 "04"; recent {3, 8, 0} */
		MATCH(PA30W_SLOT_DIST, 5, 2),  /* t 16: from 11 "04"; recent {5, 3, 8} */
		MATCH(PA30W_SLOT_LRU2, 0, 2),  /* t 18: d 8, from 10 "70"; recent {8, 5, 3} */
		MATCH(PA30W_SLOT_LRU0, 0, 2),  /* t 20: d 8, from 12 "45" */
	};
	/* expected, computed by hand from the distances above */
	const char *want = "01234567" "01" "70" "45" "04" "04" "70" "45";
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, sizeof(tok) / sizeof(tok[0]), 0, NULL, strlen(want), &d, &dl);
	expect_output(NULL, 0, d, dl, want, strlen(want));
	sxs_free(d);
}

static void pa30_decodes_copy_spanning_source_and_target(void **state)
{
	(void)state;
	const uint8_t src[3] = {'x', 'y', 'z'};
	struct pa30w_token tok[] = {
		LIT('a'),
		MATCH(PA30W_SLOT_DIST, 3, 6), /* from address 1: "yz" + "a" + "yza" */
	};
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, 2, 3, NULL, 7, &d, &dl);
	expect_output(src, 3, d, dl, "ayzayza", 7);
	sxs_free(d);
}

static void pa30_decodes_all_length_forms(void **state)
{
	(void)state;
	/* lengths 2..8 (length slot), 9..263 (length tree), 264+ (long form) */
	static const uint64_t lens[] = {2, 8, 9, 263, 264, 265, 1000, 70000};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct pa30w_token tok[] = {LIT('q'), MATCH(PA30W_SLOT_DIST, 1, lens[i])};
		size_t n = 1 + (size_t)lens[i];
		uint8_t *want = sxs_malloc(n), *d;
		size_t dl;
		memset(want, 'q', n);
		tokens_delta(tok, 2, 0, NULL, n, &d, &dl);
		expect_output(NULL, 0, d, dl, want, n);
		sxs_free(d);
		sxs_free(want);
	}
}

static void pa30_decodes_multi_segment_tables(void **state)
{
	(void)state;
	/*
	 * Three segments with different code lengths: segment 1 gives 'b' no
	 * code, segment 2 gives 'a' none, so a decoder that switched at the
	 * wrong position would fail or produce other bytes.
	 */
	uint8_t lens[3 * PA30W_SEGMENT_LENS];
	uint64_t start[3] = {0, 4, 8}; /* virtual positions (R = 0) */
	struct pa30w_token tok[12];
	const char *want = "abababaaabbb";
	for (int s = 0; s < 3; s++) {
		uint8_t *l = lens + s * PA30W_SEGMENT_LENS;
		memset(l, 0, PA30W_SEGMENT_LENS);
		l['a'] = 1;
		l['b'] = 1;
		if (s == 1) { /* 'a' and 'c' only */
			l['b'] = 0;
			l['c'] = 1;
		} else if (s == 2) { /* 'b' and 'd' only */
			l['a'] = 0;
			l['d'] = 1;
		}
	}
	for (int i = 0; i < 12; i++)
		tok[i] = (struct pa30w_token)LIT(want[i]);
	/* the writer encodes 'b' in segment 1 and 'a' in segment 2 */
	struct pa30w_patch_opts o = {0, 3, start, lens, 0};
	uint8_t *patch;
	size_t plen;
	assert_int_equal(pa30w_encode_patch(tok, 12, 0, &o, &patch, &plen), -SXS_EINVAL);

	const char *ok = "ababaaaabbbb";
	for (int i = 0; i < 12; i++)
		tok[i] = (struct pa30w_token)LIT(ok[i]);
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, 12, 0, &o, 12, &d, &dl);
	expect_output(NULL, 0, d, dl, ok, 12);
	sxs_free(d);
}

static void pa30_decodes_segments_from_compressor(void **state)
{
	(void)state;
	const size_t n = 20000;
	uint8_t *target = sxs_malloc(n), *d, *out;
	size_t dl, olen;
	struct pa30w_compress_opts o = {0, 1500, 32, 1};
	for (size_t i = 0; i < n; i++) /* text-like: repeats with drift */
		target[i] = (uint8_t)("<assembly name=\"x\"/>\r\n"[i % 23] + (i / 3000));
	assert_int_equal(pa30w_make_raw_delta(NULL, 0, target, n, 0, 0, &o, &d, &dl), 0);
	assert_int_equal(sxs_pa30_apply(NULL, 0, d, dl, &out, &olen, NULL), 0);
	assert_int_equal(olen, n);
	assert_memory_equal(out, target, n);
	sxs_free(out);
	sxs_free(d);
	sxs_free(target);
}

static void pa30_undoes_e8_translation(void **state)
{
	(void)state;
	/*
	 * 24 bytes, so offsets 0-13 are scanned.  E8 at 1: operand 232 >= 24,
	 * left alone, but its 4 operand bytes are skipped (the E8 at 2 would
	 * otherwise turn 0 into -2).  E8 at 7: 10 -> 10 - 7 = 3.  E8 at 12:
	 * -3 -> -3 + 24 = 21.  E8 at 17 is past the scan.
	 */
	const uint8_t stored[24] = {0x90, 0xE8, 0xE8, 0, 0, 0, 0x00,
	                            0xE8, 10, 0, 0, 0,
	                            0xE8, 0xFD, 0xFF, 0xFF, 0xFF,
	                            0xE8, 1, 0, 0, 0, 0x90, 0x90};
	uint8_t want[24];
	memcpy(want, stored, 24);
	want[8] = 3;                                        /* 10 - 7 */
	want[13] = 21, want[14] = want[15] = want[16] = 0;  /* -3 + 24 */

	struct pa30w_token tok[24];
	for (int i = 0; i < 24; i++)
		tok[i] = (struct pa30w_token)LIT(stored[i]);
	struct pa30w_header h;
	uint8_t *patch, *d;
	size_t plen, dl;
	assert_int_equal(pa30w_encode_patch(tok, 24, 0, NULL, &patch, &plen), 0);
	pa30w_header_raw(&h, 24);
	h.flags = SXS_PA30_FLAG_E8;
	assert_int_equal(pa30w_write_delta(&h, patch, plen, &d, &dl), 0);
	expect_output(NULL, 0, d, dl, want, 24);
	sxs_free(d);
	/* without the flag the bytes come out as stored */
	h.flags = 0;
	assert_int_equal(pa30w_write_delta(&h, patch, plen, &d, &dl), 0);
	expect_output(NULL, 0, d, dl, stored, 24);
	sxs_free(d);
	sxs_free(patch);
}

static void pa30_e8_round_trips_through_writer(void **state)
{
	(void)state;
	const size_t n = 4096;
	uint8_t *target = random_bytes(n), *d, *out;
	size_t dl, olen;
	for (size_t i = 0; i + 5 < n; i += 37) /* plenty of CALL sites */
		target[i] = 0xE8;
	assert_int_equal(pa30w_make_raw_delta(NULL, 0, target, n, SXS_PA30_FLAG_E8,
	                                      SXS_PA30_HASH_SHA256, NULL, &d, &dl), 0);
	assert_int_equal(sxs_pa30_apply(NULL, 0, d, dl, &out, &olen, NULL), 0);
	assert_int_equal(olen, n);
	assert_memory_equal(out, target, n);
	sxs_free(out);
	sxs_free(d);
	sxs_free(target);
}

static void pa30_verifies_each_hash_algorithm(void **state)
{
	(void)state;
	static const uint64_t algs[] = {SXS_PA30_HASH_MD5, SXS_PA30_HASH_SHA1,
	                                SXS_PA30_HASH_SHA256};
	const uint8_t src[] = "the quick brown fox jumps over the lazy dog";
	const uint8_t tgt[] = "the quick brown cat jumps over the lazy dog!";
	for (size_t i = 0; i < 3; i++) {
		uint8_t *d;
		size_t dl;
		struct sxs_pa30_header h;
		assert_int_equal(pa30w_make_raw_delta(src, sizeof(src), tgt, sizeof(tgt), 0, algs[i],
		                                      NULL, &d, &dl), 0);
		assert_int_equal(sxs_pa30_read_header(d, dl, &h, NULL), 0);
		assert_int_equal(h.hash_alg_id, algs[i]);
		expect_output(src, sizeof(src), d, dl, tgt, sizeof(tgt));
		/* a different source gives a different target: the hash catches it */
		uint8_t other[sizeof(src)];
		memcpy(other, src, sizeof(src));
		other[4] ^= 0x20;
		expect_error(other, sizeof(other), d, dl, -SXS_EHASH, "does not match");
		sxs_free(d);
	}
}

static void pa30_rejects_wrong_target_hash(void **state)
{
	(void)state;
	const uint8_t tgt[] = "payload";
	uint8_t md[32];
	size_t mdlen;
	struct pa30w_token tok[7];
	for (int i = 0; i < 7; i++)
		tok[i] = (struct pa30w_token)LIT(tgt[i]);
	uint8_t *patch, *d;
	size_t plen, dl;
	struct pa30w_header h;
	assert_int_equal(pa30w_encode_patch(tok, 7, 0, NULL, &patch, &plen), 0);
	assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA256, tgt, 7, md, &mdlen), 0);
	md[31] ^= 1; /* one bit off */
	pa30w_header_raw(&h, 7);
	h.hash_alg_id = SXS_PA30_HASH_SHA256;
	h.hash = md;
	h.hash_len = mdlen;
	assert_int_equal(pa30w_write_delta(&h, patch, plen, &d, &dl), 0);
	expect_error(NULL, 0, d, dl, -SXS_EHASH, "sha256");
	sxs_free(d);
	sxs_free(patch);
}

static void pa30_reads_header_fields(void **state)
{
	(void)state;
	struct pa30w_bits w;
	struct sxs_pa30_header h;
	uint8_t *d;
	size_t dl;
	const uint8_t hash[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	const uint8_t patch[3] = {0xAA, 0xBB, 0xCC};

	pa30w_bits_init(&w);          /* padding count */
	pa30w_put_int(&w, 0xF);       /* FileTypeSet: EXECUTABLES_1 */
	pa30w_put_int(&w, 8);         /* FileType: AMD64 */
	pa30w_put_int(&w, 0x2E63F);   /* Flags */
	pa30w_put_int_k(&w, 1234567, 15); /* TargetSize, with the longest prefix */
	pa30w_put_int(&w, 0x8003);    /* HashAlgId: MD5 */
	pa30w_put_buf(&w, hash, 16);  /* TargetHash */
	pa30w_put_buf(&w, NULL, 0);   /* PreProcess: empty */
	pa30w_put_buf(&w, patch, 3);  /* Patch */
	wrap_header_bits(&w, &d, &dl);
	d[4] = 0x80; /* FILETIME low byte */
	assert_int_equal(sxs_pa30_read_header(d, dl, &h, NULL), 0);
	assert_int_equal(h.file_type_set, 0xF);
	assert_int_equal(h.file_type, 8);
	assert_int_equal(h.flags, 0x2E63F);
	assert_int_equal(h.target_size, 1234567);
	assert_int_equal(h.hash_alg_id, 0x8003);
	assert_int_equal(h.target_hash_len, 16);
	assert_memory_equal(h.target_hash, hash, 16);
	assert_int_equal(h.preprocess_len, 0);
	assert_int_equal(h.patch_len, 3);
	assert_int_equal(h.target_filetime, 0x80);
	assert_int_equal(h.is_pa31, 0);
	/* and apply refuses the PE delta by name */
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "pa30: PE delta (file type 8) not supported");
	sxs_free(d);
}

static void pa30_reads_pa31_header_but_refuses_to_apply(void **state)
{
	(void)state;
	struct pa30w_header h;
	struct sxs_pa30_header got;
	const uint8_t patch[1] = {0};
	uint8_t *d;
	size_t dl;
	pa30w_header_raw(&h, 77);
	h.pa31 = 1;
	h.flags = 0x20000;
	assert_int_equal(pa30w_write_delta(&h, patch, 1, &d, &dl), 0);
	assert_memory_equal(d, "PA31", 4);
	assert_int_equal(sxs_pa30_read_header(d, dl, &got, NULL), 0);
	assert_int_equal(got.is_pa31, 1);
	assert_int_equal(got.target_size, 77);
	assert_int_equal(got.flags, 0x20000);
	assert_int_equal(got.patch_len, 1);
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "PA31");
	sxs_free(d);
}

static void pa30_applies_empty_target(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d, *out;
	size_t dl, olen = 99;
	begin_default_patch(&w);
	finish_delta(&w, NULL, 0, &d, &dl);
	assert_int_equal(sxs_pa30_apply(NULL, 0, d, dl, &out, &olen, NULL), 0);
	assert_int_equal(olen, 0);
	sxs_free(out);
	sxs_free(d);
}

/* ---------------------------------------------------------- hostile */

static void pa30_rejects_every_truncation(void **state)
{
	(void)state;
	const uint8_t src[] = "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\">";
	const uint8_t tgt[] = "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\" name=\"x\">";
	uint8_t *d;
	size_t dl;
	assert_int_equal(pa30w_make_raw_delta(src, sizeof(src), tgt, sizeof(tgt), 0, 0, NULL,
	                                      &d, &dl), 0);
	expect_output(src, sizeof(src), d, dl, tgt, sizeof(tgt));
	for (size_t n = 0; n < dl; n++) {
		uint8_t *copy = sxs_malloc(n); /* exact size, so ASan sees over-reads */
		memcpy(copy, d, n);
		uint8_t *out = NULL;
		size_t olen;
		int err = sxs_pa30_apply(src, sizeof(src), copy, n, &out, &olen, NULL);
		if (err >= 0)
			fail_msg("truncation to %zu bytes decoded", n);
		assert_null(out);
		sxs_free(copy);
	}
	sxs_free(d);
}

static void pa30_rejects_truncated_header(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;
	pa30w_bits_init(&w);      /* padding count */
	pa30w_put_int(&w, 1);     /* FileTypeSet */
	pa30w_put_int(&w, 1);     /* FileType */
	pa30w_put_int(&w, 0);     /* Flags */
	/* ... and the stream ends in TargetSize's value bits */
	pa30w_put(&w, 1u << 2, 3); /* prefix: 2 zeros and a one, 12 value bits follow */
	pa30w_put(&w, 0x5, 3);    /* only 3 of them */
	wrap_header_bits(&w, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_ETRUNC, "target size");
	expect_error(NULL, 0, d, 3, -SXS_ETRUNC, NULL);  /* inside the magic */
	expect_error(NULL, 0, d, 12, -SXS_ETRUNC, NULL); /* magic and FILETIME only */
	sxs_free(d);
}

static void pa30_rejects_bad_magic(void **state)
{
	(void)state;
	const uint8_t pa19[16] = "PA19............";
	const uint8_t junk[16] = "<?xml version=\"1";
	expect_error(NULL, 0, pa19, 16, -SXS_EUNSUPPORTED, "PA19");
	expect_error(NULL, 0, junk, 16, -SXS_EFORMAT, "magic");
}

static void pa30_rejects_bad_padding_count(void **state)
{
	(void)state;
	/* a one-byte patch stream whose padding count (7) leaves no bits */
	struct pa30w_header h;
	const uint8_t patch[1] = {0x07}; /* pad = 7 */
	uint8_t *d;
	size_t dl;
	pa30w_header_raw(&h, 1);
	assert_int_equal(pa30w_write_delta(&h, patch, 1, &d, &dl), 0);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "padding count 7");
	sxs_free(d);

	/* padding that hides the last bits of a valid stream: truncated */
	struct pa30w_bits w;
	uint8_t *p;
	size_t plen;
	begin_default_patch(&w);
	put_main(&w, 'x');         /* literal: 9 bits */
	assert_int_equal(pa30w_bits_finish(&w, &p, &plen), 0);
	assert_int_equal(plen, 2); /* 3 + 2 + 9 = 14 bits: pad 2 */
	assert_int_equal(p[0] & 7, 2);
	p[0] = (uint8_t)((p[0] & ~7u) | 5); /* claim 5 padding bits */
	assert_int_equal(pa30w_write_delta(&h, p, plen, &d, &dl), 0);
	expect_error(NULL, 0, d, dl, -SXS_ETRUNC, "ends early");
	sxs_free(d);
	sxs_free(p);
}

static void pa30_rejects_int_with_16_zero_bits(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;
	pa30w_bits_init(&w);     /* padding count */
	pa30w_put(&w, 0, 16);    /* FileTypeSet: 16 zero bits, no terminating one */
	pa30w_put(&w, 0xFFFF, 16); /* more bits, so it is not a truncation */
	wrap_header_bits(&w, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "16 zero bits");
	sxs_free(d);
}

/* Lengths for a hostile-code test: main code from `main_lens`, others flat. */
static void hostile_code_delta(const uint8_t *main_lens, uint8_t **d, size_t *dl)
{
	uint8_t lens[PA30W_SEGMENT_LENS];
	memcpy(lens, main_lens, PA30W_MAIN_SYMS);
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS, PA30W_LEN_SYMS);
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS + PA30W_LEN_SYMS, PA30W_ALIGNED_SYMS);
	struct pa30w_token tok[] = {LIT('a')};
	uint64_t start = 0;
	struct pa30w_patch_opts o = {0, 1, &start, lens, 0};
	tokens_delta(tok, 1, 0, &o, 1, d, dl);
}

static void pa30_rejects_over_subscribed_code(void **state)
{
	(void)state;
	uint8_t main_lens[PA30W_MAIN_SYMS];
	uint8_t *d;
	size_t dl;
	memset(main_lens, 9, sizeof(main_lens)); /* 600 codes of 9 bits > 512 */
	hostile_code_delta(main_lens, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code is over-subscribed");
	sxs_free(d);
}

static void pa30_rejects_incomplete_code(void **state)
{
	(void)state;
	uint8_t main_lens[PA30W_MAIN_SYMS] = {0};
	uint8_t *d;
	size_t dl;
	main_lens['a'] = 2; /* three 2-bit codes: 3/4 of the code space */
	main_lens['b'] = 2;
	main_lens['c'] = 2;
	hostile_code_delta(main_lens, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code is incomplete");
	sxs_free(d);

	/* a lone symbol is accepted only with length 1: length 2 is incomplete */
	memset(main_lens, 0, sizeof(main_lens));
	main_lens['a'] = 2;
	hostile_code_delta(main_lens, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code is incomplete");
	sxs_free(d);

	/* two 2-bit codes sum to 1/2 like a lone 1-bit code, but are two */
	memset(main_lens, 0, sizeof(main_lens));
	main_lens['a'] = 2;
	main_lens['b'] = 2;
	hostile_code_delta(main_lens, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code is incomplete");
	sxs_free(d);

	/* a 1-bit code beside one 2-bit code: 3/4, incomplete */
	memset(main_lens, 0, sizeof(main_lens));
	main_lens['a'] = 1;
	main_lens['b'] = 2;
	hostile_code_delta(main_lens, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code is incomplete");
	sxs_free(d);

	/* two 1-bit codes and a third symbol: over-subscribed */
	memset(main_lens, 0, sizeof(main_lens));
	main_lens['a'] = 1;
	main_lens['b'] = 1;
	main_lens['c'] = 3;
	hostile_code_delta(main_lens, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code is over-subscribed");
	sxs_free(d);
}

/*
 * Set the first padding bit of a finished bitstream to 1 (appending a byte
 * when there is no padding): the bit a decoder reads next after the last
 * written symbol.
 */
static void append_one_bit(uint8_t **buf, size_t *len)
{
	unsigned pad = (*buf)[0] & 7u;
	if (pad == 0) {
		uint8_t *p = sxs_realloc(*buf, *len + 1);
		assert_non_null(p);
		*buf = p;
		(*buf)[(*len)++] = 0;
		pad = 8;
	}
	size_t bit = *len * 8 - pad;
	(*buf)[bit / 8] |= (uint8_t)(1u << (bit % 8));
	(*buf)[0] = (uint8_t)(((*buf)[0] & ~7u) | ((pad - 1) & 7u));
}

/*
 * Segment lengths with a length code of one used symbol of length 1 (as in
 * the real KB4528069 calc.exe RAW delta, psfx.md §0.5): main and aligned
 * flat, length symbol `sym` alone.
 */
static void lone_length_code(uint8_t *lens, unsigned sym)
{
	pa30w_flat_lengths(lens, PA30W_MAIN_SYMS);
	memset(lens + PA30W_MAIN_SYMS, 0, PA30W_LEN_SYMS);
	lens[PA30W_MAIN_SYMS + sym] = 1;
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS + PA30W_LEN_SYMS, PA30W_ALIGNED_SYMS);
}

static void pa30_accepts_lone_symbol_code_of_length_one(void **state)
{
	(void)state;
	uint8_t lens[PA30W_SEGMENT_LENS];
	const char *src = "0123456789abcdefghijklmnopqrstuvwxyz";
	/* length symbol 5 = match length 13, the only length code: code "0" */
	lone_length_code(lens, 5);
	struct pa30w_token tok[] = {
		LIT('#'),
		MATCH(PA30W_SLOT_SRC14, 1, 13),  /* source[0..13) after the '#' */
		MATCH(PA30W_SLOT_DIST, 13, 13),  /* the same 13 target bytes again */
		LIT('!'),
	};
	uint64_t start = strlen(src);
	struct pa30w_patch_opts o = {0, 1, &start, lens, 0};
	uint8_t *d;
	size_t dl;
	char want[64];
	snprintf(want, sizeof(want), "#%.13s%.13s!", src, src);
	tokens_delta(tok, 4, strlen(src), &o, strlen(want), &d, &dl);
	expect_output((const uint8_t *)src, strlen(src), d, dl, want, strlen(want));

	/* the same stream as a DCM manifest decodes too (issue 14) */
	uint8_t *c = sxs_malloc(4 + dl), *out;
	size_t olen;
	assert_non_null(c);
	memcpy(c, "DCM\x01", 4);
	memcpy(c + 4, d, dl);
	assert_int_equal(sxs_container_decode(c, 4 + dl, (const uint8_t *)src, strlen(src), &out,
	                                      &olen, NULL), 0);
	assert_int_equal(olen, strlen(want));
	assert_memory_equal(out, want, olen);
	sxs_free(out);
	sxs_free(c);
	sxs_free(d);

	/* a lone main symbol of length 1: every literal is the bit 0 */
	memset(lens, 0, sizeof(lens));
	lens['z'] = 1;
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS, PA30W_LEN_SYMS);
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS + PA30W_LEN_SYMS, PA30W_ALIGNED_SYMS);
	struct pa30w_token zz[] = {LIT('z'), LIT('z'), LIT('z')};
	start = 0;
	tokens_delta(zz, 3, 0, &o, 3, &d, &dl);
	expect_output(NULL, 0, d, dl, "zzz", 3);
	sxs_free(d);
}

static void pa30_rejects_unused_half_of_lone_symbol_code(void **state)
{
	(void)state;
	uint8_t lens[PA30W_SEGMENT_LENS];
	struct pa30w_header h;
	uint8_t *patch, *d;
	size_t plen, dl;
	uint64_t start = 4;

	/*
	 * A literal, then a match of slot 3 (no distance bits) with length
	 * slot 0: its length is the last thing in the stream, the lone length
	 * symbol's code "0".  Flipping that last valid bit to "1" reads the
	 * half of the length code that names no symbol.
	 */
	lone_length_code(lens, 5);
	struct pa30w_patch_opts o = {0, 1, &start, lens, 0};
	struct pa30w_token tok[] = {LIT('x'), MATCH(PA30W_SLOT_SRC_SAME, 0, 13)};
	assert_int_equal(pa30w_encode_patch(tok, 2, 4, &o, &patch, &plen), 0);
	size_t last = plen * 8 - (patch[0] & 7u) - 1;
	assert_int_equal((patch[last / 8] >> (last % 8)) & 1u, 0);
	patch[last / 8] |= (uint8_t)(1u << (last % 8));
	pa30w_header_raw(&h, 14);
	assert_int_equal(pa30w_write_delta(&h, patch, plen, &d, &dl), 0);
	expect_error((const uint8_t *)"abcd", 4, d, dl, -SXS_EFORMAT,
	             "length code has no symbol for these bits");
	sxs_free(d);
	sxs_free(patch);

	/* a lone main symbol: the bit after the last literal is 1 */
	memset(lens, 0, sizeof(lens));
	lens['z'] = 1;
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS, PA30W_LEN_SYMS);
	pa30w_flat_lengths(lens + PA30W_MAIN_SYMS + PA30W_LEN_SYMS, PA30W_ALIGNED_SYMS);
	start = 0;
	struct pa30w_token zz[] = {LIT('z'), LIT('z')};
	assert_int_equal(pa30w_encode_patch(zz, 2, 0, &o, &patch, &plen), 0);
	append_one_bit(&patch, &plen);
	pa30w_header_raw(&h, 3);
	assert_int_equal(pa30w_write_delta(&h, patch, plen, &d, &dl), 0);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code has no symbol for these bits");
	sxs_free(d);
	sxs_free(patch);
}

static void pa30_rejects_symbol_from_empty_code(void **state)
{
	(void)state;
	/* all main lengths zero: valid tables, but no symbol can be decoded */
	uint8_t lens[PA30W_SEGMENT_LENS] = {0};
	uint64_t start = 0;
	struct pa30w_patch_opts o = {0, 1, &start, lens, 0};
	uint8_t *d;
	size_t dl;
	tokens_delta(NULL, 0, 0, &o, 5, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "main code has no symbol");
	sxs_free(d);
}

static void pa30_rejects_copy_before_start(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;
	begin_default_patch(&w);
	put_main(&w, 'a');                 /* literal at t = 0 */
	put_main(&w, match_sym(2 + 7, 1)); /* distance 2 at pos 1: address -1 */
	finish_delta(&w, NULL, 3, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT,
	             "pa30: copy before start of buffer at output offset 1");
	/* with a 1-byte source the same copy is fine */
	/* source byte 'z' at address 0, then target byte 'a' at address 1 */
	expect_output((const uint8_t *)"z", 1, d, dl, "aza", 3);
	sxs_free(d);

	/* source-relative slot pointing below the source */
	struct pa30w_token tok[] = {MATCH(PA30W_SLOT_SRC14, 5, 2)}; /* t - 5 < 0 */
	tokens_delta(tok, 1, 4, NULL, 2, &d, &dl);
	expect_error((const uint8_t *)"abcd", 4, d, dl, -SXS_EFORMAT, "before start");
	sxs_free(d);
}

static void pa30_rejects_copy_from_unproduced_output(void **state)
{
	(void)state;
	/* recent distance 0 (the initial value) would copy the current byte */
	struct pa30w_token tok[] = {LIT('a'), MATCH(PA30W_SLOT_LRU0, 0, 2)};
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, 2, 0, NULL, 3, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "not yet produced");
	sxs_free(d);

	/* source-relative copy from ahead of the output position */
	struct pa30w_token tok2[] = {LIT('a'), MATCH(PA30W_SLOT_SRC14, -3, 2)};
	tokens_delta(tok2, 2, 2, NULL, 3, &d, &dl);
	expect_error((const uint8_t *)"xy", 2, d, dl, -SXS_EFORMAT, "not yet produced");
	sxs_free(d);
}

static void pa30_rejects_length_past_target(void **state)
{
	(void)state;
	struct pa30w_token tok[] = {LIT('a'), MATCH(PA30W_SLOT_DIST, 1, 4)};
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, 2, 0, NULL, 4, &d, &dl); /* 1 + 4: one byte too many */
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "runs past the end of the target");
	sxs_free(d);

	/* long-form length with 24 zero bits: >= 2^32, rejected before reading on */
	struct pa30w_bits w;
	begin_default_patch(&w);
	put_main(&w, 'a');                 /* literal */
	put_main(&w, match_sym(1 + 7, 0)); /* distance 1, length from tree */
	put_len(&w, 0);                    /* long form */
	pa30w_put(&w, 0, 24);              /* 24 zero bits */
	pa30w_put(&w, 1, 1);               /* the one */
	pa30w_put(&w, 0, 32);              /* value bits */
	finish_delta(&w, NULL, 100, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "past the end of the target");
	sxs_free(d);
}

static void pa30_rejects_stream_that_ends_early(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;
	begin_default_patch(&w);
	put_main(&w, 'a'); /* one literal, but the header promises 40 bytes */
	finish_delta(&w, NULL, 40, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_ETRUNC, "ends early");
	sxs_free(d);
}

static void pa30_stops_at_end_of_stream_instead_of_decoding_zeros(void **state)
{
	(void)state;
	/*
	 * Main code {'A', 'B'} with 1-bit codes: the all-zero code is a
	 * literal.  No symbols follow, but the header promises 1 GiB.  The
	 * decoder must stop at the first symbol read past the end, not produce
	 * 1 GiB of 'A' from zero bits and notice afterwards.
	 */
	uint8_t lens[PA30W_SEGMENT_LENS] = {0};
	uint64_t start = 0;
	struct pa30w_patch_opts o = {0, 1, &start, lens, 0};
	uint8_t *d;
	size_t dl;
	lens['A'] = 1;
	lens['B'] = 1;
	tokens_delta(NULL, 0, 0, &o, SXS_MAX_PA30_TARGET, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_ETRUNC, "ends early at output offset 1");
	sxs_free(d);
}

static void header_delta(uint64_t set, uint64_t type, uint64_t flags, uint64_t size,
                         uint64_t alg, size_t hash_len, size_t pre_len, uint8_t **d,
                         size_t *dl)
{
	struct pa30w_header h;
	static const uint8_t zeros[64];
	struct pa30w_bits w;
	uint8_t *patch;
	size_t plen;
	begin_default_patch(&w);
	assert_int_equal(pa30w_bits_finish(&w, &patch, &plen), 0);
	pa30w_header_raw(&h, size);
	h.file_type_set = set;
	h.file_type = type;
	h.flags = flags;
	h.hash_alg_id = alg;
	h.hash = zeros;
	h.hash_len = hash_len;
	h.preprocess = zeros;
	h.preprocess_len = pre_len;
	assert_int_equal(pa30w_write_delta(&h, patch, plen, d, dl), 0);
	sxs_free(patch);
}

static void pa30_rejects_unknown_flags(void **state)
{
	(void)state;
	uint8_t *d;
	size_t dl;
	header_delta(1, 1, 0x2000000, 0, 0, 0, 0, &d, &dl); /* beyond msdelta.h */
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "unknown flag bits 0x2000000");
	sxs_free(d);
	header_delta(1, 1, 0xA060000, 0, 0, 0, 0, &d, &dl); /* SXSEXP issue #6 value */
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "unknown flag bits");
	sxs_free(d);
	header_delta(1, 1, 0x100, 0, 0, 0, 0, &d, &dl); /* known, not for RAW */
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "flags 0x100 not supported");
	sxs_free(d);
	/* the accepted ones */
	header_delta(1, 1, 0x60001, 0, 0, 0, 0, &d, &dl);
	expect_output(NULL, 0, d, dl, "", 0);
	sxs_free(d);
}

static void pa30_rejects_pe_file_type(void **state)
{
	(void)state;
	uint8_t *d;
	size_t dl;
	header_delta(0xF, 8, 0xE63E, 10, 0, 0, 0, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "pa30: PE delta (file type 8) not supported");
	sxs_free(d);
	header_delta(0xF5, 0x100, 0, 10, 0, 0, 0, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "file type 0x100 not supported");
	sxs_free(d);
	header_delta(0xF0, 1, 0, 10, 0, 0, 0, &d, &dl); /* RAW not in the set */
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "not in file type set");
	sxs_free(d);
}

static void pa30_rejects_huge_target_size_before_allocating(void **state)
{
	(void)state;
	uint8_t *d;
	size_t dl;
	header_delta(1, 1, 0, SXS_MAX_PA30_TARGET + 1, 0, 0, 0, &d, &dl);
	sxs_alloc_fail_after(0); /* an allocation attempt would turn into ENOMEM */
	expect_error(NULL, 0, d, dl, -SXS_ELIMIT, "exceeds the limit");
	sxs_alloc_fail_after(-1);
	sxs_free(d);
	header_delta(1, 1, 0, UINT64_MAX, 0, 0, 0, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_ELIMIT, "exceeds the limit");
	sxs_free(d);
}

static void pa30_rejects_truncated_rift_table(void **state)
{
	(void)state;
	/* a "rift table present" bit and nothing after it */
	struct pa30w_token tok[] = {LIT('a')};
	struct pa30w_patch_opts o = {1, 0, NULL, NULL, 1};
	uint8_t *d;
	size_t dl;
	tokens_delta(tok, 1, 0, &o, 1, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_ETRUNC, "patch intformat");
	sxs_free(d);
}

static void pa30_rejects_bad_hash_fields(void **state)
{
	(void)state;
	uint8_t *d;
	size_t dl;
	header_delta(1, 1, 0, 0, SXS_PA30_HASH_SHA256, 20, 0, &d, &dl); /* 20 != 32 */
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "sha256 target hash of 20 bytes");
	sxs_free(d);
	header_delta(1, 1, 0, 0, 0x800D, 48, 0, &d, &dl); /* SHA-384: unsupported */
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "target hash of 48 bytes");
	sxs_free(d);
	header_delta(1, 1, 0, 0, 0x800D, 0, 0, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "hash algorithm 0x800d");
	sxs_free(d);
	header_delta(1, 1, 0, 0, 0, 0, 5, &d, &dl); /* PreProcess data in RAW */
	expect_error(NULL, 0, d, dl, -SXS_EUNSUPPORTED, "preprocess");
	sxs_free(d);
}

static void pa30_rejects_bad_code_length_runs(void **state)
{
	(void)state;
	struct pa30w_bits w;
	uint8_t *d;
	size_t dl;
	pa30w_bits_init(&w);     /* padding count */
	pa30w_put(&w, 0, 1);     /* no rift table */
	pa30w_put(&w, 0, 1);     /* explicit tables */
	pa30w_put_int(&w, 1);    /* one segment */
	pa30w_put_int(&w, 0);    /* starting at 0 */
	/* pre-tree: symbols 23 (repeat once) and 0 get 1-bit codes */
	for (unsigned i = 0; i < PA30W_PRETREE_SYMS; i++)
		pa30w_put(&w, i == 0 || i == 23 ? 1 : 0, 4);
	/* equal lengths get codes in symbol order: symbol 0 -> 0, symbol 23 -> 1 */
	pa30w_put_code(&w, 1, 1); /* symbol 23 first: repeat with no previous length */
	finish_delta(&w, NULL, 1, &d, &dl);
	expect_error(NULL, 0, d, dl, -SXS_EFORMAT, "no previous length");
	sxs_free(d);
}

static void pa30_fails_cleanly_when_allocation_fails(void **state)
{
	(void)state;
	const uint8_t src[] = "0123456789abcdef0123456789abcdef";
	const uint8_t tgt[] = "0123456789ABCDEF0123456789abcdef!";
	uint8_t *d;
	size_t dl;
	struct pa30w_compress_opts o = {0, 10, 8, 0}; /* several segments */
	assert_int_equal(pa30w_make_raw_delta(src, sizeof(src), tgt, sizeof(tgt), 0,
	                                      SXS_PA30_HASH_MD5, &o, &d, &dl), 0);
	for (long n = 0;; n++) {
		uint8_t *out = NULL;
		size_t olen;
		sxs_alloc_fail_after(n);
		int err = sxs_pa30_apply(src, sizeof(src), d, dl, &out, &olen, NULL);
		sxs_alloc_fail_after(-1);
		if (err == 0) {
			assert_memory_equal(out, tgt, sizeof(tgt));
			sxs_free(out);
			assert_true(n > 2); /* several allocations were exercised */
			break;
		}
		assert_int_equal(err, -SXS_ENOMEM);
		assert_null(out);
	}
	sxs_free(d);
}

/* ---------------------------------------------------- property tests */

static void pa30_round_trips_random_data(void **state)
{
	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		size_t rlen = rnd() % 3 == 0 ? 0 : rnd() % 5000;
		size_t tlen = rnd() % 6000;
		uint8_t *ref = random_bytes(rlen ? rlen : 1), *tgt = sxs_malloc(tlen ? tlen : 1);
		unsigned alphabet = 1 + rnd() % 255;
		/* target: pieces of the reference, runs, copies of itself, noise */
		for (size_t i = 0; i < tlen;) {
			size_t n = 1 + rnd() % 300;
			if (n > tlen - i)
				n = tlen - i;
			switch (rnd() % 4) {
			case 0:
				if (rlen) {
					size_t from = rnd() % rlen;
					if (n > rlen - from)
						n = rlen - from;
					memcpy(tgt + i, ref + from, n);
					break;
				}
				/* fall through */
			case 1:
				memset(tgt + i, (int)(rnd() % alphabet), n);
				break;
			case 2:
				if (i) {
					size_t from = rnd() % i;
					for (size_t k = 0; k < n; k++)
						tgt[i + k] = tgt[from + k];
					break;
				}
				/* fall through */
			default:
				for (size_t k = 0; k < n; k++)
					tgt[i + k] = (uint8_t)(rnd() % alphabet);
			}
			i += n;
		}
		struct pa30w_compress_opts o = {(int)(rnd() % 4 == 0), rnd() % 3 ? 0 : 200 + rnd() % 2000,
		                                1 + rnd() % 64, (int)(rnd() % 2)};
		static const uint64_t algs[] = {0, SXS_PA30_HASH_MD5, SXS_PA30_HASH_SHA1,
		                                SXS_PA30_HASH_SHA256};
		uint64_t flags = (rnd() % 4 == 0 ? SXS_PA30_FLAG_E8 : 0) | 0x20000;
		uint8_t *d, *out;
		size_t dl, olen;
		struct sxs_diag diag = {{0}};
		assert_int_equal(pa30w_make_raw_delta(ref, rlen, tgt, tlen, flags, algs[rnd() % 4],
		                                      &o, &d, &dl), 0);
		int err = sxs_pa30_apply(rlen ? ref : NULL, rlen, d, dl, &out, &olen, &diag);
		if (err)
			fail_msg("iteration %d: %s", iter, sxs_diag_msg(&diag, err));
		assert_int_equal(olen, tlen);
		assert_memory_equal(out, tgt, tlen);
		sxs_free(out);
		sxs_free(d);
		sxs_free(ref);
		sxs_free(tgt);
	}
}

static void pa30_random_corruption_never_crashes(void **state)
{
	(void)state;
	/* Flip random bits of valid deltas; apply must return (any result). */
	const size_t n = 3000;
	uint8_t *src = random_bytes(n), *tgt = sxs_malloc(n), *d;
	size_t dl;
	for (size_t i = 0; i < n; i++)
		tgt[i] = (i % 97 < 50) ? src[(i * 7) % n] : (uint8_t)(i % 13);
	struct pa30w_compress_opts o = {0, 700, 16, 1};
	assert_int_equal(pa30w_make_raw_delta(src, n, tgt, n, 0, 0, &o, &d, &dl), 0);
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t *copy = sxs_malloc(dl), *out = NULL;
		size_t olen;
		memcpy(copy, d, dl);
		for (unsigned k = 1 + rnd() % 3; k; k--) {
			size_t bit = 12 * 8 + rnd() % ((dl - 12) * 8);
			copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		if (sxs_pa30_apply(src, n, copy, dl, &out, &olen, NULL) == 0) {
			assert_non_null(out);
			sxs_free(out);
		}
		sxs_free(copy);
	}
	sxs_free(d);
	sxs_free(src);
	sxs_free(tgt);
}

/* ------------------------------------------------- containers, psfx */

static void container_detects_every_magic(void **state)
{
	(void)state;
	static const struct {
		const char *magic;
		enum sxs_container type;
		const char *name;
	} cases[] = {
		{"DCM\x01", SXS_CONTAINER_DCM, "DCM"}, {"DCN\x01", SXS_CONTAINER_DCN, "DCN"},
		{"DCD\x01", SXS_CONTAINER_DCD, "DCD"}, {"DCS\x01", SXS_CONTAINER_DCS, "DCS"},
		{"DCH\x01", SXS_CONTAINER_DCH, "DCH"}, {"DCX\x01", SXS_CONTAINER_DCX, "DCX"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sxs_container_detect((const uint8_t *)cases[i].magic, 4),
		                 cases[i].type);
		assert_string_equal(sxs_container_name(cases[i].type), cases[i].name);
	}
	assert_int_equal(sxs_container_detect((const uint8_t *)"DCM\x02", 4), SXS_CONTAINER_NONE);
	assert_int_equal(sxs_container_detect((const uint8_t *)"DCM", 3), SXS_CONTAINER_NONE);
	assert_int_equal(sxs_container_detect((const uint8_t *)"<?xml", 5), SXS_CONTAINER_NONE);
	assert_string_equal(sxs_container_name(SXS_CONTAINER_NONE), "none");
}

static void container_decodes_dcm_and_dcn(void **state)
{
	(void)state;
	const char *base = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	                   "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\" "
	                   "manifestVersion=\"1.0\"><assemblyIdentity name=\"\"/></assembly>";
	const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	                  "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\" "
	                  "manifestVersion=\"1.0\"><assemblyIdentity name=\"Demo\" "
	                  "version=\"10.0.1.1\"/></assembly>";
	uint8_t *c, *out;
	size_t cl, olen;
	struct sxs_diag diag = {{0}};

	assert_int_equal(pa30w_make_dcm((const uint8_t *)base, strlen(base), (const uint8_t *)xml,
	                                strlen(xml), &c, &cl), 0);
	assert_int_equal(sxs_container_detect(c, cl), SXS_CONTAINER_DCM);
	assert_true(cl < strlen(xml)); /* it compressed against the base */
	assert_int_equal(sxs_container_decode(c, cl, (const uint8_t *)base, strlen(base), &out,
	                                      &olen, NULL), 0);
	assert_int_equal(olen, strlen(xml));
	assert_memory_equal(out, xml, olen);
	sxs_free(out);
	assert_int_equal(sxs_container_decode(c, cl, NULL, 0, &out, &olen, &diag), -SXS_EINVAL);
	assert_string_equal(diag.msg, "dcm: base manifest required");
	/* the PA30 inside is byte-compatible with real DCMs: FILETIME, flags */
	struct sxs_pa30_header h;
	assert_int_equal(sxs_pa30_read_header(c + 4, cl - 4, &h, NULL), 0);
	assert_int_equal(h.target_filetime, 0x019DB1DED5D71680ull);
	assert_int_equal(h.flags, 0x20000);
	assert_int_equal(h.hash_alg_id, 0);
	sxs_free(c);

	assert_int_equal(pa30w_make_dcn((const uint8_t *)xml, strlen(xml), SXS_PA30_HASH_SHA256,
	                                &c, &cl), 0);
	assert_int_equal(sxs_container_detect(c, cl), SXS_CONTAINER_DCN);
	assert_int_equal(sxs_container_decode(c, cl, (const uint8_t *)"ignored", 7, &out, &olen,
	                                      NULL), 0);
	assert_memory_equal(out, xml, strlen(xml));
	sxs_free(out);
	sxs_free(c);
}

static void container_refuses_unsupported_types(void **state)
{
	(void)state;
	static const char *const magics[] = {"DCD\x01", "DCS\x01", "DCH\x01", "DCX\x01"};
	static const char *const prefixes[] = {"dcd: ", "dcs: ", "dch: ", "dcx: "};
	for (size_t i = 0; i < 4; i++) {
		uint8_t buf[16] = {0};
		uint8_t *out = NULL;
		size_t olen;
		struct sxs_diag diag = {{0}};
		memcpy(buf, magics[i], 4);
		assert_int_equal(sxs_container_decode(buf, sizeof(buf), NULL, 0, &out, &olen, &diag),
		                 -SXS_EUNSUPPORTED);
		assert_null(out);
		assert_memory_equal(diag.msg, prefixes[i], 5); /* says which container */
	}
	uint8_t *out = NULL;
	size_t olen;
	assert_int_equal(sxs_container_decode((const uint8_t *)"<?xml", 5, NULL, 0, &out, &olen,
	                                      NULL), -SXS_EFORMAT);
}

static void psfx_checks_crc_and_header(void **state)
{
	(void)state;
	const uint8_t tgt[] = "psfx payload";
	uint8_t *d, *file;
	size_t dl;
	struct sxs_pa30_header h;
	struct sxs_diag diag = {{0}};
	assert_int_equal(pa30w_make_raw_delta(NULL, 0, tgt, sizeof(tgt), 0, SXS_PA30_HASH_SHA256,
	                                      NULL, &d, &dl), 0);
	file = sxs_malloc(dl + 4);
	memcpy(file + 4, d, dl);
	uint32_t crc = sxs_crc32(0, d, dl);
	for (int i = 0; i < 4; i++)
		file[i] = (uint8_t)(crc >> (8 * i));
	assert_int_equal(sxs_psfx_check(file, dl + 4, &h, NULL), 0);
	assert_int_equal(h.target_size, sizeof(tgt));
	assert_int_equal(h.hash_alg_id, SXS_PA30_HASH_SHA256);
	file[dl + 3] ^= 0x40; /* corrupt the last byte */
	assert_int_equal(sxs_psfx_check(file, dl + 4, &h, &diag), -SXS_EHASH);
	assert_non_null(strstr(diag.msg, "psfx: crc32 mismatch"));
	assert_int_equal(sxs_psfx_check(file, 3, &h, NULL), -SXS_ETRUNC);
	sxs_free(file);
	sxs_free(d);
}

/* ------------------------------------------------------- regressions */

static void pa30_regression_inputs_fail_cleanly(void **state)
{
	(void)state;
	/* testdata/regress/pa30/<what broke>.pa30: each must be rejected */
	DIR *dir = opendir(regress_dir);
	struct dirent *de;
	const uint8_t src[16] = "0123456789abcdef";
	int count = 0;
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[4096];
		uint8_t *data, *out = NULL;
		size_t len, olen;
		size_t nl = strlen(de->d_name);
		if (nl < 5 || strcmp(de->d_name + nl - 5, ".pa30") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", regress_dir, de->d_name);
		assert_int_equal(pa30t_read_file(path, &data, &len), 0);
		if (sxs_pa30_apply(NULL, 0, data, len, &out, &olen, NULL) >= 0)
			fail_msg("%s decoded against an empty source", de->d_name);
		if (sxs_pa30_apply(src, sizeof(src), data, len, &out, &olen, NULL) >= 0)
			fail_msg("%s decoded against a 16-byte source", de->d_name);
		sxs_free(data);
		count++;
	}
	closedir(dir);
	assert_true(count > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pa30_decodes_literals_with_default_tables),
		cmocka_unit_test(pa30_decodes_overlapping_match),
		cmocka_unit_test(pa30_decodes_long_distance_with_aligned_bits),
		cmocka_unit_test(pa30_decodes_extended_slot_and_long_length),
		cmocka_unit_test(pa30_decodes_source_relative_slots),
		cmocka_unit_test(pa30_decodes_positive_source_relative_deltas),
		cmocka_unit_test(pa30_decodes_every_distance_class),
		cmocka_unit_test(pa30_source_relative_slot_reaches_into_target),
		cmocka_unit_test(pa30_decodes_recent_distance_slots),
		cmocka_unit_test(pa30_decodes_copy_spanning_source_and_target),
		cmocka_unit_test(pa30_decodes_all_length_forms),
		cmocka_unit_test(pa30_decodes_multi_segment_tables),
		cmocka_unit_test(pa30_decodes_segments_from_compressor),
		cmocka_unit_test(pa30_undoes_e8_translation),
		cmocka_unit_test(pa30_e8_round_trips_through_writer),
		cmocka_unit_test(pa30_verifies_each_hash_algorithm),
		cmocka_unit_test(pa30_rejects_wrong_target_hash),
		cmocka_unit_test(pa30_reads_header_fields),
		cmocka_unit_test(pa30_reads_pa31_header_but_refuses_to_apply),
		cmocka_unit_test(pa30_applies_empty_target),
		cmocka_unit_test(pa30_rejects_every_truncation),
		cmocka_unit_test(pa30_rejects_truncated_header),
		cmocka_unit_test(pa30_rejects_bad_magic),
		cmocka_unit_test(pa30_rejects_bad_padding_count),
		cmocka_unit_test(pa30_rejects_int_with_16_zero_bits),
		cmocka_unit_test(pa30_rejects_over_subscribed_code),
		cmocka_unit_test(pa30_rejects_incomplete_code),
		cmocka_unit_test(pa30_accepts_lone_symbol_code_of_length_one),
		cmocka_unit_test(pa30_rejects_unused_half_of_lone_symbol_code),
		cmocka_unit_test(pa30_rejects_symbol_from_empty_code),
		cmocka_unit_test(pa30_rejects_copy_before_start),
		cmocka_unit_test(pa30_rejects_copy_from_unproduced_output),
		cmocka_unit_test(pa30_rejects_length_past_target),
		cmocka_unit_test(pa30_rejects_stream_that_ends_early),
		cmocka_unit_test(pa30_stops_at_end_of_stream_instead_of_decoding_zeros),
		cmocka_unit_test(pa30_rejects_unknown_flags),
		cmocka_unit_test(pa30_rejects_pe_file_type),
		cmocka_unit_test(pa30_rejects_huge_target_size_before_allocating),
		cmocka_unit_test(pa30_rejects_truncated_rift_table),
		cmocka_unit_test(pa30_rejects_bad_hash_fields),
		cmocka_unit_test(pa30_rejects_bad_code_length_runs),
		cmocka_unit_test(pa30_fails_cleanly_when_allocation_fails),
		cmocka_unit_test(pa30_round_trips_random_data),
		cmocka_unit_test(pa30_random_corruption_never_crashes),
		cmocka_unit_test(container_detects_every_magic),
		cmocka_unit_test(container_decodes_dcm_and_dcn),
		cmocka_unit_test(container_refuses_unsupported_types),
		cmocka_unit_test(psfx_checks_crc_and_header),
		cmocka_unit_test(pa30_regression_inputs_fail_cleanly),
	};
	if (argc < 2) {
		fprintf(stderr, "usage: %s REGRESS_DIR\n", argv[0]);
		return 2;
	}
	regress_dir = argv[1];
	init_default_codes();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
