/* SPDX-License-Identifier: MIT */
#include "check/packages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/scan.h"
#include "manifest/identity.h"
#include "store/packages.h"
#include "util/alloc.h"
#include "util/strbuf.h"
#include "util/version.h"

/*
 * Every rule below cites the row of packages.md §6.1 it implements; the
 * shapes of §6.2 that look odd but are healthy are named where a rule
 * steps around them.
 */

struct pctx {
	const struct sxs_model *m;
	const struct sxs_packages *p;
	struct sxs_findings *out;
	bool pending;          /* a servicing transaction is pending */
	bool *mum_reported;    /* per package: a missing .mum already reported */
	const struct sxs_package *rollup; /* the installed cumulative update whose tree was checked */
};

static struct sxs_finding *vreport(struct pctx *c, enum sxs_finding_kind kind, enum sxs_severity sev,
                                   bool gated, const char *file, const char *fmt, va_list ap)
	SXS_PRINTF(6, 0);
static struct sxs_finding *vreport(struct pctx *c, enum sxs_finding_kind kind, enum sxs_severity sev,
                                   bool gated, const char *file, const char *fmt, va_list ap)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	/* names from the image can be long: format into a strbuf, not a fixed buffer */
	sxs_strbuf_vaddf(&sb, fmt, ap);
	char *msg = sxs_strbuf_detach(&sb, NULL);
	if (!msg) {
		c->out->oom = true;
		return NULL;
	}
	struct sxs_finding *fd = sxs_findings_add_sev(c->out, kind, sev, NULL, file, "%s", msg);
	sxs_free(msg);
	/* the gate of packages.md §6: "may be transient" while a hive is dirty or a transaction pending */
	if (gated)
		sxs_check_gate(c->m, c->out, fd);
	return fd;
}

/* A finding subject to the gate (packages.md §6: dirty hive, pending transaction). */
static struct sxs_finding *report(struct pctx *c, enum sxs_finding_kind kind, enum sxs_severity sev,
                                  const char *file, const char *fmt, ...) SXS_PRINTF(5, 6);
static struct sxs_finding *report(struct pctx *c, enum sxs_finding_kind kind, enum sxs_severity sev,
                                  const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct sxs_finding *fd = vreport(c, kind, sev, true, file, fmt, ap);
	va_end(ap);
	return fd;
}

/* A finding about the transaction itself: the gate would hide what it reports. */
static struct sxs_finding *report_ungated(struct pctx *c, enum sxs_finding_kind kind,
                                          enum sxs_severity sev, const char *file,
                                          const char *fmt, ...) SXS_PRINTF(5, 6);
static struct sxs_finding *report_ungated(struct pctx *c, enum sxs_finding_kind kind,
                                          enum sxs_severity sev, const char *file,
                                          const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct sxs_finding *fd = vreport(c, kind, sev, false, file, fmt, ap);
	va_end(ap);
	return fd;
}

/* ---- small helpers ---------------------------------------------------------- */

static const char *state_text(uint32_t st, char *buf, size_t n)
{
	const char *name = sxs_cbs_state_name(st);
	if (name)
		snprintf(buf, n, "%s (0x%x)", name, st);
	else
		snprintf(buf, n, "0x%x", st);
	return buf;
}

static void file_of(const struct sxs_package *e, const char *ext, char *buf, size_t n)
{
	const char *ondisk = !strcmp(ext, "mum") ? e->mum_ondisk : e->cat_ondisk;
	if (ondisk)
		snprintf(buf, n, "servicing/Packages/%s", ondisk);
	else
		snprintf(buf, n, "servicing/Packages/%s.%s", e->name, ext);
}

static void key_of(const struct sxs_package *e, char *buf, size_t n)
{
	snprintf(buf, n, "CBS/Packages/%s", e->name);
}

/* CurrentState from which CBS has the package's files in the store (§6.1 package-mum-missing). */
static bool state_needs_mum(uint32_t st)
{
	switch (st) {
	case SXS_CBS_STAGED:
	case SXS_CBS_SUPERSEDED:
	case SXS_CBS_INSTALL_PENDING:
	case SXS_CBS_PARTIALLY_INSTALLED:
	case SXS_CBS_INSTALLED:
	case SXS_CBS_PERMANENT:
		return true;
	default:
		return false;
	}
}

static bool has_mum(const struct sxs_package *e)
{
	return e && e->mum_state != SXS_PKG_FILE_ABSENT;
}

/* ---- per package ------------------------------------------------------------ */

static void check_state(struct pctx *c, const struct sxs_package *e)
{
	const struct sxs_cbs_package *r = e->reg;
	char key[1200], st[64];
	key_of(e, key, sizeof(key));
	if (r->state_unreadable || !r->has_state) {
		report(c, SXS_F_PACKAGE_STATE_UNKNOWN, SXS_SEV_WARNING, key,
		       r->has_state || r->state_unreadable ? "CurrentState is not a DWORD"
		                                           : "package key has no CurrentState");
		return;
	}
	switch (sxs_cbs_state_class(r->state)) {
	case SXS_CBS_STATE_BROKEN:
		report(c, SXS_F_PACKAGE_STATE_BROKEN, SXS_SEV_ERROR, key,
		       "package is marked broken: CurrentState %s", state_text(r->state, st, sizeof(st)));
		return;
	case SXS_CBS_STATE_UNKNOWN:
		/* 0xFFFFFFFF and the like: no source names them (§4.2) */
		report(c, SXS_F_PACKAGE_STATE_UNKNOWN, SXS_SEV_WARNING, key,
		       "CurrentState 0x%x is not a documented package state", r->state);
		return;
	case SXS_CBS_STATE_KNOWN:
		break;
	}
	if (r->state == SXS_CBS_PARTIALLY_INSTALLED)
		report(c, SXS_F_PACKAGE_PARTIALLY_INSTALLED, SXS_SEV_WARNING, key,
		       "package is Partially Installed (0x65): its installation failed part-way");
	bool pending_state = r->state == SXS_CBS_INSTALL_PENDING || r->state == SXS_CBS_UNINSTALL_PENDING;
	/* §6.2.12: pending states are normal between an update and its reboot */
	if ((pending_state || e->pending) && !c->pending && !c->p->cbs.reboot_pending &&
	    !c->p->cbs.reboot_in_progress)
		report(c, SXS_F_PACKAGE_PENDING_STALE, SXS_SEV_WARNING, key,
		       "package is %s but nothing is pending (no pending.xml, no PendingXmlIdentifier, no RebootPending)",
		       pending_state ? state_text(r->state, st, sizeof(st)) : "listed under PackagesPending");
}

static void check_registry_values(struct pctx *c, const struct sxs_package *e)
{
	const struct sxs_cbs_package *r = e->reg;
	char key[1200];
	key_of(e, key, sizeof(key));
	if (r->install_name) {
		size_t kl = strlen(e->name), il = strlen(r->install_name);
		/*
		 * GW measured "<identity>.mum"; the EnterpriseG guide that packages.md
		 * cites for Owners (code-index id 30223834844) copies a real key with
		 * InstallName = the identity alone: both are the package's own name.
		 */
		bool with_ext = il == kl + 4 && strncasecmp(r->install_name, e->name, kl) == 0 &&
		                strcasecmp(r->install_name + kl, ".mum") == 0;
		bool bare = il == kl && strcasecmp(r->install_name, e->name) == 0;
		if (!with_ext && !bare) {
			struct sxs_finding *fd = report(c, SXS_F_PACKAGE_INSTALLNAME_MISMATCH, SXS_SEV_WARNING, key,
			                                "InstallName is not the key name + .mum");
			if (fd) {
				struct sxs_strbuf sb = SXS_STRBUF_INIT;
				sxs_strbuf_addf(&sb, "%s.mum", e->name);
				if (sxs_strbuf_error(&sb) || sxs_finding_set(&fd->expected, sxs_strbuf_str(&sb)) ||
				    sxs_finding_set(&fd->actual, r->install_name))
					c->out->oom = true;
				sxs_strbuf_release(&sb);
			}
		}
	}
	if (r->has_defvis)
		report(c, SXS_F_PACKAGE_TAMPERED, SXS_SEV_INFO, key,
		       "package key has a DefVis value: its visibility was changed by an unhide tool");
	else if (!r->has_owners && e->mum && e->mum->nparents)
		report(c, SXS_F_PACKAGE_TAMPERED, SXS_SEV_INFO, key,
		       "package key has no Owners subkey although its .mum names a parent (decoupled)");
}

static void check_files(struct pctx *c, const struct sxs_package *e, size_t idx)
{
	char mf[1200], cf[1200], st[64];
	file_of(e, "mum", mf, sizeof(mf));
	file_of(e, "cat", cf, sizeof(cf));

	if (e->mum_state == SXS_PKG_FILE_ABSENT) {
		if (!e->reg) {
			/* a lone .cat: neither a package of the registry nor a pair */
			if (e->cat_state != SXS_PKG_FILE_ABSENT && c->p->have_registry)
				report(c, SXS_F_PACKAGE_ORPHAN_MUM, SXS_SEV_WARNING, cf,
				       "catalog without a .mum and without a CBS Packages key");
			return;
		}
		if (c->mum_reported[idx])
			return;
		enum sxs_severity sev = SXS_SEV_WARNING;
		const char *why = "";
		if (e->reg->has_state && state_needs_mum(e->reg->state)) {
			sev = SXS_SEV_ERROR;
		} else if (e->reg->has_state && e->reg->state == SXS_CBS_ABSENT) {
			/*
			 * Absent: not installed, its key may linger (packages.md §4.2);
			 * CBS needs nothing of it, and a removed Feature on Demand is
			 * this shape (calibration.md §1.6, packages.md §6.2 item 1).
			 * Nothing shows Windows counting it as corruption: a note.
			 */
			sev = SXS_SEV_INFO;
			why = "; an Absent package's key may linger after removal";
		}
		report(c, SXS_F_PACKAGE_MUM_MISSING, sev, mf,
		       "CBS MUM Missing: package %s is %s but its .mum is missing%s%s", e->name,
		       e->reg->has_state ? state_text(e->reg->state, st, sizeof(st)) : "of unknown state",
		       e->cat_state == SXS_PKG_FILE_ABSENT ? " (and its .cat)" : "", why);
		return;
	}
	switch (e->mum_state) {
	case SXS_PKG_FILE_LINK:
		report(c, SXS_F_LINK_REFUSED, SXS_SEV_WARNING, mf, "package manifest is a symbolic link; not followed");
		break;
	case SXS_PKG_FILE_UNREADABLE:
		report(c, SXS_F_PACKAGE_FILE_UNREADABLE, SXS_SEV_ERROR, mf, "package manifest cannot be read: %s",
		       e->mum_detail ? e->mum_detail : "unknown error");
		break;
	case SXS_PKG_FILE_CORRUPT:
		report(c, SXS_F_PACKAGE_MUM_CORRUPT, SXS_SEV_ERROR, mf, "CBS MUM Corrupt: %s",
		       e->mum_detail ? e->mum_detail : "not a package manifest");
		break;
	case SXS_PKG_FILE_OK: {
		/* the identity must reproduce the file name, ignoring case (§2.2, §6.2.8) */
		if (!e->mum_name_ok) {
			struct sxs_finding *fd = report(c, SXS_F_PACKAGE_MUM_NAME_MISMATCH, SXS_SEV_ERROR, mf,
			                                "CBS MUM Corrupt: expected file name %s.mum does not match the actual file name",
			                                e->mum->identity);
			if (fd) {
				struct sxs_strbuf sb = SXS_STRBUF_INIT;
				sxs_strbuf_addf(&sb, "%s.mum", e->mum->identity);
				if (sxs_strbuf_error(&sb) || sxs_finding_set(&fd->expected, sxs_strbuf_str(&sb)) ||
				    sxs_finding_set(&fd->actual, e->mum_ondisk))
					c->out->oom = true;
				sxs_strbuf_release(&sb);
			}
		}
		break;
	}
	case SXS_PKG_FILE_ABSENT:
		break;
	}

	switch (e->cat_state) {
	case SXS_PKG_FILE_ABSENT: {
		/* as for its .mum: CBS needs nothing of an Absent package (§4.2) */
		bool absent = e->reg && e->reg->has_state && e->reg->state == SXS_CBS_ABSENT;
		report(c, SXS_F_PACKAGE_CAT_MISSING, absent ? SXS_SEV_INFO : SXS_SEV_ERROR, cf,
		       "CBS Catalog Missing: %s has no same-named .cat%s", e->mum_ondisk,
		       absent ? "; the package is Absent (0x0)" : "");
		break;
	}
	case SXS_PKG_FILE_LINK:
		report(c, SXS_F_LINK_REFUSED, SXS_SEV_WARNING, cf, "package catalog is a symbolic link; not followed");
		break;
	case SXS_PKG_FILE_UNREADABLE:
		report(c, SXS_F_PACKAGE_FILE_UNREADABLE, SXS_SEV_ERROR, cf, "package catalog cannot be read: %s",
		       e->cat_detail ? e->cat_detail : "unknown error");
		break;
	case SXS_PKG_FILE_CORRUPT:
		report(c, SXS_F_PACKAGE_CAT_CORRUPT, SXS_SEV_ERROR, cf, "CBS Catalog Corrupt: %s",
		       e->cat_detail ? e->cat_detail : "not a catalog");
		break;
	case SXS_PKG_FILE_OK:
		if (e->cat_signature != SXS_CAT_SIG_VALID)
			report(c, SXS_F_PACKAGE_CAT_CORRUPT, SXS_SEV_ERROR, cf, "CBS Catalog Corrupt: %s%s%s",
			       sxs_cat_signature_name(e->cat_signature),
			       e->cat_signature_detail ? ": " : "",
			       e->cat_signature_detail ? e->cat_signature_detail : "");
		else if (e->cat_chain == SXS_CAT_CHAIN_INVALID)
			report(c, SXS_F_PACKAGE_CAT_CHAIN_INVALID, SXS_SEV_WARNING, cf, "%s",
			       e->cat_signature_detail ? e->cat_signature_detail : "chain does not verify");
		break;
	}
	if (e->mum_in_cat == SXS_PKG_MEMBER_NO) {
		struct sxs_finding *fd = report(c, SXS_F_PACKAGE_MUM_NOT_IN_CATALOG, SXS_SEV_ERROR, mf,
		                                "CBS MUM Corrupt 0x800B0100: package manifest cannot be validated by the corresponding catalog");
		char hex[65];
		for (size_t i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", e->mum_sha256[i]);
		if (fd && (sxs_finding_set(&fd->actual, hex) || sxs_finding_set(&fd->algorithm, "sha256")))
			c->out->oom = true;
	}
	if (!e->reg && c->p->have_registry)
		report(c, SXS_F_PACKAGE_ORPHAN_MUM, SXS_SEV_WARNING, mf,
		       "package %s has a .mum but no CBS Packages key", e->name);
}

/* ---- the package tree -------------------------------------------------------- */

static bool installed(const struct sxs_package *e)
{
	return e && e->reg && e->reg->has_state && sxs_cbs_state_installed(e->reg->state);
}

/* §6.1 package-child-missing: an Installed package's unconditional child with no key and no .mum. */
static int check_children(struct pctx *c, const struct sxs_package *e)
{
	if (!installed(e) || !e->mum || e == c->rollup)
		return 0; /* the cumulative update's tree: rollup-subpackage-missing says it */
	for (size_t i = 0; i < e->mum->nrefs; i++) {
		const struct sxs_mum_ref *ref = &e->mum->refs[i];
		if (ref->kind != SXS_MUM_REF_PACKAGE || ref->contained_false ||
		    !sxs_mum_update_unconditional(&e->mum->updates[ref->update]))
			continue;
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (sxs_package_identity(&ref->id, &sb)) {
			int err = sxs_strbuf_error(&sb);
			sxs_strbuf_release(&sb);
			if (err)
				return err;
			continue; /* an identity we cannot name: nothing to look up */
		}
		const struct sxs_package *child = sxs_packages_find(c->p, sxs_strbuf_str(&sb));
		if (!child || (!child->reg && !has_mum(child))) {
			char mf[1200];
			file_of(e, "mum", mf, sizeof(mf));
			report(c, SXS_F_PACKAGE_CHILD_MISSING, SXS_SEV_WARNING, mf,
			       "update '%s' of Installed package %s names child package %s, which has neither a Packages key nor a .mum",
			       e->mum->updates[ref->update].name, e->name, sxs_strbuf_str(&sb));
		}
		sxs_strbuf_release(&sb);
	}
	return 0;
}

/* Build number of a RollupFix version "17763.3406.1.5" (0 when unreadable). */
static unsigned long rollup_build(const struct sxs_package *e)
{
	struct sxs_package_name pn;
	if (sxs_package_name_split(e->name, &pn))
		return 0;
	return strtoul(pn.version, NULL, 10);
}

static const char *version_of(const struct sxs_package *e, struct sxs_package_name *pn)
{
	return sxs_package_name_split(e->name, pn) == 0 ? pn->version : "";
}

/*
 * §6.1 rollup-state and rollup-subpackage-missing.  §6.2.2: superseded
 * RollupFix packages stay for years; a Staged newer one next to the
 * Installed one is normal while a transaction is pending; builds from
 * 26100 on have checkpoint cumulative updates (several Installed), so the
 * rule stops there.
 */
static int check_rollups(struct pctx *c)
{
	const struct sxs_package *highest = NULL, *highest_installed = NULL;
	size_t ninstalled = 0;
	struct sxs_package_name a, b;

	for (size_t i = 0; i < c->p->n; i++) {
		const struct sxs_package *e = &c->p->v[i];
		if (!sxs_package_is_rollup(e->name) || !e->reg || !e->reg->has_state)
			continue;
		unsigned long build = rollup_build(e);
		if (build == 0 || build >= 26100)
			continue;
		if (!highest || sxs_version_compare(version_of(e, &a), version_of(highest, &b)) > 0)
			highest = e;
		if (installed(e)) {
			ninstalled++;
			if (!highest_installed ||
			    sxs_version_compare(version_of(e, &a), version_of(highest_installed, &b)) > 0)
				highest_installed = e;
		}
	}
	/* §6.2.12: CBS RebootPending/RebootInProgress also say an update waits for its reboot */
	bool waiting = c->pending || c->p->cbs.reboot_pending || c->p->cbs.reboot_in_progress;
	enum sxs_severity sev = waiting ? SXS_SEV_INFO : SXS_SEV_WARNING;
	if (ninstalled > 1)
		report(c, SXS_F_ROLLUP_STATE, sev, "CBS/Packages/Package_for_RollupFix",
		       "%zu cumulative updates (Package_for_RollupFix) are Installed; a healthy store has one, the older ones Superseded",
		       ninstalled);
	if (highest && highest_installed && highest != highest_installed) {
		uint32_t st = highest->reg->state;
		char s[64], key[1200];
		if (st == SXS_CBS_STAGED || st == SXS_CBS_INSTALL_PENDING || st == SXS_CBS_PARTIALLY_INSTALLED) {
			key_of(highest, key, sizeof(key));
			report(c, SXS_F_ROLLUP_STATE, sev, key,
			       "the newest cumulative update is %s while the older %s is Installed%s",
			       state_text(st, s, sizeof(s)), highest_installed->name,
			       waiting ? " (a reboot is pending: normal before the reboot)" : "");
		}
	}
	if (!highest_installed || !highest_installed->mum)
		return 0;
	/* the installed cumulative update's tree must be complete (0x800f0831) */
	const struct sxs_package *e = highest_installed;
	c->rollup = e;
	for (size_t i = 0; i < e->mum->nrefs; i++) {
		const struct sxs_mum_ref *ref = &e->mum->refs[i];
		if (ref->kind != SXS_MUM_REF_PACKAGE || ref->contained_false)
			continue;
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (sxs_package_identity(&ref->id, &sb)) {
			int err = sxs_strbuf_error(&sb);
			sxs_strbuf_release(&sb);
			if (err)
				return err;
			continue;
		}
		const struct sxs_package *child = sxs_packages_find(c->p, sxs_strbuf_str(&sb));
		/* a child CBS knows only as not yet resolved: its missing .mum is package-mum-missing's */
		bool resolved = !child || !child->reg || !child->reg->has_state ||
		                state_needs_mum(child->reg->state);
		if (!has_mum(child) && resolved) {
			char mf[1200];
			snprintf(mf, sizeof(mf), "servicing/Packages/%s.mum", sxs_strbuf_str(&sb));
			report(c, SXS_F_ROLLUP_SUBPACKAGE_MISSING, SXS_SEV_ERROR, mf,
			       "Store corruption, manifest missing for package: %s (named by the installed cumulative update %s)",
			       sxs_strbuf_str(&sb), e->name);
			if (child)
				c->mum_reported[child - c->p->v] = true;
		}
		sxs_strbuf_release(&sb);
	}
	return 0;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* ---- servicing-wide state ------------------------------------------------------ */

/*
 * §6.1 servicing-stack-version.  WD expects exactly one Version value, but
 * Windows itself enumerates every value and loads the stack of the highest
 * version whose name parses as one (CbsFindServicingStackDirectory, a
 * decompiled servicing binary, code-index id 55682854345; Microsoft's own
 * servicing diagnostics script does the same, id 25239178283).  So older
 * values left next to it are a shape Windows handles by design, as old
 * servicing stacks are (calibration.md §3, §7 (e): scavenged later): only
 * the active (highest) value is judged, the older ones are notes.
 */
static const struct sxs_pkg_ssv *active_ssv(const struct sxs_packages *p)
{
	const struct sxs_pkg_ssv *best = NULL;
	for (size_t i = 0; i < p->nssv; i++) {
		const struct sxs_pkg_ssv *s = &p->ssv[i];
		if (s->name && sxs_version_valid(s->name) &&
		    (!best || sxs_version_compare(s->name, best->name) > 0))
			best = s;
	}
	return best;
}

static void check_ssv(struct pctx *c, const struct sxs_pkg_ssv *s, bool active)
{
	const struct sxs_packages *p = c->p;
	const char *key = "CBS/Version";
	/* an older value is not what Windows loads: what is odd about it is a note */
	enum sxs_severity warn = active ? SXS_SEV_WARNING : SXS_SEV_INFO;
	const char *older = active ? "" : " (an older value; Windows loads the highest one)";
	if (!s->path) {
		report(c, SXS_F_SERVICING_STACK_VERSION, warn, key, "Version value %s is not a string%s",
		       s->name, older);
		return;
	}
	if (!s->folder) {
		report(c, SXS_F_SERVICING_STACK_VERSION, warn, key,
		       "Version value %s does not name a WinSxS folder: %s%s", s->name, s->path, older);
		return;
	}
	if (!s->folder_exists) {
		report(c, SXS_F_SERVICING_STACK_VERSION, active ? SXS_SEV_ERROR : SXS_SEV_INFO, key,
		       active ? "the servicing stack folder WinSxS\\%s named by Version value %s is missing"
		              : "the folder WinSxS\\%s of the older servicing stack %s is gone (removed by "
		                "cleanup; Windows loads the highest Version value)",
		       s->folder, s->name);
		return;
	}
	if (!s->folder_version || sxs_version_compare(s->folder_version, s->name) != 0)
		report(c, SXS_F_SERVICING_STACK_VERSION, warn, key,
		       "Version value %s names WinSxS\\%s, whose version is %s%s", s->name, s->folder,
		       s->folder_version ? s->folder_version : "unreadable", older);
	if (active && p->wcp_version && sxs_version_compare(s->name, p->wcp_version) < 0)
		report(c, SXS_F_SERVICING_STACK_VERSION, SXS_SEV_WARNING, key,
		       "the servicing stack %s is older than COMPONENTS LastWCPVersionToAccessStore %s",
		       s->name, p->wcp_version);
}

static void check_version(struct pctx *c)
{
	const struct sxs_packages *p = c->p;
	const char *key = "CBS/Version";
	if (!p->cbs.present)
		return;
	if (!p->cbs.has_version_key) {
		/* every source shows the key; its absence alone proves nothing broken: a note */
		report(c, SXS_F_SERVICING_STACK_VERSION, SXS_SEV_INFO, key,
		       "the CBS Version key is missing: the active servicing stack could not be checked");
		return;
	}
	const struct sxs_pkg_ssv *act = active_ssv(p);
	if (!act) {
		report(c, SXS_F_SERVICING_STACK_VERSION, SXS_SEV_WARNING, key,
		       p->nssv ? "no value of the CBS Version key is named by a version: the active servicing stack cannot be found"
		               : "the CBS Version key has no value: the active servicing stack is not recorded");
		return;
	}
	if (p->nssv > 1)
		report(c, SXS_F_SERVICING_STACK_VERSION, SXS_SEV_INFO, key,
		       "the CBS Version key has %zu values; Windows loads the highest, %s", p->nssv,
		       act->name);
	check_ssv(c, act, true);
	for (size_t i = 0; i < p->nssv; i++)
		if (&p->ssv[i] != act)
			check_ssv(c, &p->ssv[i], false);
}

/* §4.4, §6.1 pending-transaction-mismatch (WD: PoqExec fails when the identifiers differ). */
static void check_transaction(struct pctx *c)
{
	const struct sxs_packages *p = c->p;
	if (p->pending_xml && p->pending_hive && p->pending_xml_id && p->pending_hive_id &&
	    strcasecmp(p->pending_xml_id, p->pending_hive_id) != 0) {
		/* only a dirty hive can make this transient: its identifier may be stale */
		struct sxs_finding *fd = report_ungated(
			c, SXS_F_PENDING_TRANSACTION_MISMATCH,
			c->m->components_dirty ? SXS_SEV_WARNING : SXS_SEV_ERROR, "WinSxS/pending.xml",
			"pending.xml's Identifier differs from COMPONENTS PendingXmlIdentifier: PoqExec will fail to parse it%s",
			c->m->components_dirty ? " (may be transient: COMPONENTS is dirty)" : "");
		if (fd && (sxs_finding_set(&fd->expected, p->pending_hive_id) ||
		           sxs_finding_set(&fd->actual, p->pending_xml_id)))
			c->out->oom = true;
	} else if (p->pending_xml && !p->pending_hive && c->m->have_components_hive) {
		report_ungated(c, SXS_F_PENDING_TRANSACTION_MISMATCH, SXS_SEV_WARNING, "WinSxS/pending.xml",
		               "pending.xml exists but COMPONENTS has no PendingXmlIdentifier");
	} else if (p->pending_hive && !p->pending_xml && p->cbs.poqexec_cmdline &&
	           contains_ci(p->cbs.poqexec_cmdline, "pending.xml")) {
		report_ungated(c, SXS_F_PENDING_TRANSACTION_MISMATCH, SXS_SEV_WARNING, "WinSxS/pending.xml",
		               "PoqexecCmdline names pending.xml, which is missing, while COMPONENTS has a PendingXmlIdentifier");
	}
}

static void check_servicing_flags(struct pctx *c)
{
	const struct sxs_cbs *cbs = &c->p->cbs;
	if (cbs->reboot_pending || cbs->reboot_in_progress || cbs->npending) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		const char *sep = "";
		if (cbs->reboot_pending) {
			sxs_strbuf_adds(&sb, "RebootPending");
			sep = ", ";
		}
		if (cbs->reboot_in_progress) {
			sxs_strbuf_addf(&sb, "%sRebootInProgress", sep);
			sep = ", ";
		}
		if (cbs->npending)
			sxs_strbuf_addf(&sb, "%sPackagesPending (%zu)", sep, cbs->npending);
		report_ungated(c, SXS_F_SERVICING_REBOOT_PENDING, SXS_SEV_INFO, "CBS",
		               "CBS waits for a reboot: %s", sxs_strbuf_str(&sb));
		if (sxs_strbuf_error(&sb))
			c->out->oom = true;
		sxs_strbuf_release(&sb);
	}
	if (cbs->has_exclusive && cbs->exclusive != 0 && !c->pending)
		report_ungated(c, SXS_F_SESSIONS_EXCLUSIVE, SXS_SEV_INFO, "CBS/SessionsPending",
		               "SessionsPending\\Exclusive is %u while no transaction is pending", cbs->exclusive);
}

static void check_chains(struct pctx *c)
{
	size_t verified = 0;
	for (size_t i = 0; i < c->p->n; i++)
		verified += c->p->v[i].cat_state == SXS_PKG_FILE_OK &&
		            c->p->v[i].cat_signature == SXS_CAT_SIG_VALID;
	if (verified && !c->p->catalog_roots)
		report_ungated(c, SXS_F_PACKAGE_CAT_CHAIN_UNCHECKED, SXS_SEV_INFO, "servicing/Packages",
		               "%zu catalog signature(s) verified; certificate chains not checked (no roots given)",
		               verified);
}

int sxs_check_packages(const struct sxs_model *m, struct sxs_findings *out)
{
	const struct sxs_packages *p = m->packages;
	struct pctx c = {.m = m, .p = p, .out = out};
	int err = 0;

	if (!p || (!p->have_listing && !p->have_registry))
		return 0; /* no package layer in this image */
	/* a pending transaction: pending states and a staged newer LCU are normal (§6.2.12) */
	c.pending = m->pending_xml || m->pending_hive;
	if (p->n && !(c.mum_reported = sxs_calloc(p->n, sizeof(bool)))) {
		out->oom = true;
		return -SXS_ENOMEM;
	}

	if (!p->have_listing && p->listing_problem)
		report_ungated(&c, SXS_F_CHECK_SKIPPED, SXS_SEV_INFO, "servicing/Packages",
		               "package files not checked: %s", p->listing_problem);
	if (p->have_registry && (err = check_rollups(&c)))
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		const struct sxs_package *e = &p->v[i];
		if (e->reg) {
			check_state(&c, e);
			check_registry_values(&c, e);
			if ((err = check_children(&c, e)))
				goto out;
		}
		if (p->have_listing)
			check_files(&c, e, i);
	}
	check_version(&c);
	check_transaction(&c);
	check_servicing_flags(&c);
	check_chains(&c);
out:
	sxs_free(c.mum_reported);
	if (err)
		out->oom = true;
	return out->oom ? -SXS_ENOMEM : 0;
}
