/* SPDX-License-Identifier: MIT */
#ifndef SXS_REPORT_HIVE_H
#define SXS_REPORT_HIVE_H

#include <stddef.h>

#include "hive/replay.h"
#include "util/strbuf.h"

/* What `sxscheck hive recover` found and did, for its text and JSON reports. */
struct sxs_report_hive {
	const char *path;            /* the hive as given */
	const char *stem;            /* its file name (logs are stem.LOG1/.LOG2) */
	const struct sxs_replay *replay;
	const char *output;          /* where the recovered hive was written, or NULL */
	size_t output_len;
	long keys;                   /* keys in the result when it opened as a hive, else -1 */
	const char *check_problem;   /* why the result does not open as a hive, or NULL */
};

int sxs_report_hive_text(struct sxs_strbuf *out, const struct sxs_report_hive *h);
/* {"hive", "dirty", "checksum_ok", "sequence_numbers", "state", "note", "format",
 *  "base_block_from_log", "logs": [{"name", "present", "format", "applied",
 *  "entries", "pages", "first_sequence", "last_sequence", "note"}], "output",
 *  "output_bytes", "keys", "check_problem"} */
int sxs_report_hive_json(struct sxs_strbuf *out, const struct sxs_report_hive *h);

#endif
