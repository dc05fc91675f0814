/* SPDX-License-Identifier: MIT */
#ifndef SXS_PACKAGE_CATALOG_H
#define SXS_PACKAGE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * Microsoft catalogs (.cat, packages.md §3): DER PKCS#7 signedData whose
 * content is a Certificate Trust List (szOID_CTL 1.3.6.1.4.1.311.10.1)
 * listing member hashes.  catalog.c is, with digest/, the only code that
 * includes OpenSSL; it uses libcrypto's PKCS7 API (the CMS API refuses
 * these files: their content is not an OCTET STRING).
 *
 * What is checked (§3.3):
 *   - structure: ContentInfo signedData, inner content type CTL, a CTL
 *     SEQUENCE with subjectUsage, subjectAlgorithm and trustedSubjects;
 *   - the signer's messageDigest = hash of the CTL SEQUENCE's value bytes
 *     (without tag and length, PKCS#7 v1.5 §9.3) and the RSA signature,
 *     with PKCS7_verify in detached mode;
 *   - the certificate chain only when roots are given (a PEM bundle): the
 *     certificates' validity dates are never compared with today (they
 *     expire after a year; validity comes from the timestamp).
 *
 * The input is hostile: every length is checked against the bytes that
 * remain before it is used, the member count is capped.
 */
#define SXS_MAX_CATALOG_SIZE (256u << 20) /* bytes of DER */
#define SXS_MAX_CATALOG_MEMBERS 2000000

enum sxs_cat_member_kind {
	SXS_CAT_MEMBER_TAG_ONLY, /* no SPC_INDIRECT_DATA: the tag is the hash */
	SXS_CAT_MEMBER_FLAT,     /* SPC_CAB_DATA_OBJID (1.3.6.1.4.1.311.2.1.25): flat file hash */
	SXS_CAT_MEMBER_PE,       /* SPC_PE_IMAGE_DATA_OBJID (…2.1.15): Authenticode PE hash */
	SXS_CAT_MEMBER_OTHER,    /* another SPC type */
};

struct sxs_cat_member {
	uint8_t hash[32];        /* the member's hash (the tag, or the text tag decoded) */
	uint8_t hash_len;        /* 20 (SHA-1) or 32 (SHA-256) */
	uint8_t kind;            /* enum sxs_cat_member_kind */
	bool digest_differs;     /* SPC_INDIRECT_DATA digest != tag (never seen on real files) */
};

enum sxs_cat_signature {
	SXS_CAT_SIG_VALID,       /* messageDigest and RSA signature verify */
	SXS_CAT_SIG_UNSIGNED,    /* no signerInfo */
	SXS_CAT_SIG_BAD_DIGEST,  /* messageDigest != hash of the CTL */
	SXS_CAT_SIG_BAD,         /* the signature does not verify (or no signer certificate) */
};

enum sxs_cat_chain {
	SXS_CAT_CHAIN_NOT_CHECKED, /* no roots given */
	SXS_CAT_CHAIN_VALID,
	SXS_CAT_CHAIN_INVALID,
};

struct sxs_catalog {
	bool sha1_list;          /* subjectAlgorithm CATALOG_LIST_MEMBER (SHA-1 era catalogs) */
	struct sxs_cat_member *members; /* sorted by (hash_len, hash), duplicates kept */
	size_t nmembers;
	enum sxs_cat_signature signature;
	enum sxs_cat_chain chain;
	char *signature_detail;  /* why the signature or chain failed, or NULL */
	char *signer;            /* signer certificate subject (one line), or NULL */
	uint8_t sha256[32];      /* SHA-256 of the whole file (WinSxS\Catalogs names) */
};

struct sxs_catalog_options {
	/* PEM bundle of trusted roots; NULL = the chain is not checked. */
	const uint8_t *roots_pem;
	size_t roots_pem_len;
};

/*
 * Parse and verify a catalog.  0 when it is a well-formed catalog (the
 * signature verdict is in ->signature: a bad signature is a finding, not an
 * error); -SXS_EFORMAT with a one-line reason when it is not DER PKCS#7
 * signedData with a CTL (truncated, wrong OIDs, lengths past the end);
 * -SXS_ELIMIT (size, member count), -SXS_ENOMEM.  opt may be NULL.
 */
int sxs_catalog_parse(const uint8_t *der, size_t len, const struct sxs_catalog_options *opt,
                      struct sxs_catalog **ret, struct sxs_diag *diag);
void sxs_catalog_free(struct sxs_catalog *c);

/* True when `hash` (20 or 32 bytes) is a member (binary search). */
bool sxs_catalog_has(const struct sxs_catalog *c, const uint8_t *hash, size_t len);

/*
 * True when a flat file (a .mum, a manifest) is a member: its SHA-256 is,
 * or, in a SHA-1 era catalog, its SHA-1.  -SXS_ENOMEM is the only error.
 */
int sxs_catalog_has_file(const struct sxs_catalog *c, const uint8_t *data, size_t len,
                         bool *ret);

const char *sxs_cat_signature_name(enum sxs_cat_signature s);

#endif
