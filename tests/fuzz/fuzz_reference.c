/* SPDX-License-Identifier: MIT */
/*
 * Reference manifests (sxsref files).  The first input byte chooses
 * whether the rest is read as is or gets a correct "end <lines> <sha256>"
 * trailer appended (so the fuzzer reaches past the digest check).
 * Properties:
 *   - errors are -SXS_E* codes with a "<display>:<line>: ..." diag and leave
 *     the model released (empty);
 *   - a reference that reads writes back (sxs_reference_write) to a file
 *     that reads again with the same counts, and writing that second model
 *     gives byte-identical output (write is a fixed point of read).
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "digest/digest.h"
#include "fuzz.h"
#include "report/reference.h"
#include "store/model.h"
#include "util/alloc.h"
#include "util/hex.h"

static int mem_fd(const void *data, size_t len)
{
	int fd = memfd_create("sxsref", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	const uint8_t *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			abort();
		p += n;
		len -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static uint8_t *slurp(int fd, size_t *len_ret)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	uint8_t *buf = malloc((size_t)end + 1);
	if (!buf)
		abort();
	size_t got = 0;
	while (got < (size_t)end) {
		ssize_t n = read(fd, buf + got, (size_t)end - got);
		if (n <= 0)
			abort();
		got += (size_t)n;
	}
	*len_ret = got;
	return buf;
}

/* write m to a new memfd; returns the fd positioned at 0 */
static int write_ref(const struct sxs_model *m, struct sxs_reference_stats *st)
{
	int fd = memfd_create("sxsref-out", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	struct sxs_diag diag = {{0}};
	int err = sxs_reference_write(fd, m, NULL, st, &diag);
	FUZZ_CHECK(err == 0, "write failed: %s", diag.msg);
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t sel = fuzz_u8(&in);
	size_t blen = in.left;
	/* body, '\n' if missing, trailer */
	uint8_t *doc = malloc(blen + 128);
	if (!doc)
		abort();
	if (blen)
		memcpy(doc, in.p, blen);
	size_t len = blen;
	if (sel & 1) {
		if (len && doc[len - 1] != '\n')
			doc[len++] = '\n';
		size_t lines = 0;
		for (size_t i = 0; i < len; i++)
			lines += doc[i] == '\n';
		uint8_t sha[32];
		size_t shalen;
		if (sxs_digest_buffer(SXS_DIGEST_SHA256, doc, len, sha, &shalen))
			abort();
		char hex[65];
		for (size_t i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", sha[i]);
		len += (size_t)snprintf((char *)doc + len, 100, "end %zu %s\n", lines, hex);
	}

	int fd = mem_fd(doc, len);
	free(doc);
	struct sxs_model m;
	sxs_model_init(&m);
	struct sxs_diag diag = {{0}};
	int err = sxs_reference_read(fd, "fuzz.sxsref", &m, &diag);
	close(fd);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "read returned %d", err);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "read: %s %s (%zu components)\n", err ? sxs_strerror(err) : "ok", diag.msg,
		        m.ncomps);
	if (err) {
		FUZZ_CHECK(err == -SXS_ENOMEM || !strncmp(diag.msg, "fuzz.sxsref:", 12),
		           "diag '%s' does not name the file", diag.msg);
		FUZZ_CHECK(!strchr(diag.msg, '\n'), "diag has a newline");
		FUZZ_CHECK(m.ncomps == 0 && m.nfamilies == 0 && !m.image, "model not released on error");
		return 0;
	}

	struct sxs_reference_stats st1 = {0}, st2 = {0};
	int fd1 = write_ref(&m, &st1);
	struct sxs_model m2;
	sxs_model_init(&m2);
	struct sxs_diag diag2 = {{0}};
	err = sxs_reference_read(fd1, "rewritten.sxsref", &m2, &diag2);
	FUZZ_CHECK(err == 0, "written reference does not read back: %s", diag2.msg);
	FUZZ_CHECK(m2.ncomps == st1.components && m2.nfamilies == st1.families,
	           "read back %zu components / %zu families, wrote %zu / %zu", m2.ncomps,
	           m2.nfamilies, st1.components, st1.families);
	int fd2 = write_ref(&m2, &st2);
	size_t l1, l2;
	uint8_t *b1 = slurp(fd1, &l1), *b2 = slurp(fd2, &l2);
	FUZZ_CHECK(l1 == l2 && !memcmp(b1, b2, l1), "write(read(write(m))) != write(m) (%zu vs %zu bytes)",
	           l1, l2);
	free(b1);
	free(b2);
	close(fd1);
	close(fd2);
	sxs_model_release(&m2);
	sxs_model_release(&m);
	return 0;
}
