/* SPDX-License-Identifier: MIT */
#ifndef SXS_HIVE_REPLAY_H
#define SXS_HIVE_REPLAY_H

/*
 * Transaction log replay for registry hives, as Windows does it when it
 * loads a dirty hive (formats.md 7.1 and 7.4; msuhanov's "Windows registry
 * file format specification", sections "Format of transaction log files",
 * "Dirty state of a hive" and "Multiple transaction log files").
 *
 * A hive is dirty when its base block's checksum is wrong or its two
 * sequence numbers differ: its newest changes are then in <hive>.LOG1 and
 * <hive>.LOG2 only.  Two log formats exist:
 *
 *   new (Windows 8.1+, base block file type 6): "HvLE" log entries, each
 *     with a sequence number, the hive bins size, dirty page references and
 *     pages, checked by two Marvin32 hashes.  Entries are applied in
 *     sequence order from the primary's secondary sequence number on,
 *     from the log that holds the earlier entries first, then the other
 *     one if it continues at N + 1; replay stops at the first entry that
 *     is missing, out of sequence or fails its hashes (the entries before
 *     it are complete flushes and stay applied, as in Windows).  With a
 *     damaged primary base block only the log with the latest entries is
 *     used, and the base block comes from it.
 *
 *   old (Vista/7, file type 1 or 2): a "DIRT" bitmap of the 512-byte
 *     pages of the hive bins, then those pages.  The log must be valid (its
 *     own base block checksum and sequence numbers), not older than the
 *     primary (last written timestamp), and hold every page its bitmap
 *     names: an old log is applied whole or not at all.  Of two usable
 *     logs the more recent one is used (LOG1 on a tie).
 *
 * Everything happens in memory on copies: the primary and the logs are
 * only read.  Hostile logs end in a FAILED result with a reason, never in
 * an error return.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define SXS_MAX_LOG_SIZE ((uint64_t)2 << 30) /* as SXS_MAX_HIVE_SIZE */
#define SXS_REPLAY_NOTE_MAX 200

enum sxs_log_format {
	SXS_LOG_NONE, /* absent, empty, or its base block is not a usable log */
	SXS_LOG_OLD,  /* DIRT bitmap (Vista/7) */
	SXS_LOG_NEW,  /* HvLE entries (8.1+) */
};

enum sxs_replay_state {
	SXS_REPLAY_CLEAN,  /* the hive is not dirty: nothing to replay */
	SXS_REPLAY_DONE,   /* recovered: data/len hold the hive Windows would load */
	SXS_REPLAY_FAILED, /* dirty, and the logs cannot recover it: reason says why */
};

/* What one log file gave (index 0 = .LOG1, 1 = .LOG2). */
struct sxs_replay_log {
	bool present;               /* given and not empty */
	enum sxs_log_format format;
	bool applied;               /* at least one entry (new) / the whole log (old) */
	unsigned entries;           /* HvLE entries applied (0 for old logs) */
	unsigned pages;             /* dirty pages written: new: page references,
	                               old: 512-byte pages of the bitmap */
	uint32_t first_seq, last_seq; /* new: sequence numbers applied */
	char note[SXS_REPLAY_NOTE_MAX]; /* why it was not used, or where it stopped */
};

struct sxs_replay {
	enum sxs_replay_state state;
	bool checksum_bad;       /* the primary's base block checksum is wrong */
	uint32_t seq1, seq2;     /* the primary's sequence numbers */
	uint32_t seq_after;      /* DONE: both sequence numbers of the result */
	bool base_from_log;      /* DONE: the base block was taken from a log */
	enum sxs_log_format format; /* DONE: the format replayed */
	unsigned order[2];       /* DONE: logs applied, in order (0 = LOG1, 1 = LOG2) */
	unsigned n_order;
	bool single_log;         /* log[0] is <hive>.LOG (single-logging scheme), set by
	                            the caller that found the files */
	struct sxs_replay_log log[2];
	char reason[2 * SXS_REPLAY_NOTE_MAX + 64]; /* FAILED: why */
	uint8_t *data;           /* DONE: the recovered hive (sxs_malloc, or the sink's) */
	size_t len;
	struct sxs_replay_sink {  /* where data came from (sxs_replay_run_to) */
		uint8_t *(*alloc)(void *ctx, size_t len); /* writable, or NULL: no memory */
		void (*release)(void *ctx, uint8_t *buf, size_t len);
		void *ctx;
	} sink;
};

/*
 * Replay the logs (either may be NULL / empty) onto the primary hive file
 * `primary`.  Returns 0 with *ret filled (state CLEAN, DONE or FAILED), or
 * -SXS_ENOMEM; -SXS_EFORMAT (with diag) when `primary` is not a primary
 * registry hive at all (no "regf", shorter than a base block, a log file).
 * Release *ret with sxs_replay_release() in every case.
 */
int sxs_replay_run(const uint8_t *primary, size_t primary_len, const uint8_t *log1,
                   size_t log1_len, const uint8_t *log2, size_t log2_len,
                   struct sxs_replay *ret, struct sxs_diag *diag);
void sxs_replay_release(struct sxs_replay *r);
/*
 * The same, writing the recovered hive into a buffer the caller's sink
 * gives (hive.c: a memory file hivex then reads, so the hive is not held
 * twice); sxs_replay_release() hands it back through sink->release unless
 * the caller took it (set r->data to NULL).
 */
int sxs_replay_run_to(const uint8_t *primary, size_t primary_len, const uint8_t *log1,
                      size_t log1_len, const uint8_t *log2, size_t log2_len,
                      const struct sxs_replay_sink *sink, struct sxs_replay *ret,
                      struct sxs_diag *diag);

/*
 * One line for reports: "replayed from LOG1 (1 entry, 1 page) then LOG2
 * (3 entries, 3 pages), sequence 2 -> 5", "replayed from LOG1 (old format,
 * 148 pages)", or the reason replay failed.  `stem` names the logs
 * ("COMPONENTS" gives COMPONENTS.LOG1).  Returns 0 or -SXS_ENOMEM; free *ret.
 */
int sxs_replay_describe(const struct sxs_replay *r, const char *stem, char **ret);

/* The base block checksum Windows stores at offset 508 (b: 512 bytes or more). */
uint32_t sxs_hive_base_checksum(const uint8_t *b);
/* The stored checksum is right (the fixed-up sum, or the plain XOR). */
bool sxs_hive_base_checksum_ok(const uint8_t *b);

/* "LOG1", "LOG2", or "LOG" for log[0] of the single-logging scheme. */
const char *sxs_replay_log_name(const struct sxs_replay *r, unsigned i);

/* Marvin32 of `data` with a 64-bit seed (the low half seeds the first lane). */
uint64_t sxs_marvin32(const uint8_t *data, size_t len, uint64_t seed);

/* The seed of the hive log entry hashes (formats.md 7.1). */
#define SXS_HVLE_MARVIN_SEED 0x82EF4D887A4E55C5ull

#endif
