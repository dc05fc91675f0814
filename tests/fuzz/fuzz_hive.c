/* SPDX-License-Identifier: MIT */
/*
 * Registry hives.  The input is written to a file (hives are opened by
 * path, relative to a directory fd) and opened with sxs_hive_open; every
 * key is then walked (bounded) and every value read, converted through the
 * typed views, and every child looked up by name through the index.
 * Properties:
 *   - errors are -SXS_E* codes with a one-line reason;
 *   - the walk visits each key at most once and never deeper than
 *     SXS_MAX_HIVE_DEPTH;
 *   - a child listed by sxs_hive_children is found again by its name, and
 *     the key found has that name (ignoring ASCII case);
 *   - every value's data pointer is non-NULL; typed views succeed only for
 *     their types and sizes;
 *   - CanonicalData\Deployments, read as store/deploy.c does, gives sorted
 *     deployments, each found again by name, with p/s/i marks only.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz.h"
#include "hive/hive.h"
#include "store/deploy.h"
#include "util/alloc.h"

#define MAX_KEYS 20000 /* walk limit per input, so one input stays fast */

static char dir[64];
static int dirfd_ = -1;

static void cleanup(void)
{
	if (dirfd_ >= 0) {
		unlinkat(dirfd_, "hive", 0);
		close(dirfd_);
		rmdir(dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/sxs-fuzz-hive.XXXXXX", base);
	if (!mkdtemp(dir) || (dirfd_ = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror("fuzz_hive: temp dir");
		abort();
	}
	atexit(cleanup);
	return 0;
}

struct walk {
	size_t keys;
	sxs_hnode *seen;
	size_t nseen;
};

static int visit(struct sxs_hive *h, sxs_hnode node, unsigned depth, void *ctx)
{
	struct walk *w = ctx;
	FUZZ_CHECK(depth <= SXS_MAX_HIVE_DEPTH, "depth %u", depth);
	for (size_t i = 0; i < w->nseen; i++)
		FUZZ_CHECK(w->seen[i] != node, "key 0x%zx visited twice", node);
	if (w->nseen < 4096)
		w->seen[w->nseen++] = node;
	if (++w->keys > MAX_KEYS)
		return 1;

	char *name = NULL;
	int err = sxs_hive_node_name(h, node, &name);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "node_name: %d", err);
	sxs_free(name);

	struct sxs_hive_value *vals = NULL;
	size_t nvals = 0;
	err = sxs_hive_values(h, node, &vals, &nvals);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "values: %d", err);
	if (!err) {
		for (size_t i = 0; i < nvals; i++) {
			const struct sxs_hive_value *v = &vals[i];
			FUZZ_CHECK(v->name && v->data, "value without name or data");
			char *s = NULL;
			uint32_t dw;
			uint64_t qw;
			if (sxs_hive_value_string(v, &s) == 0) {
				FUZZ_CHECK(v->type == SXS_REG_SZ || v->type == SXS_REG_EXPAND_SZ, "string of type %u", v->type);
				sxs_free(s);
			}
			if (sxs_hive_value_dword(v, &dw) == 0)
				FUZZ_CHECK(v->len == 4, "dword of %zu bytes", v->len);
			if (sxs_hive_value_qword(v, &qw) == 0)
				FUZZ_CHECK(v->len == 8 && v->type == SXS_REG_QWORD, "qword of %zu bytes", v->len);
			struct sxs_hive_value one;
			if (sxs_hive_value(h, node, v->name, &one) == 0) {
				FUZZ_CHECK(!strcasecmp(one.name, v->name), "value '%s' found as '%s'",
				           v->name, one.name);
				sxs_hive_value_release(&one);
			}
		}
		sxs_hive_values_free(vals, nvals);
	}

	sxs_hnode *kids = NULL;
	size_t nkids = 0;
	err = sxs_hive_children(h, node, &kids, &nkids);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "children: %d", err);
	if (!err) {
		for (size_t i = 0; i < nkids && i < 64; i++) {
			char *kn = NULL;
			if (sxs_hive_node_name(h, kids[i], &kn))
				continue;
			sxs_hnode found = 0;
			int ferr = sxs_hive_child(h, node, kn, &found);
			if (!ferr) {
				char *fn = NULL;
				if (sxs_hive_node_name(h, found, &fn) == 0) {
					FUZZ_CHECK(!strcasecmp(fn, kn), "child '%s' found as '%s'", kn, fn);
					sxs_free(fn);
				}
			} else if (!strchr(kn, '\\') && !strchr(kn, '/') && *kn) {
				/* an error is fine (damaged list), "not found" is not */
				FUZZ_CHECK(ferr != -SXS_ENOENT, "listed child '%s' not found by name", kn);
			}
			sxs_free(kn);
		}
		sxs_free(kids);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dirfd_ < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	int fd = openat(dirfd_, "hive", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	close(fd);

	struct sxs_hive *h = NULL;
	struct sxs_diag diag = {{0}};
	int err = sxs_hive_open(dirfd_, "hive", "fuzz", &h, &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "open returned %d", err);
	if (err) {
		FUZZ_CHECK(h == NULL, "handle written on error");
		FUZZ_CHECK(diag.msg[0] != '\0', "no reason for %s", sxs_strerror(err));
		FUZZ_CHECK(!strchr(diag.msg, '\n'), "reason has a newline");
		return 0;
	}
	FUZZ_CHECK(sxs_hive_root(h) != 0, "no root");
	(void)sxs_hive_is_dirty(h);
	(void)sxs_hive_has_logs(h);
	struct walk w = {0, NULL, 0};
	w.seen = malloc(4096 * sizeof(*w.seen));
	if (!w.seen)
		abort();
	err = sxs_hive_walk(h, sxs_hive_root(h), visit, &w);
	FUZZ_CHECK(err >= -SXS_E_COUNT && (err <= 0 || err == 1), "walk returned %d", err);
	if (err < 0)
		FUZZ_CHECK(sxs_hive_error(h)[0] != '\0' || err == -SXS_ENOMEM,
		           "walk failed (%s) without a reason", sxs_strerror(err));
	sxs_hnode n;
	(void)sxs_hive_path(h, sxs_hive_root(h), "DerivedData\\Components", &n);
	/* COMPONENTS CanonicalData: deployments and their marks (store/deploy.c) */
	if (err == 0) {
		struct sxs_model m;
		sxs_model_init(&m);
		int derr = sxs_deploy_read_hive(h, &m);
		FUZZ_CHECK(derr == 0 || derr == -SXS_ENOMEM, "deploy_read_hive: %d", derr);
		FUZZ_CHECK(m.have_deployment_data == (m.ndeployments > 0), "deployment data flag");
		for (size_t i = 0; i < m.ndeployments; i++) {
			const struct sxs_deployment *d = &m.deployments[i];
			FUZZ_CHECK(i == 0 || strcmp(m.deployments[i - 1].name, d->name) <= 0, "unsorted");
			FUZZ_CHECK(sxs_model_deployment(&m, d->name) != NULL, "'%s' not found", d->name);
			for (size_t j = 0; j < d->nmarks; j++)
				FUZZ_CHECK(strchr("psi", d->marks[j].kind) && d->marks[j].kind,
				           "mark kind %d", d->marks[j].kind);
		}
		sxs_model_release(&m);
	}
	free(w.seen);
	sxs_hive_free(h);
	return 0;
}
