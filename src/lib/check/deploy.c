/* SPDX-License-Identifier: MIT */
/*
 * Deployments, their marks and catalogs (packages.md §5, §6.1): judgement
 * on the facts store/deploy.c recorded.
 */
#include "check/deploy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check/scan.h"
#include "manifest/identity.h"
#include "package/catalog.h"
#include "package/cbs.h"
#include "package/mum.h"
#include "store/deploy.h"
#include "store/packages.h"
#include "store/pkgview.h"
#include "util/hex.h"

/* Has d an s! or i! mark for the package of mark mk (a session that went past planning)? */
static bool went_past_planning(const struct sxs_deployment *d, const struct sxs_mark *mk)
{
	for (size_t i = 0; i < d->nmarks; i++) {
		const struct sxs_mark *o = &d->marks[i];
		if ((o->kind == 's' || o->kind == 'i') && o->package && !strcasecmp(o->package, mk->package))
			return true;
	}
	return false;
}

static void check_marks(const struct sxs_model *m, const struct sxs_deployment *d,
                        struct sxs_findings *out)
{
	for (size_t i = 0; i < d->nmarks && !out->oom; i++) {
		const struct sxs_mark *mk = &d->marks[i];
		/*
		 * §5.2: the name is verifiable from the data ([V] 3 of 3 real names);
		 * a mismatch is a hand-made edit.  The bytes around the string (flag,
		 * trailing byte) are [S] from one Win11 dump and open on 17763 (§8
		 * question 3): when the name proves the string, a layout not seen
		 * before is a note, not damage.
		 */
		if (!mk->name_ok || !mk->data_ok)
			sxs_findings_add_sev(out, SXS_F_DEPLOYMENT_MARK_MALFORMED,
			                     mk->name_ok ? SXS_SEV_INFO : SXS_SEV_WARNING, d->name,
			                     mk->value_name, "deployment mark %s: %s%s", mk->value_name,
			                     mk->problem ? mk->problem : "malformed",
			                     mk->name_ok ? " (its name matches its string: a layout not seen before)"
			                                 : "");
		/* §6.1: a mark of a package CBS does not know (only when the Packages key was read) */
		if (mk->package && sxs_model_have_packages(m) &&
		    !sxs_model_package_exists(m, mk->package)) {
			/*
			 * packages.md §6.2 item 13, calibration.md §2.5: a p! mark alone is
			 * a plan nothing came of (a session that never staged, or a package
			 * removed since): a note; s! or i! say CBS went further.
			 */
			bool planned_only = mk->kind == 'p' && !went_past_planning(d, mk);
			sxs_findings_add_sev(out, SXS_F_DEPLOYMENT_MARK_ORPHAN,
			                     planned_only ? SXS_SEV_INFO : SXS_SEV_WARNING, d->name,
			                     mk->value_name,
			                     "deployment mark %c! names package %s, which has no Packages key%s",
			                     mk->kind, mk->package,
			                     planned_only ? " (only planned: no s! or i! mark for it)" : "");
		}
	}
}

/* The component a deployment needs, by key form: in COMPONENTS and in WinSxS\Manifests? */
static const char *component_gap(const struct sxs_component *c)
{
	if (!c)
		return "has neither a COMPONENTS key nor a manifest";
	if (c->mstate == SXS_MANIFEST_ABSENT)
		return "has a COMPONENTS key but no manifest";
	if (!c->in_hive)
		return "has a manifest but no COMPONENTS key";
	return NULL;
}

static bool servicing_stack_keyform(const char *kf)
{
	struct sxs_keyform_parts parts;
	return sxs_keyform_split(kf, &parts) == 0 &&
	       !strncmp(parts.name, "microsoft-windows-servicingstack", 32);
}

/*
 * §6.1 deployment-component-missing: a deployment with an i! mark of an
 * Installed/Permanent package must have its own component (key and
 * manifest) and those of its dependencyType="install" dependencies (TSN:
 * "Failed to pin deployment ... ERROR_SXS_ASSEMBLY_MISSING").
 */
static void check_components(const struct sxs_model *m, const struct sxs_deployment *d,
                             struct sxs_findings *out)
{
	struct sxs_finding *fd;
	bool any_i = false;
	for (size_t i = 0; i < d->nmarks; i++)
		any_i |= d->marks[i].kind == 'i';
	/* package states unknown: an i! mark alone says installed, capped at warning */
	bool unsure = !m->liveness_known && any_i;
	if (!d->installed && !unsure)
		return;
	enum sxs_severity sev = unsure ? SXS_SEV_WARNING : SXS_SEV_ERROR;
	const char *by = unsure ? "deployment with an i! mark (package states unknown)"
	                        : "deployment installed by an Installed package";
	const char *gap = component_gap(d->comp);
	if (gap) {
		fd = sxs_findings_add_sev(out, SXS_F_DEPLOYMENT_COMPONENT_MISSING, sev, d->name, NULL,
		                          "%s %s%s%s", by, gap, d->appid ? ": " : "",
		                          d->appid ? d->appid : "");
		sxs_check_gate(m, out, fd);
	}
	if (!d->comp)
		return;
	for (size_t i = 0; i < d->comp->ninstall_deps && !out->oom; i++) {
		const char *kf = d->comp->install_deps[i];
		gap = component_gap(sxs_model_find(m, kf));
		/*
		 * An installed servicing-stack package keeps its deployment while the
		 * old stack's manifest is scavenged (calibration.md §3, §7 (e): MB,
		 * 36 on a healthy 26100): manifest-missing reports it as info.
		 */
		if (!gap || servicing_stack_keyform(kf))
			continue;
		fd = sxs_findings_add_sev(out, SXS_F_DEPLOYMENT_COMPONENT_MISSING, sev, d->name, kf,
		                          "component %s, which this %s installs, %s", kf,
		                          unsure ? "deployment (i! mark, package states unknown)"
		                                 : "installed deployment", gap);
		sxs_check_gate(m, out, fd);
	}
}

/*
 * §6.1 catalog-missing: CatalogThumbprint T needs WinSxS\Catalogs\T.cat
 * whose SHA-256 is T, and CanonicalData\Catalogs\T (GW: 2,274 = 2,274 on a
 * healthy image).  Error for an installed deployment, warning for one that
 * is only planned or staged, capped at warning when liveness is unknown.
 */
static void check_catalog(const struct sxs_model *m, const struct sxs_deployment *d,
                          struct sxs_findings *out)
{
	const char *t = d->thumbprint;
	char why[256];
	if (!t || !*t)
		return;
	const struct sxs_catalog_file *cf = sxs_model_catalog_file(m, t);
	why[0] = '\0';
	if (!cf) {
		snprintf(why, sizeof(why), "WinSxS\\Catalogs has no %.64s.cat", t);
	} else if (!cf->hashed) {
		snprintf(why, sizeof(why), "WinSxS\\Catalogs\\%.64s.cat cannot be read", t);
	} else {
		char hex[65];
		sxs_hex_encode(cf->sha256, 32, hex);
		if (strcasecmp(hex, t))
			snprintf(why, sizeof(why), "WinSxS\\Catalogs\\%.64s.cat has SHA-256 %s", t, hex);
	}
	if (!why[0] && !sxs_model_has_catalog_key(m, t))
		snprintf(why, sizeof(why), "CanonicalData\\Catalogs has no key %.64s", t);
	if (!why[0])
		return;
	enum sxs_severity sev = d->installed ? SXS_SEV_ERROR : SXS_SEV_WARNING;
	if (!m->liveness_known)
		sev = SXS_SEV_WARNING;
	struct sxs_finding *fd = sxs_findings_add_sev(
		out, SXS_F_CATALOG_MISSING, sev, d->name, NULL, "catalog %s of the deployment: %s%s", t,
		why, d->installed ? "" : m->liveness_known ? " (the deployment is not installed)"
		                                         : " (liveness unknown: no package states could be read)");
	if (fd && cf && cf->detail)
		sxs_finding_note(out, fd, "%s", cf->detail);
	sxs_check_gate(m, out, fd);
}

/* Is c's S256H a member of the catalog of deployment d?  -1: no usable catalog. */
static int in_catalog(const struct sxs_model *m, const struct sxs_deployment *d,
                      const struct sxs_component *c)
{
	if (!d || !d->thumbprint)
		return -1;
	const struct sxs_catalog_file *cf = sxs_model_catalog_file(m, d->thumbprint);
	if (!cf || !cf->cat)
		return -1; /* catalog-missing says why */
	return sxs_catalog_has(cf->cat, c->s256h, 32);
}

/*
 * §6.1 manifest-not-in-catalog: a component's S256H is the catalog member
 * hash of its manifest (packages.md §0.3, [V] on the ESU files), so it must
 * be a member of the catalog of some deployment that owns it (c!), and a
 * deployment's own manifest of its own catalog.  A warning until
 * calibrated on a real image (DCM manifests are [I]).
 */
static void check_members(const struct sxs_model *m, struct sxs_findings *out)
{
	for (size_t i = 0; i < m->ncomps && !out->oom; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (!c->in_hive || !c->has_s256h)
			continue;
		bool usable = false, member = false;
		for (size_t j = 0; j < c->nclinks && !member; j++) {
			int r = in_catalog(m, sxs_model_deployment(m, c->clinks[j]), c);
			usable |= r >= 0;
			member |= r == 1;
		}
		for (size_t j = 0; j < m->ndeployments && !member; j++)
			if (m->deployments[j].comp == c) {
				int r = in_catalog(m, &m->deployments[j], c);
				usable |= r >= 0;
				member |= r == 1;
			}
		if (!usable || member)
			continue;
		char hex[65];
		sxs_hex_encode(c->s256h, 32, hex);
		struct sxs_finding *fd = sxs_findings_add(
			out, SXS_F_MANIFEST_NOT_IN_CATALOG, c->keyform, NULL,
			"S256H %s is not a member of the catalog of any deployment that owns the component", hex);
		sxs_check_gate(m, out, fd);
	}
}

/*
 * §6.1 deployment-not-installed: every unconditional update (no
 * <applicable>, no <selectable>) of an Installed/Permanent package that
 * names a deployment D needs Deployments\<short(D)> with an i! mark for
 * that (package, update) (§5.3).  Updates with <applicable> only may
 * install (ESU Package_1/Package_2 carry the same deployment, §6.2 item 5).
 */
static void check_not_installed(const struct sxs_model *m, struct sxs_findings *out)
{
	const struct sxs_packages *ps = m->packages;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	if (!ps || !m->have_deployment_data)
		return;
	for (size_t i = 0; i < ps->n && !out->oom; i++) {
		const struct sxs_package *p = &ps->v[i];
		if (!p->reg || !p->reg->has_state || !sxs_cbs_state_installed(p->reg->state) || !p->mum)
			continue;
		for (size_t r = 0; r < p->mum->nrefs && !out->oom; r++) {
			const struct sxs_mum_ref *ref = &p->mum->refs[r];
			if (ref->kind != SXS_MUM_REF_COMPONENT || ref->update >= p->mum->nupdates)
				continue;
			const struct sxs_mum_update *u = &p->mum->updates[ref->update];
			if (!sxs_mum_update_unconditional(u))
				continue;
			sxs_strbuf_reset(&sb);
			int kerr = sxs_identity_keyform(&ref->id, SXS_KEYFORM_SHORT, &sb);
			if (kerr == -SXS_ENOMEM) {
				out->oom = true;
				break;
			}
			if (kerr)
				continue;
			const struct sxs_deployment *d = sxs_model_deployment(m, sxs_strbuf_str(&sb));
			bool marked = false;
			for (size_t k = 0; d && k < d->nmarks && !marked; k++) {
				const struct sxs_mark *mk = &d->marks[k];
				marked = mk->kind == 'i' && mk->package && mk->update &&
				         !strcasecmp(mk->package, p->name) && !strcasecmp(mk->update, u->name);
			}
			if (marked)
				continue;
			struct sxs_finding *fd = sxs_findings_add(
				out, SXS_F_DEPLOYMENT_NOT_INSTALLED, sxs_strbuf_str(&sb), NULL,
				"package %s is %s and its update %s installs this deployment, but %s", p->name,
				sxs_cbs_state_name(p->reg->state) ? sxs_cbs_state_name(p->reg->state) : "installed",
				u->name, d ? "it has no i! mark for that package and update"
				           : "CanonicalData\\Deployments has no key for it");
			sxs_check_gate(m, out, fd);
		}
	}
	sxs_strbuf_release(&sb);
}

int sxs_check_deployments(const struct sxs_model *m, struct sxs_findings *out)
{
	check_members(m, out);
	check_not_installed(m, out);
	for (size_t i = 0; i < m->ndeployments && !out->oom; i++) {
		const struct sxs_deployment *d = &m->deployments[i];
		check_marks(m, d, out);
		check_components(m, d, out);
		check_catalog(m, d, out);
	}
	return sxs_findings_error(out);
}
