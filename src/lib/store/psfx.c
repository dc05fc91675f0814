/* SPDX-License-Identifier: MIT */
/* PSFX differentials: listing, CRC-32/header tier, delta tier (see psfx.h). */
#include "store/psfx.h"

#include <dirent.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest/digest.h"
#include "pa30/delta.h"
#include "pa30/pa30.h"
#include "pa30/prsm.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/strbuf.h"

#define SXS_MAX_DELTA_FILE (64u << 20)
#define SXS_MAX_DELTAS_PER_COMPONENT 100000

const char *sxs_psfx_verdict_name(enum sxs_psfx_verdict v)
{
	switch (v) {
	case SXS_DV_UNCHECKED: return "unchecked";
	case SXS_DV_OK: return "ok";
	case SXS_DV_DECODED: return "decoded";
	case SXS_DV_FAILED: return "failed";
	case SXS_DV_OTHER_VERSION: return "other-version";
	case SXS_DV_UNVERIFIABLE: return "unverifiable";
	}
	return "?";
}

/* ---- the walk: list ------------------------------------------------------ */

static int add_delta(struct sxs_component *c, size_t *cap, const char *sub, const char *subdisk,
                     const char *name, int err, const char *detail)
{
	if (c->ndeltas == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct sxs_delta_file *v = sxs_reallocarray(c->deltas, ncap, sizeof(*v));
		if (!v)
			return -SXS_ENOMEM;
		c->deltas = v;
		*cap = ncap;
	}
	struct sxs_delta_file *d = &c->deltas[c->ndeltas];
	struct sxs_strbuf sb = SXS_STRBUF_INIT, od = SXS_STRBUF_INIT;
	memset(d, 0, sizeof(*d));
	sxs_strbuf_addf(&sb, "%s\\%s", sub, name);
	d->path = sxs_strbuf_detach(&sb, NULL);
	sxs_strbuf_addf(&od, "%s/%s", subdisk, name);
	d->ondisk = sxs_strbuf_detach(&od, NULL);
	d->kind = sub[0];
	d->err = err;
	d->owner = SIZE_MAX;
	d->detail = detail ? sxs_strdup(detail) : NULL;
	if (!d->path || !d->ondisk || (detail && !d->detail)) {
		sxs_free(d->path);
		sxs_free(d->ondisk);
		sxs_free(d->detail);
		return -SXS_ENOMEM;
	}
	c->ndeltas++;
	return 0;
}

int sxs_psfx_list(const struct sxs_dir *folder, struct sxs_component *c)
{
	static const char *const subs[] = {"f", "r", "n"};
	size_t cap = c->ndeltas;
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
				err = add_delta(c, &cap, subs[s], e->name, "", err, sxs_diag_msg(&diag, err));
			continue;
		}
		for (size_t i = 0; i < dir->n && !err && c->ndeltas < SXS_MAX_DELTAS_PER_COMPONENT; i++) {
			const struct sxs_dirent *de = &dir->ents[i];
			if (de->type == DT_DIR)
				continue;
			if (de->type == DT_LNK)
				err = add_delta(c, &cap, subs[s], e->name, de->name, -SXS_ELINK,
				                "a symbolic link; not followed");
			else
				err = add_delta(c, &cap, subs[s], e->name, de->name, 0, NULL);
		}
		sxs_dir_free(dir);
	}
	return err;
}

/* ---- owners -------------------------------------------------------------- */

static const char *delta_name(const struct sxs_delta_file *d)
{
	const char *s = strchr(d->path, '\\');
	return s ? s + 1 : d->path;
}

static const char *payload_key(const struct sxs_payload *p)
{
	return p->ondisk ? p->ondisk : p->name;
}

/* By path, case-insensitively (the order of reports and reference files). */
static int cmp_delta(const void *a, const void *b)
{
	const struct sxs_delta_file *x = a, *y = b;
	int c = strcasecmp(x->path, y->path);
	if (c || (c = strcmp(x->path, y->path)))
		return c;
	/* the same path in the component folder and under servicing\LCU: folder first */
	if (!x->lcu || !y->lcu)
		return (x->lcu != NULL) - (y->lcu != NULL);
	return strcmp(x->lcu, y->lcu);
}

/* the component whose payloads cmp_pidx compares (one walk per thread) */
static _Thread_local const struct sxs_component *sort_comp;

static int cmp_pidx(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcasecmp(payload_key(&sort_comp->files[x]), payload_key(&sort_comp->files[y]));
	return c ? c : (x < y ? -1 : x > y);
}

int sxs_psfx_assign(struct sxs_component *c)
{
	if (!c->ndeltas)
		return 0;
	size_t *idx = NULL;
	if (c->nfiles) {
		idx = sxs_calloc(c->nfiles, sizeof(*idx));
		if (!idx)
			return -SXS_ENOMEM;
		for (size_t i = 0; i < c->nfiles; i++)
			idx[i] = i;
	}
	/* payload indexes by name (qsort has no context argument: a thread-local one) */
	sort_comp = c;
	if (c->nfiles > 1)
		qsort(idx, c->nfiles, sizeof(*idx), cmp_pidx);
	sort_comp = NULL;
	for (size_t k = 0; k < c->ndeltas; k++) {
		struct sxs_delta_file *d = &c->deltas[k];
		const char *name = delta_name(d);
		size_t lo = 0, hi = c->nfiles;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcasecmp(payload_key(&c->files[idx[mid]]), name) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		d->owner = lo < c->nfiles && !strcasecmp(payload_key(&c->files[idx[lo]]), name)
		                   ? idx[lo]
		                   : SIZE_MAX;
	}
	/* one owner per name and kind: a second f\ of the same name (case) stays alone */
	qsort(c->deltas, c->ndeltas, sizeof(*c->deltas), cmp_delta);
	for (size_t k = 1; k < c->ndeltas; k++)
		if (c->deltas[k].owner != SIZE_MAX && c->deltas[k].owner == c->deltas[k - 1].owner &&
		    c->deltas[k].kind == c->deltas[k - 1].kind)
			c->deltas[k].owner = SIZE_MAX;
	sxs_free(idx);
	return 0;
}

size_t sxs_psfx_group(const struct sxs_component *c, size_t pi, size_t idx[3])
{
	static const char kinds[3] = {'f', 'n', 'r'};
	const char *key = payload_key(&c->files[pi]);
	size_t n = 0;
	for (size_t k = 0; k < 3; k++) {
		/* deltas are sorted by path case-insensitively: find "<kind>\<key>" */
		size_t lo = 0, hi = c->ndeltas;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const char *p = c->deltas[mid].path;
			int cmp = tolower((unsigned char)p[0]) - kinds[k];
			if (!cmp)
				cmp = p[1] == '\\' ? strcasecmp(p + 2, key) : (int)(unsigned char)p[1] - '\\';
			if (cmp < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < c->ndeltas; lo++) {
			const struct sxs_delta_file *d = &c->deltas[lo];
			if (tolower((unsigned char)d->path[0]) != kinds[k] || d->path[1] != '\\' ||
			    strcasecmp(d->path + 2, key))
				break;
			if (d->owner == pi) {
				idx[n++] = lo;
				break;
			}
		}
	}
	return n;
}

/* ---- the workers: CRC/header tier and delta tier ------------------------- */

struct group {
	const struct sxs_psfx_env *env;
	struct sxs_component *c;
	struct sxs_payload *p;  /* the full file's payload, or NULL */
	uint64_t cap;
	uint8_t *file;          /* the full file, read when needed */
	size_t file_len;
	bool file_tried, file_ok;
	bool file_reported;     /* the file's own finding says why it is unusable */
	char file_why[SXS_DIAG_MAX];
};

static int set_verdict(struct sxs_delta_file *d, enum sxs_psfx_verdict v, const char *fmt, ...)
	SXS_PRINTF(3, 4);

static int set_verdict(struct sxs_delta_file *d, enum sxs_psfx_verdict v, const char *fmt, ...)
{
	char buf[2 * SXS_DIAG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->verdict = v;
	sxs_free(d->vdetail);
	d->vdetail = sxs_strdup(buf);
	return d->vdetail ? 0 : -SXS_ENOMEM;
}

/* The two digests a FAILED / OTHER_VERSION verdict compared, for the report. */
static int set_evidence(struct sxs_delta_file *d, enum sxs_digest_alg alg, const uint8_t *want,
                        size_t want_len, const uint8_t *got, size_t got_len)
{
	char hex[2 * SXS_DIGEST_MAX + 1];
	sxs_free(d->expected);
	sxs_free(d->actual);
	d->expected = d->actual = NULL;
	d->algorithm = sxs_digest_name(alg);
	sxs_hex_encode(want, want_len, hex);
	d->expected = sxs_strdup(hex);
	sxs_hex_encode(got, got_len, hex);
	d->actual = sxs_strdup(hex);
	return d->expected && d->actual ? 0 : -SXS_ENOMEM;
}

/* The digest algorithm behind a PA30 HashAlgId (NONE for 0 or unknown ids). */
static enum sxs_digest_alg pa30_alg(uint64_t id)
{
	return id == SXS_PA30_HASH_MD5 ? SXS_DIGEST_MD5
	       : id == SXS_PA30_HASH_SHA1 ? SXS_DIGEST_SHA1
	       : id == SXS_PA30_HASH_SHA256 ? SXS_DIGEST_SHA256
	                                    : SXS_DIGEST_NONE;
}

static int read_rel(int dirfd, const char *folder, const char *rel, size_t max, uint8_t **data,
                    size_t *len, struct sxs_diag *diag)
{
	struct sxs_strbuf path = SXS_STRBUF_INIT;
	int fd, err;
	if (folder)
		sxs_strbuf_addf(&path, "%s/%s", folder, rel);
	else
		sxs_strbuf_adds(&path, rel);
	if ((err = sxs_strbuf_error(&path)))
		return err;
	err = sxs_open_beneath(dirfd, sxs_strbuf_str(&path), &fd, diag);
	if (!err) {
		err = sxs_read_fd(fd, max, data, len, diag, rel);
		close(fd);
	}
	sxs_strbuf_release(&path);
	return err;
}

/* CRC-32 prefix and header: the tier every scan runs.  *data_ret keeps the file. */
static int check_crc(struct group *g, struct sxs_delta_file *d, uint8_t **data_ret,
                     size_t *len_ret)
{
	struct sxs_diag diag = {{0}};
	struct sxs_pa30_header h;
	uint8_t *data = NULL;
	size_t len = 0;
	int err;

	*data_ret = NULL;
	if (d->err) /* the listing already failed (folder unreadable, link) */
		return 0;
	if (d->lcu)
		err = read_rel(g->env->windows_fd, NULL, d->ondisk, SXS_MAX_DELTA_FILE, &data, &len,
		               &diag);
	else if (g->c->folder)
		err = read_rel(g->env->winsxs_fd, g->c->folder, d->ondisk, SXS_MAX_DELTA_FILE, &data,
		               &len, &diag);
	else
		err = sxs_diag_set(&diag, SXS_ENOENT, "the component folder vanished");
	if (!err)
		err = sxs_psfx_check(data, len, &h, &diag);
	if (err == -SXS_ENOMEM) {
		sxs_free(data);
		return err;
	}
	if (err) {
		sxs_free(data);
		d->err = err;
		d->detail = sxs_strdup(sxs_diag_msg(&diag, err));
		return d->detail ? 0 : -SXS_ENOMEM;
	}
	d->have_header = true;
	d->is_reverse = h.is_reverse;
	d->file_type = h.file_type;
	d->flags = h.flags;
	d->target_size = h.target_size;
	d->hash_alg_id = h.hash_alg_id;
	d->target_hash_len = h.target_hash_len <= sizeof(d->target_hash) ? h.target_hash_len : 0;
	memcpy(d->target_hash, h.target_hash, d->target_hash_len);
	*data_ret = data;
	*len_ret = len;
	return 0;
}

/* The full file, when it can serve as the reference of r\ (and the yardstick of f\). */
static int load_file(struct group *g)
{
	struct sxs_diag diag = {{0}};
	struct sxs_payload *p = g->p;
	int err;

	if (g->file_tried)
		return 0;
	g->file_tried = true;
	if (!p || !p->ondisk) {
		snprintf(g->file_why, sizeof(g->file_why), "the full file is missing");
		g->file_reported = true; /* payload-missing, when it matters (calibration.md §6) */
		return 0;
	}
	if (p->state != SXS_PAYLOAD_OK && p->state != SXS_PAYLOAD_NODIGEST) {
		snprintf(g->file_why, sizeof(g->file_why), "%s",
		         p->state == SXS_PAYLOAD_MISMATCH ? "the full file does not match its manifest"
		                                          : "the full file was not verified");
		/* its own finding (hash mismatch, unreadable, link, ...) is the news; systemData is not */
		g->file_reported = p->state != SXS_PAYLOAD_SYSTEMDATA;
		return 0;
	}
	if (p->size > g->cap) {
		snprintf(g->file_why, sizeof(g->file_why),
		         "the full file (%llu bytes) exceeds the delta tier's cap of %llu bytes",
		         (unsigned long long)p->size, (unsigned long long)g->cap);
		return 0;
	}
	err = read_rel(g->env->winsxs_fd, g->c->folder, p->ondisk, (size_t)g->cap, &g->file,
	               &g->file_len, &diag);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		snprintf(g->file_why, sizeof(g->file_why), "the full file: %s", sxs_diag_msg(&diag, err));
		return 0;
	}
	enum sxs_container ct = sxs_container_detect(g->file, g->file_len);
	if (ct == SXS_CONTAINER_DCS || ct == SXS_CONTAINER_DCN) {
		/* stored compressed; its hash was checked on the decoded bytes: decode it again */
		uint8_t *dec = NULL;
		size_t dec_len = 0;
		err = sxs_container_decode(g->file, g->file_len, NULL, 0, &dec, &dec_len, &diag);
		sxs_free(g->file);
		g->file = NULL;
		if (err == -SXS_ENOMEM)
			return err;
		if (err || dec_len > g->cap) {
			sxs_free(dec);
			snprintf(g->file_why, sizeof(g->file_why), "the full file's %s container: %s",
			         sxs_container_name(ct),
			         err ? sxs_diag_msg(&diag, err) : "larger than the delta tier's cap");
			return 0;
		}
		g->file = dec;
		g->file_len = dec_len;
	} else if (ct != SXS_CONTAINER_NONE) {
		snprintf(g->file_why, sizeof(g->file_why), "the full file is stored in a %s container",
		         sxs_container_name(ct));
		sxs_free(g->file);
		g->file = NULL;
		return 0;
	}
	g->file_ok = true;
	return 0;
}

enum apply_outcome {
	AP_OK,           /* decoded; its TargetHash (if any) matched */
	AP_MISMATCH,     /* decoded to the declared size; TargetHash (known algorithm) differs */
	AP_UNDECODABLE,  /* does not decode */
	AP_UNSUPPORTED,  /* file type, flags, hash algorithm, format not implemented */
	AP_LIMIT,        /* declared size above the cap */
};

struct apply_res {
	enum apply_outcome o;
	uint8_t *out;
	size_t out_len;
	bool hashed;     /* a TargetHash was compared */
	uint8_t md[SXS_DIGEST_MAX]; /* AP_MISMATCH: the result's digest (md_len 0: none) */
	size_t md_len;
	struct sxs_diag diag;
};

/* Reversal data applied without its hash check (the digest of a mismatching result). */
static int rebuild_unchecked(const uint8_t *ref, size_t ref_len, const uint8_t *delta, size_t len,
                             uint8_t **out_ret, size_t *out_len_ret)
{
	struct sxs_pa30_header h;
	const uint8_t *body;
	int err = sxs_pa30_read_header_body(delta, len, &h, &body, NULL);
	if (err)
		return err;
	size_t n = (size_t)h.target_size;
	uint8_t *out = sxs_calloc(n ? n : 1, 1);
	if (!out)
		return -SXS_ENOMEM;
	err = pa30_prsm_apply(ref, ref_len, body, h.patch_len, out, n, NULL);
	if (err) {
		sxs_free(out);
		return err;
	}
	*out_ret = out;
	*out_len_ret = n;
	return 0;
}

/*
 * Transforms a real Microsoft vector proves (psfx.md §6.3: of the PE
 * transforms only DisasmX64, by amd64_provdiagnostics); a TargetHash
 * mismatch after any other one ran may be a decoder limit (psfx.md §8).
 */
#define PROVEN_TRANSFORMS 0x200u

/*
 * Apply one delta (without its CRC prefix) with pe's sxs_delta_apply: RAW,
 * forward PE, and reverse (PRSM, prsm.c) deltas.  Only -SXS_ENOMEM is
 * returned.
 */
static int apply_delta(const uint8_t *src, size_t src_len, const uint8_t *delta, size_t len,
                       const struct sxs_delta_file *d, uint64_t cap, struct apply_res *r)
{
	struct sxs_delta_opts opts = {.max_target = cap};
	struct sxs_delta_result res;
	int err;

	memset(r, 0, sizeof(*r));
	if (d->target_size > cap) {
		r->o = AP_LIMIT;
		sxs_diag_set(&r->diag, SXS_ELIMIT,
		             "declared target size %llu exceeds the delta tier's cap of %llu bytes",
		             (unsigned long long)d->target_size, (unsigned long long)cap);
		return 0;
	}
	err = sxs_delta_apply(src, src_len, delta, len, &opts, &res);
	if (err) {
		sxs_diag_set(&r->diag, -err, "%s", sxs_strerror(err));
		r->o = AP_UNDECODABLE;
		return 0;
	}
	if (res.reason[0])
		sxs_diag_set(&r->diag, SXS_EFORMAT, "%s", res.reason);
	switch (res.verdict) {
	case SXS_DELTA_OK:
		r->o = AP_OK;
		r->hashed = res.hash == SXS_DELTA_HASH_MATCH;
		break;
	case SXS_DELTA_CORRUPT:
		if (res.hash != SXS_DELTA_HASH_MISMATCH) {
			r->o = AP_UNDECODABLE;
		} else if (res.transforms & ~(uint64_t)PROVEN_TRANSFORMS) {
			r->o = AP_UNSUPPORTED;
			sxs_diag_clear(&r->diag);
			sxs_diag_set(&r->diag, SXS_EUNSUPPORTED,
			             "the result does not match its TargetHash, but transforms no real delta has proven ran (flags 0x%llx): possibly a decoder limit",
			             (unsigned long long)(res.transforms & ~(uint64_t)PROVEN_TRANSFORMS));
		} else {
			r->o = AP_MISMATCH;
		}
		break;
	case SXS_DELTA_UNSUPPORTED:
		r->o = AP_UNSUPPORTED;
		break;
	case SXS_DELTA_ERROR:
		if (res.err == -SXS_ENOMEM) {
			sxs_delta_result_release(&res);
			return -SXS_ENOMEM;
		}
		r->o = res.err == -SXS_ELIMIT ? AP_LIMIT : AP_UNDECODABLE;
		break;
	}
	if (r->o == AP_OK) {
		r->out = res.out;
		r->out_len = res.out_len;
		res.out = NULL;
	} else if (r->o == AP_MISMATCH && pa30_alg(d->hash_alg_id) != SXS_DIGEST_NONE) {
		/* the result's digest for the report; reversal data is decoded again for it */
		uint8_t *again = NULL;
		const uint8_t *o = res.out;
		size_t olen = res.out_len;
		int herr = 0;
		if (!o && d->is_reverse && (herr = rebuild_unchecked(src, src_len, delta, len, &again,
		                                                     &olen)) == 0)
			o = again;
		if (!herr && o)
			herr = sxs_digest_buffer(pa30_alg(d->hash_alg_id), o, olen, r->md, &r->md_len);
		sxs_free(again);
		if (herr == -SXS_ENOMEM) {
			sxs_delta_result_release(&res);
			return herr;
		}
		if (herr)
			r->md_len = 0;
	}
	sxs_delta_result_release(&res);
	return 0;
}

/* A TargetHash mismatch: the delta's hash and the result's, when it was kept. */
static int mismatch_evidence(struct sxs_delta_file *d, const struct apply_res *r)
{
	if (!r->md_len || r->md_len != d->target_hash_len)
		return 0;
	return set_evidence(d, pa30_alg(d->hash_alg_id), d->target_hash, d->target_hash_len, r->md,
	                    r->md_len);
}

static const char *alg_name(uint64_t id)
{
	const char *name = "hash";
	size_t size;
	if (sxs_pa30_hash_alg(id, &name, &size) < 0)
		name = "hash";
	return name;
}

/* First differing byte of a and b (the shorter length when one is a prefix). */
static size_t first_diff(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

static int unverifiable_from(struct sxs_delta_file *d, const struct apply_res *r)
{
	return set_verdict(d, SXS_DV_UNVERIFIABLE, "%s", sxs_diag_msg(&r->diag, -SXS_EFORMAT));
}

/* n\: applied to empty input it must give the file (psfx.md §2.1). */
static int check_null(struct group *g, struct sxs_delta_file *d, const uint8_t *delta, size_t len)
{
	struct sxs_payload *p = g->p;
	struct apply_res r;
	int err = apply_delta(NULL, 0, delta, len, d, g->cap, &r);
	if (err)
		return err;
	if (r.o == AP_MISMATCH) {
		err = set_verdict(d, SXS_DV_FAILED, "the decoded file does not match the delta's own %s TargetHash",
		                  alg_name(d->hash_alg_id));
		if (!err)
			err = mismatch_evidence(d, &r);
		goto out;
	}
	if (r.o != AP_OK) {
		err = unverifiable_from(d, &r);
		goto out;
	}
	if (p && p->alg != SXS_DIGEST_NONE) {
		uint8_t md[SXS_DIGEST_MAX];
		size_t md_len;
		char want[2 * SXS_DIGEST_MAX + 1], got[2 * SXS_DIGEST_MAX + 1];
		if ((err = sxs_digest_buffer(p->alg, r.out, r.out_len, md, &md_len))) {
			if (err != -SXS_ENOMEM)
				err = set_verdict(d, SXS_DV_UNVERIFIABLE, "cannot hash the decoded file: %s",
				                  sxs_strerror(err));
			goto out;
		}
		if (md_len == p->digest_len && memcmp(md, p->expected, md_len) == 0) {
			err = set_verdict(d, SXS_DV_OK, "gives the file the manifest describes");
			goto out;
		}
		sxs_hex_encode(p->expected, p->digest_len, want);
		sxs_hex_encode(md, md_len, got);
		err = set_verdict(d, SXS_DV_FAILED, "the decoded file's %s is %s, the manifest's is %s",
		                  sxs_digest_name(p->alg), got, want);
		if (!err)
			err = set_evidence(d, p->alg, p->expected, p->digest_len, md, md_len);
		goto out;
	}
	/* no digest in the manifest: the bytes of the full file, else the TargetHash */
	if ((err = load_file(g)))
		goto out;
	if (g->file_ok) {
		if (r.out_len == g->file_len && memcmp(r.out, g->file, r.out_len) == 0)
			err = set_verdict(d, SXS_DV_OK, "gives back the full file byte for byte");
		else
			err = set_verdict(d, SXS_DV_FAILED,
			                  "the decoded file (%zu bytes) differs from the full file (%zu bytes) at byte %zu",
			                  r.out_len, g->file_len,
			                  first_diff(r.out, r.out_len, g->file, g->file_len));
	} else if (r.hashed) {
		err = set_verdict(d, SXS_DV_OK, "decodes to its %s TargetHash (the manifest has no digest)",
		                  alg_name(d->hash_alg_id));
	} else {
		err = set_verdict(d, SXS_DV_DECODED, "decodes, but neither a digest nor a TargetHash to compare with");
	}
out:
	sxs_free(r.out);
	return err;
}

/* f\ TargetHash (SHA-256) against the manifest's SHA-256 digest (psfx.md §2.1). */
static bool other_version(const struct group *g, const struct sxs_delta_file *d, char *want,
                          char *got)
{
	const struct sxs_payload *p = g->p;
	if (!p || p->alg != SXS_DIGEST_SHA256 || p->digest_len != 32 ||
	    d->hash_alg_id != SXS_PA30_HASH_SHA256 || d->target_hash_len != 32)
		return false;
	if (memcmp(p->expected, d->target_hash, 32) == 0)
		return false;
	sxs_hex_encode(d->target_hash, 32, got);
	sxs_hex_encode(p->expected, 32, want);
	return true;
}

static int forward_other_version(const struct group *g, struct sxs_delta_file *d,
                                 const char *want, const char *got)
{
	int err = set_verdict(d, SXS_DV_OTHER_VERSION,
	                      "its TargetHash sha256 %s is not the manifest's digest %s of the file",
	                      got, want);
	return err ? err : set_evidence(d, SXS_DIGEST_SHA256, g->p->expected, 32, d->target_hash, 32);
}

/*
 * r\ on the full file; *base_ret gets the rebuilt RTM file when it decoded
 * (hash-checked or not), for f\.
 */
static int check_reverse(struct group *g, struct sxs_delta_file *d, const uint8_t *delta,
                         size_t len, uint8_t **base_ret, size_t *base_len)
{
	struct apply_res r;
	int err;
	*base_ret = NULL;
	if ((err = load_file(g)))
		return err;
	if (!g->file_ok)
		return set_verdict(d, g->file_reported ? SXS_DV_UNCHECKED : SXS_DV_UNVERIFIABLE,
		                   "not applied: %s", g->file_why);
	if ((err = apply_delta(g->file, g->file_len, delta, len, d, g->cap, &r)))
		return err;
	switch (r.o) {
	case AP_OK:
		*base_ret = r.out;
		*base_len = r.out_len;
		if (r.hashed)
			return set_verdict(d, SXS_DV_OK, "rebuilds the RTM file (%s TargetHash matches)",
			                   alg_name(d->hash_alg_id));
		return set_verdict(d, SXS_DV_DECODED, "rebuilds a file of the declared size; it has no TargetHash");
	case AP_MISMATCH:
		err = set_verdict(d, SXS_DV_FAILED,
		                  "applied to the full file, the result's %s does not match the delta's TargetHash",
		                  alg_name(d->hash_alg_id));
		return err ? err : mismatch_evidence(d, &r);
	default:
		return unverifiable_from(d, &r);
	}
}

/* f\ on the base r\ rebuilt: must give back the full file byte for byte. */
static int check_forward(struct group *g, struct sxs_delta_file *d, const uint8_t *delta,
                         size_t len, struct sxs_delta_file *rd, const uint8_t *base,
                         size_t base_len)
{
	char want[65], got[65];
	struct apply_res r;
	int err;

	if (other_version(g, d, want, got))
		return forward_other_version(g, d, want, got);
	if (!rd) /* check/deltas.c notes the missing r\ (delta-reverse-missing) */
		return set_verdict(d, SXS_DV_UNCHECKED, "no r\\ differential to rebuild the RTM base from");
	if (!base)
		/* a damaged r\ (or a file with its own finding) is the news; f\ was not checked */
		return set_verdict(d, sxs_delta_damaged(rd) || rd->verdict == SXS_DV_UNCHECKED
		                              ? SXS_DV_UNCHECKED : SXS_DV_UNVERIFIABLE,
		                   "not applied: its r\\ did not rebuild the RTM base (%s)",
		                   rd->err ? "corrupt" : sxs_psfx_verdict_name(rd->verdict));
	if ((err = load_file(g)))
		return err;
	if (!g->file_ok)
		return set_verdict(d, g->file_reported ? SXS_DV_UNCHECKED : SXS_DV_UNVERIFIABLE,
		                   "not applied: %s", g->file_why);
	if ((err = apply_delta(base, base_len, delta, len, d, g->cap, &r)))
		return err;
	const char *blame = rd->verdict == SXS_DV_OK ? "" : " (r\\ has no TargetHash: either differential may be at fault)";
	/*
	 * A base from unhashed PRSM data proves nothing: the PRSM decoder was
	 * written without a real r\ sample (psfx.md §9 R1), so a mismatch then
	 * is not conclusive.
	 */
	bool conclusive = rd->verdict == SXS_DV_OK || !rd->is_reverse;
	if (!conclusive && (r.o == AP_MISMATCH ||
	                    (r.o == AP_OK && (r.out_len != g->file_len ||
	                                      memcmp(r.out, g->file, r.out_len) != 0)))) {
		err = set_verdict(d, SXS_DV_UNVERIFIABLE,
		                  "applied to the base its r\\ rebuilt, it does not give back the file, but that r\\ has no TargetHash and the PRSM decoder is unproven on real data: not conclusive");
		sxs_free(r.out);
		return err;
	}
	switch (r.o) {
	case AP_OK:
		if (r.out_len == g->file_len && memcmp(r.out, g->file, r.out_len) == 0) {
			err = set_verdict(d, SXS_DV_OK, "applied to the RTM base, gives back the full file");
			if (!err && rd->verdict == SXS_DV_DECODED)
				err = set_verdict(rd, SXS_DV_OK, "rebuilds the RTM base: f\\ then gives back the full file");
		} else {
			err = set_verdict(d, SXS_DV_FAILED,
			                  "applied to the RTM base, gives %zu bytes that differ from the full file (%zu bytes) at byte %zu%s",
			                  r.out_len, g->file_len,
			                  first_diff(r.out, r.out_len, g->file, g->file_len), blame);
			if (!err && g->p->alg != SXS_DIGEST_NONE) {
				uint8_t md[SXS_DIGEST_MAX];
				size_t md_len;
				int herr = sxs_digest_buffer(g->p->alg, r.out, r.out_len, md, &md_len);
				if (herr == -SXS_ENOMEM)
					err = herr;
				else if (!herr)
					err = set_evidence(d, g->p->alg, g->p->actual, g->p->digest_len, md, md_len);
			}
		}
		break;
	case AP_MISMATCH:
		err = set_verdict(d, SXS_DV_FAILED,
		                  "applied to the RTM base, the result's %s does not match the delta's TargetHash%s",
		                  alg_name(d->hash_alg_id), blame);
		if (!err)
			err = mismatch_evidence(d, &r);
		break;
	default:
		err = unverifiable_from(d, &r);
	}
	sxs_free(r.out);
	return err;
}

void sxs_psfx_budget_init(struct sxs_psfx_budget *b, uint64_t limit)
{
	/* with default attributes these cannot fail on Linux */
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->freed, NULL);
	b->limit = limit;
	b->held = 0;
}

void sxs_psfx_budget_destroy(struct sxs_psfx_budget *b)
{
	pthread_cond_destroy(&b->freed);
	pthread_mutex_destroy(&b->lock);
}

static void budget_take(struct sxs_psfx_budget *b, uint64_t n)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	while (b->held && n > b->limit - (b->held < b->limit ? b->held : b->limit))
		pthread_cond_wait(&b->freed, &b->lock);
	b->held += n;
	pthread_mutex_unlock(&b->lock);
}

static void budget_give(struct sxs_psfx_budget *b, uint64_t n)
{
	if (!b || !n)
		return;
	pthread_mutex_lock(&b->lock);
	b->held -= n;
	pthread_cond_broadcast(&b->freed);
	pthread_mutex_unlock(&b->lock);
}

/* What the delta tier of one group may hold: the file and each declared result, capped. */
static uint64_t group_need(const struct group *g, const struct sxs_component *c,
                           const size_t *idx, size_t n)
{
	uint64_t need = g->p && g->p->size < g->cap ? g->p->size : g->cap;
	for (size_t i = 0; i < n; i++) {
		const struct sxs_delta_file *d = &c->deltas[idx[i]];
		if (d->have_header)
			need += d->target_size < g->cap ? d->target_size : g->cap;
	}
	return need;
}

int sxs_psfx_check_group(const struct sxs_psfx_env *env, struct sxs_component *c, size_t pi,
                         size_t di)
{
	struct group g = {.env = env, .c = c};
	uint64_t need = 0;
	size_t n;
	uint8_t *data[8] = {0};
	size_t dlen[8] = {0};
	uint8_t *base = NULL;
	size_t base_len = 0;
	int err = 0;

	g.cap = env->opt->delta_cap ? env->opt->delta_cap : SXS_DEFAULT_DELTA_CAP;
	size_t idx[3];
	if (pi == SIZE_MAX) {
		idx[0] = di;
		n = 1;
	} else {
		n = sxs_psfx_group(c, pi, idx);
		g.p = &c->files[pi];
	}
	for (size_t i = 0; i < n && !err; i++)
		err = check_crc(&g, &c->deltas[idx[i]], &data[i], &dlen[i]);
	if (err || pi == SIZE_MAX)
		goto out; /* a differential without a full file of its name: CRC tier only */
	if (env->opt->deltas != SXS_DELTAS_FULL) {
		/* the f\ cheap check needs no decoding: every tier runs it */
		char want[65], got[65];
		for (size_t i = 0; i < n && !err; i++) {
			struct sxs_delta_file *d = &c->deltas[idx[i]];
			if (d->kind == 'f' && !d->err && other_version(&g, d, want, got))
				err = forward_other_version(&g, d, want, got);
		}
		goto out;
	}
	struct sxs_delta_file *nd = NULL, *rd = NULL, *fd = NULL;
	const uint8_t *nb = NULL, *rb = NULL, *fb = NULL;
	size_t nl = 0, rl = 0, fl = 0;
	for (size_t i = 0; i < n; i++) {
		struct sxs_delta_file *d = &c->deltas[idx[i]];
		const uint8_t *b = data[i] ? data[i] + SXS_PSFX_PREFIX_LEN : NULL;
		size_t l = data[i] ? dlen[i] - SXS_PSFX_PREFIX_LEN : 0;
		if (d->kind == 'n') {
			nd = d; nb = b; nl = l;
		} else if (d->kind == 'r') {
			rd = d; rb = b; rl = l;
		} else {
			fd = d; fb = b; fl = l;
		}
	}
	need = group_need(&g, c, idx, n);
	budget_take(env->budget, need);
	if (nd && nb)
		err = check_null(&g, nd, nb, nl);
	if (!err && rd && rb)
		err = check_reverse(&g, rd, rb, rl, &base, &base_len);
	if (!err && fd && fb)
		err = check_forward(&g, fd, fb, fl, rd, base, base_len);
	budget_give(env->budget, need);
out:
	for (size_t i = 0; i < 8; i++)
		sxs_free(data[i]);
	sxs_free(base);
	sxs_free(g.file);
	return err;
}
