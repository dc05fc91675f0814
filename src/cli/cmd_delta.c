/* SPDX-License-Identifier: MIT */
/*
 * sxscheck delta info FILE
 * sxscheck delta apply SOURCE DELTA -o OUT
 *
 * FILE / DELTA may be a raw PA30/PA31 delta, a PSFX f/r/n file (CRC-32
 * prefix), or a DCM/DCN/DCD container.  argv[0] is "delta".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pa30/delta.h"
#include "pa30/pa30.h"
#include "util/alloc.h"
#include "util/bytes.h"
#include "util/hex.h"

/* Largest input file read: a delta or source bigger than this is refused. */
#define DELTA_MAX_FILE ((size_t)1 << 30)
/* DCD: "DCD\x01", two unknown u32s, then the PA30 delta (formats.md §3.1). */
#define DCD_HEADER_LEN 12

static void delta_usage(FILE *f)
{
	fputs("usage: sxscheck delta info FILE\n"
	      "       sxscheck delta apply SOURCE DELTA -o OUT\n"
	      "\n"
	      "info   print the header of a PA30/PA31 delta: file type, flags, the\n"
	      "       transforms they select, the PE preprocess facts, and whether\n"
	      "       sxscheck can apply it; FILE may also be a PSFX f/r/n delta (its\n"
	      "       CRC-32 is checked) or a DCM/DCN/DCD container.\n"
	      "apply  apply a delta (RAW, forward PE for i386/amd64, or reverse) or a\n"
	      "       DCM/DCN/DCD container or PSFX file to SOURCE and write the result\n"
	      "       to OUT, after checking the delta's target hash.  SOURCE '-' or\n"
	      "       '--empty' means an empty source; for a DCM it is the base manifest.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output=OUT  where apply writes (never one of its inputs)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Exit status: 0 done, 2 usage error, 3 bad or unsupported data (the\n"
	      "message says which: corrupt, or unsupported with the reason).\n", f);
}

/* Read a whole regular file of at most DELTA_MAX_FILE bytes. */
static int read_file(const char *path, uint8_t **data_ret, size_t *len_ret)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int rc = EXIT_TROUBLE;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cli_error(EXIT_TROUBLE, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		cli_error(EXIT_TROUBLE, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_error(EXIT_TROUBLE, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > DELTA_MAX_FILE) {
		cli_error(EXIT_TROUBLE, "%s: larger than %zu bytes", path, DELTA_MAX_FILE);
		goto out;
	}
	len = (size_t)st.st_size;
	buf = sxs_malloc(len);
	if (!buf) {
		cli_error(EXIT_TROUBLE, "%s: out of memory", path);
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_error(EXIT_TROUBLE, "%s: %s", path, n < 0 ? strerror(errno) : "file shrank");
			goto out;
		}
		got += (size_t)n;
	}
	*data_ret = buf;
	*len_ret = len;
	buf = NULL;
	rc = 0;
out:
	sxs_free(buf);
	close(fd);
	return rc;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
	size_t done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return cli_error(EXIT_TROUBLE, "%s: %s", path, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return cli_error(EXIT_TROUBLE, "%s: %s", path, strerror(e));
		}
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return cli_error(EXIT_TROUBLE, "%s: %s", path, strerror(errno));
	return 0;
}

static int is_delta_magic(const uint8_t *p, size_t len)
{
	return len >= 4 && (memcmp(p, "PA30", 4) == 0 || memcmp(p, "PA31", 4) == 0);
}

/* What a file holds, and where its PA30/PA31 delta starts. */
struct delta_file {
	enum sxs_container container; /* SXS_CONTAINER_NONE: raw or PSFX */
	int psfx;                     /* CRC-32 prefix */
	size_t offset;                /* of the delta inside the file */
};

static int classify(const char *path, const uint8_t *data, size_t len, struct delta_file *df)
{
	df->container = sxs_container_detect(data, len);
	df->psfx = 0;
	df->offset = 0;
	switch (df->container) {
	case SXS_CONTAINER_DCM:
	case SXS_CONTAINER_DCN:
		df->offset = SXS_CONTAINER_MAGIC_LEN;
		return 0;
	case SXS_CONTAINER_DCD:
		df->offset = DCD_HEADER_LEN;
		if (len < DCD_HEADER_LEN)
			return cli_error(EXIT_TROUBLE, "%s: truncated DCD header", path);
		return 0;
	case SXS_CONTAINER_NONE:
		break;
	default:
		return cli_error(EXIT_TROUBLE, "%s: %s container holds no PA30 delta", path,
		                 sxs_container_name(df->container));
	}
	if (is_delta_magic(data, len))
		return 0;
	if (len > SXS_PSFX_PREFIX_LEN &&
	    is_delta_magic(data + SXS_PSFX_PREFIX_LEN, len - SXS_PSFX_PREFIX_LEN)) {
		df->psfx = 1;
		df->offset = SXS_PSFX_PREFIX_LEN;
		return 0;
	}
	return cli_error(EXIT_TROUBLE, "%s: not a PA30 delta, PSFX delta or DC? container", path);
}

static void print_flags(uint64_t flags)
{
	const char *sep = " (";
	printf("flags: 0x%" PRIx64, flags);
	for (unsigned bit = 0; bit < 64; bit++) {
		uint64_t f = (uint64_t)1 << bit;
		if (!(flags & f))
			continue;
		const char *name = sxs_pa30_flag_name(f);
		if (name)
			printf("%s%s", sep, name);
		else
			printf("%sunknown-0x%" PRIx64, sep, f);
		sep = ", ";
	}
	puts(flags ? ")" : "");
}

static void print_header(const struct sxs_pa30_header *h)
{
	const char *hash_name;
	size_t hash_size;
	char hex[2 * SXS_PA30_MAX_HASH + 1];

	printf("format: %s\n", h->is_pa31 ? "PA31" : "PA30");
	printf("target filetime: 0x%016" PRIx64 "\n", h->target_filetime);
	printf("file type set: 0x%" PRIx64 "\n", h->file_type_set);
	printf("file type: 0x%" PRIx64 " (%s)\n", h->file_type,
	       sxs_pa30_file_type_name(h->file_type));
	print_flags(h->flags);
	printf("target size: %" PRIu64 "\n", h->target_size);
	sxs_hex_encode(h->target_hash, h->target_hash_len, hex);
	if (sxs_pa30_hash_alg(h->hash_alg_id, &hash_name, &hash_size) < 0)
		printf("hash: 0x%" PRIx64 " (unsupported)%s%s\n", h->hash_alg_id,
		       h->target_hash_len ? " " : "", hex);
	else if (h->hash_alg_id == SXS_PA30_HASH_NONE)
		printf("hash: none\n");
	else
		printf("hash: %s %s\n", hash_name, hex);
	printf("preprocess size: %zu\n", h->preprocess_len);
	printf("patch size: %zu\n", h->patch_len);
}

/* Flag names of bits, comma separated, or "none". */
static void print_flag_names(const char *label, uint64_t bits)
{
	const char *sep = "";
	printf("%s: ", label);
	if (!bits)
		fputs("none", stdout);
	for (unsigned bit = 0; bit < 64; bit++) {
		uint64_t f = (uint64_t)1 << bit;
		const char *name = sxs_pa30_flag_name(f);
		if (!(bits & f))
			continue;
		if (name)
			printf("%s%s", sep, name);
		else
			printf("%sunknown-0x%" PRIx64, sep, f);
		sep = ", ";
	}
	putchar('\n');
}

/* What the decoder makes of the delta (sxs_delta_info). */
static void print_decoder_view(const uint8_t *delta, size_t len)
{
	struct sxs_delta_info info;

	if (sxs_delta_info(delta, len, &info, NULL) != 0)
		return;
	printf("kind: %s\n", sxs_delta_kind_name(info.kind));
	if (info.kind != SXS_DELTA_KIND_RAW && info.kind != SXS_DELTA_KIND_REVERSE)
		print_flag_names("transforms", info.transforms);
	if (info.have_pe) {
		printf("target image base: 0x%" PRIx64 "\n", info.pe.image_base);
		printf("target timestamp: 0x%08" PRIx32 "\n", info.pe.timestamp);
		printf("rift tables: %zu target rva->offset, %zu source->target rva\n",
		       info.pe.pe_rift, info.pe.used_rift);
		if (info.pe.cli_metadata || info.pe.cli_map)
			printf("cli: %s%s%s\n", info.pe.cli_metadata ? "metadata" : "",
			       info.pe.cli_metadata && info.pe.cli_map ? ", " : "",
			       info.pe.cli_map ? "map" : "");
	}
	if (!info.supported)
		printf("decoder: unsupported: %s\n", info.reason);
	else if (info.reason[0])
		printf("decoder: malformed: %s\n", info.reason);
	else
		printf("decoder: supported\n");
}

static int delta_info(const char *path)
{
	struct sxs_pa30_header h;
	struct sxs_diag diag = {{0}};
	struct delta_file df;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc, err;

	rc = read_file(path, &data, &len);
	if (rc)
		return rc;
	rc = classify(path, data, len, &df);
	if (rc)
		goto out;
	if (df.container != SXS_CONTAINER_NONE)
		printf("container: %s\n", sxs_container_name(df.container));
	if (df.psfx) {
		uint32_t stored = sxs_le32(data);
		err = sxs_psfx_check(data, len, &h, &diag);
		if (err == -SXS_EHASH) {
			/* still show the header, then fail */
			printf("crc32: mismatch (stored %08x)\n", stored);
			if (sxs_pa30_read_header(data + df.offset, len - df.offset, &h, NULL) == 0)
				print_header(&h);
			rc = cli_error(EXIT_TROUBLE, "%s: %s", path, sxs_diag_msg(&diag, err));
			goto out;
		}
		if (err) {
			rc = cli_error(EXIT_TROUBLE, "%s: %s", path, sxs_diag_msg(&diag, err));
			goto out;
		}
		printf("crc32: ok (%08x)\n", stored);
	} else {
		err = sxs_pa30_read_header(data + df.offset, len - df.offset, &h, &diag);
		if (err) {
			rc = cli_error(EXIT_TROUBLE, "%s: %s", path, sxs_diag_msg(&diag, err));
			goto out;
		}
	}
	print_header(&h);
	print_decoder_view(data + df.offset, len - df.offset);
	rc = fflush(stdout) ? cli_error(EXIT_TROUBLE, "stdout: %s", strerror(errno)) : 0;
out:
	sxs_free(data);
	return rc;
}

/* Refuse to write over an input: same path string or same inode. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (strcmp(a, b) == 0)
		return 1;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int delta_apply(const char *source_path, const char *delta_path, const char *out_path)
{
	uint8_t *src = NULL, *delta = NULL, *out = NULL;
	size_t src_len = 0, delta_len = 0, out_len = 0;
	struct sxs_diag diag = {{0}};
	struct delta_file df;
	int rc, err;

	if ((source_path && same_file(source_path, out_path)) || same_file(delta_path, out_path))
		return cli_error(EXIT_USAGE, "%s: refusing to overwrite an input file", out_path);
	if (source_path && (rc = read_file(source_path, &src, &src_len)))
		goto out;
	if ((rc = read_file(delta_path, &delta, &delta_len)))
		goto out;
	if ((rc = classify(delta_path, delta, delta_len, &df)))
		goto out;
	if (df.psfx) {
		struct sxs_pa30_header h;
		err = sxs_psfx_check(delta, delta_len, &h, &diag);
		if (err) {
			rc = cli_error(EXIT_TROUBLE, "%s: %s", delta_path, sxs_diag_msg(&diag, err));
			goto out;
		}
	}
	if (df.container == SXS_CONTAINER_DCM && !src) {
		rc = cli_error(EXIT_USAGE, "%s: a DCM needs the base manifest as SOURCE", delta_path);
		goto out;
	}
	/* DCN: the basis is empty whatever SOURCE says */
	if (df.container == SXS_CONTAINER_DCN)
		src_len = 0;
	{
		struct sxs_delta_result res;
		err = sxs_delta_apply(src_len ? src : NULL, src_len, delta + df.offset,
		                      delta_len - df.offset, NULL, &res);
		if (err) {
			rc = cli_error(EXIT_TROUBLE, "%s: %s", delta_path, sxs_strerror(err));
			goto out;
		}
		if (res.verdict != SXS_DELTA_OK) {
			/* a corrupt delta says what is wrong; the other verdicts name themselves */
			rc = cli_error(EXIT_TROUBLE, "%s: %s%s%s", delta_path,
			               res.verdict == SXS_DELTA_CORRUPT ? "" : sxs_delta_verdict_name(res.verdict),
			               res.verdict == SXS_DELTA_CORRUPT ? "" : ": ", res.reason);
			sxs_delta_result_release(&res);
			goto out;
		}
		out = res.out;
		out_len = res.out_len;
	}
	rc = write_file(out_path, out, out_len);
out:
	sxs_free(src);
	sxs_free(delta);
	sxs_free(out);
	return rc;
}

int cmd_delta(int argc, char **argv)
{
	const char *pos[3] = {NULL, NULL, NULL};
	const char *out_path = NULL;
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			delta_usage(stdout);
			return 0;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i == argc)
				return cli_error(EXIT_USAGE, "delta: %s needs an argument", a);
			out_path = argv[i];
		} else if (!strncmp(a, "--output=", 9)) {
			out_path = a + 9;
		} else if (!strcmp(a, "--empty")) { /* same as SOURCE "-" */
			if (npos < 3)
				pos[npos] = "-";
			npos++;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_error(EXIT_USAGE, "delta: unknown option '%s' (see 'sxscheck delta --help')",
			                 a);
		} else {
			if (npos < 3)
				pos[npos] = a;
			npos++;
		}
	}
	if (npos == 0)
		return cli_error(EXIT_USAGE, "delta: missing subcommand (see 'sxscheck delta --help')");
	if (!strcmp(pos[0], "info")) {
		if (npos != 2 || out_path)
			return cli_error(EXIT_USAGE, "delta: usage: sxscheck delta info FILE");
		return delta_info(pos[1]);
	}
	if (!strcmp(pos[0], "apply")) {
		if (npos != 3 || !out_path || !*out_path)
			return cli_error(EXIT_USAGE, "delta: usage: sxscheck delta apply SOURCE DELTA -o OUT");
		return delta_apply(strcmp(pos[1], "-") ? pos[1] : NULL, pos[2], out_path);
	}
	return cli_error(EXIT_USAGE, "delta: unknown subcommand '%s' (see 'sxscheck delta --help')",
	                 pos[0]);
}
