/* SPDX-License-Identifier: MIT */
/*
 * mkhive: build a registry hive file from a readable text source (see
 * README.md), for tests and the demo images.
 *
 * hivex cannot create an empty hive, so we write a minimal one ourselves
 * (base block, one hive bin with the root key and its security cell), let
 * hivex add the keys and values, and commit.  hivex writes no timestamps
 * (new keys inherit the root's, the base block's is left alone), so the
 * fixed timestamp below makes the output depend only on the source.
 *
 * Test options damage the result on purpose: --dirty, --corrupt KIND.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <hivex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"
#include "util/bytes.h"

/* 2019-01-01T00:00:00Z as a Windows FILETIME (100 ns units since 1601). */
#define MKHIVE_FILETIME 131907744000000000ull

#define BASE_SIZE 4096u
#define BIN_SIZE 4096u
#define ROOT_NAME "ROOT"


static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* XOR of the first 127 dwords of the base block. */
static void fix_checksum(uint8_t *base)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 508; i += 4)
		sum ^= get32(base + i);
	sxs_put_le32(base + 508, sum);
}

/* ------------------------------------------------------------------ */
/* the empty hive                                                     */

/*
 * 8 KiB: base block, then one hive bin holding the root key (nk), its
 * security cell (sk, a self-relative descriptor with no owner, group or
 * DACL) and one free cell for the rest of the bin.
 */
static int write_empty(const char *path)
{
	static uint8_t img[BASE_SIZE + BIN_SIZE];
	uint8_t *b = img, *bin = img + BASE_SIZE;
	const size_t nk_off = 32, nk_len = 88, sk_off = nk_off + nk_len, sk_len = 48;

	memset(img, 0, sizeof(img));
	memcpy(b, "regf", 4);
	sxs_put_le32(b + 4, 0);  /* primary sequence (hivex_commit makes both 1) */
	sxs_put_le32(b + 8, 0);  /* secondary sequence */
	sxs_put_le64(b + 12, MKHIVE_FILETIME);
	sxs_put_le32(b + 20, 1); /* major version */
	sxs_put_le32(b + 24, 5); /* minor version (XP and later, lh lists) */
	sxs_put_le32(b + 28, 0); /* file type: primary */
	sxs_put_le32(b + 32, 1); /* file format: direct memory load */
	sxs_put_le32(b + 36, (uint32_t)nk_off);
	sxs_put_le32(b + 40, BIN_SIZE);
	sxs_put_le32(b + 44, 1); /* clustering factor */
	fix_checksum(b);

	memcpy(bin, "hbin", 4);
	sxs_put_le32(bin + 4, 0);        /* offset of this bin */
	sxs_put_le32(bin + 8, BIN_SIZE); /* size of this bin */
	sxs_put_le64(bin + 20, MKHIVE_FILETIME);

	uint8_t *nk = bin + nk_off;
	sxs_put_le32(nk, (uint32_t)-(int32_t)nk_len);
	memcpy(nk + 4, "nk", 2);
	sxs_put_le16(nk + 6, 0x2c); /* hive entry | no delete | compressed (Latin-1) name */
	sxs_put_le64(nk + 8, MKHIVE_FILETIME);
	sxs_put_le32(nk + 16, 0);
	sxs_put_le32(nk + 20, 0);           /* parent (none) */
	sxs_put_le32(nk + 24, 0);           /* subkeys */
	sxs_put_le32(nk + 28, 0);           /* volatile subkeys */
	sxs_put_le32(nk + 32, 0xffffffffu); /* subkey list */
	sxs_put_le32(nk + 36, 0xffffffffu); /* volatile subkey list */
	sxs_put_le32(nk + 40, 0);           /* values */
	sxs_put_le32(nk + 44, 0xffffffffu); /* value list */
	sxs_put_le32(nk + 48, (uint32_t)sk_off);
	sxs_put_le32(nk + 52, 0xffffffffu); /* class name */
	sxs_put_le16(nk + 76, (uint32_t)strlen(ROOT_NAME));
	memcpy(nk + 80, ROOT_NAME, strlen(ROOT_NAME));

	uint8_t *sk = bin + sk_off;
	sxs_put_le32(sk, (uint32_t)-(int32_t)sk_len);
	memcpy(sk + 4, "sk", 2);
	sxs_put_le32(sk + 8, (uint32_t)sk_off);  /* next sk: itself */
	sxs_put_le32(sk + 12, (uint32_t)sk_off); /* previous sk: itself */
	sxs_put_le32(sk + 16, 1);                /* reference count */
	sxs_put_le32(sk + 20, 20);               /* descriptor size */
	sk[24] = 1;                       /* revision */
	sxs_put_le16(sk + 26, 0x8004);           /* self-relative, DACL present (NULL DACL) */

	sxs_put_le32(bin + sk_off + sk_len, (uint32_t)(BIN_SIZE - sk_off - sk_len)); /* free */

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, img, sizeof(img)) != (ssize_t)sizeof(img) || close(fd) < 0) {
		fprintf(stderr, "mkhive: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* populating with hivex                                              */

/* Lower-cased key path -> node, so we never ask hivex to search. */
struct key_map {
	char **paths;
	hive_node_h *nodes;
	size_t cap, n;
};

static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

static size_t map_find(const struct key_map *m, const char *lower)
{
	size_t i = path_hash(lower) & (m->cap - 1);
	while (m->paths[i] && strcmp(m->paths[i], lower) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void map_put(struct key_map *m, char *lower, hive_node_h node)
{
	if (2 * (m->n + 1) > m->cap) {
		struct key_map big = {calloc(2 * m->cap, sizeof(char *)),
		                      calloc(2 * m->cap, sizeof(hive_node_h)), 2 * m->cap, 0};
		if (!big.paths || !big.nodes) {
			fputs("mkhive: out of memory\n", stderr);
			exit(1);
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->paths[i])
				continue;
			size_t j = map_find(&big, m->paths[i]);
			big.paths[j] = m->paths[i];
			big.nodes[j] = m->nodes[i];
			big.n++;
		}
		free(m->paths);
		free(m->nodes);
		*m = big;
	}
	size_t i = map_find(m, lower);
	m->paths[i] = lower;
	m->nodes[i] = node;
	m->n++;
}

static char *lower_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) {
		fputs("mkhive: out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	d[n] = '\0';
	return d;
}

/* The node for `path`, creating it and any missing parents. */
static hive_node_h make_key(hive_h *hx, struct key_map *m, const struct src_key *k,
                            const char *srcname)
{
	const char *path = k->path;
	hive_node_h node = hivex_root(hx);
	size_t len = strlen(path);
	for (size_t start = 0; start < len;) {
		size_t end = start;
		while (end < len && path[end] != '\\')
			end++;
		char *lower = lower_dup(path, end);
		size_t slot = map_find(m, lower);
		if (m->paths[slot]) {
			node = m->nodes[slot];
			free(lower);
		} else {
			char *name = strndup(path + start, end - start);
			if (!name) {
				fputs("mkhive: out of memory\n", stderr);
				exit(1);
			}
			node = hivex_node_add_child(hx, node, name);
			if (!node) {
				fprintf(stderr, "%s:%u: hivex cannot add key '%s': %s\n", srcname,
				        k->line, name, strerror(errno));
				free(name);
				free(lower);
				return 0;
			}
			free(name);
			map_put(m, lower, node);
		}
		start = end + 1;
	}
	return node;
}

static bool ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

static int populate(hive_h *hx, const char *srcname, const struct src_file *src)
{
	struct key_map m = {calloc(64, sizeof(char *)), calloc(64, sizeof(hive_node_h)), 64, 0};
	int ret = -1;
	if (!m.paths || !m.nodes) {
		fputs("mkhive: out of memory\n", stderr);
		goto out;
	}
	for (size_t i = 0; i < src->n_keys; i++) {
		const struct src_key *k = &src->keys[i];
		hive_node_h node = make_key(hx, &m, k, srcname);
		if (!node)
			goto out;
		if (k->n_values == 0)
			continue;
		if (hivex_node_nr_values(hx, node) != 0) {
			fprintf(stderr, "%s:%u: key [%s] already got its values in an earlier section\n",
			        srcname, k->line, k->path);
			goto out;
		}
		hive_set_value *vals = calloc(k->n_values, sizeof(*vals));
		if (!vals) {
			fputs("mkhive: out of memory\n", stderr);
			goto out;
		}
		for (size_t j = 0; j < k->n_values; j++) {
			const struct src_value *v = &k->values[j];
			for (size_t q = 0; q < j; q++) {
				if (ascii_caseeq(k->values[q].name, v->name)) {
					fprintf(stderr, "%s:%u: value '%s' given twice in [%s]\n", srcname,
					        v->line, v->name[0] ? v->name : "@", k->path);
					free(vals);
					goto out;
				}
			}
			vals[j].key = v->name;
			vals[j].t = v->type;
			vals[j].len = v->len;
			vals[j].value = (char *)v->data;
		}
		int r = hivex_node_set_values(hx, node, k->n_values, vals, 0);
		int e = errno;
		free(vals);
		if (r < 0) {
			fprintf(stderr, "%s:%u: hivex cannot set the values of [%s]: %s\n", srcname,
			        k->line, k->path, strerror(e));
			goto out;
		}
	}
	ret = 0;
out:
	for (size_t i = 0; i < m.cap && m.paths; i++)
		free(m.paths[i]);
	free(m.paths);
	free(m.nodes);
	return ret;
}

/* ------------------------------------------------------------------ */
/* damage for tests                                                   */

struct image {
	uint8_t *b;
	size_t len;
};

static int load(const char *path, struct image *img)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	img->len = (size_t)st.st_size;
	img->b = malloc(img->len);
	if (!img->b || read(fd, img->b, img->len) != (ssize_t)img->len)
		goto fail;
	close(fd);
	return 0;
fail:
	fprintf(stderr, "mkhive: cannot read back %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int store(const char *path, const struct image *img)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, img->b, img->len) != (ssize_t)img->len || close(fd) < 0) {
		fprintf(stderr, "mkhive: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Absolute offset of a cell referenced by a stored (bin-relative) offset. */
static size_t cell(const struct image *img, uint32_t rel, size_t min_len)
{
	size_t off = (size_t)rel + BASE_SIZE;
	if (rel == 0xffffffffu || off > img->len || min_len > img->len - off)
		return 0;
	return off;
}

static const char *const corruptions[] = {
	"signature",     /* 'regf' -> 'rogf' (checksum kept valid) */
	"checksum",      /* base block checksum wrong */
	"file-type",     /* base block says "transaction log" */
	"truncate",      /* file cut in the middle of the last hive bin */
	"cell-size",     /* first cell of the first bin claims to run past the bin */
	"loop",          /* the root's first subkey lists the root's subkeys, itself included */
	"subkey-count",  /* the root claims 0x7fffffff subkeys */
	"value-length",  /* the root's first value claims more data than its cell holds */
	"subkey-list",   /* the root's subkey list claims more entries than its cell holds */
	NULL,
};

static int corrupt(struct image *img, const char *kind)
{
	uint8_t *b = img->b;
	size_t root = cell(img, get32(b + 36), 80);
	if (!root) {
		fputs("mkhive: no root key to damage\n", stderr);
		return -1;
	}
	size_t list = cell(img, get32(b + root + 32), 16);

	if (strcmp(kind, "signature") == 0) {
		b[1] = 'o';
		fix_checksum(b);
	} else if (strcmp(kind, "checksum") == 0) {
		b[508] ^= 0x5a;
	} else if (strcmp(kind, "file-type") == 0) {
		sxs_put_le32(b + 28, 1);
		fix_checksum(b);
	} else if (strcmp(kind, "truncate") == 0) {
		img->len = BASE_SIZE + get32(b + 40) - BIN_SIZE / 2;
	} else if (strcmp(kind, "cell-size") == 0) {
		uint8_t *c = b + BASE_SIZE + 32;
		int32_t size = (int32_t)get32(c);
		sxs_put_le32(c, (uint32_t)(size < 0 ? size - (int32_t)BIN_SIZE : size + (int32_t)BIN_SIZE));
	} else if (strcmp(kind, "loop") == 0 || strcmp(kind, "subkey-list") == 0) {
		if (!list || memcmp(b + list + 4, "lh", 2) != 0 || get16(b + list + 6) == 0) {
			fputs("mkhive: --corrupt loop/subkey-list need a root key with subkeys\n",
			      stderr);
			return -1;
		}
		if (strcmp(kind, "subkey-list") == 0) {
			sxs_put_le16(b + list + 6, 0xfff0);
		} else {
			size_t child = cell(img, get32(b + list + 8), 80);
			if (!child)
				return -1;
			sxs_put_le32(b + child + 24, get32(b + root + 24));
			sxs_put_le32(b + child + 32, get32(b + root + 32));
		}
	} else if (strcmp(kind, "subkey-count") == 0) {
		sxs_put_le32(b + root + 24, 0x7fffffffu);
	} else if (strcmp(kind, "value-length") == 0) {
		size_t vlist = get32(b + root + 40) ? cell(img, get32(b + root + 44), 8) : 0;
		size_t vk = vlist ? cell(img, get32(b + vlist + 4), 24) : 0;
		size_t data = vk && !(get32(b + vk + 8) & 0x80000000u)
		                      ? cell(img, get32(b + vk + 12), 8)
		                      : 0;
		if (!data) {
			fputs("mkhive: --corrupt value-length needs a first root value of more "
			      "than 4 bytes\n",
			      stderr);
			return -1;
		}
		int32_t size = (int32_t)get32(b + data);
		uint32_t cell_len = (uint32_t)(size < 0 ? -size : size);
		sxs_put_le32(b + vk + 8, cell_len - 4 + 64);
	} else {
		fprintf(stderr, "mkhive: unknown --corrupt kind '%s'\n", kind);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len_ret)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0;
	if (!f)
		goto fail;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? 2 * cap : 65536;
			char *grown = realloc(data, cap);
			if (!grown)
				goto fail;
			data = grown;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len_ret = len;
	return data;
fail:
	fprintf(stderr, "mkhive: cannot read %s: %s\n", path, strerror(errno));
	if (f)
		fclose(f);
	free(data);
	return NULL;
}

static void usage(FILE *out)
{
	fputs("usage: mkhive [--base-dir DIR] [--dirty] [--corrupt KIND]... SOURCE.txt OUT_HIVE\n"
	      "Build a registry hive from a text source (see tests/tools/mkhive/README.md).\n"
	      "  --base-dir DIR   resolve sha256-of-file paths against DIR (default: .)\n"
	      "  --dirty          primary sequence number != secondary (needs log replay)\n"
	      "  --corrupt KIND   damage the result on purpose; KIND is one of:\n",
	      out);
	for (size_t i = 0; corruptions[i]; i++)
		fprintf(out, "                   %s\n", corruptions[i]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"base-dir", required_argument, NULL, 'b'},
		{"dirty", no_argument, NULL, 'd'},
		{"corrupt", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *base_dir = ".", *kinds[16];
	size_t n_kinds = 0;
	bool dirty = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			base_dir = optarg;
			break;
		case 'd':
			dirty = true;
			break;
		case 'c':
			if (n_kinds == sizeof(kinds) / sizeof(kinds[0])) {
				fputs("mkhive: too many --corrupt options\n", stderr);
				return 2;
			}
			kinds[n_kinds++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	const char *srcpath = argv[optind], *outpath = argv[optind + 1];

	int status = 1;
	char *text = NULL, *tmp = NULL;
	struct src_file src = {0};
	struct image img = {NULL, 0};
	hive_h *hx = NULL;
	bool made_tmp = false;

	int base_fd = open(base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base_fd < 0) {
		fprintf(stderr, "mkhive: cannot open --base-dir %s: %s\n", base_dir, strerror(errno));
		goto out;
	}
	size_t len;
	text = read_all(srcpath, &len);
	if (!text || src_parse(srcpath, text, len, base_fd, &src) < 0)
		goto out;

	size_t tlen = strlen(outpath) + sizeof(".tmp");
	tmp = malloc(tlen);
	if (!tmp)
		goto out;
	snprintf(tmp, tlen, "%s.tmp", outpath);
	made_tmp = true;
	if (write_empty(tmp) < 0)
		goto out;
	hx = hivex_open(tmp, HIVEX_OPEN_WRITE);
	if (!hx) {
		fprintf(stderr, "mkhive: hivex cannot open the empty hive: %s\n", strerror(errno));
		goto out;
	}
	if (populate(hx, srcpath, &src) < 0)
		goto out;
	if (hivex_commit(hx, tmp, 0) < 0) {
		fprintf(stderr, "mkhive: hivex cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	hivex_close(hx);
	hx = NULL;

	if (dirty || n_kinds) {
		if (load(tmp, &img) < 0)
			goto out;
		if (dirty) {
			sxs_put_le32(img.b + 4, get32(img.b + 8) + 1);
			fix_checksum(img.b);
		}
		for (size_t i = 0; i < n_kinds; i++)
			if (corrupt(&img, kinds[i]) < 0)
				goto out;
		if (store(tmp, &img) < 0)
			goto out;
	}
	if (rename(tmp, outpath) < 0) {
		fprintf(stderr, "mkhive: cannot rename %s to %s: %s\n", tmp, outpath, strerror(errno));
		goto out;
	}
	made_tmp = false;
	status = 0;
out:
	if (hx)
		hivex_close(hx);
	if (made_tmp)
		unlink(tmp);
	if (base_fd >= 0)
		close(base_fd);
	free(img.b);
	free(tmp);
	free(text);
	src_free(&src);
	return status;
}
