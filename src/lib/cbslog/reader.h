/* SPDX-License-Identifier: MIT */
#ifndef SXS_CBSLOG_READER_H
#define SXS_CBSLOG_READER_H

/*
 * The record reader of the servicing logs (CBS.log, CbsPersist_*.log,
 * dism.log, SFC extracts): bytes in, records out (../shared/docs/cbslog.md
 * §2, §3).  It is fed in chunks and keeps one physical line and one record
 * in memory, so memory is bounded by the largest record, never the file.
 *
 *   record := "YYYY-MM-DD hh:mm:ss, " level pad source pad message
 *             (continuation line)*
 *
 * The message starts at column 50 on every build (the level is padded to
 * 22 columns from column 21, the source to 7 from column 43); 24H2 writes
 * records with an empty source column and long tokens overflow it, so the
 * source is taken only when it is a known one (cbslog.md §3).  A physical
 * line that does not start with a timestamp continues the previous record,
 * except the wimgapi lines of Panther logs ("[1804] [0x80070002] ..."),
 * which are records of their own (source "wimgapi", no timestamp).  Lines
 * before the first record are foreign text: counted, and handed on as
 * records of source "text" without timestamp (a CheckSUR.log is all text).
 *
 * Encodings: UTF-8 with or without BOM (what Windows writes), UTF-16LE/BE
 * with a BOM or recognisable without one (transcoded to UTF-8 here); line
 * ends CRLF, LF, or lone CR when the file has no LF at all.  Line numbers
 * are 1-based over the text split at LF after the BOM (what grep -n says).
 * NUL bytes are replaced by '?' and counted; other bytes pass unchanged
 * (the logs carry user names and paths in any code page).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* A record longer than this is cut (and flagged); the rest of it is skipped. */
#define SXS_MAX_CBSLOG_RECORD (16u << 20)

enum sxs_cbslog_level {
	SXS_CBSLOG_NONE,    /* no timestamp (wimgapi line) */
	SXS_CBSLOG_INFO,
	SXS_CBSLOG_WARNING,
	SXS_CBSLOG_ERROR,
	SXS_CBSLOG_OTHER,   /* a level word Windows is not known to write */
};

struct sxs_cbslog_record {
	uint64_t line;          /* first physical line */
	uint32_t nlines;        /* physical lines: 1 + continuation lines */
	char ts[20];            /* "YYYY-MM-DD hh:mm:ss", or "" */
	enum sxs_cbslog_level level;
	char source[12];        /* "CBS", "CSI", "DISM", "SXS", "DPX", "DEPLOY", "wimgapi", "text" or "" */
	const char *msg;        /* the message, continuation lines joined with '\n'; NUL-terminated */
	size_t msglen;
	bool truncated;         /* longer than SXS_MAX_CBSLOG_RECORD, cut */
};

/* Called for every record; a non-zero return stops the reader with that value. */
typedef int (*sxs_cbslog_record_fn)(void *ctx, const struct sxs_cbslog_record *rec);

enum sxs_cbslog_encoding {
	SXS_CBSLOG_UTF8,
	SXS_CBSLOG_UTF16LE,
	SXS_CBSLOG_UTF16BE,
};

struct sxs_cbslog_stats {
	enum sxs_cbslog_encoding encoding;
	bool bom;
	uint64_t bytes;          /* as fed, BOM included */
	uint64_t lines;          /* physical lines */
	uint64_t records;        /* timestamped records */
	uint64_t wimgapi_lines;
	uint64_t continuation_lines;
	uint64_t leading_junk_lines; /* lines before the first record */
	uint64_t crlf, bare_lf, bare_cr; /* line ends seen */
	uint64_t nul_bytes;
	uint64_t truncated_records;
	uint64_t known_source_records; /* CBS, CSI, DISM, SXS, DPX, DEPLOY or empty source */
	bool cr_mode;            /* lone CR ends lines (no LF in the file) */
	char first_ts[20], last_ts[20];
	uint64_t ts_inversions;  /* a record older than the one before it */
	char first_junk[96];     /* start of the first leading junk line (for messages) */
};

struct sxs_cbslog_reader;

int sxs_cbslog_reader_new(sxs_cbslog_record_fn fn, void *ctx, struct sxs_cbslog_reader **ret);
void sxs_cbslog_reader_free(struct sxs_cbslog_reader *r);
/*
 * Feed the next bytes.  Returns 0, -SXS_ENOMEM, or the callback's non-zero
 * value (sticky: later calls return it again).
 */
int sxs_cbslog_reader_feed(struct sxs_cbslog_reader *r, const void *data, size_t len);
/* End of input: flush the last line and record. */
int sxs_cbslog_reader_end(struct sxs_cbslog_reader *r);
const struct sxs_cbslog_stats *sxs_cbslog_reader_stats(const struct sxs_cbslog_reader *r);

/*
 * "crlf", "lf", "cr", "crlf-with-embedded-lf" (records end CRLF, some bare
 * LF inside records: cbslog.md §2) or "none" (a single line).
 */
const char *sxs_cbslog_eol_name(const struct sxs_cbslog_stats *st);

/* True when s[0..n) starts with "YYYY-MM-DD hh:mm:ss, " */
bool sxs_cbslog_is_record_start(const char *s, size_t n);

#endif
