/* SPDX-License-Identifier: MIT */
/* Rift maps and their algebra (psfx.md §5.3); see riftmap.h. */
#include "pa30/pe/riftmap.h"

#include <string.h>

#include "util/alloc.h"

/* Wrapping arithmetic on int64 values (two's complement, mod 2^64). */
static inline int64_t wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t pt_offset(const struct pa30_riftpt *p)
{
	return wsub(p->dst, p->src);
}

void pa30_riftmap_init(struct pa30_riftmap *m)
{
	m->v = NULL;
	m->n = m->cap = 0;
}

void pa30_riftmap_release(struct pa30_riftmap *m)
{
	sxs_free(m->v);
	pa30_riftmap_init(m);
}

int pa30_riftmap_push(struct pa30_riftmap *m, int64_t src, int64_t dst)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct pa30_riftpt *v;
		if (m->n >= SXS_MAX_PE_RIFT)
			return -SXS_ELIMIT;
		if (cap > SXS_MAX_PE_RIFT)
			cap = SXS_MAX_PE_RIFT;
		v = sxs_reallocarray(m->v, cap, sizeof(*v));
		if (!v)
			return -SXS_ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].src = src;
	m->v[m->n].dst = dst;
	m->n++;
	return 0;
}

/* Bottom-up merge sort by src; equal keys keep their order. */
int pa30_riftmap_sort(struct pa30_riftmap *m)
{
	struct pa30_riftpt *a = m->v, *b, *t;
	size_t n = m->n;

	if (n < 2)
		return 0;
	/* already sorted: the common case for tables read from a stream */
	for (size_t i = 1; i < n; i++) {
		if (a[i].src < a[i - 1].src)
			goto sort;
	}
	return 0;
sort:
	b = sxs_reallocarray(NULL, n, sizeof(*b));
	if (!b)
		return -SXS_ENOMEM;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				b[k++] = a[j].src < a[i].src ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		t = a;
		a = b;
		b = t;
	}
	if (a != m->v) {
		memcpy(m->v, a, n * sizeof(*a));
		b = a;
	}
	sxs_free(b);
	return 0;
}

/* Index of the last breakpoint with src <= x, or n when x is below all. */
static size_t last_at_or_below(const struct pa30_riftmap *m, int64_t x)
{
	size_t lo = 0, hi = m->n; /* first index with src > x is in [lo, hi] */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->v[mid].src <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? m->n : lo - 1;
}

int64_t pa30_riftmap_offset(const struct pa30_riftmap *m, int64_t x)
{
	size_t i;

	if (m->n == 0)
		return 0;
	i = last_at_or_below(m, x);
	return i == m->n ? 0 : pt_offset(&m->v[i]);
}

int64_t pa30_riftmap_apply(const struct pa30_riftmap *m, int64_t x)
{
	return wadd(x, pa30_riftmap_offset(m, x));
}

/*
 * The wrapping lookup: offset at x and *last_ret, the last position still in
 * x's segment.  Below the first breakpoint the last breakpoint's offset
 * applies, up to the first breakpoint.
 */
static int64_t get_wrapped(const struct pa30_riftmap *m, int64_t x, int64_t *last_ret)
{
	size_t i;

	if (m->n == 0) {
		*last_ret = INT64_MAX;
		return 0;
	}
	i = last_at_or_below(m, x);
	if (i == m->n) {
		*last_ret = m->v[0].src - 1; /* x < v[0].src, so no overflow */
		return pt_offset(&m->v[m->n - 1]);
	}
	*last_ret = i + 1 < m->n ? m->v[i + 1].src - 1 : INT64_MAX;
	return pt_offset(&m->v[i]);
}

static int copy_map(const struct pa30_riftmap *from, struct pa30_riftmap *out)
{
	for (size_t i = 0; i < from->n; i++) {
		int err = pa30_riftmap_push(out, from->v[i].src, from->v[i].dst);
		if (err)
			return err;
	}
	return 0;
}

static int limit_error(int err, struct sxs_diag *diag, const char *what)
{
	if (err == -SXS_ELIMIT)
		return sxs_diag_set(diag, SXS_ELIMIT,
		                    "pa30: %s rift map exceeds %zu entries or overlaps too much",
		                    what, SXS_MAX_PE_RIFT);
	return sxs_diag_set(diag, -err, "pa30: out of memory for a rift map");
}

/*
 * Emit b(a(x)) breakpoints for the source piece [x0, x1] (inclusive, signed
 * order) on which a has offset oa: one at x0, and one wherever the image
 * x + oa crosses into the next segment of b.
 */
static int multiply_piece(const struct pa30_riftmap *b, int64_t x0, int64_t x1, int64_t oa,
                          struct pa30_riftmap *out)
{
	int64_t x = x0, y = wadd(x0, oa), last;
	int64_t ob = get_wrapped(b, y, &last);
	int err = pa30_riftmap_push(out, x, wadd(y, ob));

	/* the image segment ends (at last) before the piece does */
	while (!err && (uint64_t)wsub(last, y) < (uint64_t)wsub(x1, x)) {
		x = wadd(wadd(x, wsub(last, y)), 1);
		y = wadd(last, 1);
		ob = get_wrapped(b, y, &last);
		err = pa30_riftmap_push(out, x, wadd(y, ob));
	}
	return err;
}

int pa30_riftmap_multiply(const struct pa30_riftmap *a, const struct pa30_riftmap *b,
                          struct pa30_riftmap *out, struct sxs_diag *diag)
{
	struct pa30_riftmap r;
	int err = 0;

	pa30_riftmap_init(&r);
	if (a->n == 0 || b->n == 0) {
		err = copy_map(a->n == 0 ? b : a, &r);
	} else {
		/* the wrapped region below a's first breakpoint, with a's last offset */
		if (a->v[0].src > INT64_MIN)
			err = multiply_piece(b, INT64_MIN, a->v[0].src - 1,
			                     pt_offset(&a->v[a->n - 1]), &r);
		for (size_t i = 0; !err && i < a->n; i++) {
			int64_t x1 = INT64_MAX;
			if (i + 1 < a->n) {
				if (a->v[i + 1].src == a->v[i].src)
					continue; /* an empty segment */
				x1 = a->v[i + 1].src - 1;
			}
			err = multiply_piece(b, a->v[i].src, x1, pt_offset(&a->v[i]), &r);
		}
	}
	if (!err)
		err = pa30_riftmap_sort(&r);
	if (err) {
		pa30_riftmap_release(&r);
		return limit_error(err, diag, "composed");
	}
	pa30_riftmap_release(out);
	*out = r;
	return 0;
}

/* ---------------------------------------------------------------- reverse */

/* Image positions already covered: disjoint, non-touching, sorted [lo, hi]. */
struct covered {
	struct pa30_riftpt *v; /* src = lo, dst = hi (inclusive) */
	size_t n, cap;
	size_t work;           /* records moved so far */
};

/* Replace intervals [k1, k2) by one interval [lo, hi] (k1 == k2: insert). */
static int covered_replace(struct covered *c, size_t k1, size_t k2, int64_t lo, int64_t hi)
{
	c->work += c->n - k2;
	if (c->work > SXS_MAX_RIFT_WORK)
		return -SXS_ELIMIT;
	if (k1 == k2) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 16;
			struct pa30_riftpt *v = sxs_reallocarray(c->v, cap, sizeof(*v));
			if (!v)
				return -SXS_ENOMEM;
			c->v = v;
			c->cap = cap;
		}
		memmove(c->v + k1 + 1, c->v + k1, (c->n - k1) * sizeof(*c->v));
		c->n++;
	} else if (k2 - k1 > 1) {
		memmove(c->v + k1 + 1, c->v + k2, (c->n - k2) * sizeof(*c->v));
		c->n -= k2 - k1 - 1;
	}
	c->v[k1].src = lo;
	c->v[k1].dst = hi;
	return 0;
}

/*
 * Source positions [x, x + span) (span >= 1, the image not wrapping) map to
 * image [lo, hi] with offset o.  Emit inverse breakpoints (image, source) for
 * the parts of the image no earlier piece covered, so that after sorting
 * every image position maps back through the first piece that reached it.
 */
static int reverse_piece(struct covered *c, int64_t x, int64_t lo, int64_t hi, int64_t o,
                         struct pa30_riftmap *out)
{
	size_t k1 = 0, k2;
	int err;

	/*
	 * First interval that overlaps or touches [lo, hi] from the left: the
	 * first with hi_k >= lo - 1 (the intervals are sorted and disjoint, so
	 * their ends are sorted too).
	 */
	{
		size_t a = 0, b = c->n;
		while (a < b) {
			size_t mid = a + (b - a) / 2;
			if (c->v[mid].dst >= lo || (lo != INT64_MIN && c->v[mid].dst == lo - 1))
				b = mid;
			else
				a = mid + 1;
		}
		k1 = a;
	}
	k2 = k1;
	while (k2 < c->n && (hi == INT64_MAX || c->v[k2].src <= hi + 1))
		k2++;
	if (k1 == k2) {
		/* nothing covered there yet */
		err = pa30_riftmap_push(out, lo, x);
		return err ? err : covered_replace(c, k1, k2, lo, hi);
	}
	int64_t new_lo = c->v[k1].src, new_hi;
	if (lo < new_lo) {
		err = pa30_riftmap_push(out, lo, x);
		if (err)
			return err;
		new_lo = lo;
	}
	/* the gaps between covered intervals are ours */
	for (size_t k = k1; k + 1 < k2; k++) {
		int64_t gap = c->v[k].dst + 1;
		err = pa30_riftmap_push(out, gap, wsub(gap, o));
		if (err)
			return err;
	}
	new_hi = c->v[k2 - 1].dst;
	if (new_hi < hi) {
		int64_t gap = new_hi + 1;
		err = pa30_riftmap_push(out, gap, wsub(gap, o));
		if (err)
			return err;
		new_hi = hi;
	}
	return covered_replace(c, k1, k2, new_lo, new_hi);
}

/* A source run [x, x + span) with offset o; split where its image wraps. */
static int reverse_run(struct covered *c, int64_t x, uint64_t span, int64_t o,
                       struct pa30_riftmap *out)
{
	while (span) {
		int64_t lo = wadd(x, o);
		uint64_t room = (uint64_t)INT64_MAX - (uint64_t)lo; /* positions after lo */
		uint64_t take = span - 1 > room ? room + 1 : span;
		int err = reverse_piece(c, x, lo, wadd(lo, (int64_t)(take - 1)), o, out);
		if (err)
			return err;
		x = wadd(x, (int64_t)take);
		span -= take;
	}
	return 0;
}

int pa30_riftmap_reverse(const struct pa30_riftmap *a, struct pa30_riftmap *out,
                         struct sxs_diag *diag)
{
	struct pa30_riftmap r;
	struct covered c = {NULL, 0, 0, 0};
	size_t n = a->n, z, i;
	int err = 0;

	pa30_riftmap_init(&r);
	if (n == 0)
		goto done;
	if (a->v[0].src == a->v[n - 1].src) {
		/* one distinct source: a constant shift, inverted */
		err = pa30_riftmap_push(&r, 0, wsub(0, pt_offset(&a->v[0])));
		goto done;
	}
	/*
	 * Walk from source 0 upwards around the circle, ending where the segment
	 * that contains 0 begins: z is that segment (the last breakpoint <= 0,
	 * or the wrapping last one when every breakpoint is positive).
	 */
	z = last_at_or_below(a, 0);
	if (z == n)
		z = n - 1;
	{
		int64_t cursor = 0;
		i = z;
		for (;;) {
			size_t j = i + 1 < n ? i + 1 : 0;
			uint64_t span = (uint64_t)wsub(a->v[j].src, cursor);
			err = reverse_run(&c, cursor, span, pt_offset(&a->v[i]), &r);
			if (err)
				goto done;
			cursor = a->v[j].src;
			if (j == z)
				break;
			i = j;
		}
	}
	err = pa30_riftmap_sort(&r);
	if (err)
		goto done;
	/* drop breakpoints at INT64_MIN, then keep the last of each equal src */
	{
		size_t k = 0;
		for (i = 0; i < r.n; i++) {
			if (r.v[i].src == INT64_MIN || r.v[i].dst == INT64_MIN)
				continue;
			if (k > 0 && r.v[k - 1].src == r.v[i].src)
				r.v[k - 1] = r.v[i];
			else
				r.v[k++] = r.v[i];
		}
		r.n = k;
	}
done:
	sxs_free(c.v);
	if (err) {
		pa30_riftmap_release(&r);
		return limit_error(err, diag, "inverse");
	}
	pa30_riftmap_release(out);
	*out = r;
	return 0;
}
