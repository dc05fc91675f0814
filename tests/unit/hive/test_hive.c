/* SPDX-License-Identifier: MIT */
/*
 * Hive module tests on real hives: mkhive builds them (at build time from
 * the text sources in testdata/hives/, or here from generated sources), hivex reads them.
 * Environment (set by meson): SXS_HIVE_DIR (built hives), SXS_HIVE_SRC_DIR
 * (text sources), MKHIVE (the generator), SXS_HIVE_BIG_N (children of
 * the big parent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "digest/digest.h"
#include "hive/hive.h"
#include "hive/hive_int.h"
#include "util/alloc.h"

#define COMPONENT "amd64_sample-component_31bf3856ad364e35_10.0.17763.1_none_0123456789abcdef"
#define WINNER "Winners\\amd64_sample-component_31bf3856ad364e35_none_0011223344556677"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v) {
		fprintf(stderr, "%s is not set (run through meson test)\n", name);
		abort();
	}
	return v;
}

static int fixture_dir(void)
{
	int fd = open(env("SXS_HIVE_DIR"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static struct sxs_hive *open_fixture(const char *name)
{
	struct sxs_diag diag = {""};
	struct sxs_hive *h = NULL;
	int dirfd = fixture_dir();
	int err = sxs_hive_open(dirfd, name, NULL, &h, &diag);
	if (err)
		fprintf(stderr, "%s: %s\n", name, sxs_diag_msg(&diag, err));
	assert_int_equal(err, 0);
	close(dirfd);
	return h;
}

static sxs_hnode must_path(struct sxs_hive *h, const char *path)
{
	sxs_hnode n = 0;
	int err = sxs_hive_path(h, sxs_hive_root(h), path, &n);
	if (err)
		fprintf(stderr, "%s: %s\n", path, sxs_hive_error(h));
	assert_int_equal(err, 0);
	assert_true(n != 0);
	return n;
}

/* A scratch directory, removed with its (flat) contents at the end. */
static char *scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);
	assert_non_null(path);
	snprintf(path, 4096, "%s/sxs-hive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(path));
	return path;
}

static void remove_scratch(char *dir, const char *const *names)
{
	char p[4096];
	for (size_t i = 0; names[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *len_ret)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	uint8_t *data = malloc((size_t)len + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*len_ret = (size_t)len;
	return data;
}

/* Run mkhive; returns its exit status. */
static int run_mkhive(const char *base_dir, const char *src, const char *out)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *mk = env("MKHIVE");
		execl(mk, mk, "--base-dir", base_dir, src, out, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ------------------------------------------------------------------ */

static void hive_opens_clean_hive_and_reads_base_block(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	char *name = NULL;
	assert_false(sxs_hive_is_dirty(h));
	assert_int_equal(sxs_hive_seq1(h), 1);
	assert_int_equal(sxs_hive_seq2(h), 1);
	assert_false(sxs_hive_has_logs(h));
	assert_string_equal(sxs_hive_display(h), "basic.hive");
	assert_int_equal(sxs_hive_node_name(h, sxs_hive_root(h), &name), 0);
	assert_string_equal(name, "ROOT");
	sxs_free(name);
	sxs_hive_free(h);
}

/*
 * hivex_open() reads every page of its own mapping; sxs_hive_open finds that
 * mapping (to drop its pages while keys are read) and trimming it does not
 * change what is read afterwards.
 */
static void hive_finds_hivex_mapping_and_trims_it_safely(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	char *name = NULL;
	assert_non_null(h->hx_map);
	assert_true((const uint8_t *)h->hx_map != h->map);
	assert_int_equal(h->hx_len, h->size);
	for (int i = 0; i < 3 * 4096; i++) {
		sxs_hnode comps = must_path(h, "DerivedData\\Components");
		assert_int_equal(sxs_hive_node_name(h, comps, &name), 0);
		assert_string_equal(name, "Components");
		sxs_free(name);
	}
	sxs_hive_free(h);
}

static void hive_child_lookup_ignores_ascii_case(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode comps = must_path(h, "DerivedData\\Components"), a = 0, b = 0;
	assert_int_equal(sxs_hive_child(h, comps, COMPONENT, &a), 0);
	assert_int_equal(sxs_hive_child(h, comps,
	                                "AMD64_Sample-Component_31BF3856AD364E35_10.0.17763.1_NONE_"
	                                "0123456789ABCDEF",
	                                &b),
	                 0);
	assert_true(a != 0);
	assert_true(a == b);
	assert_true(must_path(h, "derivedDATA\\COMPONENTS") == comps);
	sxs_hive_free(h);
}

static void hive_path_takes_both_separators_and_skips_empty_parts(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode root = sxs_hive_root(h), n = 0;
	sxs_hnode comps = must_path(h, "DerivedData\\Components");
	assert_true(must_path(h, "/DerivedData//Components/") == comps);
	assert_true(must_path(h, "\\DerivedData/\\Components\\") == comps);
	assert_int_equal(sxs_hive_path(h, root, "", &n), 0);
	assert_true(n == root);
	/* relative to another key */
	sxs_hnode dd = must_path(h, "DerivedData");
	assert_int_equal(sxs_hive_path(h, dd, "Components", &n), 0);
	assert_true(n == comps);
	sxs_hive_free(h);
}

static void hive_missing_key_is_enoent_without_message(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode n = 12345;
	assert_int_equal(sxs_hive_path(h, sxs_hive_root(h), "DerivedData\\Nope", &n),
	                 -SXS_ENOENT);
	assert_int_equal(n, 12345); /* out-parameter untouched */
	assert_string_equal(sxs_hive_error(h), "");
	assert_int_equal(sxs_hive_child(h, sxs_hive_root(h), "Derived", &n), -SXS_ENOENT);
	/* a key name cannot contain a backslash */
	assert_int_equal(sxs_hive_child(h, sxs_hive_root(h), "a\\b", &n), -SXS_EINVAL);
	assert_int_equal(sxs_hive_child(h, sxs_hive_root(h), "", &n), -SXS_EINVAL);
	sxs_hive_free(h);
}

static void hive_children_come_in_stored_order_with_names(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode *kids = NULL;
	size_t n = 0;
	char *name = NULL;
	assert_int_equal(sxs_hive_children(h, sxs_hive_root(h), &kids, &n), 0);
	assert_int_equal(n, 3);
	const char *want[] = {"DerivedData", "Types", "Winners"};
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sxs_hive_node_name(h, kids[i], &name), 0);
		assert_string_equal(name, want[i]);
		sxs_free(name);
	}
	sxs_free(kids);

	/* a key without subkeys has an empty list */
	sxs_hnode leaf = must_path(h, "DerivedData\\Components\\" COMPONENT);
	assert_int_equal(sxs_hive_children(h, leaf, &kids, &n), 0);
	assert_int_equal(n, 0);
	sxs_free(kids);
	sxs_hive_free(h);
}

static void hive_non_ascii_key_name_is_utf8(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode n = must_path(h, "types\\GRüße"); /* ASCII letters fold, ü/ß compare exactly */
	char *name = NULL;
	assert_int_equal(sxs_hive_node_name(h, n, &name), 0);
	assert_string_equal(name, "Grüße");
	sxs_free(name);
	sxs_hive_free(h);
}

static void hive_component_values_match_source(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode key = must_path(h, "DerivedData\\Components\\" COMPONENT);
	struct sxs_hive_value *v = NULL;
	size_t n = 0;
	assert_int_equal(sxs_hive_values(h, key, &v, &n), 0);
	assert_int_equal(n, 5);

	static const char identity[] =
	        "Sample-Component, Culture=neutral, Version=10.0.17763.1, "
	        "PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=amd64, versionScope=NonSxS";
	assert_string_equal(v[0].name, "identity");
	assert_int_equal(v[0].type, SXS_REG_BINARY);
	assert_int_equal(v[0].len, strlen(identity)); /* no NUL */
	assert_memory_equal(v[0].data, identity, v[0].len);

	/* S256H is the SHA-256 of the manifest, computed by mkhive at build time */
	char path[4096];
	size_t mlen, dlen;
	uint8_t md[SXS_DIGEST_MAX];
	snprintf(path, sizeof(path), "%s/files/sample.manifest", env("SXS_HIVE_SRC_DIR"));
	uint8_t *manifest = read_file(path, &mlen);
	assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA256, manifest, mlen, md, &dlen), 0);
	free(manifest);
	assert_string_equal(v[1].name, "S256H");
	assert_int_equal(v[1].len, 32);
	assert_memory_equal(v[1].data, md, 32);

	assert_string_equal(v[2].name,
	                    "c!sample-deployment_31bf3856ad364e35_10.0.17763.1_fedcba9876543210");
	assert_int_equal(v[2].type, SXS_REG_BINARY);
	assert_int_equal(v[2].len, 0);
	assert_non_null(v[2].data);

	uint32_t dw = 0;
	assert_string_equal(v[3].name, "f!sample.dll");
	assert_int_equal(sxs_hive_value_dword(&v[3], &dw), 0);
	assert_int_equal(dw, 1);
	assert_string_equal(v[4].name, "CF");
	assert_int_equal(sxs_hive_value_dword(&v[4], &dw), 0);
	assert_int_equal(dw, 0x40);
	sxs_hive_values_free(v, n);
	sxs_hive_free(h);
}

static void hive_value_lookup_ignores_case_and_reports_absence(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode key = must_path(h, "DerivedData\\Components\\" COMPONENT);
	struct sxs_hive_value v = {NULL, 99, NULL, 99};
	assert_int_equal(sxs_hive_value(h, key, "s256h", &v), 0);
	assert_string_equal(v.name, "S256H");
	assert_int_equal(v.len, 32);
	sxs_hive_value_release(&v);

	struct sxs_hive_value untouched = {NULL, 99, NULL, 99};
	assert_int_equal(sxs_hive_value(h, key, "S256", &untouched), -SXS_ENOENT);
	assert_int_equal(untouched.type, 99);
	assert_string_equal(sxs_hive_error(h), "");
	/* no (default) value on this key */
	assert_int_equal(sxs_hive_value(h, key, "", &untouched), -SXS_ENOENT);
	sxs_hive_free(h);
}

static void hive_default_value_has_empty_name(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	struct sxs_hive_value v;
	char *s = NULL;

	sxs_hnode fam = must_path(h, WINNER);
	assert_int_equal(sxs_hive_value(h, fam, "", &v), 0);
	assert_string_equal(v.name, "");
	assert_int_equal(v.type, SXS_REG_SZ);
	assert_int_equal(sxs_hive_value_string(&v, &s), 0);
	assert_string_equal(s, "10.0");
	sxs_free(s);
	sxs_hive_value_release(&v);

	sxs_hnode band = must_path(h, WINNER "\\10.0");
	assert_int_equal(sxs_hive_value(h, band, "", &v), 0);
	assert_int_equal(sxs_hive_value_string(&v, &s), 0);
	assert_string_equal(s, "10.0.17763.1");
	sxs_free(s);
	sxs_hive_value_release(&v);
	assert_int_equal(sxs_hive_value(h, band, "10.0.17763.1", &v), 0);
	assert_int_equal(v.type, SXS_REG_BINARY);
	assert_int_equal(v.len, 1);
	assert_int_equal(v.data[0], 1);
	sxs_hive_value_release(&v);

	/* a value literally named "@" is not the default value */
	sxs_hnode types = must_path(h, "Types");
	assert_int_equal(sxs_hive_value(h, types, "", &v), -SXS_ENOENT);
	assert_int_equal(sxs_hive_value(h, types, "@", &v), 0);
	assert_int_equal(sxs_hive_value_string(&v, &s), 0);
	assert_string_equal(s, "a value literally named @");
	sxs_free(s);
	sxs_hive_value_release(&v);
	sxs_hive_free(h);
}

static void string_of(struct sxs_hive *h, sxs_hnode key, const char *name, int want_err,
                      const char *want)
{
	struct sxs_hive_value v;
	char *s = NULL;
	assert_int_equal(sxs_hive_value(h, key, name, &v), 0);
	int err = sxs_hive_value_string(&v, &s);
	if (err != want_err)
		fprintf(stderr, "value %s: got %d, want %d\n", name, err, want_err);
	assert_int_equal(err, want_err);
	if (want)
		assert_string_equal(s, want);
	else
		assert_null(s);
	sxs_free(s);
	sxs_hive_value_release(&v);
}

static void hive_strings_decode_utf16_and_stop_at_nul(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode t = must_path(h, "Types");
	string_of(h, t, "string", 0, "plain \"quoted\" back\\slash");
	string_of(h, t, "expand", 0, "%SystemRoot%\\WinSxS");
	string_of(h, t, "unicode", 0, "Grüße, 日本, 😀");
	string_of(h, t, "embedded-nul", 0, "A");
	string_of(h, t, "unterminated", 0, "AB");
	string_of(h, t, "odd-string", -SXS_EFORMAT, NULL);   /* 41 00 42: half a unit */
	string_of(h, t, "lone-surrogate", -SXS_EFORMAT, NULL);
	string_of(h, t, "big-dword", -SXS_EFORMAT, NULL);    /* wrong type */
	string_of(h, t, "multi", -SXS_EFORMAT, NULL);        /* REG_MULTI_SZ is not a string */
	sxs_hive_free(h);
}

static void hive_numbers_check_type_and_length(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	sxs_hnode t = must_path(h, "Types");
	struct sxs_hive_value v;
	uint32_t dw = 0;
	uint64_t qw = 0;

	assert_int_equal(sxs_hive_value(h, t, "big-dword", &v), 0);
	assert_int_equal(sxs_hive_value_dword(&v, &dw), 0);
	assert_int_equal(dw, 0xffffffffu);
	assert_int_equal(sxs_hive_value_qword(&v, &qw), -SXS_EFORMAT);
	sxs_hive_value_release(&v);

	assert_int_equal(sxs_hive_value(h, t, "be", &v), 0);
	assert_int_equal(v.type, SXS_REG_DWORD_BIG_ENDIAN);
	assert_int_equal(sxs_hive_value_dword(&v, &dw), 0);
	assert_int_equal(dw, 0x12345678u);
	sxs_hive_value_release(&v);

	assert_int_equal(sxs_hive_value(h, t, "qword", &v), 0);
	assert_int_equal(sxs_hive_value_qword(&v, &qw), 0);
	assert_true(qw == 0x0102030405060708ull);
	assert_int_equal(sxs_hive_value_dword(&v, &dw), -SXS_EFORMAT);
	sxs_hive_value_release(&v);

	dw = 77;
	assert_int_equal(sxs_hive_value(h, t, "long-binary", &v), 0);
	assert_int_equal(v.len, 32);
	for (size_t i = 0; i < v.len; i++)
		assert_int_equal(v.data[i], i);
	assert_int_equal(sxs_hive_value_dword(&v, &dw), -SXS_EFORMAT);
	assert_int_equal(dw, 77);
	sxs_hive_value_release(&v);

	assert_int_equal(sxs_hive_value(h, t, "NAME WITH = SIGN", &v), 0);
	assert_int_equal(sxs_hive_value_dword(&v, &dw), 0);
	assert_int_equal(dw, 7);
	sxs_hive_value_release(&v);
	sxs_hive_free(h);
}

static void hive_dirty_hive_is_reported(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("dirty.hive");
	assert_true(sxs_hive_is_dirty(h));
	assert_int_equal(sxs_hive_seq1(h), sxs_hive_seq2(h) + 1);
	/* still readable: hivex serves the (possibly stale) primary file */
	must_path(h, "DerivedData\\Components\\" COMPONENT);
	sxs_hive_free(h);
}

static void hive_logs_next_to_it_are_noticed(void **state)
{
	(void)state;
	static const char *const names[] = {"COMPONENTS", "components.LOG1", "Components.log2",
	                                    NULL};
	char *dir = scratch_dir(), src[4096];
	size_t len;
	snprintf(src, sizeof(src), "%s/basic.hive", env("SXS_HIVE_DIR"));
	uint8_t *img = read_file(src, &len);
	write_file(dir, "COMPONENTS", img, len);
	free(img);
	write_file(dir, "components.LOG1", "", 0); /* empty logs do not count */

	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);
	struct sxs_hive *h = NULL;
	assert_int_equal(sxs_hive_open(dirfd, "COMPONENTS", NULL, &h, NULL), 0);
	assert_false(sxs_hive_has_logs(h));
	sxs_hive_free(h);

	write_file(dir, "Components.log2", "HvLE", 4);
	assert_int_equal(sxs_hive_open(dirfd, "COMPONENTS", NULL, &h, NULL), 0);
	assert_true(sxs_hive_has_logs(h));
	sxs_hive_free(h);
	close(dirfd);
	remove_scratch(dir, names);
}

static void hive_open_missing_file_is_enoent(void **state)
{
	(void)state;
	struct sxs_diag diag = {""};
	struct sxs_hive *h = (struct sxs_hive *)&diag; /* must stay untouched */
	int dirfd = fixture_dir();
	assert_int_equal(sxs_hive_open(dirfd, "no-such.hive", "config/NOPE", &h, &diag),
	                 -SXS_ENOENT);
	assert_true(h == (struct sxs_hive *)&diag);
	assert_non_null(strstr(diag.msg, "config/NOPE"));
	close(dirfd);
}

static void hive_open_refuses_links_fifos_and_unsafe_paths(void **state)
{
	(void)state;
	static const char *const names[] = {"link", "fifo", "sub", NULL};
	char *dir = scratch_dir(), target[4096];
	snprintf(target, sizeof(target), "%s/basic.hive", env("SXS_HIVE_DIR"));
	char p[4096];
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink(target, p), 0);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(mkdir(p, 0700), 0);

	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct sxs_hive *h = NULL;
	struct sxs_diag diag = {""};
	assert_int_equal(sxs_hive_open(dirfd, "link", NULL, &h, &diag), -SXS_ELINK);
	assert_non_null(strstr(diag.msg, "link"));
	assert_int_equal(sxs_hive_open(dirfd, "fifo", NULL, &h, NULL), -SXS_ENOTDIR);
	assert_int_equal(sxs_hive_open(dirfd, "sub", NULL, &h, NULL), -SXS_ENOTDIR);
	assert_int_equal(sxs_hive_open(dirfd, "../etc/passwd", NULL, &h, NULL), -SXS_ENAME);
	assert_int_equal(sxs_hive_open(dirfd, "sub/../x", NULL, &h, NULL), -SXS_ENAME);
	assert_int_equal(sxs_hive_open(dirfd, "/etc/passwd", NULL, &h, NULL), -SXS_ENAME);
	assert_int_equal(sxs_hive_open(dirfd, "", NULL, &h, NULL), -SXS_ENAME);
	assert_null(h);
	close(dirfd);
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	remove_scratch(dir, names);
}

struct bad_case {
	const char *file;
	int err;
	const char *msg; /* expected in the diag */
};

static void hive_open_rejects_damaged_files_cleanly(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{"bad-signature.hive", -SXS_EFORMAT, "not a registry hive (bad signature)"},
		{"bad-checksum.hive", -SXS_EFORMAT, "checksum mismatch"},
		{"bad-file-type.hive", -SXS_EUNSUPPORTED, "not a primary hive file"},
		{"bad-truncate.hive", -SXS_ETRUNC, "truncated"},
		{"bad-cell-size.hive", -SXS_EFORMAT, "runs past its hive bin"},
	};
	int dirfd = fixture_dir();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sxs_diag diag = {""};
		struct sxs_hive *h = NULL;
		int err = sxs_hive_open(dirfd, cases[i].file, NULL, &h, &diag);
		if (err != cases[i].err || !strstr(diag.msg, cases[i].msg))
			fprintf(stderr, "%s: got %d '%s'\n", cases[i].file, err, diag.msg);
		assert_int_equal(err, cases[i].err);
		assert_non_null(strstr(diag.msg, cases[i].msg));
		assert_non_null(strstr(diag.msg, cases[i].file)); /* names the file */
		assert_null(h);
	}
	close(dirfd);
}

static void hive_open_rejects_garbage_empty_and_tiny_files(void **state)
{
	(void)state;
	static const char *const names[] = {"garbage", "empty", "tiny", "header-only", NULL};
	char *dir = scratch_dir();
	uint8_t junk[8192];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	write_file(dir, "garbage", junk, sizeof(junk));
	write_file(dir, "empty", "", 0);
	write_file(dir, "tiny", "regf", 4);
	/* a valid base block with nothing after it */
	char src[4096];
	size_t len;
	snprintf(src, sizeof(src), "%s/basic.hive", env("SXS_HIVE_DIR"));
	uint8_t *img = read_file(src, &len);
	write_file(dir, "header-only", img, 4096);
	free(img);

	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct sxs_hive *h = NULL;
	assert_int_equal(sxs_hive_open(dirfd, "garbage", NULL, &h, NULL), -SXS_EFORMAT);
	assert_int_equal(sxs_hive_open(dirfd, "empty", NULL, &h, NULL), -SXS_EFORMAT);
	assert_int_equal(sxs_hive_open(dirfd, "tiny", NULL, &h, NULL), -SXS_ETRUNC);
	assert_int_equal(sxs_hive_open(dirfd, "header-only", NULL, &h, NULL), -SXS_ETRUNC);
	assert_null(h);
	close(dirfd);
	remove_scratch(dir, names);
}

static int count_keys(struct sxs_hive *h, sxs_hnode node, unsigned depth, void *ctx)
{
	(void)h;
	(void)node;
	unsigned *c = ctx;
	c[0]++;
	if (depth > c[1])
		c[1] = depth;
	return 0;
}

static int stop_at_third(struct sxs_hive *h, sxs_hnode node, unsigned depth, void *ctx)
{
	(void)h;
	(void)node;
	(void)depth;
	return ++*(unsigned *)ctx == 3 ? 42 : 0;
}

static void hive_walk_visits_every_key_once(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("basic.hive");
	unsigned c[2] = {0, 0};
	assert_int_equal(sxs_hive_walk(h, sxs_hive_root(h), count_keys, c), 0);
	/* ROOT DerivedData Components 2xcomponent Types Grüße Winners family band */
	assert_int_equal(c[0], 10);
	assert_int_equal(c[1], 3);
	unsigned calls = 0;
	assert_int_equal(sxs_hive_walk(h, sxs_hive_root(h), stop_at_third, &calls), 42);
	assert_int_equal(calls, 3);
	sxs_hive_free(h);
}

static void hive_subkey_loop_is_caught_by_walk(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("bad-loop.hive");
	unsigned c[2] = {0, 0};
	assert_int_equal(sxs_hive_walk(h, sxs_hive_root(h), count_keys, c), -SXS_EFORMAT);
	assert_non_null(strstr(sxs_hive_error(h), "subkey loop"));
	assert_non_null(strstr(sxs_hive_error(h), "bad-loop.hive"));
	/* path lookups through the loop stay bounded by the path */
	sxs_hnode a = must_path(h, "A");
	assert_true(must_path(h, "A\\A\\A\\A\\A") == a);
	sxs_hive_free(h);
}

static void hive_lying_counts_and_lengths_are_rejected(void **state)
{
	(void)state;
	struct sxs_hive *h = open_fixture("bad-subkey-count.hive");
	sxs_hnode *kids = NULL, n = 0;
	size_t count = 0;
	assert_int_equal(sxs_hive_children(h, sxs_hive_root(h), &kids, &count), -SXS_ELIMIT);
	assert_non_null(strstr(sxs_hive_error(h), "bad-subkey-count.hive"));
	assert_int_equal(sxs_hive_child(h, sxs_hive_root(h), "A", &n), -SXS_ELIMIT);
	sxs_hive_free(h);

	h = open_fixture("bad-subkey-list.hive");
	assert_int_equal(sxs_hive_children(h, sxs_hive_root(h), &kids, &count), -SXS_EFORMAT);
	assert_non_null(strstr(sxs_hive_error(h), "subkey list"));
	sxs_hive_free(h);

	h = open_fixture("bad-value-length.hive");
	struct sxs_hive_value *vals = NULL, v;
	assert_int_equal(sxs_hive_values(h, sxs_hive_root(h), &vals, &count), -SXS_EFORMAT);
	assert_non_null(strstr(sxs_hive_error(h), "exceeds its cell"));
	assert_int_equal(sxs_hive_value(h, sxs_hive_root(h), "Blob", &v), -SXS_EFORMAT);
	/* the keys are still fine */
	must_path(h, "B\\C");
	sxs_hive_free(h);
}

/* SXS_HIVE_BIG_N children (5,000; fewer in sanitizer builds, see meson.build). */
static void hive_index_finds_5000_children_quickly(void **state)
{
	(void)state;
	const char *big_n = getenv("SXS_HIVE_BIG_N");
	const unsigned N = big_n ? (unsigned)strtoul(big_n, NULL, 10) : 5000;
	assert_true(N >= 100 && N <= 9999);
	static const char *const names[] = {"big.txt", "big.hive", NULL};
	char *dir = scratch_dir(), p[4096], out[4096];
	snprintf(p, sizeof(p), "%s/big.txt", dir);
	snprintf(out, sizeof(out), "%s/big.hive", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	for (unsigned i = 0; i < N; i++)
		fprintf(f, "[DerivedData\\Components\\amd64_component-%04u_31bf3856ad364e35_none]\n"
		           "n = dword:%u\n",
		        i, i);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run_mkhive(dir, p, out), 0);

	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct sxs_hive *h = NULL;
	assert_int_equal(sxs_hive_open(dirfd, "big.hive", NULL, &h, NULL), 0);
	sxs_hnode comps = must_path(h, "DerivedData\\Components");
	size_t before = sxs_hive_indexed_parents(h);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < N; i++) {
		char name[96];
		/* upper case on odd keys */
		snprintf(name, sizeof(name), i % 2 ? "AMD64_COMPONENT-%04u_31BF3856AD364E35_NONE"
		                                   : "amd64_component-%04u_31bf3856ad364e35_none",
		         i);
		sxs_hnode k = 0;
		assert_int_equal(sxs_hive_child(h, comps, name, &k), 0);
		struct sxs_hive_value v;
		uint32_t dw = 0;
		assert_int_equal(sxs_hive_value(h, k, "n", &v), 0);
		assert_int_equal(sxs_hive_value_dword(&v, &dw), 0);
		assert_int_equal(dw, i);
		sxs_hive_value_release(&v);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* one index for the big parent, built once */
	assert_int_equal(sxs_hive_indexed_parents(h), before + 1);
	sxs_hnode k = 0;
	assert_int_equal(sxs_hive_child(h, comps, "amd64_component-5000_31bf3856ad364e35_none", &k),
	                 -SXS_ENOENT);
	/* hivex's get_child would name N^2/2 (12.5 million) children here */
	assert_true(secs < 10.0);
	sxs_hive_free(h);
	close(dirfd);
	remove_scratch(dir, names);
}

static void mkhive_output_is_deterministic(void **state)
{
	(void)state;
	static const char *const names[] = {"again.hive", NULL};
	char *dir = scratch_dir(), src[4096], out[4096], built[4096];
	snprintf(src, sizeof(src), "%s/basic.txt", env("SXS_HIVE_SRC_DIR"));
	snprintf(out, sizeof(out), "%s/again.hive", dir);
	snprintf(built, sizeof(built), "%s/basic.hive", env("SXS_HIVE_DIR"));
	assert_int_equal(run_mkhive(env("SXS_HIVE_SRC_DIR"), src, out), 0);

	size_t a_len, b_len;
	uint8_t *a = read_file(out, &a_len), *b = read_file(built, &b_len);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len); /* built at another time, byte-identical */
	/* fixed base block timestamp: 2019-01-01T00:00:00Z */
	uint64_t ft = 0;
	for (int i = 7; i >= 0; i--)
		ft = ft << 8 | a[12 + i];
	assert_true(ft == 131907744000000000ull);
	free(a);
	free(b);
	remove_scratch(dir, names);
}

/* Every allocation failure ends in a clean -SXS_ENOMEM (ASan finds leaks). */
static void hive_survives_every_allocation_failure(void **state)
{
	(void)state;
	int dirfd = fixture_dir();
	for (long n = 0;; n++) {
		struct sxs_hive *h = NULL;
		struct sxs_hive_value *vals = NULL;
		size_t count = 0;
		sxs_hnode k = 0;
		char *name = NULL;
		sxs_alloc_fail_after(n);
		int err = sxs_hive_open(dirfd, "basic.hive", NULL, &h, NULL);
		if (!err)
			err = sxs_hive_path(h, sxs_hive_root(h),
			                    "DerivedData\\Components\\" COMPONENT, &k);
		if (!err)
			err = sxs_hive_values(h, k, &vals, &count);
		if (!err)
			err = sxs_hive_node_name(h, k, &name);
		sxs_alloc_fail_after(-1);
		sxs_hive_values_free(vals, count);
		sxs_free(name);
		sxs_hive_free(h);
		if (err == 0)
			break;
		assert_int_equal(err, -SXS_ENOMEM);
		assert_true(n < 10000);
	}
	close(dirfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hive_opens_clean_hive_and_reads_base_block),
		cmocka_unit_test(hive_finds_hivex_mapping_and_trims_it_safely),
		cmocka_unit_test(hive_child_lookup_ignores_ascii_case),
		cmocka_unit_test(hive_path_takes_both_separators_and_skips_empty_parts),
		cmocka_unit_test(hive_missing_key_is_enoent_without_message),
		cmocka_unit_test(hive_children_come_in_stored_order_with_names),
		cmocka_unit_test(hive_non_ascii_key_name_is_utf8),
		cmocka_unit_test(hive_component_values_match_source),
		cmocka_unit_test(hive_value_lookup_ignores_case_and_reports_absence),
		cmocka_unit_test(hive_default_value_has_empty_name),
		cmocka_unit_test(hive_strings_decode_utf16_and_stop_at_nul),
		cmocka_unit_test(hive_numbers_check_type_and_length),
		cmocka_unit_test(hive_dirty_hive_is_reported),
		cmocka_unit_test(hive_logs_next_to_it_are_noticed),
		cmocka_unit_test(hive_open_missing_file_is_enoent),
		cmocka_unit_test(hive_open_refuses_links_fifos_and_unsafe_paths),
		cmocka_unit_test(hive_open_rejects_damaged_files_cleanly),
		cmocka_unit_test(hive_open_rejects_garbage_empty_and_tiny_files),
		cmocka_unit_test(hive_walk_visits_every_key_once),
		cmocka_unit_test(hive_subkey_loop_is_caught_by_walk),
		cmocka_unit_test(hive_lying_counts_and_lengths_are_rejected),
		cmocka_unit_test(hive_index_finds_5000_children_quickly),
		cmocka_unit_test(mkhive_output_is_deterministic),
		cmocka_unit_test(hive_survives_every_allocation_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
