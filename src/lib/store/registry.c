/* SPDX-License-Identifier: MIT */
#include "store/registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <unistd.h>

#include "hive/hive.h"
#include "hive/replay.h"
#include "store/deploy.h"
#include "manifest/identity.h"
#include "store/packages.h"
#include "util/alloc.h"
#include "util/strbuf.h"
#include "util/version.h"

#define WINNERS_PATH "Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners"
#define CURRENT_VERSION_PATH "Microsoft\\Windows NT\\CurrentVersion"
#define SXS_MAX_FAMILIES (4u << 20)

/* A key of COMPONENTS\DerivedData\Components, as much of it as we use. */
struct hive_component {
	char *name;
	char *identity; /* the identity value, or NULL */
	uint8_t s256h[32];
	bool has_s256h;
	bool has_cf;
	uint32_t cf;
	char **clinks;
	size_t nclinks;
	struct sxs_fflag *fflags;
	size_t nfflags;
};

/*
 * Everything sxscheck takes from the hives is copied out while they are
 * open; sxs_registry_open closes them before it returns, so a 100 MB
 * COMPONENTS is not mapped while the manifests are read.
 */
struct sxs_registry {
	struct sxs_hive *components;
	struct sxs_hive *software;
	char *wcp_version;
	struct hive_component *hcomps;
	size_t nhcomps;
};

static void release_hcomps(struct sxs_registry *r)
{
	for (size_t i = 0; i < r->nhcomps; i++) {
		struct hive_component *hc = &r->hcomps[i];
		sxs_free(hc->name);
		sxs_free(hc->identity);
		for (size_t j = 0; j < hc->nclinks; j++)
			sxs_free(hc->clinks[j]);
		sxs_free(hc->clinks);
		for (size_t j = 0; j < hc->nfflags; j++)
			sxs_free(hc->fflags[j].name);
		sxs_free(hc->fflags);
	}
	r->nhcomps = 0;
}

void sxs_registry_free(struct sxs_registry *r)
{
	if (!r)
		return;
	sxs_hive_free(r->components);
	sxs_hive_free(r->software);
	sxs_free(r->wcp_version);
	release_hcomps(r);
	sxs_free(r->hcomps);
	sxs_free(r);
}

const char *sxs_registry_wcp_version(const struct sxs_registry *r)
{
	return r ? r->wcp_version : NULL;
}

static char *dup_printf_problem(const char *what, const char *why)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "%s: %s", what, why);
	return sxs_strbuf_detach(&sb, NULL);
}

/*
 * Open Windows/System32/config/<name>.  Absent: *h_ret NULL, *problem_ret
 * set.  Unreadable as a hive: the same, *unreadable_ret true.
 */
static int open_hive(struct sxs_image *img, const char *name, struct sxs_hive **h_ret,
                     char **problem_ret, bool *unreadable_ret)
{
	struct sxs_diag diag = {{0}};
	int cfg, err;
	struct sxs_strbuf disp = SXS_STRBUF_INIT;

	*h_ret = NULL;
	*unreadable_ret = false;
	if (strcmp(img->windows_name, ".") != 0)
		sxs_strbuf_addf(&disp, "%s/", img->windows_name);
	sxs_strbuf_addf(&disp, "System32/config/%s", name);
	if ((err = sxs_strbuf_error(&disp)))
		return err;
	err = sxs_openat_ci(img->windows_fd, "System32/config", O_DIRECTORY, &cfg, NULL, &diag);
	if (err == -SXS_ENOMEM) {
		sxs_strbuf_release(&disp);
		return err;
	}
	if (err) {
		*problem_ret = dup_printf_problem(sxs_strbuf_str(&disp), "not found");
		sxs_strbuf_release(&disp);
		return *problem_ret ? 0 : -SXS_ENOMEM;
	}
	struct sxs_dir *dir;
	err = sxs_dir_load(cfg, &dir, &diag);
	if (err) {
		sxs_strbuf_release(&disp);
		return err == -SXS_ENOMEM ? err : 0;
	}
	const struct sxs_dirent *e = sxs_dir_find(dir, name);
	if (!e) {
		*problem_ret = dup_printf_problem(sxs_strbuf_str(&disp), "not found");
		err = *problem_ret ? 0 : -SXS_ENOMEM;
		goto out;
	}
	err = sxs_hive_open(dir->fd, e->name, sxs_strbuf_str(&disp), h_ret, &diag);
	if (err == -SXS_ENOMEM)
		goto out;
	if (err) {
		*unreadable_ret = true;
		*problem_ret = sxs_strdup(sxs_diag_msg(&diag, err));
		err = *problem_ret ? 0 : -SXS_ENOMEM;
	}
out:
	sxs_dir_free(dir);
	sxs_strbuf_release(&disp);
	return err;
}

/*
 * A hive whose structure breaks while we walk it (a subkey loop, a list
 * that lies about its count, ...): report it as unreadable and skip the
 * checks that depend on it rather than report every component as orphaned.
 */
static int hive_broken(struct sxs_model *m, bool components, struct sxs_hive *h,
                       const char *where, int err)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	const char *why = sxs_hive_error(h);
	sxs_strbuf_addf(&sb, "%s: %s: %s", sxs_hive_display(h), where,
	                why && *why ? why : sxs_strerror(err));
	char **problem = components ? &m->components_problem : &m->software_problem;
	sxs_free(*problem);
	*problem = sxs_strbuf_detach(&sb, NULL);
	if (components) {
		m->have_components_hive = false;
		m->components_unreadable = true;
	} else {
		m->have_software_hive = false;
		m->software_unreadable = true;
	}
	return *problem ? 0 : -SXS_ENOMEM;
}

/* A value as a UTF-8 string (REG_SZ), or NULL when absent or not a string. */
static int value_string(struct sxs_hive *h, sxs_hnode node, const char *name, char **ret)
{
	int rc = sxs_hive_get_string(h, node, name, ret);
	return rc < 0 ? rc : 0;
}

/* A REG_DWORD value; absent or not a dword leaves *ret alone.  0 or -SXS_ENOMEM. */
static int value_dword(struct sxs_hive *h, sxs_hnode node, const char *name, uint32_t *ret,
                       bool *found_ret)
{
	int rc = sxs_hive_get_dword(h, node, name, ret);
	if (rc == 1 && found_ret)
		*found_ret = true;
	return rc < 0 ? rc : 0;
}

/*
 * The version: CurrentMajorVersionNumber/CurrentMinorVersionNumber (DWORDs,
 * Windows 10 and later), else the CurrentVersion string ("6.1" on Windows 7,
 * "6.3" on 8.1; Windows 10 keeps "6.3" there for old programs, which is why
 * the DWORDs win).  Never assumed: without either, the build stays unknown.
 */
static int read_build(struct sxs_registry *r, struct sxs_model *m)
{
	sxs_hnode cv;
	int err = sxs_hive_path(r->software, sxs_hive_root(r->software), CURRENT_VERSION_PATH, &cv);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	char *build = NULL, *legacy = NULL;
	uint32_t major = 0, minor = 0, ubr = 0;
	bool have_major = false, have_minor = false, have_ubr = false;
	if ((err = value_string(r->software, cv, "CurrentBuild", &build)) ||
	    (err = value_string(r->software, cv, "CurrentVersion", &legacy)) ||
	    (err = value_dword(r->software, cv, "CurrentMajorVersionNumber", &major, &have_major)) ||
	    (err = value_dword(r->software, cv, "CurrentMinorVersionNumber", &minor, &have_minor)) ||
	    (err = value_dword(r->software, cv, "UBR", &ubr, &have_ubr)))
		goto out;
	if (!have_major && legacy) {
		unsigned long a, b;
		char tail;
		if (sscanf(legacy, "%lu.%lu%c", &a, &b, &tail) == 2 && a < 100 && b < 100) {
			major = (uint32_t)a;
			minor = (uint32_t)b;
			have_major = have_minor = true;
		}
	}
	if (!have_minor)
		minor = 0;
	m->windows_major = have_major ? major : 0;
	m->windows_minor = have_major ? minor : 0;
	if (build && have_major) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&sb, "%u.%u.%s", major, minor, build);
		if (have_ubr)
			sxs_strbuf_addf(&sb, ".%u", ubr);
		m->build = sxs_strbuf_detach(&sb, NULL);
		if (!m->build) {
			err = -SXS_ENOMEM;
			goto out;
		}
	}
	err = value_string(r->software, cv, "ProductName", &m->product);
	/* Windows 7's service pack ("Service Pack 1") belongs with its name */
	char *csd = NULL;
	if (!err && m->product && (err = value_string(r->software, cv, "CSDVersion", &csd)) == 0 &&
	    csd && *csd) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&sb, "%s %s", m->product, csd);
		char *joined = sxs_strbuf_detach(&sb, NULL);
		if (!joined) {
			err = -SXS_ENOMEM;
		} else {
			sxs_free(m->product);
			m->product = joined;
		}
	}
	sxs_free(csd);
out:
	sxs_free(build);
	sxs_free(legacy);
	return err;
}

static int mark_malformed(struct sxs_winner_family *f, const char *fmt, ...) SXS_PRINTF(2, 3);
static int mark_malformed(struct sxs_winner_family *f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	if (f->malformed)
		return 0;
	f->malformed = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f->malformed_detail = sxs_strdup(buf);
	return f->malformed_detail ? 0 : -SXS_ENOMEM;
}

/*
 * Winners names are data: a band subkey "a.b", its default "a.b.c.d" and one
 * value per version "a.b.c.d" = 0x01 (formats.md 5).  Each name is parsed
 * here, where it is read; one that is not exactly a version (or band) is left
 * out of the model and the family is marked malformed, so scan reports
 * winner-malformed and nothing downstream (compare, the repair scripts) ever
 * sees it.
 */
static int read_band(struct sxs_hive *h, sxs_hnode node, struct sxs_winner_family *f,
                     struct sxs_winner_band *b)
{
	struct sxs_hive_value *vals = NULL;
	size_t n = 0;
	int err = sxs_hive_values(h, node, &vals, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : mark_malformed(f, "band %s: values unreadable", b->band);
	if (n && !(b->versions = sxs_calloc(n, sizeof(*b->versions)))) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct sxs_hive_value *v = &vals[i];
		if (v->name[0] == '\0') {
			char *s = NULL;
			int serr = sxs_hive_value_string(v, &s);
			if (serr == -SXS_ENOMEM) {
				err = serr;
			} else if (serr) {
				err = mark_malformed(f, "band %s: default value is not a string", b->band);
			} else if (!sxs_version_valid(s)) {
				err = mark_malformed(f, "band %s: default value is not a version", b->band);
				sxs_free(s);
			} else {
				sxs_free(b->winner);
				b->winner = s;
			}
			continue;
		}
		if (!sxs_version_valid(v->name)) {
			err = mark_malformed(f, "band %s: a value name is not a version", b->band);
			continue;
		}
		if (v->len != 1 || v->data[0] != 1)
			err = mark_malformed(f, "version value %s is not the byte 0x01", v->name);
		if (!err && !(b->versions[b->nversions++] = sxs_strdup(v->name)))
			err = -SXS_ENOMEM;
	}
out:
	sxs_hive_values_free(vals, n);
	return err;
}

static int read_family(struct sxs_hive *h, sxs_hnode node, struct sxs_winner_family *f)
{
	sxs_hnode *kids = NULL;
	size_t n = 0;
	int err = value_string(h, node, "", &f->band);
	if (err)
		return err;
	if (f->band && !sxs_band_valid(f->band)) {
		sxs_free(f->band);
		f->band = NULL;
		if ((err = mark_malformed(f, "%s", "default value (the winning band) is not a band")))
			return err;
	}
	err = sxs_hive_children(h, node, &kids, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : mark_malformed(f, "%s", "subkeys unreadable");
	if (n && !(f->bands = sxs_calloc(n, sizeof(*f->bands)))) {
		sxs_free(kids);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct sxs_winner_band *b = &f->bands[f->nbands];
		char *name = NULL;
		err = sxs_hive_node_name(h, kids[i], &name);
		if (err)
			break;
		if (!sxs_band_valid(name)) {
			sxs_free(name);
			err = mark_malformed(f, "%s", "a subkey name is not a band");
			continue;
		}
		b->band = name;
		f->nbands++;
		err = read_band(h, kids[i], f, b);
	}
	sxs_free(kids);
	return err;
}

static int read_winners(struct sxs_registry *r, struct sxs_model *m)
{
	sxs_hnode w;
	sxs_hnode *kids = NULL;
	size_t n = 0;
	int err = sxs_hive_path(r->software, sxs_hive_root(r->software), WINNERS_PATH, &w);
	if (err == -SXS_ENOENT)
		return 0; /* no Winners key at all: every family will lack a winner */
	if (!err)
		err = sxs_hive_children(r->software, w, &kids, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : hive_broken(m, false, r->software, "Winners", err);
	if (n > SXS_MAX_FAMILIES)
		n = SXS_MAX_FAMILIES;
	if (n && !(m->families = sxs_calloc(n, sizeof(*m->families)))) {
		sxs_free(kids);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct sxs_winner_family *f = &m->families[m->nfamilies];
		err = sxs_hive_node_name(r->software, kids[i], &f->key);
		if (err)
			break;
		m->nfamilies++;
		err = read_family(r->software, kids[i], f);
	}
	sxs_free(kids);
	return err;
}

static int read_components_root(struct sxs_registry *r, struct sxs_model *m)
{
	sxs_hnode root = sxs_hive_root(r->components), ssv;
	struct sxs_hive_value v;
	int err = sxs_hive_value(r->components, root, "PendingXmlIdentifier", &v);
	if (err == 0) {
		m->pending_hive = true;
		sxs_hive_value_release(&v);
	} else if (err == -SXS_ENOMEM) {
		return err;
	}
	err = sxs_hive_value(r->components, root, "StoreDirty", &v);
	if (err == 0) {
		uint32_t d = 1; /* present but not a dword: take it as set */
		(void)sxs_hive_value_dword(&v, &d);
		m->store_dirty = d != 0;
		sxs_hive_value_release(&v);
	} else if (err == -SXS_ENOMEM) {
		return err;
	}
	err = sxs_hive_path(r->components, root, "ServicingStackVersions", &ssv);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	char *s = NULL;
	if ((err = value_string(r->components, ssv, "LastWCPVersionToAccessStore", &s)))
		return err;
	if (s) {
		s[strcspn(s, " ")] = '\0';
		r->wcp_version = s;
	}
	return 0;
}

/* How the hive was read: replayed from its logs, or dirty and stale. */
static int hive_fact(struct sxs_hive *h, struct sxs_hive_fact *f)
{
	const struct sxs_replay *r = sxs_hive_replay_info(h);
	const char *note = sxs_hive_recovery_note(h);
	switch (sxs_hive_recovery(h)) {
	case SXS_HIVE_CLEAN:
		f->read = SXS_HIVE_READ_CLEAN;
		return 0;
	case SXS_HIVE_REPLAYED:
		f->read = SXS_HIVE_READ_REPLAYED;
		break;
	case SXS_HIVE_UNREPLAYED:
		f->read = SXS_HIVE_READ_UNREPLAYED;
		break;
	}
	if (!(f->note = sxs_strdup(note)))
		return -SXS_ENOMEM;
	if (f->read != SXS_HIVE_READ_REPLAYED)
		return 0;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	const char *display = sxs_hive_display(h);
	const char *stem = strrchr(display, '/');
	stem = stem ? stem + 1 : display;
	for (unsigned i = 0; i < r->n_order; i++) {
		const struct sxs_replay_log *l = &r->log[r->order[i]];
		sxs_strbuf_addf(&sb, "%s%s.%s", i ? ", " : "", stem, sxs_replay_log_name(r, r->order[i]));
		f->entries += l->entries;
		f->pages += l->pages;
	}
	f->old_format = r->format == SXS_LOG_OLD;
	f->logs = sxs_strbuf_detach(&sb, NULL);
	return f->logs ? 0 : -SXS_ENOMEM;
}

static int count_key(struct sxs_hive *h, sxs_hnode node, unsigned depth, void *ctx)
{
	(void)h;
	(void)node;
	(void)depth;
	(*(size_t *)ctx)++;
	return 0;
}

/*
 * One walk over the whole key tree before trusting it: a damaged hive (a
 * subkey loop, a list whose count lies) is reported as unreadable here,
 * instead of showing up later as keys that seem to be missing.
 */
static int check_structure(struct sxs_model *m, bool components, struct sxs_hive *h)
{
	size_t keys = 0;
	int err = sxs_hive_walk(h, sxs_hive_root(h), count_key, &keys);
	if (err == -SXS_ENOMEM || err == 0)
		return err;
	return hive_broken(m, components, h, "key tree", err) ? -SXS_ENOMEM : 1;
}

/* One value of a component key: S256H, identity, CF, c!<deployment>, f!<file>. */
static int component_value(struct hive_component *hc, const struct sxs_hive_value *v)
{
	const char *n = v->name;
	if (!strcasecmp(n, "S256H")) {
		if (v->len == 32) {
			memcpy(hc->s256h, v->data, 32);
			hc->has_s256h = true;
		}
	} else if (!strcasecmp(n, "identity")) {
		/* ASCII, no terminating NUL; tolerate one */
		size_t len = v->len;
		if (len && v->data[len - 1] == 0)
			len--;
		sxs_free(hc->identity);
		if (!(hc->identity = sxs_strndup((const char *)v->data, len)))
			return -SXS_ENOMEM;
	} else if (!strcasecmp(n, "CF")) {
		hc->has_cf = sxs_hive_value_dword(v, &hc->cf) == 0;
	} else if ((n[0] == 'c' || n[0] == 'C') && n[1] == '!' && n[2]) {
		char **l = sxs_reallocarray(hc->clinks, hc->nclinks + 1, sizeof(*l));
		if (!l)
			return -SXS_ENOMEM;
		hc->clinks = l;
		if (!(l[hc->nclinks] = sxs_strdup(n + 2)))
			return -SXS_ENOMEM;
		hc->nclinks++;
	} else if ((n[0] == 'f' || n[0] == 'F') && n[1] == '!' && n[2]) {
		uint32_t d = 0;
		if (sxs_hive_value_dword(v, &d))
			return 0; /* not a dword: recorded nowhere (census counts dwords only) */
		struct sxs_fflag *f = sxs_reallocarray(hc->fflags, hc->nfflags + 1, sizeof(*f));
		if (!f)
			return -SXS_ENOMEM;
		hc->fflags = f;
		memset(&f[hc->nfflags], 0, sizeof(*f));
		if (!(f[hc->nfflags].name = sxs_strdup(n + 2)))
			return -SXS_ENOMEM;
		f[hc->nfflags++].value = d;
	}
	return 0;
}

static int read_component_key(struct sxs_hive *h, sxs_hnode node, struct hive_component *hc)
{
	struct sxs_hive_value *vals = NULL;
	size_t n = 0;
	int err = sxs_hive_values(h, node, &vals, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : 0; /* values unreadable: as if absent */
	for (size_t i = 0; i < n && !err; i++)
		err = component_value(hc, &vals[i]);
	sxs_hive_values_free(vals, n);
	return err;
}

/* Copy DerivedData\Components out of the hive. */
static int read_hive_components(struct sxs_registry *r, struct sxs_model *m)
{
	struct sxs_hive *h = r->components;
	sxs_hnode comps, *kids = NULL;
	size_t n = 0;
	int err = sxs_hive_path(h, sxs_hive_root(h), "DerivedData\\Components", &comps);
	if (err == -SXS_ENOENT)
		return 0; /* every manifest will be an orphan: that is what the hive says */
	if (!err)
		err = sxs_hive_children(h, comps, &kids, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : hive_broken(m, true, h, "DerivedData\\Components", err);
	r->hcomps = sxs_calloc(n ? n : 1, sizeof(*r->hcomps));
	if (!r->hcomps) {
		sxs_free(kids);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct hive_component *hc = &r->hcomps[r->nhcomps++];
		if (!(err = sxs_hive_node_name(h, kids[i], &hc->name)))
			err = read_component_key(h, kids[i], hc);
	}
	sxs_free(kids);
	if (err == 0 || err == -SXS_ENOMEM)
		return err;
	/* a key whose name cannot be read: the list as a whole is not trusted */
	release_hcomps(r);
	return hive_broken(m, true, h, "DerivedData\\Components", err);
}

int sxs_registry_open(struct sxs_image *img, struct sxs_model *m, struct sxs_registry **ret,
                      struct sxs_diag *diag)
{
	struct sxs_registry *r = sxs_calloc(1, sizeof(*r));
	bool unreadable;
	int err;
	if (!r)
		return -SXS_ENOMEM;
	err = open_hive(img, "COMPONENTS", &r->components, &m->components_problem, &unreadable);
	if (err)
		goto out;
	m->components_unreadable = unreadable;
	if (r->components) {
		m->have_components_hive = true;
		m->components_dirty = sxs_hive_recovery(r->components) == SXS_HIVE_UNREPLAYED;
		if ((err = hive_fact(r->components, &m->components_log)))
			goto out;
		err = check_structure(m, true, r->components);
		if (err < 0 || (err == 0 && ((err = read_components_root(r, m)) ||
		                             (err = read_hive_components(r, m)) ||
		                             (err = sxs_deploy_read_hive(r->components, m)) ||
		                             (err = sxs_packages_read_components(m, r->components)))))
			goto out;
		sxs_hive_free(r->components);
		r->components = NULL;
	}
	err = open_hive(img, "SOFTWARE", &r->software, &m->software_problem, &unreadable);
	if (err)
		goto out;
	m->software_unreadable = unreadable;
	if (r->software) {
		m->have_software_hive = true;
		m->software_dirty = sxs_hive_recovery(r->software) == SXS_HIVE_UNREPLAYED;
		if ((err = hive_fact(r->software, &m->software_log)))
			goto out;
		err = check_structure(m, false, r->software);
		if (err < 0 || (err == 0 && ((err = read_build(r, m)) || (err = read_winners(r, m)) ||
		                             (err = sxs_packages_read_software(m, r->software)))))
			goto out;
		sxs_hive_free(r->software);
		r->software = NULL;
	}
	*ret = r;
	return 0;
out:
	sxs_registry_free(r);
	if (err == -SXS_ENOMEM)
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory reading the registry");
	return err;
}

static int identity_from_hive(struct sxs_component *c)
{
	struct sxs_identity id;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err;
	if (c->has_identity || !c->hive_identity)
		return 0;
	err = sxs_identity_parse(c->hive_identity, strlen(c->hive_identity), &id, NULL);
	if (err == -SXS_ENOMEM)
		return err;
	if (err)
		return 0; /* unparsable: the identity-mismatch check will say so */
	err = sxs_identity_keyform(&id, SXS_KEYFORM_WINNERS, &sb);
	if (!err && !(c->winners_key = sxs_strbuf_detach(&sb, NULL)))
		err = -SXS_ENOMEM;
	if (!err)
		err = sxs_identity_copy(&c->id, &id);
	/* has_identity stays false: the manifest itself did not say this */
	sxs_strbuf_release(&sb);
	sxs_identity_release(&id);
	return err;
}

int sxs_registry_identities(struct sxs_model *m)
{
	int err = 0;
	for (size_t i = 0; i < m->ncomps && !err; i++)
		err = identity_from_hive(&m->comps[i]);
	return err;
}

/* Move what the hive says of a component into it. */
static void attach_one(struct hive_component *hc, struct sxs_component *c)
{
	c->in_hive = true;
	c->has_s256h = hc->has_s256h;
	memcpy(c->s256h, hc->s256h, sizeof(c->s256h));
	c->hive_identity = hc->identity;
	hc->identity = NULL;
	c->has_cf = hc->has_cf;
	c->cf = hc->cf;
	c->clinks = hc->clinks;
	c->nclinks = hc->nclinks;
	hc->clinks = NULL;
	hc->nclinks = 0;
	c->fflags = hc->fflags;
	c->nfflags = hc->nfflags;
	hc->fflags = NULL;
	hc->nfflags = 0;
}

int sxs_registry_attach_components(struct sxs_registry *r, struct sxs_model *m,
                                   struct sxs_diag *diag)
{
	size_t absent = 0;
	int err = 0;
	if (!r || !r->nhcomps)
		return 0;
	for (size_t i = 0; i < r->nhcomps; i++) {
		struct sxs_component *c = sxs_model_find(m, r->hcomps[i].name);
		if (c)
			attach_one(&r->hcomps[i], c);
		else
			absent++;
	}
	if (absent) {
		struct sxs_component *v = sxs_reallocarray(m->comps, m->ncomps + absent, sizeof(*v));
		if (!v) {
			err = -SXS_ENOMEM;
			goto out;
		}
		m->comps = v;
		/* the array moved: the index is stale until sxs_model_index below */
		size_t base = m->ncomps;
		for (size_t i = 0, k = 0; i < r->nhcomps; i++) {
			struct hive_component *hc = &r->hcomps[i];
			if (sxs_map_has(&m->by_keyform, hc->name, strlen(hc->name)))
				continue;
			struct sxs_component *c = &m->comps[base + k++];
			memset(c, 0, sizeof(*c));
			c->mstate = SXS_MANIFEST_ABSENT;
			for (char *q = hc->name; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
			c->keyform = hc->name;
			hc->name = NULL;
			m->ncomps++;
			attach_one(hc, c);
		}
		err = sxs_model_index(m);
	}
out:
	if (err == -SXS_ENOMEM)
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory reading COMPONENTS");
	return err;
}
