/* SPDX-License-Identifier: MIT */
#include "catwriter.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_CTL "1.3.6.1.4.1.311.10.1"
#define OID_CATALOG_LIST "1.3.6.1.4.1.311.12.1.1"
#define OID_MEMBER1 "1.3.6.1.4.1.311.12.1.2"
#define OID_MEMBER2 "1.3.6.1.4.1.311.12.1.3"
#define OID_MEMBERINFO2 "1.3.6.1.4.1.311.12.2.3"
#define OID_NAMEVALUE "1.3.6.1.4.1.311.12.2.1"
#define OID_SPC_INDIRECT "1.3.6.1.4.1.311.2.1.4"
#define OID_SPC_CAB "1.3.6.1.4.1.311.2.1.25"
#define OID_SPC_PE "1.3.6.1.4.1.311.2.1.15"
#define OID_SPC_STATEMENT_TYPE "1.3.6.1.4.1.311.2.1.11"
#define OID_SPC_INDIVIDUAL "1.3.6.1.4.1.311.2.1.21"
#define OID_SPC_OPUS_INFO "1.3.6.1.4.1.311.2.1.12"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"

/* ---- a tiny DER writer ---------------------------------------------------- */

struct dbuf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct dbuf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_byte(struct dbuf *b, uint8_t c)
{
	put(b, &c, 1);
}

static void put_tlv(struct dbuf *out, uint8_t tag, const void *val, size_t len)
{
	put_byte(out, tag);
	if (len < 0x80) {
		put_byte(out, (uint8_t)len);
	} else {
		uint8_t l[4];
		size_t k = 0;
		for (size_t v = len; v; v >>= 8)
			l[k++] = (uint8_t)(v & 0xff);
		put_byte(out, (uint8_t)(0x80 | k));
		while (k)
			put_byte(out, l[--k]);
	}
	put(out, val, len);
}

/* Wrap b's bytes in a TLV, appended to out; b is emptied. */
static void wrap(struct dbuf *out, uint8_t tag, struct dbuf *b)
{
	put_tlv(out, tag, b->p, b->n);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void put_oid(struct dbuf *out, const char *txt)
{
	ASN1_OBJECT *o = OBJ_txt2obj(txt, 1);
	if (!o)
		abort();
	put_tlv(out, 0x06, OBJ_get0_data(o), OBJ_length(o));
	ASN1_OBJECT_free(o);
}

void catw_member_of(const uint8_t *data, size_t len, struct catw_member *ret)
{
	memset(ret, 0, sizeof(*ret));
	EVP_Digest(data, len, ret->sha256, NULL, EVP_sha256(), NULL);
	EVP_Digest(data, len, ret->sha1, NULL, EVP_sha1(), NULL);
}

/* SHA-256 member: tag, CAT_MEMBERINFO2, SPC_INDIRECT_DATA (packages.md §3.1). */
static void put_member256(struct dbuf *out, const struct catw_member *m)
{
	struct dbuf seq = {0}, set = {0}, attr = {0}, aset = {0}, ind = {0}, data = {0}, spc = {0},
	            di = {0}, alg = {0}, tmp = {0};

	put_tlv(&seq, 0x04, m->sha256, 32);
	/* CAT_MEMBERINFO2: SET { [2] } */
	put_oid(&attr, OID_MEMBERINFO2);
	put_tlv(&aset, 0x82, NULL, 0);
	wrap(&attr, 0x31, &aset);
	wrap(&set, 0x30, &attr);
	/* SPC_INDIRECT_DATA */
	put_oid(&attr, OID_SPC_INDIRECT);
	if (m->pe) {
		put_oid(&data, OID_SPC_PE);
		put(&spc, "\x03\x01\x00", 3); /* flags: an empty BIT STRING */
		put_tlv(&tmp, 0x80, NULL, 0);
		struct dbuf link = {0};
		wrap(&link, 0xa2, &tmp);
		wrap(&spc, 0xa0, &link); /* appends [0]{[2]{[0]}} after the BIT STRING */
		wrap(&data, 0x30, &spc);
	} else {
		put_oid(&data, OID_SPC_CAB);
		put_tlv(&tmp, 0x80, NULL, 0);
		wrap(&data, 0xa2, &tmp);
	}
	wrap(&ind, 0x30, &data);
	put_oid(&alg, OID_SHA256);
	put_tlv(&alg, 0x05, NULL, 0);
	wrap(&di, 0x30, &alg);
	put_tlv(&di, 0x04, m->sha256, 32);
	wrap(&ind, 0x30, &di);
	wrap(&aset, 0x30, &ind);
	wrap(&attr, 0x31, &aset); /* attr = OID, SET { SEQUENCE ... } */
	wrap(&set, 0x30, &attr);
	wrap(&seq, 0x31, &set);
	wrap(out, 0x30, &seq);
}

/* SHA-1 member: tag and CAT_MEMBERINFO2 only. */
static void put_member1(struct dbuf *out, const struct catw_member *m)
{
	struct dbuf seq = {0}, set = {0}, attr = {0}, aset = {0};
	put_tlv(&seq, 0x04, m->sha1, 20);
	put_oid(&attr, OID_MEMBERINFO2);
	put_tlv(&aset, 0x82, NULL, 0);
	wrap(&attr, 0x31, &aset);
	wrap(&set, 0x30, &attr);
	wrap(&seq, 0x31, &set);
	wrap(out, 0x30, &seq);
}

/* [0] { SEQUENCE { SEQUENCE { CAT_NAMEVALUE, OCTET STRING (SEQUENCE { BMP "OSAttr", 0x10001, UTF-16 value }) } } } */
static void put_osattr(struct dbuf *out)
{
	static const char name[] = "OSAttr", value[] = "2:10.0";
	struct dbuf nv = {0}, s = {0}, ext = {0}, exts = {0}, tmp = {0};
	for (const char *c = name; *c; c++) {
		put_byte(&tmp, 0);
		put_byte(&tmp, (uint8_t)*c);
	}
	wrap(&nv, 0x1e, &tmp);
	put_tlv(&nv, 0x02, "\x01\x00\x01", 3);
	for (const char *c = value;; c++) {
		put_byte(&tmp, (uint8_t)*c);
		put_byte(&tmp, 0);
		if (!*c)
			break;
	}
	wrap(&nv, 0x04, &tmp);
	wrap(&s, 0x30, &nv);
	put_oid(&ext, OID_NAMEVALUE);
	wrap(&ext, 0x04, &s);
	wrap(&exts, 0x30, &ext);
	struct dbuf seq = {0};
	wrap(&seq, 0x30, &exts);
	wrap(out, 0xa0, &seq);
}

static void build_ctl(const struct catw_options *opt, const struct catw_member *ms, size_t n,
                      struct dbuf *ctl)
{
	struct dbuf body = {0}, usage = {0}, alg = {0}, subjects = {0};
	uint8_t listid[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	put_oid(&usage, opt->usage_oid ? opt->usage_oid : OID_CATALOG_LIST);
	wrap(&body, 0x30, &usage);
	/* listIdentifier: 16 bytes derived from the members (Microsoft's are random) */
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++)
		EVP_DigestUpdate(md, ms[i].sha256, 32);
	EVP_DigestFinal_ex(md, listid, NULL);
	EVP_MD_CTX_free(md);
	put_tlv(&body, 0x04, listid, 16);
	put_tlv(&body, 0x17, "190101000000Z", 13);
	put_oid(&alg, opt->member_oid ? opt->member_oid : opt->sha1_list ? OID_MEMBER1 : OID_MEMBER2);
	put_tlv(&alg, 0x05, NULL, 0);
	wrap(&body, 0x30, &alg);
	for (size_t i = 0; i < n; i++) {
		put_member1(&subjects, &ms[i]);
		if (!opt->sha1_list && !ms[i].sha1_only)
			put_member256(&subjects, &ms[i]);
	}
	wrap(&body, 0x30, &subjects);
	put_osattr(&body);
	wrap(ctl, 0x30, &body);
}

static void *load_pem(const char *path, bool key)
{
	BIO *b = BIO_new_file(path, "r");
	void *r = NULL;
	if (b)
		r = key ? (void *)PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
		        : (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!r)
		fprintf(stderr, "catwriter: cannot read %s\n", path);
	return r;
}

static int nid_of(const char *oid)
{
	int nid = OBJ_txt2nid(oid);
	return nid != NID_undef ? nid : OBJ_create(oid, NULL, NULL);
}

/* Replace the first CTL content type (the signedData's contentInfo) with an OID of the same length. */
static int patch_content_oid(uint8_t *der, size_t len, const char *oid)
{
	ASN1_OBJECT *ctl = OBJ_txt2obj(OID_CTL, 1), *o = OBJ_txt2obj(oid, 1);
	int rc = -1;
	if (ctl && o && OBJ_length(o) == OBJ_length(ctl)) {
		size_t n = (size_t)OBJ_length(ctl);
		for (size_t i = 0; i + n <= len; i++)
			if (!memcmp(der + i, OBJ_get0_data(ctl), n)) {
				memcpy(der + i, OBJ_get0_data(o), n);
				rc = 0;
				break;
			}
	}
	if (rc)
		fprintf(stderr, "catwriter: --content-oid must encode to %zu bytes like 1.3.6.1.4.1.311.10.1\n",
		        ctl ? (size_t)OBJ_length(ctl) : (size_t)0);
	ASN1_OBJECT_free(ctl);
	ASN1_OBJECT_free(o);
	return rc;
}

/* Length of the DER header at p (tag + length bytes). */
static size_t header_len(const uint8_t *p)
{
	return p[1] < 0x80 ? 2 : 2 + (size_t)(p[1] & 0x7f);
}

int catw_write(const struct catw_options *opt, const struct catw_member *members, size_t n,
               uint8_t **der_ret, size_t *len_ret)
{
	struct dbuf ctl = {0};
	PKCS7 *p7 = NULL, *inner = NULL;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc = -1;

	build_ctl(opt, members, n, &ctl);
	cert = load_pem(opt->cert_pem, false);
	key = load_pem(opt->key_pem, true);
	if (!cert || !key)
		goto out;

	p7 = PKCS7_new();
	inner = PKCS7_new();
	if (!p7 || !inner || !PKCS7_set_type(p7, NID_pkcs7_signed))
		goto out;
	/* the content: type CTL, value the CTL SEQUENCE as an ASN1_TYPE (not an OCTET STRING) */
	/* --content-oid is patched into the DER below: an OID OpenSSL knows (id-data)
	 * would make it free d.other as the wrong union member */
	inner->type = OBJ_txt2obj(OID_CTL, 1);
	inner->d.other = ASN1_TYPE_new();
	ASN1_STRING *seq = ASN1_STRING_new();
	if (!inner->type || !inner->d.other || !seq || !ASN1_STRING_set(seq, ctl.p, (int)ctl.n))
		goto out;
	ASN1_TYPE_set(inner->d.other, V_ASN1_SEQUENCE, seq);
	if (!PKCS7_set_content(p7, inner))
		goto out;
	inner = NULL;
	if (!PKCS7_add_certificate(p7, cert))
		goto out;
	if (opt->chain_pem) {
		BIO *b = BIO_new_file(opt->chain_pem, "r");
		X509 *x;
		while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
			PKCS7_add_certificate(p7, x);
			X509_free(x);
		}
		BIO_free(b);
		ERR_clear_error();
	}
	if (!opt->unsigned_) {
		PKCS7_SIGNER_INFO *si = PKCS7_add_signature(p7, cert, key, EVP_sha256());
		if (!si)
			goto out;
		uint8_t md[32];
		const uint8_t *val = ctl.p + header_len(ctl.p);
		size_t vlen = ctl.n - header_len(ctl.p);
		/* PKCS#7 v1.5 §9.3: the digest covers the content's value bytes only */
		EVP_Digest(val, vlen, md, NULL, EVP_sha256(), NULL);
		if (opt->bad_digest)
			md[0] ^= 0xff;
		ASN1_OBJECT *ct = OBJ_txt2obj(opt->content_oid ? opt->content_oid : OID_CTL, 1);
		if (!PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT, ct))
			goto out;
		/* SPC_STATEMENT_TYPE { individual code signing } and an empty SPC_SP_OPUS_INFO */
		struct dbuf st = {0}, stw = {0};
		put_oid(&st, OID_SPC_INDIVIDUAL);
		wrap(&stw, 0x30, &st);
		ASN1_STRING *sts = ASN1_STRING_new();
		ASN1_STRING_set(sts, stw.p, (int)stw.n);
		free(stw.p);
		PKCS7_add_signed_attribute(si, nid_of(OID_SPC_STATEMENT_TYPE),
		                           V_ASN1_SEQUENCE, sts);
		ASN1_STRING *opus = ASN1_STRING_new();
		ASN1_STRING_set(opus, "\x30\x00", 2);
		PKCS7_add_signed_attribute(si, nid_of(OID_SPC_OPUS_INFO),
		                           V_ASN1_SEQUENCE, opus);
		if (!PKCS7_add1_attrib_digest(si, md, 32))
			goto out;
		/* signs the DER of the authenticated attributes: no signingTime is added here */
		if (PKCS7_SIGNER_INFO_sign(si) != 1)
			goto out;
		if (opt->bad_signature) {
			ASN1_OCTET_STRING *sig = si->enc_digest;
			unsigned char *d = (unsigned char *)ASN1_STRING_get0_data(sig);
			d[ASN1_STRING_length(sig) / 2] ^= 0x01;
		}
	}
	unsigned char *der = NULL;
	int len = i2d_PKCS7(p7, &der);
	if (len <= 0)
		goto out;
	*der_ret = malloc((size_t)len);
	if (!*der_ret) {
		OPENSSL_free(der);
		goto out;
	}
	memcpy(*der_ret, der, (size_t)len);
	*len_ret = (size_t)len;
	OPENSSL_free(der);
	if (opt->content_oid && patch_content_oid(*der_ret, *len_ret, opt->content_oid)) {
		free(*der_ret);
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		fprintf(stderr, "catwriter: cannot build the catalog\n");
		ERR_print_errors_fp(stderr);
	}
	PKCS7_free(inner);
	PKCS7_free(p7);
	X509_free(cert);
	EVP_PKEY_free(key);
	free(ctl.p);
	return rc;
}
