/* SPDX-License-Identifier: MIT */
/* Test-only PA30 writer; see pa30writer.h. */
#include "pa30writer.h"

#include <string.h>

#include "digest/digest.h"
#include "util/alloc.h"
#include "util/status.h"

/* ---------------------------------------------------------------- bits */

static void bits_reserve(struct pa30w_bits *w, size_t more)
{
	if (w->oom || w->len + more <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 64;
	while (cap < w->len + more)
		cap *= 2;
	uint8_t *p = sxs_realloc(w->buf, cap);
	if (!p) {
		w->oom = 1;
		return;
	}
	w->buf = p;
	w->cap = cap;
}

static void bits_flush_bytes(struct pa30w_bits *w)
{
	while (w->nacc >= 8) {
		bits_reserve(w, 1);
		if (w->oom)
			return;
		w->buf[w->len++] = (uint8_t)w->acc;
		w->acc >>= 8;
		w->nacc -= 8;
	}
}

void pa30w_bits_init(struct pa30w_bits *w)
{
	memset(w, 0, sizeof(*w));
	w->nacc = 3; /* padding count, filled in by pa30w_bits_finish */
}

void pa30w_bits_release(struct pa30w_bits *w)
{
	sxs_free(w->buf);
	memset(w, 0, sizeof(*w));
}

void pa30w_put(struct pa30w_bits *w, uint64_t v, unsigned n)
{
	if (n == 0)
		return;
	v &= (n >= 64) ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
	w->acc |= v << w->nacc;
	w->nacc += n;
	bits_flush_bytes(w);
}

void pa30w_put_code(struct pa30w_bits *w, uint32_t code, unsigned len)
{
	for (unsigned i = len; i-- > 0;)
		pa30w_put(w, (code >> i) & 1u, 1);
}

void pa30w_put_int_k(struct pa30w_bits *w, uint64_t v, unsigned k)
{
	unsigned nbits = 4 * (k + 1);
	pa30w_put(w, (uint64_t)1 << k, k + 1); /* k zeros, then a one */
	if (nbits > 32) {
		pa30w_put(w, v & 0xFFFFFFFFu, 32);
		pa30w_put(w, v >> 32, nbits - 32);
	} else {
		pa30w_put(w, v, nbits);
	}
}

void pa30w_put_int(struct pa30w_bits *w, uint64_t v)
{
	unsigned k = 0;
	while (k < 15 && (v >> (4 * (k + 1))) != 0)
		k++;
	pa30w_put_int_k(w, v, k);
}

uint64_t pa30w_bits_count(const struct pa30w_bits *w)
{
	return (uint64_t)w->len * 8 + w->nacc;
}

void pa30w_put_buf(struct pa30w_bits *w, const uint8_t *data, size_t len)
{
	pa30w_put_int(w, len);
	if (w->nacc % 8)
		pa30w_put(w, 0, 8 - w->nacc % 8);
	bits_reserve(w, len);
	if (w->oom)
		return;
	if (len)
		memcpy(w->buf + w->len, data, len);
	w->len += len;
}

int pa30w_bits_finish(struct pa30w_bits *w, uint8_t **out, size_t *len)
{
	unsigned pad = (8 - w->nacc % 8) % 8;
	pa30w_put(w, 0, pad);
	if (w->oom)
		return -SXS_ENOMEM;
	if (w->len == 0) { /* only possible if nothing at all was written */
		bits_reserve(w, 1);
		if (w->oom)
			return -SXS_ENOMEM;
		w->buf[w->len++] = 0;
	}
	w->buf[0] = (uint8_t)((w->buf[0] & ~7u) | pad);
	*out = w->buf;
	*len = w->len;
	w->buf = NULL;
	pa30w_bits_release(w);
	return 0;
}

/* ------------------------------------------------------------- huffman */

void pa30w_flat_lengths(uint8_t *lens, unsigned n)
{
	unsigned bits = 0;
	while ((1u << bits) < n)
		bits++;
	for (unsigned i = 0; i < n; i++)
		lens[i] = (uint8_t)(i < (1u << bits) - n ? bits - 1 : bits);
}

/* Plain Huffman lengths (unlimited) by repeatedly merging the two lightest. */
static int huffman_depths(const uint64_t *w, unsigned n, unsigned *depth)
{
	unsigned nodes = 2 * n;
	uint64_t *weight = sxs_calloc(nodes, sizeof(*weight));
	unsigned *parent = sxs_calloc(nodes, sizeof(*parent));
	unsigned char *live = sxs_calloc(nodes, 1);
	unsigned count = 0, next = n;

	if (!weight || !parent || !live) {
		sxs_free(weight);
		sxs_free(parent);
		sxs_free(live);
		return -SXS_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		weight[i] = w[i];
		live[i] = w[i] != 0;
		count += live[i];
	}
	while (count > 1) {
		unsigned a = nodes, b = nodes;
		for (unsigned i = 0; i < next; i++) {
			if (!live[i])
				continue;
			if (a == nodes || weight[i] < weight[a]) {
				b = a;
				a = i;
			} else if (b == nodes || weight[i] < weight[b]) {
				b = i;
			}
		}
		weight[next] = weight[a] + weight[b];
		live[next] = 1;
		live[a] = live[b] = 0;
		parent[a] = parent[b] = next;
		next++;
		count--;
	}
	for (unsigned i = 0; i < n; i++) {
		depth[i] = 0;
		if (!w[i])
			continue;
		for (unsigned j = i; j != next - 1; j = parent[j])
			depth[i]++;
	}
	sxs_free(weight);
	sxs_free(parent);
	sxs_free(live);
	return 0;
}

int pa30w_lengths_from_freqs(const uint32_t *freq, unsigned n, unsigned max_len,
                             uint8_t *lens)
{
	uint64_t *w = sxs_calloc(n, sizeof(*w));
	unsigned *depth = sxs_calloc(n, sizeof(*depth));
	unsigned used = 0, first = 0;
	int err = 0;

	if (!w || !depth) {
		err = -SXS_ENOMEM;
		goto out;
	}
	memset(lens, 0, n);
	for (unsigned i = 0; i < n; i++) {
		w[i] = freq[i];
		if (freq[i] && used++ == 0)
			first = i;
	}
	if (used == 0)
		goto out;
	if (used == 1) {
		/* a lone symbol: pair it with a neighbour to keep the code complete */
		lens[first] = 1;
		lens[first == 0 ? 1 : 0] = 1;
		goto out;
	}
	for (;;) {
		unsigned longest = 0;
		err = huffman_depths(w, n, depth);
		if (err)
			goto out;
		for (unsigned i = 0; i < n; i++)
			if (depth[i] > longest)
				longest = depth[i];
		if (longest <= max_len)
			break;
		/* too deep: flatten the distribution and try again */
		for (unsigned i = 0; i < n; i++)
			if (w[i])
				w[i] = (w[i] >> 1) | 1;
	}
	for (unsigned i = 0; i < n; i++)
		lens[i] = (uint8_t)depth[i];
out:
	sxs_free(w);
	sxs_free(depth);
	return err;
}

void pa30w_codes(const uint8_t *lens, unsigned n, uint32_t *codes)
{
	unsigned count[33] = {0};
	uint32_t next[33] = {0};
	uint32_t acc = 0;

	for (unsigned i = 0; i < n; i++)
		count[lens[i] & 31]++;
	/* longest codes first, taking the smallest values (formats.md §4.6) */
	for (unsigned len = 32; len >= 1; len--) {
		next[len] = acc;
		acc = (acc + count[len]) >> 1;
	}
	for (unsigned i = 0; i < n; i++)
		codes[i] = lens[i] ? next[lens[i] & 31]++ : 0;
}

/* ------------------------------------------------------- patch encoder */

struct seg_tables {
	uint8_t lens[PA30W_SEGMENT_LENS];
	uint32_t codes[PA30W_SEGMENT_LENS];
	uint32_t freq[PA30W_SEGMENT_LENS];
};

struct encoder {
	struct pa30w_bits *w; /* NULL in the counting pass */
	struct seg_tables *seg;
	int bad_symbol;       /* a symbol without a code was needed */
};

static void emit_sym(struct encoder *e, unsigned base, unsigned sym)
{
	unsigned i = base + sym;
	if (!e->w) {
		e->seg->freq[i]++;
		return;
	}
	if (e->seg->lens[i] == 0) {
		e->bad_symbol = 1;
		return;
	}
	pa30w_put_code(e->w, e->seg->codes[i], e->seg->lens[i]);
}

static void emit_bits(struct encoder *e, uint64_t v, unsigned n)
{
	if (e->w)
		pa30w_put(e->w, v, n);
}

#define BASE_MAIN 0
#define BASE_LEN PA30W_MAIN_SYMS
#define BASE_ALIGNED (PA30W_MAIN_SYMS + PA30W_LEN_SYMS)

static unsigned ilog2_u64(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

/* Distance class x of a distance >= 1 (inverse of formats.md §4.7). */
static unsigned dist_class(uint64_t dist)
{
	if (dist <= 3)
		return (unsigned)dist;
	unsigned n = ilog2_u64(dist) - 1;
	unsigned hi = (unsigned)(dist >> n); /* 2 or 3 */
	return 2 * (n + 1) + (hi & 1u);
}

/* Encode one token; returns the virtual distance d, or -1 if it cannot be coded. */
static int encode_token(struct encoder *e, const struct pa30w_token *t, size_t ref_len,
                        int64_t lru[3], int64_t *d_ret)
{
	unsigned slot, lslot;
	int64_t d;
	uint64_t extra = 0;
	unsigned nextra = 0;
	int64_t R = (int64_t)ref_len;

	if (!t->is_match) {
		emit_sym(e, BASE_MAIN, t->literal);
		return 0;
	}
	enum pa30w_slot kind = t->slot;
	if (kind == PA30W_SLOT_AUTO) {
		kind = PA30W_SLOT_DIST;
		for (int k = 0; k < 3; k++) {
			if (lru[k] == t->value) {
				kind = (enum pa30w_slot)(PA30W_SLOT_LRU0 + k);
				break;
			}
		}
	}
	switch (kind) {
	case PA30W_SLOT_SRC14:
		if (t->value < -0x2000 || t->value >= 0x2000)
			return -1;
		slot = 0, extra = (uint64_t)(t->value + 0x2000), nextra = 14;
		d = R + t->value;
		break;
	case PA30W_SLOT_SRC16:
		if (t->value >= -0xA000 && t->value < -0x2000)
			extra = (uint64_t)(t->value + 0xA000);
		else if (t->value >= 0x2000 && t->value < 0xA000)
			extra = (uint64_t)(t->value + 0x6000);
		else
			return -1;
		slot = 1, nextra = 16;
		d = R + t->value;
		break;
	case PA30W_SLOT_SRC18:
		if (t->value >= -0x2A000 && t->value < -0xA000)
			extra = (uint64_t)(t->value + 0x2A000);
		else if (t->value >= 0xA000 && t->value < 0x2A000)
			extra = (uint64_t)(t->value + 0x16000);
		else
			return -1;
		slot = 2, nextra = 18;
		d = R + t->value;
		break;
	case PA30W_SLOT_SRC_SAME:
		slot = 3;
		d = R;
		break;
	case PA30W_SLOT_LRU0:
	case PA30W_SLOT_LRU1:
	case PA30W_SLOT_LRU2:
		slot = 4 + (unsigned)(kind - PA30W_SLOT_LRU0);
		d = lru[slot - 4];
		break;
	case PA30W_SLOT_DIST:
	default:
		if (t->value < 1 || (uint64_t)t->value >= ((uint64_t)1 << 36))
			return -1;
		d = t->value;
		slot = 0; /* set below */
		break;
	}

	if (t->len < 2)
		return -1;
	lslot = t->len <= 8 ? (unsigned)(t->len - 1) : 0;

	if (kind != PA30W_SLOT_DIST) {
		emit_sym(e, BASE_MAIN, 256 + slot * 8 + lslot);
		emit_bits(e, extra, nextra);
	} else {
		uint64_t dist = (uint64_t)d;
		unsigned x = dist_class(dist);
		slot = x <= 35 ? x + 7 : 7;
		emit_sym(e, BASE_MAIN, 256 + slot * 8 + lslot);
		if (slot == 7) {
			if (x < 40) {
				emit_bits(e, 0, 1);
				emit_bits(e, x - 36, 2);
			} else if (x < 48) {
				emit_bits(e, 1, 1);
				emit_bits(e, 0, 1);
				emit_bits(e, x - 40, 3);
			} else {
				emit_bits(e, 1, 1);
				emit_bits(e, 1, 1);
				emit_bits(e, x - 48, 4);
			}
		}
		if (x > 3) {
			unsigned n = (x >> 1) - 1;
			if (n < 4) {
				emit_bits(e, dist & ((1u << n) - 1), n);
			} else {
				emit_bits(e, (dist >> 4) & ((((uint64_t)1) << (n - 4)) - 1), n - 4);
				emit_sym(e, BASE_ALIGNED, (unsigned)(dist & 15));
			}
		}
	}

	if (lslot == 0) {
		uint64_t v = t->len - 8;
		if (v < 256) {
			emit_sym(e, BASE_LEN, (unsigned)v);
		} else {
			unsigned k = ilog2_u64(v) - 8;
			emit_sym(e, BASE_LEN, 0);
			emit_bits(e, (uint64_t)1 << k, k + 1);
			emit_bits(e, v - ((uint64_t)1 << (k + 8)), k + 8);
		}
	}
	*d_ret = d;
	return 0;
}

/* Pre-tree items of one segment's lengths, coded against prev. */
struct pt_item {
	uint8_t sym, nextra;
	uint8_t extra;
};

static unsigned run_code(unsigned run, unsigned *nextra, unsigned *extra)
{
	if (run <= 3) {
		*nextra = 0;
		*extra = 0;
		return run - 1;
	}
	unsigned c = ilog2_u64(run) + 1;
	*nextra = c - 1;
	*extra = run - (1u << (c - 1));
	return c;
}

static size_t code_lengths(const uint8_t *prev, const uint8_t *cur, struct pt_item *items)
{
	size_t n = 0, i = 0;
	while (i < PA30W_SEGMENT_LENS) {
		size_t run = 0;
		unsigned nx, ex, c;
		while (i + run < PA30W_SEGMENT_LENS && run < 127 && cur[i + run] == prev[i + run])
			run++;
		if (run >= 2) { /* 31-38: copy from the previous segment */
			c = run_code((unsigned)run, &nx, &ex);
			items[n++] = (struct pt_item){(uint8_t)(31 + c), (uint8_t)nx, (uint8_t)ex};
			i += run;
			continue;
		}
		run = 0;
		while (i > 0 && i + run < PA30W_SEGMENT_LENS && run < 127 &&
		       cur[i + run] == cur[i - 1])
			run++;
		if (run >= 2) { /* 23-30: repeat the last length */
			c = run_code((unsigned)run, &nx, &ex);
			items[n++] = (struct pt_item){(uint8_t)(23 + c), (uint8_t)nx, (uint8_t)ex};
			i += run;
			continue;
		}
		int diff = (int)cur[i] - (int)prev[i];
		if (prev[i] && diff >= 1 && diff <= 3)
			items[n++] = (struct pt_item){(uint8_t)(16 + diff), 0, 0};
		else if (prev[i] && diff <= -1 && diff >= -3)
			items[n++] = (struct pt_item){(uint8_t)(19 - diff), 0, 0};
		else
			items[n++] = (struct pt_item){cur[i], 0, 0};
		i++;
	}
	return n;
}

static int write_composite(struct pa30w_bits *w, struct seg_tables *segs, size_t nseg,
                           const uint64_t *start)
{
	static const uint8_t zeros[PA30W_SEGMENT_LENS];
	uint32_t pt_freq[PA30W_PRETREE_SYMS] = {0};
	uint8_t pt_lens[PA30W_PRETREE_SYMS];
	uint32_t pt_codes[PA30W_PRETREE_SYMS];
	struct pt_item *items = sxs_calloc(nseg * PA30W_SEGMENT_LENS, sizeof(*items));
	size_t *nitems = sxs_calloc(nseg, sizeof(*nitems));
	int err = 0;

	if (!items || !nitems) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < nseg; s++) {
		const uint8_t *prev = s ? segs[s - 1].lens : zeros;
		struct pt_item *it = items + s * PA30W_SEGMENT_LENS;
		nitems[s] = code_lengths(prev, segs[s].lens, it);
		for (size_t i = 0; i < nitems[s]; i++)
			pt_freq[it[i].sym]++;
	}
	err = pa30w_lengths_from_freqs(pt_freq, PA30W_PRETREE_SYMS, 15, pt_lens);
	if (err)
		goto out;
	pa30w_codes(pt_lens, PA30W_PRETREE_SYMS, pt_codes);

	pa30w_put_int(w, nseg);                          /* segment count */
	for (size_t s = 0; s < nseg; s++)                /* segment starts, delta coded */
		pa30w_put_int(w, start[s] - (s ? start[s - 1] : 0));
	for (size_t i = 0; i < PA30W_PRETREE_SYMS; i++) /* pre-tree lengths */
		pa30w_put(w, pt_lens[i], 4);
	for (size_t s = 0; s < nseg; s++) {
		const struct pt_item *it = items + s * PA30W_SEGMENT_LENS;
		for (size_t i = 0; i < nitems[s]; i++) {
			pa30w_put_code(w, pt_codes[it[i].sym], pt_lens[it[i].sym]);
			pa30w_put(w, it[i].extra, it[i].nextra);
		}
	}
out:
	sxs_free(items);
	sxs_free(nitems);
	return err;
}

/* Run the tokens through the encoder (counting pass when e.w is NULL). */
static int encode_tokens(struct pa30w_bits *w, struct seg_tables *segs, size_t nseg,
                         const uint64_t *start, const struct pa30w_token *tok, size_t ntok,
                         size_t ref_len)
{
	struct encoder e = {w, segs, 0};
	int64_t lru[3] = {0, 0, 0};
	uint64_t pos = ref_len;
	size_t seg = 0;

	for (size_t i = 0; i < ntok; i++) {
		int64_t d = 0;
		while (seg + 1 < nseg && pos >= start[seg + 1])
			seg++;
		e.seg = &segs[seg];
		if (encode_token(&e, &tok[i], ref_len, lru, &d) < 0 || e.bad_symbol)
			return -SXS_EINVAL;
		if (!tok[i].is_match) {
			pos++;
			continue;
		}
		if (d != lru[0]) {
			int64_t old1 = lru[1];
			lru[1] = lru[0];
			lru[0] = d;
			if (old1 != d)
				lru[2] = old1;
		}
		pos += tok[i].len;
	}
	return 0;
}

static int encode_patch(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
                        const struct pa30w_patch_opts *opts, pa30w_rift_fn rift, void *ctx,
                        uint8_t **out, size_t *len)
{
	static const struct pa30w_patch_opts defaults = {0, 0, NULL, NULL, 0};
	const struct pa30w_patch_opts *o = opts ? opts : &defaults;
	size_t nseg = o->use_default || o->nseg == 0 ? 1 : o->nseg;
	uint64_t one_start = ref_len;
	const uint64_t *start = o->seg_start && !o->use_default ? o->seg_start : &one_start;
	struct seg_tables *segs = sxs_calloc(nseg, sizeof(*segs));
	struct pa30w_bits w;
	int err;

	pa30w_bits_init(&w);
	if (!segs) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < nseg; s++) {
		uint8_t *l = segs[s].lens;
		if (o->use_default) {
			pa30w_flat_lengths(l + BASE_MAIN, PA30W_MAIN_SYMS);
			pa30w_flat_lengths(l + BASE_LEN, PA30W_LEN_SYMS);
			pa30w_flat_lengths(l + BASE_ALIGNED, PA30W_ALIGNED_SYMS);
		} else if (o->lens) {
			memcpy(l, o->lens + s * PA30W_SEGMENT_LENS, PA30W_SEGMENT_LENS);
		}
	}
	if (!o->use_default && !o->lens) {
		/* fit the codes to the symbol counts of each segment */
		err = encode_tokens(NULL, segs, nseg, start, tok, ntok, ref_len);
		if (err)
			goto out;
		for (size_t s = 0; s < nseg; s++) {
			uint8_t *l = segs[s].lens;
			const uint32_t *f = segs[s].freq;
			if ((err = pa30w_lengths_from_freqs(f + BASE_MAIN, PA30W_MAIN_SYMS, 16,
			                                    l + BASE_MAIN)) ||
			    (err = pa30w_lengths_from_freqs(f + BASE_LEN, PA30W_LEN_SYMS, 16,
			                                    l + BASE_LEN)) ||
			    (err = pa30w_lengths_from_freqs(f + BASE_ALIGNED, PA30W_ALIGNED_SYMS, 16,
			                                    l + BASE_ALIGNED)))
				goto out;
		}
	}
	for (size_t s = 0; s < nseg; s++) {
		pa30w_codes(segs[s].lens + BASE_MAIN, PA30W_MAIN_SYMS, segs[s].codes + BASE_MAIN);
		pa30w_codes(segs[s].lens + BASE_LEN, PA30W_LEN_SYMS, segs[s].codes + BASE_LEN);
		pa30w_codes(segs[s].lens + BASE_ALIGNED, PA30W_ALIGNED_SYMS,
		            segs[s].codes + BASE_ALIGNED);
	}

	if (rift)
		rift(&w, ctx);                          /* the caller's rift table */
	else
		pa30w_put(&w, o->rift_present ? 1 : 0, 1); /* base rift table present */
	pa30w_put(&w, o->use_default ? 1 : 0, 1);  /* CompositeFormat use_default */
	if (!o->use_default) {
		err = write_composite(&w, segs, nseg, start);
		if (err)
			goto out;
	}
	err = encode_tokens(&w, segs, nseg, start, tok, ntok, ref_len);
	if (err)
		goto out;
	err = pa30w_bits_finish(&w, out, len);
out:
	pa30w_bits_release(&w);
	sxs_free(segs);
	return err;
}

int pa30w_encode_patch(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
                       const struct pa30w_patch_opts *opts, uint8_t **out, size_t *len)
{
	return encode_patch(tok, ntok, ref_len, opts, NULL, NULL, out, len);
}

int pa30w_encode_patch_rift(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
                            const struct pa30w_patch_opts *opts, pa30w_rift_fn rift, void *ctx,
                            uint8_t **out, size_t *len)
{
	return encode_patch(tok, ntok, ref_len, opts, rift, ctx, out, len);
}

/* -------------------------------------------------------------- header */

void pa30w_header_raw(struct pa30w_header *h, uint64_t target_size)
{
	memset(h, 0, sizeof(*h));
	h->filetime = PA30W_FILETIME;
	h->file_type_set = 1;
	h->file_type = 1;
	h->target_size = target_size;
}

static void put_common_fields(struct pa30w_bits *w, const struct pa30w_header *h)
{
	pa30w_put_int(w, h->file_type_set);
	pa30w_put_int(w, h->file_type);
	pa30w_put_int(w, h->flags);
	pa30w_put_int(w, h->target_size);
	pa30w_put_int(w, h->hash_alg_id);
	pa30w_put_buf(w, h->hash, h->hash_len);
}

int pa30w_write_delta(const struct pa30w_header *h, const uint8_t *patch, size_t patch_len,
                      uint8_t **out, size_t *len)
{
	struct pa30w_bits w;
	uint8_t *body = NULL, *buf = NULL;
	size_t body_len;
	int err;

	pa30w_bits_init(&w);
	if (h->pa31) {
		struct pa30w_bits inner;
		uint8_t *ib;
		size_t ib_len;
		pa30w_bits_init(&inner);
		put_common_fields(&inner, h);
		for (int i = 0; i < 3; i++)
			pa30w_put_int(&inner, 0);
		pa30w_put_buf(&inner, NULL, 0);
		err = pa30w_bits_finish(&inner, &ib, &ib_len);
		if (err)
			goto out;
		pa30w_put_buf(&w, ib, ib_len);
		sxs_free(ib);
	} else {
		put_common_fields(&w, h);
	}
	pa30w_put_buf(&w, h->preprocess, h->preprocess_len);
	pa30w_put_buf(&w, patch, patch_len);
	err = pa30w_bits_finish(&w, &body, &body_len);
	if (err)
		goto out;
	buf = sxs_malloc(12 + body_len);
	if (!buf) {
		err = -SXS_ENOMEM;
		goto out;
	}
	memcpy(buf, h->pa31 ? "PA31" : "PA30", 4);
	for (int i = 0; i < 8; i++)
		buf[4 + i] = (uint8_t)(h->filetime >> (8 * i));
	memcpy(buf + 12, body, body_len);
	*out = buf;
	*len = 12 + body_len;
	buf = NULL;
out:
	pa30w_bits_release(&w);
	sxs_free(body);
	sxs_free(buf);
	return err;
}

/* ---------------------------------------------------------- compressor */

#define HASH_BITS 16
#define MIN_MATCH 3

static uint32_t hash3(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static size_t match_len(const uint8_t *v, size_t a, size_t b, size_t max)
{
	size_t n = 0;
	while (n < max && v[a + n] == v[b + n])
		n++;
	return n;
}

struct tokbuf {
	struct pa30w_token *t;
	size_t n, cap;
};

static int tok_push(struct tokbuf *tb, struct pa30w_token t)
{
	if (tb->n == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 256;
		struct pa30w_token *p = sxs_reallocarray(tb->t, cap, sizeof(*p));
		if (!p)
			return -SXS_ENOMEM;
		tb->t = p;
		tb->cap = cap;
	}
	tb->t[tb->n++] = t;
	return 0;
}

/* Choose a source-relative slot for a copy from virtual src at target offset t. */
static enum pa30w_slot source_slot(int64_t delta)
{
	if (delta == 0)
		return PA30W_SLOT_SRC_SAME;
	if (delta >= -0x2000 && delta < 0x2000)
		return PA30W_SLOT_SRC14;
	if ((delta >= -0xA000 && delta < -0x2000) || (delta >= 0x2000 && delta < 0xA000))
		return PA30W_SLOT_SRC16;
	if ((delta >= -0x2A000 && delta < -0xA000) || (delta >= 0xA000 && delta < 0x2A000))
		return PA30W_SLOT_SRC18;
	return PA30W_SLOT_AUTO;
}

int pa30w_compress(const uint8_t *ref, size_t ref_len, const uint8_t *target,
                   size_t target_len, const struct pa30w_compress_opts *o,
                   struct pa30w_token **tok_ret, size_t *ntok_ret)
{
	size_t vlen = ref_len + target_len;
	uint8_t *v = sxs_malloc(vlen);
	size_t *head = sxs_malloc(sizeof(size_t) << HASH_BITS);
	size_t *prev = sxs_calloc(vlen, sizeof(size_t));
	unsigned max_chain = o && o->max_chain ? o->max_chain : 64;
	struct tokbuf tb = {NULL, 0, 0};
	int64_t lru[3] = {0, 0, 0};
	const size_t none = SIZE_MAX;
	int err = 0;

	if (!v || !head || !prev) {
		err = -SXS_ENOMEM;
		goto out;
	}
	if (ref_len)
		memcpy(v, ref, ref_len);
	if (target_len)
		memcpy(v + ref_len, target, target_len);
	for (size_t i = 0; i < ((size_t)1 << HASH_BITS); i++)
		head[i] = none;
#define INSERT(p)                                                           \
	do {                                                                \
		if ((p) + MIN_MATCH <= vlen) {                              \
			uint32_t h_ = hash3(v + (p));                       \
			prev[p] = head[h_];                                 \
			head[h_] = (p);                                     \
		}                                                           \
	} while (0)
	for (size_t p = 0; p < ref_len; p++)
		INSERT(p);

	for (size_t p = ref_len; p < vlen;) {
		size_t remain = vlen - p, best_len = 0, best_dist = 0, lru_len = 0;
		int lru_k = -1;
		/* recent distances first: they are the cheapest to code */
		for (int k = 0; k < 3; k++) {
			if (lru[k] < 1 || (uint64_t)lru[k] > p)
				continue;
			size_t n = match_len(v, p - (size_t)lru[k], p, remain);
			if (n > lru_len) {
				lru_len = n;
				lru_k = k;
			}
		}
		if (remain >= MIN_MATCH) {
			unsigned chain = max_chain;
			for (size_t c = head[hash3(v + p)]; c != none && chain--; c = prev[c]) {
				size_t n = match_len(v, c, p, remain);
				if (n > best_len) {
					best_len = n;
					best_dist = p - c;
					if (n == remain)
						break;
				}
			}
		}
		struct pa30w_token t = {0, 0, PA30W_SLOT_AUTO, 0, 0};
		if (lru_len >= 2 && lru_len + 1 >= best_len) {
			t.is_match = 1;
			t.slot = (enum pa30w_slot)(PA30W_SLOT_LRU0 + lru_k);
			t.value = lru[lru_k];
			t.len = lru_len;
		} else if (best_len >= MIN_MATCH) {
			t.is_match = 1;
			t.slot = PA30W_SLOT_DIST;
			t.value = (int64_t)best_dist;
			t.len = best_len;
			size_t src = p - best_dist;
			if (o && o->source_slots && src < ref_len) {
				int64_t delta = (int64_t)(p - ref_len) - (int64_t)src;
				enum pa30w_slot s = source_slot(delta);
				if (s != PA30W_SLOT_AUTO) {
					t.slot = s;
					t.value = delta;
				}
			}
		} else {
			t.literal = v[p];
		}
		err = tok_push(&tb, t);
		if (err)
			goto out;
		size_t adv = t.is_match ? (size_t)t.len : 1;
		if (t.is_match) {
			int64_t d = t.slot >= PA30W_SLOT_SRC14 && t.slot <= PA30W_SLOT_SRC_SAME
			                    ? (int64_t)ref_len + t.value
			                    : t.slot >= PA30W_SLOT_LRU0 && t.slot <= PA30W_SLOT_LRU2
			                    ? lru[t.slot - PA30W_SLOT_LRU0]
			                    : t.value;
			if (d != lru[0]) {
				int64_t old1 = lru[1];
				lru[1] = lru[0];
				lru[0] = d;
				if (old1 != d)
					lru[2] = old1;
			}
		}
		for (size_t i = 0; i < adv; i++)
			INSERT(p + i);
		p += adv;
	}
#undef INSERT
	*tok_ret = tb.t;
	*ntok_ret = tb.n;
	tb.t = NULL;
out:
	sxs_free(tb.t);
	sxs_free(v);
	sxs_free(head);
	sxs_free(prev);
	return err;
}

void pa30w_e8_forward(uint8_t *buf, size_t size)
{
	if (size <= 10 || size > INT32_MAX)
		return;
	const int64_t T = (int64_t)size;
	for (size_t i = 0; i < size - 10; i++) {
		if (buf[i] != 0xE8)
			continue;
		int64_t r = (int32_t)((uint32_t)buf[i + 1] | ((uint32_t)buf[i + 2] << 8) |
		                      ((uint32_t)buf[i + 3] << 16) | ((uint32_t)buf[i + 4] << 24));
		int64_t s = r;
		int64_t pos = (int64_t)i;
		if (r >= -pos && r < T - pos)
			s = r + pos;   /* decodes as s - i */
		else if (r >= T - pos && r < T)
			s = r - T;     /* decodes as s + T */
		uint32_t u = (uint32_t)(int32_t)s;
		for (int k = 0; k < 4; k++)
			buf[i + 1 + (size_t)k] = (uint8_t)(u >> (8 * k));
		i += 4;
	}
}

static enum sxs_digest_alg digest_for(uint64_t id)
{
	switch (id) {
	case 0x8003: return SXS_DIGEST_MD5;
	case 0x8004: return SXS_DIGEST_SHA1;
	case 0x800C: return SXS_DIGEST_SHA256;
	default: return SXS_DIGEST_NONE;
	}
}

int pa30w_make_raw_delta(const uint8_t *ref, size_t ref_len, const uint8_t *target,
                         size_t target_len, uint64_t flags, uint64_t hash_alg_id,
                         const struct pa30w_compress_opts *o, uint8_t **out, size_t *len)
{
	struct pa30w_token *tok = NULL;
	size_t ntok = 0, patch_len = 0, nseg = 1;
	uint8_t *work = sxs_malloc(target_len), *patch = NULL;
	uint64_t *start = NULL;
	uint8_t md[SXS_DIGEST_MAX];
	size_t md_len = 0;
	struct pa30w_patch_opts po;
	struct pa30w_header h;
	int err;

	if (!work)
		return -SXS_ENOMEM;
	if (target_len)
		memcpy(work, target, target_len);
	if (flags & 1)
		pa30w_e8_forward(work, target_len);
	err = pa30w_compress(ref, ref_len, work, target_len, o, &tok, &ntok);
	if (err)
		goto out;
	if (o && o->segment_size && !o->use_default_tables)
		nseg = target_len / o->segment_size + 1;
	start = sxs_calloc(nseg, sizeof(*start));
	if (!start) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < nseg; s++)
		start[s] = ref_len + s * (o && o->segment_size ? o->segment_size : 0);
	memset(&po, 0, sizeof(po));
	po.use_default = o && o->use_default_tables;
	po.nseg = nseg;
	po.seg_start = start;
	err = pa30w_encode_patch(tok, ntok, ref_len, &po, &patch, &patch_len);
	if (err)
		goto out;
	pa30w_header_raw(&h, target_len);
	h.flags = flags;
	h.hash_alg_id = hash_alg_id;
	if (hash_alg_id) {
		enum sxs_digest_alg alg = digest_for(hash_alg_id);
		if (alg == SXS_DIGEST_NONE) {
			err = -SXS_EINVAL;
			goto out;
		}
		err = sxs_digest_buffer(alg, target, target_len, md, &md_len);
		if (err)
			goto out;
		h.hash = md;
		h.hash_len = md_len;
	}
	err = pa30w_write_delta(&h, patch, patch_len, out, len);
out:
	sxs_free(work);
	sxs_free(tok);
	sxs_free(start);
	sxs_free(patch);
	return err;
}

static int wrap(const char magic[4], const uint8_t *delta, size_t delta_len,
                uint8_t **out, size_t *out_len)
{
	uint8_t *buf = sxs_malloc(4 + delta_len);
	if (!buf)
		return -SXS_ENOMEM;
	memcpy(buf, magic, 4);
	memcpy(buf + 4, delta, delta_len);
	*out = buf;
	*out_len = 4 + delta_len;
	return 0;
}

static int make_container(const char magic[4], const uint8_t *ref, size_t ref_len,
                          const uint8_t *data, size_t len, uint64_t hash_alg_id,
                          uint8_t **out, size_t *out_len)
{
	static const struct pa30w_compress_opts opts = {0, 0, 128, 0};
	uint8_t *delta = NULL;
	size_t delta_len;
	int err = pa30w_make_raw_delta(ref, ref_len, data, len, 0x20000, hash_alg_id, &opts,
	                               &delta, &delta_len);
	if (!err)
		err = wrap(magic, delta, delta_len, out, out_len);
	sxs_free(delta);
	return err;
}

int pa30w_make_dcm(const uint8_t *base, size_t base_len, const uint8_t *data, size_t len,
                   uint8_t **out, size_t *out_len)
{
	static const char magic[4] = {'D', 'C', 'M', 1};
	return make_container(magic, base, base_len, data, len, 0, out, out_len);
}

int pa30w_make_dcn(const uint8_t *data, size_t len, uint64_t hash_alg_id,
                   uint8_t **out, size_t *out_len)
{
	static const char magic[4] = {'D', 'C', 'N', 1};
	return make_container(magic, NULL, 0, data, len, hash_alg_id, out, out_len);
}
