/* SPDX-License-Identifier: MIT */
#include "store/forms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "manifest/identity.h"
#include "store/psfx.h"
#include "store/registry.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define SXS_MAX_LCU_DIRS 256
#define SXS_MAX_FUSION_ENTRIES 100000

struct lcu_dir {
	char *name;
	struct sxs_dir *dir;
};

struct sxs_lcu_index {
	struct lcu_dir *dirs;
	size_t n;
};

void sxs_lcu_index_free(struct sxs_lcu_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->n; i++) {
		sxs_free(ix->dirs[i].name);
		sxs_dir_free(ix->dirs[i].dir);
	}
	sxs_free(ix->dirs);
	sxs_free(ix);
}

/* Open and list a directory below dirfd; NULL (not an error) when it cannot be. */
static int list_dir(int dirfd, const char *name, struct sxs_dir **ret)
{
	struct sxs_diag diag = {{0}};
	int fd, err = sxs_openat_ci(dirfd, name, O_DIRECTORY, &fd, NULL, &diag);
	if (!err)
		err = sxs_dir_load(fd, ret, &diag);
	if (err) {
		*ret = NULL;
		return err == -SXS_ENOMEM ? err : 0;
	}
	return 0;
}

int sxs_lcu_index_load(struct sxs_image *img, struct sxs_model *m, struct sxs_lcu_index **ret,
                       struct sxs_diag *diag)
{
	struct sxs_lcu_index *ix = sxs_calloc(1, sizeof(*ix));
	struct sxs_dir *lcu = NULL;
	int err;
	if (!ix)
		goto oom;
	err = list_dir(img->windows_fd, "servicing/LCU", &lcu);
	if (err)
		goto fail;
	if (lcu) {
		size_t n = lcu->n < SXS_MAX_LCU_DIRS ? lcu->n : SXS_MAX_LCU_DIRS;
		ix->dirs = sxs_calloc(n ? n : 1, sizeof(*ix->dirs));
		m->lcu_dirs = sxs_calloc(n ? n : 1, sizeof(*m->lcu_dirs));
		if (!ix->dirs || !m->lcu_dirs)
			goto oom_dir;
		for (size_t i = 0; i < lcu->n && ix->n < n; i++) {
			const struct sxs_dirent *e = &lcu->ents[i];
			if (e->type != DT_DIR && e->type != DT_UNKNOWN)
				continue;
			struct lcu_dir *d = &ix->dirs[ix->n];
			if ((err = list_dir(lcu->fd, e->name, &d->dir)))
				goto fail;
			if (!d->dir)
				continue;
			if (!(d->name = sxs_strdup(e->name)) ||
			    !(m->lcu_dirs[m->nlcu_dirs] = sxs_strdup(e->name))) {
				sxs_dir_free(d->dir);
				sxs_free(d->name);
				goto oom_dir;
			}
			m->nlcu_dirs++;
			ix->n++;
		}
		sxs_dir_free(lcu);
	}
	*ret = ix;
	return 0;
oom_dir:
	sxs_dir_free(lcu);
oom:
	err = -SXS_ENOMEM;
fail:
	sxs_lcu_index_free(ix);
	sxs_diag_set(diag, SXS_ENOMEM, "out of memory listing servicing\\LCU");
	return err;
}

int sxs_forms_lcu_deltas(const struct sxs_lcu_index *ix, struct sxs_component *c)
{
	if (!ix)
		return 0;
	for (size_t i = 0; i < ix->n; i++) {
		const struct sxs_dirent *e = sxs_dir_find(ix->dirs[i].dir, c->keyform);
		struct sxs_dir *kd = NULL;
		if (!e)
			continue;
		int err = list_dir(ix->dirs[i].dir->fd, e->name, &kd);
		if (err)
			return err;
		if (!kd)
			continue;
		size_t before = c->ndeltas;
		err = sxs_psfx_list(kd, c); /* listed; the hash workers read them (store/psfx.c) */
		sxs_dir_free(kd);
		for (size_t j = before; j < c->ndeltas && !err; j++) {
			struct sxs_delta_file *d = &c->deltas[j];
			struct sxs_strbuf sb = SXS_STRBUF_INIT;
			/* opened below the Windows folder */
			sxs_strbuf_addf(&sb, "servicing/LCU/%s/%s/%s", ix->dirs[i].name, e->name, d->ondisk);
			char *full = sxs_strbuf_detach(&sb, NULL);
			if (!(d->lcu = sxs_strdup(ix->dirs[i].name)) || !full) {
				sxs_free(full);
				err = -SXS_ENOMEM;
				break;
			}
			sxs_free(d->ondisk);
			d->ondisk = full;
		}
		if (err == -SXS_ENOMEM)
			return err;
	}
	return 0;
}

static struct sxs_payload *payload_named(struct sxs_component *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (strlen(c->files[i].name) == len && !strncasecmp(c->files[i].name, name, len))
			return &c->files[i];
	return NULL;
}

void sxs_forms_from_deltas(struct sxs_component *c)
{
	for (size_t i = 0; i < c->ndeltas; i++) {
		const char *p = c->deltas[i].path;
		/* "f\name" as written by sxs_psfx_list */
		if (!p || !p[0] || (p[1] != '\\' && p[1] != '/') || !p[2])
			continue;
		unsigned bit;
		switch (p[0]) {
		case 'f': case 'F': bit = SXS_FORM_F; break;
		case 'r': case 'R': bit = SXS_FORM_R; break;
		case 'n': case 'N': bit = SXS_FORM_N; break;
		default: continue;
		}
		if (c->deltas[i].lcu)
			bit <<= 3; /* SXS_FORM_F -> SXS_FORM_LCU_F, ... */
		struct sxs_payload *pl = payload_named(c, p + 2, strlen(p + 2));
		if (pl)
			pl->forms |= bit;
	}
}

int sxs_forms_match_fflags(struct sxs_component *c)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = 0;
	if (!c->nfflags)
		return 0;
	for (size_t i = 0; i < c->nfiles && !err; i++) {
		struct sxs_payload *p = &c->files[i];
		sxs_strbuf_reset(&sb);
		int verr = sxs_file_value_name(p->name, &sb);
		if (verr == -SXS_ENOMEM)
			err = verr;
		if (verr)
			continue;
		const char *want = sxs_strbuf_str(&sb);
		if (!strncmp(want, "f!", 2))
			want += 2;
		for (size_t j = 0; j < c->nfflags; j++)
			if (!strcasecmp(c->fflags[j].name, want)) {
				p->has_fflag = true;
				p->fflag = c->fflags[j].value;
				c->fflags[j].matched = true;
				break;
			}
	}
	sxs_strbuf_release(&sb);
	return err;
}

#define FILE_ATTRIBUTE_REPARSE_POINT 0x400u

bool sxs_reparse_from_data(const uint8_t *buf, size_t len, uint32_t *tag_ret)
{
	if (len < 4)
		return false;
	uint32_t tag = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
	               (uint32_t)buf[3] << 24;
	if (tag == 0)
		return false;
	*tag_ret = tag;
	return true;
}

bool sxs_reparse_from_attrib(const uint8_t *buf, size_t len)
{
	if (len != 4)
		return false;
	uint32_t a = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
	             (uint32_t)buf[3] << 24;
	return (a & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
}

static bool probe(ssize_t (*get)(const void *, const char *, void *, size_t), const void *who,
                  uint32_t *tag_ret)
{
	uint8_t buf[16 * 1024 + 8]; /* MAXIMUM_REPARSE_DATA_BUFFER_SIZE is 16 KiB */
	/*
	 * The attributes first: one call answers "not a reparse point" for the
	 * common file on ntfs-3g and ntfs3 (each call is a FUSE round trip on
	 * ntfs-3g), and EOPNOTSUPP says the file system has no NTFS attributes at
	 * all (ext4 and the like), so the reparse data need not be asked for.
	 */
	ssize_t n = get(who, "system.ntfs_attrib", buf, sizeof(buf));
	if (n == 4 && !sxs_reparse_from_attrib(buf, 4))
		return false;
	if (n < 0 && (errno == EOPNOTSUPP || errno == ENOTSUP))
		return false;
	bool is_reparse = n == 4;
	n = get(who, "system.ntfs_reparse_data", buf, sizeof(buf));
	if (n >= 4 && sxs_reparse_from_data(buf, (size_t)n, tag_ret))
		return true;
	if (is_reparse) {
		*tag_ret = 0; /* a reparse point whose data this mount does not show */
		return true;
	}
	return false;
}

static ssize_t get_fd(const void *who, const char *name, void *buf, size_t len)
{
	return fgetxattr(*(const int *)who, name, buf, len);
}

static ssize_t get_path(const void *who, const char *name, void *buf, size_t len)
{
	return lgetxattr((const char *)who, name, buf, len);
}

bool sxs_reparse_probe_fd(int fd, uint32_t *tag_ret)
{
	return probe(get_fd, &fd, tag_ret);
}

bool sxs_reparse_probe_at(int dirfd, const char *relpath, uint32_t *tag_ret)
{
	/* no getxattrat(): reach the file through the directory fd's /proc link, without following it */
	char path[64 + 1024];
	int n = snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, relpath);
	if (n < 0 || (size_t)n >= sizeof(path))
		return false;
	return probe(get_path, path, tag_ret);
}

static int cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static int add_fusion(struct sxs_model *m, size_t *cap, const char *k, const char *b, const char *v)
{
	if (m->nfusion >= SXS_MAX_FUSION_ENTRIES)
		return 0;
	if (m->nfusion == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **nv = sxs_reallocarray(m->fusion, ncap, sizeof(*nv));
		if (!nv)
			return -SXS_ENOMEM;
		m->fusion = nv;
		*cap = ncap;
	}
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "%s\\%s\\%s", k, b, v);
	if (!(m->fusion[m->nfusion] = sxs_strbuf_detach(&sb, NULL)))
		return -SXS_ENOMEM;
	m->nfusion++;
	return 0;
}

int sxs_fusion_list(struct sxs_image *img, struct sxs_model *m)
{
	struct sxs_dir *fus = NULL;
	size_t cap = 0;
	int err = 0;
	const struct sxs_dirent *e = img->winsxs ? sxs_dir_find(img->winsxs, "Fusion") : NULL;
	if (!e || e->type == DT_LNK)
		return 0;
	if ((err = list_dir(img->winsxs_fd, e->name, &fus)) || !fus)
		return err;
	for (size_t i = 0; i < fus->n && !err; i++) {
		struct sxs_dir *kd = NULL;
		if (fus->ents[i].type == DT_LNK || (err = list_dir(fus->fd, fus->ents[i].name, &kd)) || !kd)
			continue;
		for (size_t j = 0; j < kd->n && !err; j++) {
			struct sxs_dir *bd = NULL;
			if (kd->ents[j].type == DT_LNK || (err = list_dir(kd->fd, kd->ents[j].name, &bd)) || !bd)
				continue;
			for (size_t k = 0; k < bd->n && !err; k++)
				if (bd->ents[k].type == DT_DIR || bd->ents[k].type == DT_UNKNOWN)
					err = add_fusion(m, &cap, fus->ents[i].name, kd->ents[j].name,
					                 bd->ents[k].name);
			sxs_dir_free(bd);
		}
		sxs_dir_free(kd);
	}
	sxs_dir_free(fus);
	if (!err && m->nfusion > 1)
		qsort(m->fusion, m->nfusion, sizeof(*m->fusion), cmp_str);
	return err;
}

bool sxs_model_has_fusion(const struct sxs_model *m, const char *key, const char *band,
                          const char *version)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	bool found = false;
	sxs_strbuf_addf(&sb, "%s\\%s\\%s", key, band, version);
	if (sxs_strbuf_error(&sb))
		return false;
	const char *want = sxs_strbuf_str(&sb);
	size_t lo = 0, hi = m->nfusion;
	while (lo < hi && !found) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(m->fusion[mid], want);
		if (c == 0)
			found = true;
		else if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	sxs_strbuf_release(&sb);
	return found;
}
