/* SPDX-License-Identifier: MIT */
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

#include "store/store.h"
#include "util/alloc.h"

static char tmpl[64];

static void put(const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpl, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpl, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* ROOT/Windows/WinSxS/Manifests with mixed-case spellings on disk */
static int setup(void **state)
{
	(void)state;
	snprintf(tmpl, sizeof(tmpl), "/tmp/sxs-store-XXXXXX");
	if (!mkdtemp(tmpl))
		return -1;
	mk("WINDOWS");
	mk("WINDOWS/winsxs");
	mk("WINDOWS/winsxs/MANIFESTS");
	mk("WINDOWS/winsxs/amd64_foo");
	put("WINDOWS/winsxs/amd64_foo/CI.DLL", "payload");
	put("outside.txt", "secret");
	char path[512], target[512];
	snprintf(path, sizeof(path), "%s/WINDOWS/winsxs/amd64_foo/link.dll", tmpl);
	snprintf(target, sizeof(target), "%s/outside.txt", tmpl);
	if (symlink(target, path))
		return -1;
	snprintf(path, sizeof(path), "%s/WINDOWS/winsxs/linkdir", tmpl);
	if (symlink(tmpl, path))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	return system(cmd);
}

static void image_open_resolves_case_insensitively(void **state)
{
	(void)state;
	struct sxs_image *img = NULL;
	struct sxs_diag diag = {{0}};
	assert_int_equal(sxs_image_open(tmpl, &img, &diag), 0);
	assert_null(img->winsxs);
	assert_int_equal(sxs_image_list(img, &diag), 0);
	assert_int_equal(sxs_image_list(img, &diag), 0); /* once */
	assert_string_equal(img->windows_name, "WINDOWS");
	assert_string_equal(img->winsxs_path, "WINDOWS/winsxs");
	assert_non_null(img->manifests);
	assert_non_null(sxs_dir_find(img->winsxs, "AMD64_FOO"));
	int fd = -1;
	char *ondisk = NULL;
	assert_int_equal(sxs_openat_ci(img->winsxs_fd, "amd64_foo\\ci.dll", 0, &fd, &ondisk, &diag), 0);
	assert_string_equal(ondisk, "amd64_foo/CI.DLL");
	close(fd);
	sxs_free(ondisk);
	sxs_image_free(img);
}

static void image_open_accepts_the_windows_directory(void **state)
{
	(void)state;
	char path[512];
	struct sxs_image *img = NULL;
	snprintf(path, sizeof(path), "%s/WINDOWS", tmpl);
	assert_int_equal(sxs_image_open(path, &img, NULL), 0);
	sxs_image_free(img);
}

static void image_open_names_the_root_when_not_windows(void **state)
{
	(void)state;
	struct sxs_image *img = NULL;
	struct sxs_diag diag = {{0}};
	assert_int_equal(sxs_image_open("/proc/self", &img, &diag), -SXS_ENOENT);
	assert_non_null(strstr(diag.msg, "/proc/self: no Windows directory"));
	assert_null(img);
}

static void openat_ci_refuses_symlinks(void **state)
{
	(void)state;
	struct sxs_image *img = NULL;
	int fd = -1;
	assert_int_equal(sxs_image_open(tmpl, &img, NULL), 0);
	assert_int_equal(sxs_openat_ci(img->winsxs_fd, "amd64_foo/link.dll", 0, &fd, NULL, NULL),
	                 -SXS_ELINK);
	assert_int_equal(sxs_openat_ci(img->winsxs_fd, "linkdir/outside.txt", 0, &fd, NULL, NULL),
	                 -SXS_ELINK);
	assert_int_equal(sxs_open_beneath(img->winsxs_fd, "amd64_foo/link.dll", &fd, NULL), -SXS_ELINK);
	assert_int_equal(sxs_open_beneath(img->winsxs_fd, "linkdir/outside.txt", &fd, NULL), -SXS_ELINK);
	assert_int_equal(sxs_open_beneath(img->winsxs_fd, "../../outside.txt", &fd, NULL) < 0, 1);
	assert_int_equal(sxs_open_beneath(img->winsxs_fd, "amd64_foo/CI.DLL", &fd, NULL), 0);
	close(fd);
	/* a directory is not a payload */
	assert_int_equal(sxs_open_beneath(img->winsxs_fd, "amd64_foo", &fd, NULL), -SXS_ENOTDIR);
	sxs_image_free(img);
}

static void openat_ci_rejects_unsafe_names(void **state)
{
	(void)state;
	struct sxs_image *img = NULL;
	int fd = -1;
	assert_int_equal(sxs_image_open(tmpl, &img, NULL), 0);
	assert_int_equal(sxs_openat_ci(img->winsxs_fd, "../outside.txt", 0, &fd, NULL, NULL), -SXS_ENAME);
	assert_int_equal(sxs_openat_ci(img->winsxs_fd, "amd64_foo/..", O_DIRECTORY, &fd, NULL, NULL),
	                 -SXS_ENAME);
	assert_int_equal(sxs_openat_ci(img->winsxs_fd, "c:evil", 0, &fd, NULL, NULL), -SXS_ENAME);
	sxs_image_free(img);
}

static void name_safety_rules(void **state)
{
	(void)state;
	assert_true(sxs_name_is_safe("kernel32.dll", 12));
	assert_true(sxs_name_is_safe("a b$(x)`y`'q\".dll", strlen("a b$(x)`y`'q\".dll")));
	assert_false(sxs_name_is_safe("", 0));
	assert_false(sxs_name_is_safe(".", 1));
	assert_false(sxs_name_is_safe("..", 2));
	assert_false(sxs_name_is_safe("a/b", 3));
	assert_false(sxs_name_is_safe("a\\b", 3));
	assert_false(sxs_name_is_safe("a\nb", 3));
	assert_false(sxs_name_is_safe("a\0b", 3));
	assert_false(sxs_name_is_safe("c:x", 3));
}

static void read_fd_enforces_the_limit(void **state)
{
	(void)state;
	char path[512];
	uint8_t *data = NULL;
	size_t len = 0;
	struct sxs_diag diag = {{0}};
	snprintf(path, sizeof(path), "%s/WINDOWS/winsxs/amd64_foo/CI.DLL", tmpl);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(sxs_read_fd(fd, 3, &data, &len, &diag, "CI.DLL"), -SXS_ELIMIT);
	assert_non_null(strstr(diag.msg, "CI.DLL"));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(sxs_read_fd(fd, 100, &data, &len, NULL, "CI.DLL"), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "payload", 7);
	sxs_free(data);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_open_resolves_case_insensitively),
		cmocka_unit_test(image_open_accepts_the_windows_directory),
		cmocka_unit_test(image_open_names_the_root_when_not_windows),
		cmocka_unit_test(openat_ci_refuses_symlinks),
		cmocka_unit_test(openat_ci_rejects_unsafe_names),
		cmocka_unit_test(name_safety_rules),
		cmocka_unit_test(read_fd_enforces_the_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
