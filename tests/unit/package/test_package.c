/* SPDX-License-Identifier: MIT */
/*
 * The package layer on self-made files: catalogs written by the test
 * catalog writer (tests/tools/mkcat, signed with testdata/pki), hostile
 * catalogs (truncated DER, huge lengths, wrong OIDs, bad signatures),
 * package manifests and identity strings, the generic XML reader, the CBS
 * state table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catwriter.h"
#include "digest/digest.h"
#include "manifest/xml.h"
#include "package/catalog.h"
#include "package/cbs.h"
#include "package/mum.h"
#include "util/alloc.h"

static const char *pki; /* testdata/pki */

static char *pki_path(const char *name)
{
	static char buf[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", pki, name);
	return buf[k];
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static const char MUM[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
	"<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\" manifestVersion=\"1.0\">\r\n"
	"  <assemblyIdentity name=\"Package_for_KB4470788\" version=\"17763.164.1.1\" language=\"neutral\" "
	"processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" />\r\n"
	"  <package identifier=\"KB4470788\" releaseType=\"Update\">\r\n"
	"    <update name=\"4470788-1_neutral_PACKAGE\"><package integrate=\"hidden\">"
	"<assemblyIdentity name=\"Package_1_for_KB4470788\" version=\"17763.164.1.1\" language=\"neutral\" "
	"processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\" /></package></update>\r\n"
	"  </package>\r\n</assembly>\r\n";

static struct catw_options base_opts(void)
{
	struct catw_options o = {0};
	o.key_pem = pki_path("signer.key");
	o.cert_pem = pki_path("signer.pem");
	return o;
}

static uint8_t *make_cat(const struct catw_options *o, size_t *len)
{
	struct catw_member m;
	uint8_t *der = NULL;
	catw_member_of((const uint8_t *)MUM, sizeof(MUM) - 1, &m);
	assert_int_equal(catw_write(o, &m, 1, &der, len), 0);
	return der;
}

static struct sxs_catalog *parse(const uint8_t *der, size_t len, const struct sxs_catalog_options *opt,
                                 int want)
{
	struct sxs_catalog *c = NULL;
	struct sxs_diag diag = {{0}};
	int err = sxs_catalog_parse(der, len, opt, &c, &diag);
	if (err != want)
		fail_msg("parse: %d (%s), want %d", err, sxs_diag_msg(&diag, err), want);
	if (err)
		assert_non_null(strstr(diag.msg, "catalog"));
	return c;
}

static void selfmade_catalog_verifies_and_lists_the_mum(void **state)
{
	(void)state;
	struct catw_options o = base_opts();
	size_t len;
	uint8_t *der = make_cat(&o, &len);
	struct sxs_catalog *c = parse(der, len, NULL, 0);
	assert_int_equal(c->signature, SXS_CAT_SIG_VALID);
	assert_int_equal(c->chain, SXS_CAT_CHAIN_NOT_CHECKED);
	assert_string_equal(c->signer, "sxscheck test catalog signer");
	assert_int_equal(c->nmembers, 2); /* SHA-1 tag-only + SHA-256 flat, like Microsoft's */
	bool member = false;
	assert_int_equal(sxs_catalog_has_file(c, (const uint8_t *)MUM, sizeof(MUM) - 1, &member), 0);
	assert_true(member);
	assert_int_equal(sxs_catalog_has_file(c, (const uint8_t *)MUM, sizeof(MUM) - 2, &member), 0);
	assert_false(member);
	sxs_catalog_free(c);
	free(der);
}

/* Roots given: the expired (2019) signer still chains, dates are never compared with today. */
static void chain_checked_only_with_roots(void **state)
{
	(void)state;
	struct catw_options o = base_opts();
	size_t len, rlen, olen;
	uint8_t *der = make_cat(&o, &len);
	uint8_t *root = slurp(pki_path("root.pem"), &rlen);
	uint8_t *other = slurp(pki_path("other-root.pem"), &olen);
	struct sxs_catalog_options good = {root, rlen}, bad = {other, olen};
	struct sxs_catalog *c = parse(der, len, &good, 0);
	assert_int_equal(c->signature, SXS_CAT_SIG_VALID);
	assert_int_equal(c->chain, SXS_CAT_CHAIN_VALID);
	sxs_catalog_free(c);
	c = parse(der, len, &bad, 0);
	assert_int_equal(c->signature, SXS_CAT_SIG_VALID);
	assert_int_equal(c->chain, SXS_CAT_CHAIN_INVALID);
	assert_non_null(strstr(c->signature_detail, "chain"));
	sxs_catalog_free(c);
	free(der);
	free(root);
	free(other);
}

static void signature_verdicts(void **state)
{
	(void)state;
	static const struct {
		bool bad_digest, bad_signature, unsigned_;
		enum sxs_cat_signature want;
	} cases[] = {
		{true, false, false, SXS_CAT_SIG_BAD_DIGEST},
		{false, true, false, SXS_CAT_SIG_BAD},
		{false, false, true, SXS_CAT_SIG_UNSIGNED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct catw_options o = base_opts();
		o.bad_digest = cases[i].bad_digest;
		o.bad_signature = cases[i].bad_signature;
		o.unsigned_ = cases[i].unsigned_;
		size_t len;
		uint8_t *der = make_cat(&o, &len);
		struct sxs_catalog *c = parse(der, len, NULL, 0);
		assert_int_equal(c->signature, cases[i].want);
		assert_non_null(c->signature_detail);
		assert_int_equal(c->nmembers, 2); /* members are still listed */
		sxs_catalog_free(c);
		free(der);
	}
}

static void wrong_oids_are_not_catalogs(void **state)
{
	(void)state;
	const char *const which[] = {"content", "usage", "member"};
	const char *const oids[] = {"1.2.840.113549.1.7.1", "1.3.6.1.4.1.311.10.3.1",
	                            "1.3.6.1.4.1.311.12.1.9"};
	for (size_t i = 0; i < 3; i++) {
		struct catw_options o = base_opts();
		if (i == 0)
			o.content_oid = oids[i];
		else if (i == 1)
			o.usage_oid = oids[i];
		else
			o.member_oid = oids[i];
		size_t len;
		uint8_t *der = make_cat(&o, &len);
		struct sxs_catalog *c = parse(der, len, NULL, -SXS_EFORMAT);
		assert_null(c);
		(void)which;
		free(der);
	}
}

/* SHA-1 era catalogs (CATALOG_LIST_MEMBER): a file is a member by its SHA-1. */
static void sha1_era_catalog(void **state)
{
	(void)state;
	struct catw_options o = base_opts();
	o.sha1_list = true;
	size_t len;
	uint8_t *der = make_cat(&o, &len);
	struct sxs_catalog *c = parse(der, len, NULL, 0);
	assert_true(c->sha1_list);
	assert_int_equal(c->nmembers, 1);
	bool member = false;
	assert_int_equal(sxs_catalog_has_file(c, (const uint8_t *)MUM, sizeof(MUM) - 1, &member), 0);
	assert_true(member);
	sxs_catalog_free(c);
	free(der);
}

static void hostile_der(void **state)
{
	(void)state;
	struct catw_options o = base_opts();
	size_t len;
	uint8_t *der = make_cat(&o, &len);
	/* every truncation */
	for (size_t n = 0; n < len; n++) {
		struct sxs_catalog *c = NULL;
		assert_int_not_equal(sxs_catalog_parse(der, n, NULL, &c, NULL), 0);
		assert_null(c);
	}
	/* trailing bytes */
	uint8_t *big = malloc(len + 3);
	memcpy(big, der, len);
	memset(big + len, 0, 3);
	assert_null(parse(big, len + 3, NULL, -SXS_EFORMAT));
	/* huge lengths: the outer length, then every long-form length byte set to 0xff */
	uint8_t huge[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xf0, 0x06, 0x09};
	assert_null(parse(huge, sizeof(huge), NULL, -SXS_EFORMAT));
	uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
	assert_null(parse(indefinite, sizeof(indefinite), NULL, -SXS_EFORMAT));
	for (size_t i = 0; i + 1 < len; i++) {
		if ((der[i + 1] & 0x80) == 0 || (der[i + 1] & 0x7f) > 4 || i < 1)
			continue;
		memcpy(big, der, len);
		for (size_t k = 0; k < (size_t)(der[i + 1] & 0x7f) && i + 2 + k < len; k++)
			big[i + 2 + k] = 0xff;
		struct sxs_catalog *c = NULL;
		if (sxs_catalog_parse(big, len, NULL, &c, NULL) == 0) {
			/* it only hit a byte that was not a length: a verdict, never a crash */
			assert_true(c->signature <= SXS_CAT_SIG_BAD);
			sxs_catalog_free(c);
		}
	}
	/* not DER at all */
	assert_null(parse((const uint8_t *)"MSCF\0\0\0\0", 8, NULL, -SXS_EFORMAT));
	free(big);
	free(der);
}

static void mum_parses_children_and_identity(void **state)
{
	(void)state;
	struct sxs_mum *m = NULL;
	assert_int_equal(sxs_mum_parse((const uint8_t *)MUM, sizeof(MUM) - 1, &m, NULL), 0);
	assert_string_equal(m->identity, "Package_for_KB4470788~31bf3856ad364e35~amd64~~17763.164.1.1");
	assert_string_equal(m->identifier, "KB4470788");
	assert_string_equal(m->release_type, "Update");
	assert_int_equal(m->nupdates, 1);
	assert_int_equal(m->nrefs, 1);
	assert_int_equal(m->refs[0].kind, SXS_MUM_REF_PACKAGE);
	assert_true(sxs_mum_update_unconditional(&m->updates[0]));
	assert_string_equal(m->refs[0].id.name, "Package_1_for_KB4470788");
	sxs_mum_free(m);
}

static void mum_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *xml;
		const char *why;
		int err;
	} cases[] = {
		{"<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\"><assemblyIdentity name=\"a\" "
		 "version=\"1.0.0.0\" processorArchitecture=\"x86\"/></assembly>", "no package element",
		 -SXS_EFORMAT},
		{"<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\"><package/></assembly>",
		 "no assemblyIdentity", -SXS_EFORMAT},
		{"<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\"><assemblyIdentity name=\"a\" "
		 "processorArchitecture=\"x86\"/><package/></assembly>", "has no version", -SXS_EFORMAT},
		{"<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\"><assemblyIdentity name=\"a~b\" "
		 "version=\"1.0.0.0\" processorArchitecture=\"x86\"/><package/></assembly>", "'~'",
		 -SXS_EFORMAT},
		{"<?xml version=\"1.0\"?><!DOCTYPE assembly><assembly/>", "DOCTYPE", -SXS_EFORMAT},
		{"<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\"><assemblyIdentity", "line 1",
		 -SXS_EFORMAT},
		{"<package xmlns=\"urn:schemas-microsoft-com:asm.v3\"/>", "not an assembly", -SXS_EFORMAT},
		{"", "line 1", -SXS_EFORMAT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct sxs_mum *m = NULL;
		struct sxs_diag diag = {{0}};
		int err = sxs_mum_parse((const uint8_t *)cases[i].xml, strlen(cases[i].xml), &m, &diag);
		if (err != cases[i].err || !strstr(diag.msg, cases[i].why))
			fail_msg("case %zu: %d '%s'", i, err, diag.msg);
		assert_null(m);
	}
	/* nesting deeper than the limit */
	size_t n = 400;
	char *deep = malloc(n * 7 + 400);
	strcpy(deep, "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\"><package>");
	for (size_t i = 0; i < n; i++)
		strcat(deep, "<x>");
	struct sxs_mum *m = NULL;
	assert_int_equal(sxs_mum_parse((const uint8_t *)deep, strlen(deep), &m, NULL), -SXS_ELIMIT);
	free(deep);
}

/* BOM, another prefix bound to asm.v3, culture, permanence (packages.md §2.3). */
static void mum_real_shapes(void **state)
{
	(void)state;
	const char xml[] =
		"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<a:assembly xmlns:a=\"urn:schemas-microsoft-com:asm.v3\">"
		"<a:assemblyIdentity name=\"Lang\" version=\"10.0.17763.1\" language=\"de-DE\" "
		"processorArchitecture=\"wow64\" publicKeyToken=\"31bf3856ad364e35\"/>"
		"<a:package identifier=\"KB777778\" permanence=\"permanent\">"
		"<mum2:customInformation xmlns:mum2=\"urn:schemas-microsoft-com:asm.v3\"/>"
		"<a:update name=\"u\"><a:selectable/><a:package contained=\"false\">"
		"<a:assemblyIdentity name=\"c\" version=\"1.0.0.0\" processorArchitecture=\"wow64\"/>"
		"</a:package></a:update></a:package></a:assembly>";
	struct sxs_mum *m = NULL;
	assert_int_equal(sxs_mum_parse((const uint8_t *)xml, sizeof(xml) - 1, &m, NULL), 0);
	assert_string_equal(m->identity, "Lang~31bf3856ad364e35~wow64~de-DE~10.0.17763.1");
	assert_true(m->permanent);
	assert_true(m->updates[0].selectable);
	assert_false(sxs_mum_update_unconditional(&m->updates[0]));
	assert_true(m->refs[0].contained_false);
	sxs_mum_free(m);
}

static void package_names(void **state)
{
	(void)state;
	struct sxs_package_name pn;
	assert_int_equal(sxs_package_name_split("Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.3406.1.5", &pn), 0);
	assert_string_equal(pn.name, "Package_for_RollupFix");
	assert_string_equal(pn.culture, "");
	assert_string_equal(pn.version, "17763.3406.1.5");
	assert_int_equal(sxs_package_name_split("a~b~c~d", &pn), -SXS_EFORMAT);
	assert_int_equal(sxs_package_name_split("a~b~c~d~1.2.3", &pn), -SXS_EFORMAT);
	assert_int_equal(sxs_package_name_split("a~b~c~d~1.2.3.4~x", &pn), -SXS_EFORMAT);
	assert_int_equal(sxs_package_name_split("~b~c~d~1.2.3.4", &pn), -SXS_EFORMAT);
	assert_true(sxs_package_is_rollup("package_for_rollupfix~31bf3856ad364e35~amd64~~17763.1.1.1"));
	assert_false(sxs_package_is_rollup("Package_for_RollupFixX"));
}

static void cbs_states(void **state)
{
	(void)state;
	assert_string_equal(sxs_cbs_state_name(0x70), "Installed");
	assert_string_equal(sxs_cbs_state_name(0x65), "Partially Installed");
	assert_null(sxs_cbs_state_name(0xFFFFFFFF));
	assert_int_equal(sxs_cbs_state_class(0xFFFFFF90u), SXS_CBS_STATE_BROKEN);
	assert_int_equal(sxs_cbs_state_class(0xFFFFFFFFu), SXS_CBS_STATE_UNKNOWN);
	assert_int_equal(sxs_cbs_state_class(0x40), SXS_CBS_STATE_KNOWN);
	assert_true(sxs_cbs_state_installed(0x80));
	assert_false(sxs_cbs_state_installed(0x40));
}

static int stop_at_root(void *ctx, struct sxs_xml_reader *r, const struct sxs_xml_elem *e)
{
	(void)r;
	*(const char **)ctx = sxs_xml_attr(e, "Identifier") ? "seen" : "none";
	return 1;
}

/* The reader stops early on request: pending.xml's root is read from its first bytes only. */
static void xml_reader_stops_early(void **state)
{
	(void)state;
	static const struct sxs_xml_handler h = {.start = stop_at_root};
	const char xml[] = "<PendingTransaction Identifier=\"{1}\"><Transactions><unfinished";
	const char *seen = NULL;
	assert_int_equal(sxs_xml_parse((const uint8_t *)xml, sizeof(xml) - 1, "pending.xml", &h, &seen, NULL), 0);
	assert_string_equal(seen, "seen");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(selfmade_catalog_verifies_and_lists_the_mum),
		cmocka_unit_test(chain_checked_only_with_roots),
		cmocka_unit_test(signature_verdicts),
		cmocka_unit_test(wrong_oids_are_not_catalogs),
		cmocka_unit_test(sha1_era_catalog),
		cmocka_unit_test(hostile_der),
		cmocka_unit_test(mum_parses_children_and_identity),
		cmocka_unit_test(mum_rejects),
		cmocka_unit_test(mum_real_shapes),
		cmocka_unit_test(package_names),
		cmocka_unit_test(cbs_states),
		cmocka_unit_test(xml_reader_stops_early),
	};
	if (argc < 2)
		return 2;
	pki = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
