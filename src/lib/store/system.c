/* SPDX-License-Identifier: MIT */
/*
 * The servicing context of an image (store/system.h): the SYSTEM hive's
 * file system minifilters and pending renames, two SOFTWARE values, and the
 * pending folders of WinSxS.  Hives are read through hive/ only; files are
 * opened relative to the image root without following links.
 */
#include "store/system.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hive/hive.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define MAX_SERVICES 20000

static char *problem(const char *what, const char *why)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "%s: %s", what, why);
	return sxs_strbuf_detach(&sb, NULL);
}

/* Open Windows/System32/config/<name> (names resolved case-insensitively). */
static int open_hive(struct sxs_image *img, const char *name, struct sxs_hive **h_ret, char **problem_ret)
{
	struct sxs_diag diag = {{0}};
	struct sxs_dir *dir = NULL;
	int cfg, err;
	char disp[64];
	*h_ret = NULL;
	snprintf(disp, sizeof(disp), "System32/config/%s", name);
	err = sxs_openat_ci(img->windows_fd, "System32/config", O_DIRECTORY, &cfg, NULL, &diag);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		*problem_ret = problem(disp, "not found");
		return *problem_ret ? 0 : -SXS_ENOMEM;
	}
	if ((err = sxs_dir_load(cfg, &dir, &diag)))
		return err == -SXS_ENOMEM ? err : 0;
	const struct sxs_dirent *e = sxs_dir_find(dir, name);
	if (!e) {
		*problem_ret = problem(disp, "not found");
		err = *problem_ret ? 0 : -SXS_ENOMEM;
	} else {
		err = sxs_hive_open(dir->fd, e->name, disp, h_ret, &diag);
		if (err && err != -SXS_ENOMEM) {
			*problem_ret = sxs_strdup(sxs_diag_msg(&diag, err));
			err = *problem_ret ? 0 : -SXS_ENOMEM;
		}
	}
	sxs_dir_free(dir);
	return err;
}

static int value_str(struct sxs_hive *h, sxs_hnode node, const char *name, char **ret)
{
	int rc = sxs_hive_get_string(h, node, name, ret);
	return rc < 0 ? rc : 0;
}

/* -1 when absent or not a dword */
static int value_dword(struct sxs_hive *h, sxs_hnode node, const char *name, int64_t *ret)
{
	uint32_t d;
	int rc = sxs_hive_get_dword(h, node, name, &d);
	*ret = rc == 1 ? (int64_t)d : -1;
	return rc < 0 ? rc : 0;
}

/* SYSTEM\Select\Current -> "ControlSet00N" (Windows' own rule for CurrentControlSet offline) */
static int control_set(struct sxs_hive *h, sxs_hnode *cs_ret, char **name_ret)
{
	sxs_hnode sel, cs;
	int64_t cur = -1;
	char name[32];
	int err = sxs_hive_path(h, sxs_hive_root(h), "Select", &sel);
	if (err == -SXS_ENOMEM)
		return err;
	if (!err && (err = value_dword(h, sel, "Current", &cur)))
		return err;
	if (cur < 1 || cur > 999)
		cur = 1;
	snprintf(name, sizeof(name), "ControlSet%03d", (int)cur);
	err = sxs_hive_path(h, sxs_hive_root(h), name, &cs);
	if (err)
		return err;
	*cs_ret = cs;
	*name_ret = sxs_strdup(name);
	return *name_ret ? 0 : -SXS_ENOMEM;
}

static int read_filter(struct sxs_hive *h, sxs_hnode svc, sxs_hnode inst, struct sxs_filter_driver *f)
{
	int err;
	if ((err = sxs_hive_node_name(h, svc, &f->name)))
		return err;
	if ((err = value_str(h, svc, "ImagePath", &f->image_path)) || (err = value_str(h, svc, "Group", &f->group)) ||
	    (err = value_str(h, svc, "DisplayName", &f->display_name)) ||
	    (err = value_dword(h, svc, "Start", &f->start)) || (err = value_dword(h, svc, "Type", &f->type)))
		return err;
	/* the altitude of the default instance, else of the first instance that has one */
	char *def = NULL;
	if ((err = value_str(h, inst, "DefaultInstance", &def)))
		return err;
	sxs_hnode in;
	if (def && sxs_hive_child(h, inst, def, &in) == 0) {
		if ((err = value_str(h, in, "Altitude", &f->altitude))) {
			sxs_free(def);
			return err;
		}
		if (f->altitude)
			f->instance = def, def = NULL;
	}
	sxs_free(def);
	if (!f->altitude) {
		sxs_hnode *kids = NULL;
		size_t n = 0;
		if (sxs_hive_children(h, inst, &kids, &n) == 0) {
			for (size_t i = 0; i < n && !f->altitude; i++) {
				if ((err = value_str(h, kids[i], "Altitude", &f->altitude))) {
					sxs_free(kids);
					return err;
				}
				if (f->altitude && (err = sxs_hive_node_name(h, kids[i], &f->instance))) {
					sxs_free(kids);
					return err;
				}
			}
			sxs_free(kids);
		}
	}
	return 0;
}

static int read_system(struct sxs_image *img, struct sxs_servicing_facts *f)
{
	struct sxs_hive *h = NULL;
	sxs_hnode cs, services, sm;
	int err = open_hive(img, "SYSTEM", &h, &f->system_problem);
	if (err || !h)
		return err;
	err = control_set(h, &cs, &f->control_set);
	if (err) {
		if (err != -SXS_ENOMEM) {
			f->system_problem = problem(sxs_hive_display(h), "no ControlSet001 (or Select\\Current)");
			err = f->system_problem ? 0 : -SXS_ENOMEM;
		}
		goto out;
	}
	/* Session Manager\PendingFileRenameOperations: REG_MULTI_SZ of source/target pairs */
	if (sxs_hive_path(h, cs, "Control\\Session Manager", &sm) == 0) {
		struct sxs_hive_value v;
		if (sxs_hive_value(h, sm, "PendingFileRenameOperations", &v) == 0) {
			long strings = 0;
			for (size_t i = 0; i + 1 < v.len; i += 2) {
				bool nul = !v.data[i] && !v.data[i + 1];
				bool prev_nul = i < 2 || (!v.data[i - 2] && !v.data[i - 1]);
				if (nul && !prev_nul)
					strings++;
			}
			f->pending_file_renames = strings;
			sxs_hive_value_release(&v);
		}
	}
	if ((err = sxs_hive_path(h, cs, "Services", &services))) {
		if (err != -SXS_ENOMEM) {
			f->system_problem = problem(sxs_hive_display(h), "no Services key");
			err = f->system_problem ? 0 : -SXS_ENOMEM;
		}
		goto out;
	}
	sxs_hnode *kids = NULL;
	size_t n = 0;
	if ((err = sxs_hive_children(h, services, &kids, &n))) {
		if (err != -SXS_ENOMEM) {
			f->system_problem = sxs_strdup(sxs_hive_error(h));
			err = f->system_problem ? 0 : -SXS_ENOMEM;
		}
		goto out;
	}
	for (size_t i = 0; i < n && i < MAX_SERVICES && !err; i++) {
		sxs_hnode inst;
		/* a file system minifilter is a service with an Instances key (fltmgr registration) */
		if (sxs_hive_child(h, kids[i], "Instances", &inst) != 0)
			continue;
		struct sxs_filter_driver *p = sxs_reallocarray(f->filters, f->nfilters + 1, sizeof(*p));
		if (!p) {
			err = -SXS_ENOMEM;
			break;
		}
		f->filters = p;
		memset(&p[f->nfilters], 0, sizeof(*p));
		p[f->nfilters].start = p[f->nfilters].type = -1;
		err = read_filter(h, kids[i], inst, &p[f->nfilters]);
		f->nfilters++;
	}
	sxs_free(kids);
out:
	sxs_hive_free(h);
	return err;
}

static int read_software(struct sxs_image *img, struct sxs_servicing_facts *f)
{
	struct sxs_hive *h = NULL;
	sxs_hnode k;
	int err = open_hive(img, "SOFTWARE", &h, &f->software_problem);
	if (err || !h)
		return err;
	if (sxs_hive_path(h, sxs_hive_root(h), "Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator\\Lus",
	                  &k) == 0) {
		int64_t v;
		f->lus_key = true;
		if ((err = value_dword(h, k, "installcallbacktimeoutinms", &v)))
			goto out;
		if (v >= 0) {
			f->lus_timeout_set = true;
			f->lus_timeout_ms = (uint32_t)v;
		}
	}
	f->reboot_pending = sxs_hive_path(h, sxs_hive_root(h),
	                                  "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending",
	                                  &k) == 0;
out:
	sxs_hive_free(h);
	return err;
}

static long count_entries(int dirfd, const char *rel)
{
	int fd;
	struct sxs_dir *d = NULL;
	if (sxs_openat_ci(dirfd, rel, O_DIRECTORY, &fd, NULL, NULL))
		return -1;
	if (sxs_dir_load(fd, &d, NULL))
		return -1;
	long n = (long)d->n;
	sxs_dir_free(d);
	return n;
}

static void read_winsxs(struct sxs_image *img, struct sxs_servicing_facts *f)
{
	int fd;
	struct stat sb;
	if (sxs_openat_ci(img->winsxs_fd, "pending.xml", 0, &fd, NULL, NULL) == 0) {
		f->pending_xml = true;
		if (fstat(fd, &sb) == 0)
			f->pending_xml_size = (uint64_t)sb.st_size;
		close(fd);
	}
	f->inflight = count_entries(img->winsxs_fd, "Temp/InFlight");
	f->pending_renames = count_entries(img->winsxs_fd, "Temp/PendingRenames");
	f->pending_deletes = count_entries(img->winsxs_fd, "Temp/PendingDeletes");
}

int sxs_servicing_facts_read(struct sxs_image *img, unsigned what, struct sxs_servicing_facts *f,
                             struct sxs_diag *diag)
{
	int err = 0;
	(void)diag;
	memset(f, 0, sizeof(*f));
	f->pending_file_renames = f->inflight = f->pending_renames = f->pending_deletes = -1;
	f->read = what;
	if ((what & SXS_FACTS_SYSTEM) && (err = read_system(img, f)))
		goto fail;
	if ((what & SXS_FACTS_SOFTWARE) && (err = read_software(img, f)))
		goto fail;
	if (what & SXS_FACTS_WINSXS)
		read_winsxs(img, f);
	return 0;
fail:
	sxs_servicing_facts_release(f);
	return err;
}

void sxs_servicing_facts_release(struct sxs_servicing_facts *f)
{
	for (size_t i = 0; i < f->nfilters; i++) {
		struct sxs_filter_driver *d = &f->filters[i];
		sxs_free(d->name);
		sxs_free(d->altitude);
		sxs_free(d->instance);
		sxs_free(d->image_path);
		sxs_free(d->group);
		sxs_free(d->display_name);
	}
	sxs_free(f->filters);
	sxs_free(f->system_problem);
	sxs_free(f->software_problem);
	sxs_free(f->control_set);
	memset(f, 0, sizeof(*f));
}
