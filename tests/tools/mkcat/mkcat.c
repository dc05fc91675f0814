/* SPDX-License-Identifier: MIT */
/*
 * mkcat: write a Microsoft-format catalog (tests only; see catwriter.h).
 *
 *   mkcat --key KEY.pem --cert CERT.pem [--chain CA.pem] [--sha1-list]
 *         [--pe-sha256 HEX]... [--bad-digest] [--bad-signature] [--unsigned]
 *         [--content-oid OID] [--usage-oid OID] [--member-oid OID]
 *         -o OUT.cat FILE...
 *
 * Each FILE becomes a member by its flat SHA-256 (SPC_CAB_DATA) and SHA-1,
 * like a .mum or a manifest in Microsoft's package catalogs; --pe-sha256
 * adds a PE member by a given Authenticode hash.  The output depends only
 * on the inputs: no time, no randomness (RSA PKCS#1 v1.5 is deterministic).
 * Exit 0, 1 on errors, 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catwriter.h"

static int usage(void)
{
	fprintf(stderr, "usage: mkcat --key KEY --cert CERT [--chain PEM] [--sha1-list] "
	                "[--pe-sha256 HEX]... [--bad-digest] [--bad-signature] [--unsigned] "
	                "[--content-oid OID] [--usage-oid OID] [--member-oid OID] -o OUT FILE...\n");
	return 2;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			abort();
		size_t got = fread(buf + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return -1;
	}
	*data = buf;
	*len = n;
	return 0;
}

static int hex32(const char *s, uint8_t *out)
{
	if (strlen(s) != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct catw_options opt = {0};
	const char *out = NULL;
	struct catw_member *ms = calloc((size_t)argc, sizeof(*ms));
	size_t n = 0;
	int i;

	if (!ms)
		return 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--key") && v)
			opt.key_pem = argv[++i];
		else if (!strcmp(a, "--cert") && v)
			opt.cert_pem = argv[++i];
		else if (!strcmp(a, "--chain") && v)
			opt.chain_pem = argv[++i];
		else if (!strcmp(a, "-o") && v)
			out = argv[++i];
		else if (!strcmp(a, "--content-oid") && v)
			opt.content_oid = argv[++i];
		else if (!strcmp(a, "--usage-oid") && v)
			opt.usage_oid = argv[++i];
		else if (!strcmp(a, "--member-oid") && v)
			opt.member_oid = argv[++i];
		else if (!strcmp(a, "--sha1-list"))
			opt.sha1_list = 1;
		else if (!strcmp(a, "--bad-digest"))
			opt.bad_digest = 1;
		else if (!strcmp(a, "--bad-signature"))
			opt.bad_signature = 1;
		else if (!strcmp(a, "--unsigned"))
			opt.unsigned_ = 1;
		else if (!strcmp(a, "--pe-sha256") && v) {
			if (hex32(argv[++i], ms[n].sha256)) {
				fprintf(stderr, "mkcat: --pe-sha256 wants 64 hex digits\n");
				return 2;
			}
			ms[n].pe = 1;
			memcpy(ms[n].sha1, ms[n].sha256, 20); /* a stand-in SHA-1 tag */
			n++;
		} else if (!strcmp(a, "--"))
			{ i++; break; }
		else if (a[0] == '-' && a[1])
			return usage();
		else
			break;
	}
	if (!opt.key_pem || !opt.cert_pem || !out)
		return usage();
	for (; i < argc; i++) {
		uint8_t *data;
		size_t len;
		if (read_file(argv[i], &data, &len)) {
			fprintf(stderr, "mkcat: cannot read %s\n", argv[i]);
			return 1;
		}
		catw_member_of(data, len, &ms[n++]);
		free(data);
	}
	uint8_t *der;
	size_t len;
	if (catw_write(&opt, ms, n, &der, &len))
		return 1;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(der, 1, len, f) != len || fclose(f) != 0 || rename(tmp, out) != 0) {
		fprintf(stderr, "mkcat: cannot write %s\n", out);
		remove(tmp);
		return 1;
	}
	free(der);
	free(ms);
	return 0;
}
