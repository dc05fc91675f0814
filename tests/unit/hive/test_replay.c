/* SPDX-License-Identifier: MIT */
/*
 * Transaction log replay on self-made dirty hives: mklog wrote each
 * replay-<case>.hive with its .LOG1/.LOG2 from replay-base-old.hive (the stale
 * primary) and replay-base-new.hive (the state the logs hold).  SXS_HIVE_DIR
 * names the build directory that holds them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest/digest.h"
#include "hive/hive.h"
#include "hive/replay.h"
#include "util/alloc.h"
#include "util/bytes.h"

struct blob {
	uint8_t *p;
	size_t len;
};

static const char *dir(void)
{
	const char *d = getenv("SXS_HIVE_DIR");
	if (!d) {
		fprintf(stderr, "SXS_HIVE_DIR is not set (run through meson test)\n");
		abort();
	}
	return d;
}

static struct blob load(const char *name)
{
	char path[4096];
	struct blob b = {NULL, 0};
	snprintf(path, sizeof(path), "%s/%s", dir(), name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b.len = (size_t)n;
	b.p = malloc(b.len ? b.len : 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

/* replay replay-<name>.hive with its logs */
static void run(const char *name, struct sxs_replay *r)
{
	char p[256], l1[300], l2[300];
	snprintf(p, sizeof(p), "replay-%s.hive", name);
	snprintf(l1, sizeof(l1), "%s.LOG1", p);
	snprintf(l2, sizeof(l2), "%s.LOG2", p);
	struct blob hb = load(p), b1 = load(l1), b2 = load(l2);
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_replay_run(hb.p, hb.len, b1.p, b1.len, b2.p, b2.len, r, &d), 0);
	free(hb.p);
	free(b1.p);
	free(b2.p);
}

/* the replayed hive bins equal replay-base-new.hive's, byte for byte */
static void assert_bins_are_new(const struct sxs_replay *r)
{
	struct blob nw = load("replay-base-new.hive");
	uint32_t bins = sxs_le32(nw.p + 40);
	assert_int_equal(sxs_le32(r->data + 40), bins);
	assert_true(r->len >= 4096 + (size_t)bins);
	assert_memory_equal(r->data + 4096, nw.p + 4096, bins);
	/* the result is a clean primary: equal sequence numbers, good checksum */
	assert_int_equal(sxs_le32(r->data + 4), sxs_le32(r->data + 8));
	assert_int_equal(sxs_le32(r->data + 28), 0);
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= sxs_le32(r->data + i);
	assert_int_equal(sxs_le32(r->data + 508), sum);
	free(nw.p);
}

static char *describe(const struct sxs_replay *r)
{
	char *s = NULL;
	assert_int_equal(sxs_replay_describe(r, "H", &s), 0);
	return s;
}

/* ------------------------------------------------------------------ */

/* SymCrypt's published Marvin32 test cases (lib/marvin32.c self-test) */
static void marvin32_matches_published_vectors(void **state)
{
	(void)state;
	assert_int_equal(sxs_marvin32((const uint8_t *)"abc", 3, 0xd53cd9cecd0893b7ull),
	                 0x22c74339492769bfull);
	assert_int_equal(sxs_marvin32((const uint8_t *)"abcdefghijklmnopqrstuvwxyz", 26,
	                              0x0ddddeeeeffff000ull),
	                 0xa128eb7e7260aca2ull);
}

/*
 * The header of the first entry of a Windows 10 .LOG1 (yarp NewDirtyHive1,
 * 32 bytes up to Hash-2) and the Hash-2 Windows stored for it.
 */
static void marvin32_matches_a_windows_log_entry(void **state)
{
	(void)state;
	static const uint8_t hdr[32] = {
		0x48, 0x76, 0x4c, 0x45, 0x00, 0x5e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x31, 0xe4, 0x07, 0x18, 0x66, 0x6c, 0x86, 0x67,
	};
	assert_int_equal(sxs_marvin32(hdr, sizeof(hdr), SXS_HVLE_MARVIN_SEED),
	                 0xcd44f3cfa7657f02ull);
}

static void replay_new_format_single_entry(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-one", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_int_equal(r.format, SXS_LOG_NEW);
	assert_int_equal(r.n_order, 1);
	assert_int_equal(r.order[0], 0);
	assert_int_equal(r.log[0].entries, 1);
	assert_false(r.log[1].applied);
	assert_false(r.base_from_log);
	assert_int_equal(r.seq_after, r.seq2);
	assert_bins_are_new(&r);
	sxs_replay_release(&r);
}

static void replay_continues_from_log1_into_log2(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-split", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_int_equal(r.n_order, 2);
	assert_int_equal(r.order[0], 0);
	assert_int_equal(r.order[1], 1);
	assert_int_equal(r.log[0].entries, 1);
	assert_int_equal(r.log[1].entries, 2);
	assert_int_equal(r.log[1].first_seq, r.log[0].last_seq + 1);
	assert_int_equal(r.seq_after, r.seq2 + 2);
	assert_bins_are_new(&r);
	char *s = describe(&r);
	assert_non_null(strstr(s, "replayed from H.LOG1 (1 entry,"));
	assert_non_null(strstr(s, "then H.LOG2 (2 entries,"));
	sxs_free(s);
	sxs_replay_release(&r);
}

/* Windows swaps logs: the one with the earlier entries goes first, whatever its name */
static void replay_starts_with_the_log_holding_earlier_entries(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-swap", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_int_equal(r.n_order, 2);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 0);
	assert_int_equal(r.log[1].entries, 2);
	assert_int_equal(r.log[0].entries, 1);
	assert_bins_are_new(&r);
	sxs_replay_release(&r);
}

static void replay_ignores_remnant_data_after_the_entries(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-remnant", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_string_equal(r.log[0].note, "");
	assert_bins_are_new(&r);
	sxs_replay_release(&r);
}

/* a torn last entry: the complete entries before it stay applied, as in Windows */
static void replay_stops_at_an_entry_with_a_bad_hash(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-torn", &r); /* each entry is a whole state; the third is torn */
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_int_equal(r.log[0].entries, 1);
	assert_int_equal(r.log[1].entries, 1);
	assert_int_equal(r.seq_after, r.seq2 + 1);
	assert_non_null(strstr(r.log[1].note, "fails its Marvin32 hash check"));
	char *s = describe(&r);
	assert_non_null(strstr(s, "H.LOG2: replay stopped: entry at 0x"));
	sxs_free(s);
	assert_bins_are_new(&r);
	sxs_replay_release(&r);
}

/*
 * Entries that each hold part of the change, the last one torn: what the
 * applied entries hold does not cover the hive they declare.  Refused
 * before anything is allocated (a hostile entry cannot ask for gigabytes).
 */
static void replay_refuses_entries_that_leave_the_hive_without_data(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-gap", &r);
	assert_int_equal(r.state, SXS_REPLAY_FAILED);
	assert_null(r.data);
	assert_non_null(strstr(r.reason, "neither the hive file nor the logs hold data from offset 0x"));
	sxs_replay_release(&r);
}

static void replay_refuses_when_the_first_entry_is_bad(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-bad-first", &r);
	assert_int_equal(r.state, SXS_REPLAY_FAILED);
	assert_null(r.data);
	char *s = describe(&r);
	assert_non_null(strstr(s, "not replayed: no log entry continues the hive"));
	assert_non_null(strstr(s, "H.LOG1: replay stopped: entry at 0x200 (sequence"));
	sxs_free(s);
	sxs_replay_release(&r);
}

/* entries older than the hive's secondary sequence number were written already */
static void replay_refuses_entries_older_than_the_hive(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-stale", &r);
	assert_int_equal(r.state, SXS_REPLAY_FAILED);
	assert_non_null(strstr(r.log[0].note, "before the hive's"));
	sxs_replay_release(&r);
}

static void replay_restores_a_torn_base_block_from_the_latest_log(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-bad-base", &r);
	assert_true(r.checksum_bad);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_true(r.base_from_log);
	assert_bins_are_new(&r);
	char *s = describe(&r);
	assert_non_null(strstr(s, "base block restored from the log"));
	sxs_free(s);
	sxs_replay_release(&r);
}

static void replay_refuses_logs_whose_base_block_is_torn(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("new-bad-log-base", &r);
	assert_int_equal(r.state, SXS_REPLAY_FAILED);
	assert_int_equal(r.log[0].format, SXS_LOG_NONE);
	assert_non_null(strstr(r.log[0].note, "base block checksum is wrong"));
	sxs_replay_release(&r);
}

static void replay_old_format_dirty_vector(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("old", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_int_equal(r.format, SXS_LOG_OLD);
	assert_true(r.log[0].pages > 0);
	assert_int_equal(r.log[0].pages % 8, 0); /* whole 4 KiB blocks */
	assert_bins_are_new(&r);
	char *s = describe(&r);
	assert_non_null(strstr(s, "replayed from H.LOG1 (old format, "));
	sxs_free(s);
	sxs_replay_release(&r);
}

static void replay_old_format_restores_the_base_block(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("old-bad-base", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_true(r.base_from_log);
	assert_bins_are_new(&r);
	sxs_replay_release(&r);
}

/* an old log is applied whole or not at all */
static void replay_refuses_a_truncated_old_log(void **state)
{
	(void)state;
	struct sxs_replay r;
	run("old-truncated", &r);
	assert_int_equal(r.state, SXS_REPLAY_FAILED);
	assert_non_null(strstr(r.log[0].note, "cut short"));
	sxs_replay_release(&r);
}

static void replay_says_clean_for_a_clean_hive(void **state)
{
	(void)state;
	struct blob nw = load("replay-base-new.hive");
	struct sxs_replay r;
	assert_int_equal(sxs_replay_run(nw.p, nw.len, NULL, 0, NULL, 0, &r, NULL), 0);
	assert_int_equal(r.state, SXS_REPLAY_CLEAN);
	assert_null(r.data);
	free(nw.p);
	sxs_replay_release(&r);
}

static void replay_without_logs_says_so(void **state)
{
	(void)state;
	struct blob hb = load("replay-new-one.hive");
	struct sxs_replay r;
	assert_int_equal(sxs_replay_run(hb.p, hb.len, NULL, 0, NULL, 0, &r, NULL), 0);
	assert_int_equal(r.state, SXS_REPLAY_FAILED);
	char *s = describe(&r);
	assert_string_equal(s, "not replayed: no transaction logs next to it");
	sxs_free(s);
	free(hb.p);
	sxs_replay_release(&r);
}

static void replay_rejects_what_is_not_a_hive(void **state)
{
	(void)state;
	uint8_t junk[600] = "rogf";
	struct sxs_replay r;
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_replay_run(junk, sizeof(junk), NULL, 0, NULL, 0, &r, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "not a registry hive"));
	sxs_replay_release(&r);
}

/* ------------------------------------------------------------------ */
/* through sxs_hive_open: hivex reads the recovered bytes             */

static void sha256_file(const char *name, uint8_t out[32])
{
	struct blob b = load(name);
	size_t n = 0;
	assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA256, b.p, b.len, out, &n), 0);
	assert_int_equal(n, 32);
	free(b.p);
}

static void open_replays_a_dirty_hive_and_leaves_the_files_alone(void **state)
{
	(void)state;
	uint8_t before[3][32], after[3][32];
	const char *names[3] = {"replay-new-split.hive", "replay-new-split.hive.LOG1",
	                        "replay-new-split.hive.LOG2"};
	for (int i = 0; i < 3; i++)
		sha256_file(names[i], before[i]);

	int dfd = open(dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct sxs_hive *h = NULL;
	struct sxs_diag d = {{0}};
	int err = sxs_hive_open(dfd, "replay-new-split.hive", "H", &h, &d);
	if (err)
		fprintf(stderr, "%s\n", d.msg);
	assert_int_equal(err, 0);
	assert_int_equal(sxs_hive_recovery(h), SXS_HIVE_REPLAYED);
	assert_true(sxs_hive_is_dirty(h));
	assert_int_equal(sxs_hive_seq1(h), sxs_hive_seq2(h) + 1); /* the file's numbers */
	assert_non_null(strstr(sxs_hive_recovery_note(h), "replayed from replay-new-split.hive.LOG1"));

	sxs_hnode n = 0;
	assert_int_equal(sxs_hive_path(h, sxs_hive_root(h), "New\\Key\\Only\\After\\Replay", &n), 0);
	struct sxs_hive_value v;
	assert_int_equal(sxs_hive_value(h, n, "found", &v), 0);
	char *s = NULL;
	assert_int_equal(sxs_hive_value_string(&v, &s), 0);
	assert_string_equal(s, "only in the logs");
	sxs_free(s);
	sxs_hive_value_release(&v);
	assert_int_equal(sxs_hive_path(h, sxs_hive_root(h), "Old\\Only\\Here", &n), -SXS_ENOENT);
	assert_int_equal(sxs_hive_path(h, sxs_hive_root(h), "Many\\k120", &n), 0);
	sxs_hive_free(h);
	close(dfd);

	for (int i = 0; i < 3; i++) {
		sha256_file(names[i], after[i]);
		assert_memory_equal(before[i], after[i], 32);
	}
}

static void open_reads_the_stale_primary_when_replay_fails(void **state)
{
	(void)state;
	int dfd = open(dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct sxs_hive *h = NULL;
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_hive_open(dfd, "replay-new-bad-first.hive", NULL, &h, &d), 0);
	assert_int_equal(sxs_hive_recovery(h), SXS_HIVE_UNREPLAYED);
	assert_non_null(strstr(sxs_hive_recovery_note(h), "not replayed: "));
	sxs_hnode n = 0;
	assert_int_equal(sxs_hive_path(h, sxs_hive_root(h), "Old\\Only\\Here", &n), 0);
	sxs_hive_free(h);
	close(dfd);
}

/* a torn base block and no usable log: nothing to read, and the reason says why */
static void open_fails_on_a_torn_base_block_without_usable_logs(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/sxs-replay-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	struct blob hb = load("replay-new-bad-base.hive");
	char path[4096];
	snprintf(path, sizeof(path), "%s/H", tmpl);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(hb.p, 1, hb.len, f), hb.len);
	fclose(f);
	free(hb.p);
	int dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sxs_hive *h = NULL;
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_hive_open(dfd, "H", NULL, &h, &d), -SXS_EFORMAT);
	assert_non_null(strstr(d.msg, "checksum"));
	assert_non_null(strstr(d.msg, "no transaction logs next to it"));
	close(dfd);
	unlink(path);
	rmdir(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marvin32_matches_published_vectors),
		cmocka_unit_test(marvin32_matches_a_windows_log_entry),
		cmocka_unit_test(replay_new_format_single_entry),
		cmocka_unit_test(replay_continues_from_log1_into_log2),
		cmocka_unit_test(replay_starts_with_the_log_holding_earlier_entries),
		cmocka_unit_test(replay_ignores_remnant_data_after_the_entries),
		cmocka_unit_test(replay_stops_at_an_entry_with_a_bad_hash),
		cmocka_unit_test(replay_refuses_entries_that_leave_the_hive_without_data),
		cmocka_unit_test(replay_refuses_when_the_first_entry_is_bad),
		cmocka_unit_test(replay_refuses_entries_older_than_the_hive),
		cmocka_unit_test(replay_restores_a_torn_base_block_from_the_latest_log),
		cmocka_unit_test(replay_refuses_logs_whose_base_block_is_torn),
		cmocka_unit_test(replay_old_format_dirty_vector),
		cmocka_unit_test(replay_old_format_restores_the_base_block),
		cmocka_unit_test(replay_refuses_a_truncated_old_log),
		cmocka_unit_test(replay_says_clean_for_a_clean_hive),
		cmocka_unit_test(replay_without_logs_says_so),
		cmocka_unit_test(replay_rejects_what_is_not_a_hive),
		cmocka_unit_test(open_replays_a_dirty_hive_and_leaves_the_files_alone),
		cmocka_unit_test(open_reads_the_stale_primary_when_replay_fails),
		cmocka_unit_test(open_fails_on_a_torn_base_block_without_usable_logs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
