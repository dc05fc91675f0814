/* SPDX-License-Identifier: MIT */
/*
 * mkpsfx: make PSFX differentials and DCS payloads for test images.
 *   mkpsfx reverse [--pa31] [--hash=none|sha1|sha256] [--declare=N] CURRENT BASE OUT
 *       r\ file: PRSM reversal data that rebuilds BASE from CURRENT; --declare
 *       writes TargetSize N instead (hostile tests; no round trip then)
 *   mkpsfx forward [--hash=none|md5|sha1|sha256] BASE CURRENT OUT
 *       f\ file: a RAW PA30 delta from BASE to CURRENT
 *   mkpsfx null [--hash=...] FILE OUT
 *       n\ file: a RAW PA30 delta from empty input to FILE
 *   mkpsfx dcs [--block=N] FILE OUT
 *       a "DCS\x01" LZMS container of FILE
 *   mkpsfx capi [--alg=4|5] [--block=N] FILE OUT
 *       a Compression API container (4 XPRESS_HUFF, 5 LZMS) of N-byte chunks
 *   mkpsfx xpress FILE OUT
 *       a bare XPRESS Huffman stream (fuzz seeds)
 *   mkpsfx wrap DELTA OUT
 *       the CRC-32 prefix around an existing PA30/PA31 delta (a real one)
 * r\, f\ and n\ files get the u32 CRC-32 prefix.  Defaults: reverse sha1,
 * forward and null sha256, DCS blocks of 64 KiB.  Output is deterministic
 * and is applied again with the library before it is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/digest.h"
#include "filebuf.h"
#include "pa30/codec.h"
#include "pa30/pa30.h"
#include "prsmwriter.h"
#include "util/alloc.h"

static int usage(FILE *f)
{
	fputs("usage: mkpsfx reverse [--pa31] [--hash=none|sha1|sha256] [--declare=N] CURRENT BASE OUT\n"
	      "       mkpsfx forward [--hash=none|md5|sha1|sha256] BASE CURRENT OUT\n"
	      "       mkpsfx null [--hash=none|md5|sha1|sha256] FILE OUT\n"
	      "       mkpsfx dcs [--block=N] FILE OUT\n"
	      "       mkpsfx capi [--alg=4|5] [--block=N] FILE OUT\n"
	      "       mkpsfx xpress FILE OUT\n"
	      "       mkpsfx wrap DELTA OUT\n", f);
	return f == stdout ? 0 : 2;
}

static int parse_hash(const char *h, uint64_t *id)
{
	if (!strcmp(h, "none"))
		*id = 0;
	else if (!strcmp(h, "md5"))
		*id = 0x8003;
	else if (!strcmp(h, "sha1"))
		*id = 0x8004;
	else if (!strcmp(h, "sha256"))
		*id = 0x800C;
	else
		return -1;
	return 0;
}

static enum sxs_digest_alg alg_of(uint64_t id)
{
	return id == 0x8003 ? SXS_DIGEST_MD5 : id == 0x8004 ? SXS_DIGEST_SHA1 : SXS_DIGEST_SHA256;
}

int main(int argc, char **argv)
{
	const char *mode;
	int pa31 = 0, argi = 2, rc = 1, err;
	uint64_t hash = 0;
	int hash_set = 0;
	size_t block = 65536;
	unsigned alg = 4;
	uint64_t declare = 0;
	uint8_t *a = NULL, *b = NULL, *delta = NULL, *file = NULL, *check = NULL, *body = NULL;
	size_t alen = 0, blen = 0, dlen = 0, flen = 0, clen = 0, body_len = 0;
	struct sxs_diag diag = {{0}};

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return usage(stdout);
	if (argc < 2)
		return usage(stderr);
	mode = argv[1];
	for (; argi < argc && !strncmp(argv[argi], "--", 2); argi++) {
		if (!strcmp(argv[argi], "--pa31"))
			pa31 = 1;
		else if (!strncmp(argv[argi], "--hash=", 7) && !parse_hash(argv[argi] + 7, &hash))
			hash_set = 1;
		else if (!strncmp(argv[argi], "--block=", 8) && (block = strtoul(argv[argi] + 8, NULL, 10)))
			;
		else if (!strncmp(argv[argi], "--declare=", 10) &&
		         (declare = strtoull(argv[argi] + 10, NULL, 10)))
			;
		else if (!strcmp(argv[argi], "--alg=4") || !strcmp(argv[argi], "--alg=5"))
			alg = (unsigned)(argv[argi][6] - '0');
		else
			return usage(stderr);
	}
	int nin = !strcmp(mode, "reverse") || !strcmp(mode, "forward") ? 2
	          : !strcmp(mode, "null") || !strcmp(mode, "dcs") || !strcmp(mode, "capi") ||
	                    !strcmp(mode, "xpress") || !strcmp(mode, "wrap")
	              ? 1
	                                                                 : -1;
	if (nin < 0 || argc - argi != nin + 1)
		return usage(stderr);
	const char *out_path = argv[argc - 1];
	if ((err = pa30t_read_file(argv[argi], &a, &alen)) < 0) {
		fprintf(stderr, "mkpsfx: %s: %s\n", argv[argi], strerror(-err));
		goto out;
	}
	if (nin == 2 && (err = pa30t_read_file(argv[argi + 1], &b, &blen)) < 0) {
		fprintf(stderr, "mkpsfx: %s: %s\n", argv[argi + 1], strerror(-err));
		goto out;
	}
	if (!strcmp(mode, "wrap")) {
		if ((err = prsmw_psfx_file(a, alen, &file, &flen))) {
			fprintf(stderr, "mkpsfx: %s\n", sxs_strerror(err));
			goto out;
		}
	} else if (!strcmp(mode, "capi") || !strcmp(mode, "xpress")) {
		err = !strcmp(mode, "capi") ? prsmw_capi_container(alg, block, a, alen, &file, &flen)
		                            : prsmw_xpress_compress(a, alen, &file, &flen);
		if (!err && !strcmp(mode, "capi"))
			err = sxs_capi_decode(file, flen, alen, &check, &clen, &diag);
		else if (!err) {
			check = sxs_malloc(alen ? alen : 1);
			clen = alen;
			err = check ? sxs_xpress_huff_decode(file, flen, check, 0, alen, NULL, &diag)
			            : -SXS_ENOMEM;
		}
		if (err || clen != alen || memcmp(check, a, alen)) {
			fprintf(stderr, "mkpsfx: %s round trip failed: %s\n", mode,
			        err ? sxs_diag_msg(&diag, err) : "output differs");
			goto out;
		}
	} else if (!strcmp(mode, "dcs")) {
		err = prsmw_make_dcs(a, alen, block, &file, &flen);
		if (!err)
			err = sxs_container_decode(file, flen, NULL, 0, &check, &clen, &diag);
		if (err || clen != alen || memcmp(check, a, alen)) {
			fprintf(stderr, "mkpsfx: dcs round trip failed: %s\n",
			        err ? sxs_diag_msg(&diag, err) : "output differs");
			goto out;
		}
	} else {
		if (!strcmp(mode, "reverse")) {
			uint8_t md[SXS_DIGEST_MAX];
			size_t md_len = 0;
			if (!hash_set)
				hash = 0x8004;
			if (hash == 0x8003) {
				fputs("mkpsfx: reverse: md5 is not a reverse-delta hash here\n", stderr);
				goto out;
			}
			err = prsmw_diff(a, alen, b, blen, 1, &body, &body_len);
			if (!err && hash)
				err = sxs_digest_buffer(alg_of(hash), b, blen, md, &md_len);
			if (!err)
				err = prsmw_reverse_delta(pa31, 0x101, 0, declare ? declare : blen, hash, md,
				                          md_len, body, body_len, &delta, &dlen);
		} else {
			static const struct pa30w_compress_opts opts = {0, 0, 64, 0};
			if (!hash_set)
				hash = 0x800C;
			const uint8_t *src = !strcmp(mode, "forward") ? a : NULL;
			size_t src_len = src ? alen : 0;
			const uint8_t *tgt = src ? b : a;
			size_t tgt_len = src ? blen : alen;
			err = pa30w_make_raw_delta(src, src_len, tgt, tgt_len, 0, hash, &opts, &delta, &dlen);
		}
		if (err) {
			fprintf(stderr, "mkpsfx: %s: %s\n", mode, sxs_strerror(err));
			goto out;
		}
		/* apply it again: never write a file the library cannot read back */
		if (declare)
			goto write_psfx; /* deliberately wrong: not applied */
		const uint8_t *ref = !strcmp(mode, "null") ? NULL : a;
		size_t ref_len = ref ? alen : 0;
		const uint8_t *want = !strcmp(mode, "null") ? a : b;
		size_t want_len = !strcmp(mode, "null") ? alen : blen;
		err = sxs_pa30_apply(ref, ref_len, delta, dlen, &check, &clen, &diag);
		if (err || clen != want_len || memcmp(check, want, want_len)) {
			fprintf(stderr, "mkpsfx: %s round trip failed: %s\n", mode,
			        err ? sxs_diag_msg(&diag, err) : "output differs");
			goto out;
		}
	write_psfx:
		if ((err = prsmw_psfx_file(delta, dlen, &file, &flen))) {
			fprintf(stderr, "mkpsfx: %s\n", sxs_strerror(err));
			goto out;
		}
	}
	if ((err = pa30t_write_file(out_path, file, flen)) < 0) {
		fprintf(stderr, "mkpsfx: %s: %s\n", out_path, strerror(-err));
		goto out;
	}
	rc = 0;
out:
	sxs_free(a);
	sxs_free(b);
	sxs_free(delta);
	sxs_free(file);
	sxs_free(check);
	sxs_free(body);
	return rc;
}
