/* SPDX-License-Identifier: MIT */
/*
 * One file in, logs out: a plain log streamed through the reader, or a
 * cabinet handed to cab.c.  File names of a log folder and their chain order
 * (cbslog.md §1, §7).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbslog/cab.h"
#include "cbslog/cbslog.h"
#include "util/alloc.h"

#define CHUNK (1u << 20)

static struct sxs_cbs_log *new_log(const char *name)
{
	struct sxs_cbs_log *log = sxs_calloc(1, sizeof(*log));
	if (!log)
		return NULL;
	if (!(log->name = sxs_strdup(name))) {
		sxs_free(log);
		return NULL;
	}
	log->last_failure = (size_t)-1;
	return log;
}

static int set_error(struct sxs_cbs_log *log, int err, const char *why)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%s: %s", log->name, why);
	for (char *p = buf; *p; p++) /* one line whatever the name */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	log->err = err;
	sxs_free(log->error);
	log->error = sxs_strdup(buf);
	return log->error ? 0 : -SXS_ENOMEM;
}

/* After the stream: a file without records is not a servicing log. */
static int judge(struct sxs_cbs_log *log)
{
	const struct sxs_cbslog_stats *st = &log->stats;
	char why[300];
	if (log->err)
		return 0;
	if (!st->bytes)
		return set_error(log, -SXS_EFORMAT, "empty file");
	if (!st->records && log->checksur_text)
		return 0; /* CheckSUR.log: text without timestamps (cbslog.md 6) */
	if (!st->records && !st->wimgapi_lines) {
		if (st->nul_bytes || (st->lines <= 1 && st->bytes > 4096))
			return set_error(log, -SXS_EFORMAT, "binary data, not a CBS, DISM or SFC log");
		snprintf(why, sizeof(why), "not a CBS, DISM or SFC log (no \"YYYY-MM-DD hh:mm:ss, Level\" record in %llu line(s))",
		         (unsigned long long)st->lines);
		return set_error(log, -SXS_EFORMAT, why);
	}
	if (!st->known_source_records)
		return set_error(log, -SXS_EFORMAT,
		                 "a log of another program (its records have no CBS, CSI, DISM, SXS, DPX or DEPLOY source)");
	return 0;
}

static int push(struct sxs_cbs_log ***logs, size_t *n, struct sxs_cbs_log *log)
{
	struct sxs_cbs_log **p = sxs_reallocarray(*logs, *n + 1, sizeof(*p));
	if (!p) {
		sxs_cbs_log_free(log);
		return -SXS_ENOMEM;
	}
	*logs = p;
	p[(*n)++] = log;
	return 0;
}

static int stream_finish(struct sxs_cbs_log *log, struct sxs_cbs_stream *st, int feed_err)
{
	int err = feed_err ? feed_err : sxs_cbs_stream_end(st);
	sxs_cbs_stream_free(st);
	if (err == -SXS_ENOMEM)
		return err;
	if (err)
		return set_error(log, err, sxs_strerror(err));
	return judge(log);
}

int sxs_cbs_read_mem(const void *data, size_t len, const char *name, struct sxs_cbs_log ***logs_ret,
                     size_t *n_ret)
{
	struct sxs_cbs_log **logs = NULL;
	size_t n = 0;
	int err;
	if (len >= 4 && !memcmp(data, "MSCF", 4)) {
		err = sxs_cbs_cab_read(-1, data, len, name, &logs, &n);
	} else {
		struct sxs_cbs_log *log = new_log(name);
		struct sxs_cbs_stream *st = NULL;
		if (!log)
			return -SXS_ENOMEM;
		if ((err = sxs_cbs_stream_new(log, &st))) {
			sxs_cbs_log_free(log);
			return err;
		}
		err = stream_finish(log, st, sxs_cbs_stream_feed(st, data, len));
		if (err)
			sxs_cbs_log_free(log);
		else
			err = push(&logs, &n, log);
	}
	if (err) {
		sxs_cbs_logs_free(logs, n);
		return err;
	}
	*logs_ret = logs;
	*n_ret = n;
	return 0;
}

int sxs_cbs_read_fd(int fd, const char *name, struct sxs_cbs_log ***logs_ret, size_t *n_ret)
{
	struct sxs_cbs_log **logs = NULL;
	size_t n = 0;
	struct stat sb;
	int err = 0;
	uint8_t magic[4];
	ssize_t got;

	struct sxs_cbs_log *log = new_log(name);
	if (!log)
		return -SXS_ENOMEM;
	if (fstat(fd, &sb) != 0) {
		err = set_error(log, -sxs_errno_status(errno), strerror(errno));
		goto one;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = set_error(log, -SXS_ENOTDIR, "not a regular file");
		goto one;
	}
	do
		got = pread(fd, magic, 4, 0);
	while (got < 0 && errno == EINTR);
	if (got == 4 && !memcmp(magic, "MSCF", 4)) {
		sxs_cbs_log_free(log);
		err = sxs_cbs_cab_read(fd, NULL, (uint64_t)sb.st_size, name, &logs, &n);
		if (err) {
			sxs_cbs_logs_free(logs, n);
			return err;
		}
		*logs_ret = logs;
		*n_ret = n;
		return 0;
	}

	struct sxs_cbs_stream *st = NULL;
	if ((err = sxs_cbs_stream_new(log, &st))) {
		sxs_cbs_log_free(log);
		return err;
	}
	uint8_t *buf = sxs_malloc(CHUNK);
	if (!buf) {
		sxs_cbs_stream_free(st);
		sxs_cbs_log_free(log);
		return -SXS_ENOMEM;
	}
	off_t off = 0;
	int feed_err = 0, read_errno = 0;
	for (;;) {
		ssize_t r = pread(fd, buf, CHUNK, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			read_errno = errno;
			break;
		}
		if (r == 0)
			break;
		off += r;
		if ((feed_err = sxs_cbs_stream_feed(st, buf, (size_t)r)))
			break;
	}
	sxs_free(buf);
	if (read_errno) {
		sxs_cbs_stream_free(st);
		err = set_error(log, -sxs_errno_status(read_errno), strerror(read_errno));
		goto one;
	}
	err = stream_finish(log, st, feed_err);
one:
	if (err) {
		sxs_cbs_log_free(log);
		return err;
	}
	if ((err = push(&logs, &n, log)))
		return err;
	*logs_ret = logs;
	*n_ret = n;
	return 0;
}

static bool iprefix(const char *s, const char *p)
{
	return !strncasecmp(s, p, strlen(p));
}

static bool isuffix(const char *s, const char *x)
{
	size_t a = strlen(s), b = strlen(x);
	return a >= b && !strcasecmp(s + a - b, x);
}

/* Rank in the chain: CBS history oldest first, then the live CBS.log, then the others. */
static int rank(const char *name)
{
	if (iprefix(name, "CbsPersist_"))
		return 0;
	if (!strcasecmp(name, "CBS.persist.log"))
		return 1;
	if (!strcasecmp(name, "CBS.log"))
		return 2;
	if (iprefix(name, "cbs"))
		return 3;
	if (iprefix(name, "CheckSUR.persist"))
		return 4;
	if (iprefix(name, "CheckSUR"))
		return 5;
	if (iprefix(name, "dism"))
		return 6;
	return 7;
}

bool sxs_cbs_is_log_name(const char *name)
{
	if (iprefix(name, "CbsPersist_"))
		return isuffix(name, ".log") || isuffix(name, ".cab");
	if (isuffix(name, ".log"))
		return iprefix(name, "cbs") || iprefix(name, "checksur") || iprefix(name, "dism");
	if (isuffix(name, ".txt"))
		return iprefix(name, "sfc");
	return false;
}

int sxs_cbs_chain_cmp(const char *a, const char *b)
{
	int ra = rank(a), rb = rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	/* CbsPersist_YYYYMMDDhhmmss: the name is the rotation time, so name order is time order */
	return strcasecmp(a, b);
}
