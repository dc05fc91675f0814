/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_STORE_H
#define SXS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/map.h"
#include "util/status.h"

/*
 * The mounted image.  Every file is opened relative to a directory fd with
 * O_RDONLY|O_NOFOLLOW, one path component at a time, so nothing outside
 * ROOT is ever reached through a link and nothing is ever written.
 *
 * Windows compares names case-insensitively, an ntfs-3g mount does not:
 * each component is tried as written and then looked up in an index of the
 * directory (ASCII case folding).
 */

#define SXS_MAX_MANIFEST_SIZE (64u << 20) /* a plain or DCM manifest file */
#define SXS_MAX_WCP_SIZE (64u << 20)      /* wcp.dll */

/* One directory's entries, by folded name. */
struct sxs_dirent {
	char *name;        /* as on disk */
	ino_t ino;
	unsigned char type; /* DT_* from readdir, DT_UNKNOWN possible */
};

struct sxs_dir {
	int fd;
	struct sxs_dirent *ents; /* sorted by name (byte order) */
	size_t n;
	struct sxs_map index;    /* folded name -> struct sxs_dirent * */
};

/* Read the whole directory behind fd (takes ownership of fd). */
int sxs_dir_load(int fd, struct sxs_dir **ret, struct sxs_diag *diag);
void sxs_dir_free(struct sxs_dir *d);
/* Entry by name: the exact spelling if present, else a case-insensitive
 * match (the first in byte order among case twins), or NULL. */
const struct sxs_dirent *sxs_dir_find(const struct sxs_dir *d, const char *name);

/*
 * Names that come from manifests or hives must name exactly one entry in
 * one directory: not empty, not "." or "..", no '/', '\\', ':' or NUL,
 * no control characters.
 */
bool sxs_name_is_safe(const char *name, size_t len);

/*
 * Open `relpath` ('/' or '\\' separated, resolved case-insensitively)
 * below dirfd.  flags: O_DIRECTORY for a directory, 0 for a regular file.
 * Symbolic links anywhere in the path are refused (-SXS_ELINK).  On
 * success *fd_ret is an O_RDONLY fd and *ondisk_ret (when non-NULL) the
 * path as spelled on disk (sxs_free).
 */
int sxs_openat_ci(int dirfd, const char *relpath, int flags, int *fd_ret, char **ondisk_ret,
                  struct sxs_diag *diag);

/* Read a whole regular file from an fd, refusing files over max bytes. */
int sxs_read_fd(int fd, size_t max, uint8_t **data_ret, size_t *len_ret, struct sxs_diag *diag,
                const char *display);

struct sxs_image {
	char *root_path;      /* as given */
	int root_fd;          /* the volume root (contains Windows/) */
	int windows_fd;       /* Windows */
	char *windows_name;   /* "Windows" as spelled on disk */
	int winsxs_fd;        /* Windows/WinSxS */
	char *winsxs_path;    /* display path "Windows/WinSxS" as on disk */
	struct sxs_dir *winsxs;    /* WinSxS entries (component folders, Manifests, ...),
	                              NULL until sxs_image_list */
	struct sxs_dir *manifests; /* WinSxS/Manifests entries, NULL if absent */
};

/*
 * Open ROOT: the root of a mounted Windows volume (contains Windows/) or the
 * Windows directory itself (contains WinSxS/ and System32/).
 */
int sxs_image_open(const char *path, struct sxs_image **ret, struct sxs_diag *diag);
/*
 * List WinSxS and WinSxS/Manifests into img->winsxs and img->manifests
 * (once; sxs_model_load does it after the registry, so the hives and the
 * listings are not in memory at the same time).
 */
int sxs_image_list(struct sxs_image *img, struct sxs_diag *diag);
void sxs_image_free(struct sxs_image *img);

/*
 * Open the regular file `relpath` (exact spelling, '/'-separated, already
 * resolved) below dirfd without following any symbolic link and without
 * leaving dirfd (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the
 * kernel has it, otherwise one O_NOFOLLOW component at a time).
 */
int sxs_open_beneath(int dirfd, const char *relpath, int *fd_ret, struct sxs_diag *diag);

#endif
