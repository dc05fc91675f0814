/* SPDX-License-Identifier: MIT */
#include "package/cbs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hive/hive.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define POQEXEC_PATH "Microsoft\\Windows\\CurrentVersion\\SideBySide\\Configuration"

/*
 * CurrentState names as Microsoft's "CBS Servicing States Chart" writes
 * them (packages.md §4.2, source TIP; the same codes in Winter's CbsState).
 */
static const struct {
	uint32_t code;
	const char *name;
	enum sxs_cbs_state_class cls;
} states[] = {
	{SXS_CBS_ABSENT, "Absent", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_UNINSTALL_PENDING, "Uninstall Pending", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_RESOLVING, "Resolving", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_RESOLVED, "Resolved", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_STAGING, "Staging", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_STAGED, "Staged", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_SUPERSEDED, "Superseded", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_INSTALL_PENDING, "Install Pending", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_PARTIALLY_INSTALLED, "Partially Installed", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_INSTALLED, "Installed", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_PERMANENT, "Permanent", SXS_CBS_STATE_KNOWN},
	{SXS_CBS_RESOLVED_INVALID, "Resolved (invalid)", SXS_CBS_STATE_BROKEN},
	{SXS_CBS_STAGED_INVALID, "Staged (invalid)", SXS_CBS_STATE_BROKEN},
	{SXS_CBS_INSTALLED_INVALID, "Installed (invalid)", SXS_CBS_STATE_BROKEN},
	{SXS_CBS_PERMANENT_INVALID, "Permanent (invalid)", SXS_CBS_STATE_BROKEN},
};

const char *sxs_cbs_state_name(uint32_t state)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++)
		if (states[i].code == state)
			return states[i].name;
	return NULL;
}

enum sxs_cbs_state_class sxs_cbs_state_class(uint32_t state)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++)
		if (states[i].code == state)
			return states[i].cls;
	return SXS_CBS_STATE_UNKNOWN;
}

bool sxs_cbs_state_installed(uint32_t state)
{
	return state == SXS_CBS_INSTALLED || state == SXS_CBS_PERMANENT;
}

void sxs_cbs_init(struct sxs_cbs *c)
{
	memset(c, 0, sizeof(*c));
	sxs_map_init_borrowed(&c->by_name, true);
}

void sxs_cbs_release(struct sxs_cbs *c)
{
	for (size_t i = 0; i < c->npackages; i++) {
		struct sxs_cbs_package *p = &c->packages[i];
		sxs_free(p->name);
		sxs_free(p->install_name);
		sxs_free(p->install_client);
		sxs_free(p->install_location);
	}
	sxs_free(c->packages);
	sxs_map_release(&c->by_name);
	sxs_strv_free(c->pending, c->npending);
	sxs_strv_free(c->version_names, c->nversions);
	sxs_strv_free(c->version_paths, c->nversions);
	sxs_free(c->poqexec_cmdline);
	sxs_free(c->problem);
	sxs_cbs_init(c);
}

const struct sxs_cbs_package *sxs_cbs_find(const struct sxs_cbs *c, const char *name)
{
	if (!c || !name)
		return NULL;
	return sxs_map_get(&c->by_name, name, strlen(name));
}

/* ---- reading ------------------------------------------------------------ */

/* Record why part of the key could not be read (first reason wins). */
static int problem(struct sxs_cbs *c, struct sxs_hive *h, const char *where, int err)
{
	if (err == -SXS_ENOMEM)
		return err;
	if (c->problem)
		return 0;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	const char *why = sxs_hive_error(h);
	sxs_strbuf_addf(&sb, "%s: %s", where, why && *why ? why : sxs_strerror(err));
	c->problem = sxs_strbuf_detach(&sb, NULL);
	return c->problem ? 0 : -SXS_ENOMEM;
}

/* 1 found, 0 absent, SXS_HIVE_OTHER_TYPE present but not a string/dword, -SXS_ENOMEM. */
static int get_string(struct sxs_hive *h, sxs_hnode node, const char *name, char **ret)
{
	int rc = sxs_hive_get_string(h, node, name, ret);
	return rc < 0 ? rc : 0;
}

/* Subkey `name`: 1 found (*ret set when ret), 0 absent or unreadable, -SXS_ENOMEM. */
static int has_key(struct sxs_hive *h, sxs_hnode parent, const char *name, sxs_hnode *ret)
{
	sxs_hnode n;
	int err = sxs_hive_child(h, parent, name, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	if (ret)
		*ret = n;
	return 1;
}

static int read_owners(struct sxs_hive *h, sxs_hnode node, struct sxs_cbs_package *p)
{
	sxs_hnode owners;
	struct sxs_hive_value *vals = NULL;
	size_t n = 0;
	int k = has_key(h, node, "Owners", &owners);
	if (k <= 0)
		return k;
	p->has_owners = true;
	int err = sxs_hive_values(h, owners, &vals, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	p->nowners = n;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(vals[i].name, p->name))
			p->owned_by_self = true;
	sxs_hive_values_free(vals, n);
	return 0;
}

static int read_package(struct sxs_hive *h, sxs_hnode node, struct sxs_cbs_package *p)
{
	uint32_t hi = 0, lo = 0;
	int rc, rh, rl;

	rc = sxs_hive_get_dword(h, node, "CurrentState", &p->state);
	if (rc == -SXS_ENOMEM)
		return rc;
	p->has_state = rc == 1;
	p->state_unreadable = rc == SXS_HIVE_OTHER_TYPE;
	if ((rc = sxs_hive_get_dword(h, node, "Visibility", &p->visibility)) == -SXS_ENOMEM)
		return rc;
	p->has_visibility = rc == 1;
	uint32_t dv;
	if ((rc = sxs_hive_get_dword(h, node, "DefVis", &dv)) == -SXS_ENOMEM)
		return rc;
	p->has_defvis = rc != 0;
	if ((rh = sxs_hive_get_dword(h, node, "InstallTimeHigh", &hi)) == -SXS_ENOMEM ||
	    (rl = sxs_hive_get_dword(h, node, "InstallTimeLow", &lo)) == -SXS_ENOMEM)
		return -SXS_ENOMEM;
	if (rh == 1 && rl == 1) {
		p->has_install_time = true;
		p->install_time = (uint64_t)hi << 32 | lo;
	}
	int err;
	if ((err = get_string(h, node, "InstallName", &p->install_name)) ||
	    (err = get_string(h, node, "InstallClient", &p->install_client)) ||
	    (err = get_string(h, node, "InstallLocation", &p->install_location)))
		return err;
	return read_owners(h, node, p);
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct sxs_cbs_package *x = a, *y = b;
	return strcasecmp(x->name, y->name);
}

static int read_packages(struct sxs_hive *h, sxs_hnode cbs, struct sxs_cbs *c)
{
	sxs_hnode pk, *kids = NULL;
	size_t n = 0;
	int err = sxs_hive_child(h, cbs, "Packages", &pk);
	if (err == -SXS_ENOENT)
		return 0;
	if (err)
		return problem(c, h, "Component Based Servicing\\Packages", err);
	if ((err = sxs_hive_children(h, pk, &kids, &n)))
		return problem(c, h, "Component Based Servicing\\Packages", err);
	c->have_packages = true;
	if (n > SXS_MAX_CBS_PACKAGES) {
		sxs_free(kids);
		return -SXS_ELIMIT;
	}
	if (n && !(c->packages = sxs_calloc(n, sizeof(*c->packages)))) {
		sxs_free(kids);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct sxs_cbs_package *p = &c->packages[c->npackages];
		if ((err = sxs_hive_node_name(h, kids[i], &p->name))) {
			err = problem(c, h, "Component Based Servicing\\Packages", err);
			continue; /* a key whose name cannot be read is left out */
		}
		c->npackages++;
		err = read_package(h, kids[i], p);
	}
	sxs_free(kids);
	if (err)
		return err;
	qsort(c->packages, c->npackages, sizeof(*c->packages), cmp_pkg);
	for (size_t i = 0; i < c->npackages; i++) {
		struct sxs_cbs_package *p = &c->packages[i];
		/* two keys differing only in case: the first one wins */
		if (!sxs_map_has(&c->by_name, p->name, strlen(p->name)) &&
		    sxs_map_put(&c->by_name, p->name, strlen(p->name), p))
			return -SXS_ENOMEM;
	}
	return 0;
}

static int read_pending(struct sxs_hive *h, sxs_hnode cbs, struct sxs_cbs *c)
{
	sxs_hnode pp, *kids = NULL;
	size_t n = 0;
	int err = has_key(h, cbs, "PackagesPending", &pp);
	if (err <= 0)
		return err;
	if ((err = sxs_hive_children(h, pp, &kids, &n)))
		return problem(c, h, "Component Based Servicing\\PackagesPending", err);
	if (n > SXS_MAX_CBS_PACKAGES) {
		sxs_free(kids);
		return -SXS_ELIMIT;
	}
	if (n && !(c->pending = sxs_calloc(n, sizeof(*c->pending)))) {
		sxs_free(kids);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		if ((err = sxs_hive_node_name(h, kids[i], &c->pending[c->npending])))
			err = problem(c, h, "Component Based Servicing\\PackagesPending", err);
		else
			c->npending++;
	}
	sxs_free(kids);
	return err;
}

static int read_sessions(struct sxs_hive *h, sxs_hnode cbs, struct sxs_cbs *c)
{
	sxs_hnode sp;
	int rc = has_key(h, cbs, "SessionsPending", &sp);
	if (rc <= 0)
		return rc;
	c->has_sessions_pending = true;
	if ((rc = sxs_hive_get_dword(h, sp, "Exclusive", &c->exclusive)) == -SXS_ENOMEM)
		return rc;
	c->has_exclusive = rc == 1;
	if ((rc = sxs_hive_get_dword(h, sp, "TotalSessionPhases", &c->total_phases)) == -SXS_ENOMEM)
		return rc;
	c->has_total_phases = rc == 1;
	return 0;
}

/* Version: one value per servicing stack version (WD: exactly one is expected). */
static int read_version(struct sxs_hive *h, sxs_hnode cbs, struct sxs_cbs *c)
{
	sxs_hnode vk;
	struct sxs_hive_value *vals = NULL;
	size_t n = 0;
	int err = has_key(h, cbs, "Version", &vk);
	if (err <= 0)
		return err;
	c->has_version_key = true;
	if ((err = sxs_hive_values(h, vk, &vals, &n)))
		return problem(c, h, "Component Based Servicing\\Version", err);
	if (n && (!(c->version_names = sxs_calloc(n, sizeof(char *))) ||
	          !(c->version_paths = sxs_calloc(n, sizeof(char *))))) {
		err = -SXS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(c->version_names[i] = sxs_strdup(vals[i].name))) {
			err = -SXS_ENOMEM;
			goto out;
		}
		c->nversions++;
		err = sxs_hive_value_string(&vals[i], &c->version_paths[i]);
		if (err == -SXS_ENOMEM)
			goto out;
		if (err)
			c->version_paths[i] = NULL;
		err = 0;
	}
out:
	sxs_hive_values_free(vals, n);
	return err;
}

static int read_poqexec(struct sxs_hive *h, struct sxs_cbs *c)
{
	sxs_hnode cfg;
	struct sxs_hive_value v;
	int err = sxs_hive_path(h, sxs_hive_root(h), POQEXEC_PATH, &cfg);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	err = sxs_hive_value(h, cfg, "PoqexecCmdline", &v);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	/* REG_MULTI_SZ: read the first string like a REG_SZ */
	if (v.type == SXS_REG_MULTI_SZ)
		v.type = SXS_REG_SZ;
	err = sxs_hive_value_string(&v, &c->poqexec_cmdline);
	sxs_hive_value_release(&v);
	if (err && err != -SXS_ENOMEM) {
		c->poqexec_cmdline = NULL;
		err = 0;
	}
	return err;
}

int sxs_cbs_read(struct sxs_hive *h, struct sxs_cbs *c)
{
	sxs_hnode cbs;
	int err = sxs_hive_path(h, sxs_hive_root(h), SXS_CBS_PATH, &cbs);
	if (err == -SXS_ENOENT)
		return read_poqexec(h, c);
	if (err)
		return problem(c, h, "Component Based Servicing", err);
	c->present = true;
	int rp = has_key(h, cbs, "RebootPending", NULL);
	int rip = has_key(h, cbs, "RebootInProgress", NULL);
	if (rp < 0 || rip < 0)
		return -SXS_ENOMEM;
	c->reboot_pending = rp > 0;
	c->reboot_in_progress = rip > 0;
	if ((err = read_packages(h, cbs, c)) || (err = read_pending(h, cbs, c)) ||
	    (err = read_sessions(h, cbs, c)) || (err = read_version(h, cbs, c)))
		return err;
	return read_poqexec(h, c);
}
