/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_LOGS_H
#define SXS_CHECK_LOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cbslog/cbslog.h"
#include "check/findings.h"
#include "store/model.h"
#include "store/system.h"

/*
 * Where the servicing logs meet the image (issue 13): every corrupt item,
 * hydration failure and SFC finding of the logs matched to the scan of the
 * same key form and file; the image's context for the kinds that need it
 * (minifilters for access-denied and sharing-violation, the USO install
 * callback timeout for client-abort-timeout, what is pending for
 * pending-reboot and delete-pending); the last servicing failure as a scan
 * finding.
 */

enum sxs_tie_state {
	SXS_TIE_CONFIRMED,     /* the scan finds the same problem: "confirmed by CBS.log line N" */
	SXS_TIE_HEALTHY_NOW,   /* the store has it and it verifies: "CBS.log reported it, the store is healthy now" */
	SXS_TIE_NOT_IN_STORE,  /* the component is not in this store (superseded, removed, another image) */
	SXS_TIE_NOT_VERIFIED,  /* in the store, but the scan could not verify it (no payload check, ...) */
};

struct sxs_log_tie {
	size_t log;            /* index into the logs */
	const char *what;      /* "corrupt", "hydration", "sfc" */
	char *keyform;         /* the store's key form (matched), or the log's */
	char *file;
	uint64_t line;
	enum sxs_tie_state state;
	const char *finding_id; /* the scan finding that confirms it, or NULL */
	char *detail;
};

struct sxs_minifilter {
	const struct sxs_filter_driver *drv; /* borrowed from facts */
	bool microsoft;        /* in the table of Microsoft's own minifilters */
	const char *vendor;    /* vendor named by the table for well-known third-party filters, or NULL */
};

struct sxs_log_context {
	bool have_scan;        /* ties were computed against a scan */
	struct sxs_log_tie *ties;
	size_t nties;
	bool have_facts;
	struct sxs_servicing_facts facts;
	struct sxs_minifilter *filters; /* third-party first, then Microsoft's */
	size_t nfilters;
	const char *root;
};

void sxs_log_context_init(struct sxs_log_context *ctx);
void sxs_log_context_release(struct sxs_log_context *ctx);

/* The kinds present in any log that need image facts (SXS_FACTS_* mask). */
unsigned sxs_logs_facts_needed(struct sxs_cbs_log *const *logs, size_t n);

/* Match the logs' items to the model (after sxs_check_model) and its findings. */
int sxs_logs_tie(struct sxs_log_context *ctx, struct sxs_cbs_log *const *logs, size_t n,
                 const struct sxs_model *m, const struct sxs_findings *f);

/* Judge the facts (Microsoft's own minifilters, from the sourced table). */
int sxs_logs_set_facts(struct sxs_log_context *ctx, struct sxs_servicing_facts *facts);

/*
 * The log of the chain's last servicing failure: the failed operation with
 * the latest timestamp across the logs, else the last log that reports
 * unrepaired corruption; -1 when there is neither.
 */
long sxs_logs_last_failure(struct sxs_cbs_log *const *logs, size_t n);

/*
 * Scan: a finding for the last servicing failure (or unrepaired corruption)
 * of the chain (logs in chain order), and one for each log that could not
 * be read.  Returns the index of the log the failure is in, or -1.
 */
long sxs_logs_scan_findings(struct sxs_cbs_log *const *logs, size_t n, struct sxs_findings *out);

/*
 * Read the image's servicing logs: Windows/Logs/CBS/ (CBS.log,
 * CbsPersist_*.log|.cab, CBS.persist.log, CheckSUR*.log; names in any case,
 * in chain order) and Windows/Logs/DISM/dism.log, each opened read-only
 * beneath the image without following links.  live_only: CBS.log and
 * dism.log only (what scan reads, to stay fast).  No log folder: 0 logs.
 */
int sxs_logs_read_image(struct sxs_image *img, bool live_only, struct sxs_cbs_log ***logs_ret, size_t *n_ret);

/* The table of Microsoft's own minifilters: true when `name` (service name) is one. */
bool sxs_minifilter_is_microsoft(const char *name);

#endif
