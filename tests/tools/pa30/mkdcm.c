/* SPDX-License-Identifier: MIT */
/*
 * mkdcm: make compressed manifests for test images.
 *   mkdcm BASE IN.xml OUT.manifest        DCM against the base manifest
 *   mkdcm --dcn [--hash=ALG] IN OUT       DCN (no basis); ALG md5|sha1|sha256
 * The output is deterministic (fixed FILETIME) and is decoded again with
 * the library before it is written.
 */
#include <stdio.h>
#include <string.h>

#include "filebuf.h"
#include "pa30/pa30.h"
#include "pa30writer.h"
#include "util/alloc.h"

static int usage(FILE *f)
{
	fputs("usage: mkdcm BASE IN.xml OUT.manifest\n"
	      "       mkdcm --dcn [--hash=md5|sha1|sha256] IN OUT\n", f);
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	const char *base_path = NULL, *in_path, *out_path;
	uint8_t *base = NULL, *in = NULL, *out = NULL, *check = NULL;
	size_t base_len = 0, in_len = 0, out_len = 0, check_len = 0;
	uint64_t hash = 0;
	int dcn = 0, argi = 1, err, rc = 1;
	struct sxs_diag diag = {{0}};

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return usage(stdout);
	if (argi < argc && strcmp(argv[argi], "--dcn") == 0) {
		dcn = 1;
		argi++;
		if (argi < argc && strncmp(argv[argi], "--hash=", 7) == 0) {
			const char *h = argv[argi++] + 7;
			if (strcmp(h, "md5") == 0)
				hash = 0x8003;
			else if (strcmp(h, "sha1") == 0)
				hash = 0x8004;
			else if (strcmp(h, "sha256") == 0)
				hash = 0x800C;
			else
				return usage(stderr);
		}
	} else {
		if (argi >= argc)
			return usage(stderr);
		base_path = argv[argi++];
	}
	if (argc - argi != 2)
		return usage(stderr);
	in_path = argv[argi];
	out_path = argv[argi + 1];

	if (base_path && (err = pa30t_read_file(base_path, &base, &base_len)) < 0) {
		fprintf(stderr, "mkdcm: %s: %s\n", base_path, strerror(-err));
		goto out;
	}
	if ((err = pa30t_read_file(in_path, &in, &in_len)) < 0) {
		fprintf(stderr, "mkdcm: %s: %s\n", in_path, strerror(-err));
		goto out;
	}
	err = dcn ? pa30w_make_dcn(in, in_len, hash, &out, &out_len)
	          : pa30w_make_dcm(base, base_len, in, in_len, &out, &out_len);
	if (err) {
		fprintf(stderr, "mkdcm: %s: %s\n", in_path, sxs_strerror(err));
		goto out;
	}
	/* decode it again: never write a file the library cannot read back */
	err = sxs_container_decode(out, out_len, base, base_len, &check, &check_len, &diag);
	if (err || check_len != in_len || memcmp(check, in, in_len) != 0) {
		fprintf(stderr, "mkdcm: %s: round trip failed: %s\n", in_path,
		        err ? sxs_diag_msg(&diag, err) : "output differs");
		goto out;
	}
	if ((err = pa30t_write_file(out_path, out, out_len)) < 0) {
		fprintf(stderr, "mkdcm: %s: %s\n", out_path, strerror(-err));
		goto out;
	}
	rc = 0;
out:
	sxs_free(base);
	sxs_free(in);
	sxs_free(out);
	sxs_free(check);
	return rc;
}
