/* SPDX-License-Identifier: MIT */
#ifndef SXS_HIVE_HIVE_INT_H
#define SXS_HIVE_HIVE_INT_H

/* Internals shared by hive.c and index.c; not part of the module's API. */

#include <hivex.h>

#include "hive/hive.h"
#include "hive/replay.h"

/*
 * regf layout (msuhanov's "Windows registry file format specification").
 * Cell offsets inside the file are stored relative to the first hive bin
 * (file offset 4096); all offsets below are absolute file offsets, as hivex
 * uses them for its node and value handles.
 */
#define REGF_BASE_SIZE 4096u
#define REGF_OFF_SEQ1 4
#define REGF_OFF_SEQ2 8
#define REGF_OFF_MAJOR 20
#define REGF_OFF_MINOR 24
#define REGF_OFF_TYPE 28
#define REGF_OFF_ROOT 36
#define REGF_OFF_BINS_SIZE 40
#define REGF_OFF_CHECKSUM 508

#define HBIN_HEADER_SIZE 32u
#define HBIN_OFF_OFFSET 4
#define HBIN_OFF_SIZE 8

#define CELL_MIN_SIZE 8u /* size field + at least a signature and padding */

/* nk (key) cell, offsets from the start of the cell (its size field) */
#define NK_OFF_NR_SUBKEYS 24
#define NK_OFF_SUBKEY_LIST 32
#define NK_FIXED_SIZE 80u

/* vk (value) cell */
#define VK_OFF_DATA_LEN 8
#define VK_OFF_DATA 12
#define VK_FIXED_SIZE 24u
#define VK_DATA_INLINE 0x80000000u

/* subkey lists: lf/lh (8-byte entries), li and ri (4-byte entries) */
#define LIST_OFF_COUNT 6
#define LIST_OFF_ENTRIES 8

/* db (big data) cell */
#define DB_OFF_NR_SEGMENTS 6
#define DB_OFF_SEGMENT_LIST 8
#define DB_FIXED_SIZE 12u

#define REGF_NO_CELL 0xffffffffu

struct child_index;

/* <hive>.LOG1 and .LOG2 next to a hive, mapped read-only (see recover.c). */
struct sxs_hive_logs {
	const uint8_t *map[2]; /* NULL when absent, empty or unreadable */
	size_t len[2];
	char *name[2];         /* as spelled on disk, NULL when absent */
	bool present[2];       /* a regular file (empty included) */
	bool single;           /* map[0] is <hive>.LOG: no .LOG1 or .LOG2 exists */
	char problem[2][SXS_REPLAY_NOTE_MAX]; /* there but not usable as a file */
};

/* Find and map the logs of `base` in dir_fd.  0 or -SXS_ENOMEM. */
int sxs_hive_logs_load(int dir_fd, const char *base, struct sxs_hive_logs *logs);
void sxs_hive_logs_release(struct sxs_hive_logs *logs);
/* Copy the file-level problems of the logs into the replay's notes. */
void sxs_hive_logs_notes(const struct sxs_hive_logs *logs, struct sxs_replay *r);
/*
 * A replay sink that writes the recovered hive straight into an anonymous
 * file (memfd, else an unlinked temporary file), mapped shared: a->fd is
 * that file once the replay allocated it (-1 before and after release).
 */
struct sxs_hive_anon {
	int fd;
	int err;
};
void sxs_hive_anon_sink(struct sxs_hive_anon *a, struct sxs_replay_sink *sink);

struct sxs_hive {
	hive_h *hx;
	char *display;
	const uint8_t *map; /* our own read-only mapping of the whole file */
	size_t size;        /* file size */
	size_t bins_end;    /* 4096 + hive bins data size (<= size) */
	sxs_hnode root;
	uint32_t seq1, seq2;   /* of the file on disk (before any replay) */
	bool file_dirty;       /* the file on disk needs its logs */
	bool has_logs;
	enum sxs_hive_recovery recovery;
	struct sxs_replay replay; /* data taken as map once handed to hivex */
	struct sxs_hive_anon anon; /* the memory file of a replayed hive */
	char *recovery_note;
	unsigned touches;   /* key and value reads since our mapping was trimmed */
	void *hx_map;       /* hivex's own mapping of the file, or NULL if not found */
	size_t hx_len;
	struct sxs_diag err; /* reason for the last failure, see sxs_hive_error() */

	/* parent -> child index, open addressing (see index.c) */
	struct child_index **indexes;
	size_t n_indexes;
	size_t indexes_cap; /* 0 or a power of two */
};

/* Translate errno from a failed hivex call into -SXS_E* and fill diag. */
int sxs_hive_hx_error(const struct sxs_hive *h, struct sxs_diag *diag, int errnum,
                      const char *what, size_t off);

/* Children of a key, checked first; *ret is sxs_malloc'ed (may be empty). */
int sxs_hive_get_children(struct sxs_hive *h, sxs_hnode node, sxs_hnode **ret,
                          size_t *n_ret, struct sxs_diag *diag);

/* Name of a key, sxs_malloc'ed. */
int sxs_hive_get_name(struct sxs_hive *h, sxs_hnode node, char **ret, struct sxs_diag *diag);

/* ASCII-case-insensitive equality / hash of UTF-8 names. */
bool sxs_hive_name_eq(const char *a, const char *b);
uint32_t sxs_hive_name_hash(const char *s);

/* Free every child index. */
void sxs_hive_index_release(struct sxs_hive *h);

#endif
