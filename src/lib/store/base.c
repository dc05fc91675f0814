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

