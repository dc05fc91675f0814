/* SPDX-License-Identifier: MIT */
/*
 * The file side of log replay: finding and mapping <hive>.LOG1/.LOG2,
 * handing recovered bytes to hivex through an anonymous memory file, and
 * sxs_hive_replay_file() for `sxscheck hive recover`.  Nothing here writes
 * to the image: logs and hives are opened O_RDONLY|O_NOFOLLOW and mapped
 * read-only; the recovered hive lives in a memfd (or, without memfd, in a
 * temporary file unlinked as soon as it is created).
 */
#include "hive/hive_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/alloc.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001u
#endif

static unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* `name` is `base` + ".LOG1", ".LOG2" or ".LOG" ignoring ASCII case: 1, 2, 3, else 0. */
static int log_number(const char *name, const char *base)
{
	size_t blen = strlen(base), nlen = strlen(name);
	if (nlen != blen + 5 && nlen != blen + 4)
		return 0;
	for (size_t i = 0; i < blen; i++)
		if (fold((unsigned char)name[i]) != fold((unsigned char)base[i]))
			return 0;
	if (sxs_hive_name_eq(name + blen, ".log1"))
		return 1;
	if (sxs_hive_name_eq(name + blen, ".log2"))
		return 2;
	if (sxs_hive_name_eq(name + blen, ".log"))
		return 3;
	return 0;
}

/* Map one log read-only; a symlink, a non-regular or an oversized file is a note. */
static int map_log(int dir_fd, const char *name, struct sxs_hive_logs *logs, unsigned i)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	int err = 0;

	logs->name[i] = sxs_strdup(name);
	if (!logs->name[i])
		err = -SXS_ENOMEM;
	else if (fd < 0)
		snprintf(logs->problem[i], sizeof(logs->problem[i]), "cannot open: %s",
		         errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno));
	else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		snprintf(logs->problem[i], sizeof(logs->problem[i]), "not a regular file");
	else if ((uint64_t)st.st_size > SXS_MAX_LOG_SIZE)
		snprintf(logs->problem[i], sizeof(logs->problem[i]),
		         "%lld bytes, over the %llu-byte limit", (long long)st.st_size,
		         (unsigned long long)SXS_MAX_LOG_SIZE);
	else if (st.st_size == 0)
		logs->present[i] = true; /* empty: the replay notes it */
	else {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			snprintf(logs->problem[i], sizeof(logs->problem[i]), "cannot map: %s",
			         strerror(errno));
		} else {
			logs->map[i] = p;
			logs->len[i] = (size_t)st.st_size;
			logs->present[i] = true;
		}
	}
	if (fd >= 0)
		close(fd);
	return err;
}

int sxs_hive_logs_load(int dir_fd, const char *base, struct sxs_hive_logs *logs)
{
	memset(logs, 0, sizeof(*logs));
	/* a new open file description: the caller's directory offset stays */
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* no listing, no logs: the replay says "absent" */
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	/* the first spelling in byte order when two differ only in case */
	char *found[3] = {NULL, NULL, NULL};
	int err = 0;
	struct dirent *de;
	while (!err && (de = readdir(dir)) != NULL) {
		int n = log_number(de->d_name, base);
		if (!n || (found[n - 1] && strcmp(found[n - 1], de->d_name) <= 0))
			continue;
		sxs_free(found[n - 1]);
		if (!(found[n - 1] = sxs_strdup(de->d_name)))
			err = -SXS_ENOMEM;
	}
	/*
	 * <hive>.LOG alone is the single-logging scheme (XP/2003, or a hive
	 * writer that uses one log); beside .LOG1/.LOG2 it is a dummy left by
	 * setup and is ignored (RS, "Multiple transaction log files").
	 */
	if (!err && !found[0] && !found[1] && found[2]) {
		found[0] = found[2];
		found[2] = NULL;
		logs->single = true;
	}
	for (unsigned i = 0; i < 2 && !err; i++)
		if (found[i])
			err = map_log(dirfd(dir), found[i], logs, i);
	closedir(dir);
	for (unsigned i = 0; i < 3; i++)
		sxs_free(found[i]);
	if (err)
		sxs_hive_logs_release(logs);
	return err;
}

void sxs_hive_logs_release(struct sxs_hive_logs *logs)
{
	for (unsigned i = 0; i < 2; i++) {
		if (logs->map[i])
			munmap((void *)logs->map[i], logs->len[i]);
		sxs_free(logs->name[i]);
		logs->map[i] = NULL;
		logs->name[i] = NULL;
		logs->len[i] = 0;
	}
}

void sxs_hive_logs_notes(const struct sxs_hive_logs *logs, struct sxs_replay *r)
{
	r->single_log = logs->single;
	for (unsigned i = 0; i < 2; i++) {
		if (logs->present[i] && !logs->map[i] && !logs->problem[i][0]) {
			r->log[i].present = true; /* there, but empty */
			snprintf(r->log[i].note, sizeof(r->log[i].note), "empty");
			continue;
		}
		if (!logs->problem[i][0])
			continue;
		/* there, but not readable as a file: say why instead of "absent" */
		r->log[i].present = true;
		snprintf(r->log[i].note, sizeof(r->log[i].note), "%s", logs->problem[i]);
	}
}

/* An anonymous file: a memfd, else a temporary file unlinked at once. */
static int anon_fd(const char *name, int *fd_ret)
{
	int fd = -1;
#ifdef SYS_memfd_create
	fd = (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC);
#else
	(void)name;
#endif
	if (fd < 0) {
		const char *tmp = getenv("TMPDIR");
		char path[4096];
		snprintf(path, sizeof(path), "%s/sxscheck-hive.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		fd = mkstemp(path);
		if (fd < 0)
			return -sxs_errno_status(errno);
		unlink(path);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	*fd_ret = fd;
	return 0;
}

static uint8_t *anon_alloc(void *ctx, size_t len)
{
	struct sxs_hive_anon *a = ctx;
	int err = anon_fd("sxscheck-recovered-hive", &a->fd);
	if (err < 0) {
		a->err = err;
		return NULL;
	}
	void *p = MAP_FAILED;
	errno = 0;
	if (ftruncate(a->fd, (off_t)len) == 0)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
	if (p == MAP_FAILED) {
		a->err = -sxs_errno_status(errno ? errno : ENOMEM);
		close(a->fd);
		a->fd = -1;
		return NULL;
	}
	return p;
}

static void anon_release(void *ctx, uint8_t *buf, size_t len)
{
	struct sxs_hive_anon *a = ctx;
	munmap(buf, len);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

void sxs_hive_anon_sink(struct sxs_hive_anon *a, struct sxs_replay_sink *sink)
{
	a->fd = -1;
	a->err = 0;
	sink->alloc = anon_alloc;
	sink->release = anon_release;
	sink->ctx = a;
}

/* dir fd and base name of relpath (relative to dirfd), like sxs_hive_open */
int sxs_hive_replay_file(int dirfd, const char *relpath, const char *display,
                         struct sxs_replay *ret, char **note_ret, struct sxs_diag *diag)
{
	const char *slash = strrchr(relpath, '/');
	const char *base = slash ? slash + 1 : relpath;
	char *dirpart = NULL;
	int dir_fd = -1, fd = -1, err;
	void *map = MAP_FAILED;
	size_t size = 0;
	struct sxs_hive_logs logs;
	bool have_logs = false;

	memset(ret, 0, sizeof(*ret));
	if (!display)
		display = relpath;
	if (*base == '\0')
		return sxs_diag_set(diag, SXS_ENAME, "%s: not a file name", display);
	if (slash) {
		dirpart = sxs_strndup(relpath, (size_t)(slash - relpath) + 1);
		if (!dirpart)
			return -SXS_ENOMEM;
		dir_fd = openat(dirfd, dirpart, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		sxs_free(dirpart);
		if (dir_fd < 0) {
			int st = sxs_errno_status(errno);
			return sxs_diag_set(diag, st, "%s: cannot open its directory: %s", display,
			                    sxs_strerror(st));
		}
	}
	int at = dir_fd >= 0 ? dir_fd : dirfd;
	fd = openat(at, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int st = errno == ELOOP ? SXS_ELINK : sxs_errno_status(errno);
		err = sxs_diag_set(diag, st, "%s: cannot open: %s", display, sxs_strerror(st));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = sxs_diag_set(diag, SXS_ENOTDIR, "%s: not a regular file", display);
		goto out;
	}
	if ((uint64_t)st.st_size > SXS_MAX_HIVE_SIZE) {
		err = sxs_diag_set(diag, SXS_ELIMIT, "%s: hive is %lld bytes, limit is %llu", display,
		                   (long long)st.st_size, (unsigned long long)SXS_MAX_HIVE_SIZE);
		goto out;
	}
	size = (size_t)st.st_size;
	if (size == 0) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "%s: not a registry hive (empty file)", display);
		goto out;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = sxs_diag_set(diag, sxs_errno_status(errno), "%s: cannot map the file", display);
		goto out;
	}
	err = sxs_hive_logs_load(at, base, &logs);
	if (err)
		goto out;
	have_logs = true;
	struct sxs_diag d = {{0}};
	err = sxs_replay_run(map, size, logs.map[0], logs.len[0], logs.map[1], logs.len[1], ret, &d);
	if (err) {
		if (err != -SXS_ENOMEM)
			err = sxs_diag_set(diag, -err, "%s: %s", display, sxs_diag_msg(&d, err));
		goto out;
	}
	sxs_hive_logs_notes(&logs, ret);
	if (note_ret) {
		err = sxs_replay_describe(ret, base, note_ret);
		if (err)
			goto out;
	}
	err = 0;
out:
	if (err)
		sxs_replay_release(ret);
	if (have_logs)
		sxs_hive_logs_release(&logs);
	if (map != MAP_FAILED)
		munmap(map, size);
	if (fd >= 0)
		close(fd);
	if (dir_fd >= 0)
		close(dir_fd);
	return err;
}
