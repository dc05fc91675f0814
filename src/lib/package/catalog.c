/* SPDX-License-Identifier: MIT */
#include "package/catalog.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest/digest.h"
#include "util/alloc.h"
#include "util/strbuf.h"

/*
 * Object identifiers, DER-encoded content bytes (packages.md §3.1; the
 * names are Microsoft's wincrypt.h names).
 */
static const uint8_t OID_CTL[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x01};
/* 1.3.6.1.4.1.311.12.1.1 szOID_CATALOG_LIST */
static const uint8_t OID_CATALOG_LIST[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0c, 0x01, 0x01};
/* 1.3.6.1.4.1.311.12.1.2 szOID_CATALOG_LIST_MEMBER (SHA-1 era) */
static const uint8_t OID_MEMBER1[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0c, 0x01, 0x02};
/* 1.3.6.1.4.1.311.12.1.3 szOID_CATALOG_LIST_MEMBER2 */
static const uint8_t OID_MEMBER2[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0c, 0x01, 0x03};
/* 1.3.6.1.4.1.311.2.1.4 SPC_INDIRECT_DATA_OBJID */
static const uint8_t OID_SPC_INDIRECT[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x04};
/* 1.3.6.1.4.1.311.2.1.25 SPC_CAB_DATA_OBJID (flat files) */
static const uint8_t OID_SPC_CAB[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x19};
/* 1.3.6.1.4.1.311.2.1.15 SPC_PE_IMAGE_DATA_OBJID */
static const uint8_t OID_SPC_PE[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x0f};

/* DER universal tags used here */
#define T_INTEGER 0x02
#define T_OCTET 0x04
#define T_NULL 0x05
#define T_OID 0x06
#define T_UTCTIME 0x17
#define T_GENTIME 0x18
#define T_SEQUENCE 0x30
#define T_SET 0x31
#define T_CTX0 0xa0

/* ---- a bounds-checked DER reader ------------------------------------- */

struct der {
	const uint8_t *cur, *end;
};

struct tlv {
	uint8_t tag;
	const uint8_t *val; /* value bytes */
	size_t len;
};

/*
 * Read one TLV: single-byte tags only (all the catalog uses), definite
 * lengths of at most 4 length bytes, checked against what remains.
 */
static int der_next(struct der *d, struct tlv *t)
{
	size_t left = (size_t)(d->end - d->cur);
	const uint8_t *p = d->cur;
	size_t len;

	if (left < 2)
		return -SXS_EFORMAT;
	t->tag = p[0];
	if ((t->tag & 0x1f) == 0x1f)
		return -SXS_EFORMAT; /* multi-byte tag */
	p++;
	left--;
	if (p[0] < 0x80) {
		len = p[0];
		p++;
		left--;
	} else {
		size_t n = p[0] & 0x7f;
		if (n == 0 || n > 4 || n + 1 > left)
			return -SXS_EFORMAT; /* indefinite or absurd length */
		len = 0;
		for (size_t i = 1; i <= n; i++)
			len = (len << 8) | p[i];
		p += n + 1;
		left -= n + 1;
	}
	if (len > left)
		return -SXS_EFORMAT;
	t->val = p;
	t->len = len;
	d->cur = p + len;
	return 0;
}

static struct der der_in(const struct tlv *t)
{
	struct der d = {t->val, t->val + t->len};
	return d;
}

static bool der_more(const struct der *d)
{
	return d->cur < d->end;
}

static uint8_t der_peek(const struct der *d)
{
	return d->cur < d->end ? d->cur[0] : 0;
}

static bool oid_is(const struct tlv *t, const uint8_t *oid, size_t n)
{
	return t->tag == T_OID && t->len == n && memcmp(t->val, oid, n) == 0;
}
#define OID_IS(t, o) oid_is((t), (o), sizeof(o))

/* ---- members ---------------------------------------------------------- */

struct members {
	struct sxs_cat_member *v;
	size_t n, cap;
};

static int add_member(struct members *ms, const uint8_t *hash, size_t len,
                      enum sxs_cat_member_kind kind, bool differs)
{
	if (ms->n >= SXS_MAX_CATALOG_MEMBERS)
		return -SXS_ELIMIT;
	if (ms->n == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 64;
		struct sxs_cat_member *v = sxs_reallocarray(ms->v, cap, sizeof(*v));
		if (!v)
			return -SXS_ENOMEM;
		ms->v = v;
		ms->cap = cap;
	}
	struct sxs_cat_member *m = &ms->v[ms->n++];
	memset(m, 0, sizeof(*m));
	memcpy(m->hash, hash, len);
	m->hash_len = (uint8_t)len;
	m->kind = (uint8_t)kind;
	m->digest_differs = differs;
	return 0;
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/*
 * A makecat-style tag: the hash as UTF-16LE hex text, maybe NUL-terminated
 * (packages.md §3.1 [I]).  0 and the decoded length, or -1.
 */
static int text_tag(const struct tlv *t, uint8_t *out)
{
	size_t units = t->len / 2;
	if (t->len % 2)
		return -1;
	if (units && t->val[2 * units - 2] == 0 && t->val[2 * units - 1] == 0)
		units--;
	if (units != 40 && units != 64)
		return -1;
	for (size_t i = 0; i < units; i += 2) {
		if (t->val[2 * i + 1] || t->val[2 * i + 3])
			return -1;
		int hi = hexval(t->val[2 * i]), lo = hexval(t->val[2 * i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(units / 2);
}

/*
 * SPC_INDIRECT_DATA value: SEQUENCE { SEQUENCE { type OID, ... },
 * DigestInfo SEQUENCE { AlgorithmIdentifier, OCTET STRING digest } }.
 * Unusable shapes leave kind/digest unset (the tag still counts).
 */
static void read_indirect(const struct tlv *set, enum sxs_cat_member_kind *kind,
                          const uint8_t **digest, size_t *dlen)
{
	struct der d = der_in(set), s, x;
	struct tlv seq, data, type, di, alg, dig;
	if (der_next(&d, &seq) || seq.tag != T_SEQUENCE)
		return;
	s = der_in(&seq);
	if (der_next(&s, &data) || data.tag != T_SEQUENCE)
		return;
	x = der_in(&data);
	if (!der_next(&x, &type) && type.tag == T_OID) {
		if (OID_IS(&type, OID_SPC_CAB))
			*kind = SXS_CAT_MEMBER_FLAT;
		else if (OID_IS(&type, OID_SPC_PE))
			*kind = SXS_CAT_MEMBER_PE;
		else
			*kind = SXS_CAT_MEMBER_OTHER;
	}
	if (der_next(&s, &di) || di.tag != T_SEQUENCE)
		return;
	x = der_in(&di);
	if (der_next(&x, &alg) || alg.tag != T_SEQUENCE || der_next(&x, &dig) || dig.tag != T_OCTET)
		return;
	if (dig.len == 20 || dig.len == 32) {
		*digest = dig.val;
		*dlen = dig.len;
	}
}

static int read_member(const struct tlv *subject, struct members *ms)
{
	struct der d = der_in(subject);
	struct tlv tag, attrs;
	uint8_t hash[32];
	size_t hlen = 0;
	enum sxs_cat_member_kind kind = SXS_CAT_MEMBER_TAG_ONLY;
	const uint8_t *digest = NULL;
	size_t dlen = 0;

	if (der_next(&d, &tag) || tag.tag != T_OCTET)
		return -SXS_EFORMAT;
	if (tag.len == 20 || tag.len == 32) {
		memcpy(hash, tag.val, tag.len);
		hlen = tag.len;
	} else {
		int n = text_tag(&tag, hash);
		if (n > 0)
			hlen = (size_t)n;
	}
	if (der_more(&d)) {
		if (der_next(&d, &attrs) || attrs.tag != T_SET)
			return -SXS_EFORMAT;
		struct der a = der_in(&attrs);
		while (der_more(&a)) {
			struct tlv attr, oid, set;
			if (der_next(&a, &attr) || attr.tag != T_SEQUENCE)
				return -SXS_EFORMAT;
			struct der x = der_in(&attr);
			if (der_next(&x, &oid) || oid.tag != T_OID || der_next(&x, &set) || set.tag != T_SET)
				return -SXS_EFORMAT;
			if (OID_IS(&oid, OID_SPC_INDIRECT))
				read_indirect(&set, &kind, &digest, &dlen);
		}
	}
	if (!hlen && digest) {
		/* a tag we cannot read as a hash: the indirect data's digest names the file */
		memcpy(hash, digest, dlen);
		hlen = dlen;
	}
	if (!hlen)
		return 0; /* not a hash member (a named member without data): nothing to match */
	bool differs = digest && (dlen != hlen || memcmp(digest, hash, hlen) != 0);
	return add_member(ms, hash, hlen, kind, differs);
}

static int cmp_member(const void *a, const void *b)
{
	const struct sxs_cat_member *x = a, *y = b;
	if (x->hash_len != y->hash_len)
		return x->hash_len < y->hash_len ? -1 : 1;
	return memcmp(x->hash, y->hash, x->hash_len);
}

/*
 * The CTL (MS-CAESO / wincrypt.h CTL_INFO):
 *   SEQUENCE { version INTEGER OPTIONAL, subjectUsage SEQUENCE OF OID,
 *     listIdentifier OCTET STRING OPTIONAL, sequenceNumber INTEGER OPTIONAL,
 *     thisUpdate Time, nextUpdate Time OPTIONAL, subjectAlgorithm
 *     AlgorithmIdentifier, trustedSubjects SEQUENCE OF ... OPTIONAL,
 *     extensions [0] OPTIONAL }
 */
static int parse_ctl(const uint8_t *val, size_t len, struct sxs_catalog *cat, struct members *ms,
                     struct sxs_diag *diag)
{
	struct der d = {val, val + len};
	struct tlv t;
	int err;

	if (der_peek(&d) == T_INTEGER && der_next(&d, &t))
		goto bad;
	if (der_next(&d, &t) || t.tag != T_SEQUENCE)
		goto bad;
	struct der u = der_in(&t);
	bool catalog_list = false;
	while (der_more(&u)) {
		struct tlv oid;
		if (der_next(&u, &oid) || oid.tag != T_OID)
			goto bad;
		catalog_list |= OID_IS(&oid, OID_CATALOG_LIST);
	}
	if (!catalog_list)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "catalog: the trust list's subject usage is not a catalog list (1.3.6.1.4.1.311.12.1.1)");
	if (der_peek(&d) == T_OCTET && der_next(&d, &t))
		goto bad;
	if (der_peek(&d) == T_INTEGER && der_next(&d, &t))
		goto bad;
	if (der_next(&d, &t) || (t.tag != T_UTCTIME && t.tag != T_GENTIME))
		goto bad;
	if ((der_peek(&d) == T_UTCTIME || der_peek(&d) == T_GENTIME) && der_next(&d, &t))
		goto bad;
	if (der_next(&d, &t) || t.tag != T_SEQUENCE)
		goto bad;
	struct der a = der_in(&t);
	struct tlv alg;
	if (der_next(&a, &alg) || alg.tag != T_OID)
		goto bad;
	if (OID_IS(&alg, OID_MEMBER1))
		cat->sha1_list = true;
	else if (!OID_IS(&alg, OID_MEMBER2))
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "catalog: unknown member algorithm (not 1.3.6.1.4.1.311.12.1.2 or .3)");
	if (der_peek(&d) == T_SEQUENCE) {
		if (der_next(&d, &t))
			goto bad;
		struct der s = der_in(&t);
		while (der_more(&s)) {
			struct tlv subject;
			if (der_next(&s, &subject) || subject.tag != T_SEQUENCE)
				goto bad;
			if ((err = read_member(&subject, ms)))
				return err == -SXS_EFORMAT ? sxs_diag_set(diag, SXS_EFORMAT,
				                                          "catalog: member %zu is malformed", ms->n + 1)
				                           : err == -SXS_ELIMIT
				                                 ? sxs_diag_set(diag, SXS_ELIMIT,
				                                                "catalog: more than %d members",
				                                                SXS_MAX_CATALOG_MEMBERS)
				                                 : err;
		}
	}
	if (der_peek(&d) == T_CTX0 && der_next(&d, &t))
		goto bad;
	if (der_more(&d))
		goto bad;
	return 0;
bad:
	return sxs_diag_set(diag, SXS_EFORMAT, "catalog: the certificate trust list is malformed");
}

/* ---- signature --------------------------------------------------------- */

static int set_detail(struct sxs_catalog *cat, const char *what)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	unsigned long e = ERR_peek_last_error();
	sxs_strbuf_adds(&sb, what);
	if (e) {
		char buf[256];
		ERR_error_string_n(e, buf, sizeof(buf));
		sxs_strbuf_addf(&sb, " (%s)", buf);
	}
	ERR_clear_error();
	sxs_free(cat->signature_detail);
	cat->signature_detail = sxs_strbuf_detach(&sb, NULL);
	return cat->signature_detail ? 0 : -SXS_ENOMEM;
}

/* messageDigest of the first signer against the hash of the CTL value bytes. */
static int check_digest(PKCS7_SIGNER_INFO *si, const uint8_t *val, size_t len, bool *ok)
{
	ASN1_OCTET_STRING *md = PKCS7_digest_from_attributes(PKCS7_get_signed_attributes(si));
	const X509_ALGOR *alg = si->digest_alg;
	const ASN1_OBJECT *obj = NULL;
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int outlen = 0;

	*ok = false;
	if (!md || !alg)
		return 0;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	const EVP_MD *evp = obj ? EVP_get_digestbyobj(obj) : NULL;
	if (!evp)
		return 0;
	if (!EVP_Digest(val, len, out, &outlen, evp, NULL))
		return -SXS_ENOMEM;
	*ok = (size_t)ASN1_STRING_length(md) == outlen &&
	      memcmp(ASN1_STRING_get0_data(md), out, outlen) == 0;
	return 0;
}

static X509_STORE *load_roots(const struct sxs_catalog_options *opt, int *nroots)
{
	X509_STORE *store = X509_STORE_new();
	*nroots = 0;
	if (!store || !opt || !opt->roots_pem || opt->roots_pem_len > INT32_MAX)
		return store;
	BIO *b = BIO_new_mem_buf(opt->roots_pem, (int)opt->roots_pem_len);
	X509 *x;
	while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (X509_STORE_add_cert(store, x))
			(*nroots)++;
		X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error();
	return store;
}

static int verify_chain(PKCS7 *p7, X509 *signer, X509_STORE *roots, struct sxs_catalog *cat)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *certs = p7->d.sign->cert;
	if (!ctx || !X509_STORE_CTX_init(ctx, roots, signer, certs)) {
		X509_STORE_CTX_free(ctx);
		return -SXS_ENOMEM;
	}
	/*
	 * The leaf is valid for one year only; a catalog's validity comes from
	 * its timestamp, so dates are never compared with today (§3.3).
	 */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	int ok = X509_verify_cert(ctx);
	int err = 0;
	if (ok == 1) {
		cat->chain = SXS_CAT_CHAIN_VALID;
	} else {
		cat->chain = SXS_CAT_CHAIN_INVALID;
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&sb, "chain: %s",
		                X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		sxs_free(cat->signature_detail);
		cat->signature_detail = sxs_strbuf_detach(&sb, NULL);
		if (!cat->signature_detail)
			err = -SXS_ENOMEM;
	}
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	return err;
}

static int signer_name(X509 *x, struct sxs_catalog *cat)
{
	char buf[256];
	X509_NAME *n = X509_get_subject_name(x);
	int len = n ? X509_NAME_get_text_by_NID(n, NID_commonName, buf, sizeof(buf)) : -1;
	if (len <= 0)
		return 0;
	cat->signer = sxs_strdup(buf);
	return cat->signer ? 0 : -SXS_ENOMEM;
}

static int verify(PKCS7 *p7, const uint8_t *val, size_t len,
                  const struct sxs_catalog_options *opt, struct sxs_catalog *cat)
{
	STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
	X509_STORE *store = NULL;
	STACK_OF(X509) *signers = NULL;
	BIO *in = NULL;
	bool digest_ok;
	int err = 0, nroots;

	cat->chain = SXS_CAT_CHAIN_NOT_CHECKED;
	if (!sis || sk_PKCS7_SIGNER_INFO_num(sis) == 0) {
		cat->signature = SXS_CAT_SIG_UNSIGNED;
		return set_detail(cat, "no signer");
	}
	for (int i = 0; i < sk_PKCS7_SIGNER_INFO_num(sis); i++) {
		if ((err = check_digest(sk_PKCS7_SIGNER_INFO_value(sis, i), val, len, &digest_ok)))
			return err;
		if (!digest_ok) {
			cat->signature = SXS_CAT_SIG_BAD_DIGEST;
			return set_detail(cat, "the signed messageDigest is not the hash of the trust list");
		}
	}
	if (len > INT32_MAX)
		return -SXS_ELIMIT;
	/*
	 * Every digestAlgorithms entry must be one libcrypto knows: PKCS7_verify
	 * fails on an unknown one and OpenSSL 3.0 then leaks the copy of the
	 * content BIO it made (found by fuzz-catalog, testdata/regress/catalog/).
	 */
	STACK_OF(X509_ALGOR) *mds = p7->d.sign->md_algs;
	for (int i = 0; i < sk_X509_ALGOR_num(mds); i++) {
		const ASN1_OBJECT *obj = NULL;
		X509_ALGOR_get0(&obj, NULL, NULL, sk_X509_ALGOR_value(mds, i));
		if (!obj || !EVP_get_digestbyobj(obj)) {
			cat->signature = SXS_CAT_SIG_BAD;
			return set_detail(cat, "the signed data names a digest algorithm libcrypto does not know");
		}
	}
	store = load_roots(opt, &nroots);
	in = BIO_new_mem_buf(val, (int)len);
	if (!store || !in) {
		err = -SXS_ENOMEM;
		goto out;
	}
	/* detached mode: the signed content is the CTL's value bytes (§3.3) */
	if (PKCS7_verify(p7, NULL, store, in, NULL, PKCS7_BINARY | PKCS7_NOVERIFY) != 1) {
		cat->signature = SXS_CAT_SIG_BAD;
		err = set_detail(cat, "the signature does not verify");
		goto out;
	}
	cat->signature = SXS_CAT_SIG_VALID;
	signers = PKCS7_get0_signers(p7, NULL, 0);
	if (signers && sk_X509_num(signers) > 0) {
		X509 *leaf = sk_X509_value(signers, 0);
		if ((err = signer_name(leaf, cat)))
			goto out;
		if (nroots > 0)
			err = verify_chain(p7, leaf, store, cat);
	}
out:
	ERR_clear_error();
	sk_X509_free(signers);
	BIO_free(in);
	X509_STORE_free(store);
	return err;
}

/* ---- public API -------------------------------------------------------- */

void sxs_catalog_free(struct sxs_catalog *c)
{
	if (!c)
		return;
	sxs_free(c->members);
	sxs_free(c->signature_detail);
	sxs_free(c->signer);
	sxs_free(c);
}

const char *sxs_cat_signature_name(enum sxs_cat_signature s)
{
	switch (s) {
	case SXS_CAT_SIG_VALID:
		return "valid";
	case SXS_CAT_SIG_UNSIGNED:
		return "unsigned";
	case SXS_CAT_SIG_BAD_DIGEST:
		return "digest mismatch";
	case SXS_CAT_SIG_BAD:
		return "bad signature";
	}
	return "?";
}

/* The value bytes of the DER SEQUENCE in `seq` (tag and length skipped). */
static int seq_value(const ASN1_STRING *seq, const uint8_t **val, size_t *len)
{
	struct der d = {ASN1_STRING_get0_data(seq), ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq)};
	struct tlv t;
	if (ASN1_STRING_length(seq) <= 0 || der_next(&d, &t) || t.tag != T_SEQUENCE || der_more(&d))
		return -SXS_EFORMAT;
	*val = t.val;
	*len = t.len;
	return 0;
}

int sxs_catalog_parse(const uint8_t *der, size_t len, const struct sxs_catalog_options *opt,
                      struct sxs_catalog **ret, struct sxs_diag *diag)
{
	struct sxs_catalog *cat = NULL;
	struct members ms = {0};
	PKCS7 *p7 = NULL;
	const uint8_t *val;
	size_t vlen, dlen;
	int err;

	if (len > SXS_MAX_CATALOG_SIZE)
		return sxs_diag_set(diag, SXS_ELIMIT, "catalog: larger than %u bytes", SXS_MAX_CATALOG_SIZE);
	if (len < 2 || der[0] != T_SEQUENCE)
		return sxs_diag_set(diag, SXS_EFORMAT, "catalog: not DER (no outer SEQUENCE)");
	/* the outer TLV must cover the file exactly: no trailing bytes */
	struct der outer = {der, der + len};
	struct tlv top;
	if (der_next(&outer, &top) || der_more(&outer))
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "catalog: the outer DER length does not match the file size (truncated or trailing data)");
	cat = sxs_calloc(1, sizeof(*cat));
	if (!cat)
		return -SXS_ENOMEM;
	if ((err = sxs_digest_buffer(SXS_DIGEST_SHA256, der, len, cat->sha256, &dlen)))
		goto out;

	const unsigned char *p = der;
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (!p7) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "catalog: not a PKCS#7 structure");
		goto out;
	}
	if (!PKCS7_type_is_signed(p7) || !p7->d.sign) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "catalog: PKCS#7 content is not signedData");
		goto out;
	}
	PKCS7 *inner = p7->d.sign->contents;
	if (!inner || !inner->type || OBJ_length(inner->type) != sizeof(OID_CTL) ||
	    memcmp(OBJ_get0_data(inner->type), OID_CTL, sizeof(OID_CTL)) != 0) {
		err = sxs_diag_set(diag, SXS_EFORMAT,
		                   "catalog: signed content is not a certificate trust list (1.3.6.1.4.1.311.10.1)");
		goto out;
	}
	/* an unknown content type: OpenSSL keeps it as an ASN1_TYPE (d.other) */
	if (!inner->d.other || inner->d.other->type != V_ASN1_SEQUENCE ||
	    seq_value(inner->d.other->value.sequence, &val, &vlen)) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "catalog: the certificate trust list is missing or not a SEQUENCE");
		goto out;
	}
	if ((err = parse_ctl(val, vlen, cat, &ms, diag)))
		goto out;
	if (ms.n)
		qsort(ms.v, ms.n, sizeof(*ms.v), cmp_member);
	cat->members = ms.v;
	cat->nmembers = ms.n;
	ms.v = NULL;
	if ((err = verify(p7, val, vlen, opt, cat)))
		goto out;
	*ret = cat;
	cat = NULL;
out:
	ERR_clear_error();
	PKCS7_free(p7);
	sxs_free(ms.v);
	sxs_catalog_free(cat);
	if (err == -SXS_ENOMEM)
		sxs_diag_set(diag, SXS_ENOMEM, "out of memory reading a catalog");
	return err;
}

bool sxs_catalog_has(const struct sxs_catalog *c, const uint8_t *hash, size_t len)
{
	struct sxs_cat_member key;
	if (!c || (len != 20 && len != 32))
		return false;
	memset(&key, 0, sizeof(key));
	memcpy(key.hash, hash, len);
	key.hash_len = (uint8_t)len;
	return bsearch(&key, c->members, c->nmembers, sizeof(key), cmp_member) != NULL;
}

int sxs_catalog_has_file(const struct sxs_catalog *c, const uint8_t *data, size_t len, bool *ret)
{
	uint8_t h[SXS_DIGEST_MAX];
	size_t hlen;
	int err = sxs_digest_buffer(SXS_DIGEST_SHA256, data, len, h, &hlen);
	if (err)
		return err;
	if (sxs_catalog_has(c, h, hlen)) {
		*ret = true;
		return 0;
	}
	/* SHA-1 era catalogs list SHA-1 members only (packages.md §6.1) */
	if ((err = sxs_digest_buffer(SXS_DIGEST_SHA1, data, len, h, &hlen)))
		return err;
	*ret = c->sha1_list && sxs_catalog_has(c, h, hlen);
	return 0;
}
