/* SPDX-License-Identifier: MIT */
#include "check/compare.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/scan.h"
#include "manifest/identity.h"
#include "store/packages.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/map.h"
#include "util/strbuf.h"
#include "util/version.h"

static const char *const diff_names[SXS_DIFF_COUNT] = {
	[SXS_DIFF_BUILD] = "build-differs",
	[SXS_DIFF_WINNER] = "winner-differs",
	[SXS_DIFF_WINNERS_KEY_MISSING] = "winners-key-missing",
	[SXS_DIFF_WINNERS_VERSION] = "winners-version-missing",
	[SXS_DIFF_VERSION_MISSING] = "version-missing",
	[SXS_DIFF_VERSION_EXTRA] = "version-extra",
	[SXS_DIFF_MANIFEST] = "manifest-differs",
	[SXS_DIFF_REGISTRY] = "registry-differs",
	[SXS_DIFF_PAYLOAD] = "payload-differs",
	[SXS_DIFF_PAYLOAD_MISSING] = "payload-missing",
	[SXS_DIFF_GOLDEN_UNHEALTHY] = "golden-unhealthy",
	[SXS_DIFF_BUILD_UNKNOWN] = "build-unknown",
	[SXS_DIFF_PACKAGE] = "package-differs",
};

static const char *const action_names[SXS_ACT_COUNT] = {
	[SXS_ACT_RESTORE_MANIFEST] = "restore-manifest",
	[SXS_ACT_REPLACE_FOLDER] = "replace-folder",
	[SXS_ACT_CREATE_WINNERS_KEY] = "create-winners-key",
	[SXS_ACT_SET_WINNER] = "set-winner",
	[SXS_ACT_ADD_WINNERS_VERSION] = "add-winners-version",
	[SXS_ACT_RESTORE_PACKAGE] = "restore-package",
};

const char *sxs_diff_kind_name(enum sxs_diff_kind k)
{
	return (unsigned)k < SXS_DIFF_COUNT ? diff_names[k] : "?";
}

const char *sxs_action_kind_name(enum sxs_action_kind k)
{
	return (unsigned)k < SXS_ACT_COUNT ? action_names[k] : "?";
}

void sxs_comparison_init(struct sxs_comparison *c)
{
	memset(c, 0, sizeof(*c));
}

static void action_release(struct sxs_action *a)
{
	sxs_free(a->component);
	sxs_free(a->winners_key);
	sxs_free(a->reason);
	for (size_t i = 0; i < a->nfiles; i++) {
		sxs_free(a->files[i].name);
		sxs_free(a->files[i].lcu);
	}
	sxs_free(a->files);
	sxs_free(a->versions);
	sxs_free(a->keep_versions);
	sxs_free(a->package);
}

void sxs_comparison_release(struct sxs_comparison *c)
{
	for (size_t i = 0; i < c->ndiffs; i++) {
		struct sxs_diff *d = &c->diffs[i];
		sxs_free(d->component);
		sxs_free(d->file);
		sxs_free(d->winners_key);
		sxs_free(d->message);
		sxs_free(d->here);
		sxs_free(d->golden);
	}
	sxs_free(c->diffs);
	for (size_t i = 0; i < c->nactions; i++)
		action_release(&c->actions[i]);
	sxs_free(c->actions);
	for (size_t i = 0; i < c->nunfixable; i++) {
		struct sxs_unfixable *u = &c->unfixable[i];
		sxs_free(u->component);
		sxs_free(u->winners_key);
		sxs_free(u->package);
		sxs_free(u->needed);
		sxs_free(u->reason);
	}
	sxs_free(c->unfixable);
	sxs_free(c->image);
	sxs_free(c->image_build);
	sxs_free(c->image_product);
	sxs_free(c->golden);
	sxs_free(c->golden_label);
	sxs_free(c->golden_build);
	sxs_free(c->golden_product);
	sxs_comparison_init(c);
}

size_t sxs_comparison_count(const struct sxs_comparison *c, enum sxs_severity min)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ndiffs; i++)
		if (c->diffs[i].severity >= min)
			n++;
	return n;
}

/* ---- building the result ------------------------------------------------ */

/*
 * State of one compare run.  Allocation failures are sticky in `oom` (as in
 * strbuf and findings), so the comparison code reads straight through and
 * the result is checked once at the end.
 */
struct cmp {
	const struct sxs_model *h, *g;
	struct sxs_comparison *out;
	size_t cap_diffs, cap_actions, cap_unfixable;
	/* key form -> COMP_* (how the component here stands once the plan ran) */
	struct sxs_map status;
	struct sxs_family_index ih, ig; /* versions per family, here and golden */
	bool oom;
};

enum { COMP_HEALTHY = 1, COMP_REPAIRED, COMP_BROKEN };

static char *dup_or_oom(struct cmp *cx, const char *s)
{
	if (!s)
		return NULL;
	char *d = sxs_strdup(s);
	if (!d)
		cx->oom = true;
	return d;
}

static bool grow(struct cmp *cx, void **v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = sxs_reallocarray(*v, ncap, size);
	if (!nv) {
		cx->oom = true;
		return false;
	}
	*v = nv;
	*cap = ncap;
	return true;
}

static enum sxs_severity diff_severity(enum sxs_diff_kind k)
{
	switch (k) {
	case SXS_DIFF_VERSION_MISSING:
	case SXS_DIFF_VERSION_EXTRA:
	case SXS_DIFF_BUILD_UNKNOWN:
		return SXS_SEV_INFO;
	case SXS_DIFF_BUILD:
	case SXS_DIFF_WINNERS_VERSION:
	case SXS_DIFF_GOLDEN_UNHEALTHY:
		return SXS_SEV_WARNING;
	default:
		return SXS_SEV_ERROR;
	}
}

static struct sxs_diff *add_diff(struct cmp *cx, enum sxs_diff_kind kind, const char *component,
                                 const char *file, const char *winners_key, const char *here,
                                 const char *golden, const char *fmt, ...) SXS_PRINTF(8, 9);
static struct sxs_diff *add_diff(struct cmp *cx, enum sxs_diff_kind kind, const char *component,
                                 const char *file, const char *winners_key, const char *here,
                                 const char *golden, const char *fmt, ...)
{
	struct sxs_comparison *o = cx->out;
	if (cx->oom || !grow(cx, (void **)&o->diffs, o->ndiffs, &cx->cap_diffs, sizeof(*o->diffs)))
		return NULL;
	struct sxs_diff *d = &o->diffs[o->ndiffs++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->severity = diff_severity(kind);
	d->component = dup_or_oom(cx, component);
	d->file = dup_or_oom(cx, file);
	d->winners_key = dup_or_oom(cx, winners_key);
	d->here = dup_or_oom(cx, here);
	d->golden = dup_or_oom(cx, golden);
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sxs_strbuf_vaddf(&sb, fmt, ap); /* whole message: key forms and paths can be long */
	va_end(ap);
	if (!(d->message = sxs_strbuf_detach(&sb, NULL)))
		cx->oom = true;
	return d;
}

static void add_unfixable(struct cmp *cx, const char *component, const char *winners_key,
                          const char *needed, const char *fmt, ...) SXS_PRINTF(5, 6);
static void add_unfixable(struct cmp *cx, const char *component, const char *winners_key,
                          const char *needed, const char *fmt, ...)
{
	struct sxs_comparison *o = cx->out;
	if (cx->oom ||
	    !grow(cx, (void **)&o->unfixable, o->nunfixable, &cx->cap_unfixable, sizeof(*o->unfixable)))
		return;
	struct sxs_unfixable *u = &o->unfixable[o->nunfixable++];
	memset(u, 0, sizeof(*u));
	u->component = dup_or_oom(cx, component);
	u->winners_key = dup_or_oom(cx, winners_key);
	u->needed = dup_or_oom(cx, needed);
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sxs_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (!(u->reason = sxs_strbuf_detach(&sb, NULL)))
		cx->oom = true;
}

static struct sxs_action *add_action(struct cmp *cx, enum sxs_action_kind kind,
                                     const char *component, const char *winners_key)
{
	struct sxs_comparison *o = cx->out;
	if (cx->oom || !grow(cx, (void **)&o->actions, o->nactions, &cx->cap_actions, sizeof(*o->actions)))
		return NULL;
	struct sxs_action *a = &o->actions[o->nactions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->component = dup_or_oom(cx, component);
	a->winners_key = dup_or_oom(cx, winners_key);
	return a;
}

static void set_reason(struct cmp *cx, struct sxs_action *a, const char *fmt, ...) SXS_PRINTF(3, 4);
static void set_reason(struct cmp *cx, struct sxs_action *a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	if (!a)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	a->reason = dup_or_oom(cx, buf);
}

static void strv_push(struct cmp *cx, char ***v, size_t *n, const char *s)
{
	if (cx->oom)
		return;
	char **nv = sxs_reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv) {
		cx->oom = true;
		return;
	}
	*v = nv;
	if (!(nv[*n] = sxs_strdup(s))) {
		cx->oom = true;
		return;
	}
	(*n)++;
}

static void set_status(struct cmp *cx, const char *keyform, int status)
{
	if (sxs_map_put(&cx->status, keyform, strlen(keyform), (void *)(uintptr_t)status))
		cx->oom = true;
}

static int get_status(const struct cmp *cx, const char *keyform)
{
	return (int)(uintptr_t)sxs_map_get(&cx->status, keyform, strlen(keyform));
}

static void hex_of(const uint8_t *d, size_t len, char out[2 * SXS_DIGEST_MAX + 1])
{
	if (len > SXS_DIGEST_MAX)
		len = SXS_DIGEST_MAX;
	sxs_hex_encode(d, len, out);
}

/* ---- health of one side ----------------------------------------------- */

static const struct sxs_delta_file *find_delta(const struct sxs_component *c, const char *path)
{
	for (size_t i = 0; i < c->ndeltas; i++)
		if (!strcasecmp(c->deltas[i].path, path))
			return &c->deltas[i];
	return NULL;
}

/* A differential path "r\\name": one of f, r, n, a separator, then a safe name. */
static bool delta_path_ok(const char *path)
{
	return (path[0] == 'f' || path[0] == 'r' || path[0] == 'n') &&
	       (path[1] == '\\' || path[1] == '/') &&
	       sxs_name_is_safe(path + 2, strlen(path + 2));
}

/* How a damaged differential is damaged, for the plan's reasons (issue 14). */
static const char *delta_damage(const struct sxs_delta_file *d)
{
	if (d->err)
		return "is corrupt here (differential fails its CRC-32 or header)";
	if (d->verdict == SXS_DV_OTHER_VERSION)
		return "belongs to another version of the file here";
	if (d->kind == 'r')
		return "does not rebuild the RTM base here (updates fail with 0x800f0985)";
	return "does not give back the file here";
}

/* A payload state that proves the file matches its manifest (or has no digest). */
static bool payload_good(enum sxs_payload_state s)
{
	return s == SXS_PAYLOAD_OK || s == SXS_PAYLOAD_NODIGEST || s == SXS_PAYLOAD_SYSTEMDATA;
}

/* A payload state that says the copy here is damaged (and a copy would fix it). */
static bool payload_damaged(enum sxs_payload_state s)
{
	return s == SXS_PAYLOAD_MISMATCH || s == SXS_PAYLOAD_MISSING ||
	       s == SXS_PAYLOAD_UNREADABLE || s == SXS_PAYLOAD_LINK;
}

/*
 * The golden manifest is a trustworthy source: it was read and, when the
 * golden side has a COMPONENTS hive, it matches its own S256H.
 */
static bool manifest_trusted(const struct sxs_model *m, const struct sxs_component *c,
                             const char **why)
{
	if (c->mstate != SXS_MANIFEST_OK || !c->has_manifest_sha256) {
		*why = "its manifest could not be read there";
		return false;
	}
	if (m->have_components_hive &&
	    (!c->in_hive || !c->has_s256h || memcmp(c->s256h, c->manifest_sha256, 32))) {
		*why = "its manifest does not match its own COMPONENTS S256H";
		return false;
	}
	return true;
}

/* Every payload of the golden component verified against its manifest. */
static bool payloads_trusted(const struct sxs_model *m, const struct sxs_component *c,
                             const char **why, const char **file)
{
	*file = NULL;
	if (!m->payloads_checked) {
		*why = "its payloads were not hashed (--no-payload)";
		return false;
	}
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct sxs_payload *p = &c->files[i];
		if (!payload_good(p->state)) {
			*file = p->name;
			*why = p->state == SXS_PAYLOAD_MISMATCH ? "its copy of the file does not match its manifest"
			                                        : "its copy of the file is not usable";
			return false;
		}
		if (!sxs_name_is_safe(p->name, strlen(p->name))) {
			*file = p->name;
			*why = "the file name is not safe to copy";
			return false;
		}
	}
	for (size_t i = 0; i < c->ndeltas; i++) {
		const struct sxs_delta_file *d = &c->deltas[i];
		if (sxs_delta_damaged(d) || !delta_path_ok(d->path)) {
			*file = d->path;
			*why = sxs_delta_damaged(d) ? "its differential is corrupt" : "the differential's name is not safe to copy";
			return false;
		}
	}
	return true;
}

static const struct sxs_payload *find_payload(const struct sxs_component *c, const char *name)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcasecmp(c->files[i].name, name))
			return &c->files[i];
	return NULL;
}

static bool manifest_state_bad(enum sxs_manifest_state s)
{
	return s == SXS_MANIFEST_ABSENT || s == SXS_MANIFEST_UNREADABLE || s == SXS_MANIFEST_LINK;
}

/* ---- components ----------------------------------------------------------- */

/* Returns true when the manifest here is (or will be made) identical to golden's. */
static bool compare_manifest(struct cmp *cx, const struct sxs_component *h,
                             const struct sxs_component *g)
{
	char hh[65], gh[65];
	const char *why = NULL;
	bool differs = false;
	const char *kf = h->keyform;

	if (h->mstate == SXS_MANIFEST_UNSUPPORTED || g->mstate == SXS_MANIFEST_UNSUPPORTED)
		return true; /* not decoded on one side: nothing to compare (scan reports it) */
	if (h->mstate == SXS_MANIFEST_UNSAFE) {
		add_unfixable(cx, kf, NULL, kf, "the manifest file name here is unsafe; remove it by hand");
		return false;
	}
	hh[0] = gh[0] = '\0';
	if (h->has_manifest_sha256)
		hex_of(h->manifest_sha256, 32, hh);
	if (g->has_manifest_sha256)
		hex_of(g->manifest_sha256, 32, gh);
	if (h->mstate == SXS_MANIFEST_ABSENT) {
		/* an old servicing stack's or a dormant version's key without manifest is normal */
		int sev = sxs_check_missing_manifest_severity(cx->h, h);
		if (sev == SXS_SEV_INFO || (g->mstate == SXS_MANIFEST_ABSENT && sev < SXS_SEV_ERROR))
			return true;
	}
	if (manifest_state_bad(h->mstate)) {
		differs = true;
		add_diff(cx, SXS_DIFF_MANIFEST, kf, NULL, NULL, NULL, gh[0] ? gh : NULL,
		         h->mstate == SXS_MANIFEST_ABSENT ? "manifest is missing here"
		         : h->mstate == SXS_MANIFEST_LINK ? "manifest is a symbolic link here"
		                                          : "manifest is unreadable here");
	} else if (h->has_manifest_sha256 && g->has_manifest_sha256 &&
	           memcmp(h->manifest_sha256, g->manifest_sha256, 32)) {
		differs = true;
		add_diff(cx, SXS_DIFF_MANIFEST, kf, NULL, NULL, hh, gh,
		         "manifest differs from the golden one");
	}
	/* COMPONENTS: the key and its S256H must agree with the golden side */
	bool registry_ok = true;
	if (cx->h->have_components_hive && cx->g->have_components_hive) {
		char hs[65] = "", gs[65] = "";
		if (h->has_s256h)
			hex_of(h->s256h, 32, hs);
		if (g->has_s256h)
			hex_of(g->s256h, 32, gs);
		if (!h->in_hive && g->in_hive) {
			registry_ok = false;
			add_diff(cx, SXS_DIFF_REGISTRY, kf, NULL, NULL, NULL, NULL,
			         "COMPONENTS has no DerivedData\\Components key for it here");
		} else if (h->in_hive && g->in_hive && strcmp(hs, gs)) {
			registry_ok = false;
			add_diff(cx, SXS_DIFF_REGISTRY, kf, NULL, NULL, hs[0] ? hs : NULL, gs[0] ? gs : NULL,
			         "COMPONENTS S256H differs from the golden one");
		}
		if (!registry_ok)
			add_unfixable(cx, kf, NULL, kf,
			              "the COMPONENTS hive entry differs from the golden one; sxscheck does not edit COMPONENTS (repair it with DISM or from a backup)");
	}
	if (!differs)
		return registry_ok;
	if (!manifest_trusted(cx->g, g, &why)) {
		add_diff(cx, SXS_DIFF_GOLDEN_UNHEALTHY, kf, NULL, NULL, NULL, NULL,
		         "golden side cannot serve the manifest: %s", why);
		add_unfixable(cx, kf, NULL, kf, "no healthy source for the manifest: on the golden side %s", why);
		return false;
	}
	if (!registry_ok)
		return false;
	if (cx->h->have_components_hive && h->has_s256h && memcmp(h->s256h, g->manifest_sha256, 32)) {
		add_unfixable(cx, kf, NULL, kf,
		              "the golden manifest does not match the S256H recorded here; copying it would not help");
		return false;
	}
	struct sxs_action *a = add_action(cx, SXS_ACT_RESTORE_MANIFEST, kf, NULL);
	if (a) {
		memcpy(a->manifest_sha256, g->manifest_sha256, 32);
		a->manifest_exists = h->mstate != SXS_MANIFEST_ABSENT;
		set_reason(cx, a, h->mstate == SXS_MANIFEST_ABSENT
		                          ? "the manifest is missing here; the golden copy matches its COMPONENTS S256H"
		                          : "the manifest here is damaged or differs; the golden copy is verified");
	}
	return true;
}

static void compare_payloads(struct cmp *cx, const struct sxs_component *h,
                             const struct sxs_component *g, bool manifest_fixable, bool *broken)
{
	char hh[65], gh[65];
	size_t ndiff = 0;
	const char *first = NULL, *first_what = NULL;
	const char *kf = h->keyform;

	if (!cx->h->payloads_checked || !cx->g->payloads_checked)
		return;
	/* every golden payload against the copy here */
	for (size_t i = 0; i < g->nfiles; i++) {
		const struct sxs_payload *gp = &g->files[i];
		const struct sxs_payload *hp = find_payload(h, gp->name);
		if (gp->state == SXS_PAYLOAD_SYSTEMDATA)
			continue;
		gh[0] = '\0';
		if (payload_good(gp->state))
			hex_of(gp->actual, gp->digest_len, gh);
		const char *what;
		if (!hp || hp->state == SXS_PAYLOAD_MISSING) {
			/*
			 * As scan judges it (calibration.md §6.4): no difference when the
			 * absence is normal here (a deployment, a dormant version kept as
			 * differentials or with CF), nor when the golden side lacks it as
			 * well and it is not a live component's
			 */
			int sev = hp ? sxs_check_missing_payload_severity(cx->h, h, hp) : SXS_SEV_ERROR;
			if (sev < 0 || sev == SXS_SEV_INFO ||
			    (gp->state == SXS_PAYLOAD_MISSING && sev < SXS_SEV_ERROR))
				continue;
			what = "is missing here";
			struct sxs_diff *d = add_diff(cx, SXS_DIFF_PAYLOAD_MISSING, kf, gp->name, NULL, NULL,
			                              gh[0] ? gh : NULL, "file member '%s' is missing here",
			                              gp->name);
			if (d)
				d->severity = (enum sxs_severity)sev;
		} else if (payload_damaged(hp->state)) {
			what = hp->state == SXS_PAYLOAD_MISMATCH ? "is corrupt here (its hash does not match the manifest)"
			                                         : "cannot be read here";
			hh[0] = '\0';
			if (hp->state == SXS_PAYLOAD_MISMATCH)
				hex_of(hp->actual, hp->digest_len, hh);
			add_diff(cx, SXS_DIFF_PAYLOAD, kf, gp->name, NULL, hh[0] ? hh : NULL, gh[0] ? gh : NULL,
			         hp->state == SXS_PAYLOAD_MISMATCH
			                 ? "file member '%s' differs (hash mismatch against the manifest)"
			                 : "file member '%s' cannot be used here (unreadable or a link)",
			         gp->name);
		} else if (payload_good(hp->state) && payload_good(gp->state) && hp->alg == gp->alg &&
		           hp->digest_len == gp->digest_len &&
		           memcmp(hp->actual, gp->actual, hp->digest_len)) {
			what = "differs from the golden copy";
			hex_of(hp->actual, hp->digest_len, hh);
			add_diff(cx, SXS_DIFF_PAYLOAD, kf, gp->name, NULL, hh, gh,
			         "file member '%s' differs from the golden copy", gp->name);
		} else {
			continue;
		}
		if (!first) {
			first = gp->name;
			first_what = what;
		}
		ndiff++;
	}
	/* PSFX differentials (f/, r/, n/): CRC-checked on both sides */
	for (size_t i = 0; i < h->ndeltas; i++) {
		const struct sxs_delta_file *hd = &h->deltas[i];
		const struct sxs_delta_file *gd = find_delta(g, hd->path);
		if (!sxs_delta_damaged(hd))
			continue;
		const char *what = delta_damage(hd);
		add_diff(cx, SXS_DIFF_PAYLOAD, kf, hd->path, NULL, NULL, NULL,
		         "differential '%s' %s%s", hd->path, what,
		         gd ? "" : " and the golden side has no such file");
		if (!gd)
			add_unfixable(cx, kf, NULL, kf,
			              "differential '%s' %s and the golden side has no copy of it",
			              hd->path, what);
		if (!first) {
			first = hd->path;
			first_what = what;
		}
		ndiff++;
	}
	for (size_t i = 0; i < g->ndeltas; i++) {
		const struct sxs_delta_file *gd = &g->deltas[i];
		if (sxs_delta_damaged(gd) || find_delta(h, gd->path))
			continue;
		add_diff(cx, SXS_DIFF_PAYLOAD_MISSING, kf, gd->path, NULL, NULL, NULL,
		         "differential '%s' is missing here", gd->path);
		if (!first) {
			first = gd->path;
			first_what = "is missing here";
		}
		ndiff++;
	}
	/* files the golden manifest does not list but which are damaged here */
	for (size_t i = 0; i < h->nfiles; i++) {
		const struct sxs_payload *hp = &h->files[i];
		if (hp->state == SXS_PAYLOAD_UNSAFE) {
			add_unfixable(cx, kf, NULL, kf,
			              "the manifest here names a file that would leave the folder; restore the manifest first");
			*broken = true;
		} else if (payload_damaged(hp->state) && !find_payload(g, hp->name)) {
			add_diff(cx, SXS_DIFF_PAYLOAD, kf, hp->name, NULL, NULL, NULL,
			         "file member '%s' is damaged here and the golden manifest does not list it",
			         hp->name);
			if (!first) {
				first = hp->name;
				first_what = "is damaged here";
			}
			ndiff++;
		}
	}
	if (!ndiff)
		return;
	const char *why, *file;
	if (!payloads_trusted(cx->g, g, &why, &file) || !manifest_trusted(cx->g, g, &why)) {
		add_diff(cx, SXS_DIFF_GOLDEN_UNHEALTHY, kf, file, NULL, NULL, NULL,
		         "golden side cannot serve the folder: %s", why);
		if (file)
			add_unfixable(cx, kf, NULL, kf, "no healthy source for the folder: on the golden side, '%s': %s",
			              file, why);
		else
			add_unfixable(cx, kf, NULL, kf, "no healthy source for the folder: on the golden side %s", why);
		*broken = true;
		return;
	}
	if (!manifest_fixable) {
		*broken = true;
		return; /* its manifest cannot be made to match: copying payloads would not help */
	}
	struct sxs_action *a = add_action(cx, SXS_ACT_REPLACE_FOLDER, kf, NULL);
	if (!a)
		return;
	a->folder_exists = h->folder != NULL;
	a->files = sxs_calloc(g->nfiles + g->ndeltas + 1, sizeof(*a->files));
	if (!a->files) {
		cx->oom = true;
		return;
	}
	for (size_t i = 0; i < g->nfiles; i++) {
		const struct sxs_payload *gp = &g->files[i];
		struct sxs_plan_file *pf = &a->files[a->nfiles++];
		pf->name = dup_or_oom(cx, gp->name);
		pf->alg = gp->alg == SXS_DIGEST_NONE ? SXS_DIGEST_SHA256 : gp->alg;
		pf->size = gp->size;
		pf->keep = gp->state == SXS_PAYLOAD_SYSTEMDATA;
		if (!pf->keep)
			hex_of(gp->actual, gp->digest_len, pf->hex);
		const struct sxs_payload *hp = find_payload(h, gp->name);
		pf->differs = !pf->keep && (!hp || payload_damaged(hp->state) ||
		                            (payload_good(hp->state) && hp->digest_len == gp->digest_len &&
		                             memcmp(hp->actual, gp->actual, gp->digest_len)));
	}
	for (size_t i = 0; i < g->ndeltas; i++) {
		const struct sxs_delta_file *gd = &g->deltas[i];
		const struct sxs_delta_file *hd = find_delta(h, gd->path);
		struct sxs_plan_file *pf = &a->files[a->nfiles++];
		pf->name = dup_or_oom(cx, gd->path);
		pf->lcu = dup_or_oom(cx, gd->lcu);
		pf->delta = true;
		pf->differs = !hd || sxs_delta_damaged(hd);
	}
	if (ndiff == 1)
		set_reason(cx, a, "'%s' %s; the golden copy is verified against the golden manifest",
		           first, first_what);
	else
		set_reason(cx, a, "%zu files differ; first '%s' %s; the golden copies are verified against the golden manifest",
		           ndiff, first, first_what);
}

static bool comp_damaged(const struct sxs_model *m, const struct sxs_component *c)
{
	if (manifest_state_bad(c->mstate) || c->mstate == SXS_MANIFEST_UNSAFE)
		return true;
	if (m->have_components_hive && c->has_manifest_sha256 && c->has_s256h &&
	    memcmp(c->manifest_sha256, c->s256h, 32))
		return true;
	for (size_t i = 0; i < c->nfiles; i++)
		if (payload_damaged(c->files[i].state) || c->files[i].state == SXS_PAYLOAD_UNSAFE)
			return true;
	for (size_t i = 0; i < c->ndeltas; i++)
		if (sxs_delta_damaged(&c->deltas[i]))
			return true;
	return false;
}

static void compare_component(struct cmp *cx, const struct sxs_component *h,
                              const struct sxs_component *g)
{
	size_t before = cx->out->nactions, unfix = cx->out->nunfixable;
	bool broken = false;
	bool manifest_ok = compare_manifest(cx, h, g);
	compare_payloads(cx, h, g, manifest_ok, &broken);
	if (!manifest_ok)
		broken = true;
	int status = broken || cx->out->nunfixable != unfix ? COMP_BROKEN
	             : cx->out->nactions != before           ? COMP_REPAIRED
	             : comp_damaged(cx->h, h)                 ? COMP_BROKEN
	                                                      : COMP_HEALTHY;
	set_status(cx, h->keyform, status);
}

static void only_here(struct cmp *cx, const struct sxs_component *h)
{
	bool damaged = comp_damaged(cx->h, h);
	set_status(cx, h->keyform, damaged ? COMP_BROKEN : COMP_HEALTHY);
	if (damaged)
		add_unfixable(cx, h->keyform, NULL, h->keyform,
		              "damaged here and the golden side does not have this component version");
}

/* ---- Winners -------------------------------------------------------------- */

static const struct sxs_winner_band *find_band(const struct sxs_winner_family *f, const char *band)
{
	if (!f || !band)
		return NULL;
	for (size_t i = 0; i < f->nbands; i++)
		if (!strcmp(f->bands[i].band, band))
			return &f->bands[i];
	return NULL;
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static bool in_band(const char *version, const char *band)
{
	char b[32];
	return sxs_version_band(version, b, sizeof(b)) == 0 && !strcmp(b, band);
}

/* The component of `family` at `version` in m, or NULL. */
static const struct sxs_component *family_member(const struct sxs_model *m, const char *family,
                                                 const char *version)
{
	for (size_t i = 0; i < m->ncomps; i++) {
		const struct sxs_component *c = &m->comps[i];
		if (c->winners_key && c->id.version && !strcasecmp(c->winners_key, family) &&
		    !strcmp(c->id.version, version))
			return &m->comps[i];
	}
	return NULL;
}

/* Key form a family member at `version` would have, for "cannot fix" notes. */
static char *member_keyform(struct cmp *cx, const char *family, const char *version)
{
	const struct sxs_component *c = family_member(cx->g, family, version);
	if (!c)
		c = family_member(cx->h, family, version);
	if (c)
		return dup_or_oom(cx, c->keyform);
	/* derive it from any member's identity with the version replaced */
	for (size_t i = 0; i < cx->h->ncomps; i++) {
		const struct sxs_component *m = &cx->h->comps[i];
		if (!m->has_identity || !m->winners_key || strcasecmp(m->winners_key, family))
			continue;
		struct sxs_identity id;
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (sxs_identity_copy(&id, &m->id)) {
			cx->oom = true;
			return NULL;
		}
		char *kf = NULL;
		sxs_free(id.version);
		id.version = sxs_strdup(version);
		if (id.version && sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb) == 0)
			kf = sxs_strbuf_detach(&sb, NULL);
		sxs_strbuf_release(&sb);
		sxs_identity_release(&id);
		return kf;
	}
	return NULL;
}

static bool winner_usable(const struct cmp *cx, const char *family, const char *version)
{
	const struct sxs_component *c = family_member(cx->h, family, version);
	if (!c)
		return false;
	int s = get_status(cx, c->keyform);
	return s == COMP_HEALTHY || s == COMP_REPAIRED;
}

/* One band of a golden family against the same band here. */
static void compare_band(struct cmp *cx, const char *key, const struct sxs_winner_family *fh,
                         const struct sxs_winner_family *fg, const struct sxs_winner_band *gb,
                         char **vh, size_t nvh)
{
	const struct sxs_winner_band *hb = find_band(fh, gb->band);
	bool winning = fg->band && !strcmp(fg->band, gb->band);
	bool set_default = winning && (!fh || !fh->band || strcmp(fh->band, gb->band));
	bool set_winner = false;
	char **add = NULL;
	size_t nadd = 0;

	/* version values: every version installed here in this band */
	for (size_t i = 0; i < nvh; i++) {
		if (!in_band(vh[i], gb->band))
			continue;
		if (hb && strv_has(hb->versions, hb->nversions, vh[i]))
			continue;
		strv_push(cx, &add, &nadd, vh[i]);
		if (strv_has(gb->versions, gb->nversions, vh[i]) && fh)
			add_diff(cx, SXS_DIFF_WINNERS_VERSION, NULL, NULL, key, NULL, vh[i],
			         "band %s does not list version %s (the golden side does)", gb->band, vh[i]);
	}
	if (gb->winner && (!hb || !hb->winner || strcmp(hb->winner, gb->winner))) {
		/* a band the golden side has but this side has no version in: leave it */
		bool have_any = hb != NULL || nadd > 0;
		set_winner = have_any;
		if (have_any && fh)
			add_diff(cx, SXS_DIFF_WINNER, NULL, NULL, key, hb ? hb->winner : NULL, gb->winner,
			         "band %s: winner is %s here, %s on the golden side", gb->band,
			         hb && hb->winner ? hb->winner : "(none)", gb->winner);
	}
	if (set_default && fh)
		add_diff(cx, SXS_DIFF_WINNER, NULL, NULL, key, fh->band, gb->band,
		         "winning band is %s here, %s on the golden side", fh->band ? fh->band : "(none)",
		         gb->band);
	if (!set_winner && !set_default && !nadd)
		goto out;
	if ((set_winner || set_default) && !winner_usable(cx, key, gb->winner)) {
		char *need = member_keyform(cx, key, gb->winner);
		add_unfixable(cx, NULL, key, need ? need : gb->winner,
		              "the golden side's winner %s (band %s) is not installed in a healthy state here; install that component version first",
		              gb->winner, gb->band);
		sxs_free(need);
		goto out;
	}
	if (!gb->winner && (set_default || !hb || !hb->winner)) {
		add_unfixable(cx, NULL, key, NULL, "the golden side's band %s has no winner to copy", gb->band);
		goto out;
	}
	enum sxs_action_kind kind = !fh ? SXS_ACT_CREATE_WINNERS_KEY
	                            : (set_winner || set_default) ? SXS_ACT_SET_WINNER
	                                                          : SXS_ACT_ADD_WINNERS_VERSION;
	/*
	 * The action carries parsed versions only (util/version.h): the model's
	 * Winners strings were validated where the hive was read, the installed
	 * versions come from identities; anything that does not parse is not
	 * written to a script.
	 */
	const char *winner = set_winner ? gb->winner : hb ? hb->winner : gb->winner;
	struct sxs_version band_v, winner_v, seen_v;
	if (sxs_band_parse(gb->band, &band_v) || !winner || sxs_version_parse(winner, &winner_v) ||
	    (fh && fh->band && sxs_band_parse(fh->band, &seen_v)) ||
	    (hb && hb->winner && sxs_version_parse(hb->winner, &seen_v))) {
		add_unfixable(cx, NULL, key, NULL, "band %s: a band or winner is not a version", gb->band);
		goto out;
	}
	for (size_t i = 0; i < nadd; i++)
		if (!sxs_version_valid(add[i])) {
			add_unfixable(cx, NULL, key, NULL, "installed version '%s' is not a version a Winners value can name",
			              add[i]);
			goto out;
		}
	struct sxs_action *a = add_action(cx, kind, NULL, key);
	if (!a)
		goto out;
	a->band = band_v;
	a->winner = winner_v;
	a->set_default_band = set_default;
	a->band_exists = hb != NULL;
	/* what the plan saw here: the scripts re-check it before they write */
	if (fh && fh->band) {
		a->saw_default_band = true;
		sxs_band_parse(fh->band, &a->seen_default_band);
	}
	if (hb && hb->winner) {
		a->saw_winner = true;
		sxs_version_parse(hb->winner, &a->seen_winner);
	}
	if (nadd && !(a->versions = sxs_calloc(nadd, sizeof(*a->versions))))
		cx->oom = true;
	for (size_t i = 0; a->versions && i < nadd; i++)
		sxs_version_parse(add[i], &a->versions[a->nversions++]);
	if (hb && hb->nversions && !(a->keep_versions = sxs_calloc(hb->nversions, sizeof(*a->keep_versions))))
		cx->oom = true;
	for (size_t i = 0; a->keep_versions && i < hb->nversions; i++)
		if (sxs_version_parse(hb->versions[i], &a->keep_versions[a->nkeep_versions]) == 0)
			a->nkeep_versions++;
	if (kind == SXS_ACT_CREATE_WINNERS_KEY)
		set_reason(cx, a, "the family has %zu version(s) here but no Winners key; the golden side's winner %s is installed here",
		           nvh, gb->winner);
	else if (kind == SXS_ACT_SET_WINNER && set_winner && hb && hb->winner &&
	         !family_member(cx->h, key, hb->winner))
		set_reason(cx, a, "the winner %s is not installed; the golden side's winner %s is installed here",
		           hb->winner, gb->winner);
	else if (kind == SXS_ACT_SET_WINNER)
		set_reason(cx, a, "band %s / winner %s differ from the golden side's %s / %s",
		           fh->band ? fh->band : "(none)", hb && hb->winner ? hb->winner : "(none)",
		           fg->band, gb->winner);
	else
		set_reason(cx, a, "%zu installed version(s) are not listed under band %s", a->nversions,
		           gb->band);
out:
	sxs_strv_free(add, nadd);
}

static void compare_family(struct cmp *cx, const char *key)
{
	char **vh = NULL, **vg = NULL;
	size_t nvh = 0, nvg = 0;
	if (sxs_family_versions(&cx->ih, key, &vh, &nvh) || sxs_family_versions(&cx->ig, key, &vg, &nvg)) {
		cx->oom = true;
		goto out;
	}
	for (size_t i = 0; i < nvg; i++)
		if (nvh && !strv_has(vh, nvh, vg[i]))
			add_diff(cx, SXS_DIFF_VERSION_MISSING, NULL, NULL, key, NULL, vg[i],
			         "version %s is installed on the golden side only", vg[i]);
	for (size_t i = 0; i < nvh; i++)
		if (nvg && !strv_has(vg, nvg, vh[i]))
			add_diff(cx, SXS_DIFF_VERSION_EXTRA, NULL, NULL, key, vh[i], NULL,
			         "version %s is installed here only", vh[i]);
	if (!cx->h->have_software_hive || !cx->g->have_software_hive || !nvh)
		goto out;
	const struct sxs_winner_family *fh = sxs_model_family(cx->h, key);
	const struct sxs_winner_family *fg = sxs_model_family(cx->g, key);
	if (!fg) {
		/* staged, superseded, disabled-feature families have none (calibration.md §7 (c)) */
		if (!fh && !sxs_check_family_live(cx->h, key))
			goto out;
		if (!fh && nvg)
			add_unfixable(cx, NULL, key, NULL,
			              "no Winners key on either side; the golden side has nothing to copy");
		else if (!fh)
			add_unfixable(cx, NULL, key, NULL,
			              "no Winners key here and the golden side does not have this family");
		goto out;
	}
	/*
	 * A key with names that are not versions was only partly read (scan:
	 * winner-malformed): a script would rewrite the values it does not know.
	 */
	if ((fh && fh->malformed) || fg->malformed) {
		add_unfixable(cx, NULL, key, NULL,
		              "the Winners key %s has names or values that are not versions (winner-malformed: %s); compare it with the golden side by hand",
		              fh && fh->malformed ? "here" : "on the golden side",
		              fh && fh->malformed ? fh->malformed_detail : fg->malformed_detail);
		goto out;
	}
	if (!fh)
		add_diff(cx, SXS_DIFF_WINNERS_KEY_MISSING, NULL, NULL, key, NULL, fg->band,
		         "no Winners key here (%zu version(s) installed); the golden side has one", nvh);
	if (!fg->band || !find_band(fg, fg->band)) {
		add_unfixable(cx, NULL, key, NULL, "the golden side's Winners key has no winning band to copy");
		goto out;
	}
	for (size_t i = 0; i < fg->nbands; i++) {
		/* a new key gets its winning band; other bands follow from Windows' next servicing run */
		if (!fh && strcmp(fg->bands[i].band, fg->band))
			continue;
		compare_band(cx, key, fh, fg, &fg->bands[i], vh, nvh);
	}
out:
	sxs_strv_free(vh, nvh);
	sxs_strv_free(vg, nvg);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void compare_winners(struct cmp *cx)
{
	struct sxs_map seen;
	sxs_map_init(&seen, true);
	/* families in key order: collect, sort, walk */
	char **keys = NULL;
	size_t nkeys = 0;
	for (size_t i = 0; i < cx->h->ncomps && !cx->oom; i++) {
		const struct sxs_component *c = &cx->h->comps[i];
		if (!c->winners_key || c->is_deployment ||
		    sxs_map_has(&seen, c->winners_key, strlen(c->winners_key)))
			continue;
		if (sxs_map_put(&seen, c->winners_key, strlen(c->winners_key), NULL)) {
			cx->oom = true;
			break;
		}
		strv_push(cx, &keys, &nkeys, c->winners_key);
	}
	if (nkeys > 1)
		qsort(keys, nkeys, sizeof(*keys), strcmp_p);
	for (size_t i = 0; i < nkeys && !cx->oom; i++)
		compare_family(cx, keys[i]);
	sxs_strv_free(keys, nkeys);
	sxs_map_release(&seen);
}

/* ---- packages (servicing\Packages, packages.md §6.1) ------------------ */

/* A pair that passes every file check of check/packages.c (store/packages.c decides). */
static bool pair_verified(const struct sxs_package *e)
{
	return e && e->pair_verified;
}

/* What is wrong with this side's pair, or NULL when nothing is. */
static const char *pair_problem(const struct sxs_package *e)
{
	if (!e || (e->mum_state == SXS_PKG_FILE_ABSENT && e->cat_state == SXS_PKG_FILE_ABSENT))
		return "its .mum and .cat are missing";
	if (e->mum_state == SXS_PKG_FILE_ABSENT)
		return "its .mum is missing";
	if (e->mum_state != SXS_PKG_FILE_OK)
		return "its .mum is unreadable or corrupt";
	if (e->cat_state == SXS_PKG_FILE_ABSENT)
		return "its .cat is missing";
	if (e->cat_state != SXS_PKG_FILE_OK || e->cat_signature != SXS_CAT_SIG_VALID)
		return "its .cat is unreadable or corrupt";
	if (e->mum_in_cat != SXS_PKG_MEMBER_YES)
		return "its .mum is not a member of its .cat";
	if (!pair_verified(e))
		return "its .mum declares another identity";
	return NULL;
}

/*
 * One package whose pair is bad here: plan the golden pair when the golden
 * side has it verified (catalog signature valid, .mum a member, identity =
 * name), else say why it cannot be fixed.
 */
static void plan_package(struct cmp *cx, const char *name, const struct sxs_package *e,
                         const char *problem, const char *why)
{
	const struct sxs_packages *gp = cx->g->packages;
	const struct sxs_package *g = gp ? sxs_packages_find(gp, name) : NULL;
	struct sxs_strbuf file = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&file, "servicing\\Packages\\%s.mum", name);
	if (sxs_strbuf_error(&file)) {
		cx->oom = true;
		return;
	}
	add_diff(cx, SXS_DIFF_PACKAGE, NULL, sxs_strbuf_str(&file), NULL, NULL, NULL,
	         "package %s: %s%s", name, problem, why ? why : "");
	sxs_strbuf_release(&file);
	struct sxs_strbuf needed = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&needed, "servicing\\Packages\\%s.mum and .cat", name);
	const char *cannot = NULL;
	if (!gp || !gp->have_listing)
		cannot = "the golden side has no servicing\\Packages data (a reference file, or the folder is missing)";
	else if (!g || (g->mum_state == SXS_PKG_FILE_ABSENT && g->cat_state == SXS_PKG_FILE_ABSENT))
		cannot = "the golden side does not have this package";
	else if (!pair_verified(g))
		cannot = "the golden side's .mum/.cat pair does not verify either (catalog signature, membership or name)";
	if (cannot) {
		if (!cx->oom && !sxs_strbuf_error(&needed)) {
			add_unfixable(cx, NULL, NULL, sxs_strbuf_str(&needed), "%s", cannot);
			if (!cx->oom && !(cx->out->unfixable[cx->out->nunfixable - 1].package = dup_or_oom(cx, name)))
				cx->oom = true;
		}
		sxs_strbuf_release(&needed);
		return;
	}
	sxs_strbuf_release(&needed);
	struct sxs_action *a = add_action(cx, SXS_ACT_RESTORE_PACKAGE, NULL, NULL);
	if (!a)
		return;
	/* the golden files' own name: the identity as the golden registry spells it */
	a->package = dup_or_oom(cx, g->name);
	memcpy(a->mum_sha256, g->mum_sha256, 32);
	memcpy(a->cat_sha256, g->cat_sha256, 32);
	a->mum_exists = e && e->mum_state != SXS_PKG_FILE_ABSENT;
	a->cat_exists = e && e->cat_state != SXS_PKG_FILE_ABSENT;
	set_reason(cx, a, "%s here; the golden pair's catalog signature verifies and lists its .mum", problem);
}

/* Child packages named by this side's installed packages and absent here. */
static void plan_missing_children(struct cmp *cx, struct sxs_map *planned)
{
	const struct sxs_packages *hp = cx->h->packages;
	for (size_t i = 0; i < hp->n && !cx->oom; i++) {
		const struct sxs_package *e = &hp->v[i];
		if (!e->mum || !e->reg || !e->reg->has_state || !sxs_cbs_state_installed(e->reg->state))
			continue;
		for (size_t r = 0; r < e->mum->nrefs && !cx->oom; r++) {
			const struct sxs_mum_ref *ref = &e->mum->refs[r];
			if (ref->kind != SXS_MUM_REF_PACKAGE || ref->contained_false ||
			    (!sxs_package_is_rollup(e->name) &&
			     !sxs_mum_update_unconditional(&e->mum->updates[ref->update])))
				continue;
			struct sxs_strbuf sb = SXS_STRBUF_INIT;
			if (sxs_package_identity(&ref->id, &sb)) {
				if (sxs_strbuf_error(&sb))
					cx->oom = true;
				sxs_strbuf_release(&sb);
				continue;
			}
			const char *name = sxs_strbuf_str(&sb);
			const struct sxs_package *c = sxs_packages_find(hp, name);
			if ((!c || c->mum_state == SXS_PKG_FILE_ABSENT) &&
			    !sxs_map_has(planned, name, strlen(name))) {
				if (sxs_map_put(planned, name, strlen(name), NULL))
					cx->oom = true;
				struct sxs_strbuf why = SXS_STRBUF_INIT;
				sxs_strbuf_addf(&why, " (named by the installed package %s)", e->name);
				plan_package(cx, name, c, "its .mum is missing", sxs_strbuf_str(&why));
				sxs_strbuf_release(&why);
			}
			sxs_strbuf_release(&sb);
		}
	}
}

/* A package whose CBS state is stuck (pending with nothing pending, part-way,
 * marked broken) is not fixed by copying files: say so with the remedy, so the
 * admin is not told the plan leaves a healthy store (packages.md §6.1, §6.2.12:
 * a pending state is normal only between an update and its reboot). */
static void package_state_unfixable(struct cmp *cx, const struct sxs_package *e)
{
	const struct sxs_cbs_package *r = e->reg;
	const char *how = NULL;
	char what[64];
	if (!r->has_state)
		return;
	if (sxs_cbs_state_class(r->state) == SXS_CBS_STATE_BROKEN) {
		snprintf(what, sizeof(what), "marked broken (CurrentState 0x%x)", r->state);
		how = "after the plan, remove it with DISM /Remove-Package and install the update again";
	} else if (r->state == SXS_CBS_PARTIALLY_INSTALLED) {
		snprintf(what, sizeof(what), "Partially Installed (0x65)");
		how = "after the plan, install the update again";
	} else if (r->state == SXS_CBS_INSTALL_PENDING || r->state == SXS_CBS_UNINSTALL_PENDING || e->pending) {
		const char *n = e->pending && r->state != SXS_CBS_INSTALL_PENDING &&
		                r->state != SXS_CBS_UNINSTALL_PENDING ? "listed under PackagesPending"
		                : sxs_cbs_state_name(r->state);
		snprintf(what, sizeof(what), "%s", n ? n : "pending");
		how = "restart the PC once; if it stays pending, run DISM /Online /Cleanup-Image "
		      "/RevertPendingActions (offline: DISM /Image:X:\\ /Cleanup-Image /RevertPendingActions), "
		      "then install the update again";
	}
	if (!how)
		return;
	size_t before = cx->out->nunfixable;
	add_unfixable(cx, NULL, NULL, NULL, "package is %s here; copying files cannot change a CBS package state: %s",
	              what, how);
	if (cx->out->nunfixable > before)
		cx->out->unfixable[before].package = dup_or_oom(cx, e->name);
}

static void compare_packages(struct cmp *cx)
{
	const struct sxs_packages *hp = cx->h->packages;
	struct sxs_map planned;
	if (!hp || !hp->have_listing)
		return;
	sxs_map_init(&planned, true);
	for (size_t i = 0; i < hp->n && !cx->oom; i++) {
		const struct sxs_package *e = &hp->v[i];
		/* only what the registry knows is needed here; an orphan pair is nothing to copy */
		if (!e->reg)
			continue;
		package_state_unfixable(cx, e);
		const char *problem = pair_problem(e);
		if (!problem)
			continue;
		if (sxs_map_put(&planned, e->name, strlen(e->name), NULL))
			cx->oom = true;
		plan_package(cx, e->name, e, problem, NULL);
	}
	if (!cx->oom)
		plan_missing_children(cx, &planned);
	sxs_map_release(&planned);
}

/* ---- ordering --------------------------------------------------------- */

static int nullcmp(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int diff_cmp(const void *pa, const void *pb)
{
	const struct sxs_diff *a = pa, *b = pb;
	int c;
	/* image-wide first, then components, then families */
	int ga = a->component ? 1 : a->winners_key ? 2 : 0;
	int gb = b->component ? 1 : b->winners_key ? 2 : 0;
	if (ga != gb)
		return ga - gb;
	if ((c = nullcmp(a->component, b->component)) || (c = nullcmp(a->winners_key, b->winners_key)))
		return c;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	if ((c = nullcmp(a->file, b->file)))
		return c;
	if ((c = nullcmp(a->golden, b->golden)))
		return c;
	return nullcmp(a->message, b->message);
}

static int action_group(enum sxs_action_kind k)
{
	/* files before registry: a winner must exist before it is named */
	return k == SXS_ACT_RESTORE_MANIFEST ? 0 : k == SXS_ACT_REPLACE_FOLDER ? 1
	       : k == SXS_ACT_RESTORE_PACKAGE ? 2 : 3;
}

static int action_cmp(const void *pa, const void *pb)
{
	const struct sxs_action *a = pa, *b = pb;
	int c;
	if (action_group(a->kind) != action_group(b->kind))
		return action_group(a->kind) - action_group(b->kind);
	if ((c = nullcmp(a->component, b->component)) || (c = nullcmp(a->winners_key, b->winners_key)) ||
	    (c = nullcmp(a->package, b->package)))
		return c;
	if (a->set_default_band != b->set_default_band)
		return a->set_default_band ? -1 : 1; /* the winning band first */
	return sxs_version_cmp(&a->band, &b->band);
}

static int unfixable_cmp(const void *pa, const void *pb)
{
	const struct sxs_unfixable *a = pa, *b = pb;
	int c;
	if ((c = nullcmp(a->component, b->component)) || (c = nullcmp(a->winners_key, b->winners_key)) ||
	    (c = nullcmp(a->package, b->package)))
		return c;
	return nullcmp(a->reason, b->reason);
}

/* ---- entry point ------------------------------------------------------ */

int sxs_compare_models(const struct sxs_model *here, const struct sxs_model *golden,
                       const struct sxs_compare_options *opt, struct sxs_comparison *out)
{
	struct cmp cx = {.h = here, .g = golden, .out = out};
	sxs_map_init(&cx.status, true);
	if (sxs_family_index_build(here, &cx.ih) || sxs_family_index_build(golden, &cx.ig))
		cx.oom = true;

	out->image = dup_or_oom(&cx, here->image);
	out->image_build = dup_or_oom(&cx, here->build);
	out->image_product = dup_or_oom(&cx, here->product);
	out->golden = dup_or_oom(&cx, opt && opt->golden_source ? opt->golden_source : golden->image);
	if (opt && opt->golden_is_reference)
		out->golden_label = dup_or_oom(&cx, golden->image);
	out->golden_build = dup_or_oom(&cx, golden->build);
	out->golden_product = dup_or_oom(&cx, golden->product);
	out->golden_is_reference = opt && opt->golden_is_reference;
	out->image_hibernated = here->hibernation == SXS_HIBER_HIBERNATED ||
	                        here->hibernation == SXS_HIBER_RESUMING;
	if (here->build && golden->build && strcmp(here->build, golden->build)) {
		out->build_mismatch = true;
		add_diff(&cx, SXS_DIFF_BUILD, NULL, NULL, NULL, here->build, golden->build,
		         "builds differ: %s here, %s on the golden side; copied files may not fit this build",
		         here->build, golden->build);
	} else if (!here->build || !golden->build) {
		/* unknown is not different: say what could not be read */
		out->build_unknown = true;
		add_diff(&cx, SXS_DIFF_BUILD_UNKNOWN, NULL, NULL, NULL, here->build, golden->build,
		         "the build of %s could not be read (no SOFTWARE CurrentVersion); make sure both "
		         "sides run the same build and update level",
		         !here->build && !golden->build ? "either side"
		         : !here->build ? "this image" : "the golden side");
	}

	/* both component arrays are sorted by key form: merge them */
	size_t i = 0, j = 0;
	while ((i < here->ncomps || j < golden->ncomps) && !cx.oom) {
		int c = i == here->ncomps ? 1 : j == golden->ncomps ? -1
		        : strcmp(here->comps[i].keyform, golden->comps[j].keyform);
		if (c == 0)
			compare_component(&cx, &here->comps[i++], &golden->comps[j++]);
		else if (c < 0)
			only_here(&cx, &here->comps[i++]);
		else
			j++; /* installed on the golden side only: reported per family */
	}
	if (!cx.oom)
		compare_winners(&cx);
	if (!cx.oom)
		compare_packages(&cx);
	sxs_map_release(&cx.status);
	sxs_family_index_release(&cx.ih);
	sxs_family_index_release(&cx.ig);
	if (cx.oom)
		return -SXS_ENOMEM;
	if (out->ndiffs > 1)
		qsort(out->diffs, out->ndiffs, sizeof(*out->diffs), diff_cmp);
	if (out->nactions > 1)
		qsort(out->actions, out->nactions, sizeof(*out->actions), action_cmp);
	if (out->nunfixable > 1)
		qsort(out->unfixable, out->nunfixable, sizeof(*out->unfixable), unfixable_cmp);
	return 0;
}
