/* SPDX-License-Identifier: MIT */
#ifndef SXS_HIVE_HIVE_H
#define SXS_HIVE_HIVE_H

/*
 * Read-only access to Windows registry hive files (regf), on top of hivex.
 * This module holds the only files that include <hivex.h>; hivex's errno
 * values are translated into -SXS_E* codes here.
 *
 * Hives are untrusted input.  sxs_hive_open() checks the base block and
 * walks every hive bin and cell header itself (every cell must lie inside
 * its bin) before hivex sees the file, and the functions below re-check
 * the few structures hivex reads without bounds checks (subkey lists inside
 * ri-records, short key/value cells, big-data block lists) before calling
 * it.  A hostile hive therefore ends in a clean error, never a crash.
 *
 * Names:
 *   - key and value names are UTF-8; lookups compare them ignoring ASCII
 *     case (like Windows for the ASCII names the component store uses;
 *     non-ASCII letters are compared exactly);
 *   - the (default) value has the empty name "";
 *   - paths separate keys with '\' or '/'; empty components are skipped.
 *
 * Lookups: the first sxs_hive_child() call on a parent builds a name->node
 * hash index of all its children (kept until sxs_hive_free()), so looking
 * up each of 30,000 children of DerivedData\Components is O(1) each.
 *
 * Dirty hives (base block checksum wrong, or sequence numbers that differ):
 * their newest changes are in <hive>.LOG1/.LOG2.  sxs_hive_open() replays
 * the logs in memory as Windows does when it loads the hive (replay.h) and
 * hands the recovered bytes to hivex through an anonymous memory file; the
 * image is never written.  sxs_hive_recovery() says what happened: CLEAN,
 * REPLAYED, or UNREPLAYED (logs absent, damaged or not matching: the
 * primary file is read as it is, and may miss recent changes; callers
 * should say so rather than report what looks like corruption).  A dirty
 * hive whose base block checksum is wrong and whose logs cannot restore it
 * cannot be read at all: sxs_hive_open() fails with -SXS_EFORMAT and says
 * why.
 *
 * A handle is not thread-safe (the child index is built lazily); use one
 * handle per thread or lock around calls.
 *
 * Every function returns 0 or a negative -SXS_E* code and writes its `_ret`
 * out-parameters only on success.  sxs_hive_open() fills the optional diag
 * with a one-line reason naming the file; the functions taking an open
 * handle keep that reason in the handle instead: sxs_hive_error() returns
 * it until the next call.  "Not found" (-SXS_ENOENT) from the lookup
 * functions is an expected outcome and sets no reason.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define SXS_MAX_HIVE_SIZE ((uint64_t)2 << 30) /* 2 GiB: bigger hives are refused */
#define SXS_MAX_HIVE_DEPTH 512                 /* key nesting (Windows' own limit) */

/* Registry value types (winnt.h REG_*). */
enum sxs_hive_type {
	SXS_REG_NONE = 0,
	SXS_REG_SZ = 1,
	SXS_REG_EXPAND_SZ = 2,
	SXS_REG_BINARY = 3,
	SXS_REG_DWORD = 4,
	SXS_REG_DWORD_BIG_ENDIAN = 5,
	SXS_REG_LINK = 6,
	SXS_REG_MULTI_SZ = 7,
	SXS_REG_QWORD = 11,
};

struct sxs_hive; /* opaque */

/* A key (an nk cell offset); 0 means none. */
typedef size_t sxs_hnode;

/*
 * Open the hive file `relpath` (relative to directory fd `dirfd`; no
 * absolute paths, no ".." components) read-only with O_NOFOLLOW on the
 * last component.  `display` names the file in messages (defaults to
 * relpath).  Errors: -SXS_ENOENT (missing), -SXS_ELINK (symbolic link),
 * -SXS_ENOTDIR (not a regular file), -SXS_ELIMIT (over SXS_MAX_HIVE_SIZE),
 * -SXS_ETRUNC (shorter than its header says), -SXS_EFORMAT (not a hive,
 * bad checksum, malformed bins or cells), -SXS_EUNSUPPORTED (a log file,
 * another major version), -SXS_ENAME (unsafe relpath).
 */
int sxs_hive_open(int dirfd, const char *relpath, const char *display,
                  struct sxs_hive **ret, struct sxs_diag *diag);
void sxs_hive_free(struct sxs_hive *h);

/* The name given as `display` to sxs_hive_open(). */
const char *sxs_hive_display(const struct sxs_hive *h);
/* Why the last call on this handle failed ("" after a success or ENOENT),
 * e.g. "COMPONENTS: subkey list at 0x2a0 of key at 0x1020 is malformed". */
const char *sxs_hive_error(const struct sxs_hive *h);

/* The file on disk is dirty: sequence numbers differ or checksum wrong
 * (true also when the logs were replayed; see sxs_hive_recovery()). */
bool sxs_hive_is_dirty(const struct sxs_hive *h);
/* The sequence numbers of the file on disk. */
uint32_t sxs_hive_seq1(const struct sxs_hive *h);
uint32_t sxs_hive_seq2(const struct sxs_hive *h);

enum sxs_hive_recovery {
	SXS_HIVE_CLEAN,      /* not dirty */
	SXS_HIVE_REPLAYED,   /* dirty; read as recovered from its logs */
	SXS_HIVE_UNREPLAYED, /* dirty; logs absent, damaged or not matching: stale */
};
enum sxs_hive_recovery sxs_hive_recovery(const struct sxs_hive *h);
/* One line: "replayed from COMPONENTS.LOG1 (1 entry, 1 page) ...", "not
 * replayed: <why>", or "" for a clean hive (see sxs_replay_describe). */
const char *sxs_hive_recovery_note(const struct sxs_hive *h);
/* The replay's details (logs used, entries, pages); data/len are empty. */
const struct sxs_replay *sxs_hive_replay_info(const struct sxs_hive *h);

/*
 * For `sxscheck hive recover`: read the hive file `relpath` below dirfd and
 * its logs and replay them, without hivex.  *ret as sxs_replay_run() gives
 * it (release with sxs_replay_release()); *note_ret (optional, sxs_free)
 * is sxs_replay_describe()'s line.  Errors: as sxs_hive_open() for the
 * file itself; bad logs are never an error.
 */
struct sxs_replay;
int sxs_hive_replay_file(int dirfd, const char *relpath, const char *display,
                         struct sxs_replay *ret, char **note_ret, struct sxs_diag *diag);
/* A <hive>.LOG1 or <hive>.LOG2 (any case; <hive>.LOG when neither exists) next to
 * the hive, regular, size > 0. */
bool sxs_hive_has_logs(const struct sxs_hive *h);

/* The root key (never 0 for an open hive). */
sxs_hnode sxs_hive_root(const struct sxs_hive *h);

/* Child `name` of `parent` (case-insensitive, through the index). */
int sxs_hive_child(struct sxs_hive *h, sxs_hnode parent, const char *name,
                   sxs_hnode *ret);
/* Key at `path` below `from` (e.g. "DerivedData\\Components"); "" = from. */
int sxs_hive_path(struct sxs_hive *h, sxs_hnode from, const char *path,
                  sxs_hnode *ret);
/* All children in stored (sorted) order; free *ret with sxs_free(). */
int sxs_hive_children(struct sxs_hive *h, sxs_hnode node, sxs_hnode **ret,
                      size_t *n_ret);
/* Key name as UTF-8; free with sxs_free(). */
int sxs_hive_node_name(struct sxs_hive *h, sxs_hnode node, char **ret);

/*
 * Depth-first, pre-order walk of `from` and everything below it.  `fn` gets
 * each key and its depth (0 for `from`); it returns 0 to go on, a positive
 * number to stop the walk (sxs_hive_walk() then returns that number), or a
 * negative -SXS_E* code to abort with it.  A key reached twice (a subkey
 * loop in a damaged hive) is -SXS_EFORMAT; deeper than SXS_MAX_HIVE_DEPTH
 * is -SXS_ELIMIT.
 */
typedef int (*sxs_hive_walk_fn)(struct sxs_hive *h, sxs_hnode node, unsigned depth,
                                void *ctx);
int sxs_hive_walk(struct sxs_hive *h, sxs_hnode from, sxs_hive_walk_fn fn, void *ctx);

/* A value, copied out of the hive. */
struct sxs_hive_value {
	char *name;    /* UTF-8, "" for (default) */
	uint32_t type; /* enum sxs_hive_type, or anything else found in the hive */
	uint8_t *data; /* never NULL, even when len is 0 */
	size_t len;
};

/* All values of `node` in stored order; free with sxs_hive_values_free(). */
int sxs_hive_values(struct sxs_hive *h, sxs_hnode node, struct sxs_hive_value **ret,
                    size_t *n_ret);
void sxs_hive_values_free(struct sxs_hive_value *values, size_t n);
/* Value `name` ("" = default; case-insensitive); -SXS_ENOENT if absent.
 * Release *ret with sxs_hive_value_release(). */
int sxs_hive_value(struct sxs_hive *h, sxs_hnode node, const char *name,
                   struct sxs_hive_value *ret);
void sxs_hive_value_release(struct sxs_hive_value *v);

/*
 * Typed views of a value (-SXS_EFORMAT for the wrong type or a bad length):
 * _string: REG_SZ / REG_EXPAND_SZ, UTF-16LE decoded to UTF-8, cut at the
 *   first NUL (an unterminated odd trailing byte or a broken surrogate pair
 *   is -SXS_EFORMAT); free *ret with sxs_free().
 * _dword: REG_DWORD (little endian) or REG_DWORD_BIG_ENDIAN, exactly 4 bytes.
 * _qword: REG_QWORD, exactly 8 bytes.
 */
int sxs_hive_value_string(const struct sxs_hive_value *v, char **ret);
int sxs_hive_value_dword(const struct sxs_hive_value *v, uint32_t *ret);
int sxs_hive_value_qword(const struct sxs_hive_value *v, uint64_t *ret);

/*
 * Value `name` read and viewed in one call, for readers that take an absent,
 * unreadable or mistyped value alike: 1 found (*ret set), 0 absent or
 * unreadable, SXS_HIVE_OTHER_TYPE present but not of that type, -SXS_ENOMEM.
 * sxs_hive_get_string leaves *ret NULL unless it returns 1.
 */
#define SXS_HIVE_OTHER_TYPE 2
int sxs_hive_get_string(struct sxs_hive *h, sxs_hnode node, const char *name, char **ret);
int sxs_hive_get_dword(struct sxs_hive *h, sxs_hnode node, const char *name, uint32_t *ret);

/* Number of parents whose child index has been built (for tests). */
size_t sxs_hive_indexed_parents(const struct sxs_hive *h);

#endif
