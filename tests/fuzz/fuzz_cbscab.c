/* SPDX-License-Identifier: MIT */
/*
 * CbsPersist cabinets through libmspack (cbslog/cab.c).  The input is a
 * cabinet (the target prefixes "MSCF" when the input does not start with it,
 * so mutations reach the header fields).
 * Properties:
 *   - a cab always gives at least one log and at most SXS_MAX_CAB_MEMBERS + 1;
 *   - a log with an error has a one-line message naming the file;
 *   - a log read without error has as many lines as its stats say and its
 *     triage holds (decisive codes are failures);
 *   - nothing leaks and nothing is written anywhere (no temporary files: the
 *     cab is read from memory and streamed to the reader).
 */
#include <string.h>

#include "cbslog/cbslog.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	uint8_t *buf = malloc(size + 4);
	if (!buf)
		abort();
	size_t n = size;
	if (size >= 4 && !memcmp(data, "MSCF", 4)) {
		memcpy(buf, data, size);
	} else {
		memcpy(buf, "MSCF", 4);
		memcpy(buf + 4, data, size);
		n = size + 4;
	}
	struct sxs_cbs_log **logs = NULL;
	size_t nl = 0;
	int err = sxs_cbs_read_mem(buf, n, "CbsPersist_fuzz.cab", &logs, &nl);
	FUZZ_CHECK(err == 0 || err == -SXS_ENOMEM, "read_mem %d", err);
	if (!err) {
		FUZZ_CHECK(nl >= 1 && nl <= SXS_MAX_CAB_MEMBERS + 1, "%zu logs", nl);
		for (size_t i = 0; i < nl; i++) {
			const struct sxs_cbs_log *l = logs[i];
			if (l->err) {
				FUZZ_CHECK(l->error && strstr(l->error, "CbsPersist_fuzz.cab") && !strchr(l->error, '\n'),
				           "error message '%s'", l->error ? l->error : "(none)");
			}
			for (size_t d = 0; d < l->ndecisive; d++)
				FUZZ_CHECK(sxs_cbs_is_failure(l->decisive[d].code), "decisive success code");
		}
		sxs_cbs_logs_free(logs, nl);
	}
	free(buf);
	return 0;
}
