/* SPDX-License-Identifier: MIT */
#include "store/model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest/manifest.h"
#include "store/packages.h"
#include "package/catalog.h"
#include "store/deploy.h"
#include "store/forms.h"
#include "store/live.h"
#include "store/pkgview.h"
#include "store/psfx.h"
#include "store/registry.h"
#include "util/alloc.h"
#include "util/parallel.h"
#include "util/strbuf.h"

#define READ_BUF_SIZE (1u << 20)
#define SXS_MAX_CONTAINER_PAYLOAD (256u << 20) /* a DC? payload decoded in memory */

const char *sxs_payload_state_name(enum sxs_payload_state s)
{
	switch (s) {
	case SXS_PAYLOAD_UNCHECKED: return "unchecked";
	case SXS_PAYLOAD_OK: return "ok";
	case SXS_PAYLOAD_MISMATCH: return "mismatch";
	case SXS_PAYLOAD_MISSING: return "missing";
	case SXS_PAYLOAD_UNREADABLE: return "unreadable";
	case SXS_PAYLOAD_LINK: return "link";
	case SXS_PAYLOAD_UNSAFE: return "unsafe";
	case SXS_PAYLOAD_SYSTEMDATA: return "systemdata";
	case SXS_PAYLOAD_NODIGEST: return "nodigest";
	case SXS_PAYLOAD_UNVERIFIABLE: return "unverifiable";
	}
	return "?";
}

void sxs_model_init(struct sxs_model *m)
{
	memset(m, 0, sizeof(*m));
	sxs_map_init_borrowed(&m->by_keyform, true);
}

void sxs_component_release(struct sxs_component *c)
{
	sxs_free(c->keyform);
	sxs_free(c->manifest_ondisk);
	sxs_free(c->mdetail);
	sxs_identity_release(&c->id);
	sxs_free(c->canonical);
	sxs_free(c->computed_keyform);
	sxs_free(c->winners_key);
	sxs_free(c->folder);
	for (size_t i = 0; i < c->nfiles; i++) {
		sxs_free(c->files[i].name);
		sxs_free(c->files[i].ondisk);
		sxs_free(c->files[i].detail);
	}
	sxs_free(c->files);
	for (size_t i = 0; i < c->ndeltas; i++) {
		sxs_free(c->deltas[i].path);
		sxs_free(c->deltas[i].lcu);
		sxs_free(c->deltas[i].detail);
		sxs_free(c->deltas[i].ondisk);
		sxs_free(c->deltas[i].vdetail);
		sxs_free(c->deltas[i].expected);
		sxs_free(c->deltas[i].actual);
	}
	sxs_free(c->deltas);
	sxs_free(c->hive_identity);
	for (size_t i = 0; i < c->nclinks; i++)
		sxs_free(c->clinks[i]);
	sxs_free(c->clinks);
	for (size_t i = 0; i < c->nfflags; i++)
		sxs_free(c->fflags[i].name);
	sxs_free(c->fflags);
	for (size_t i = 0; i < c->ninstall_deps; i++)
		sxs_free(c->install_deps[i]);
	sxs_free(c->install_deps);
	memset(c, 0, sizeof(*c));
}

void sxs_family_release(struct sxs_winner_family *f)
{
	for (size_t i = 0; i < f->nbands; i++) {
		struct sxs_winner_band *b = &f->bands[i];
		sxs_free(b->band);
		sxs_free(b->winner);
		for (size_t j = 0; j < b->nversions; j++)
			sxs_free(b->versions[j]);
		sxs_free(b->versions);
	}
	sxs_free(f->bands);
	sxs_free(f->key);
	sxs_free(f->band);
	sxs_free(f->malformed_detail);
	memset(f, 0, sizeof(*f));
}

void sxs_hive_fact_release(struct sxs_hive_fact *f)
{
	sxs_free(f->note);
	sxs_free(f->logs);
	memset(f, 0, sizeof(*f));
}

void sxs_model_release(struct sxs_model *m)
{
	for (size_t i = 0; i < m->ncomps; i++)
		sxs_component_release(&m->comps[i]);
	sxs_free(m->comps);
	for (size_t i = 0; i < m->nfamilies; i++)
		sxs_family_release(&m->families[i]);
	sxs_free(m->families);
	for (size_t i = 0; i < m->ndeployments; i++)
		sxs_deployment_release(&m->deployments[i]);
	sxs_free(m->deployments);
	for (size_t i = 0; i < m->ncatalog_keys; i++)
		sxs_free(m->catalog_keys[i]);
	sxs_free(m->catalog_keys);
	for (size_t i = 0; i < m->ncatalog_files; i++) {
		sxs_free(m->catalog_files[i].name);
		sxs_free(m->catalog_files[i].detail);
		sxs_catalog_free(m->catalog_files[i].cat);
	}
	sxs_free(m->catalog_files);
	for (size_t i = 0; i < m->nlcu_dirs; i++)
		sxs_free(m->lcu_dirs[i]);
	sxs_free(m->lcu_dirs);
	for (size_t i = 0; i < m->nfusion; i++)
		sxs_free(m->fusion[i]);
	sxs_free(m->fusion);
	sxs_map_release(&m->by_keyform);
	sxs_free(m->image);
	sxs_free(m->build);
	sxs_free(m->product);
	sxs_free(m->components_problem);
	sxs_free(m->software_problem);
	sxs_free(m->base_manifest_source);
	sxs_packages_free(m->packages);
	sxs_hive_fact_release(&m->components_log);
	sxs_hive_fact_release(&m->software_log);
	sxs_model_init(m);
}

static int cmp_comp(const void *a, const void *b)
{
	const struct sxs_component *x = a, *y = b;
	int c = strcmp(x->keyform, y->keyform);
	if (c || x->manifest_ondisk == y->manifest_ondisk)
		return c;
	/* manifests whose names differ only in case: the one spelled as Windows
	 * writes key forms (lower case) first, then by spelling, NULL last */
	if (!x->manifest_ondisk || !y->manifest_ondisk)
		return x->manifest_ondisk ? -1 : 1;
	bool xl = !strncmp(x->manifest_ondisk, x->keyform, strlen(x->keyform));
	bool yl = !strncmp(y->manifest_ondisk, y->keyform, strlen(y->keyform));
	if (xl != yl)
		return xl ? -1 : 1;
	return strcmp(x->manifest_ondisk, y->manifest_ondisk);
}

static int cmp_family(const void *a, const void *b)
{
	return strcmp(((const struct sxs_winner_family *)a)->key,
	              ((const struct sxs_winner_family *)b)->key);
}

int sxs_model_index(struct sxs_model *m)
{
	if (m->ncomps > 1)
		qsort(m->comps, m->ncomps, sizeof(*m->comps), cmp_comp);
	if (m->nfamilies > 1)
		qsort(m->families, m->nfamilies, sizeof(*m->families), cmp_family);
	sxs_map_release(&m->by_keyform);
	for (size_t i = 0; i < m->ncomps; i++) {
		/* two manifests whose names differ only in case: the first (in
		 * byte order, see cmp_comp) is the component the hive describes */
		if (i > 0 && strcmp(m->comps[i - 1].keyform, m->comps[i].keyform) == 0)
			continue;
		int err = sxs_map_put(&m->by_keyform, m->comps[i].keyform,
		                      strlen(m->comps[i].keyform), &m->comps[i]);
		if (err)
			return err;
	}
	return 0;
}

struct sxs_component *sxs_model_find(const struct sxs_model *m, const char *keyform)
{
	return sxs_map_get(&m->by_keyform, keyform, strlen(keyform));
}

struct sxs_winner_family *sxs_model_family(const struct sxs_model *m, const char *key)
{
	/* families are sorted by key; Winners names are lower case */
	size_t lo = 0, hi = m->nfamilies;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(m->families[mid].key, key);
		if (c == 0)
			return &m->families[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static char *lower_dup(const char *s, size_t n)
{
	char *p = sxs_strndup(s, n);
	if (p)
		for (char *q = p; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q + 32);
	return p;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* ---- the pipeline: walk -> queue -> hash workers ----------------------- */

/*
 * The walk (manifest read, decode, parse; component folder listing) runs on
 * the calling thread and, when they have nothing to hash, on the workers
 * too.  Each walking thread collects the payloads it finds in a batch; a
 * full batch is sorted by inode and queued; `jobs` workers take batches
 * and hash them.  Reads are so issued in inode order within each window
 * of BATCH_FILES files.  The walk waits while QUEUE_BATCHES batches are
 * queued, so it does not race ahead of the disk.  Every result lands in its
 * own payload record: the report does not depend on who did what.
 */
#define BATCH_FILES 512
#define QUEUE_BATCHES 8
#define TICK_NS 200000000L /* progress at most 5 times a second */

/* What a job does: hash payload p, check the differentials of payload pi or the lone di. */
#define JOB_HASH 1u
#define JOB_DELTAS 2u

struct payload_job {
	struct sxs_component *c;
	struct sxs_payload *p;   /* NULL for a differential without a payload of its name */
	size_t pi, di;           /* payload index (SIZE_MAX: none), differential index */
	unsigned what;
};

struct batch {
	struct batch *next;
	size_t n;
	struct payload_job job[BATCH_FILES];
};

/* One thread's tools: a walk batch being filled, a read buffer, digests. */
struct slot {
	struct load_ctx *ctx;
	pthread_t thread;
	struct batch *pending;
	uint8_t *buf;
	struct sxs_digest *digests[4]; /* by enum sxs_digest_alg */
	bool walked;                   /* no component left to walk */
};

struct load_ctx {
	struct sxs_image *img;
	struct sxs_model *m;
	const struct sxs_model_options *opt;
	const uint8_t *base;      /* DCM base manifest, or NULL */
	const struct sxs_lcu_index *lcu; /* servicing\LCU folders */
	size_t base_len;
	char *base_problem;       /* why there is no base */
	atomic_int fatal;         /* -SXS_ENOMEM seen */

	atomic_size_t next_comp;  /* the walk: next component to load */
	atomic_size_t comps_done;
	pthread_mutex_t lock;     /* guards the queue and the counters below */
	pthread_cond_t work;      /* a batch was queued, a walker finished, or fatal */
	pthread_cond_t space;     /* a batch was taken */
	pthread_cond_t done;      /* a worker exited */
	struct batch *head, *tail;
	size_t queued;
	struct batch *pool;       /* all batches, one allocation ... */
	struct batch *free;       /* ... and those not in use */
	size_t queue_limit;
	unsigned walkers;         /* threads that may still queue a batch */
	unsigned running;         /* workers not yet finished */

	atomic_uint_fast64_t files_done, bytes_done, files_total, bytes_total;
	struct timespec t0;
	struct sxs_psfx_env psfx;  /* issue 14: the differentials' checks */
	struct sxs_psfx_budget psfx_budget;
};

/* Replace a detail string; 0 or -SXS_ENOMEM (never absorbed: see tests/unit/faults). */
static int set_detail(char **field, const char *msg)
{
	sxs_free(*field);
	*field = sxs_strdup(msg);
	return *field ? 0 : -SXS_ENOMEM;
}

/*
 * Record why a manifest could not be used.  Returns what load_component
 * returns: -SXS_ENOMEM when that was the cause (or recording it failed),
 * else 0, since a bad manifest is a finding, not an error.
 */
static int manifest_problem(struct sxs_component *c, enum sxs_manifest_state state, int err,
                            const char *detail)
{
	if (err == -SXS_ENOMEM)
		return err;
	c->mstate = state;
	return set_detail(&c->mdetail, detail);
}

/*
 * A payload the mount shows as a symbolic link.  ntfs-3g shows NTFS reparse
 * points it has no plugin for (WOF/CompactOS system compression among them)
 * as links: such a file is stored compressed by Windows, unreadable here,
 * never corrupt (calibration.md §1.1, NTFS3G).  A real symbolic link or
 * junction (IO_REPARSE_TAG_SYMLINK / MOUNT_POINT, or no reparse data: a
 * Linux link) stays a refused link.  0 or -SXS_ENOMEM.
 */
#define IO_REPARSE_TAG_MOUNT_POINT 0xA0000003u
#define IO_REPARSE_TAG_SYMLINK 0xA000000Cu

static int classify_link(struct load_ctx *ctx, const struct sxs_component *c,
                         struct sxs_payload *p)
{
	struct sxs_strbuf path = SXS_STRBUF_INIT, why = SXS_STRBUF_INIT;
	uint32_t tag = 0;
	int err;
	p->state = SXS_PAYLOAD_LINK;
	sxs_strbuf_addf(&path, "%s/%s", c->folder, p->ondisk);
	if ((err = sxs_strbuf_error(&path)))
		goto out;
	if (!sxs_reparse_probe_at(ctx->img->winsxs_fd, sxs_strbuf_str(&path), &tag) ||
	    tag == IO_REPARSE_TAG_SYMLINK || tag == IO_REPARSE_TAG_MOUNT_POINT || tag == 0)
		goto out;
	p->forms |= SXS_FORM_REPARSE;
	p->reparse_tag = tag;
	p->state = SXS_PAYLOAD_UNVERIFIABLE;
	if (tag == SXS_REPARSE_TAG_WOF)
		sxs_strbuf_adds(&why, "WOF-compressed (CompactOS) reparse point this mount cannot "
		                      "decompress; mount with ntfs3 or ntfs-3g's system-compression plugin");
	else
		sxs_strbuf_addf(&why, "NTFS reparse point (tag 0x%08x) this mount cannot read",
		                (unsigned)tag);
	sxs_free(p->detail);
	if (!(p->detail = sxs_strbuf_detach(&why, NULL)))
		err = -SXS_ENOMEM;
out:
	sxs_strbuf_release(&path);
	sxs_strbuf_release(&why);
	return err;
}

/* Component folder: resolve each payload's on-disk name and inode. */
static int load_folder(struct load_ctx *ctx, struct sxs_component *c)
{
	const struct sxs_dirent *e = sxs_dir_find(ctx->img->winsxs, c->keyform);
	if (!e) {
		for (size_t i = 0; i < c->nfiles; i++)
			if (c->files[i].state == SXS_PAYLOAD_UNCHECKED)
				c->files[i].state = SXS_PAYLOAD_MISSING;
		return 0;
	}
	if (!(c->folder = sxs_strdup(e->name)))
		return -SXS_ENOMEM;
	int fd;
	struct sxs_diag diag = {{0}};
	int err = sxs_openat_ci(ctx->img->winsxs_fd, e->name, O_DIRECTORY, &fd, NULL, &diag);
	struct sxs_dir *dir = NULL;
	if (!err)
		err = sxs_dir_load(fd, &dir, &diag);
	if (err == -SXS_ENOMEM)
		return err;
	for (size_t i = 0; i < c->nfiles; i++) {
		struct sxs_payload *p = &c->files[i];
		if (p->state == SXS_PAYLOAD_UNSAFE)
			continue;
		if (p->state != SXS_PAYLOAD_UNCHECKED) {
			/* not hashed (systemData, unverifiable): its form is still a fact */
			if (!err && sxs_dir_find(dir, p->name))
				p->forms |= SXS_FORM_FULL;
			continue;
		}
		if (err == -SXS_ENOENT) {
			p->state = SXS_PAYLOAD_MISSING; /* the folder vanished since the listing */
			continue;
		}
		if (err) {
			p->state = err == -SXS_ELINK ? SXS_PAYLOAD_LINK : SXS_PAYLOAD_UNREADABLE;
			p->err = err;
			if (set_detail(&p->detail, sxs_diag_msg(&diag, err))) {
				sxs_dir_free(dir);
				return -SXS_ENOMEM;
			}
			continue;
		}
		const struct sxs_dirent *fe = sxs_dir_find(dir, p->name);
		if (!fe) {
			p->state = SXS_PAYLOAD_MISSING;
			continue;
		}
		if (!(p->ondisk = sxs_strdup(fe->name))) {
			sxs_dir_free(dir);
			return -SXS_ENOMEM;
		}
		p->ino = fe->ino;
		p->forms |= SXS_FORM_FULL;
		if (fe->type == DT_LNK && (err = classify_link(ctx, c, p))) {
			sxs_dir_free(dir);
			return err;
		}
	}
	/* PSFX differentials: f/, r/, n/ (listed here, read by the hash workers) */
	if (!err) {
		err = sxs_psfx_list(dir, c);
		if (err == -SXS_ENOMEM) {
			sxs_dir_free(dir);
			return err;
		}
		err = 0;
	}
	sxs_dir_free(dir);
	return 0;
}

static int set_identity(struct sxs_component *c, const struct sxs_identity *id)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	int err = sxs_identity_copy(&c->id, id);
	if (err)
		return err;
	c->has_identity = true;
	if ((err = sxs_identity_canonical(id, &sb)) == 0)
		c->canonical = sxs_strbuf_detach(&sb, NULL);
	sxs_strbuf_release(&sb);
	if (!err && (err = sxs_identity_keyform(id, SXS_KEYFORM_FULL, &sb)) == 0)
		c->computed_keyform = sxs_strbuf_detach(&sb, NULL);
	sxs_strbuf_release(&sb);
	if (!err && (err = sxs_identity_keyform(id, SXS_KEYFORM_WINNERS, &sb)) == 0)
		c->winners_key = sxs_strbuf_detach(&sb, NULL);
	sxs_strbuf_release(&sb);
	if (!err && (!c->canonical || !c->computed_keyform || !c->winners_key))
		err = -SXS_ENOMEM;
	return err;
}

static int take_files(struct sxs_component *c, const struct sxs_manifest *man)
{
	if (man->nfiles == 0)
		return 0;
	c->files = sxs_calloc(man->nfiles, sizeof(*c->files));
	if (!c->files)
		return -SXS_ENOMEM;
	c->nfiles = man->nfiles;
	for (size_t i = 0; i < man->nfiles; i++) {
		const struct sxs_manifest_file *mf = &man->files[i];
		struct sxs_payload *p = &c->files[i];
		if (!(p->name = sxs_strdup(mf->name ? mf->name : "")))
			return -SXS_ENOMEM;
		p->alg = mf->alg;
		p->digest_len = mf->digest_len;
		memcpy(p->expected, mf->digest, sizeof(p->expected));
		if (mf->unsafe_name) {
			p->state = SXS_PAYLOAD_UNSAFE;
		} else if (mf->system_data) {
			p->state = SXS_PAYLOAD_SYSTEMDATA;
		} else if (mf->unsupported_transform || mf->bad_digest || mf->unsupported_digest_method) {
			p->state = SXS_PAYLOAD_UNVERIFIABLE;
			struct sxs_strbuf sb = SXS_STRBUF_INIT;
			if (mf->bad_digest) {
				sxs_strbuf_adds(&sb, "DigestValue is not a valid digest");
			} else if (mf->unsupported_digest_method) {
				sxs_strbuf_adds(&sb, "unsupported digest method");
				if (mf->digest_method)
					sxs_strbuf_addf(&sb, " '%s'", mf->digest_method);
			} else {
				sxs_strbuf_adds(&sb, "unsupported hash transform");
				if (mf->transform)
					sxs_strbuf_addf(&sb, " '%s'", mf->transform);
			}
			p->detail = sxs_strbuf_detach(&sb, NULL);
			if (!p->detail)
				return -SXS_ENOMEM;
		}
	}
	return 0;
}

/* Read, decode and parse one manifest; fill c. */
static int load_component(struct load_ctx *ctx, struct sxs_component *c)
{
	struct sxs_diag diag = {{0}};
	uint8_t *raw = NULL, *xml = NULL;
	size_t rawlen = 0, xmllen = 0;
	struct sxs_manifest *man = NULL;
	int fd, err;

	err = sxs_openat_ci(ctx->img->manifests->fd, c->manifest_ondisk, 0, &fd, NULL, &diag);
	if (err)
		return manifest_problem(c, err == -SXS_ELINK ? SXS_MANIFEST_LINK : SXS_MANIFEST_UNREADABLE,
		                        err, sxs_diag_msg(&diag, err));
	err = sxs_read_fd(fd, SXS_MAX_MANIFEST_SIZE, &raw, &rawlen, &diag, "manifest");
	close(fd);
	if (err)
		return manifest_problem(c, SXS_MANIFEST_UNREADABLE, err, sxs_diag_msg(&diag, err));
	c->container = sxs_container_detect(raw, rawlen);
	if (c->container == SXS_CONTAINER_NONE) {
		xml = raw;
		xmllen = rawlen;
		raw = NULL;
	} else if (c->container == SXS_CONTAINER_DCM && !ctx->base) {
		err = manifest_problem(c, SXS_MANIFEST_UNSUPPORTED, 0,
		                       ctx->base_problem ? ctx->base_problem
		                                         : "no DCM base manifest available");
		goto out;
	} else {
		err = sxs_container_decode(raw, rawlen, ctx->base, ctx->base_len, &xml, &xmllen, &diag);
		if (err) {
			err = manifest_problem(c, err == -SXS_EUNSUPPORTED ? SXS_MANIFEST_UNSUPPORTED
			                                                   : SXS_MANIFEST_UNREADABLE,
			                       err, sxs_diag_msg(&diag, err));
			goto out;
		}
	}
	c->manifest_size = xmllen;
	err = sxs_digest_buffer(SXS_DIGEST_SHA256, xml, xmllen, c->manifest_sha256, NULL);
	if (err)
		goto out;
	c->has_manifest_sha256 = true;
	err = sxs_manifest_parse(xml, xmllen, &man, &diag);
	if (err) {
		err = manifest_problem(c, SXS_MANIFEST_UNREADABLE, err, sxs_diag_msg(&diag, err));
		goto out;
	}
	c->is_deployment = man->is_deployment;
	if (man->is_deployment &&
	    (err = sxs_deploy_record_deps(c, man->deps, man->deps_install, man->ndeps)))
		goto out;
	err = set_identity(c, &man->id);
	if (err && err != -SXS_ENOMEM) {
		/* an identity the appid string cannot carry (',', controls, edge spaces) */
		c->has_identity = false;
		sxs_identity_release(&c->id);
		sxs_free(c->canonical);
		c->canonical = NULL;
		err = manifest_problem(c, SXS_MANIFEST_UNREADABLE, err,
		                       "manifest: assemblyIdentity has a value with ',', control "
		                       "characters or leading/trailing spaces");
		goto out;
	}
	if (err || (err = take_files(c, man)) || (err = sxs_forms_match_fflags(c)))
		goto out;
	if (!ctx->opt->no_payload) {
		err = load_folder(ctx, c);
		if (!err)
			err = sxs_forms_lcu_deltas(ctx->lcu, c);
		if (!err)
			err = sxs_psfx_assign(c); /* after both places are listed */
		sxs_forms_from_deltas(c);
	}
out:
	sxs_manifest_free(man);
	sxs_free(raw);
	sxs_free(xml);
	return err;
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void set_fatal(struct load_ctx *ctx, int err)
{
	atomic_store(&ctx->fatal, err);
	pthread_mutex_lock(&ctx->lock);
	pthread_cond_broadcast(&ctx->work);
	pthread_cond_broadcast(&ctx->space);
	pthread_mutex_unlock(&ctx->lock);
}

/* Both names come from readdir (at most 255 bytes each): no allocation. */
#define PAYLOAD_PATH_MAX (2 * 256 + 2)

/* "folder/name" below WinSxS into path; false if it does not fit. */
static bool payload_path(const struct sxs_component *c, const struct sxs_payload *p,
                         char path[PAYLOAD_PATH_MAX])
{
	size_t a = strlen(c->folder), b = strlen(p->ondisk);
	if (a + b + 2 > PAYLOAD_PATH_MAX)
		return false;
	memcpy(path, c->folder, a);
	path[a] = '/';
	memcpy(path + a + 1, p->ondisk, b + 1);
	return true;
}

static int open_payload(struct load_ctx *ctx, const struct sxs_component *c,
                        const struct sxs_payload *p, int *fd_ret, struct sxs_diag *diag)
{
	char path[PAYLOAD_PATH_MAX];
	if (!payload_path(c, p, path))
		return sxs_diag_set(diag, SXS_ENAME, "path too long");
	return sxs_open_beneath(ctx->img->winsxs_fd, path, fd_ret, diag);
}

/* Hash a DC? container payload: decode in memory, then digest. */
static int hash_container(struct load_ctx *ctx, int fd, struct sxs_payload *p,
                          struct sxs_digest *d, struct sxs_diag *diag)
{
	uint8_t *raw = NULL, *out = NULL;
	size_t rawlen, outlen;
	int err;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return sxs_diag_set(diag, SXS_EIO, "seek failed: %s", strerror(errno));
	err = sxs_read_fd(fd, SXS_MAX_CONTAINER_PAYLOAD, &raw, &rawlen, diag, "payload");
	if (err)
		return err;
	err = sxs_container_decode(raw, rawlen, ctx->base, ctx->base_len, &out, &outlen, diag);
	if (!err) {
		err = sxs_digest_update(d, out, outlen);
		atomic_fetch_add(&ctx->bytes_done, outlen);
		p->size = outlen;
	}
	sxs_free(raw);
	sxs_free(out);
	return err;
}

/* ---- DCS payloads (issue 14): streamed block by block through libwim ---- */

struct dcs_io {
	struct load_ctx *ctx;
	int fd;
	struct sxs_digest *d;
};

static int dcs_read(void *arg, uint8_t *buf, size_t n, struct sxs_diag *diag)
{
	struct dcs_io *io = arg;
	while (n) {
		ssize_t r = read(io->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sxs_diag_set(diag, sxs_errno_status(errno), "read error: %s", strerror(errno));
		if (r == 0)
			return sxs_diag_set(diag, SXS_ETRUNC, "dcs: data ends early");
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

static int dcs_sink(void *arg, const uint8_t *data, size_t n)
{
	struct dcs_io *io = arg;
	atomic_fetch_add(&io->ctx->bytes_done, n);
	return sxs_digest_update(io->d, data, n);
}

/*
 * Hash a DCS payload as it decodes.  A DCS that does not decode is not
 * called corrupt: libwim is the only verdict we have on LZMS framing and it
 * is not proven on a real DCS file (psfx.md §7), so the payload is
 * unverifiable with the reason; what decodes is judged by its hash alone.
 */
static int hash_dcs(struct load_ctx *ctx, int fd, struct sxs_payload *p, struct sxs_digest *d,
                    struct sxs_diag *diag)
{
	struct dcs_io io = {ctx, fd, d};
	struct sxs_diag inner = {{0}};
	uint64_t total = 0;
	int err;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return sxs_diag_set(diag, SXS_EIO, "seek failed: %s", strerror(errno));
	err = sxs_dcs_decode_stream(dcs_read, &io, dcs_sink, &io, &total, &inner);
	if (!err) {
		p->size = total;
		return 0;
	}
	if (err == -SXS_ENOMEM || err == -SXS_EIO || err == -SXS_EACCES)
		return sxs_diag_set(diag, -err, "%s", sxs_diag_msg(&inner, err));
	return sxs_diag_set(diag, SXS_EUNSUPPORTED, "DCS payload does not decode (%s)",
	                    sxs_diag_msg(&inner, err));
}

/* A thread's read buffer and digests. */
static int slot_tools(struct slot *s)
{
	for (int a = SXS_DIGEST_MD5; a <= SXS_DIGEST_SHA256; a++) {
		int err = sxs_digest_new((enum sxs_digest_alg)a, &s->digests[a]);
		if (err)
			return err;
	}
	s->buf = sxs_malloc(READ_BUF_SIZE);
	return s->buf ? 0 : -SXS_ENOMEM;
}

static void slot_release(struct slot *s)
{
	sxs_free(s->buf);
	for (size_t a = 0; a < 4; a++)
		sxs_digest_free(s->digests[a]);
	memset(s, 0, sizeof(*s));
}

/* Read and hash one payload into p; -SXS_ENOMEM is the only error returned. */
static int hash_one(struct slot *s, struct sxs_component *c, struct sxs_payload *p)
{
	struct load_ctx *ctx = s->ctx;
	struct sxs_diag diag = {{0}};
	enum sxs_digest_alg alg = p->alg == SXS_DIGEST_NONE ? SXS_DIGEST_SHA256 : p->alg;
	struct sxs_digest *d;
	uint64_t total = 0;
	int fd = -1, err;

	d = s->digests[alg];
	err = open_payload(ctx, c, p, &fd, &diag);
	if (err)
		goto out;
	/* ntfs3 reads WOF-compressed files; the fact that it is a reparse point is kept */
	if (sxs_reparse_probe_fd(fd, &p->reparse_tag))
		p->forms |= SXS_FORM_REPARSE;
	if ((err = sxs_digest_reset(d)))
		goto out;
	bool first = true;
	for (;;) {
		ssize_t r = read(fd, s->buf, READ_BUF_SIZE);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = sxs_diag_set(&diag, sxs_errno_status(errno), "read error: %s",
			                   strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (first) {
			first = false;
			/* a big file: ask for more readahead (most files fit one read) */
			if ((size_t)r == READ_BUF_SIZE)
				posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			enum sxs_container ct = sxs_container_detect(s->buf, (size_t)r);
			if (ct != SXS_CONTAINER_NONE) {
				p->forms |= SXS_FORM_CONTAINER;
				p->container = ct;
				err = ct == SXS_CONTAINER_DCS ? hash_dcs(ctx, fd, p, d, &diag)
				                              : hash_container(ctx, fd, p, d, &diag);
				if (err)
					goto out;
				total = p->size;
				goto done;
			}
		}
		if ((err = sxs_digest_update(d, s->buf, (size_t)r)))
			goto out;
		total += (uint64_t)r;
		atomic_fetch_add(&ctx->bytes_done, (uint64_t)r);
	}
	p->size = total;
done:
	err = sxs_digest_final(d, p->actual, &p->digest_len);
	if (err)
		goto out;
	if (p->alg == SXS_DIGEST_NONE)
		p->state = SXS_PAYLOAD_NODIGEST;
	else if (memcmp(p->actual, p->expected, p->digest_len) == 0)
		p->state = SXS_PAYLOAD_OK;
	else
		p->state = SXS_PAYLOAD_MISMATCH;
out:
	if (fd >= 0)
		close(fd);
	atomic_fetch_add(&ctx->files_done, 1);
	if (err == -SXS_ENOMEM || err == 0)
		return err;
	p->err = err;
	if (err != -SXS_ELINK && err != -SXS_ENOENT && !(p->forms & SXS_FORM_REPARSE)) {
		/*
		 * ntfs-3g without the system-compression plugin cannot read WOF
		 * (CompactOS) files: unreadable, never corrupt (calibration.md §1.1)
		 */
		char path[PAYLOAD_PATH_MAX];
		if (payload_path(c, p, path) &&
		    sxs_reparse_probe_at(ctx->img->winsxs_fd, path, &p->reparse_tag))
			p->forms |= SXS_FORM_REPARSE;
	}
	if (p->forms & SXS_FORM_REPARSE) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		if (p->reparse_tag == SXS_REPARSE_TAG_WOF)
			sxs_strbuf_adds(&sb, "WOF-compressed (CompactOS) reparse point this mount cannot "
			                     "decompress; mount with ntfs3 or ntfs-3g's system-compression plugin");
		else
			sxs_strbuf_addf(&sb, "reparse point (tag 0x%08x) this mount cannot read",
			                (unsigned)p->reparse_tag);
		sxs_strbuf_addf(&sb, ": %s", sxs_diag_msg(&diag, err));
		p->state = SXS_PAYLOAD_UNVERIFIABLE;
		sxs_free(p->detail);
		p->detail = sxs_strbuf_detach(&sb, NULL);
		return p->detail ? 0 : -SXS_ENOMEM;
	}
	if (err == -SXS_ELINK)
		p->state = SXS_PAYLOAD_LINK;
	else if (err == -SXS_EUNSUPPORTED)
		p->state = SXS_PAYLOAD_UNVERIFIABLE;
	else if (err == -SXS_ENOENT)
		p->state = SXS_PAYLOAD_MISSING; /* vanished since the listing */
	else
		p->state = SXS_PAYLOAD_UNREADABLE;
	return set_detail(&p->detail, sxs_diag_msg(&diag, err));
}

static struct batch *get_batch(struct load_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	struct batch *b = ctx->free;
	if (b)
		ctx->free = b->next;
	pthread_mutex_unlock(&ctx->lock);
	if (b)
		b->n = 0;
	return b;
}

static void put_batch(struct load_ctx *ctx, struct batch *b)
{
	pthread_mutex_lock(&ctx->lock);
	b->next = ctx->free;
	ctx->free = b;
	pthread_mutex_unlock(&ctx->lock);
}

/* One job: hash the payload, then check its differentials (the file is in the page cache). */
static int run_job(struct slot *s, const struct payload_job *j)
{
	int err = 0;
	if (j->what & JOB_HASH)
		err = hash_one(s, j->c, j->p);
	if (!err && (j->what & JOB_DELTAS))
		err = sxs_psfx_check_group(&s->ctx->psfx, j->c, j->pi, j->di);
	return err;
}

static void hash_batch(struct slot *s, struct batch *b)
{
	for (size_t i = 0; i < b->n && !atomic_load(&s->ctx->fatal); i++) {
		int err = run_job(s, &b->job[i]);
		if (err) {
			set_fatal(s->ctx, err);
			break;
		}
	}
	put_batch(s->ctx, b);
}

static int cmp_job(const void *a, const void *b)
{
	const struct payload_job *x = a, *y = b;
	ino_t xi = x->p ? x->p->ino : 0, yi = y->p ? y->p->ino : 0;
	if (xi != yi)
		return xi < yi ? -1 : 1;
	return 0;
}

/* Sort the slot's batch by inode and queue it (waiting for room if asked). */
static void queue_pending(struct slot *s, bool wait)
{
	struct load_ctx *ctx = s->ctx;
	struct batch *b = s->pending;
	s->pending = NULL;
	if (!b)
		return;
	if (b->n == 0) {
		put_batch(ctx, b);
		return;
	}
	qsort(b->job, b->n, sizeof(b->job[0]), cmp_job);
	pthread_mutex_lock(&ctx->lock);
	while (wait && ctx->queued >= ctx->queue_limit && !atomic_load(&ctx->fatal))
		pthread_cond_wait(&ctx->space, &ctx->lock);
	b->next = NULL;
	if (ctx->tail)
		ctx->tail->next = b;
	else
		ctx->head = b;
	ctx->tail = b;
	ctx->queued++;
	pthread_cond_signal(&ctx->work);
	pthread_mutex_unlock(&ctx->lock);
}

static bool wants_hash(const struct sxs_payload *p)
{
	return p->state == SXS_PAYLOAD_UNCHECKED && p->ondisk;
}

/* Queue one job on the slot's batch (or run it here); 0 or -SXS_ENOMEM. */
static int add_job(struct slot *s, const struct payload_job *j, bool wait)
{
	if (!s->pending && !(s->pending = get_batch(s->ctx)))
		/* every batch is in use (cannot happen, see run_pipeline): run it here */
		return run_job(s, j);
	s->pending->job[s->pending->n++] = *j;
	if (s->pending->n == BATCH_FILES)
		queue_pending(s, wait);
	return 0;
}

/* Add the component's payloads (and differentials) to the slot's batch; 0 or -SXS_ENOMEM. */
static int collect(struct slot *s, struct sxs_component *c, bool wait)
{
	struct load_ctx *ctx = s->ctx;
	for (size_t j = 0; j < c->nfiles; j++) {
		struct sxs_payload *p = &c->files[j];
		size_t idx[3];
		size_t nd = sxs_psfx_group(c, j, idx);
		struct payload_job job = {c, p, j, SIZE_MAX, (nd ? JOB_DELTAS : 0u)};
		if (!wants_hash(p)) {
			if (nd) {
				int err = add_job(s, &job, wait);
				if (err)
					return err;
			}
			continue;
		}
		job.what |= JOB_HASH;
		atomic_fetch_add(&ctx->files_total, 1);
		if (ctx->opt->progress) {
			/* sizes for the progress display, without opening files */
			struct stat st;
			char path[PAYLOAD_PATH_MAX];
			if (payload_path(c, p, path) &&
			    fstatat(ctx->img->winsxs_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
				atomic_fetch_add(&ctx->bytes_total, (uint64_t)st.st_size);
		}
		int err = add_job(s, &job, wait);
		if (err)
			return err;
	}
	/* differentials with no payload of their name: the CRC-32/header tier */
	for (size_t k = 0; k < c->ndeltas; k++) {
		if (c->deltas[k].owner != SIZE_MAX)
			continue;
		struct payload_job job = {c, NULL, SIZE_MAX, k, JOB_DELTAS};
		int err = add_job(s, &job, wait);
		if (err)
			return err;
	}
	return 0;
}

/* One walk step: load the next component.  False when none is left. */
static bool walk_step(struct slot *s, bool wait)
{
	struct load_ctx *ctx = s->ctx;
	struct sxs_model *m = ctx->m;
	size_t i = atomic_fetch_add(&ctx->next_comp, 1);
	if (i >= m->ncomps)
		return false;
	struct sxs_component *c = &m->comps[i];
	int err = 0;
	if (c->mstate != SXS_MANIFEST_ABSENT) /* known from COMPONENTS only */
		err = load_component(ctx, c);
	if (!err && !ctx->opt->no_payload)
		err = collect(s, c, wait);
	if (err)
		set_fatal(ctx, err);
	atomic_fetch_add(&ctx->comps_done, 1);
	return true;
}

/* A walker is done: queue what it holds and say so. */
static void walk_finished(struct slot *s)
{
	struct load_ctx *ctx = s->ctx;
	queue_pending(s, false);
	s->walked = true;
	pthread_mutex_lock(&ctx->lock);
	ctx->walkers--;
	pthread_cond_broadcast(&ctx->work);
	pthread_mutex_unlock(&ctx->lock);
}

/* A hash worker: batches first; walk when there is nothing to hash. */
static void *worker_main(void *arg)
{
	struct slot *s = arg;
	struct load_ctx *ctx = s->ctx;
	for (;;) {
		struct batch *b = NULL;
		bool walk = false;
		pthread_mutex_lock(&ctx->lock);
		for (;;) {
			if (atomic_load(&ctx->fatal))
				break;
			if (ctx->head) {
				b = ctx->head;
				if (!(ctx->head = b->next))
					ctx->tail = NULL;
				ctx->queued--;
				pthread_cond_signal(&ctx->space);
				break;
			}
			if (!s->walked) {
				walk = true;
				break;
			}
			if (ctx->walkers == 0)
				break;
			pthread_cond_wait(&ctx->work, &ctx->lock);
		}
		pthread_mutex_unlock(&ctx->lock);
		if (b)
			hash_batch(s, b);
		else if (walk && !walk_step(s, false))
			walk_finished(s);
		else if (!walk)
			break;
	}
	pthread_mutex_lock(&ctx->lock);
	ctx->running--;
	pthread_cond_signal(&ctx->done);
	pthread_mutex_unlock(&ctx->lock);
	return NULL;
}

static void progress_tick(struct load_ctx *ctx)
{
	struct sxs_progress pr = {
		.manifests_done = atomic_load(&ctx->comps_done),
		.manifests_total = ctx->m->ncomps,
		.files_done = atomic_load(&ctx->files_done),
		.files_total = atomic_load(&ctx->files_total),
		.bytes_done = atomic_load(&ctx->bytes_done),
		.bytes_total = atomic_load(&ctx->bytes_total),
		.elapsed = since(&ctx->t0),
	};
	ctx->opt->progress(ctx->opt->progress_ctx, &pr);
}

static bool tick_due(struct load_ctx *ctx, struct timespec *last)
{
	struct timespec t;
	if (!ctx->opt->progress)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if ((t.tv_sec - last->tv_sec) * 1000000000L + (t.tv_nsec - last->tv_nsec) < TICK_NS)
		return false;
	*last = t;
	return true;
}

/* Walk every component and hash every payload found, `jobs` hash workers. */
static int run_pipeline(struct load_ctx *ctx, unsigned jobs)
{
	struct slot *slots = sxs_calloc((size_t)jobs + 1, sizeof(*slots));
	struct slot *self;
	struct timespec last = ctx->t0;
	unsigned started = 0;
	int err = 0;

	if (!slots)
		return -SXS_ENOMEM;
	self = &slots[jobs];
	for (unsigned w = 0; w <= jobs; w++)
		slots[w].ctx = ctx;
	/*
	 * Everything is allocated up front, so the allocations do not depend
	 * on which thread does what (tests/unit/faults counts them).  Batches
	 * in use at once: one being filled and one being hashed per thread, and
	 * at most QUEUE_BATCHES + jobs queued (only this thread waits for room;
	 * a worker walks, and so queues, only when the queue is empty).
	 */
	size_t npool = QUEUE_BATCHES + 3 * ((size_t)jobs + 1);
	if (!ctx->opt->no_payload) {
		if (!(ctx->pool = sxs_calloc(npool, sizeof(*ctx->pool))))
			err = -SXS_ENOMEM;
		for (unsigned w = 0; w <= jobs && !err; w++)
			err = slot_tools(&slots[w]);
		for (size_t i = 0; i < npool && !err; i++) {
			ctx->pool[i].next = ctx->free;
			ctx->free = &ctx->pool[i];
		}
	}
	if (err) {
		for (unsigned w = 0; w <= jobs; w++)
			slot_release(&slots[w]);
		sxs_free(slots);
		sxs_free(ctx->pool);
		return err;
	}
	/* with default attributes these cannot fail on Linux */
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->work, NULL);
	pthread_cond_init(&ctx->space, NULL);
	pthread_cond_init(&ctx->done, NULL);
	/* the delta tier holds at most the cap's worth at once (or one group alone) */
	sxs_psfx_budget_init(&ctx->psfx_budget,
	                     ctx->opt->delta_cap ? ctx->opt->delta_cap : SXS_DEFAULT_DELTA_CAP);
	ctx->psfx.budget = &ctx->psfx_budget;
	ctx->queue_limit = QUEUE_BATCHES;
	ctx->walkers = jobs + 1;
	ctx->running = jobs;
	for (; started < jobs; started++)
		if (pthread_create(&slots[started].thread, NULL, worker_main, &slots[started]))
			break;
	pthread_mutex_lock(&ctx->lock);
	ctx->walkers -= jobs - started;
	ctx->running -= jobs - started;
	if (started == 0)
		ctx->queue_limit = SIZE_MAX; /* nobody to wait for: this thread hashes below */
	pthread_mutex_unlock(&ctx->lock);

	while (!atomic_load(&ctx->fatal) && walk_step(self, true))
		if (tick_due(ctx, &last))
			progress_tick(ctx);
	walk_finished(self);

	pthread_mutex_lock(&ctx->lock);
	while (ctx->running > 0) {
		if (ctx->opt->progress) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += TICK_NS;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&ctx->done, &ctx->lock, &until);
			pthread_mutex_unlock(&ctx->lock);
			if (tick_due(ctx, &last))
				progress_tick(ctx);
			pthread_mutex_lock(&ctx->lock);
		} else {
			pthread_cond_wait(&ctx->done, &ctx->lock);
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	for (unsigned w = 0; w < started; w++)
		pthread_join(slots[w].thread, NULL);
	/* no worker thread could be started, or the workers stopped: hash what is left */
	while (ctx->head) {
		struct batch *b = ctx->head;
		ctx->head = b->next;
		if (!atomic_load(&ctx->fatal))
			hash_batch(self, b);
	}
	ctx->tail = NULL;
	err = atomic_load(&ctx->fatal);
	if (!err && ctx->opt->progress)
		progress_tick(ctx);
	for (unsigned w = 0; w <= jobs; w++)
		slot_release(&slots[w]);
	sxs_free(slots);
	sxs_free(ctx->pool);
	pthread_cond_destroy(&ctx->done);
	pthread_cond_destroy(&ctx->space);
	pthread_cond_destroy(&ctx->work);
	pthread_mutex_destroy(&ctx->lock);
	ctx->psfx.budget = NULL;
	sxs_psfx_budget_destroy(&ctx->psfx_budget);
	return err;
}
/* ---- the walk --------------------------------------------------------- */

static int list_manifests(struct sxs_image *img, struct sxs_model *m)
{
	const struct sxs_dir *d = img->manifests;
	if (!d)
		return 0;
	m->comps = sxs_calloc(d->n ? d->n : 1, sizeof(*m->comps));
	if (!m->comps)
		return -SXS_ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		const struct sxs_dirent *e = &d->ents[i];
		if (!ends_with_ci(e->name, ".manifest"))
			continue;
		size_t stem = strlen(e->name) - strlen(".manifest");
		struct sxs_component *c = &m->comps[m->ncomps++];
		c->keyform = lower_dup(e->name, stem);
		c->manifest_ondisk = sxs_strdup(e->name);
		if (!c->keyform || !c->manifest_ondisk)
			return -SXS_ENOMEM;
		if (!sxs_name_is_safe(e->name, strlen(e->name)))
			c->mstate = SXS_MANIFEST_UNSAFE;
		else if (e->type == DT_LNK)
			c->mstate = SXS_MANIFEST_LINK;
	}
	return sxs_model_index(m);
}

static int package_state(const void *ctx, const char *identity, uint32_t *state_ret)
{
	return sxs_model_package_state(ctx, identity, state_ret);
}

int sxs_model_load(struct sxs_image *img, const struct sxs_model_options *opt,
                   struct sxs_model *m, struct sxs_diag *diag)
{
	struct load_ctx ctx = {.img = img, .m = m, .opt = opt,
	                       .psfx = {.winsxs_fd = img->winsxs_fd,
	                                .windows_fd = img->windows_fd, .opt = opt}};
	unsigned jobs = opt->jobs ? opt->jobs : sxs_online_cpus();
	uint8_t *base = NULL;
	struct sxs_registry *reg = NULL;
	struct sxs_lcu_index *lcu = NULL;
	int err;

	if (jobs > SXS_MAX_JOBS)
		jobs = SXS_MAX_JOBS;
	clock_gettime(CLOCK_MONOTONIC, &ctx.t0);
	atomic_init(&ctx.fatal, 0);
	atomic_init(&ctx.next_comp, 0);
	atomic_init(&ctx.comps_done, 0);
	atomic_init(&ctx.files_done, 0);
	atomic_init(&ctx.bytes_done, 0);
	atomic_init(&ctx.files_total, 0);
	atomic_init(&ctx.bytes_total, 0);
	if (!(m->image = sxs_strdup(img->root_path)))
		return -SXS_ENOMEM;
	m->payloads_checked = !opt->no_payload;
	m->deltas_applied = !opt->no_payload && opt->deltas == SXS_DELTAS_FULL;

	/* registry first: it names the servicing stack that holds the DCM base */
	/* a hibernated volume is older than Windows' memory (store/power.c) */
	err = sxs_image_hibernation(img, &m->hibernation, m->hiber_signature);
	if (err)
		goto out;
	m->registry_skipped = opt->no_registry;
	if (!opt->no_registry) {
		err = sxs_registry_open(img, m, &reg, diag);
		if (err)
			goto out;
	}
	/* then the folder listings */
	err = sxs_image_list(img, diag);
	if (err)
		goto out;
	if ((err = sxs_lcu_index_load(img, m, &lcu, diag)))
		goto out;
	ctx.lcu = lcu;
	if ((err = sxs_deploy_list_catalogs(img, m)) || (err = sxs_fusion_list(img, m)))
		goto out;
	m->pending_xml = sxs_dir_find(img->winsxs, "pending.xml") != NULL;
	err = sxs_base_manifest_load(img, m, sxs_registry_wcp_version(reg), opt->base_manifest_path,
	                             &base, &ctx.base_len, &ctx.base_problem, diag);
	if (err)
		goto out;
	ctx.base = base;

	err = sxs_packages_load(img, m, sxs_registry_wcp_version(reg), opt->catalog_roots_pem,
	                        opt->catalog_roots_pem_len, jobs, diag);
	if (err)
		goto out;
	err = list_manifests(img, m);
	if (err)
		goto out;
	m->manifests_read = m->ncomps;
	err = sxs_registry_attach_components(reg, m, diag);
	if (err)
		goto out;
	/* the hives are no longer needed: unmap them before the model grows */
	sxs_registry_free(reg);
	reg = NULL;

	err = run_pipeline(&ctx, jobs);
	if (err)
		goto out;
	err = sxs_registry_identities(m);
	if (!err)
		err = sxs_deploy_link(m);
	if (!err)
		sxs_model_liveness(m, sxs_model_have_packages(m), package_state, m);
	m->files_total = atomic_load(&ctx.files_total);
	m->bytes_total = atomic_load(&ctx.bytes_total);
	m->files_hashed = atomic_load(&ctx.files_done);
	m->bytes_hashed = atomic_load(&ctx.bytes_done);
	m->elapsed = since(&ctx.t0);
out:
	sxs_free(ctx.base_problem);
	sxs_lcu_index_free(lcu);
	sxs_registry_free(reg);
	sxs_free(base);
	if (err == -SXS_ENOMEM)
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	return err;
}
