/* SPDX-License-Identifier: MIT */
/* Write-once registry hive builder: see regf.h.  Layout: docs/formats.md (regf). */
#include "regf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "util/bytes.h"

#define FILETIME 131907744000000000ull /* 2019-01-01, as mkhive */
#define BASE_SIZE 4096u
#define BIN_SIZE 4096u
#define BIN_HEADER 32u
#define NK_FIXED 76u
#define VK_FIXED 20u
#define LH_MAX 512u
#define NONE 0xffffffffu

struct regf_value {
	char *name;
	uint32_t type;
	uint8_t *data;
	uint32_t len;
	uint32_t off, data_off;
};

struct regf_key {
	char *name;
	struct regf_key *parent;
	struct regf_key **kids;
	size_t nkids, capkids;
	struct regf_value *vals;
	size_t nvals, capvals;
	uint32_t off, vlist_off, list_off; /* list_off: lh, or ri when > LH_MAX kids */
	uint32_t *lh_offs;                 /* the lh cells under the ri */
};

static void oom(void)
{
	fputs("regf: out of memory\n", stderr);
	abort();
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

struct regf_key *regf_new_root(void)
{
	struct regf_key *k = calloc(1, sizeof(*k));
	if (!k)
		oom();
	k->name = xstrdup("ROOT");
	return k;
}

struct regf_key *regf_add(struct regf_key *parent, const char *name)
{
	struct regf_key *k = calloc(1, sizeof(*k));
	if (!k)
		oom();
	k->name = xstrdup(name);
	k->parent = parent;
	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids ? parent->capkids * 2 : 4;
		parent->kids = xrealloc(parent->kids, parent->capkids * sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = k;
	return k;
}

struct regf_key *regf_path(struct regf_key *k, const char *path)
{
	while (*path) {
		size_t n = strcspn(path, "\\");
		struct regf_key *next = NULL;
		for (size_t i = k->nkids; i-- > 0;)
			if (strlen(k->kids[i]->name) == n && strncasecmp(k->kids[i]->name, path, n) == 0) {
				next = k->kids[i];
				break;
			}
		if (!next) {
			char *name = strndup(path, n);
			if (!name)
				oom();
			next = regf_add(k, name);
			free(name);
		}
		k = next;
		path += n;
		if (*path == '\\')
			path++;
	}
	return k;
}

void regf_value(struct regf_key *k, const char *name, uint32_t type, const void *data,
                size_t len)
{
	if (k->nvals == k->capvals) {
		k->capvals = k->capvals ? k->capvals * 2 : 4;
		k->vals = xrealloc(k->vals, k->capvals * sizeof(*k->vals));
	}
	struct regf_value *v = &k->vals[k->nvals++];
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	v->type = type;
	v->len = (uint32_t)len;
	v->data = xrealloc(NULL, len);
	memcpy(v->data, data, len);
}

void regf_value_sz(struct regf_key *k, const char *name, const char *ascii)
{
	size_t n = strlen(ascii);
	uint8_t *u = xrealloc(NULL, 2 * n + 2);
	for (size_t i = 0; i <= n; i++) {
		u[2 * i] = (uint8_t)ascii[i];
		u[2 * i + 1] = 0;
	}
	regf_value(k, name, REGF_SZ, u, 2 * n + 2);
	free(u);
}

void regf_value_dword(struct regf_key *k, const char *name, uint32_t v)
{
	uint8_t d[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	regf_value(k, name, REGF_DWORD, d, 4);
}

/* ---- layout ------------------------------------------------------------ */

struct writer {
	uint8_t *buf; /* hive bins (offset 0 = first bin) */
	size_t cap;
	uint32_t bin_start, bin_end, pos;
	uint32_t sk_off, nkeys;
};


static void ensure(struct writer *w, size_t end)
{
	if (end <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : (1u << 20);
	while (cap < end)
		cap *= 2;
	w->buf = xrealloc(w->buf, cap);
	memset(w->buf + w->cap, 0, cap - w->cap);
	w->cap = cap;
}

/* Close the current bin: the rest becomes one free cell. */
static void close_bin(struct writer *w)
{
	if (w->bin_end == 0)
		return;
	if (w->bin_end > w->pos)
		sxs_put_le32(w->buf + w->pos, w->bin_end - w->pos);
	w->pos = w->bin_end;
}

static void open_bin(struct writer *w, uint32_t size)
{
	w->bin_start = w->bin_end;
	w->bin_end = w->bin_start + size;
	ensure(w, w->bin_end);
	uint8_t *b = w->buf + w->bin_start;
	memcpy(b, "hbin", 4);
	sxs_put_le32(b + 4, w->bin_start);
	sxs_put_le32(b + 8, size);
	sxs_put_le64(b + 20, FILETIME);
	w->pos = w->bin_start + BIN_HEADER;
}

/* An allocated cell for `payload` bytes; returns its offset. */
static uint32_t cell(struct writer *w, size_t payload)
{
	uint32_t size = (uint32_t)((payload + 4 + 7) & ~(size_t)7);
	if (w->bin_end == 0 || size > w->bin_end - w->pos) {
		close_bin(w);
		uint32_t bsize = (size + BIN_HEADER + BIN_SIZE - 1) / BIN_SIZE * BIN_SIZE;
		open_bin(w, bsize);
	}
	uint32_t off = w->pos;
	sxs_put_le32(w->buf + off, (uint32_t)-(int32_t)size);
	w->pos += size;
	return off;
}

static int cmp_upper(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'a' && x <= 'z')
			x = (unsigned char)(x - 32);
		if (y >= 'a' && y <= 'z')
			y = (unsigned char)(y - 32);
		if (x != y || !x)
			return x - y;
	}
}

static int cmp_kid(const void *a, const void *b)
{
	return cmp_upper((*(struct regf_key *const *)a)->name, (*(struct regf_key *const *)b)->name);
}

static uint32_t lh_hash(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 32);
		h = h * 37 + c;
	}
	return h;
}

/* Pass 1: allocate every cell of k and below (pre-order, values next to their key). */
static void layout(struct writer *w, struct regf_key *k)
{
	w->nkeys++;
	k->off = cell(w, NK_FIXED + strlen(k->name));
	if (k->nvals) {
		k->vlist_off = cell(w, 4 * k->nvals);
		for (size_t i = 0; i < k->nvals; i++) {
			struct regf_value *v = &k->vals[i];
			v->off = cell(w, VK_FIXED + strlen(v->name));
			if (v->len > 4)
				v->data_off = cell(w, v->len);
		}
	}
	if (k->nkids) {
		qsort(k->kids, k->nkids, sizeof(*k->kids), cmp_kid);
		if (k->nkids <= LH_MAX) {
			k->list_off = cell(w, 4 + 8 * k->nkids);
		} else {
			size_t nl = (k->nkids + LH_MAX - 1) / LH_MAX;
			k->list_off = cell(w, 4 + 4 * nl);
			k->lh_offs = xrealloc(NULL, nl * sizeof(*k->lh_offs));
			for (size_t i = 0; i < nl; i++) {
				size_t n = k->nkids - i * LH_MAX < LH_MAX ? k->nkids - i * LH_MAX : LH_MAX;
				k->lh_offs[i] = cell(w, 4 + 8 * n);
			}
		}
	}
	for (size_t i = 0; i < k->nkids; i++)
		layout(w, k->kids[i]);
}

static void fill_lh(struct writer *w, uint32_t off, struct regf_key **kids, size_t n)
{
	uint8_t *p = w->buf + off + 4;
	memcpy(p, "lh", 2);
	sxs_put_le16(p + 2, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		sxs_put_le32(p + 4 + 8 * i, kids[i]->off);
		sxs_put_le32(p + 8 + 8 * i, lh_hash(kids[i]->name));
	}
}

/* Pass 2: write the cells. */
static void fill(struct writer *w, struct regf_key *k)
{
	uint8_t *nk = w->buf + k->off + 4;
	size_t maxname = 0, maxvname = 0, maxdata = 0;
	for (size_t i = 0; i < k->nkids; i++)
		if (strlen(k->kids[i]->name) > maxname)
			maxname = strlen(k->kids[i]->name);
	for (size_t i = 0; i < k->nvals; i++) {
		if (strlen(k->vals[i].name) > maxvname)
			maxvname = strlen(k->vals[i].name);
		if (k->vals[i].len > maxdata)
			maxdata = k->vals[i].len;
	}
	memcpy(nk, "nk", 2);
	sxs_put_le16(nk + 2, k->parent ? 0x20 : 0x2c);
	sxs_put_le64(nk + 4, FILETIME);
	sxs_put_le32(nk + 0x10, k->parent ? k->parent->off : 0);
	sxs_put_le32(nk + 0x14, (uint32_t)k->nkids);
	sxs_put_le32(nk + 0x1c, k->nkids ? k->list_off : NONE);
	sxs_put_le32(nk + 0x20, NONE);
	sxs_put_le32(nk + 0x24, (uint32_t)k->nvals);
	sxs_put_le32(nk + 0x28, k->nvals ? k->vlist_off : NONE);
	sxs_put_le32(nk + 0x2c, w->sk_off);
	sxs_put_le32(nk + 0x30, NONE);
	sxs_put_le32(nk + 0x34, (uint32_t)maxname * 2);
	sxs_put_le32(nk + 0x3c, (uint32_t)maxvname * 2);
	sxs_put_le32(nk + 0x40, (uint32_t)maxdata);
	sxs_put_le16(nk + 0x48, (uint32_t)strlen(k->name));
	memcpy(nk + NK_FIXED, k->name, strlen(k->name));

	for (size_t i = 0; i < k->nvals; i++) {
		const struct regf_value *v = &k->vals[i];
		sxs_put_le32(w->buf + k->vlist_off + 4 + 4 * i, v->off);
		uint8_t *vk = w->buf + v->off + 4;
		memcpy(vk, "vk", 2);
		sxs_put_le16(vk + 2, (uint32_t)strlen(v->name));
		if (v->len <= 4) {
			sxs_put_le32(vk + 4, 0x80000000u | v->len);
			memcpy(vk + 8, v->data, v->len);
		} else {
			sxs_put_le32(vk + 4, v->len);
			sxs_put_le32(vk + 8, v->data_off);
			memcpy(w->buf + v->data_off + 4, v->data, v->len);
		}
		sxs_put_le32(vk + 12, v->type);
		sxs_put_le16(vk + 16, 1); /* compressed name */
		memcpy(vk + VK_FIXED, v->name, strlen(v->name));
	}
	if (k->nkids > LH_MAX) {
		size_t nl = (k->nkids + LH_MAX - 1) / LH_MAX;
		uint8_t *ri = w->buf + k->list_off + 4;
		memcpy(ri, "ri", 2);
		sxs_put_le16(ri + 2, (uint32_t)nl);
		for (size_t i = 0; i < nl; i++) {
			size_t n = k->nkids - i * LH_MAX < LH_MAX ? k->nkids - i * LH_MAX : LH_MAX;
			sxs_put_le32(ri + 4 + 4 * i, k->lh_offs[i]);
			fill_lh(w, k->lh_offs[i], k->kids + i * LH_MAX, n);
		}
	} else if (k->nkids) {
		fill_lh(w, k->list_off, k->kids, k->nkids);
	}
	for (size_t i = 0; i < k->nkids; i++)
		fill(w, k->kids[i]);
}

int regf_write(struct regf_key *root, const char *path)
{
	struct writer w = {0};
	/* the root key first, then the one security cell every key shares */
	w.sk_off = 0;
	layout(&w, root);
	w.sk_off = cell(&w, 20 + 20);
	close_bin(&w);
	fill(&w, root);
	uint8_t *sk = w.buf + w.sk_off + 4;
	memcpy(sk, "sk", 2);
	sxs_put_le32(sk + 4, w.sk_off);
	sxs_put_le32(sk + 8, w.sk_off);
	sxs_put_le32(sk + 12, w.nkeys);
	sxs_put_le32(sk + 16, 20);
	sk[20] = 1;              /* revision */
	sxs_put_le16(sk + 22, 0x8004);  /* self-relative, DACL present (NULL DACL) */

	uint8_t base[BASE_SIZE] = {0};
	memcpy(base, "regf", 4);
	sxs_put_le32(base + 4, 1);
	sxs_put_le32(base + 8, 1);
	sxs_put_le64(base + 12, FILETIME);
	sxs_put_le32(base + 20, 1);
	sxs_put_le32(base + 24, 5);
	sxs_put_le32(base + 32, 1);
	sxs_put_le32(base + 36, root->off);
	sxs_put_le32(base + 40, w.bin_end);
	sxs_put_le32(base + 44, 1);
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= (uint32_t)base[i] | (uint32_t)base[i + 1] << 8 | (uint32_t)base[i + 2] << 16 |
		       (uint32_t)base[i + 3] << 24;
	if (sum == 0)
		sum = 1;
	else if (sum == 0xffffffffu)
		sum = 0xfffffffeu;
	sxs_put_le32(base + 508, sum);

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = -1;
	if (fd >= 0 && write(fd, base, sizeof(base)) == (ssize_t)sizeof(base)) {
		size_t done = 0;
		while (done < w.bin_end) {
			ssize_t r = write(fd, w.buf + done, w.bin_end - done);
			if (r <= 0)
				break;
			done += (size_t)r;
		}
		if (done == w.bin_end)
			rc = 0;
	}
	int e = errno;
	if (fd >= 0 && close(fd) < 0 && rc == 0) {
		e = errno;
		rc = -1;
	}
	free(w.buf);
	errno = e;
	return rc;
}

/* ---- text form and cleanup ---------------------------------------------- */

static void dump(const struct regf_key *k, char *path, size_t len, size_t cap, FILE *out)
{
	if (k->parent) {
		fprintf(out, "[%s]\n", path);
		for (size_t i = 0; i < k->nvals; i++) {
			const struct regf_value *v = &k->vals[i];
			if (v->name[0])
				fprintf(out, "\"%s\" = ", v->name);
			else
				fputs("@ = ", out);
			if (v->type == REGF_DWORD) {
				fprintf(out, "dword:0x%x\n",
				        (unsigned)(v->data[0] | v->data[1] << 8 | v->data[2] << 16 |
				                   (uint32_t)v->data[3] << 24));
			} else if (v->type == REGF_SZ) {
				fputs("sz:\"", out);
				for (size_t j = 0; j + 2 < v->len; j += 2)
					fputc(v->data[j], out);
				fputs("\"\n", out);
			} else {
				fputs("hex:", out);
				for (size_t j = 0; j < v->len; j++)
					fprintf(out, "%02x", v->data[j]);
				fputc('\n', out);
			}
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < k->nkids; i++) {
		size_t n = strlen(k->kids[i]->name), l = len;
		if (l + n + 2 > cap)
			continue; /* deeper than any path mkstore makes */
		if (l)
			path[l++] = '\\';
		memcpy(path + l, k->kids[i]->name, n + 1);
		dump(k->kids[i], path, l + n, cap, out);
		path[len] = '\0';
	}
}

void regf_dump_text(const struct regf_key *root, FILE *out)
{
	char path[4096] = "";
	dump(root, path, 0, sizeof(path), out);
}

void regf_free(struct regf_key *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nkids; i++)
		regf_free(k->kids[i]);
	for (size_t i = 0; i < k->nvals; i++) {
		free(k->vals[i].name);
		free(k->vals[i].data);
	}
	free(k->vals);
	free(k->kids);
	free(k->lh_offs);
	free(k->name);
	free(k);
}
