/* SPDX-License-Identifier: MIT */
/*
 * mklog: make a dirty hive and its transaction logs from two clean hives
 * (both built by mkhive from text sources), for the replay tests.
 *
 *   mklog [options] OLD NEW OUT
 *
 * OUT is OLD marked dirty, as Windows leaves a hive whose newest changes
 * are only in its logs; OUT.LOG1 and OUT.LOG2 hold what turns OLD's hive
 * bins into NEW's.  Replaying them must give NEW's hive bins back byte for
 * byte.  Layouts: formats.md 7.1 and msuhanov's regf specification
 * ("Format of transaction log files"); see tests/tools/mklog/README.md.
 *
 * Options:
 *   --old-format      a Vista/7 log: DIRT bitmap of 512-byte pages in .LOG1,
 *                     .LOG2 empty (default: Windows 8.1+ HvLE entries)
 *   --entries N       spread the changed pages over N HvLE entries (default 1)
 *   --full-entries    every entry carries all changed pages (each entry is a
 *                     whole state, as Windows writes successive flushes)
 *   --split K         the first K entries go to .LOG1, the rest to .LOG2
 *                     (default: all in .LOG1, .LOG2 empty)
 *   --swap            write the .LOG1 part to .LOG2 and the other way round
 *   --bad-hash K      entry K (0-based) fails its Marvin32 hash check
 *   --stale           the entries start one sequence number before the hive's
 *                     (they were already written to it)
 *   --bad-checksum    OUT's base block checksum is wrong (a torn base block)
 *   --bad-log-checksum  the logs' base block checksums are wrong
 *   --truncate        cut the (old-format) log inside its dirty pages
 *   --garbage N       N bytes of 0xA5 after the last entry (remnant data)
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive/replay.h"
#include "util/bytes.h"

#define BASE 4096u
#define LOGBASE 512u
#define PAGE 4096u
#define OLDPAGE 512u

struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* "mklog: <what><arg>" and exit 1 */
static void die(const char *what, const char *arg)
{
	fprintf(stderr, "mklog: %s%s\n", what, arg);
	exit(1);
}

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = (b->cap + n) * 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p)
			die("out of memory", "");
		b->p = p;
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static struct buf slurp(const char *path)
{
	struct buf b = {0};
	FILE *f = fopen(path, "rb");
	uint8_t tmp[65536];
	size_t n;
	if (!f)
		die("cannot open ", path);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		put(&b, tmp, n);
	fclose(f);
	if (b.len < BASE + PAGE || memcmp(b.p, "regf", 4) != 0)
		die("not a hive: ", path);
	return b;
}

static void spill(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	if (!f || (b->len && fwrite(b->p, 1, b->len, f) != b->len) || fclose(f) != 0)
		die("cannot write ", path);
}

static void checksum(uint8_t *base)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= sxs_le32(base + i);
	if (sum == 0)
		sum = 1;
	else if (sum == 0xffffffffu)
		sum = 0xfffffffeu;
	sxs_put_le32(base + 508, sum);
}

static uint32_t bins_of(const struct buf *h)
{
	return sxs_le32(h->p + 40);
}

/* byte `i` of the hive bins, zero past the end */
static int differs(const struct buf *o, const struct buf *n, size_t off, size_t len)
{
	size_t obins = bins_of(o);
	for (size_t i = off; i < off + len; i++) {
		uint8_t a = i < obins && BASE + i < o->len ? o->p[BASE + i] : 0;
		if (a != n->p[BASE + i])
			return 1;
	}
	return 0;
}

/* a log's base block: NEW's first 512 bytes as a log of `type` at `seq` */
static void log_base(struct buf *log, const struct buf *nw, uint32_t type, uint32_t seq,
                     bool bad)
{
	put(log, nw->p, LOGBASE);
	sxs_put_le32(log->p + 4, seq);
	sxs_put_le32(log->p + 8, seq);
	sxs_put_le32(log->p + 28, type);
	checksum(log->p);
	if (bad)
		log->p[508] ^= 0x5a;
}

int main(int argc, char **argv)
{
	bool old_format = false, stale = false, bad_checksum = false, bad_log_checksum = false,
	     truncate_log = false, swap = false, full = false;
	long entries = 1, split = -1, bad_hash = -1, garbage = 0;
	static const struct option opts[] = {
		{"old-format", no_argument, NULL, 'o'},
		{"entries", required_argument, NULL, 'e'},
		{"full-entries", no_argument, NULL, 'F'},
		{"split", required_argument, NULL, 's'},
		{"swap", no_argument, NULL, 'w'},
		{"bad-hash", required_argument, NULL, 'h'},
		{"stale", no_argument, NULL, 'S'},
		{"bad-checksum", no_argument, NULL, 'c'},
		{"bad-log-checksum", no_argument, NULL, 'C'},
		{"truncate", no_argument, NULL, 't'},
		{"garbage", required_argument, NULL, 'g'},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': old_format = true; break;
		case 'e': entries = strtol(optarg, NULL, 10); break;
		case 'F': full = true; break;
		case 's': split = strtol(optarg, NULL, 10); break;
		case 'w': swap = true; break;
		case 'h': bad_hash = strtol(optarg, NULL, 10); break;
		case 'S': stale = true; break;
		case 'c': bad_checksum = true; break;
		case 'C': bad_log_checksum = true; break;
		case 't': truncate_log = true; break;
		case 'g': garbage = strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: mklog [options] OLD NEW OUT\n");
			return 2;
		}
	}
	if (argc - optind != 3 || entries < 1 || entries > 64) {
		fprintf(stderr, "usage: mklog [options] OLD NEW OUT\n");
		return 2;
	}
	struct buf old = slurp(argv[optind]), nw = slurp(argv[optind + 1]);
	const char *out = argv[optind + 2];
	uint32_t nbins = bins_of(&nw);
	if (nw.len < BASE + nbins)
		die("shorter than its hive bins: ", argv[optind + 1]);

	/* the primary: OLD, dirty (a write began: seq1 = seq2 + 1) */
	uint32_t seq = sxs_le32(old.p + 8);
	sxs_put_le32(old.p + 4, seq + 1);
	checksum(old.p);
	if (bad_checksum)
		old.p[508] ^= 0xff;
	uint32_t first = stale ? seq - 1 : seq;

	struct buf log[2] = {{0}, {0}};
	char path[4096];
	if (old_format) {
		/* Vista+: the log's base block carries the incremented sequence */
		log_base(&log[0], &nw, 1, seq + 1, bad_log_checksum);
		size_t nbits = nbins / OLDPAGE, bytes = nbits / 8;
		uint8_t *bitmap = calloc(bytes ? bytes : 1, 1);
		size_t npages = 0;
		if (!bitmap)
			die("out of memory", "");
		/* whole 4 KiB blocks, as Windows tracks them (RS, dirty vector note 3) */
		for (size_t blk = 0; blk < nbins / PAGE; blk++) {
			if (!differs(&old, &nw, blk * PAGE, PAGE))
				continue;
			bitmap[blk] = 0xff;
			npages += 8;
		}
		put(&log[0], "DIRT", 4);
		put(&log[0], bitmap, bytes);
		while (log[0].len % OLDPAGE)
			put(&log[0], NULL, 1);
		for (size_t bit = 0; bit < nbits; bit++)
			if (bitmap[bit / 8] & (1u << (bit % 8)))
				put(&log[0], nw.p + BASE + bit * OLDPAGE, OLDPAGE);
		if (truncate_log && npages)
			log[0].len -= OLDPAGE / 2;
		free(bitmap);
	} else {
		/* the changed 4 KiB pages, dealt round-robin over the entries */
		size_t npages = nbins / PAGE;
		if (split < 0 || split > entries)
			split = entries;
		for (int l = 0; l < 2; l++) {
			long lo = l == 0 ? 0 : split, hi = l == 0 ? split : entries;
			if (lo == hi)
				continue;
			log_base(&log[l], &nw, 6, first + (uint32_t)lo, bad_log_checksum);
			for (long e = lo; e < hi; e++) {
				size_t start = log[l].len, count = 0;
				uint32_t *mine = calloc(npages ? npages : 1, sizeof(*mine));
				if (!mine)
					die("out of memory", "");
				for (size_t pg = 0; pg < npages; pg++)
					if (differs(&old, &nw, pg * PAGE, PAGE) &&
					    (full || (long)(pg % (size_t)entries) == e))
						mine[count++] = (uint32_t)(pg * PAGE);
				if (count == 0) /* an entry holds at least one page: page 0 again */
					mine[count++] = 0;
				uint8_t hdr[40] = {0};
				memcpy(hdr, "HvLE", 4);
				sxs_put_le32(hdr + 12, first + (uint32_t)e);
				sxs_put_le32(hdr + 16, nbins);
				sxs_put_le32(hdr + 20, (uint32_t)count);
				put(&log[l], hdr, sizeof(hdr));
				for (size_t k = 0; k < count; k++) {
					uint8_t ref[8];
					sxs_put_le32(ref, mine[k]);
					sxs_put_le32(ref + 4, PAGE);
					put(&log[l], ref, 8);
				}
				for (size_t k = 0; k < count; k++)
					put(&log[l], nw.p + BASE + mine[k], PAGE);
				free(mine);
				while ((log[l].len - start) % LOGBASE)
					put(&log[l], NULL, 1);
				uint8_t *h = log[l].p + start;
				uint32_t size = (uint32_t)(log[l].len - start);
				sxs_put_le32(h + 4, size);
				sxs_put_le64(h + 24, sxs_marvin32(h + 40, size - 40, SXS_HVLE_MARVIN_SEED));
				sxs_put_le64(h + 32, sxs_marvin32(h, 32, SXS_HVLE_MARVIN_SEED));
				if (e == bad_hash)
					h[size - 1] ^= 0x01;
			}
		}
	}
	for (int l = 0; l < 2; l++)
		if (log[l].len && garbage > 0)
			for (long i = 0; i < garbage; i++)
				put(&log[l], "\xa5", 1);

	spill(out, &old);
	snprintf(path, sizeof(path), "%s.LOG1", out);
	spill(path, &log[swap ? 1 : 0]);
	snprintf(path, sizeof(path), "%s.LOG2", out);
	spill(path, &log[swap ? 0 : 1]);
	free(old.p);
	free(nw.p);
	free(log[0].p);
	free(log[1].p);
	return 0;
}
