/* SPDX-License-Identifier: MIT */
#include "store/deploy.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest/digest.h"
#include "package/catalog.h"
#include "manifest/identity.h"
#include "util/alloc.h"
#include "util/hex.h"

#define SXS_MAX_DEPLOYMENTS (1u << 20)
#define SXS_MAX_MARKS_PER_DEPLOYMENT 4096
#define SXS_MAX_CATALOG_FILE (64u << 20)
#define MARK_PREFIX_CHARS 60 /* packages.md §5.2: lower(s)[0:60] */

void sxs_mark_release(struct sxs_mark *mk)
{
	sxs_free(mk->value_name);
	sxs_free(mk->data);
	sxs_free(mk->package);
	sxs_free(mk->update);
	sxs_free(mk->problem);
	memset(mk, 0, sizeof(*mk));
}

void sxs_deployment_release(struct sxs_deployment *d)
{
	sxs_free(d->name);
	sxs_free(d->appid);
	sxs_free(d->thumbprint);
	for (size_t i = 0; i < d->nmarks; i++)
		sxs_mark_release(&d->marks[i]);
	sxs_free(d->marks);
	memset(d, 0, sizeof(*d));
}

static char lower(char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

void sxs_mark_name(char kind, const char *s, size_t len, struct sxs_strbuf *out)
{
	sxs_strbuf_addc(out, kind);
	sxs_strbuf_adds(out, "!CBS_");
	for (size_t i = 0; i < len && i < MARK_PREFIX_CHARS; i++)
		sxs_strbuf_addc(out, lower(s[i]));
	sxs_strbuf_addf(out, "_%016llx", (unsigned long long)sxs_keyform_hash_string(s, len));
}

static bool is_digits(const char *s, size_t n)
{
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int sxs_mark_split(const char *s, size_t len, char **package_ret, char **update_ret)
{
	size_t tildes = 0, i = 0;
	for (size_t j = 0; j < len; j++)
		if ((unsigned char)s[j] < 0x20 || (unsigned char)s[j] >= 0x7f)
			return -SXS_EFORMAT; /* identities and update names are printable ASCII */
	for (; i < len && tildes < 4; i++)
		if (s[i] == '~')
			tildes++;
	if (tildes < 4 || i == 4 || s[0] == '~')
		return -SXS_EFORMAT;
	/* i: start of the version; four dot-separated numbers, then '.', the update */
	size_t p = i;
	for (int part = 0; part < 4; part++) {
		size_t q = p;
		while (q < len && s[q] != '.')
			q++;
		if (!is_digits(s + p, q - p))
			return -SXS_EFORMAT;
		if (q >= len)
			return -SXS_EFORMAT; /* no update name */
		if (part == 3) {
			if (q + 1 >= len)
				return -SXS_EFORMAT;
			char *pk = sxs_strndup(s, q), *up = sxs_strndup(s + q + 1, len - q - 1);
			if (!pk || !up) {
				sxs_free(pk);
				sxs_free(up);
				return -SXS_ENOMEM;
			}
			*package_ret = pk;
			*update_ret = up;
			return 0;
		}
		p = q + 1;
	}
	return -SXS_EFORMAT;
}

static int problem(struct sxs_mark *mk, const char *msg)
{
	if (mk->problem)
		return 0;
	return (mk->problem = sxs_strdup(msg)) ? 0 : -SXS_ENOMEM;
}

int sxs_mark_parse(const char *value_name, const uint8_t *data, size_t len, struct sxs_mark *ret)
{
	struct sxs_mark mk = {0};
	int err;
	char k = lower(value_name[0]);
	if ((k != 'p' && k != 's' && k != 'i') || value_name[1] != '!')
		return -SXS_EINVAL;
	mk.kind = k;
	if (!(mk.value_name = sxs_strdup(value_name)))
		return -SXS_ENOMEM;
	/* data: u32 length, u32 flag, the string, one more byte when flag is 1 (GW; VPX) */
	if (len < 8) {
		err = problem(&mk, "data shorter than its 8-byte header");
		goto done;
	}
	uint32_t slen = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	                (uint32_t)data[3] << 24;
	uint32_t flag = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
	                (uint32_t)data[7] << 24;
	if (slen == 0 || slen > SXS_MAX_MARK_STRING || slen > len - 8) {
		err = problem(&mk, "length field does not fit the data");
		goto done;
	}
	size_t extra = len - 8 - slen;
	const char *s = (const char *)data + 8;
	for (uint32_t i = 0; i < slen; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) {
			err = problem(&mk, "string has non-ASCII or control bytes");
			goto done;
		}
	if (!(mk.data = sxs_strndup(s, slen))) {
		err = -SXS_ENOMEM;
		goto done;
	}
	err = sxs_mark_split(s, slen, &mk.package, &mk.update);
	if (err == -SXS_ENOMEM)
		goto done;
	if (err) {
		err = problem(&mk, "string is not '<package identity>.<update name>'");
		goto done;
	}
	if (flag > 1 || extra != flag) {
		err = problem(&mk, "data size does not match its length and flag fields");
		/* the string itself is usable: still check the name below */
		if (err)
			goto done;
	} else {
		mk.data_ok = true;
	}
	struct sxs_strbuf want = SXS_STRBUF_INIT;
	sxs_mark_name(k, s, slen, &want);
	if ((err = sxs_strbuf_error(&want))) {
		sxs_strbuf_release(&want);
		goto done;
	}
	mk.name_ok = strcasecmp(sxs_strbuf_str(&want), value_name) == 0;
	if (!mk.name_ok && slen <= MARK_PREFIX_CHARS) {
		/* open question (§5.2): short strings may come without the hash suffix */
		size_t bare = want.len - 17; /* without "_" + 16 hex */
		mk.name_ok = strlen(value_name) == bare && !strncasecmp(want.buf, value_name, bare);
	}
	if (!mk.name_ok) {
		struct sxs_strbuf msg = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&msg, "name does not match its data (expected %s)", sxs_strbuf_str(&want));
		char *m = sxs_strbuf_detach(&msg, NULL);
		err = m ? problem(&mk, m) : -SXS_ENOMEM;
		sxs_free(m);
	}
	sxs_strbuf_release(&want);
done:
	if (err) {
		sxs_mark_release(&mk);
		return err;
	}
	*ret = mk;
	return 0;
}

static char *lower_dup(const char *s)
{
	char *p = sxs_strdup(s);
	if (p)
		for (char *q = p; *q; q++)
			*q = lower(*q);
	return p;
}

static int read_deployment(struct sxs_hive *h, sxs_hnode node, struct sxs_deployment *d)
{
	struct sxs_hive_value *vals = NULL;
	size_t n = 0;
	int err = sxs_hive_values(h, node, &vals, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	for (size_t i = 0; i < n && !err; i++) {
		const struct sxs_hive_value *v = &vals[i];
		if (!strcasecmp(v->name, "appid")) {
			size_t len = v->len;
			if (len && v->data[len - 1] == 0)
				len--;
			sxs_free(d->appid);
			if (!(d->appid = sxs_strndup((const char *)v->data, len)))
				err = -SXS_ENOMEM;
		} else if (!strcasecmp(v->name, "CatalogThumbprint")) {
			char *t = NULL;
			int serr = sxs_hive_value_string(v, &t);
			if (serr == -SXS_ENOMEM)
				err = serr;
			else if (!serr) {
				sxs_free(d->thumbprint);
				d->thumbprint = t;
			}
		} else if (d->nmarks < SXS_MAX_MARKS_PER_DEPLOYMENT) {
			struct sxs_mark mk;
			int merr = sxs_mark_parse(v->name, v->data, v->len, &mk);
			if (merr == -SXS_EINVAL)
				continue; /* not a mark */
			if (merr) {
				err = merr;
				break;
			}
			struct sxs_mark *a = sxs_reallocarray(d->marks, d->nmarks + 1, sizeof(*a));
			if (!a) {
				sxs_mark_release(&mk);
				err = -SXS_ENOMEM;
				break;
			}
			d->marks = a;
			a[d->nmarks++] = mk;
		}
	}
	sxs_hive_values_free(vals, n);
	return err;
}

static int cmp_deployment(const void *a, const void *b)
{
	return strcmp(((const struct sxs_deployment *)a)->name,
	              ((const struct sxs_deployment *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static int read_names(struct sxs_hive *h, sxs_hnode node, char ***ret, size_t *n_ret)
{
	sxs_hnode *kids = NULL;
	size_t n = 0;
	int err = sxs_hive_children(h, node, &kids, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	char **v = sxs_calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	if (!v)
		err = -SXS_ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		char *name = NULL;
		err = sxs_hive_node_name(h, kids[i], &name);
		if (err == -SXS_ENOMEM)
			break;
		if (!err)
			v[k++] = name;
		err = 0;
	}
	sxs_free(kids);
	if (err) {
		for (size_t i = 0; i < k; i++)
			sxs_free(v[i]);
		sxs_free(v);
		return err;
	}
	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_str);
	*ret = v;
	*n_ret = k;
	return 0;
}

int sxs_deploy_read_hive(struct sxs_hive *h, struct sxs_model *m)
{
	sxs_hnode cd, deps, cats, *kids = NULL;
	size_t n = 0;
	int err = sxs_hive_path(h, sxs_hive_root(h), "CanonicalData", &cd);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	err = sxs_hive_child(h, cd, "Catalogs", &cats);
	if (err == -SXS_ENOMEM)
		return err;
	if (!err && (err = read_names(h, cats, &m->catalog_keys, &m->ncatalog_keys)))
		return err;
	err = sxs_hive_child(h, cd, "Deployments", &deps);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	err = sxs_hive_children(h, deps, &kids, &n);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	if (n > SXS_MAX_DEPLOYMENTS)
		n = SXS_MAX_DEPLOYMENTS;
	m->deployments = sxs_calloc(n ? n : 1, sizeof(*m->deployments));
	if (!m->deployments) {
		sxs_free(kids);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct sxs_deployment *d = &m->deployments[m->ndeployments];
		char *name = NULL;
		err = sxs_hive_node_name(h, kids[i], &name);
		if (err) {
			err = err == -SXS_ENOMEM ? err : 0;
			continue;
		}
		d->name = lower_dup(name);
		sxs_free(name);
		if (!d->name) {
			err = -SXS_ENOMEM;
			break;
		}
		m->ndeployments++;
		err = read_deployment(h, kids[i], d);
	}
	sxs_free(kids);
	if (err)
		return err;
	if (m->ndeployments > 1)
		qsort(m->deployments, m->ndeployments, sizeof(*m->deployments), cmp_deployment);
	m->have_deployment_data = m->ndeployments > 0;
	return 0;
}

struct sxs_deployment *sxs_model_deployment(const struct sxs_model *m, const char *name)
{
	size_t lo = 0, hi = m->ndeployments;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(m->deployments[mid].name, name);
		if (c == 0)
			return &m->deployments[mid];
		/* names are stored lower-cased and sorted with strcmp: same order */
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool find_sorted(char **v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(v[mid], name);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool sxs_model_has_catalog_key(const struct sxs_model *m, const char *thumbprint)
{
	return find_sorted(m->catalog_keys, m->ncatalog_keys, thumbprint);
}

const struct sxs_catalog_file *sxs_model_catalog_file(const struct sxs_model *m,
                                                      const char *thumbprint)
{
	size_t tl = strlen(thumbprint);
	for (size_t i = 0; i < m->ncatalog_files; i++) {
		const char *n = m->catalog_files[i].name;
		if (strlen(n) == tl + 4 && !strncasecmp(n, thumbprint, tl) && !strcasecmp(n + tl, ".cat"))
			return &m->catalog_files[i];
	}
	return NULL;
}

static bool ends_cat(const char *n)
{
	size_t l = strlen(n);
	return l > 4 && !strcasecmp(n + l - 4, ".cat");
}

int sxs_deploy_list_catalogs(struct sxs_image *img, struct sxs_model *m)
{
	struct sxs_diag diag = {{0}};
	struct sxs_dir *dir = NULL;
	int fd, err;
	const struct sxs_dirent *e = img->winsxs ? sxs_dir_find(img->winsxs, "Catalogs") : NULL;
	if (!e)
		return 0;
	err = sxs_openat_ci(img->winsxs_fd, e->name, O_DIRECTORY, &fd, NULL, &diag);
	if (!err)
		err = sxs_dir_load(fd, &dir, &diag);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	m->have_catalog_dir = true;
	m->catalog_files = sxs_calloc(dir->n ? dir->n : 1, sizeof(*m->catalog_files));
	if (!m->catalog_files) {
		sxs_dir_free(dir);
		return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < dir->n && !err; i++) {
		const struct sxs_dirent *de = &dir->ents[i];
		if (!ends_cat(de->name))
			continue;
		struct sxs_catalog_file *cf = &m->catalog_files[m->ncatalog_files++];
		if (!(cf->name = sxs_strdup(de->name))) {
			err = -SXS_ENOMEM;
			break;
		}
		uint8_t *data = NULL;
		size_t len = 0;
		struct sxs_diag d2 = {{0}};
		int ferr = de->type == DT_LNK ? sxs_diag_set(&d2, SXS_ELINK, "a symbolic link; not followed")
		                              : sxs_open_beneath(dir->fd, de->name, &fd, &d2);
		if (!ferr) {
			ferr = sxs_read_fd(fd, SXS_MAX_CATALOG_FILE, &data, &len, &d2, de->name);
			close(fd);
		}
		if (!ferr)
			ferr = sxs_digest_buffer(SXS_DIGEST_SHA256, data, len, cf->sha256, NULL);
		if (!ferr) {
			/* members are what manifest-not-in-catalog looks S256H up in */
			struct sxs_diag d3 = {{0}};
			int perr = sxs_catalog_parse(data, len, NULL, &cf->cat, &d3);
			if (perr == -SXS_ENOMEM)
				ferr = perr;
			else if (perr && !(cf->detail = sxs_strdup(sxs_diag_msg(&d3, perr))))
				ferr = -SXS_ENOMEM;
		}
		sxs_free(data);
		if (ferr == -SXS_ENOMEM) {
			err = ferr;
		} else if (ferr) {
			if (!(cf->detail = sxs_strdup(sxs_diag_msg(&d2, ferr))))
				err = -SXS_ENOMEM;
		} else {
			cf->hashed = true;
		}
	}
	sxs_dir_free(dir);
	return err;
}

static int add_dep(struct sxs_component *c, const char *kf)
{
	char **v = sxs_reallocarray(c->install_deps, c->ninstall_deps + 1, sizeof(*v));
	if (!v)
		return -SXS_ENOMEM;
	c->install_deps = v;
	if (!(v[c->ninstall_deps] = sxs_strdup(kf)))
		return -SXS_ENOMEM;
	c->ninstall_deps++;
	return 0;
}

int sxs_deploy_record_deps(struct sxs_component *c, const struct sxs_identity *deps,
                           const bool *install, size_t n)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		if (!install || !install[i])
			continue;
		sxs_strbuf_reset(&sb);
		int kerr = sxs_identity_keyform(&deps[i], SXS_KEYFORM_FULL, &sb);
		if (kerr == -SXS_ENOMEM)
			err = kerr;
		else if (!kerr)
			err = add_dep(c, sxs_strbuf_str(&sb));
		/* an identity without a key form (no version ...) cannot be looked up: skipped */
	}
	sxs_strbuf_release(&sb);
	return err;
}

int sxs_deploy_link(struct sxs_model *m)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = 0;
	for (size_t i = 0; i < m->ncomps && !err; i++) {
		struct sxs_component *c = &m->comps[i];
		if (!c->id.name || !c->id.version || !c->id.arch)
			continue;
		sxs_strbuf_reset(&sb);
		int kerr = sxs_identity_keyform(&c->id, SXS_KEYFORM_SHORT, &sb);
		if (kerr == -SXS_ENOMEM)
			err = kerr;
		if (kerr)
			continue;
		struct sxs_deployment *d = sxs_model_deployment(m, sxs_strbuf_str(&sb));
		if (d && !d->comp)
			d->comp = c;
	}
	sxs_strbuf_release(&sb);
	return err;
}
