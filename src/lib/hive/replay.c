/* SPDX-License-Identifier: MIT */
/*
 * Hive transaction log replay (see replay.h).  Layouts and rules from
 * msuhanov's "Windows registry file format specification" (formats.md
 * source RS), checked against the hives Windows 10 and Windows 7 recovered
 * themselves (yarp's hives_for_tests, ../shared/vectors/hives; tests in
 * tests/unit/hive/test_replay.c).  Own code: no line of any other
 * implementation was used.
 */
#include "hive/replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/bytes.h"
#include "util/strbuf.h"

#define BASE_SIZE 4096u       /* primary base block */
#define LOG_BASE_SIZE 512u    /* the base block copy at the start of a log */
#define PAGE_OLD 512u         /* old format: one bitmap bit per 512 bytes */
#define BIN_ALIGN 4096u

/* base block fields (formats.md 7.1) */
#define OFF_SEQ1 4
#define OFF_SEQ2 8
#define OFF_TIMESTAMP 12
#define OFF_MAJOR 20
#define OFF_MINOR 24
#define OFF_TYPE 28
#define OFF_ROOT 36
#define OFF_BINS 40
#define OFF_FLAGS 144
#define OFF_CHECKSUM 508
#define HBIN_OFF_TIMESTAMP 20

#define TYPE_PRIMARY 0u
#define TYPE_LOG_OLD 1u
#define TYPE_LOG_VERYOLD 2u /* Windows 2000 */
#define TYPE_LOG_NEW 6u

/* HvLE entry header */
#define HVLE_HEADER 40u
#define HVLE_OFF_SIZE 4
#define HVLE_OFF_FLAGS 8
#define HVLE_OFF_SEQ 12
#define HVLE_OFF_BINS 16
#define HVLE_OFF_NPAGES 20
#define HVLE_OFF_HASH1 24
#define HVLE_OFF_HASH2 32
#define HVLE_HASH2_SPAN 32u

/* ------------------------------------------------------------------ */
/* Marvin32                                                           */

static uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void marvin_mix(uint32_t *lo, uint32_t *hi)
{
	*hi ^= *lo;
	*lo = rotl32(*lo, 20);
	*lo += *hi;
	*hi = rotl32(*hi, 9);
	*hi ^= *lo;
	*lo = rotl32(*lo, 27);
	*lo += *hi;
	*hi = rotl32(*hi, 19);
}

uint64_t sxs_marvin32(const uint8_t *data, size_t len, uint64_t seed)
{
	uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32);
	size_t i = 0;

	for (; len - i >= 4; i += 4) {
		lo += sxs_le32(data + i);
		marvin_mix(&lo, &hi);
	}
	/* the 0-3 bytes left, closed by a 0x80 marker byte */
	uint32_t last = 0x80;
	switch (len - i) {
	case 3:
		last = 0x80000000u | (uint32_t)data[i + 2] << 16 | sxs_le16(data + i);
		break;
	case 2:
		last = 0x800000u | sxs_le16(data + i);
		break;
	case 1:
		last = 0x8000u | data[i];
		break;
	default:
		break;
	}
	lo += last;
	marvin_mix(&lo, &hi);
	marvin_mix(&lo, &hi);
	/* stored as a little-endian 64-bit value: first lane low [V: vectors] */
	return (uint64_t)hi << 32 | lo;
}

/* ------------------------------------------------------------------ */
/* base blocks                                                        */

/* XOR-32 of the first 508 bytes; 0 becomes 1 and ~0 becomes ~0 - 1. */
uint32_t sxs_hive_base_checksum(const uint8_t *b)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < OFF_CHECKSUM; i += 4)
		sum ^= sxs_le32(b + i);
	if (sum == 0xffffffffu)
		sum = 0xfffffffeu;
	else if (sum == 0)
		sum = 1;
	return sum;
}

/* Windows stores the fixed-up sum; a writer that stores the plain XOR
 * (0 or ~0 uncorrected) is accepted too. */
bool sxs_hive_base_checksum_ok(const uint8_t *b)
{
	uint32_t sum = 0, stored = sxs_le32(b + OFF_CHECKSUM);
	for (size_t i = 0; i < OFF_CHECKSUM; i += 4)
		sum ^= sxs_le32(b + i);
	return stored == sum || stored == sxs_hive_base_checksum(b);
}

struct base {
	bool checksum_ok;
	uint32_t seq1, seq2, major, type, root, bins, flags;
	uint64_t timestamp;
};

/* b holds at least LOG_BASE_SIZE bytes. */
static void read_base(const uint8_t *b, struct base *out)
{
	out->checksum_ok = sxs_hive_base_checksum_ok(b);
	out->seq1 = sxs_le32(b + OFF_SEQ1);
	out->seq2 = sxs_le32(b + OFF_SEQ2);
	out->timestamp = sxs_le64(b + OFF_TIMESTAMP);
	out->major = sxs_le32(b + OFF_MAJOR);
	out->type = sxs_le32(b + OFF_TYPE);
	out->root = sxs_le32(b + OFF_ROOT);
	out->bins = sxs_le32(b + OFF_BINS);
	out->flags = sxs_le32(b + OFF_FLAGS);
}

/* a comes at or after b in sequence-number order (numbers wrap at 2^32) */
static bool seq_ge(uint32_t a, uint32_t b)
{
	return (uint32_t)(a - b) <= 0x7fffffffu;
}

/* ------------------------------------------------------------------ */
/* logs                                                               */

struct log_view {
	unsigned idx; /* 0 LOG1, 1 LOG2 */
	const uint8_t *p;
	size_t len;
	struct base b;
	enum sxs_log_format fmt;
	struct sxs_replay_log *out;
	/* old format */
	size_t pages_start, npages;
	const uint8_t *bitmap;
	size_t bitmap_bits;
};

static void note(struct sxs_replay_log *l, const char *fmt, ...) SXS_PRINTF(2, 3);
static void note(struct sxs_replay_log *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->note, sizeof(l->note), fmt, ap);
	va_end(ap);
}

static bool bins_size_ok(uint32_t bins)
{
	return bins != 0 && bins % BIN_ALIGN == 0 && (uint64_t)bins + BASE_SIZE <= SXS_MAX_LOG_SIZE;
}

/* The old format's dirty vector and pages: all must be in the file. */
static bool parse_old(struct log_view *l)
{
	size_t bytes = l->b.bins / BIN_ALIGN; /* bins / 512 bits */
	if (LOG_BASE_SIZE + 4 > l->len || memcmp(l->p + LOG_BASE_SIZE, "DIRT", 4) != 0) {
		note(l->out, "no dirty vector (DIRT) after its base block");
		return false;
	}
	if (bytes > l->len - LOG_BASE_SIZE - 4) {
		note(l->out, "dirty vector cut short (%zu of %zu bytes)", l->len - LOG_BASE_SIZE - 4,
		     bytes);
		return false;
	}
	l->bitmap = l->p + LOG_BASE_SIZE + 4;
	l->bitmap_bits = bytes * 8;
	size_t start = LOG_BASE_SIZE + 4 + bytes;
	start = (start + PAGE_OLD - 1) / PAGE_OLD * PAGE_OLD;
	size_t n = 0;
	for (size_t i = 0; i < bytes; i++)
		n += (size_t)__builtin_popcount(l->bitmap[i]);
	l->pages_start = start;
	l->npages = n;
	if (n == 0) {
		note(l->out, "its dirty vector marks no page");
		return false;
	}
	if (start > l->len || n > (l->len - start) / PAGE_OLD) {
		note(l->out, "holds %zu of the %zu dirty pages its vector names (cut short)",
		     start > l->len ? 0 : (l->len - start) / PAGE_OLD, n);
		return false;
	}
	return true;
}

/* Classify one log by its base block (and, for the old format, its vector). */
static void parse_log(struct log_view *l)
{
	struct sxs_replay_log *o = l->out;
	l->fmt = SXS_LOG_NONE;
	if (!l->p || l->len == 0) {
		note(o, "%s", l->p ? "empty" : "absent");
		return;
	}
	o->present = true;
	if (l->len < LOG_BASE_SIZE) {
		note(o, "shorter than a log base block (%zu bytes)", l->len);
		return;
	}
	if (memcmp(l->p, "regf", 4) != 0) {
		note(o, "not a registry transaction log (bad signature)");
		return;
	}
	read_base(l->p, &l->b);
	if (!l->b.checksum_ok) {
		note(o, "its base block checksum is wrong (the log itself was not completely written)");
		return;
	}
	if (l->b.seq1 != l->b.seq2) {
		note(o, "its base block is dirty (sequence numbers %u and %u)", l->b.seq1, l->b.seq2);
		return;
	}
	if (l->b.major != 1) {
		note(o, "unsupported hive format version %u", l->b.major);
		return;
	}
	if (!bins_size_ok(l->b.bins)) {
		note(o, "bad hive bins size %u in its base block", l->b.bins);
		return;
	}
	if (l->b.type == TYPE_LOG_NEW) {
		if (l->len < LOG_BASE_SIZE + HVLE_HEADER) {
			note(o, "holds no log entry");
			return;
		}
		l->fmt = SXS_LOG_NEW;
	} else if (l->b.type == TYPE_LOG_OLD || l->b.type == TYPE_LOG_VERYOLD) {
		if (!parse_old(l))
			return;
		l->fmt = SXS_LOG_OLD;
	} else {
		note(o, "not a transaction log (file type %u)", l->b.type);
		return;
	}
	o->format = l->fmt;
}

/* ------------------------------------------------------------------ */
/* new format: entries                                                */

struct entry {
	const struct log_view *log;
	size_t off;
	uint32_t size, flags, seq, bins, npages;
};

/*
 * The entry at `off` if it is the one expected next (sequence `want`) and
 * whole: signature, size, sizes, both hashes, page references inside the
 * entry and the hive.  Otherwise false, with why in *why (a normal end of
 * the entries when the signature is absent).
 */
static bool read_entry(const struct log_view *l, size_t off, uint32_t want, struct entry *e,
                       char *why, size_t whylen)
{
	const uint8_t *p = l->p + off;
	if (off >= l->len) {
		snprintf(why, whylen, "end of file");
		return false;
	}
	if (HVLE_HEADER > l->len - off || memcmp(p, "HvLE", 4) != 0) {
		snprintf(why, whylen, "no entry at 0x%zx", off);
		return false;
	}
	e->log = l;
	e->off = off;
	e->size = sxs_le32(p + HVLE_OFF_SIZE);
	e->flags = sxs_le32(p + HVLE_OFF_FLAGS);
	e->seq = sxs_le32(p + HVLE_OFF_SEQ);
	e->bins = sxs_le32(p + HVLE_OFF_BINS);
	e->npages = sxs_le32(p + HVLE_OFF_NPAGES);
	if (e->size < LOG_BASE_SIZE || e->size % LOG_BASE_SIZE != 0 || e->size > l->len - off) {
		snprintf(why, whylen, "entry at 0x%zx has a bad size (%u bytes)", off, e->size);
		return false;
	}
	if (e->seq != want) {
		snprintf(why, whylen, "entry at 0x%zx has sequence number %u, %u expected", off,
		         e->seq, want);
		return false;
	}
	if (sxs_marvin32(p, HVLE_HASH2_SPAN, SXS_HVLE_MARVIN_SEED) != sxs_le64(p + HVLE_OFF_HASH2) ||
	    sxs_marvin32(p + HVLE_HEADER, e->size - HVLE_HEADER, SXS_HVLE_MARVIN_SEED) !=
	            sxs_le64(p + HVLE_OFF_HASH1)) {
		snprintf(why, whylen, "entry at 0x%zx (sequence %u) fails its Marvin32 hash check",
		         off, e->seq);
		return false;
	}
	if (!bins_size_ok(e->bins)) {
		snprintf(why, whylen, "entry at 0x%zx has a bad hive bins size (%u)", off, e->bins);
		return false;
	}
	size_t avail = e->size - HVLE_HEADER;
	if (e->npages == 0 || e->npages > avail / 8) {
		snprintf(why, whylen, "entry at 0x%zx has a bad dirty page count (%u)", off,
		         e->npages);
		return false;
	}
	avail -= (size_t)e->npages * 8;
	for (uint32_t i = 0; i < e->npages; i++) {
		uint32_t poff = sxs_le32(p + HVLE_HEADER + 8 * (size_t)i);
		uint32_t psize = sxs_le32(p + HVLE_HEADER + 8 * (size_t)i + 4);
		if (psize == 0 || psize > avail || poff > e->bins || psize > e->bins - poff) {
			snprintf(why, whylen,
			         "entry at 0x%zx: dirty page %u (0x%x, %u bytes) lies outside the "
			         "entry or the hive",
			         off, i, poff, psize);
			return false;
		}
		avail -= psize;
	}
	return true;
}

/* The entries of one log, in order, from sequence `want` on (up to a cap). */
struct plan {
	struct entry *v;
	size_t n, cap;
	bool oom;
};

static void plan_add(struct plan *pl, const struct entry *e)
{
	if (pl->oom)
		return;
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 16;
		struct entry *v = sxs_reallocarray(pl->v, ncap, sizeof(*v));
		if (!v) {
			pl->oom = true;
			return;
		}
		pl->v = v;
		pl->cap = ncap;
	}
	pl->v[pl->n++] = *e;
}

/* Collect the log's entries from sequence `want`; returns how many. */
static size_t collect(const struct log_view *l, uint32_t want, struct plan *pl)
{
	size_t off = LOG_BASE_SIZE, n = 0;
	struct entry e;
	char why[SXS_REPLAY_NOTE_MAX];
	/* each entry is at least 512 bytes: the loop ends with the file */
	while (read_entry(l, off, want, &e, why, sizeof(why))) {
		plan_add(pl, &e);
		n++;
		off += e.size;
		want++;
	}
	/* where it stopped: "no entry"/"end of file" is a log's normal end */
	if (strncmp(why, "no entry", 8) != 0 && strcmp(why, "end of file") != 0)
		note(l->out, "replay stopped: %s", why);
	return n;
}

/* the log of the two whose entries come first */
static bool starts_before(const struct log_view *a, const struct log_view *b)
{
	return !seq_ge(a->b.seq1, b->b.seq1) || a->b.seq1 == b->b.seq1;
}

/* ------------------------------------------------------------------ */
/* coverage: the hive bins of the result must all have data           */

struct span {
	size_t lo, hi;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The bins [0, bins) of the result come from the primary file (its first
 * `have` bytes of bins) or from the entries' pages.  A stretch with neither
 * would be zeros, which no hive bin is: Windows marks a new bin dirty as a
 * whole, so real logs never leave one.  Checked before allocating, so a
 * hostile entry cannot make replay allocate gigabytes for nothing.
 * Returns 0 (covered), 1 (a gap: *gap_ret is where) or -SXS_ENOMEM.
 */
static int check_coverage_new(const struct plan *pl, size_t have, size_t bins, size_t *gap_ret)
{
	if (have >= bins)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < pl->n; i++)
		n += pl->v[i].npages;
	struct span *v = sxs_reallocarray(NULL, n ? n : 1, sizeof(*v));
	if (!v)
		return -SXS_ENOMEM;
	n = 0;
	for (size_t i = 0; i < pl->n; i++) {
		const uint8_t *p = pl->v[i].log->p + pl->v[i].off + HVLE_HEADER;
		for (uint32_t k = 0; k < pl->v[i].npages; k++, p += 8) {
			v[n].lo = sxs_le32(p);
			v[n].hi = v[n].lo + sxs_le32(p + 4);
			n++;
		}
	}
	qsort(v, n, sizeof(*v), cmp_span);
	size_t covered = have;
	for (size_t i = 0; i < n && covered < bins; i++) {
		if (v[i].lo > covered)
			break;
		if (v[i].hi > covered)
			covered = v[i].hi;
	}
	sxs_free(v);
	if (covered >= bins)
		return 0;
	*gap_ret = covered;
	return 1;
}

/* ------------------------------------------------------------------ */
/* applying                                                           */

static void fix_base(uint8_t *b, uint32_t seq, uint32_t bins, uint32_t root, uint32_t flags)
{
	sxs_put_le32(b + OFF_SEQ1, seq);
	sxs_put_le32(b + OFF_SEQ2, seq);
	sxs_put_le32(b + OFF_TYPE, TYPE_PRIMARY);
	sxs_put_le32(b + OFF_ROOT, root);
	sxs_put_le32(b + OFF_BINS, bins);
	sxs_put_le32(b + OFF_FLAGS, flags);
	sxs_put_le32(b + OFF_CHECKSUM, sxs_hive_base_checksum(b));
}

/* A copy of the primary, grown (zero-filled) to hold `need` bytes. */
static int make_copy(const uint8_t *primary, size_t len, size_t need, struct sxs_replay *r)
{
	size_t size = len > need ? len : need;
	r->data = r->sink.alloc ? r->sink.alloc(r->sink.ctx, size) : sxs_malloc(size);
	if (!r->data)
		return -SXS_ENOMEM;
	memcpy(r->data, primary, len);
	if (size > len)
		memset(r->data + len, 0, size - len);
	r->len = size;
	return 0;
}

static int apply_new(const uint8_t *primary, size_t len, const struct base *pb,
                     const struct plan *pl, const struct log_view *base_log,
                     struct sxs_replay *r)
{
	/* the hive the last entry describes; pages an earlier, larger state
	 * wrote past it are remnants and only kept where the file has room */
	size_t need = BASE_SIZE + (size_t)pl->v[pl->n - 1].bins;
	int err = make_copy(primary, len, need, r);
	if (err)
		return err;

	uint32_t flags = pb->flags;
	const struct log_view *last_log = NULL;
	for (size_t i = 0; i < pl->n; i++) {
		const struct entry *e = &pl->v[i];
		const uint8_t *p = e->log->p + e->off;
		const uint8_t *data = p + HVLE_HEADER + 8 * (size_t)e->npages;
		for (uint32_t k = 0; k < e->npages; k++) {
			uint32_t poff = sxs_le32(p + HVLE_HEADER + 8 * (size_t)k);
			uint32_t psize = sxs_le32(p + HVLE_HEADER + 8 * (size_t)k + 4);
			size_t room = r->len - BASE_SIZE;
			if (poff < room)
				memcpy(r->data + BASE_SIZE + poff, data, psize < room - poff ? psize : room - poff);
			data += psize;
		}
		/* only bit 0 of the flags travels in a log entry (RS, log entry note 11) */
		flags = (flags & ~1u) | (e->flags & 1u);
		struct sxs_replay_log *o = e->log->out;
		if (!o->applied) {
			o->applied = true;
			o->first_seq = e->seq;
			r->order[r->n_order++] = e->log->idx;
		}
		o->entries++;
		o->pages += e->npages;
		o->last_seq = e->seq;
		last_log = e->log;
	}
	const struct entry *last = &pl->v[pl->n - 1];
	if (base_log) {
		/* the primary's base block is damaged: the log's copy replaces it */
		memset(r->data, 0, BASE_SIZE);
		memcpy(r->data, base_log->p, LOG_BASE_SIZE);
		flags = (base_log->b.flags & ~1u) | (last->flags & 1u);
		r->base_from_log = true;
	}
	r->seq_after = last->seq;
	r->format = SXS_LOG_NEW;
	fix_base(r->data, last->seq, last->bins, last_log->b.root, flags);
	return 0;
}

static int apply_old(const uint8_t *primary, size_t len, const struct log_view *l,
                     bool base_from_log, struct sxs_replay *r)
{
	int err = make_copy(primary, len, BASE_SIZE + (size_t)l->b.bins, r);
	if (err)
		return err;
	const uint8_t *page = l->p + l->pages_start;
	for (size_t bit = 0; bit < l->bitmap_bits; bit++) {
		if (!(l->bitmap[bit / 8] & (1u << (bit % 8))))
			continue;
		memcpy(r->data + BASE_SIZE + bit * PAGE_OLD, page, PAGE_OLD);
		page += PAGE_OLD;
	}
	if (base_from_log) {
		memset(r->data, 0, BASE_SIZE);
		memcpy(r->data, l->p, LOG_BASE_SIZE);
		r->base_from_log = true;
	}
	l->out->applied = true;
	l->out->pages = (unsigned)l->npages;
	r->order[r->n_order++] = l->idx;
	r->seq_after = l->b.seq1;
	r->format = SXS_LOG_OLD;
	fix_base(r->data, l->b.seq1, l->b.bins, l->b.root, l->b.flags);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the order Windows uses                                             */

static int run_new(const uint8_t *primary, size_t len, const struct base *pb,
                   struct log_view *nl[2], size_t nn, struct sxs_replay *r)
{
	struct plan pl = {0};
	struct log_view *first = nl[0], *second = nn > 1 ? nl[1] : NULL;
	const struct log_view *base_log = NULL;
	int err = 0;

	if (second && !starts_before(first, second)) {
		first = nl[1];
		second = nl[0];
	}
	if (!pb->checksum_ok) {
		/* only the log with the latest entries, and its base block (RS,
		 * "Multiple transaction log files", new format) */
		struct log_view *latest = second ? second : first;
		if (second)
			note(first->out, "not used: the primary's base block is damaged, so only the "
			                 "log with the latest entries counts");
		if (collect(latest, latest->b.seq1, &pl))
			base_log = latest;
	} else {
		/* the first log must not start before the hive's secondary sequence
		 * number; the second continues it at N + 1 (RS, log entries notes 5, 7) */
		if (seq_ge(first->b.seq1, pb->seq2)) {
			size_t n = collect(first, first->b.seq1, &pl);
			if (second && n) {
				uint32_t next = pl.v[pl.n - 1].seq + 1;
				if (second->b.seq1 == next)
					collect(second, next, &pl);
				else if (!second->out->note[0])
					note(second->out,
					     "not used: its entries start at sequence %u, %u needed next",
					     second->b.seq1, next);
			} else if (second && !second->out->note[0]) {
				note(second->out, "not used: %s holds no entry to continue",
				     first->idx ? "LOG2" : "LOG1");
			}
		} else {
			note(first->out, "its entries start at sequence %u, before the hive's %u "
			                 "(already written to the hive)",
			     first->b.seq1, pb->seq2);
			if (second) {
				if (seq_ge(second->b.seq1, pb->seq2))
					collect(second, second->b.seq1, &pl);
				else
					note(second->out,
					     "its entries start at sequence %u, before the hive's %u "
					     "(already written to the hive)",
					     second->b.seq1, pb->seq2);
			}
		}
	}
	if (pl.oom) {
		err = -SXS_ENOMEM;
		goto out;
	}
	if (pl.n == 0) {
		r->state = SXS_REPLAY_FAILED;
		snprintf(r->reason, sizeof(r->reason), "no log entry continues the hive");
		goto out;
	}
	size_t gap = 0, bins = pl.v[pl.n - 1].bins;
	err = check_coverage_new(&pl, len > BASE_SIZE ? len - BASE_SIZE : 0, bins, &gap);
	if (err < 0)
		goto out;
	if (err) {
		err = 0;
		r->state = SXS_REPLAY_FAILED;
		snprintf(r->reason, sizeof(r->reason),
		         "the log entries declare %zu bytes of hive bins, but neither the hive file "
		         "nor the logs hold data from offset 0x%zx on",
		         bins, gap);
		goto out;
	}
	err = apply_new(primary, len, pb, &pl, base_log, r);
	if (!err)
		r->state = SXS_REPLAY_DONE;
out:
	sxs_free(pl.v);
	return err;
}

/* The primary's last written time: its base block's, or the first bin's. */
static uint64_t primary_timestamp(const uint8_t *primary, size_t len, const struct base *pb)
{
	if (pb->checksum_ok)
		return pb->timestamp;
	if (len >= BASE_SIZE + HBIN_OFF_TIMESTAMP + 8 && memcmp(primary + BASE_SIZE, "hbin", 4) == 0)
		return sxs_le64(primary + BASE_SIZE + HBIN_OFF_TIMESTAMP);
	return 0;
}

static int run_old(const uint8_t *primary, size_t len, const struct base *pb,
                   struct log_view *ol[2], size_t no, struct sxs_replay *r)
{
	uint64_t ts = primary_timestamp(primary, len, pb);
	struct log_view *pick = NULL;
	for (size_t i = 0; i < no; i++) {
		struct log_view *l = ol[i];
		/* a log older than the hive was already written to it (RS, old
		 * format base block note 3) */
		if (l->b.timestamp < ts) {
			note(l->out, "older than the hive (last written timestamps differ)");
			continue;
		}
		/* the more recent of two usable logs; LOG1 on a tie */
		if (!pick || l->b.timestamp > pick->b.timestamp) {
			if (pick)
				note(pick->out, "not used: LOG%u is more recent", l->idx + 1);
			pick = l;
		} else {
			note(l->out, "not used: LOG%u is as recent or more", pick->idx + 1);
		}
	}
	if (!pick) {
		r->state = SXS_REPLAY_FAILED;
		snprintf(r->reason, sizeof(r->reason), "no log matches the hive");
		return 0;
	}
	/* every 512-byte page past the end of the file must be in the log (see
	 * check_coverage_new) */
	size_t have = len > BASE_SIZE ? len - BASE_SIZE : 0;
	for (size_t bit = have / PAGE_OLD; bit < pick->bitmap_bits; bit++) {
		if (pick->bitmap[bit / 8] & (1u << (bit % 8)))
			continue;
		if ((bit + 1) * PAGE_OLD <= have)
			continue;
		r->state = SXS_REPLAY_FAILED;
		snprintf(r->reason, sizeof(r->reason),
		         "LOG%u declares %u bytes of hive bins, but neither the hive file nor the log "
		         "holds data from offset 0x%zx on",
		         pick->idx + 1, pick->b.bins, bit * PAGE_OLD);
		return 0;
	}
	int err = apply_old(primary, len, pick, !pb->checksum_ok, r);
	if (!err)
		r->state = SXS_REPLAY_DONE;
	return err;
}

int sxs_replay_run(const uint8_t *primary, size_t primary_len, const uint8_t *log1,
                   size_t log1_len, const uint8_t *log2, size_t log2_len,
                   struct sxs_replay *ret, struct sxs_diag *diag)
{
	return sxs_replay_run_to(primary, primary_len, log1, log1_len, log2, log2_len, NULL, ret,
	                         diag);
}

int sxs_replay_run_to(const uint8_t *primary, size_t primary_len, const uint8_t *log1,
                      size_t log1_len, const uint8_t *log2, size_t log2_len,
                      const struct sxs_replay_sink *sink, struct sxs_replay *ret,
                      struct sxs_diag *diag)
{
	struct sxs_replay *r = ret;
	struct base pb;

	memset(r, 0, sizeof(*r));
	if (sink)
		r->sink = *sink;
	if (!primary || primary_len < LOG_BASE_SIZE || memcmp(primary, "regf", 4) != 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "not a registry hive (%s)",
		                    primary && primary_len >= 4 && memcmp(primary, "regf", 4) == 0
		                            ? "shorter than a base block"
		                            : "bad signature");
	read_base(primary, &pb);
	r->checksum_bad = !pb.checksum_ok;
	r->seq1 = pb.seq1;
	r->seq2 = pb.seq2;
	if (pb.checksum_ok && pb.type != TYPE_PRIMARY)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "not a primary hive file (file type %u; a transaction log?)",
		                    pb.type);
	if (pb.checksum_ok && pb.seq1 == pb.seq2) {
		r->state = SXS_REPLAY_CLEAN;
		return 0;
	}

	struct log_view logs[2] = {
		{.idx = 0, .p = log1, .len = log1 ? log1_len : 0, .out = &r->log[0]},
		{.idx = 1, .p = log2, .len = log2 ? log2_len : 0, .out = &r->log[1]},
	};
	struct log_view *nl[2], *ol[2];
	size_t nn = 0, no = 0;
	for (size_t i = 0; i < 2; i++) {
		parse_log(&logs[i]);
		if (logs[i].fmt == SXS_LOG_NEW)
			nl[nn++] = &logs[i];
		else if (logs[i].fmt == SXS_LOG_OLD)
			ol[no++] = &logs[i];
	}
	/* the new format wins where both appear (a left-over from an upgrade) */
	if (nn) {
		for (size_t i = 0; i < no; i++)
			note(ol[i]->out, "not used: old format beside a new-format log");
		return run_new(primary, primary_len, &pb, nl, nn, r);
	}
	if (no)
		return run_old(primary, primary_len, &pb, ol, no, r);
	r->state = SXS_REPLAY_FAILED;
	snprintf(r->reason, sizeof(r->reason), "%s",
	         !r->log[0].present && !r->log[1].present ? "no transaction logs next to it"
	                                                  : "no usable transaction log");
	return 0;
}

void sxs_replay_release(struct sxs_replay *r)
{
	if (!r)
		return;
	if (r->data && r->sink.release)
		r->sink.release(r->sink.ctx, r->data, r->len);
	else if (!r->sink.alloc)
		sxs_free(r->data);
	r->data = NULL;
	r->len = 0;
}

const char *sxs_replay_log_name(const struct sxs_replay *r, unsigned i)
{
	if (i == 0)
		return r->single_log ? "LOG" : "LOG1";
	return "LOG2";
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int sxs_replay_describe(const struct sxs_replay *r, const char *stem, char **ret)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;

	switch (r->state) {
	case SXS_REPLAY_CLEAN:
		sxs_strbuf_adds(&sb, "clean (nothing to replay)");
		break;
	case SXS_REPLAY_DONE:
		sxs_strbuf_adds(&sb, "replayed from ");
		for (unsigned i = 0; i < r->n_order; i++) {
			const struct sxs_replay_log *l = &r->log[r->order[i]];
			if (i)
				sxs_strbuf_adds(&sb, " then ");
			sxs_strbuf_addf(&sb, "%s.%s (", stem, sxs_replay_log_name(r, r->order[i]));
			if (r->format == SXS_LOG_NEW)
				sxs_strbuf_addf(&sb, "%u %s, %u %s)", l->entries,
				                plural(l->entries, "entry", "entries"), l->pages,
				                plural(l->pages, "page", "pages"));
			else
				sxs_strbuf_addf(&sb, "old format, %u %s of 512 bytes)", l->pages,
				                plural(l->pages, "page", "pages"));
		}
		if (r->format == SXS_LOG_NEW) {
			uint32_t lo = r->log[r->order[0]].first_seq;
			if (lo == r->seq_after)
				sxs_strbuf_addf(&sb, ", sequence number %u", lo);
			else
				sxs_strbuf_addf(&sb, ", sequence numbers %u to %u", lo, r->seq_after);
		}
		if (r->checksum_bad)
			sxs_strbuf_adds(&sb, ", base block restored from the log");
		/* a log that was cut short or not used says why */
		for (unsigned i = 0; i < 2; i++)
			if (r->log[i].present && r->log[i].note[0] && strcmp(r->log[i].note, "empty"))
				sxs_strbuf_addf(&sb, "; %s.%s: %s", stem, sxs_replay_log_name(r, i),
				                r->log[i].note);
		break;
	case SXS_REPLAY_FAILED:
		sxs_strbuf_addf(&sb, "not replayed: %s", r->reason);
		for (unsigned i = 0; i < 2; i++) {
			const struct sxs_replay_log *l = &r->log[i];
			if (!l->present)
				continue;
			sxs_strbuf_addf(&sb, "; %s.%s: %s", stem, sxs_replay_log_name(r, i),
			                l->note[0] ? l->note : "nothing to apply");
		}
		break;
	}
	if (sxs_strbuf_error(&sb)) {
		sxs_strbuf_release(&sb);
		return -SXS_ENOMEM;
	}
	*ret = sxs_strbuf_detach(&sb, NULL);
	return *ret ? 0 : -SXS_ENOMEM;
}
