/* SPDX-License-Identifier: MIT */
/*
 * Servicing log records and their triage (cbslog/reader.c, session.c,
 * triage.c).  The input is a log, fed to the reader in pieces whose sizes
 * come from its first byte (so a record, a CRLF, a UTF-8 BOM or a UTF-16
 * code unit is split across feeds), and also read whole.
 * Properties:
 *   - feeding in pieces gives the same records and the same verdict as
 *     feeding it whole (outcome, kinds, decisive codes, counts);
 *   - records come in line order, each inside the file's lines, with a
 *     NUL-terminated message of the stated length;
 *   - every operation's lines lie inside the file, start <= end, and a
 *     failed one with a result has a failure code;
 *   - decisive codes are failure codes (never S_OK or a success code), and
 *     a kind appears at most once;
 *   - the outcome is "failed" exactly when an operation failed (ended with a
 *     failure HRESULT, or a DISM command line failed validation).
 */
#include <string.h>

#include "cbslog/cbslog.h"
#include "fuzz.h"

struct seen {
	uint64_t last_line, records;
	uint64_t sum;
};

static int on_record(void *ctx, const struct sxs_cbslog_record *r)
{
	struct seen *s = ctx;
	FUZZ_CHECK(r->line > s->last_line || (s->records == 0 && r->line >= 1), "record line %llu after %llu",
	           (unsigned long long)r->line, (unsigned long long)s->last_line);
	FUZZ_CHECK(r->msg[r->msglen] == '\0', "message not NUL-terminated");
	FUZZ_CHECK(strlen(r->msg) == r->msglen, "message has a NUL inside (%zu vs %zu)", strlen(r->msg), r->msglen);
	FUZZ_CHECK(r->nlines >= 1, "record of 0 lines");
	s->last_line = r->line + r->nlines - 1;
	s->records++;
	for (size_t i = 0; i < r->msglen; i++)
		s->sum = s->sum * 31 + (unsigned char)r->msg[i];
	s->sum += r->line * 7 + (uint64_t)r->level;
	return 0;
}

static void records(const uint8_t *data, size_t size, size_t piece, struct seen *s,
                    struct sxs_cbslog_stats *st)
{
	struct sxs_cbslog_reader *r;
	memset(s, 0, sizeof(*s));
	if (sxs_cbslog_reader_new(on_record, s, &r))
		abort();
	size_t off = 0;
	while (off < size) {
		size_t k = piece && piece < size - off ? piece : size - off;
		if (sxs_cbslog_reader_feed(r, data + off, k))
			abort();
		off += k;
	}
	if (sxs_cbslog_reader_end(r))
		abort();
	*st = *sxs_cbslog_reader_stats(r);
	sxs_cbslog_reader_free(r);
	FUZZ_CHECK(s->last_line <= st->lines, "record line %llu beyond %llu lines", (unsigned long long)s->last_line,
	           (unsigned long long)st->lines);
}

static void check_log(const struct sxs_cbs_log *log)
{
	bool any_failed = false;
	for (size_t i = 0; i < log->nops; i++) {
		const struct sxs_cbs_op *op = &log->ops[i];
		FUZZ_CHECK(op->start_line >= 1 && op->start_line <= op->end_line && op->end_line <= log->stats.lines,
		           "operation lines %llu-%llu of %llu", (unsigned long long)op->start_line,
		           (unsigned long long)op->end_line, (unsigned long long)log->stats.lines);
		if (op->failed && op->has_result)
			FUZZ_CHECK(sxs_cbs_is_failure(op->result), "failed with success code 0x%08x", op->result);
		any_failed |= op->failed;
	}
	FUZZ_CHECK(any_failed == (log->outcome == SXS_CBS_FAILED), "outcome %s, failed operations %d",
	           sxs_cbs_outcome_name(log->outcome), any_failed);
	for (size_t i = 0; i < log->ndecisive; i++)
		FUZZ_CHECK(sxs_cbs_is_failure(log->decisive[i].code), "decisive success code 0x%08x", log->decisive[i].code);
	for (size_t i = 0; i < log->nkinds; i++)
		for (size_t j = i + 1; j < log->nkinds; j++)
			FUZZ_CHECK(log->kinds[i].kind != log->kinds[j].kind, "kind twice");
	FUZZ_CHECK(log->nremedies == log->nkinds, "%zu remedies for %zu kinds", log->nremedies, log->nkinds);
}

static uint64_t verdict(const struct sxs_cbs_log *log)
{
	uint64_t v = log->outcome * 1000003u + log->nops * 31 + log->ncorrupt * 17 + log->nsummaries;
	for (size_t i = 0; i < log->nkinds; i++)
		v = v * 37 + log->kinds[i].kind;
	for (size_t i = 0; i < log->ndecisive; i++)
		v = v * 41 + log->decisive[i].code + log->decisive[i].line;
	return v;
}

static uint64_t analyse(const uint8_t *data, size_t size, size_t piece)
{
	struct sxs_cbs_log *log = calloc(1, sizeof(*log));
	struct sxs_cbs_stream *st;
	if (!log || !(log->name = strdup("fuzz")) || sxs_cbs_stream_new(log, &st))
		abort();
	size_t off = 0;
	int err = 0;
	while (off < size && !err) {
		size_t k = piece && piece < size - off ? piece : size - off;
		err = sxs_cbs_stream_feed(st, data + off, k);
		off += k;
	}
	if (!err)
		err = sxs_cbs_stream_end(st);
	FUZZ_CHECK(err == 0, "stream error %d", err);
	sxs_cbs_stream_free(st);
	check_log(log);
	uint64_t v = verdict(log);
	sxs_cbs_log_free(log);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (4u << 20))
		return 0;
	size_t piece = size ? (size_t)data[0] % 17 + 1 : 1;
	struct seen a, b;
	struct sxs_cbslog_stats sa, sb;
	records(data, size, 0, &a, &sa);
	records(data, size, piece, &b, &sb);
	FUZZ_CHECK(a.records == b.records && a.sum == b.sum && sa.lines == sb.lines,
	           "pieces of %zu change the records (%llu vs %llu)", piece, (unsigned long long)a.records,
	           (unsigned long long)b.records);
	FUZZ_CHECK(analyse(data, size, 0) == analyse(data, size, piece), "pieces of %zu change the verdict", piece);

	/* and the whole path with file-level judgement */
	struct sxs_cbs_log **logs = NULL;
	size_t n = 0;
	if (size && data[0] != 'M' && sxs_cbs_read_mem(data, size, "fuzz.log", &logs, &n) == 0) {
		FUZZ_CHECK(n == 1, "%zu logs from a plain file", n);
		FUZZ_CHECK(!logs[0]->err || logs[0]->error, "error without a message");
		sxs_cbs_logs_free(logs, n);
	}
	return 0;
}
