/* SPDX-License-Identifier: MIT */
/*
 * Judgement on PSFX differentials (psfx.md §2.3-§2.4, calibration.md §1, §6).
 *
 * Only what store/psfx.c proved with a hash (or the bytes) is an error;
 * everything it could not decide is payload-unverifiable with the reason.
 * Two guards against crying wolf:
 *  - the PRSM decoder behind r\ was written from a description alone (no
 *    real r\ file is public, psfx.md §9 R1): when so many r\ of one store
 *    fail that a decoder limit is likelier than corruption (at least
 *    WIDESPREAD_MIN, and at least half of those that could be checked), the
 *    report says so once instead of listing them;
 *  - missing differentials are not findings (calibration.md §1.2: current
 *    versions often have none in their folder, LCU folders hold others);
 *    odd combinations are notes, never errors (no real store calibrated them).
 */
#include "check/deltas.h"

#include <stdlib.h>
#include <string.h>

#include "check/scan.h"
#include "store/psfx.h"
#include "util/alloc.h"

#define WIDESPREAD_MIN 8
/* More unverifiable differentials than this with one reason: one line for all. */
#define UNVERIFIABLE_GROUP 10

bool sxs_version_is_rtm(const char *version)
{
	/* the RTM payload of a feature release has revision 1 (calibration.md §1.3) */
	const char *dot = version ? strrchr(version, '.') : NULL;
	return dot && strcmp(dot + 1, "1") == 0;
}

static const char *reason(const struct sxs_delta_file *d)
{
	return d->vdetail ? d->vdetail : sxs_psfx_verdict_name(d->verdict);
}

/* An unverifiable differential, to be reported alone or with others of its reason. */
struct why {
	const char *reason;
	const struct sxs_component *c;
	const struct sxs_delta_file *d;
};

static int cmp_why(const void *a, const void *b)
{
	const struct why *x = a, *y = b;
	int c = strcmp(x->reason, y->reason);
	if (!c)
		c = strcmp(x->c->keyform, y->c->keyform);
	return c ? c : strcmp(x->d->path, y->d->path);
}

static void combinations(const struct sxs_component *c, struct sxs_findings *out)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct sxs_delta_file *f = NULL, *r = NULL, *n = NULL;
		size_t idx[3];
		size_t cnt = sxs_psfx_group(c, i, idx);
		for (size_t k = 0; k < cnt; k++) {
			const struct sxs_delta_file *d = &c->deltas[idx[k]];
			if (d->kind == 'f')
				f = d;
			else if (d->kind == 'r')
				r = d;
			else if (d->kind == 'n')
				n = d;
		}
		const char *name = c->files[i].name;
		if (n && (r || f))
			sxs_findings_add(out, SXS_F_DELTA_COMBINATION_INVALID, c->keyform, n->path,
			                 "'%s' has a null differential beside %s%s%s (0x800f0988 PSFX_E_INVALID_DELTA_COMBINATION shape)",
			                 name, r ? "r\\" : "", r && f ? " and " : "", f ? "f\\" : "");
		else if (r && !f)
			sxs_findings_add(out, SXS_F_DELTA_COMBINATION_INVALID, c->keyform, r->path,
			                 "'%s' has a reverse differential but no forward one (0x800f0988 PSFX_E_INVALID_DELTA_COMBINATION shape)",
			                 name);
		else if (f && !r && !n && !sxs_version_is_rtm(c->id.version) && c->id.version)
			sxs_findings_add(out, SXS_F_DELTA_REVERSE_MISSING, c->keyform, f->path,
			                 "'%s' of version %s has a forward differential but no reverse one (0x800f0989 PSFX_E_REVERSE_DELTA_MISSING shape); the forward one cannot be checked",
			                 name, c->id.version);
	}
}

/* A pending transaction or a dirty hive makes an error possibly transient (state's gate). */
static void gate(const struct sxs_model *m, struct sxs_findings *out, struct sxs_finding *fd)
{
	sxs_check_gate(m, out, fd);
}

/* The digests a verdict compared go with its finding (JSON expected/actual/algorithm). */
static void evidence(struct sxs_findings *out, struct sxs_finding *fd,
                     const struct sxs_delta_file *d)
{
	if (!fd || !d->expected || !d->actual)
		return;
	if (sxs_finding_set(&fd->expected, d->expected) || sxs_finding_set(&fd->actual, d->actual) ||
	    sxs_finding_set(&fd->algorithm, d->algorithm))
		out->oom = true;
}

static void emit(const struct sxs_model *m, struct sxs_findings *out,
                 const struct sxs_delta_file *d, struct sxs_finding *fd)
{
	evidence(out, fd, d);
	gate(m, out, fd);
}

void sxs_check_deltas(const struct sxs_model *m, struct sxs_findings *out)
{
	size_t r_failed = 0, r_checked = 0, nwhy = 0, cap = 0;
	struct why *why = NULL;

	for (size_t i = 0; i < m->ncomps; i++) {
		const struct sxs_component *c = &m->comps[i];
		for (size_t k = 0; k < c->ndeltas; k++) {
			const struct sxs_delta_file *d = &c->deltas[k];
			if (d->kind == 'r' && (d->verdict == SXS_DV_OK || d->verdict == SXS_DV_FAILED))
				r_checked++;
			if (d->kind == 'r' && d->verdict == SXS_DV_FAILED)
				r_failed++;
		}
	}
	bool widespread = r_failed >= WIDESPREAD_MIN && 2 * r_failed >= r_checked;

	for (size_t i = 0; i < m->ncomps && !out->oom; i++) {
		const struct sxs_component *c = &m->comps[i];
		const char *kf = c->keyform;
		for (size_t k = 0; k < c->ndeltas; k++) {
			const struct sxs_delta_file *d = &c->deltas[k];
			if (d->err) {
				gate(m, out, sxs_findings_add(out, SXS_F_DELTA_CORRUPT, kf, d->path,
				                 "differential '%s' is corrupt: %s", d->path,
				                 d->detail ? d->detail : sxs_strerror(d->err)));
				continue;
			}
			switch (d->verdict) {
			case SXS_DV_FAILED:
				if (d->kind == 'r' && widespread)
					break;
				if (d->kind == 'r')
					emit(m, out, d, sxs_findings_add(out, SXS_F_DELTA_REVERSE_FAILED, kf, d->path,
					                 "reverse differential '%s' does not rebuild the RTM base: %s; the next cumulative update will fail with 0x800f0985 PSFX_E_APPLY_REVERSE_DELTA_FAILED",
					                 d->path, reason(d)));
				else if (d->kind == 'f')
					emit(m, out, d, sxs_findings_add(out, SXS_F_DELTA_FORWARD_FAILED, kf, d->path,
					                 "forward differential '%s' does not give back the file: %s",
					                 d->path, reason(d)));
				else
					emit(m, out, d, sxs_findings_add(out, SXS_F_DELTA_NULL_FAILED, kf, d->path,
					                 "null differential '%s' does not give back the file: %s; hydration fails with 0x800f0987 PSFX_E_NULL_DELTA_HYDRATION_FAILED",
					                 d->path, reason(d)));
				break;
			case SXS_DV_OTHER_VERSION:
				emit(m, out, d, sxs_findings_add(out, SXS_F_DELTA_FORWARD_OTHER_VERSION, kf, d->path,
				                 "forward differential '%s' belongs to another version of the file: %s",
				                 d->path, reason(d)));
				break;
			case SXS_DV_UNVERIFIABLE:
				if (nwhy == cap) {
					size_t ncap = cap ? 2 * cap : 16;
					struct why *v = sxs_reallocarray(why, ncap, sizeof(*v));
					if (!v) {
						out->oom = true;
						goto done;
					}
					why = v;
					cap = ncap;
				}
				why[nwhy++] = (struct why){reason(d), c, d};
				break;
			default:
				break;
			}
		}
		combinations(c, out);
	}
	if (widespread)
		sxs_findings_add(out, SXS_F_PAYLOAD_UNVERIFIABLE, NULL, NULL,
		                 "%zu of %zu reverse differentials checked do not rebuild their RTM base: with so many, a limit of sxscheck's PRSM decoder (written without a real r\\ sample) is likelier than corruption, so they are not reported one by one; check the store with DISM /ScanHealth",
		                 r_failed, r_checked);
	if (nwhy > 1)
		qsort(why, nwhy, sizeof(*why), cmp_why);
	for (size_t j = 0; j < nwhy && !out->oom;) {
		size_t end = j + 1;
		while (end < nwhy && !strcmp(why[end].reason, why[j].reason))
			end++;
		if (end - j > UNVERIFIABLE_GROUP) {
			sxs_findings_add(out, SXS_F_PAYLOAD_UNVERIFIABLE, NULL, NULL,
			                 "%zu differentials not verified: %s (first: %s\\%s)", end - j,
			                 why[j].reason, why[j].c->keyform, why[j].d->path);
		} else {
			for (size_t k = j; k < end; k++)
				sxs_findings_add(out, SXS_F_PAYLOAD_UNVERIFIABLE, why[k].c->keyform,
				                 why[k].d->path, "differential '%s' not verified: %s",
				                 why[k].d->path, why[k].reason);
		}
		j = end;
	}
done:
	sxs_free(why);
}
