/* SPDX-License-Identifier: MIT */
/* Test-only PSFX payload writers; see prsmwriter.h. */
#include "prsmwriter.h"

#include <string.h>
#include <wimlib.h>
#include <zlib.h>

#include "util/alloc.h"
#include "util/status.h"

/* ---------------------------------------------------------- IntFormat */

static void intfmt_codes(struct prsmw_intfmt *f)
{
	pa30w_codes(f->lens, PRSMW_INTFMT_SYMS, f->codes);
}

void prsmw_intfmt_default(struct prsmw_intfmt *f)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < PRSMW_INTFMT_SYMS; i++)
		f->lens[i] = i < 4 ? 7 : 8;
	f->npos = f->nneg = 126;
	f->dl = 8;
	intfmt_codes(f);
}

void prsmw_intfmt_explicit(struct prsmw_intfmt *f, const uint8_t *lens)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->lens, lens, PRSMW_INTFMT_SYMS);
	f->npos = f->nneg = 126;
	f->dl = 1;
	intfmt_codes(f);
}

void prsmw_intfmt_fill(struct prsmw_intfmt *f, unsigned ndef, unsigned dl)
{
	/* the fill rule of psfx.md §5.2 with no explicit length */
	unsigned len = dl, left = ndef;
	memset(f, 0, sizeof(*f));
	f->ndef = ndef;
	f->dl = dl;
	for (unsigned i = 0; i < 126; i++) {
		if (left == 0) {
			len = len ? len - 1 : 0;
			left = 252 > i ? 252 - i : 0;
		}
		f->lens[i] = (uint8_t)len;
		left = left ? left - 1 : 0;
	}
	len = dl;
	left = ndef > 126 ? ndef - 126 : 0;
	for (unsigned i = 126; i < 252; i++) {
		if (left == 0) {
			len = len ? len - 1 : 0;
			left = 126 > i - 126 ? 126 - (i - 126) : 0;
		}
		f->lens[i] = (uint8_t)len;
		left = left ? left - 1 : 0;
	}
	intfmt_codes(f);
}

void prsmw_put_intfmt(struct pa30w_bits *w, const struct prsmw_intfmt *f)
{
	pa30w_put(w, f->npos, 8);
	pa30w_put(w, f->nneg, 8);
	pa30w_put(w, f->ndef, 8);
	for (unsigned i = 0; i < f->npos; i++)
		pa30w_put(w, (uint64_t)(f->lens[i] - 1u), 4);
	for (unsigned i = 0; i < f->nneg; i++)
		pa30w_put(w, (uint64_t)(f->lens[126 + i] - 1u), 4);
	pa30w_put(w, (uint64_t)(f->dl - 1u), 4);
}

void prsmw_put_number(struct pa30w_bits *w, const struct prsmw_intfmt *f, int64_t v)
{
	uint64_t u = v < 0 ? ~(uint64_t)v : (uint64_t)v;
	unsigned m, h = 0;
	uint64_t extra = 0;

	if (u <= 3) {
		m = (unsigned)u;
	} else {
		unsigned hb = 63u - (unsigned)__builtin_clzll(u);
		h = hb - 1;
		m = 2 * (h + 1) + (unsigned)((u >> h) & 1u);
		extra = u & (((uint64_t)1 << h) - 1);
	}
	unsigned sym = m + (v < 0 ? 126u : 0u);
	pa30w_put_code(w, f->codes[sym], f->lens[sym]);
	if (h > 32) {
		pa30w_put(w, extra & 0xFFFFFFFFu, 32);
		pa30w_put(w, extra >> 32, h - 32);
	} else {
		pa30w_put(w, extra, h);
	}
}

void prsmw_put_rift(struct pa30w_bits *w, const struct prsmw_intfmt *fs,
                    const struct prsmw_intfmt *fd, const struct prsmw_pair *e, size_t n)
{
	int64_t ps = 0, po = 0;
	if (n == 0) {
		pa30w_put(w, 0, 1);
		return;
	}
	pa30w_put(w, 1, 1);
	prsmw_put_intfmt(w, fs);
	prsmw_put_intfmt(w, fd);
	pa30w_put_int(w, n);
	for (size_t i = 0; i < n; i++) {
		int64_t off = (int64_t)((uint64_t)e[i].b - (uint64_t)e[i].a);
		prsmw_put_number(w, fs, (int64_t)((uint64_t)e[i].a - (uint64_t)ps));
		prsmw_put_number(w, fd, (int64_t)((uint64_t)off - (uint64_t)po));
		ps = e[i].a;
		po = off;
	}
}

/* -------------------------------------------------------------- PRSM */

void prsmw_body_init(struct prsmw_body *b)
{
	memset(b, 0, sizeof(*b));
	b->declared = -1;
}

void prsmw_body_release(struct prsmw_body *b)
{
	for (size_t i = 0; i < b->n; i++)
		sxs_free(b->sec[i]);
	sxs_free(b->sec);
	sxs_free(b->sec_len);
	memset(b, 0, sizeof(*b));
}

static void body_add(struct prsmw_body *b, uint8_t *sec, size_t len)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		uint8_t **s = sxs_reallocarray(b->sec, cap, sizeof(*s));
		if (s)
			b->sec = s;
		size_t *l = sxs_reallocarray(b->sec_len, cap, sizeof(*l));
		if (l)
			b->sec_len = l;
		if (!s || !l) {
			b->oom = 1;
			sxs_free(sec);
			return;
		}
		b->cap = cap;
	}
	b->sec[b->n] = sec;
	b->sec_len[b->n++] = len;
}

void prsmw_section_raw(struct prsmw_body *b, const uint8_t *sec, size_t len)
{
	uint8_t *c = sxs_malloc(len ? len : 1);
	if (!c) {
		b->oom = 1;
		return;
	}
	if (len)
		memcpy(c, sec, len);
	body_add(b, c, len);
}

static int section_finish(struct prsmw_body *b, struct pa30w_bits *w)
{
	uint8_t *sec;
	size_t len;
	int err = pa30w_bits_finish(w, &sec, &len);
	if (err)
		return err;
	body_add(b, sec, len);
	return b->oom ? -SXS_ENOMEM : 0;
}

int prsmw_section_copy(struct prsmw_body *b, const struct prsmw_pair *e, const int64_t *lens,
                       size_t n)
{
	struct pa30w_bits w;
	struct prsmw_intfmt f;
	prsmw_intfmt_default(&f);
	pa30w_bits_init(&w);
	pa30w_put(&w, 0, 32); /* type 0 */
	pa30w_put(&w, 0, 32); /* unused */
	prsmw_put_rift(&w, &f, &f, e, n);
	for (size_t i = 0; i < n; i++)
		prsmw_put_number(&w, &f, lens[i]);
	return section_finish(b, &w);
}

int prsmw_section_insert(struct prsmw_body *b, const struct prsmw_pair *e, size_t n,
                         const uint8_t *blob, size_t blob_len, int compressed,
                         size_t chunk_size)
{
	struct pa30w_bits w;
	struct prsmw_intfmt f;
	uint8_t *c = NULL;
	size_t clen = 0;
	int err;

	if (compressed && (err = prsmw_capi_container(4, chunk_size, blob, blob_len, &c, &clen)))
		return err;
	prsmw_intfmt_default(&f);
	pa30w_bits_init(&w);
	pa30w_put(&w, 1, 32); /* type 1 */
	pa30w_put(&w, 0, 32);
	pa30w_put(&w, compressed ? 1 : 0, 32);
	prsmw_put_rift(&w, &f, &f, e, n);
	if (compressed)
		pa30w_put_buf(&w, c, clen);
	else
		pa30w_put_buf(&w, blob, blob_len);
	sxs_free(c);
	return section_finish(b, &w);
}

int prsmw_section_bytes(struct prsmw_body *b, const struct prsmw_pair *e, size_t n)
{
	struct pa30w_bits w;
	struct prsmw_intfmt f;
	prsmw_intfmt_default(&f);
	pa30w_bits_init(&w);
	pa30w_put(&w, 2, 32);
	pa30w_put(&w, 0, 32);
	prsmw_put_rift(&w, &f, &f, e, n);
	return section_finish(b, &w);
}

int prsmw_body_finish(struct prsmw_body *b, uint8_t **out, size_t *len)
{
	struct pa30w_bits w;
	if (b->oom)
		return -SXS_ENOMEM;
	pa30w_bits_init(&w);
	pa30w_put(&w, 0x4D535250u, 32); /* "PRSM" */
	pa30w_put(&w, b->declared >= 0 ? (uint64_t)b->declared : b->n, 32);
	for (size_t i = 0; i < b->n; i++)
		pa30w_put_buf(&w, b->sec[i], b->sec_len[i]);
	return pa30w_bits_finish(&w, out, len);
}

#define DIFF_MIN 8
#define DIFF_HASH_BITS 16

static uint32_t hash8(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> (64 - DIFF_HASH_BITS));
}

struct pairbuf {
	struct prsmw_pair *v;
	int64_t *len;
	size_t n, cap;
};

static int pair_push(struct pairbuf *p, int64_t a, int64_t b, int64_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct prsmw_pair *v = sxs_reallocarray(p->v, cap, sizeof(*v));
		if (!v)
			return -SXS_ENOMEM;
		p->v = v;
		int64_t *l = sxs_reallocarray(p->len, cap, sizeof(*l));
		if (!l)
			return -SXS_ENOMEM;
		p->len = l;
		p->cap = cap;
	}
	p->v[p->n].a = a;
	p->v[p->n].b = b;
	p->len[p->n++] = len;
	return 0;
}

int prsmw_diff(const uint8_t *cur, size_t cur_len, const uint8_t *base, size_t base_len,
               int compress_inserts, uint8_t **out, size_t *len)
{
	struct pairbuf copies = {0}, inserts = {0}, bytes = {0};
	struct prsmw_body body;
	int64_t *head = sxs_malloc(sizeof(int64_t) << DIFF_HASH_BITS);
	uint8_t *blob = sxs_malloc(base_len ? base_len : 1);
	size_t blob_len = 0, i = 0, lit = 0;
	int err = 0;

	prsmw_body_init(&body);
	if (!head || !blob) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < ((size_t)1 << DIFF_HASH_BITS); k++)
		head[k] = -1;
	for (size_t j = 0; j + DIFF_MIN <= cur_len; j++)
		if (head[hash8(cur + j)] < 0)
			head[hash8(cur + j)] = (int64_t)j;
	while (i <= base_len) {
		int64_t j = i + DIFF_MIN <= base_len ? head[hash8(base + i)] : -1;
		size_t m = 0;
		if (j >= 0)
			while (i + m < base_len && (size_t)j + m < cur_len && base[i + m] == cur[j + m])
				m++;
		if (m < DIFF_MIN && i < base_len) {
			i++;
			continue;
		}
		/* flush the literal run [lit, i) */
		if (i - lit == 1)
			err = pair_push(&bytes, (int64_t)lit, base[lit], 0);
		else if (i > lit) {
			err = pair_push(&inserts, (int64_t)lit, (int64_t)(i - lit), 0);
			memcpy(blob + blob_len, base + lit, i - lit);
			blob_len += i - lit;
		}
		if (err)
			goto out;
		if (i == base_len)
			break;
		if ((err = pair_push(&copies, (int64_t)i, j, (int64_t)m)))
			goto out;
		i += m;
		lit = i;
	}
	if ((copies.n && (err = prsmw_section_copy(&body, copies.v, copies.len, copies.n))) ||
	    (inserts.n && (err = prsmw_section_insert(&body, inserts.v, inserts.n, blob, blob_len,
	                                              compress_inserts, 1u << 20))) ||
	    (bytes.n && (err = prsmw_section_bytes(&body, bytes.v, bytes.n))))
		goto out;
	err = prsmw_body_finish(&body, out, len);
out:
	prsmw_body_release(&body);
	sxs_free(head);
	sxs_free(blob);
	sxs_free(copies.v);
	sxs_free(copies.len);
	sxs_free(inserts.v);
	sxs_free(inserts.len);
	sxs_free(bytes.v);
	sxs_free(bytes.len);
	return err;
}

static void put_fields(struct pa30w_bits *w, uint64_t fts, uint64_t flags, uint64_t size,
                       uint64_t alg, const uint8_t *hash, size_t hash_len)
{
	pa30w_put_int(w, fts);
	pa30w_put_int(w, 1); /* file type */
	pa30w_put_int(w, flags);
	pa30w_put_int(w, size);
	pa30w_put_int(w, alg);
	pa30w_put_buf(w, hash, hash_len);
}

int prsmw_reverse_delta(int pa31, uint64_t fts, uint64_t flags, uint64_t target_size,
                        uint64_t hash_alg_id, const uint8_t *hash, size_t hash_len,
                        const uint8_t *body, size_t body_len, uint8_t **out, size_t *len)
{
	struct pa30w_bits w;
	uint8_t *bs = NULL, *buf;
	size_t bs_len;
	int err;

	pa30w_bits_init(&w);
	if (pa31) {
		struct pa30w_bits inner;
		uint8_t *ib;
		size_t ib_len;
		pa30w_bits_init(&inner);
		put_fields(&inner, fts, flags, target_size, hash_alg_id, hash, hash_len);
		for (int i = 0; i < 3; i++)
			pa30w_put_int(&inner, 0);
		pa30w_put_buf(&inner, NULL, 0);
		if ((err = pa30w_bits_finish(&inner, &ib, &ib_len))) {
			pa30w_bits_release(&w);
			return err;
		}
		pa30w_put_buf(&w, ib, ib_len);
		sxs_free(ib);
	} else {
		put_fields(&w, fts, flags, target_size, hash_alg_id, hash, hash_len);
	}
	pa30w_put_buf(&w, body, body_len);
	if ((err = pa30w_bits_finish(&w, &bs, &bs_len)))
		return err;
	buf = sxs_malloc(12 + bs_len);
	if (!buf) {
		sxs_free(bs);
		return -SXS_ENOMEM;
	}
	memcpy(buf, pa31 ? "PA31" : "PA30", 4);
	for (int i = 0; i < 8; i++)
		buf[4 + i] = (uint8_t)(PA30W_FILETIME >> (8 * i));
	memcpy(buf + 12, bs, bs_len);
	sxs_free(bs);
	*out = buf;
	*len = 12 + bs_len;
	return 0;
}

/* ------------------------------------------------------------- XPRESS */

#define XW_BLOCK 65536u
#define XW_WINDOW 65535u
#define XW_HASH_BITS 15
#define XW_CHAIN 32

struct xw_tok {
	uint32_t len;  /* 0: literal */
	uint32_t dist;
	uint8_t lit;
};

struct xw_out {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void xo_put(struct xw_out *o, const uint8_t *d, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		while (cap < o->len + n)
			cap *= 2;
		uint8_t *p = sxs_realloc(o->p, cap);
		if (!p) {
			o->oom = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, d, n);
	o->len += n;
}

/* the bits of one block, one per byte, and the raw bytes with their bit position */
struct xw_block {
	uint8_t *bits;
	size_t nbits, bcap;
	struct { size_t at; uint8_t b[6]; unsigned n; } *raw; /* raw bytes read after bit `at` */
	size_t nraw, rcap;
	struct { size_t at; unsigned n; } *grp; /* bit groups as the decoder consumes them */
	size_t ngrp, gcap;
	int oom;
};

static void xb_bits(struct xw_block *b, uint32_t v, unsigned n)
{
	if (b->nbits + n > b->bcap) {
		size_t cap = b->bcap ? 2 * b->bcap : 4096;
		while (cap < b->nbits + n)
			cap *= 2;
		uint8_t *p = sxs_realloc(b->bits, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->bits = p;
		b->bcap = cap;
	}
	if (b->ngrp == b->gcap) {
		size_t cap = b->gcap ? 2 * b->gcap : 1024;
		void *p = sxs_reallocarray(b->grp, cap, sizeof(*b->grp));
		if (!p) {
			b->oom = 1;
			return;
		}
		b->grp = p;
		b->gcap = cap;
	}
	b->grp[b->ngrp].at = b->nbits;
	b->grp[b->ngrp++].n = n;
	for (unsigned i = 0; i < n; i++)
		b->bits[b->nbits++] = (uint8_t)((v >> (n - 1 - i)) & 1u);
}

static void xb_raw(struct xw_block *b, const uint8_t *d, unsigned n)
{
	if (b->nraw == b->rcap) {
		size_t cap = b->rcap ? 2 * b->rcap : 256;
		void *p = sxs_reallocarray(b->raw, cap, sizeof(*b->raw));
		if (!p) {
			b->oom = 1;
			return;
		}
		b->raw = p;
		b->rcap = cap;
	}
	b->raw[b->nraw].at = b->ngrp; /* before the next bit group */
	memcpy(b->raw[b->nraw].b, d, n);
	b->raw[b->nraw++].n = n;
}

static void xw_codes(const uint8_t *lens, uint32_t *codes)
{
	uint32_t code = 0;
	unsigned prev = 0;
	for (unsigned len = 1; len <= 15; len++)
		for (unsigned s = 0; s < 512; s++)
			if (lens[s] == len) {
				code <<= len - prev;
				prev = len;
				codes[s] = code++;
			}
}

static void xo_word(struct xw_out *o, const struct xw_block *b, size_t from)
{
	uint16_t w = 0;
	for (unsigned i = 0; i < 16; i++)
		w = (uint16_t)(w << 1 | (from + i < b->nbits ? b->bits[from + i] : 0));
	uint8_t le[2] = {(uint8_t)w, (uint8_t)(w >> 8)};
	xo_put(o, le, 2);
}

/* Lay a block out as a lazy-refilling reader consumes it (codec.h). */
static void xw_layout(struct xw_out *o, const uint8_t *lens, const struct xw_block *b)
{
	uint8_t table[256];
	for (unsigned i = 0; i < 256; i++)
		table[i] = (uint8_t)(lens[2 * i] | lens[2 * i + 1] << 4);
	xo_put(o, table, 256);
	size_t loaded = 0, r = 0;
	unsigned left = 32;
	xo_word(o, b, loaded);
	xo_word(o, b, loaded + 16);
	loaded = 32;
	for (size_t g = 0; g <= b->ngrp; g++) {
		while (r < b->nraw && b->raw[r].at == g) {
			xo_put(o, b->raw[r].b, b->raw[r].n);
			r++;
		}
		if (g == b->ngrp)
			break;
		unsigned k = b->grp[g].n;
		if (left - k < 16) {
			xo_word(o, b, loaded);
			loaded += 16;
			left += 16;
		}
		left -= k;
	}
}

int prsmw_xpress_compress(const uint8_t *data, size_t n, uint8_t **out, size_t *len)
{
	struct xw_out o = {0};
	int32_t *head = sxs_malloc(sizeof(int32_t) << XW_HASH_BITS);
	int32_t *prev = sxs_malloc(sizeof(int32_t) * (n ? n : 1));
	struct xw_tok *tok = sxs_malloc(sizeof(*tok) * (n ? n : 1));
	size_t ntok = 0;
	int err = 0;

	if (!head || !prev || !tok) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < ((size_t)1 << XW_HASH_BITS); k++)
		head[k] = -1;
	for (size_t i = 0; i < n;) {
		uint32_t best = 0, bdist = 0;
		if (i + 3 <= n) {
			uint32_t h = ((uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2]) *
			             2654435761u >> (32 - XW_HASH_BITS);
			int32_t c = head[h];
			for (int depth = 0; c >= 0 && depth < XW_CHAIN && i - (size_t)c <= XW_WINDOW;
			     depth++, c = prev[c]) {
				uint32_t m = 0;
				while (i + m < n && data[c + m] == data[i + m])
					m++;
				if (m > best) {
					best = m;
					bdist = (uint32_t)(i - (size_t)c);
				}
			}
			prev[i] = head[h];
			head[h] = (int32_t)i;
		}
		if (best >= 3) {
			tok[ntok++] = (struct xw_tok){best, bdist, 0};
			for (size_t k = 1; k < best && i + k + 3 <= n; k++) {
				uint32_t h = ((uint32_t)data[i + k] << 16 | (uint32_t)data[i + k + 1] << 8 |
				              data[i + k + 2]) * 2654435761u >> (32 - XW_HASH_BITS);
				prev[i + k] = head[h];
				head[h] = (int32_t)(i + k);
			}
			i += best;
		} else {
			tok[ntok++] = (struct xw_tok){0, 0, data[i]};
			i++;
		}
	}
	/* blocks: tokens until the block's 64 KiB are produced (the last match may run over) */
	size_t t = 0, pos = 0;
	while (t < ntok && !o.oom) {
		size_t t0 = t, end = pos + XW_BLOCK;
		uint32_t freq[512] = {0};
		uint8_t lens[512];
		uint32_t codes[512];
		for (; t < ntok && pos < end; t++) {
			if (!tok[t].len) {
				freq[tok[t].lit]++;
				pos++;
				continue;
			}
			unsigned db = 31u - (unsigned)__builtin_clz(tok[t].dist);
			unsigned l = tok[t].len - 3 < 15 ? tok[t].len - 3 : 15;
			freq[256 + (db << 4) + l]++;
			pos += tok[t].len;
		}
		if ((err = pa30w_lengths_from_freqs(freq, 512, 15, lens)))
			goto out;
		xw_codes(lens, codes);
		struct xw_block b = {0};
		for (size_t k = t0; k < t; k++) {
			if (!tok[k].len) {
				xb_bits(&b, codes[tok[k].lit], lens[tok[k].lit]);
				continue;
			}
			uint32_t L = tok[k].len - 3;
			unsigned db = 31u - (unsigned)__builtin_clz(tok[k].dist);
			unsigned s = 256 + (db << 4) + (L < 15 ? L : 15);
			xb_bits(&b, codes[s], lens[s]);
			if (L >= 15) {
				uint8_t r[7];
				unsigned nr;
				if (L - 15 < 255) {
					r[0] = (uint8_t)(L - 15);
					nr = 1;
				} else if (L < 65536) {
					r[0] = 255;
					r[1] = (uint8_t)L;
					r[2] = (uint8_t)(L >> 8);
					nr = 3;
				} else {
					r[0] = 255;
					r[1] = r[2] = 0;
					r[3] = (uint8_t)L;
					r[4] = (uint8_t)(L >> 8);
					r[5] = (uint8_t)(L >> 16);
					nr = 6; /* + the top byte below */
					xb_raw(&b, r, nr);
					r[0] = (uint8_t)(L >> 24);
					xb_raw(&b, r, 1);
					nr = 0;
				}
				if (nr)
					xb_raw(&b, r, nr);
			}
			if (db)
				xb_bits(&b, tok[k].dist - (1u << db), db);
		}
		if (!b.oom)
			xw_layout(&o, lens, &b);
		int boom = b.oom;
		sxs_free(b.bits);
		sxs_free(b.raw);
		sxs_free(b.grp);
		if (boom) {
			err = -SXS_ENOMEM;
			goto out;
		}
	}
	if (o.oom) {
		err = -SXS_ENOMEM;
		goto out;
	}
	*out = o.p ? o.p : sxs_malloc(1);
	*len = o.len;
	o.p = NULL;
	if (!*out)
		err = -SXS_ENOMEM;
out:
	sxs_free(o.p);
	sxs_free(head);
	sxs_free(prev);
	sxs_free(tok);
	return err;
}

static void le_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int prsmw_capi_container(unsigned alg, size_t chunk_size, const uint8_t *data, size_t n,
                         uint8_t **out, size_t *len)
{
	struct xw_out o = {0};
	struct wimlib_compressor *wc = NULL;
	uint8_t hdr[24], *tmp = NULL;
	int err = 0;

	le_put(hdr, 0xC0E5510Au, 4);
	le_put(hdr + 4, 24, 2);
	hdr[6] = 0;
	hdr[7] = (uint8_t)alg;
	le_put(hdr + 8, n, 8);
	le_put(hdr + 16, chunk_size, 4);
	le_put(hdr + 20, 0, 4);
	xo_put(&o, hdr, 24);
	if (alg == 5 && wimlib_create_compressor(WIMLIB_COMPRESSION_TYPE_LZMS, chunk_size, 0, &wc)) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t at = 0; at < n && !o.oom; at += chunk_size) {
		size_t want = n - at < chunk_size ? n - at : chunk_size, clen = 0;
		uint8_t sz[4];
		if (alg == 4) {
			if ((err = prsmw_xpress_compress(data + at, want, &tmp, &clen)))
				goto out;
		} else {
			tmp = sxs_malloc(want);
			if (!tmp) {
				err = -SXS_ENOMEM;
				goto out;
			}
			clen = wimlib_compress(data + at, want, tmp, want - 1, wc);
			if (clen == 0)
				clen = want; /* could not shrink it: stored */
		}
		if (clen >= want) {
			le_put(sz, want, 4);
			xo_put(&o, sz, 4);
			xo_put(&o, data + at, want);
		} else {
			le_put(sz, clen, 4);
			xo_put(&o, sz, 4);
			xo_put(&o, tmp, clen);
		}
		sxs_free(tmp);
		tmp = NULL;
	}
	if (o.oom) {
		err = -SXS_ENOMEM;
		goto out;
	}
	*out = o.p;
	*len = o.len;
	o.p = NULL;
out:
	if (wc)
		wimlib_free_compressor(wc);
	sxs_free(tmp);
	sxs_free(o.p);
	return err;
}

int prsmw_make_dcs(const uint8_t *data, size_t n, size_t block_size, uint8_t **out,
                   size_t *len)
{
	struct xw_out o = {0};
	struct wimlib_compressor *wc = NULL;
	size_t nblocks = n ? (n + block_size - 1) / block_size : 0;
	uint8_t hdr[12], *tmp = NULL;
	int err = 0;

	memcpy(hdr, "DCS\x01", 4);
	le_put(hdr + 4, nblocks, 4);
	le_put(hdr + 8, n, 4);
	xo_put(&o, hdr, 12);
	if (wimlib_create_compressor(WIMLIB_COMPRESSION_TYPE_LZMS, block_size, 0, &wc))
		return -SXS_ENOMEM;
	size_t cap = block_size + block_size / 2 + 4096;
	tmp = sxs_malloc(cap);
	if (!tmp) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t at = 0; at < n; at += block_size) {
		size_t want = n - at < block_size ? n - at : block_size;
		size_t clen = wimlib_compress(data + at, want, tmp, cap, wc);
		uint8_t bh[8];
		if (clen == 0) {
			err = -SXS_EINVAL;
			goto out;
		}
		le_put(bh, clen + 4, 4);
		le_put(bh + 4, want, 4);
		xo_put(&o, bh, 8);
		xo_put(&o, tmp, clen);
	}
	if (o.oom) {
		err = -SXS_ENOMEM;
		goto out;
	}
	*out = o.p;
	*len = o.len;
	o.p = NULL;
out:
	wimlib_free_compressor(wc);
	sxs_free(tmp);
	sxs_free(o.p);
	return err;
}

int prsmw_psfx_file(const uint8_t *delta, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t *buf = sxs_malloc(len + 4);
	if (!buf)
		return -SXS_ENOMEM;
	le_put(buf, crc32(0L, delta, (uInt)len), 4);
	memcpy(buf + 4, delta, len);
	*out = buf;
	*out_len = len + 4;
	return 0;
}
