/* SPDX-License-Identifier: MIT */
#ifndef SXS_CHECK_SCAN_H
#define SXS_CHECK_SCAN_H

#include "check/findings.h"
#include "store/model.h"

/*
 * Turn what the model recorded into findings: payloads, manifests,
 * COMPONENTS agreement, Winners consistency, store state.  The findings are
 * sorted into report order.
 */
int sxs_check_model(const struct sxs_model *m, struct sxs_findings *out);

/*
 * The gate of packages.md §6 / calibration.md §7: a dirty hive that was not
 * recovered, a pending transaction (pending.xml, PendingXmlIdentifier) or
 * StoreDirty make store and package errors possibly transient.
 */
bool sxs_check_transient(const struct sxs_model *m);
/*
 * What scan would say about a missing payload / manifest, for compare
 * (which skips what is no problem on a healthy store): a severity, or -1
 * when it reports nothing (a deployment's payload).
 */
int sxs_check_missing_payload_severity(const struct sxs_model *m, const struct sxs_component *c,
                                       const struct sxs_payload *p);
int sxs_check_missing_manifest_severity(const struct sxs_model *m, const struct sxs_component *c);
/* Some version of the family is live, or its liveness is unknown. */
bool sxs_check_family_live(const struct sxs_model *m, const char *key);

/* Under the gate, turn an error finding into a warning noted "may be transient: <why>". */
void sxs_check_gate(const struct sxs_model *m, struct sxs_findings *out, struct sxs_finding *fd);

/*
 * Winners families: every component's (Winners key, version), sorted once,
 * so the versions of one family are a binary search away (a store has
 * 10,000+ families; scanning all components per family is quadratic).
 */
struct sxs_family_ref {
	const char *key;     /* borrowed from the model */
	const char *version;
};

struct sxs_family_index {
	struct sxs_family_ref *refs;
	size_t n;
};

int sxs_family_index_build(const struct sxs_model *m, struct sxs_family_index *ret);
void sxs_family_index_release(struct sxs_family_index *ix);
/* Versions of `family` present in the store: sorted numerically, unique. */
int sxs_family_versions(const struct sxs_family_index *ix, const char *family, char ***ret,
                        size_t *n_ret); /* free with sxs_strv_free() (util/alloc.h) */

#endif
