/* SPDX-License-Identifier: MIT */
#ifndef SXS_CBSLOG_INTERNAL_H
#define SXS_CBSLOG_INTERNAL_H

/* Shared between the files of cbslog/ only. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cbslog/cbslog.h"

/* memmem (glibc declares it only under _GNU_SOURCE): first byte by memchr, then memcmp */
static inline const char *sxs_cbs_memmem(const char *h, size_t n, const char *needle, size_t k)
{
	if (!k)
		return h;
	const char *end = h + n;
	while ((size_t)(end - h) >= k) {
		const char *p = memchr(h, needle[0], (size_t)(end - h) - k + 1);
		if (!p)
			return NULL;
		if (!memcmp(p, needle, k))
			return p;
		h = p + 1;
	}
	return NULL;
}

struct sxs_cbs_hit {
	uint32_t code;
	const char *name; /* the name Windows printed next to it, or NULL */
	size_t namelen;
};

#define SXS_CBS_MAX_HITS 16

/* Every failure code of a message in the forms of cbslog.md §3.1 (at most SXS_CBS_MAX_HITS). */
size_t sxs_cbs_extract_codes(const char *m, size_t n, struct sxs_cbs_hit *h);
void sxs_cbs_op_release(struct sxs_cbs_op *op);
/* Names printed in the log and counts of every failure code seen. */
struct sxs_cbs_name_count {
	uint32_t code;
	unsigned count;
};
size_t sxs_cbs_code_counts(const struct sxs_cbs_log *log, struct sxs_cbs_name_count **ret);
void sxs_cbs_names_free(struct sxs_cbs_log *log);

#endif
