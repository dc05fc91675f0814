/* SPDX-License-Identifier: MIT */
#include "check/scan.h"
#include "check/hives.h"
#include "check/volume.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/deltas.h"
#include "check/packages.h"
#include "check/deploy.h"
#include "manifest/identity.h"
#include "store/forms.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/strbuf.h"

bool sxs_check_transient(const struct sxs_model *m)
{
	/* packages.md §6 gate, calibration.md §7: CBS rewrites these at the next boot */
	return m->components_dirty || m->software_dirty || m->pending_xml || m->pending_hive ||
	       m->store_dirty;
}

static const char *transient_why(const struct sxs_model *m)
{
	if (m->pending_xml || m->pending_hive)
		return "a servicing transaction is pending";
	if (m->store_dirty)
		return "COMPONENTS has StoreDirty set";
	return "a registry hive is dirty and was not recovered";
}

void sxs_check_gate(const struct sxs_model *m, struct sxs_findings *out, struct sxs_finding *fd)
{
	if (!fd || fd->severity != SXS_SEV_ERROR || !sxs_check_transient(m))
		return;
	fd->severity = SXS_SEV_WARNING;
	sxs_finding_note(out, fd, "may be transient: %s", transient_why(m));
}

/*
 * Without deployment data nothing is known to be live or dormant: today's
 * rules, capped at warning, and the report says why (calibration.md §6).
 */
static const char *unknown_why(const struct sxs_model *m)
{
	return m->have_deployment_data ? "liveness unknown: no package states could be read"
	                               : "liveness unknown: the image has no deployment data";
}

static void cap_unknown(const struct sxs_model *m, struct sxs_findings *out,
                        struct sxs_finding *fd)
{
	if (!fd || m->liveness_known || fd->severity != SXS_SEV_ERROR)
		return;
	fd->severity = SXS_SEV_WARNING;
	sxs_finding_note(out, fd, "%s", unknown_why(m));
}

static const char *live_reason(const struct sxs_component *c)
{
	if (c->live_why & SXS_LIVE_WHY_WINNER)
		return "it is the Winners default of its family";
	if (c->live_why & SXS_LIVE_WHY_IS_DEPLOYMENT)
		return "it is a deployment installed by an Installed package";
	if (c->live_why & SXS_LIVE_WHY_DEPENDENCY)
		return "a deployment of an Installed package installs it";
	return "a deployment of an Installed package owns it";
}

static bool is_servicing_stack(const struct sxs_component *c)
{
	const char *n = c->id.name;
	struct sxs_keyform_parts parts;
	if (!n && sxs_keyform_split(c->keyform, &parts) == 0)
		return !strncasecmp(parts.name, "microsoft-windows-servicingstack", 32);
	return n && !strncasecmp(n, "microsoft-windows-servicingstack", 32);
}

/*
 * A servicing-stack version below a newer one of its family in the store,
 * and not the Winners default.  Its package stays Installed (SSUs are not
 * superseded, packages.md §6.2 item 3), so its deployment still claims it,
 * but Windows runs only the newest stack (it loads the highest CBS Version
 * value) and scavenges the older ones (calibration.md §3, §7 (e): MB, 36 on
 * a healthy 26100).  The newest one is judged as any live component.
 */
static bool older_servicing_stack(const struct sxs_model *m, const struct sxs_component *c)
{
	if (!is_servicing_stack(c) || c->live == SXS_LIVE_UNKNOWN ||
	    (c->live_why & SXS_LIVE_WHY_WINNER) || !c->winners_key || !c->id.version)
		return false;
	for (size_t i = 0; i < m->ncomps; i++) {
		const struct sxs_component *o = &m->comps[i];
		if (o != c && o->winners_key && o->id.version &&
		    !strcasecmp(o->winners_key, c->winners_key) &&
		    sxs_version_compare(o->id.version, c->id.version) > 0)
			return true;
	}
	return false;
}

int sxs_check_missing_manifest_severity(const struct sxs_model *m, const struct sxs_component *c)
{
	/*
	 * calibration.md §7 (e): old servicing-stack components stay tracked
	 * after their manifests went (MB: 36 on a healthy 26100) and dormant
	 * ones are cleanup candidates: info; a live one is "CSI Manifest
	 * Missing": error.
	 */
	if (is_servicing_stack(c) || c->live == SXS_LIVE_DORMANT)
		return SXS_SEV_INFO;
	if (c->live == SXS_LIVE_UNKNOWN || sxs_check_transient(m))
		return SXS_SEV_WARNING;
	return SXS_SEV_ERROR;
}

bool sxs_check_family_live(const struct sxs_model *m, const char *key)
{
	for (size_t i = 0; i < m->ncomps; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (c->winners_key && !c->is_deployment && !strcasecmp(c->winners_key, key) &&
		    c->live != SXS_LIVE_DORMANT)
			return true;
	}
	return false;
}

static int set_hex(char **field, const uint8_t *d, size_t len)
{
	char hex[2 * SXS_DIGEST_MAX + 1];
	if (len > SXS_DIGEST_MAX)
		len = SXS_DIGEST_MAX;
	sxs_hex_encode(d, len, hex);
	return sxs_finding_set(field, hex);
}

static void deltas_text(struct sxs_strbuf *sb, unsigned forms)
{
	const char *sep = "";
	static const struct { unsigned bit; const char *name; } t[] = {
		{SXS_FORM_F, "f\\"}, {SXS_FORM_R, "r\\"}, {SXS_FORM_N, "n\\"},
		{SXS_FORM_LCU_F, "servicing\\LCU f\\"}, {SXS_FORM_LCU_R, "servicing\\LCU r\\"},
		{SXS_FORM_LCU_N, "servicing\\LCU n\\"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (forms & t[i].bit) {
			sxs_strbuf_addf(sb, "%s%s", sep, t[i].name);
			sep = ", ";
		}
}

/*
 * A manifest file whose full file is not in WinSxS\<kf> (calibration.md §6.4,
 * §7 (a)/(b)): an error only for a live component that is not a deployment;
 * a warning for a dormant one with no CF and no differential; info when the
 * payload may legitimately be stored elsewhere (CF set, or differentials
 * only: SB17763b, SN41621); capped at warning when liveness is unknown.
 */
int sxs_check_missing_payload_severity(const struct sxs_model *m, const struct sxs_component *c,
                                       const struct sxs_payload *p)
{
	enum sxs_severity sev;
	if (c->is_deployment)
		return -1; /* deployments carry no payload (calibration.md §6.1) */
	if (older_servicing_stack(m, c))
		return SXS_SEV_INFO; /* a scavenge candidate, whatever its deployment says */
	if (c->live == SXS_LIVE_LIVE)
		sev = SXS_SEV_ERROR;
	else if (c->live == SXS_LIVE_DORMANT)
		sev = (p->forms & SXS_FORM_DELTAS) || (c->has_cf && c->cf != 0) ? SXS_SEV_INFO
		                                                                 : SXS_SEV_WARNING;
	else
		sev = SXS_SEV_WARNING; /* liveness unknown: capped */
	if (sev == SXS_SEV_ERROR && sxs_check_transient(m))
		sev = SXS_SEV_WARNING;
	return (int)sev;
}

/*
 * A manifest file whose full file is not in WinSxS\\<kf> (calibration.md §6.4,
 * §7 (a)/(b)): an error only for a live component that is not a deployment;
 * a warning for a dormant one with no CF and no differential; info when the
 * payload may legitimately be stored elsewhere (CF set, or differentials
 * only: SB17763b, SN41621); capped at warning when liveness is unknown.
 * The severity is sxs_check_missing_payload_severity's (compare uses it too).
 */
static void check_missing_payload(const struct sxs_model *m, const struct sxs_component *c,
                                  const struct sxs_payload *p, struct sxs_findings *out)
{
	struct sxs_strbuf what = SXS_STRBUF_INIT;
	unsigned deltas = p->forms & SXS_FORM_DELTAS;
	if (c->is_deployment)
		return;
	sxs_strbuf_addf(&what, c->folder ? "file member '%s' is missing"
	                                 : "file member '%s' is missing (no component folder)",
	                p->name);
	if (deltas) {
		sxs_strbuf_adds(&what, "; only differentials exist (");
		deltas_text(&what, deltas);
		sxs_strbuf_addc(&what, ')');
	}
	if (older_servicing_stack(m, c)) {
		sxs_strbuf_adds(&what, "; an older servicing stack (Windows runs only the newest and "
		                       "removes older ones at the next scavenge)");
	} else if (c->live == SXS_LIVE_LIVE) {
		sxs_strbuf_addf(&what, "; the component is live: %s", live_reason(c));
	} else if (c->live == SXS_LIVE_DORMANT) {
		if (deltas)
			sxs_strbuf_adds(&what, "; a dormant version kept as differentials");
		else if (c->has_cf && c->cf != 0)
			sxs_strbuf_addf(&what, "; a dormant version with CF 0x%x (stored compressed or "
			                       "removed by cleanup)", (unsigned)c->cf);
		else
			sxs_strbuf_adds(&what, "; the version is dormant (superseded, staged or a disabled feature)");
	}
	if (sxs_strbuf_error(&what)) {
		out->oom = true;
		return;
	}
	/* the severity before the gate: the gate below adds its own note */
	enum sxs_severity sev = c->live == SXS_LIVE_DORMANT || older_servicing_stack(m, c)
	                                ? (enum sxs_severity)sxs_check_missing_payload_severity(m, c, p)
	                                : SXS_SEV_ERROR;
	struct sxs_finding *fd = sxs_findings_add_sev(out, SXS_F_PAYLOAD_MISSING, sev, c->keyform,
	                                              p->name, "%s", sxs_strbuf_str(&what));
	sxs_strbuf_release(&what);
	if (fd && p->alg != SXS_DIGEST_NONE &&
	    (set_hex(&fd->expected, p->expected, p->digest_len) ||
	     sxs_finding_set(&fd->algorithm, sxs_digest_name(p->alg))))
		out->oom = true;
	cap_unknown(m, out, fd);
	sxs_check_gate(m, out, fd);
}

static void check_payloads(const struct sxs_model *m, const struct sxs_component *c,
                           struct sxs_findings *out)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct sxs_payload *p = &c->files[i];
		struct sxs_finding *fd;
		switch (p->state) {
		case SXS_PAYLOAD_MISMATCH:
			fd = sxs_findings_add(out, SXS_F_PAYLOAD_HASH_MISMATCH, c->keyform, p->name,
			                      "hashes for file member '%s' do not match", p->name);
			if (fd && (set_hex(&fd->expected, p->expected, p->digest_len) ||
			           set_hex(&fd->actual, p->actual, p->digest_len) ||
			           sxs_finding_set(&fd->algorithm, sxs_digest_name(p->alg))))
				out->oom = true;
			break;
		case SXS_PAYLOAD_MISSING:
			check_missing_payload(m, c, p, out);
			break;
		case SXS_PAYLOAD_UNREADABLE:
			sxs_findings_add(out, SXS_F_PAYLOAD_UNREADABLE, c->keyform, p->name,
			                 "file member '%s' cannot be read: %s", p->name,
			                 p->detail ? p->detail : sxs_strerror(p->err));
			break;
		case SXS_PAYLOAD_LINK:
			sxs_findings_add(out, SXS_F_LINK_REFUSED, c->keyform, p->name,
			                 "file member '%s' is a symbolic link; not followed", p->name);
			break;
		case SXS_PAYLOAD_UNSAFE:
			sxs_findings_add(out, SXS_F_PATH_UNSAFE, c->keyform, p->name,
			                 "manifest names a file that would leave the component folder; not opened");
			break;
		case SXS_PAYLOAD_UNVERIFIABLE:
			sxs_findings_add(out, SXS_F_PAYLOAD_UNVERIFIABLE, c->keyform, p->name,
			                 "file member '%s' not verified: %s", p->name,
			                 p->detail ? p->detail : "unsupported");
			break;
		default:
			break;
		}
	}
}

static void check_manifest(const struct sxs_model *m, const struct sxs_component *c,
                           struct sxs_findings *out)
{
	struct sxs_finding *fd;
	const char *mf = c->manifest_ondisk;
	switch (c->mstate) {
	case SXS_MANIFEST_ABSENT: {
		const char *why = "";
		if (is_servicing_stack(c))
			why = " (an old servicing-stack version: Windows removes these at the next scavenge)";
		else if (c->live == SXS_LIVE_DORMANT)
			why = " (a dormant version: a cleanup candidate)";
		else if (c->live == SXS_LIVE_LIVE)
			why = c->live_why & SXS_LIVE_WHY_WINNER ? " (it is the Winners default of its family)"
			                                          : " (a deployment of an Installed package needs it)";
		enum sxs_severity sev = is_servicing_stack(c) || c->live == SXS_LIVE_DORMANT
		                                ? SXS_SEV_INFO : SXS_SEV_ERROR;
		fd = sxs_findings_add_sev(out, SXS_F_MANIFEST_MISSING, sev, c->keyform, NULL,
		                          "COMPONENTS lists the component but its manifest is missing%s", why);
		cap_unknown(m, out, fd);
		sxs_check_gate(m, out, fd);
		return;
	}
	case SXS_MANIFEST_UNREADABLE:
		fd = sxs_findings_add(out, SXS_F_MANIFEST_UNREADABLE, c->keyform, mf, "manifest unreadable: %s",
		                      c->mdetail ? c->mdetail : "unknown error");
		sxs_check_gate(m, out, fd);
		return;
	case SXS_MANIFEST_UNSUPPORTED:
		sxs_findings_add(out, SXS_F_MANIFEST_COMPRESSED_UNSUPPORTED, c->keyform, mf,
		                 "%s-compressed manifest not decoded: %s", sxs_container_name(c->container),
		                 c->mdetail ? c->mdetail : "unsupported");
		break;
	case SXS_MANIFEST_LINK:
		sxs_findings_add(out, SXS_F_LINK_REFUSED, c->keyform, mf,
		                 "manifest is a symbolic link; not followed");
		return;
	case SXS_MANIFEST_UNSAFE:
		sxs_findings_add(out, SXS_F_PATH_UNSAFE, c->keyform, mf,
		                 "manifest file name contains control characters; not opened");
		return;
	case SXS_MANIFEST_OK:
		break;
	}
	if (c->has_identity && c->computed_keyform && strcasecmp(c->computed_keyform, c->keyform)) {
		fd = sxs_findings_add(out, SXS_F_MANIFEST_NAME_MISMATCH, c->keyform, mf,
		                      "manifest declares an identity whose key form is %s",
		                      c->computed_keyform);
		if (fd && (sxs_finding_set(&fd->expected, c->keyform) ||
		           sxs_finding_set(&fd->actual, c->computed_keyform)))
			out->oom = true;
	}
	if (!m->have_components_hive)
		return;
	if (!c->in_hive) {
		/*
		 * calibration.md §7 (e): Windows deletes orphan manifests itself
		 * ("Manifests Orphaned Objects Candidates"): a warning, an error only
		 * when a live deployment or a Winners default needs the manifest.
		 */
		bool needed = c->live == SXS_LIVE_LIVE;
		fd = sxs_findings_add_sev(out, SXS_F_MANIFEST_ORPHAN, needed ? SXS_SEV_ERROR : SXS_SEV_WARNING,
		                          c->keyform, mf, "manifest has no DerivedData\\Components key in COMPONENTS%s%s",
		                          needed ? "; it is needed: " : "", needed ? live_reason(c) : "");
		sxs_check_gate(m, out, fd);
		return;
	}
	if (c->has_manifest_sha256 && c->has_s256h && memcmp(c->manifest_sha256, c->s256h, 32)) {
		fd = sxs_findings_add(out, SXS_F_MANIFEST_HASH_MISMATCH, c->keyform, mf,
		                      "manifest SHA-256 differs from S256H in COMPONENTS");
		if (fd && (set_hex(&fd->expected, c->s256h, 32) ||
		           set_hex(&fd->actual, c->manifest_sha256, 32) ||
		           sxs_finding_set(&fd->algorithm, "sha256")))
			out->oom = true;
		sxs_check_gate(m, out, fd);
	} else if (c->has_manifest_sha256 && !c->has_s256h) {
		fd = sxs_findings_add(out, SXS_F_MANIFEST_HASH_MISMATCH, c->keyform, mf,
		                      "COMPONENTS has no valid 32-byte S256H value for the manifest");
		sxs_check_gate(m, out, fd);
	}
	if (c->canonical && (!c->hive_identity || strcmp(c->canonical, c->hive_identity))) {
		fd = sxs_findings_add(out, SXS_F_IDENTITY_MISMATCH, c->keyform, NULL,
		                      c->hive_identity ? "COMPONENTS identity differs from the manifest's"
		                                       : "COMPONENTS has no identity value");
		if (fd && (sxs_finding_set(&fd->expected, c->canonical) ||
		           sxs_finding_set(&fd->actual, c->hive_identity)))
			out->oom = true;
		sxs_check_gate(m, out, fd);
	}
}

static int cmp_version_p(const void *a, const void *b)
{
	return sxs_version_compare(*(char *const *)a, *(char *const *)b);
}

static int cmp_family_ref(const void *a, const void *b)
{
	const struct sxs_family_ref *x = a, *y = b;
	return strcasecmp(x->key, y->key);
}

int sxs_family_index_build(const struct sxs_model *m, struct sxs_family_index *ret)
{
	struct sxs_family_index ix = {sxs_calloc(m->ncomps ? m->ncomps : 1, sizeof(*ix.refs)), 0};
	if (!ix.refs)
		return -SXS_ENOMEM;
	for (size_t i = 0; i < m->ncomps; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (c->winners_key && c->id.version) {
			ix.refs[ix.n].key = c->winners_key;
			ix.refs[ix.n++].version = c->id.version;
		}
	}
	if (ix.n > 1)
		qsort(ix.refs, ix.n, sizeof(*ix.refs), cmp_family_ref);
	*ret = ix;
	return 0;
}

void sxs_family_index_release(struct sxs_family_index *ix)
{
	sxs_free(ix->refs);
	ix->refs = NULL;
	ix->n = 0;
}

int sxs_family_versions(const struct sxs_family_index *ix, const char *family, char ***ret,
                        size_t *n_ret)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(ix->refs[mid].key, family) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < ix->n && !strcasecmp(ix->refs[end].key, family))
		end++;
	size_t n = end - lo;
	char **v = sxs_calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -SXS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = sxs_strdup(ix->refs[lo + i].version))) {
			sxs_strv_free(v, i);
			return -SXS_ENOMEM;
		}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_version_p);
	/* one version can be there twice (a renamed manifest and its COMPONENTS key) */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1], v[i]))
			sxs_free(v[i]);
		else
			v[k++] = v[i];
	}
	*ret = v;
	*n_ret = k;
	return 0;
}

static bool has_version(char **v, size_t n, const char *version)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], version))
			return true;
	return false;
}

static int add_versions(struct sxs_finding *fd, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sxs_finding_add_version(fd, v[i]))
			return -SXS_ENOMEM;
	return 0;
}

/* A Winners key with names that are not versions (left out of the model). */
static void report_malformed(const struct sxs_winner_family *f, struct sxs_findings *out)
{
	struct sxs_finding *fd = sxs_findings_add(out, SXS_F_WINNER_MALFORMED, NULL, NULL,
	                                          "Winners key %s: %s", f->key,
	                                          f->malformed_detail ? f->malformed_detail : "malformed");
	if (fd && sxs_finding_set(&fd->winners_key, f->key))
		out->oom = true;
}

/* What the components of one Winners family say about it. */
enum {
	FAM_SEEN = 1u << 0,
	FAM_LIVE = 1u << 1,       /* some version is live */
	FAM_RESOLVED = 1u << 2,   /* some version has files or is type win32 / win32-policy */
	FAM_UNKNOWN = 1u << 3,    /* liveness unknown */
};

static bool resolved_through_winners(const struct sxs_component *c)
{
	const char *t = c->id.type;
	return c->nfiles > 0 || (t && (!strcasecmp(t, "win32") || !strcasecmp(t, "win32-policy")));
}

/*
 * One family with versions in the store (by the model's components).
 * calibration.md §7 (c): no Winners key is info (staged-only, superseded
 * and disabled-feature families have none: the demo's HyperV-ComputeLib
 * shape), a warning only when a version is live and resolved through
 * Winners; never an error.  §7 (d): a band default that is not installed
 * is a warning, info when WinSxS\Fusion\<key>\<band>\<version> holds it
 * (Windows 11 MSI assemblies: VC57, VC84, FUS).
 */
static void check_family(const struct sxs_model *m, const struct sxs_family_index *ix,
                         const char *key, const char *sample_name, unsigned fam,
                         struct sxs_findings *out)
{
	char **v = NULL;
	size_t n = 0;
	struct sxs_finding *fd = NULL;
	if (sxs_family_versions(ix, key, &v, &n)) {
		out->oom = true;
		return;
	}
	const struct sxs_winner_family *f = sxs_model_family(m, key);
	const struct sxs_winner_band *band = NULL;
	if (f && f->band)
		for (size_t i = 0; i < f->nbands; i++)
			if (!strcmp(f->bands[i].band, f->band))
				band = &f->bands[i];
	if (!f || !f->band || !band || !band->winner) {
		const char *why = !f ? "no Winners key" : !f->band ? "no winning band"
		                  : !band ? "winning band subkey missing" : "no winning version in band";
		enum sxs_severity sev;
		const char *ctx;
		if (fam & FAM_UNKNOWN) {
			sev = SXS_SEV_WARNING;
			ctx = m->have_deployment_data ? "; liveness unknown: no package states could be read"
			                              : "; liveness unknown: the image has no deployment data";
		} else if ((fam & FAM_LIVE) && (fam & FAM_RESOLVED)) {
			sev = SXS_SEV_WARNING;
			ctx = "; a version of it is live";
		} else if (fam & FAM_LIVE) {
			sev = SXS_SEV_INFO;
			ctx = "; a version of it is live, but it has no files and is not a win32 assembly "
			      "(nothing is resolved through Winners)";
		} else {
			sev = SXS_SEV_INFO;
			ctx = "; no version of it is live (staged, superseded or a disabled feature)";
		}
		/* CBS.log's wording: the component, then the number of *other* versions */
		fd = sxs_findings_add_sev(out, SXS_F_WINNER_MISSING, sev, NULL, NULL,
		                          "component %s %s does not have a winner but has %zu other component version(s) (%s%s)",
		                          sample_name, n ? v[n - 1] : "", n ? n - 1 : 0, why, ctx);
	} else if (!has_version(v, n, band->winner)) {
		bool fusion = sxs_model_has_fusion(m, key, band->band, band->winner);
		fd = sxs_findings_add_sev(out, SXS_F_WINNER_NOT_INSTALLED,
		                          fusion ? SXS_SEV_INFO : SXS_SEV_WARNING, NULL, NULL,
		                          "winner %s of %s is not installed (the store has %zu version(s) of this family)%s",
		                          band->winner, sample_name, n,
		                          fusion ? "; it is in WinSxS\\Fusion (an MSI-installed Win32 assembly)" : "");
		if (fd && sxs_finding_set(&fd->expected, band->winner))
			out->oom = true;
	}
	if (fd && (sxs_finding_set(&fd->winners_key, key) || add_versions(fd, v, n)))
		out->oom = true;
	sxs_check_gate(m, out, fd);
	if (f && f->malformed)
		report_malformed(f, out);
	sxs_strv_free(v, n);
}

static void check_winners(const struct sxs_model *m, struct sxs_findings *out)
{
	struct sxs_map fams;
	struct sxs_family_index ix;
	if (sxs_family_index_build(m, &ix)) {
		out->oom = true;
		return;
	}
	/* family key -> FAM_* flags (kept in the pointer: no allocation per family) */
	sxs_map_init(&fams, true);
	for (size_t i = 0; i < m->ncomps && !out->oom; i++) {
		const struct sxs_component *c = &m->comps[i];
		/* deployments carry no payload and are not resolved through Winners */
		if (!c->winners_key || c->is_deployment)
			continue;
		size_t kl = strlen(c->winners_key);
		unsigned fam = (unsigned)(uintptr_t)sxs_map_get(&fams, c->winners_key, kl);
		fam |= FAM_SEEN;
		if (c->live == SXS_LIVE_LIVE)
			fam |= FAM_LIVE;
		else if (c->live == SXS_LIVE_UNKNOWN)
			fam |= FAM_UNKNOWN;
		if (resolved_through_winners(c))
			fam |= FAM_RESOLVED;
		if (sxs_map_put(&fams, c->winners_key, kl, (void *)(uintptr_t)fam))
			out->oom = true;
	}
	struct sxs_map seen;
	sxs_map_init(&seen, true);
	for (size_t i = 0; i < m->ncomps && !out->oom; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (!c->winners_key || c->is_deployment || sxs_map_has(&seen, c->winners_key, strlen(c->winners_key)))
			continue;
		if (sxs_map_put(&seen, c->winners_key, strlen(c->winners_key), (void *)c)) {
			out->oom = true;
			break;
		}
		const char *name = c->id.name ? c->id.name : c->keyform;
		unsigned fam = (unsigned)(uintptr_t)sxs_map_get(&fams, c->winners_key, strlen(c->winners_key));
		check_family(m, &ix, c->winners_key, name, fam, out);
	}
	/* Winners keys for families with no version in the store */
	for (size_t i = 0; i < m->nfamilies && !out->oom; i++) {
		const struct sxs_winner_family *f = &m->families[i];
		if (sxs_map_has(&seen, f->key, strlen(f->key)))
			continue;
		if (f->malformed)
			report_malformed(f, out);
		if (!f->band)
			continue;
		const char *winner = NULL;
		for (size_t j = 0; j < f->nbands; j++)
			if (!strcmp(f->bands[j].band, f->band))
				winner = f->bands[j].winner;
		if (!winner)
			continue;
		bool fusion = sxs_model_has_fusion(m, f->key, f->band, winner);
		struct sxs_finding *fd = sxs_findings_add_sev(
			out, SXS_F_WINNER_NOT_INSTALLED, fusion ? SXS_SEV_INFO : SXS_SEV_WARNING, NULL, NULL,
			"winner %s of Winners key %s is not installed; the store has no version of this family%s",
			winner, f->key,
			fusion ? "; it is in WinSxS\\Fusion (an MSI-installed Win32 assembly)" : "");
		if (fd && (sxs_finding_set(&fd->winners_key, f->key) ||
		           sxs_finding_set(&fd->expected, winner)))
			out->oom = true;
	}
	sxs_map_release(&seen);
	sxs_map_release(&fams);
	sxs_family_index_release(&ix);
}

static void check_state(const struct sxs_model *m, struct sxs_findings *out)
{
	/*
	 * packages.md §6.2 item 12: pending.xml and PendingXmlIdentifier exist
	 * legitimately between an update and its reboot ("report as pending, not
	 * corrupt"), as CBS RebootPending does (servicing-reboot-pending, a
	 * note): the registry default of pending-operations is info.  The gate
	 * (sxs_check_gate) turns store and package errors into warnings "may be
	 * transient"; a mismatched transaction is pending-transaction-mismatch.
	 */
	if (m->pending_xml)
		sxs_findings_add(out, SXS_F_PENDING_OPERATIONS, NULL, "WinSxS/pending.xml",
		                 "a servicing transaction is pending (pending.xml); results may be transient");
	if (m->pending_hive)
		sxs_findings_add(out, SXS_F_PENDING_OPERATIONS, NULL, "COMPONENTS",
		                 "COMPONENTS has PendingXmlIdentifier; results may be transient");
	sxs_check_volume(m, out); /* hibernation, wrong targets (check/volume.c) */
	sxs_check_hives(m, out); /* replayed or dirty hives (check/hives.c) */
	if (!m->have_components_hive && m->components_problem && !m->components_unreadable)
		sxs_findings_add(out, SXS_F_CHECK_SKIPPED, NULL, "System32/config/COMPONENTS",
		                 "COMPONENTS checks skipped (%s)", m->components_problem);
	if (!m->have_software_hive && m->software_problem && !m->software_unreadable)
		sxs_findings_add(out, SXS_F_CHECK_SKIPPED, NULL, "System32/config/SOFTWARE",
		                 "Winners checks skipped (%s)", m->software_problem);
	if (!m->payloads_checked)
		sxs_findings_add(out, SXS_F_CHECK_SKIPPED, NULL, NULL,
		                 "payload checks skipped (--no-payload)");
}

/*
 * DCM manifests decoded with a base that is not the known one: trust it
 * when every such manifest matched its S256H, otherwise warn.
 */
static bool base_manifest_doubtful(const struct sxs_model *m)
{
	bool any = false;
	if (m->base_manifest_known || !m->base_manifest_source)
		return false;
	for (size_t i = 0; i < m->ncomps; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (c->container != SXS_CONTAINER_DCM)
			continue;
		any = true;
		if (c->mstate != SXS_MANIFEST_OK || !c->has_s256h || !c->has_manifest_sha256 ||
		    memcmp(c->s256h, c->manifest_sha256, 32))
			return true;
	}
	return any && !m->have_components_hive;
}

int sxs_check_model(const struct sxs_model *m, struct sxs_findings *out)
{
	check_state(m, out);
	/* unreadable hive (exists but not a hive) */
	if (m->components_unreadable)
		sxs_findings_add(out, SXS_F_HIVE_UNREADABLE, NULL, "System32/config/COMPONENTS", "%s",
		                 m->components_problem);
	if (m->software_unreadable)
		sxs_findings_add(out, SXS_F_HIVE_UNREADABLE, NULL, "System32/config/SOFTWARE", "%s",
		                 m->software_problem);
	if (base_manifest_doubtful(m))
		sxs_findings_add(out, SXS_F_BASE_MANIFEST_UNKNOWN, NULL, NULL,
		                 "DCM base manifest from %s is not the known one (sha256 0ad8f100...6b46) and not every manifest decoded with it matches COMPONENTS",
		                 m->base_manifest_source);
	for (size_t i = 0; i < m->ncomps && !out->oom; i++) {
		check_manifest(m, &m->comps[i], out);
		check_payloads(m, &m->comps[i], out);
	}
	sxs_check_deltas(m, out); /* issue 14 */
	if (m->have_software_hive)
		check_winners(m, out);
	if (!out->oom)
		sxs_check_deployments(m, out);
	if (!out->oom)
		sxs_check_packages(m, out); /* the package (CBS) layer; oom is sticky in out */
	if (!out->oom && sxs_check_tentative(m, out))
		out->oom = true;
	sxs_findings_sort(out);
	return sxs_findings_error(out);
}
