/* SPDX-License-Identifier: MIT */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/strbuf.h"

#define SXS_MAX_DIR_ENTRIES (4u << 20)

void sxs_dir_free(struct sxs_dir *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		sxs_free(d->ents[i].name);
	sxs_free(d->ents);
	sxs_map_release(&d->index);
	if (d->fd >= 0)
		close(d->fd);
	sxs_free(d);
}

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(((const struct sxs_dirent *)a)->name, ((const struct sxs_dirent *)b)->name);
}

int sxs_dir_load(int fd, struct sxs_dir **ret, struct sxs_diag *diag)
{
	int err = 0;
	size_t cap = 0;
	struct sxs_dir *d = sxs_calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return -SXS_ENOMEM;
	}
	d->fd = fd;
	sxs_map_init_borrowed(&d->index, true);

	int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0) {
		err = sxs_diag_set(diag, sxs_errno_status(errno), "cannot duplicate directory fd: %s",
		                   strerror(errno));
		goto out;
	}
	DIR *dir = fdopendir(dupfd);
	if (!dir) {
		err = sxs_diag_set(diag, sxs_errno_status(errno), "cannot read directory: %s",
		                   strerror(errno));
		close(dupfd);
		goto out;
	}
	rewinddir(dir);
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(dir);
		if (!de) {
			if (errno)
				err = sxs_diag_set(diag, sxs_errno_status(errno),
				                   "cannot read directory: %s", strerror(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (d->n == SXS_MAX_DIR_ENTRIES) {
			err = sxs_diag_set(diag, SXS_ELIMIT, "directory has more than %u entries",
			                   SXS_MAX_DIR_ENTRIES);
			break;
		}
		if (d->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sxs_dirent *e = sxs_reallocarray(d->ents, ncap, sizeof(*e));
			if (!e) {
				err = -SXS_ENOMEM;
				break;
			}
			d->ents = e;
			cap = ncap;
		}
		struct sxs_dirent *e = &d->ents[d->n];
		e->name = sxs_strdup(de->d_name);
		if (!e->name) {
			err = -SXS_ENOMEM;
			break;
		}
		e->ino = de->d_ino;
		e->type = de->d_type;
		d->n++;
	}
	closedir(dir);
	if (err)
		goto out;
	/*
	 * Byte order, not readdir order: the same tree lists the same way on
	 * ext4 and on NTFS (ntfs-3g returns its collation order), so reports
	 * and the spelling chosen among case twins do not depend on the file
	 * system (tests/ntfs/scan-ntfs.sh).
	 */
	if (d->n > 1)
		qsort(d->ents, d->n, sizeof(*d->ents), cmp_dirent);
	/* index after the array stops moving */
	for (size_t i = 0; i < d->n; i++) {
		/* among names that differ only in case, the first in byte order
		 * answers folded lookups (sxs_dir_find tries the exact one first) */
		if (sxs_map_has(&d->index, d->ents[i].name, strlen(d->ents[i].name)))
			continue;
		err = sxs_map_put(&d->index, d->ents[i].name, strlen(d->ents[i].name), &d->ents[i]);
		if (err)
			goto out;
	}
	*ret = d;
	return 0;
out:
	sxs_dir_free(d);
	return err;
}

const struct sxs_dirent *sxs_dir_find(const struct sxs_dir *d, const char *name)
{
	const struct sxs_dirent *e = sxs_map_get(&d->index, name, strlen(name));
	if (!e || strcmp(e->name, name) == 0)
		return e;
	/* a case twin may be spelled exactly as asked: that one wins */
	struct sxs_dirent key = {.name = (char *)name};
	const struct sxs_dirent *exact = bsearch(&key, d->ents, d->n, sizeof(*d->ents), cmp_dirent);
	return exact ? exact : e;
}

bool sxs_name_is_safe(const char *name, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':')
			return false;
	}
	return true;
}

/* Find `name` in the directory behind dirfd case-insensitively (slow path). */
static int lookup_folded(int dirfd, const char *name, char **ondisk_ret, struct sxs_diag *diag)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sxs_diag_set(diag, sxs_errno_status(errno), "cannot open directory: %s",
		                    strerror(errno));
	struct sxs_dir *d = NULL;
	int err = sxs_dir_load(fd, &d, diag);
	if (err)
		return err;
	const struct sxs_dirent *e = sxs_dir_find(d, name);
	if (!e) {
		sxs_dir_free(d);
		return -SXS_ENOENT;
	}
	*ondisk_ret = sxs_strdup(e->name);
	sxs_dir_free(d);
	return *ondisk_ret ? 0 : -SXS_ENOMEM;
}

/* Open one path component below dirfd, exact spelling first. */
static int open_component(int dirfd, const char *name, bool want_dir, int *fd_ret,
                          char **ondisk_ret, struct sxs_diag *diag)
{
	int oflags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (want_dir ? O_DIRECTORY : 0);
	char *ondisk = NULL;
	int fd = openat(dirfd, name, oflags);
	if (fd < 0 && errno == ENOENT) {
		int err = lookup_folded(dirfd, name, &ondisk, diag);
		if (err)
			return err;
		fd = openat(dirfd, ondisk, oflags);
	}
	if (fd < 0) {
		int e = errno;
		sxs_free(ondisk);
		if (e == ELOOP)
			return -SXS_ELINK;
		if (e == ENOTDIR && want_dir) {
			/* O_DIRECTORY|O_NOFOLLOW on a symlink also says ENOTDIR */
			struct stat st;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				return -SXS_ELINK;
		}
		return -sxs_errno_status(e);
	}
	if (!want_dir) {
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			sxs_free(ondisk);
			return -SXS_ENOTDIR;
		}
		/* O_NONBLOCK (no hang on a FIFO at open) does nothing to a regular file */
	}
	*fd_ret = fd;
	if (ondisk_ret) {
		if (!ondisk)
			ondisk = sxs_strdup(name);
		if (!ondisk) {
			close(fd);
			return -SXS_ENOMEM;
		}
		*ondisk_ret = ondisk;
	} else {
		sxs_free(ondisk);
	}
	return 0;
}

int sxs_openat_ci(int dirfd, const char *relpath, int flags, int *fd_ret, char **ondisk_ret,
                  struct sxs_diag *diag)
{
	struct sxs_strbuf path = SXS_STRBUF_INIT;
	int cur = dirfd, err = 0;
	const char *p = relpath;
	bool final_dir = (flags & O_DIRECTORY) != 0;

	while (*p == '/' || *p == '\\')
		p++;
	if (!*p)
		return -SXS_EINVAL;
	while (*p) {
		size_t n = strcspn(p, "/\\");
		const char *next = p + n;
		while (*next == '/' || *next == '\\')
			next++;
		bool last = (*next == '\0');
		char name[256];
		if (!sxs_name_is_safe(p, n) || n >= sizeof(name)) {
			err = -SXS_ENAME;
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		int fd = -1;
		char *ondisk = NULL;
		err = open_component(cur, name, last ? final_dir : true, &fd, &ondisk, diag);
		if (err)
			break;
		if (path.len)
			sxs_strbuf_addc(&path, '/');
		sxs_strbuf_adds(&path, ondisk);
		sxs_free(ondisk);
		if (cur != dirfd)
			close(cur);
		cur = fd;
		p = next;
	}
	if (!err)
		err = sxs_strbuf_error(&path);
	if (err) {
		if (cur != dirfd)
			close(cur);
		sxs_strbuf_release(&path);
		return err;
	}
	*fd_ret = cur;
	if (ondisk_ret)
		*ondisk_ret = sxs_strbuf_detach(&path, NULL);
	else
		sxs_strbuf_release(&path);
	if (ondisk_ret && !*ondisk_ret) {
		close(cur);
		return -SXS_ENOMEM;
	}
	return 0;
}

int sxs_read_fd(int fd, size_t max, uint8_t **data_ret, size_t *len_ret, struct sxs_diag *diag,
                const char *display)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sxs_diag_set(diag, sxs_errno_status(errno), "%s: %s", display, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sxs_diag_set(diag, SXS_ENOTDIR, "%s: not a regular file", display);
	if ((uint64_t)st.st_size > max)
		return sxs_diag_set(diag, SXS_ELIMIT, "%s: file is %llu bytes, limit is %zu",
		                    display, (unsigned long long)st.st_size, max);
	size_t cap = (size_t)st.st_size, len = 0;
	uint8_t *buf = sxs_malloc(cap + 1);
	if (!buf)
		return -SXS_ENOMEM;
	for (;;) {
		if (len == cap) {
			/* the file grew while we read it: allow up to max */
			if (cap >= max) {
				uint8_t probe;
				ssize_t r = read(fd, &probe, 1);
				if (r == 0)
					break;
				sxs_free(buf);
				return sxs_diag_set(diag, SXS_ELIMIT, "%s: file larger than %zu bytes",
				                    display, max);
			}
			size_t ncap = cap * 2 + 4096;
			if (ncap > max)
				ncap = max;
			uint8_t *nb = sxs_realloc(buf, ncap + 1);
			if (!nb) {
				sxs_free(buf);
				return -SXS_ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			sxs_free(buf);
			return sxs_diag_set(diag, sxs_errno_status(e), "%s: read error: %s", display,
			                    strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*data_ret = buf;
	*len_ret = len;
	return 0;
}

/* A folder named like a component: five '_', then a 16-hex-digit hash (formats.md 1.3). */
static bool holds_component_folder(int root_fd)
{
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sxs_dir *d = NULL;
	bool found = false;
	if (fd < 0 || sxs_dir_load(fd, &d, NULL))
		return false;
	for (size_t i = 0; i < d->n && !found; i++) {
		const char *n = d->ents[i].name, *last = strrchr(n, '_');
		size_t us = 0;
		for (const char *p = n; *p; p++)
			us += *p == '_';
		if (us != 5 || strlen(last + 1) != 16)
			continue;
		found = true;
		for (const char *p = last + 1; *p && found; p++)
			found = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			        (*p >= 'A' && *p <= 'F');
	}
	sxs_dir_free(d);
	return found;
}

/*
 * ROOT holds neither Windows/ nor WinSxS/: say what it looks like instead,
 * so an admin who passed the WinSxS folder (or System32) knows what to pass.
 */
static const char *wrong_root_hint(int root_fd)
{
	int fd;
	if (sxs_openat_ci(root_fd, "Manifests", O_DIRECTORY, &fd, NULL, NULL) == 0) {
		close(fd);
		if (holds_component_folder(root_fd))
			return "this looks like a WinSxS folder, not a Windows volume: pass the volume "
			       "root (the folder that holds Windows/) or the Windows folder";
	}
	if (sxs_openat_ci(root_fd, "COMPONENTS", 0, &fd, NULL, NULL) == 0 ||
	    sxs_openat_ci(root_fd, "SOFTWARE", 0, &fd, NULL, NULL) == 0) {
		close(fd);
		return "this looks like Windows/System32/config, not a Windows volume: pass the "
		       "volume root (the folder that holds Windows/); for a single hive see "
		       "'sxscheck hive recover'";
	}
	if (sxs_openat_ci(root_fd, "config", O_DIRECTORY, &fd, NULL, NULL) == 0) {
		close(fd);
		if (sxs_openat_ci(root_fd, "drivers", O_DIRECTORY, &fd, NULL, NULL) == 0) {
			close(fd);
			return "this looks like Windows/System32, not a Windows volume: pass the "
			       "volume root (the folder that holds Windows/) or the Windows folder";
		}
	}
	return "no Windows directory (not the root of a Windows volume, nor a Windows folder "
	       "with WinSxS/)";
}

void sxs_image_free(struct sxs_image *img)
{
	if (!img)
		return;
	sxs_dir_free(img->manifests);
	sxs_dir_free(img->winsxs);
	if (img->winsxs_fd >= 0)
		close(img->winsxs_fd);
	if (img->root_fd >= 0)
		close(img->root_fd);
	if (img->windows_fd >= 0)
		close(img->windows_fd);
	sxs_free(img->root_path);
	sxs_free(img->windows_name);
	sxs_free(img->winsxs_path);
	sxs_free(img);
}

int sxs_image_open(const char *path, struct sxs_image **ret, struct sxs_diag *diag)
{
	int err;
	struct sxs_image *img = sxs_calloc(1, sizeof(*img));
	if (!img)
		return -SXS_ENOMEM;
	img->root_fd = img->windows_fd = img->winsxs_fd = -1;
	img->root_path = sxs_strdup(path);
	if (!img->root_path) {
		err = -SXS_ENOMEM;
		goto out;
	}
	img->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (img->root_fd < 0) {
		err = sxs_diag_set(diag, sxs_errno_status(errno), "%s: %s", path, strerror(errno));
		goto out;
	}
	/* ROOT/Windows, or ROOT is the Windows directory itself */
	err = sxs_openat_ci(img->root_fd, "Windows", O_DIRECTORY, &img->windows_fd,
	                    &img->windows_name, NULL);
	if (err == -SXS_ENOENT || err == -SXS_ENOTDIR) {
		int probe;
		if (sxs_openat_ci(img->root_fd, "WinSxS", O_DIRECTORY, &probe, NULL, NULL) == 0) {
			close(probe);
			img->windows_fd = fcntl(img->root_fd, F_DUPFD_CLOEXEC, 0);
			img->windows_name = sxs_strdup(".");
			err = img->windows_fd < 0 || !img->windows_name ? -SXS_ENOMEM : 0;
		}
	}
	if (err) {
		if (err == -SXS_ENOMEM) {
			err = -SXS_ENOMEM;
			goto out;
		}
		err = sxs_diag_set(diag, SXS_ENOENT, "%s: %s", path, wrong_root_hint(img->root_fd));
		goto out;
	}
	char *sxsname = NULL;
	err = sxs_openat_ci(img->windows_fd, "WinSxS", O_DIRECTORY, &img->winsxs_fd, &sxsname, NULL);
	if (err) {
		/* ROOT one level above the volume (mounted at ROOT/windows): the
		 * "Windows" found is the volume root, and it holds Windows/WinSxS */
		int probe;
		if (err != -SXS_ENOMEM &&
		    sxs_openat_ci(img->windows_fd, "Windows/WinSxS", O_DIRECTORY, &probe, NULL, NULL) == 0) {
			close(probe);
			err = sxs_diag_set(diag, SXS_ENOENT,
			                   "%s: no Windows/WinSxS directory, but %s/%s holds one: ROOT is "
			                   "the folder above the volume; pass %s/%s",
			                   path, path, img->windows_name, path, img->windows_name);
			goto out;
		}
		err = sxs_diag_set(diag, err == -SXS_ENOMEM ? SXS_ENOMEM : SXS_ENOENT,
		                   "%s: no Windows/WinSxS directory (%s)", path, sxs_strerror(err));
		goto out;
	}
	{
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (strcmp(img->windows_name, ".") != 0) {
			sxs_strbuf_adds(&sb, img->windows_name);
			sxs_strbuf_addc(&sb, '/');
		}
		sxs_strbuf_adds(&sb, sxsname);
		sxs_free(sxsname);
		img->winsxs_path = sxs_strbuf_detach(&sb, NULL);
		if (!img->winsxs_path) {
			err = -SXS_ENOMEM;
			goto out;
		}
	}
	*ret = img;
	return 0;
out:
	sxs_image_free(img);
	return err;
}

int sxs_image_list(struct sxs_image *img, struct sxs_diag *diag)
{
	int fd, mfd, err;
	if (img->winsxs)
		return 0;
	fd = fcntl(img->winsxs_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return sxs_diag_set(diag, sxs_errno_status(errno), "%s: %s", img->winsxs_path,
		                    strerror(errno));
	struct sxs_diag d = {{0}};
	err = sxs_dir_load(fd, &img->winsxs, &d);
	if (err)
		return sxs_diag_set(diag, -err, "%s: %s", img->winsxs_path, sxs_diag_msg(&d, err));
	err = sxs_openat_ci(img->winsxs_fd, "Manifests", O_DIRECTORY, &mfd, NULL, NULL);
	if (err == 0 && (err = sxs_dir_load(mfd, &img->manifests, &d)))
		return sxs_diag_set(diag, -err, "%s/Manifests: %s", img->winsxs_path,
		                    sxs_diag_msg(&d, err));
	if (err && err != -SXS_ENOENT)
		return sxs_diag_set(diag, err, "%s/Manifests: %s", img->winsxs_path, sxs_strerror(err));
	return 0;
}

#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

int sxs_open_beneath(int dirfd, const char *relpath, int *fd_ret, struct sxs_diag *diag)
{
	int fd = -1;
#if defined(__linux__) && defined(SYS_openat2)
	static atomic_int no_openat2;
	if (!atomic_load(&no_openat2)) {
		struct open_how how = {
			.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		fd = (int)syscall(SYS_openat2, dirfd, relpath, &how, sizeof(how));
		if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
			/* old kernel or a seccomp filter: fall back below */
			atomic_store(&no_openat2, 1);
		} else if (fd < 0) {
			int e = errno;
			if (e == ELOOP || e == EXDEV)
				return sxs_diag_set(diag, SXS_ELINK, "symbolic link not followed");
			return sxs_diag_set(diag, sxs_errno_status(e), "%s", strerror(e));
		}
	}
#endif
	if (fd < 0) {
		int err = sxs_openat_ci(dirfd, relpath, 0, &fd, NULL, diag);
		if (err)
			return err == -SXS_ELINK ? sxs_diag_set(diag, SXS_ELINK, "symbolic link not followed")
			                         : err;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sxs_diag_set(diag, SXS_ENOTDIR, "not a regular file");
	}
	/* O_NONBLOCK (no hang on a FIFO at open) does nothing to a regular file */
	*fd_ret = fd;
	return 0;
}
