/* SPDX-License-Identifier: MIT */
/*
 * The Patch bitstream of a RAW PA30 delta (formats.md §4.5-4.7):
 *
 *   pad3 | rift table | CompositeFormat | LZ symbols
 *
 * LZ coordinates are "virtual": the reference occupies [0, R) and the
 * target [R, R + T).  A match copies from a virtual address below the
 * current position, so it may read the reference, the target produced so
 * far, or both.
 */
#include "pa30/lz.h"

#include <stdbool.h>
#include <string.h>

#include "pa30/bits.h"
#include "pa30/huffman.h"
#include "pa30/pa30.h"
#include "pa30/pe/riftmap.h"
#include "pa30/rift.h"
#include "util/alloc.h"

/* Primary table bits per alphabet (longer codes use second-level tables). */
#define MAIN_TABLEBITS 10
#define LEN_TABLEBITS 9
#define ALIGNED_TABLEBITS 7
#define PRETREE_TABLEBITS 7
#define PRETREE_MAX_LEN 15

/* Position slots 0-2: raw bit counts of the source-relative delta. */
#define SLOT_SOURCE_SAME 3 /* copy from the rift-mapped position itself */
#define SLOT_LRU_FIRST 4   /* slots 4-6: recent distances */
#define SLOT_EXTENDED 7    /* slot 7: extended distance class */

/* The code lengths of every table segment, read before decoding starts. */
struct segments {
	size_t count;
	uint64_t *start; /* virtual position from which each segment applies */
	uint8_t *lens;   /* count * PA30_SEGMENT_LENS */
};

struct tables {
	struct pa30_huff main, len, aligned;
};

/* Flat lengths of a complete code over n symbols (formats.md §4.6). */
static void flat_lengths(uint8_t *lens, unsigned n)
{
	unsigned bits = 0;
	while ((1u << bits) < n)
		bits++;
	unsigned nshort = (1u << bits) - n;
	for (unsigned i = 0; i < n; i++)
		lens[i] = (uint8_t)(i < nshort ? bits - 1 : bits);
}

static void segments_release(struct segments *s)
{
	sxs_free(s->start);
	sxs_free(s->lens);
	s->start = NULL;
	s->lens = NULL;
	s->count = 0;
}

static int segments_alloc(struct segments *s, size_t count, struct sxs_diag *diag)
{
	s->count = count;
	s->start = sxs_calloc(count, sizeof(*s->start));
	s->lens = sxs_calloc(count, PA30_SEGMENT_LENS);
	if (!s->start || !s->lens) {
		segments_release(s);
		return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory");
	}
	return 0;
}

/* Check the three codes of one segment without building them. */
static int check_segment(const uint8_t *lens, struct sxs_diag *diag)
{
	int err = pa30_huff_check(lens, PA30_MAIN_SYMS, PA30_MAX_CODE_LEN, diag, "main");
	if (!err)
		err = pa30_huff_check(lens + PA30_MAIN_SYMS, PA30_LEN_SYMS, PA30_MAX_CODE_LEN,
		                      diag, "length");
	if (!err)
		err = pa30_huff_check(lens + PA30_MAIN_SYMS + PA30_LEN_SYMS, PA30_ALIGNED_SYMS,
		                      PA30_MAX_CODE_LEN, diag, "aligned");
	return err;
}

/*
 * Read one segment's lengths, coded with the pre-tree relative to prev.
 * Works on local copies of the reader and the pre-tree: stores to cur (a
 * uint8_t pointer) may alias anything in memory, so with *bp the compiler
 * would store and reload the bit buffer around every length written.
 */
static int read_segment_lengths(struct pa30_bits *bp, const struct pa30_huff *pretree,
                                const uint8_t *prev, uint8_t *cur, struct sxs_diag *diag)
{
	struct pa30_bits b = *bp;
	const struct pa30_huff pt = *pretree;
	size_t i = 0;
	int err = 0;

	while (i < PA30_SEGMENT_LENS) {
		pa30_bits_refill(&b);
		int sym = pa30_huff_decode(&pt, &b);
		if (sym < 0) {
			err = sxs_diag_set(diag, SXS_EFORMAT, "pa30: pre-tree code has no symbol for these bits");
			goto out;
		}
		if (sym <= 16) {
			/* 0-16: the length itself */
			cur[i++] = (uint8_t)sym;
		} else if (sym <= 19) {
			/* 17-19: previous segment's length plus 1-3 */
			unsigned v = prev[i] + (unsigned)(sym - 16);
			if (v > PA30_MAX_CODE_LEN) {
				err = sxs_diag_set(diag, SXS_EFORMAT, "pa30: code length %u exceeds %d",
				                   v, PA30_MAX_CODE_LEN);
				goto out;
			}
			cur[i++] = (uint8_t)v;
		} else if (sym <= 22) {
			/* 20-22: previous segment's length minus 1-3 */
			unsigned d = (unsigned)(sym - 19);
			if (prev[i] < d) {
				err = sxs_diag_set(diag, SXS_EFORMAT, "pa30: negative code length");
				goto out;
			}
			cur[i] = (uint8_t)(prev[i] - d);
			i++;
		} else {
			/* 23-30: repeat the last length; 31-38: copy the previous segment's */
			unsigned c = (unsigned)(sym - 23) & 7u;
			size_t run = c < 3 ? c + 1 : ((size_t)1 << (c - 1)) | pa30_bits_read(&b, c - 1);
			if (run > PA30_SEGMENT_LENS - i) {
				err = sxs_diag_set(diag, SXS_EFORMAT,
				                   "pa30: code length run past the end of the table");
				goto out;
			}
			if (sym <= 30) {
				if (i == 0) {
					err = sxs_diag_set(diag, SXS_EFORMAT,
					                   "pa30: code length repeat with no previous length");
					goto out;
				}
				memset(cur + i, cur[i - 1], run);
			} else {
				memcpy(cur + i, prev + i, run);
			}
			i += run;
		}
	}
	if (pa30_bits_overrun(&b))
		err = sxs_diag_set(diag, SXS_ETRUNC, "pa30: patch bitstream ends in the code lengths");
out:
	*bp = b;
	return err;
}

/* CompositeFormat with use_default = 0: segment starts, pre-tree, lengths. */
static int read_composite(struct pa30_bits *b, struct segments *segs, struct sxs_diag *diag)
{
	static const uint8_t zeros[PA30_SEGMENT_LENS];
	uint8_t pretree_lens[PA30_PRETREE_SYMS];
	struct pa30_huff pretree;
	uint64_t count, pos = 0;
	int err;

	pa30_huff_init(&pretree);
	err = pa30_bits_read_int(b, &count, diag, "segment count");
	if (err)
		goto out;
	if (count == 0) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "pa30: zero huffman table segments");
		goto out;
	}
	if (count > SXS_MAX_PA30_SEGMENTS) {
		err = sxs_diag_set(diag, SXS_ELIMIT, "pa30: %llu huffman table segments (limit %d)",
		                   (unsigned long long)count, SXS_MAX_PA30_SEGMENTS);
		goto out;
	}
	err = segments_alloc(segs, (size_t)count, diag);
	if (err)
		goto out;
	for (size_t s = 0; s < segs->count; s++) {
		uint64_t delta;
		err = pa30_bits_read_int(b, &delta, diag, "segment start");
		if (err)
			goto out;
		if (__builtin_add_overflow(pos, delta, &pos)) {
			err = sxs_diag_set(diag, SXS_EFORMAT, "pa30: segment start overflows");
			goto out;
		}
		segs->start[s] = pos;
	}
	for (size_t i = 0; i < PA30_PRETREE_SYMS; i++)
		pretree_lens[i] = (uint8_t)pa30_bits_read(b, 4);
	if (pa30_bits_overrun(b)) {
		err = sxs_diag_set(diag, SXS_ETRUNC, "pa30: patch bitstream ends in the pre-tree");
		goto out;
	}
	err = pa30_huff_build(&pretree, pretree_lens, PA30_PRETREE_SYMS, PRETREE_MAX_LEN,
	                      PRETREE_TABLEBITS, diag, "pre-tree");
	if (err)
		goto out;
	for (size_t s = 0; s < segs->count; s++) {
		const uint8_t *prev = s ? segs->lens + (s - 1) * PA30_SEGMENT_LENS : zeros;
		uint8_t *cur = segs->lens + s * PA30_SEGMENT_LENS;
		err = read_segment_lengths(b, &pretree, prev, cur, diag);
		if (!err)
			err = check_segment(cur, diag);
		if (err)
			goto out;
	}
out:
	pa30_huff_release(&pretree);
	return err;
}

static int build_tables(struct tables *t, const uint8_t *lens, struct sxs_diag *diag)
{
	int err = pa30_huff_build(&t->main, lens, PA30_MAIN_SYMS, PA30_MAX_CODE_LEN,
	                          MAIN_TABLEBITS, diag, "main");
	if (!err)
		err = pa30_huff_build(&t->len, lens + PA30_MAIN_SYMS, PA30_LEN_SYMS,
		                      PA30_MAX_CODE_LEN, LEN_TABLEBITS, diag, "length");
	if (!err)
		err = pa30_huff_build(&t->aligned, lens + PA30_MAIN_SYMS + PA30_LEN_SYMS,
		                      PA30_ALIGNED_SYMS, PA30_MAX_CODE_LEN, ALIGNED_TABLEBITS,
		                      diag, "aligned");
	return err;
}

/*
 * The output buffer grows with the output (doubling, capped at the target
 * size) so that a tiny hostile delta declaring a huge target costs no
 * memory; it starts at a size most real deltas never leave.
 */
#define OUT_INITIAL_CAP ((size_t)64 << 10)
#define OUT_INITIAL_RATIO 16 /* initial capacity: this many times the patch */

static int grow_output(uint8_t **out, size_t *cap, size_t need, size_t out_len,
                       struct sxs_diag *diag)
{
	size_t new_cap = *cap;
	uint8_t *p;

	while (new_cap < need)
		new_cap = new_cap > out_len / 2 ? out_len : 2 * new_cap;
	p = sxs_realloc(*out, new_cap);
	if (!p)
		return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for %zu bytes", new_cap);
	*out = p;
	*cap = new_cap;
	return 0;
}

/* The error to report when decoding failed at output offset t. */
static int decode_error(bool overrun, struct sxs_diag *diag, int err, const char *what,
                        size_t t)
{
	/* zeros past the end may have caused the failure: report that instead */
	if (overrun)
		return sxs_diag_set(diag, SXS_ETRUNC,
		                    "pa30: patch bitstream ends early at output offset %zu", t);
	return sxs_diag_set(diag, err, "pa30: %s at output offset %zu", what, t);
}

/* Distance of a long match (position slots 7-42) per formats.md §4.7. */
static inline int read_long_distance(struct pa30_bits *b, const struct pa30_huff *aligned,
                                     unsigned slot, uint64_t *dist_ret)
{
	unsigned x;

	if (slot == SLOT_EXTENDED) {
		if (pa30_bits_read(b, 1) == 0)
			x = 36 + pa30_bits_read(b, 2);
		else if (pa30_bits_read(b, 1) == 0)
			x = 40 + pa30_bits_read(b, 3);
		else
			x = 48 + pa30_bits_read(b, 4);
	} else {
		x = slot - SLOT_EXTENDED;
	}
	if (x <= 3) {
		*dist_ret = x;
		return 0;
	}
	uint64_t hi = 2u | (x & 1u);
	unsigned n = (x >> 1) - 1;
	if (n < 4) {
		*dist_ret = (hi << n) | pa30_bits_read(b, n);
		return 0;
	}
	uint64_t v = (hi << (n - 4)) | pa30_bits_read(b, n - 4);
	pa30_bits_refill(b);
	int a = pa30_huff_decode(aligned, b);
	if (a < 0)
		return -1;
	*dist_ret = (v << 4) | (unsigned)a;
	return 0;
}

/*
 * After a literal, decode the literals that follow in a tight loop, as long
 * as none of the main loop's checks could fire: the output stays below end
 * (buffer capacity and the next segment's start; capacity <= target size),
 * and at least 8 input bytes remain after every refill, so no bit past the
 * end of the stream is consumed (overrun is impossible).  The decoded bits
 * do not depend on when the reader refills.  Stops at the first symbol that
 * is not a literal coded in the primary table and leaves it for the main
 * loop, which decodes it again with all its checks.
 */
static size_t decode_literals(const struct pa30_huff *h, struct pa30_bits *b, uint8_t *out,
                              size_t t, size_t end)
{
	while (t < end) {
		uint32_t e;

		if (b->avail < PA30_MAX_CODE_LEN) {
			if ((size_t)(b->end - b->next) < 16)
				break;
			pa30_bits_refill(b);
		}
		e = h->table[pa30_bits_peek(b, h->tablebits)];
		/* a leaf (no subtable flag, non-zero length) of a symbol < 256 */
		if (e >= (256u << 8) || (e & PA30_HUFF_SUBTABLE) || (e & 31u) == 0)
			break;
		pa30_bits_skip(b, e & 31u);
		out[t++] = (uint8_t)(e >> 8);
	}
	return t;
}

/*
 * Copy n bytes from src to dst in 8-byte chunks, rounding n up to a
 * multiple of 8: the caller guarantees that much room after dst and after
 * src, and that src + 8 <= dst when src is below dst in the same buffer
 * (an LZ copy with distance >= 8), so every chunk reads bytes that are
 * final, which gives the byte-by-byte result of an overlapping LZ copy.
 */
static inline void copy_chunks(uint8_t *dst, const uint8_t *src, size_t n)
{
	uint8_t *end = dst + n;

	do {
		uint64_t v;
		memcpy(&v, src, sizeof(v));
		memcpy(dst, &v, sizeof(v));
		dst += 8;
		src += 8;
	} while (dst < end);
}

#define CHUNK_SLACK 7 /* bytes copy_chunks may write or read past n */

/*
 * One LZ copy of n bytes to out[t..] (within cap) from virtual position
 * R + t - dist, 0 < dist <= R + t: from the reference, then (a copy that
 * crosses the end of the reference, or one that starts past it) from the
 * target produced so far, overlapping like a byte-by-byte copy.
 */
static inline void lz_copy(uint8_t *out, size_t cap, size_t t, const uint8_t *ref, uint64_t R,
                           size_t dist, size_t n)
{
	uint64_t src = R + t - (uint64_t)dist;

	if (src < R) {
		/* from the reference; the rest continues at target offset 0 */
		size_t k = (size_t)(R - src) < n ? (size_t)(R - src) : n;
		if ((size_t)(R - src) - k >= CHUNK_SLACK && cap - t - k >= CHUNK_SLACK)
			copy_chunks(out + t, ref + src, k);
		else
			memcpy(out + t, ref + src, k);
		t += k;
		n -= k;
	}
	/* from the target produced so far: out[t - dist], may overlap */
	if (n == 0) {
		return;
	} else if (dist >= 8 && cap - t - n >= CHUNK_SLACK) {
		copy_chunks(out + t, out + t - dist, n);
	} else if (dist >= n) {
		memcpy(out + t, out + t - dist, n);
	} else if (dist == 1) {
		memset(out + t, out[t - 1], n);
	} else {
		for (size_t i = 0; i < n; i++)
			out[t + i] = out[t + i - dist];
	}
}

/*
 * The offset table of a patch with rift tables (psfx.md §5.6): the patch's
 * own rift, the caller's and (R, 0), stable-sorted by position; at a target
 * position p the offset of the last entry at or below p applies.  Target
 * positions only grow, so a cursor finds it.
 */
struct offsets {
	int64_t *pos, *off;
	size_t n, cur;
};

static void offsets_release(struct offsets *o)
{
	sxs_free(o->pos);
	sxs_free(o->off);
	o->pos = o->off = NULL;
	o->n = 0;
}

static int offsets_build(struct offsets *o, const struct pa30_riftmap *base,
                         const struct pa30_riftmap *caller, uint64_t R, struct sxs_diag *diag)
{
	struct pa30_riftmap all;
	int err = 0;

	pa30_riftmap_init(&all);
	for (size_t i = 0; !err && i < base->n; i++)
		err = pa30_riftmap_push(&all, base->v[i].src, base->v[i].dst);
	for (size_t i = 0; !err && caller && i < caller->n; i++)
		err = pa30_riftmap_push(&all, caller->v[i].src, caller->v[i].dst);
	if (!err)
		err = pa30_riftmap_push(&all, (int64_t)R, 0);
	if (!err)
		err = pa30_riftmap_sort(&all);
	if (!err) {
		o->pos = sxs_calloc(all.n, sizeof(*o->pos));
		o->off = sxs_calloc(all.n, sizeof(*o->off));
		if (!o->pos || !o->off)
			err = -SXS_ENOMEM;
	}
	if (err) {
		pa30_riftmap_release(&all);
		offsets_release(o);
		if (err == -SXS_ELIMIT)
			return sxs_diag_set(diag, SXS_ELIMIT, "pa30: rift tables exceed %zu entries",
			                    SXS_MAX_PE_RIFT);
		return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for rift tables");
	}
	for (size_t i = 0; i < all.n; i++) {
		o->pos[i] = all.v[i].src;
		o->off[i] = (int64_t)((uint64_t)all.v[i].dst - (uint64_t)all.v[i].src);
	}
	o->n = all.n;
	/* (R, 0) is at or below every target position: start at the last such */
	o->cur = 0;
	while (o->cur + 1 < o->n && o->pos[o->cur + 1] <= (int64_t)R)
		o->cur++;
	pa30_riftmap_release(&all);
	return 0;
}

/* Offset at p (>= every earlier p asked), and the next position where it changes. */
static inline int64_t offsets_at(struct offsets *o, uint64_t p, uint64_t *next_ret)
{
	while (o->cur + 1 < o->n && o->pos[o->cur + 1] <= (int64_t)p)
		o->cur++;
	*next_ret = o->cur + 1 < o->n ? (uint64_t)o->pos[o->cur + 1] : UINT64_MAX;
	return o->off[o->cur];
}

/* The patch's base rift table (present bit first), as a rift map. */
static int read_base_rift(struct pa30_bits *b, struct pa30_riftmap *m, struct sxs_diag *diag)
{
	struct pa30_rift r = {NULL, 0};
	int err = pa30_rift_read(b, &r, diag, "patch");

	for (size_t i = 0; !err && i < r.n; i++) {
		err = pa30_riftmap_push(m, r.v[i].source, r.v[i].target);
		if (err)
			err = err == -SXS_ELIMIT
			              ? sxs_diag_set(diag, SXS_ELIMIT, "pa30: patch rift table of %zu entries "
			                             "(limit %zu)", r.n, SXS_MAX_PE_RIFT)
			              : sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory");
	}
	pa30_rift_release(&r);
	return err;
}

int pa30_decode_patch(const uint8_t *ref, size_t ref_len,
                      const uint8_t *patch, size_t patch_len, size_t out_len,
                      const struct pa30_riftmap *caller,
                      uint8_t **out_ret, struct sxs_diag *diag)
{
	struct segments segs = {0, NULL, NULL};
	struct pa30_riftmap base;
	struct offsets ot = {NULL, NULL, 0, 0};
	bool use_rift = false;
	struct tables tab;
	struct pa30_bits hb, b;
	int64_t lru[3] = {0, 0, 0};
	const uint64_t R = ref_len;
	size_t t = 0, seg = 0, cap;
	uint8_t *out = NULL;
	uint64_t next_start;
	int err;

	pa30_huff_init(&tab.main);
	pa30_huff_init(&tab.len);
	pa30_huff_init(&tab.aligned);
	pa30_riftmap_init(&base);

	if ((uint64_t)ref_len > (uint64_t)INT64_MAX - SXS_MAX_PA30_TARGET ||
	    out_len > SXS_MAX_PA30_TARGET) {
		err = sxs_diag_set(diag, SXS_ELIMIT, "pa30: source or target too large");
		goto out;
	}
	err = pa30_bits_init(&hb, patch, patch_len, diag, "patch");
	if (err)
		goto out;

	/* the patch's own rift table (empty in every real delta seen), then the caller's */
	err = read_base_rift(&hb, &base, diag);
	if (err)
		goto out;
	if (base.n || (caller && caller->n)) {
		err = offsets_build(&ot, &base, caller, R, diag);
		if (err)
			goto out;
		use_rift = true;
	}
	/* CompositeFormat: use_default bit */
	if (pa30_bits_read(&hb, 1)) {
		err = segments_alloc(&segs, 1, diag);
		if (err)
			goto out;
		flat_lengths(segs.lens, PA30_MAIN_SYMS);
		flat_lengths(segs.lens + PA30_MAIN_SYMS, PA30_LEN_SYMS);
		flat_lengths(segs.lens + PA30_MAIN_SYMS + PA30_LEN_SYMS, PA30_ALIGNED_SYMS);
	} else {
		err = read_composite(&hb, &segs, diag);
		if (err)
			goto out;
	}
	err = build_tables(&tab, segs.lens, diag);
	if (err)
		goto out;
	next_start = segs.count > 1 ? segs.start[1] : UINT64_MAX;

	cap = OUT_INITIAL_CAP;
	if (patch_len > OUT_INITIAL_CAP / OUT_INITIAL_RATIO)
		cap = patch_len > out_len / OUT_INITIAL_RATIO ? out_len : patch_len * OUT_INITIAL_RATIO;
	if (cap > out_len)
		cap = out_len;
	out = sxs_malloc(cap);
	if (!out) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for %zu bytes", cap);
		goto out;
	}

	/*
	 * The symbol loop works on a copy of the reader whose address does
	 * not escape (every function it is passed to is inlined), so that
	 * the compiler can keep its fields in registers.
	 */
	b = hb;
	while (t < out_len) {
		const uint64_t pos = R + t;
		int64_t d;
		uint64_t len;
		int sym;

		/* move to the segment that covers pos */
		if (pos >= next_start) {
			while (seg + 1 < segs.count && pos >= segs.start[seg + 1])
				seg++;
			next_start = seg + 1 < segs.count ? segs.start[seg + 1] : UINT64_MAX;
			err = build_tables(&tab, segs.lens + seg * PA30_SEGMENT_LENS, diag);
			if (err)
				goto out;
		}

		pa30_bits_refill(&b);
		/*
		 * Zero bits appear only within the last 8 bytes: once they
		 * were consumed, stop instead of decoding them up to T bytes.
		 */
		if (b.phantom && pa30_bits_overrun(&b)) {
			err = sxs_diag_set(diag, SXS_ETRUNC,
			                   "pa30: patch bitstream ends early at output offset %zu", t);
			goto out;
		}
		sym = pa30_huff_decode(&tab.main, &b);
		if (sym < 0) {
			err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
			                   "main code has no symbol for these bits", t);
			goto out;
		}
		if (sym < 256) {
			if (t == cap && (err = grow_output(&out, &cap, t + 1, out_len, diag)))
				goto out;
			out[t++] = (uint8_t)sym;
			if ((size_t)(b.end - b.next) >= 16) {
				/* pos < next_start held, so next_start - R >= t */
				size_t end = next_start - R < cap ? (size_t)(next_start - R) : cap;
				t = decode_literals(&tab.main, &b, out, t, end);
			}
			continue;
		}

		unsigned slot = (unsigned)(sym - 256) >> 3;
		unsigned lslot = (unsigned)(sym - 256) & 7u;

		/* position slot -> virtual distance d (copy from pos - d) */
		if (slot < SLOT_SOURCE_SAME) {
			/*
			 * source-relative: from the rift-mapped position minus delta
			 * (without rift tables, target offset t maps to source t)
			 */
			int64_t v, delta;
			if (slot == 0) {
				v = pa30_bits_read(&b, 14);
				delta = v - 0x2000;
			} else if (slot == 1) {
				v = pa30_bits_read(&b, 16);
				delta = v < 0x8000 ? v - 0xA000 : v - 0x6000;
			} else {
				v = pa30_bits_read(&b, 18);
				delta = v < 0x20000 ? v - 0x2A000 : v - 0x16000;
			}
			if (use_rift) {
				uint64_t next;
				d = (int64_t)((uint64_t)delta - (uint64_t)offsets_at(&ot, pos, &next));
			} else {
				d = (int64_t)R + delta;
			}
		} else if (slot == SLOT_SOURCE_SAME) {
			if (use_rift) {
				uint64_t next;
				d = (int64_t)(0 - (uint64_t)offsets_at(&ot, pos, &next));
			} else {
				d = (int64_t)R;
			}
		} else if (slot < SLOT_EXTENDED) {
			d = lru[slot - SLOT_LRU_FIRST];
		} else {
			uint64_t dist;
			if (read_long_distance(&b, &tab.aligned, slot, &dist) < 0) {
				err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
				                   "aligned code has no symbol for these bits", t);
				goto out;
			}
			d = (int64_t)dist; /* < 2^36 */
		}

		/* length slot -> length */
		if (lslot) {
			len = lslot + 1;
		} else {
			pa30_bits_refill(&b);
			int l = pa30_huff_decode(&tab.len, &b);
			if (l < 0) {
				err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
				                   "length code has no symbol for these bits", t);
				goto out;
			}
			if (l) {
				len = (uint64_t)l + 8;
			} else {
				/* k zero bits, a one, then k + 8 bits */
				pa30_bits_refill(&b);
				unsigned k = (unsigned)__builtin_ctzll(pa30_bits_peek(&b, 32) |
				                                       ((uint64_t)1 << 32));
				if (k + 8 >= 32) { /* >= 2^32: longer than any target */
					err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
					                   "match length runs past the end of the target", t);
					goto out;
				}
				pa30_bits_skip(&b, k + 1);
				len = (((uint64_t)1 << (k + 8)) | pa30_bits_read(&b, k + 8)) + 8;
			}
		}

		/* recent distances: move d to the front */
		if (d != lru[0]) {
			int64_t old1 = lru[1];
			lru[1] = lru[0];
			lru[0] = d;
			if (old1 != d)
				lru[2] = old1;
		}

		if (len > out_len - t) {
			err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
			                   "match length runs past the end of the target", t);
			goto out;
		}
		if (len > cap - t && (err = grow_output(&out, &cap, t + (size_t)len, out_len, diag)))
			goto out;

		/*
		 * A source copy (slot 3) with rift tables re-anchors at every
		 * rift breakpoint inside the match: piece by piece, each copied
		 * from its own position's mapping.  Everything else is one piece.
		 */
		size_t left = (size_t)len;
		do {
			size_t n = left;
			if (use_rift && slot == SLOT_SOURCE_SAME) {
				uint64_t p = R + t, next;
				d = -offsets_at(&ot, p, &next);
				if (next - p < n)
					n = (size_t)(next - p); /* next > p */
			}
			if (d <= 0) {
				err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
				                   "copy from output not yet produced", t);
				goto out;
			}
			if ((uint64_t)d > R + t) {
				err = decode_error(pa30_bits_overrun(&b), diag, SXS_EFORMAT,
				                   "copy before start of buffer", t);
				goto out;
			}
			lz_copy(out, cap, t, ref, R, (size_t)d, n);
			t += n;
			left -= n;
		} while (left);
	}
	if (pa30_bits_overrun(&b)) {
		err = sxs_diag_set(diag, SXS_ETRUNC, "pa30: patch bitstream ends early");
		goto out;
	}
	*out_ret = out; /* cap == out_len now */
	out = NULL;
	err = 0;
out:
	sxs_free(out);
	pa30_huff_release(&tab.main);
	pa30_huff_release(&tab.len);
	pa30_huff_release(&tab.aligned);
	segments_release(&segs);
	pa30_riftmap_release(&base);
	offsets_release(&ot);
	return err;
}
