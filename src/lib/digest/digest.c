/* SPDX-License-Identifier: MIT */
#include "digest/digest.h"

#include <openssl/evp.h>
#include <zlib.h>

#include "util/alloc.h"
#include "util/status.h"

struct sxs_digest {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
};

static const EVP_MD *md_for(enum sxs_digest_alg alg)
{
	switch (alg) {
	case SXS_DIGEST_MD5:
		return EVP_md5();
	case SXS_DIGEST_SHA1:
		return EVP_sha1();
	case SXS_DIGEST_SHA256:
		return EVP_sha256();
	default:
		return NULL;
	}
}

size_t sxs_digest_size(enum sxs_digest_alg alg)
{
	switch (alg) {
	case SXS_DIGEST_MD5:
		return 16;
	case SXS_DIGEST_SHA1:
		return 20;
	case SXS_DIGEST_SHA256:
		return 32;
	default:
		return 0;
	}
}

const char *sxs_digest_name(enum sxs_digest_alg alg)
{
	switch (alg) {
	case SXS_DIGEST_MD5:
		return "md5";
	case SXS_DIGEST_SHA1:
		return "sha1";
	case SXS_DIGEST_SHA256:
		return "sha256";
	default:
		return "none";
	}
}

int sxs_digest_new(enum sxs_digest_alg alg, struct sxs_digest **ret)
{
	const EVP_MD *md = md_for(alg);
	if (!md)
		return -SXS_EUNSUPPORTED;
	struct sxs_digest *d = sxs_calloc(1, sizeof(*d));
	if (!d)
		return -SXS_ENOMEM;
	d->md = md;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, md, NULL) != 1) {
		sxs_digest_free(d);
		return -SXS_ENOMEM;
	}
	*ret = d;
	return 0;
}

void sxs_digest_free(struct sxs_digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	sxs_free(d);
}

int sxs_digest_reset(struct sxs_digest *d)
{
	if (EVP_DigestInit_ex(d->ctx, d->md, NULL) != 1)
		return -SXS_ENOMEM;
	return 0;
}

int sxs_digest_update(struct sxs_digest *d, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(d->ctx, data, len) != 1)
		return -SXS_EIO;
	return 0;
}

int sxs_digest_final(struct sxs_digest *d, uint8_t *out, size_t *len_ret)
{
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1)
		return -SXS_EIO;
	if (len_ret)
		*len_ret = n;
	return 0;
}

int sxs_digest_buffer(enum sxs_digest_alg alg, const void *data, size_t len,
                      uint8_t *out, size_t *len_ret)
{
	const EVP_MD *md = md_for(alg);
	unsigned int n = 0;
	if (!md)
		return -SXS_EUNSUPPORTED;
	if (EVP_Digest(data, len, out, &n, md, NULL) != 1)
		return -SXS_ENOMEM;
	if (len_ret)
		*len_ret = n;
	return 0;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * EVP_DecodeBlock neither rejects trailing garbage nor reports the padding,
 * so the (tiny) strict decoder is ours: a DigestValue is either exactly
 * right or a finding.
 */
void sxs_base64_encode(const uint8_t *in, size_t len, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

int sxs_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
                      size_t *len_ret)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t n = 0;

	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad)
			return -SXS_EFORMAT;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outcap)
				return -SXS_ELIMIT;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* leftover bits must be zero and padding must complete a quantum */
	if ((acc & ((1u << bits) - 1)) != 0 || pad > 2 || (bits / 2) != pad)
		return -SXS_EFORMAT;
	*len_ret = n;
	return 0;
}

uint32_t sxs_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uLong c = crc;
	while (len) {
		uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
		c = crc32(c, p, chunk);
		p += chunk;
		len -= chunk;
	}
	return (uint32_t)c;
}
