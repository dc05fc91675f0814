/* SPDX-License-Identifier: MIT */
/*
 * Replay against the hives Windows itself recovered (yarp hives_for_tests,
 * ../shared/vectors/hives, never committed): exits 77 when they are absent.
 *
 *   NewDirtyHive1: our replay of .LOG1 + .LOG2 gives the hive bins of
 *     RecoveredHive_Windows10 byte for byte (and the rest of the file); the
 *     base blocks differ only in the sequence numbers and the checksum.
 *   OldDirtyHive: old-format .LOG1; key-level checks against
 *     RecoveredHive_Windows7 (see the README in the vectors folder), plus
 *     the bins compared byte for byte except the two places Windows 7
 *     rewrote after loading (first bin's timestamp; one cached length).
 *   BadBaseBlockHive: the base block comes from .LOG1, not the empty .LOG2.
 *   BadLogHive1/3: no valid recovery, a reason, no partial replay.
 *   TruncatedDirtyHive: a clear error through sxs_hive_open.
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
#include <unistd.h>

#include "hive/hive.h"
#include "hive/replay.h"
#include "util/alloc.h"
#include "util/bytes.h"

static const char *vdir;

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob load(const char *rel)
{
	char path[4096];
	struct blob b = {NULL, 0};
	snprintf(path, sizeof(path), "%s/%s", vdir, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: missing", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	b.len = (size_t)n;
	b.p = malloc(b.len ? b.len : 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

static void replay(const char *dir, const char *stem, struct sxs_replay *r)
{
	char p[512], l1[512], l2[512];
	snprintf(p, sizeof(p), "%s/%s", dir, stem);
	snprintf(l1, sizeof(l1), "%s/%s.LOG1", dir, stem);
	snprintf(l2, sizeof(l2), "%s/%s.LOG2", dir, stem);
	struct blob hb = load(p), b1 = load(l1), b2 = load(l2);
	assert_int_equal(sxs_replay_run(hb.p, hb.len, b1.p, b1.len, b2.p, b2.len, r, NULL), 0);
	free(hb.p);
	free(b1.p);
	free(b2.p);
}

static void new_format_reproduces_windows_10_byte_for_byte(void **state)
{
	(void)state;
	struct sxs_replay r;
	replay("NewDirtyHive1", "NewDirtyHive", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_int_equal(r.format, SXS_LOG_NEW);
	/* LOG1 holds entry 2, LOG2 entries 3-5 */
	assert_int_equal(r.n_order, 2);
	assert_int_equal(r.log[0].entries, 1);
	assert_int_equal(r.log[1].entries, 3);
	struct blob w = load("NewDirtyHive1/RecoveredHive_Windows10");
	assert_int_equal(r.len, w.len);
	assert_memory_equal(r.data + 4096, w.p + 4096, w.len - 4096);
	/* base block: only the sequence numbers (4, 8) and the checksum (508) differ */
	for (size_t i = 0; i < 4096; i++)
		if (r.data[i] != w.p[i] && !(i >= 4 && i < 12) && !(i >= 508 && i < 512))
			fail_msg("base block differs at %zu", i);
	free(w.p);
	sxs_replay_release(&r);
}

/* the one-line description the scan report shows */
static void new_format_description(void **state)
{
	(void)state;
	struct sxs_replay r;
	char *s = NULL;
	replay("NewDirtyHive1", "NewDirtyHive", &r);
	assert_int_equal(sxs_replay_describe(&r, "NewDirtyHive", &s), 0);
	assert_string_equal(s, "replayed from NewDirtyHive.LOG1 (1 entry, 1 page) then "
	                       "NewDirtyHive.LOG2 (3 entries, 3 pages), sequence numbers 2 to 5");
	sxs_free(s);
	sxs_replay_release(&r);
}

static int open_dir(const char *sub)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", vdir, sub);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static bool has_key(struct sxs_hive *h, const char *path)
{
	sxs_hnode n;
	return sxs_hive_path(h, sxs_hive_root(h), path, &n) == 0;
}

static bool has_value(struct sxs_hive *h, const char *path, const char *name)
{
	sxs_hnode n;
	struct sxs_hive_value v;
	if (sxs_hive_path(h, sxs_hive_root(h), path, &n))
		return false;
	if (sxs_hive_value(h, n, name, &v))
		return false;
	sxs_hive_value_release(&v);
	return true;
}

static void old_format_matches_windows_7(void **state)
{
	(void)state;
	int fd = open_dir("OldDirtyHive");
	struct sxs_hive *h = NULL, *w = NULL;
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_hive_open(fd, "OldDirtyHive", NULL, &h, &d), 0);
	assert_int_equal(sxs_hive_recovery(h), SXS_HIVE_REPLAYED);
	assert_false(has_key(h, "key_with_many_subkeys\\1"));
	assert_true(has_key(h, "key_with_many_subkeys\\5000\\find_me_in_log"));
	assert_true(has_value(h, "key_with_many_subkeys\\4500", "v"));
	assert_int_equal(sxs_hive_open(fd, "RecoveredHive_Windows7", NULL, &w, &d), 0);
	assert_int_equal(sxs_hive_recovery(w), SXS_HIVE_CLEAN);
	assert_false(has_key(w, "key_with_many_subkeys\\1"));
	assert_true(has_key(w, "key_with_many_subkeys\\5000\\find_me_in_log"));
	assert_true(has_value(w, "key_with_many_subkeys\\4500", "V"));
	sxs_hive_free(h);
	sxs_hive_free(w);
	close(fd);

	/* byte level: the bins equal Windows 7's but for what it rewrote after
	 * loading: the first bin's timestamp (0x1014, 8 bytes) and key 4500's
	 * cached largest value name length (0x6bdc8), which its load-time
	 * check recomputed (the log holds 0x18, Windows wrote 2 for "V") */
	struct sxs_replay r;
	replay("OldDirtyHive", "OldDirtyHive", &r);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	struct blob win = load("OldDirtyHive/RecoveredHive_Windows7");
	assert_int_equal(r.len, win.len);
	size_t diffs = 0;
	for (size_t i = 4096; i < win.len; i++) {
		if (r.data[i] == win.p[i])
			continue;
		if ((i >= 0x1014 && i < 0x101c) || i == 0x6bdc8)
			continue;
		diffs++;
	}
	assert_int_equal(diffs, 0);
	assert_int_equal(r.data[0x6bdc8], 0x18);
	free(win.p);
	sxs_replay_release(&r);
}

static void bad_base_block_is_restored_from_log1(void **state)
{
	(void)state;
	struct sxs_replay r;
	replay("BadBaseBlockHive", "BadBaseBlockHive", &r);
	assert_true(r.checksum_bad);
	assert_int_equal(r.state, SXS_REPLAY_DONE);
	assert_true(r.base_from_log);
	assert_int_equal(r.n_order, 1);
	assert_int_equal(r.order[0], 0);
	assert_int_equal(sxs_le32(r.data + 24), 3); /* minor version from the log, not the damaged 1 */
	sxs_replay_release(&r);

	int fd = open_dir("BadBaseBlockHive");
	struct sxs_hive *h = NULL;
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_hive_open(fd, "BadBaseBlockHive", NULL, &h, &d), 0);
	assert_true(has_key(h, "key_with_many_subkeys"));
	sxs_hive_free(h);
	close(fd);
}

static void bad_logs_are_refused_with_a_reason(void **state)
{
	(void)state;
	const char *dirs[] = {"BadLogHive1", "BadLogHive3"};
	for (size_t i = 0; i < 2; i++) {
		struct sxs_replay r;
		char *s = NULL;
		replay(dirs[i], "BadLogHive", &r);
		assert_int_equal(r.state, SXS_REPLAY_FAILED);
		assert_null(r.data);
		assert_false(r.log[0].applied);
		assert_false(r.log[1].applied);
		assert_int_equal(sxs_replay_describe(&r, "BadLogHive", &s), 0);
		assert_non_null(strstr(s, "BadLogHive.LOG1: its base block checksum is wrong"));
		sxs_free(s);
		sxs_replay_release(&r);

		/* the scan still reads the (stale) primary and says so */
		int fd = open_dir(dirs[i]);
		struct sxs_hive *h = NULL;
		struct sxs_diag d = {{0}};
		assert_int_equal(sxs_hive_open(fd, "BadLogHive", NULL, &h, &d), 0);
		assert_int_equal(sxs_hive_recovery(h), SXS_HIVE_UNREPLAYED);
		sxs_hive_free(h);
		close(fd);
	}
}

static void truncated_dirty_hive_is_a_clear_error(void **state)
{
	(void)state;
	int fd = open(vdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sxs_hive *h = NULL;
	struct sxs_diag d = {{0}};
	assert_int_equal(sxs_hive_open(fd, "TruncatedDirtyHive", NULL, &h, &d), -SXS_ETRUNC);
	assert_non_null(strstr(d.msg, "TruncatedDirtyHive: truncated"));
	assert_non_null(strstr(d.msg, "no transaction logs next to it"));
	close(fd);
}

int main(void)
{
	vdir = getenv("SXS_VECTORS");
	char probe[4096];
	snprintf(probe, sizeof(probe), "%s/NewDirtyHive1/NewDirtyHive", vdir ? vdir : "");
	if (!vdir || access(probe, R_OK) != 0) {
		fprintf(stderr, "SKIP: hive vectors not found (%s)\n", vdir ? vdir : "SXS_VECTORS unset");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_format_reproduces_windows_10_byte_for_byte),
		cmocka_unit_test(new_format_description),
		cmocka_unit_test(old_format_matches_windows_7),
		cmocka_unit_test(bad_base_block_is_restored_from_log1),
		cmocka_unit_test(bad_logs_are_refused_with_a_reason),
		cmocka_unit_test(truncated_dirty_hive_is_a_clear_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
