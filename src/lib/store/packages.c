/* SPDX-License-Identifier: MIT */
#include "store/packages.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest/digest.h"
#include "hive/hive.h"
#include "manifest/identity.h"
#include "manifest/xml.h"
#include "store/model.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define PACKAGES_DIR "servicing/Packages"
#define SXS_MAX_MUM_SIZE (16u << 20)
#define PENDING_XML_HEAD (64u << 10) /* the root element is all we read */

struct sxs_packages *sxs_packages_new(void)
{
	struct sxs_packages *p = sxs_calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	sxs_cbs_init(&p->cbs);
	sxs_map_init_borrowed(&p->by_name, true);
	return p;
}

static void package_release(struct sxs_package *p)
{
	sxs_free(p->name);
	sxs_free(p->mum_ondisk);
	sxs_free(p->mum_detail);
	sxs_mum_free(p->mum);
	sxs_free(p->cat_ondisk);
	sxs_free(p->cat_detail);
	sxs_free(p->cat_signature_detail);
}

void sxs_packages_free(struct sxs_packages *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		package_release(&p->v[i]);
	sxs_free(p->v);
	sxs_map_release(&p->by_name);
	sxs_cbs_release(&p->cbs);
	sxs_free(p->listing_problem);
	sxs_free(p->wcp_version);
	sxs_free(p->pending_xml_id);
	sxs_free(p->pending_xml_problem);
	sxs_free(p->pending_hive_id);
	for (size_t i = 0; i < p->nssv; i++) {
		sxs_free(p->ssv[i].folder);
		sxs_free(p->ssv[i].folder_version);
	}
	sxs_free(p->ssv);
	sxs_free(p);
}

const char *sxs_pkg_file_state_name(enum sxs_pkg_file_state s)
{
	switch (s) {
	case SXS_PKG_FILE_ABSENT:
		return "absent";
	case SXS_PKG_FILE_OK:
		return "ok";
	case SXS_PKG_FILE_CORRUPT:
		return "corrupt";
	case SXS_PKG_FILE_UNREADABLE:
		return "unreadable";
	case SXS_PKG_FILE_LINK:
		return "link";
	}
	return "?";
}

const struct sxs_package *sxs_packages_find(const struct sxs_packages *p, const char *identity)
{
	if (!p || !identity)
		return NULL;
	return sxs_map_get(&p->by_name, identity, strlen(identity));
}

int sxs_packages_state(const struct sxs_packages *p, const char *identity, uint32_t *state_ret)
{
	const struct sxs_cbs_package *reg = p ? sxs_cbs_find(&p->cbs, identity) : NULL;
	if (!reg || !reg->has_state)
		return -SXS_ENOENT;
	*state_ret = reg->state;
	return 0;
}

bool sxs_packages_installed(const struct sxs_packages *p, const char *identity)
{
	uint32_t st;
	return sxs_packages_state(p, identity, &st) == 0 && sxs_cbs_state_installed(st);
}

static struct sxs_packages *get(struct sxs_model *m)
{
	if (!m->packages)
		m->packages = sxs_packages_new();
	return m->packages;
}

/* ---- registry ------------------------------------------------------------ */

int sxs_packages_read_software(struct sxs_model *m, struct sxs_hive *software)
{
	struct sxs_packages *p = get(m);
	if (!p)
		return -SXS_ENOMEM;
	int err = sxs_cbs_read(software, &p->cbs);
	if (err)
		return err;
	p->have_registry = p->cbs.have_packages;
	return 0;
}

int sxs_packages_read_components(struct sxs_model *m, struct sxs_hive *components)
{
	struct sxs_packages *p = get(m);
	struct sxs_hive_value v;
	if (!p)
		return -SXS_ENOMEM;
	int err = sxs_hive_value(components, sxs_hive_root(components), "PendingXmlIdentifier", &v);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	p->pending_hive = true;
	/* REG_BINARY holding UTF-16LE text and a NUL (packages.md §4.4) */
	v.type = SXS_REG_SZ;
	err = sxs_hive_value_string(&v, &p->pending_hive_id);
	sxs_hive_value_release(&v);
	if (err && err != -SXS_ENOMEM) {
		p->pending_hive_id = NULL;
		err = 0;
	}
	return err;
}

/* ---- servicing\Packages -------------------------------------------------- */

static bool ends_with_ci(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len > n && strcasecmp(s + len - n, suffix) == 0;
}

/* Entry for `name` (len bytes), created when absent.  NULL on oom. */
static struct sxs_package *entry(struct sxs_packages *p, size_t *cap, const char *name, size_t len)
{
	struct sxs_package *e = sxs_map_get(&p->by_name, name, len);
	if (e)
		return e;
	if (p->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct sxs_package *v = sxs_reallocarray(p->v, ncap, sizeof(*v));
		if (!v)
			return NULL;
		/* the array moved: re-point the map's values and borrowed keys */
		p->v = v;
		*cap = ncap;
		sxs_map_release(&p->by_name);
		sxs_map_init_borrowed(&p->by_name, true);
		for (size_t i = 0; i < p->n; i++)
			if (sxs_map_put(&p->by_name, v[i].name, strlen(v[i].name), &v[i]))
				return NULL;
	}
	e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	if (!(e->name = sxs_strndup(name, len)))
		return NULL;
	p->n++;
	if (sxs_map_put(&p->by_name, e->name, len, e))
		return NULL;
	return e;
}

static int cmp_package(const void *a, const void *b)
{
	const struct sxs_package *x = a, *y = b;
	return strcasecmp(x->name, y->name);
}

static int set_str(char **field, const char *s)
{
	sxs_free(*field);
	*field = sxs_strdup(s);
	return *field ? 0 : -SXS_ENOMEM;
}

/* Read one file of servicing\Packages; state and detail say what happened. */
static int read_file(const struct sxs_dir *dir, const char *ondisk, size_t max,
                     enum sxs_pkg_file_state *state, char **detail, uint8_t **data, size_t *len)
{
	struct sxs_diag diag = {{0}};
	struct sxs_strbuf disp = SXS_STRBUF_INIT;
	int fd = -1, err;

	*data = NULL;
	sxs_strbuf_addf(&disp, "servicing/Packages/%s", ondisk);
	if ((err = sxs_strbuf_error(&disp)))
		return err;
	err = sxs_open_beneath(dir->fd, ondisk, &fd, &diag);
	if (!err)
		err = sxs_read_fd(fd, max, data, len, &diag, sxs_strbuf_str(&disp));
	if (fd >= 0)
		close(fd);
	sxs_strbuf_release(&disp);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		*state = err == -SXS_ELINK ? SXS_PKG_FILE_LINK : SXS_PKG_FILE_UNREADABLE;
		return set_str(detail, sxs_diag_msg(&diag, err));
	}
	return 0;
}

static int load_mum(const struct sxs_dir *dir, struct sxs_package *e, const uint8_t **bytes,
                    size_t *blen, uint8_t **owned)
{
	struct sxs_diag diag = {{0}};
	size_t len = 0, hlen;
	uint8_t *data = NULL;
	int err = read_file(dir, e->mum_ondisk, SXS_MAX_MUM_SIZE, &e->mum_state, &e->mum_detail,
	                    &data, &len);
	if (err || !data)
		return err;
	if ((err = sxs_digest_buffer(SXS_DIGEST_SHA256, data, len, e->mum_sha256, &hlen)))
		goto out;
	err = sxs_mum_parse(data, len, &e->mum, &diag);
	if (err == -SXS_ENOMEM)
		goto out;
	if (err) {
		e->mum_state = SXS_PKG_FILE_CORRUPT;
		err = set_str(&e->mum_detail, sxs_diag_msg(&diag, err));
	} else {
		/* the identity must reproduce the file name, ignoring case (packages.md §2.2) */
		size_t ml = strlen(e->mum_ondisk);
		e->mum_state = SXS_PKG_FILE_OK;
		e->mum_name_ok = strlen(e->mum->identity) + 4 == ml &&
		                 strncasecmp(e->mum->identity, e->mum_ondisk, ml - 4) == 0;
	}
	*bytes = data;
	*blen = len;
	*owned = data;
	return err;
out:
	sxs_free(data);
	return err;
}

static int load_cat(const struct sxs_dir *dir, struct sxs_package *e,
                    const struct sxs_catalog_options *opt, struct sxs_catalog **cat_ret)
{
	struct sxs_diag diag = {{0}};
	size_t len = 0;
	uint8_t *data = NULL;
	int err = read_file(dir, e->cat_ondisk, SXS_MAX_CATALOG_SIZE, &e->cat_state, &e->cat_detail,
	                    &data, &len);
	if (err || !data)
		return err;
	err = sxs_catalog_parse(data, len, opt, cat_ret, &diag);
	sxs_free(data);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		e->cat_state = SXS_PKG_FILE_CORRUPT;
		return set_str(&e->cat_detail, sxs_diag_msg(&diag, err));
	}
	e->cat_state = SXS_PKG_FILE_OK;
	memcpy(e->cat_sha256, (*cat_ret)->sha256, 32);
	e->cat_signature = (*cat_ret)->signature;
	e->cat_chain = (*cat_ret)->chain;
	if ((*cat_ret)->signature_detail)
		return set_str(&e->cat_signature_detail, (*cat_ret)->signature_detail);
	return 0;
}

/* Read the .mum and .cat of one package and decide membership. */
static int load_pair(const struct sxs_dir *dir, struct sxs_package *e,
                     const struct sxs_catalog_options *opt)
{
	const uint8_t *mbytes = NULL;
	size_t mlen = 0;
	uint8_t *owned = NULL;
	struct sxs_catalog *cat = NULL;
	int err = 0;

	if (e->mum_ondisk) {
		if ((err = load_mum(dir, e, &mbytes, &mlen, &owned)))
			goto out;
	}
	if (e->cat_ondisk) {
		if ((err = load_cat(dir, e, opt, &cat)))
			goto out;
	}
	/*
	 * Membership is decided on the raw bytes whether or not the XML parses
	 * (packages.md §6.1, §6.2.9: never normalise BOM or line ends).
	 */
	if (mbytes && cat) {
		bool member;
		if ((err = sxs_catalog_has_file(cat, mbytes, mlen, &member)))
			goto out;
		e->mum_in_cat = member ? SXS_PKG_MEMBER_YES : SXS_PKG_MEMBER_NO;
	}
	e->pair_verified = e->mum_name_ok && e->cat_state == SXS_PKG_FILE_OK &&
	                   e->cat_signature == SXS_CAT_SIG_VALID && e->mum_in_cat == SXS_PKG_MEMBER_YES;
out:
	sxs_free(owned);
	sxs_catalog_free(cat);
	return err;
}

static int list_packages(struct sxs_image *img, struct sxs_packages *p, struct sxs_dir **dir_ret)
{
	struct sxs_diag diag = {{0}};
	int fd = -1;
	int err = sxs_openat_ci(img->windows_fd, PACKAGES_DIR, O_DIRECTORY, &fd, NULL, &diag);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (strcmp(img->windows_name, ".") != 0)
			sxs_strbuf_addf(&sb, "%s/", img->windows_name);
		sxs_strbuf_addf(&sb, "%s: %s", PACKAGES_DIR,
		                err == -SXS_ENOENT ? "not found" : sxs_diag_msg(&diag, err));
		p->listing_problem = sxs_strbuf_detach(&sb, NULL);
		return p->listing_problem ? 0 : -SXS_ENOMEM;
	}
	err = sxs_dir_load(fd, dir_ret, &diag);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		*dir_ret = NULL;
		return set_str(&p->listing_problem, sxs_diag_msg(&diag, err));
	}
	p->have_listing = true;
	return 0;
}

static int join(struct sxs_packages *p, const struct sxs_dir *dir)
{
	size_t *cap = &p->vcap;
	for (size_t i = 0; dir && i < dir->n; i++) {
		const struct sxs_dirent *d = &dir->ents[i];
		size_t len = strlen(d->name);
		bool mum = ends_with_ci(d->name, len, ".mum"), cat = ends_with_ci(d->name, len, ".cat");
		if (!mum && !cat)
			continue;
		struct sxs_package *e = entry(p, cap, d->name, len - 4);
		if (!e)
			return -SXS_ENOMEM;
		char **slot = mum ? &e->mum_ondisk : &e->cat_ondisk;
		if (*slot)
			continue; /* a second spelling on a case-sensitive mount: the first wins */
		if (!(*slot = sxs_strdup(d->name)))
			return -SXS_ENOMEM;
	}
	for (size_t i = 0; i < p->cbs.npackages; i++) {
		const struct sxs_cbs_package *reg = &p->cbs.packages[i];
		struct sxs_package *e = entry(p, cap, reg->name, strlen(reg->name));
		if (!e)
			return -SXS_ENOMEM;
		if (!e->reg)
			e->reg = reg;
	}
	/* the registry's spelling of a name is the one shown */
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].reg && strcmp(p->v[i].name, p->v[i].reg->name) != 0) {
			char *n = sxs_strdup(p->v[i].reg->name);
			if (!n)
				return -SXS_ENOMEM;
			sxs_free(p->v[i].name);
			p->v[i].name = n;
		}
	/* sort, then index the final array (the names above were freed: rebuild) */
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), cmp_package);
	sxs_map_release(&p->by_name);
	sxs_map_init_borrowed(&p->by_name, true);
	for (size_t i = 0; i < p->n; i++)
		if (sxs_map_put(&p->by_name, p->v[i].name, strlen(p->v[i].name), &p->v[i]))
			return -SXS_ENOMEM;
	for (size_t i = 0; i < p->cbs.npending; i++) {
		struct sxs_package *e = sxs_map_get(&p->by_name, p->cbs.pending[i],
		                                    strlen(p->cbs.pending[i]));
		if (e)
			e->pending = true;
	}
	return 0;
}

int sxs_packages_add_verified(struct sxs_packages *p, const char *name, const uint8_t mum_sha256[32],
                              const uint8_t cat_sha256[32])
{
	if (p->n && strcasecmp(p->v[p->n - 1].name, name) >= 0)
		return -SXS_EFORMAT;
	struct sxs_package *e = entry(p, &p->vcap, name, strlen(name));
	if (!e)
		return -SXS_ENOMEM;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "%s.mum", name);
	if (!(e->mum_ondisk = sxs_strbuf_detach(&sb, NULL)))
		return -SXS_ENOMEM;
	e->mum_state = SXS_PKG_FILE_OK;
	e->cat_state = SXS_PKG_FILE_OK;
	e->cat_signature = SXS_CAT_SIG_VALID;
	e->mum_in_cat = SXS_PKG_MEMBER_YES;
	e->pair_verified = true;
	memcpy(e->mum_sha256, mum_sha256, 32);
	memcpy(e->cat_sha256, cat_sha256, 32);
	p->have_listing = true;
	return 0;
}

/* ---- servicing stack Version -------------------------------------------- */

static int load_ssv(struct sxs_image *img, struct sxs_packages *p)
{
	if (!p->cbs.nversions)
		return 0;
	p->ssv = sxs_calloc(p->cbs.nversions, sizeof(*p->ssv));
	if (!p->ssv)
		return -SXS_ENOMEM;
	p->nssv = p->cbs.nversions;
	for (size_t i = 0; i < p->nssv; i++) {
		struct sxs_pkg_ssv *s = &p->ssv[i];
		s->name = p->cbs.version_names[i];
		s->path = p->cbs.version_paths[i];
		if (!s->path)
			continue;
		/* "%SystemRoot%\WinSxS\<folder>" (any case, either separator) */
		const char *last = NULL, *prev = NULL;
		for (const char *q = s->path; *q; q++)
			if (*q == '\\' || *q == '/') {
				prev = last;
				last = q;
			}
		if (!last || !last[1])
			continue;
		const char *dirname = prev ? prev + 1 : s->path;
		if ((size_t)(last - dirname) != 6 || strncasecmp(dirname, "WinSxS", 6) != 0)
			continue;
		if (!(s->folder = sxs_strdup(last + 1)))
			return -SXS_ENOMEM;
		const struct sxs_dirent *d = img->winsxs ? sxs_dir_find(img->winsxs, s->folder) : NULL;
		s->folder_exists = d && (d->type == DT_DIR || d->type == DT_UNKNOWN);
		struct sxs_keyform_parts parts;
		if (sxs_keyform_split(s->folder, &parts) == 0 && parts.version[0] &&
		    !(s->folder_version = sxs_strdup(parts.version)))
			return -SXS_ENOMEM;
	}
	return 0;
}

/* ---- pending.xml ---------------------------------------------------------- */

static int pending_root(void *ctx, struct sxs_xml_reader *r, const struct sxs_xml_elem *e)
{
	char **id = ctx;
	(void)r;
	const char *v = sxs_xml_attr(e, "Identifier");
	if (v && !(*id = sxs_strdup(v)))
		return -SXS_ENOMEM;
	return 1; /* the root is all we need */
}

static int load_pending_xml(struct sxs_image *img, struct sxs_packages *p)
{
	static const struct sxs_xml_handler h = {.start = pending_root};
	struct sxs_diag diag = {{0}};
	const struct sxs_dirent *d = img->winsxs ? sxs_dir_find(img->winsxs, "pending.xml") : NULL;
	uint8_t *buf = NULL;
	int fd = -1, err;

	if (!d)
		return 0;
	p->pending_xml = true;
	err = sxs_open_beneath(img->winsxs_fd, d->name, &fd, &diag);
	if (err == -SXS_ENOMEM)
		return err;
	if (err)
		return set_str(&p->pending_xml_problem, sxs_diag_msg(&diag, err));
	buf = sxs_malloc(PENDING_XML_HEAD);
	if (!buf) {
		close(fd);
		return -SXS_ENOMEM;
	}
	ssize_t n = pread(fd, buf, PENDING_XML_HEAD, 0);
	close(fd);
	if (n < 0) {
		sxs_free(buf);
		return set_str(&p->pending_xml_problem, "WinSxS/pending.xml: read error");
	}
	err = sxs_xml_parse(buf, (size_t)n, "WinSxS/pending.xml", &h, &p->pending_xml_id, &diag);
	sxs_free(buf);
	if (err == -SXS_ENOMEM)
		return err;
	if (err)
		return set_str(&p->pending_xml_problem, sxs_diag_msg(&diag, err));
	return 0;
}

/*
 * The pairs are independent: read them on up to `jobs` threads (each
 * writes only its own entry).  A catalog costs about 2 ms, most of it
 * libcrypto decoding the certificates, and a Windows 10 image has 3,500
 * packages.  jobs = 1 keeps the allocation order fixed (fault injection).
 */
#define SXS_MAX_PACKAGE_JOBS 16

struct pair_jobs {
	struct sxs_packages *p;
	const struct sxs_dir *dir;
	const struct sxs_catalog_options *opt;
	atomic_size_t next;
	atomic_int err;
};

static void *pair_worker(void *arg)
{
	struct pair_jobs *j = arg;
	while (!atomic_load(&j->err)) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->p->n)
			break;
		int err = load_pair(j->dir, &j->p->v[i], j->opt);
		if (err) {
			int none = 0;
			atomic_compare_exchange_strong(&j->err, &none, err);
		}
	}
	return NULL;
}

static int load_pairs(struct sxs_packages *p, const struct sxs_dir *dir,
                      const struct sxs_catalog_options *opt, unsigned jobs)
{
	struct pair_jobs j = {.p = p, .dir = dir, .opt = opt};
	pthread_t tids[SXS_MAX_PACKAGE_JOBS];
	unsigned started = 0;

	atomic_init(&j.next, 0);
	atomic_init(&j.err, 0);
	if (jobs > SXS_MAX_PACKAGE_JOBS)
		jobs = SXS_MAX_PACKAGE_JOBS;
	if (jobs > p->n / 16 + 1)
		jobs = (unsigned)(p->n / 16 + 1); /* a few packages: not worth a thread */
	/* this thread is one of the workers; a thread that cannot start is just not there */
	for (unsigned t = 1; t < jobs; t++)
		if (pthread_create(&tids[started], NULL, pair_worker, &j) == 0)
			started++;
	pair_worker(&j);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	for (size_t i = 0; i < p->n; i++) {
		const struct sxs_package *e = &p->v[i];
		p->mums_read += e->mum_state == SXS_PKG_FILE_OK || e->mum_state == SXS_PKG_FILE_CORRUPT;
		p->cats_read += e->cat_state == SXS_PKG_FILE_OK;
	}
	return atomic_load(&j.err);
}

int sxs_packages_load(struct sxs_image *img, struct sxs_model *m, const char *wcp_version,
                      const uint8_t *roots_pem, size_t roots_pem_len, unsigned jobs,
                      struct sxs_diag *diag)
{
	struct sxs_catalog_options opt = {roots_pem, roots_pem_len};
	struct sxs_dir *dir = NULL;
	struct sxs_packages *p = get(m);
	int err;

	if (!p)
		return -SXS_ENOMEM;
	p->catalog_roots = roots_pem != NULL;
	if (wcp_version && (err = set_str(&p->wcp_version, wcp_version)))
		goto out;
	if ((err = list_packages(img, p, &dir)) || (err = join(p, dir)) ||
	    (err = load_ssv(img, p)) || (err = load_pending_xml(img, p)))
		goto out;
	if (dir)
		err = load_pairs(p, dir, &opt, jobs ? jobs : 1);
out:
	sxs_dir_free(dir);
	if (err == -SXS_ENOMEM)
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory reading servicing\\Packages");
	return err;
}
