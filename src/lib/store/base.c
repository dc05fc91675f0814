/* SPDX-License-Identifier: MIT */
/* The DCM base manifest (from wcp.dll) and PSFX delta checks. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "pa30/pa30.h"
#include "store/registry.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define SXS_MAX_DELTA_FILE (64u << 20)
#define SXS_MAX_DELTAS_PER_COMPONENT 100000

static const char *const native_arches[] = {"amd64", "x86", "arm64", "arm"};

/* Folder of the servicing stack named by LastWCPVersionToAccessStore. */
static const struct sxs_dirent *stack_by_version(struct sxs_image *img, const char *version)
{
	struct sxs_identity id = {
		.name = (char *)"microsoft-windows-servicingstack",
		.version = (char *)version,
		.public_key_token = (char *)"31bf3856ad364e35",
		.version_scope = (char *)"nonSxS",
	};
	for (size_t i = 0; i < sizeof(native_arches) / sizeof(*native_arches); i++) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		id.arch = (char *)native_arches[i];
		const struct sxs_dirent *e = NULL;
		if (sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb) == 0)
			e = sxs_dir_find(img->winsxs, sxs_strbuf_str(&sb));
		sxs_strbuf_release(&sb);
		if (e)
			return e;
	}
	return NULL;
}

/* The highest-versioned *_microsoft-windows-servicingstack_* folder. */
static const struct sxs_dirent *stack_highest(struct sxs_image *img)
{
	const struct sxs_dirent *best = NULL;
	struct sxs_keyform_parts best_parts;
	for (size_t i = 0; i < img->winsxs->n; i++) {
		const struct sxs_dirent *e = &img->winsxs->ents[i];
		struct sxs_keyform_parts parts;
		if (sxs_keyform_split(e->name, &parts) || strcasecmp(parts.name, "microsoft-windows-servicingstack"))
			continue;
		if (!best || sxs_version_compare(parts.version, best_parts.version) > 0) {
			best = e;
			best_parts = parts;
		}
	}
	return best;
}

static int read_file_at(int dirfd, const char *relpath, size_t max, uint8_t **data_ret,
                        size_t *len_ret, struct sxs_diag *diag)
{
	int fd, err = sxs_openat_ci(dirfd, relpath, 0, &fd, NULL, diag);
	if (err)
		return err;
	err = sxs_read_fd(fd, max, data_ret, len_ret, diag, relpath);
	close(fd);
	return err;
}

static int set_source(struct sxs_model *m, const uint8_t *base, size_t len, const char *what,
                      const char *suffix)
{
	uint8_t d[SXS_DIGEST_MAX];
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = sxs_digest_buffer(SXS_DIGEST_SHA256, base, len, d, NULL);
	if (err)
		return err;
	m->base_manifest_known = len == SXS_BASE_MANIFEST_SIZE &&
	                         memcmp(d, sxs_base_manifest_sha256, 32) == 0;
	sxs_strbuf_adds(&sb, what);
	sxs_strbuf_adds(&sb, suffix);
	sxs_free(m->base_manifest_source);
	m->base_manifest_source = sxs_strbuf_detach(&sb, NULL);
	return m->base_manifest_source ? 0 : -SXS_ENOMEM;
}

int sxs_base_manifest_load(struct sxs_image *img, struct sxs_model *m, const char *wcp_version,
                           const char *override_path, uint8_t **base_ret, size_t *len_ret,
                           char **problem_ret, struct sxs_diag *diag)
{
	struct sxs_diag d2 = {{0}};
	uint8_t *dll = NULL, *base = NULL;
	size_t dlllen = 0, len = 0;
	int err;

	*base_ret = NULL;
	*problem_ret = NULL;
	if (override_path) {
		int fd = open(override_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sxs_diag_set(diag, SXS_ENOENT, "%s: cannot open base manifest", override_path);
		err = sxs_read_fd(fd, SXS_MAX_MANIFEST_SIZE, &base, &len, diag, override_path);
		close(fd);
		if (err)
			return err;
		if ((err = set_source(m, base, len, override_path, " (--base-manifest)"))) {
			sxs_free(base);
			return err;
		}
		*base_ret = base;
		*len_ret = len;
		return 0;
	}
	const struct sxs_dirent *stack = wcp_version ? stack_by_version(img, wcp_version) : NULL;
	if (!stack)
		stack = stack_highest(img);
	struct sxs_strbuf why = SXS_STRBUF_INIT;
	if (!stack) {
		sxs_strbuf_adds(&why, "no servicing stack folder (wcp.dll) in WinSxS to take the DCM base manifest from");
		goto none;
	}
	struct sxs_strbuf rel = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&rel, "%s/wcp.dll", stack->name);
	if ((err = sxs_strbuf_error(&rel)))
		return err;
	err = read_file_at(img->winsxs_fd, sxs_strbuf_str(&rel), SXS_MAX_WCP_SIZE, &dll, &dlllen, &d2);
	if (err == -SXS_ENOMEM) {
		sxs_strbuf_release(&rel);
		return err;
	}
	if (err) {
		sxs_strbuf_addf(&why, "%s: %s", sxs_strbuf_str(&rel), sxs_diag_msg(&d2, err));
		sxs_strbuf_release(&rel);
		goto none;
	}
	const uint8_t *res;
	size_t reslen;
	err = sxs_pe_find_resource(dll, dlllen, SXS_WCP_BASE_MANIFEST_TYPE, SXS_WCP_BASE_MANIFEST_ID,
	                           &res, &reslen, &d2);
	if (err) {
		sxs_strbuf_addf(&why, "%s: no base manifest resource: %s", sxs_strbuf_str(&rel),
		                sxs_diag_msg(&d2, err));
		sxs_strbuf_release(&rel);
		goto none;
	}
	base = sxs_malloc(reslen ? reslen : 1);
	if (!base) {
		sxs_strbuf_release(&rel);
		sxs_free(dll);
		return -SXS_ENOMEM;
	}
	memcpy(base, res, reslen);
	len = reslen;
	err = set_source(m, base, len, sxs_strbuf_str(&rel), " resource 0x266/1");
	sxs_strbuf_release(&rel);
	sxs_free(dll);
	if (err) {
		sxs_free(base);
		return err;
	}
	*base_ret = base;
	*len_ret = len;
	return 0;
none:
	sxs_free(dll);
	*problem_ret = sxs_strbuf_detach(&why, NULL);
	return *problem_ret ? 0 : -SXS_ENOMEM;
}

static int add_delta(struct sxs_component *c, size_t *cap, const char *sub, const char *name,
                     int err, const char *detail)
{
	/* >=: c->deltas may already hold entries of an earlier folder (servicing\LCU) */
	if (c->ndeltas >= *cap) {
		size_t ncap = c->ndeltas ? c->ndeltas * 2 : 8;
		struct sxs_delta_file *v = sxs_reallocarray(c->deltas, ncap, sizeof(*v));
		if (!v)
			return -SXS_ENOMEM;
		c->deltas = v;
		*cap = ncap;
	}
	struct sxs_delta_file *d = &c->deltas[c->ndeltas];
	memset(d, 0, sizeof(*d));
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "%s\\%s", sub, name);
	d->path = sxs_strbuf_detach(&sb, NULL);
	d->err = err;
	d->detail = detail ? sxs_strdup(detail) : NULL;
	if (!d->path || (detail && !d->detail)) {
		sxs_free(d->path);
		sxs_free(d->detail);
		return -SXS_ENOMEM;
	}
	c->ndeltas++;
	return 0;
}

int sxs_model_check_deltas(const struct sxs_dir *folder, struct sxs_component *c)
{
	static const char *const subs[] = {"f", "r", "n"};
	size_t cap = 0;
	int err = 0;
	for (size_t s = 0; s < 3 && !err; s++) {
		const struct sxs_dirent *e = sxs_dir_find(folder, subs[s]);
		if (!e)
			continue;
		int fd;
		struct sxs_dir *dir;
		struct sxs_diag diag = {{0}};
		err = sxs_openat_ci(folder->fd, e->name, O_DIRECTORY, &fd, NULL, &diag);
		if (!err)
			err = sxs_dir_load(fd, &dir, &diag);
		if (err) {
			if (err != -SXS_ENOMEM)
				err = add_delta(c, &cap, subs[s], "", err, sxs_diag_msg(&diag, err));
			continue;
		}
		for (size_t i = 0; i < dir->n && !err && c->ndeltas < SXS_MAX_DELTAS_PER_COMPONENT; i++) {
			const struct sxs_dirent *de = &dir->ents[i];
			uint8_t *data = NULL;
			size_t len = 0;
			struct sxs_diag d2 = {{0}};
			int ferr;
			if (de->type == DT_DIR)
				continue;
			ferr = sxs_openat_ci(dir->fd, de->name, 0, &fd, NULL, &d2);
			if (!ferr) {
				ferr = sxs_read_fd(fd, SXS_MAX_DELTA_FILE, &data, &len, &d2, de->name);
				close(fd);
			}
			if (!ferr) {
				struct sxs_pa30_header hdr;
				ferr = sxs_psfx_check(data, len, &hdr, &d2);
				sxs_free(data);
			}
			if (ferr == -SXS_ENOMEM)
				err = ferr;
			else
				err = add_delta(c, &cap, subs[s], de->name, ferr,
				                ferr ? sxs_diag_msg(&d2, ferr) : NULL);
		}
		sxs_dir_free(dir);
	}
	return err;
}
