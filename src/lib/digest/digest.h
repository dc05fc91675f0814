/* SPDX-License-Identifier: MIT */
#ifndef SXS_DIGEST_DIGEST_H
#define SXS_DIGEST_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* The only module that includes OpenSSL: EVP behind sxs_digest_*. */

enum sxs_digest_alg {
	SXS_DIGEST_NONE = 0,
	SXS_DIGEST_MD5,
	SXS_DIGEST_SHA1,
	SXS_DIGEST_SHA256,
};

#define SXS_DIGEST_MAX 32 /* largest digest we use (SHA-256) */

struct sxs_digest;

size_t sxs_digest_size(enum sxs_digest_alg alg);
const char *sxs_digest_name(enum sxs_digest_alg alg);

int sxs_digest_new(enum sxs_digest_alg alg, struct sxs_digest **ret);
void sxs_digest_free(struct sxs_digest *d);
/* Start over with the same algorithm. */
int sxs_digest_reset(struct sxs_digest *d);
int sxs_digest_update(struct sxs_digest *d, const void *data, size_t len);
/* out must hold SXS_DIGEST_MAX bytes; *len_ret = digest size. */
int sxs_digest_final(struct sxs_digest *d, uint8_t *out, size_t *len_ret);

/* One-shot digest of a buffer. */
int sxs_digest_buffer(enum sxs_digest_alg alg, const void *data, size_t len,
                      uint8_t *out, size_t *len_ret);

/*
 * Decode standard base64 (whitespace ignored, padding required).
 * Writes at most outcap bytes; 0 or -SXS_EFORMAT / -SXS_ELIMIT.
 */
int sxs_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
                      size_t *len_ret);

/* Standard base64 with padding of len bytes into out (4 * ((len + 2) / 3) + 1 bytes). */
void sxs_base64_encode(const uint8_t *in, size_t len, char *out);
#define SXS_BASE64_LEN(n) (4 * (((n) + 2) / 3))

/* zlib/IEEE CRC-32 (the PSFX f/r/n prefix). */
uint32_t sxs_crc32(uint32_t crc, const void *data, size_t len);

#endif
