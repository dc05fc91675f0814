/* SPDX-License-Identifier: MIT */
#ifndef SXS_TEST_CATWRITER_H
#define SXS_TEST_CATWRITER_H

/*
 * Test-only writer of Microsoft-format catalogs (packages.md §3.1): DER
 * PKCS#7 signedData whose content is a CTL (1.3.6.1.4.1.311.10.1) listing
 * members the way Microsoft's package catalogs do: for each file a
 * SHA-256 member (CAT_MEMBERINFO2 + SPC_INDIRECT_DATA with
 * SPC_CAB_DATA_OBJID or SPC_PE_IMAGE_DATA_OBJID and the digest) and a
 * SHA-1 tag-only member; an OSAttr name/value extension; signed with RSA
 * PKCS#1 v1.5 / SHA-256 over authenticated attributes whose messageDigest
 * is the SHA-256 of the CTL's value bytes.  Deterministic: no signing time,
 * no timestamp, a fixed thisUpdate, a listIdentifier derived from the members.
 *
 * Knobs for hostile tests change one thing each.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct catw_member {
	uint8_t sha256[32];
	uint8_t sha1[20];
	bool pe; /* SPC_PE_IMAGE_DATA_OBJID instead of SPC_CAB_DATA_OBJID */
	bool sha1_only; /* only the SHA-1 tag (SHA-1 era catalogs) */
};

struct catw_options {
	const char *key_pem;    /* PEM private key file */
	const char *cert_pem;   /* PEM signer certificate file */
	const char *chain_pem;  /* extra certificates to embed, or NULL */
	bool sha1_list;         /* subjectAlgorithm CATALOG_LIST_MEMBER (.12.1.2): SHA-1 members only */
	/* hostile knobs */
	const char *content_oid; /* instead of szOID_CTL */
	const char *usage_oid;   /* instead of szOID_CATALOG_LIST */
	const char *member_oid;  /* instead of CATALOG_LIST_MEMBER2 */
	bool bad_digest;        /* messageDigest of something else */
	bool bad_signature;     /* flip a byte of the RSA signature */
	bool unsigned_;         /* no signerInfo */
};

/* Members for a file's bytes (flat file hash). */
void catw_member_of(const uint8_t *data, size_t len, struct catw_member *ret);

/*
 * Write the catalog; *der_ret is malloc'd.  0, or -1 with a message on
 * stderr.
 */
int catw_write(const struct catw_options *opt, const struct catw_member *members, size_t n,
               uint8_t **der_ret, size_t *len_ret);

#endif
