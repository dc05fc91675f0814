/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/strbuf.h"

/* SHA-256 and SHA-1 of "alpha payload\n" and SHA-256 of "beta payload\n" */
#define ALPHA_SHA256 "ef425ec96caf3d79b288aac22ef5ca0097393213d09be9bd947df1758334fe64"
#define ALPHA_SHA1 "348accad6461e8ac98e3effa3fae54d205ae624c"
#define BETA_SHA256 "2ed18965886676eca457cfd0cccf012b6a70c65065bfa438f7ad203b9b5ec063"

struct buf {
	uint8_t *data;
	size_t len;
};

static struct buf load(const char *name)
{
	char path[1024];
	struct buf b = {NULL, 0};
	snprintf(path, sizeof(path), "%s/manifests/%s", SXS_TESTDATA_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b.data = malloc((size_t)n);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b.len = (size_t)n;
	return b;
}

static struct sxs_manifest *parse_ok(const void *xml, size_t len)
{
	struct sxs_manifest *m = NULL;
	struct sxs_diag diag = {""};
	int err = sxs_manifest_parse(xml, len, &m, &diag);
	if (err)
		fail_msg("parse failed (%d): %s", err, diag.msg);
	assert_non_null(m);
	return m;
}

static struct sxs_manifest *parse_file_ok(const char *name)
{
	struct buf b = load(name);
	struct sxs_manifest *m = parse_ok(b.data, b.len);
	free(b.data);
	return m;
}

/* Parse must fail with err; returns the diag message (static storage). */
static const char *parse_fails(const void *xml, size_t len, int err)
{
	static struct sxs_diag diag;
	struct sxs_manifest *m = NULL;
	sxs_diag_clear(&diag);
	assert_int_equal(sxs_manifest_parse(xml, len, &m, &diag), err);
	assert_null(m);
	assert_true(diag.msg[0] != '\0' || err == -SXS_ENOMEM);
	return diag.msg;
}

static const char *parse_str_fails(const char *xml, int err)
{
	return parse_fails(xml, strlen(xml), err);
}

static void assert_digest(const struct sxs_manifest_file *f, enum sxs_digest_alg alg,
                          const char *hex)
{
	char got[2 * SXS_DIGEST_MAX + 1];
	assert_int_equal(f->alg, alg);
	assert_int_equal(f->digest_len, strlen(hex) / 2);
	sxs_hex_encode(f->digest, f->digest_len, got);
	assert_string_equal(got, hex);
	assert_false(f->bad_digest);
	assert_false(f->unsupported_transform);
	assert_false(f->unsupported_digest_method);
}

static const struct sxs_manifest_file *file_named(const struct sxs_manifest *m,
                                                  const char *name)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i].name, name) == 0)
			return &m->files[i];
	fail_msg("no file %s", name);
	return NULL;
}

/* ---- well-formed manifests -------------------------------------------- */

static void manifest_reads_win10_style_hash_namespaces(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("win10_hash_ns.manifest");
	struct sxs_strbuf sb = SXS_STRBUF_INIT;

	assert_string_equal(m->id.name, "Sxscheck-Test-Alpha");
	assert_string_equal(m->id.version, "10.0.1.42");
	assert_string_equal(m->id.arch, "amd64");
	assert_string_equal(m->id.culture, "neutral");
	assert_string_equal(m->id.public_key_token, "0123456789abcdef");
	assert_string_equal(m->id.version_scope, "nonSxS");
	assert_string_equal(m->id.build_type, "release");
	assert_null(m->id.type);
	assert_string_equal(m->manifest_version, "1.0");
	assert_false(m->is_deployment);

	/* <directories><file> is not a payload */
	assert_int_equal(m->nfiles, 3);
	const struct sxs_manifest_file *f = &m->files[0];
	assert_string_equal(f->name, "alpha.dll");
	assert_string_equal(f->destination_path, "$(runtime.system32)\\");
	assert_string_equal(f->source_name, "alpha.dll");
	assert_true(f->has_hash);
	assert_false(f->system_data);
	assert_false(f->unsafe_name);
	assert_digest(f, SXS_DIGEST_SHA256, ALPHA_SHA256);

	f = &m->files[1];
	assert_string_equal(f->name, "alpha.log");
	assert_true(f->system_data);
	assert_digest(f, SXS_DIGEST_SHA256, BETA_SHA256);

	f = &m->files[2];
	assert_string_equal(f->name, "alpha.dat");
	assert_null(f->destination_path);
	assert_false(f->has_hash);
	assert_int_equal(f->alg, SXS_DIGEST_NONE);
	assert_int_equal(f->digest_len, 0);
	assert_false(f->bad_digest);

	/* the dependency's identity is kept apart */
	assert_int_equal(m->ndeps, 1);
	assert_string_equal(m->deps[0].name, "Sxscheck-Test-Beta");
	assert_string_equal(m->deps[0].culture, "*");

	/* key form and appid of the parsed identity (hash computed independently) */
	assert_int_equal(sxs_identity_keyform(&m->id, SXS_KEYFORM_FULL, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb), "amd64_sxscheck-test-alpha_0123456789abcdef_"
	                                         "10.0.1.42_none_89573379a2c9a4d6");
	sxs_strbuf_reset(&sb);
	assert_int_equal(sxs_identity_canonical(&m->id, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb),
	                    "Sxscheck-Test-Alpha, Culture=neutral, Version=10.0.1.42, "
	                    "PublicKeyToken=0123456789abcdef, ProcessorArchitecture=amd64, "
	                    "versionScope=NonSxS");
	sxs_strbuf_release(&sb);
	sxs_manifest_free(m);
}

static void manifest_reads_win7_style_per_element_dsig_namespaces(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("win7_dsig_each.manifest");
	struct sxs_strbuf sb = SXS_STRBUF_INIT;

	assert_null(m->id.culture);
	assert_int_equal(m->nfiles, 1);
	assert_string_equal(m->files[0].name, "gamma.exe");
	assert_digest(&m->files[0], SXS_DIGEST_SHA256, BETA_SHA256);
	assert_int_equal(sxs_identity_keyform(&m->id, SXS_KEYFORM_FULL, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb), "x86_sxscheck-test-gamma_0123456789abcdef_"
	                                         "6.1.7601.17514_none_71acc99b6f414f4a");
	sxs_strbuf_release(&sb);
	sxs_manifest_free(m);
}

static void manifest_reads_sha1_in_unprefixed_hash(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("sha1_no_ns_hash.manifest");
	assert_string_equal(m->id.type, "win32");
	assert_int_equal(m->nfiles, 1);
	/* whitespace around the base64 text is ignored */
	assert_digest(&m->files[0], SXS_DIGEST_SHA1, ALPHA_SHA1);
	sxs_manifest_free(m);
}

static void manifest_reads_document_without_namespaces(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("no_namespace.manifest");
	assert_string_equal(m->id.arch, "wow64");
	assert_string_equal(m->id.culture, "en-US");
	assert_int_equal(m->nfiles, 1);
	assert_digest(&m->files[0], SXS_DIGEST_SHA256, ALPHA_SHA256);
	sxs_manifest_free(m);
}

static void manifest_matches_by_namespace_not_prefix(void **state)
{
	(void)state;
	/* "dsig" bound to another URI: no digest; "x" bound to xmldsig: digest */
	const char *xml =
		"<a:assembly xmlns:a='urn:schemas-microsoft-com:asm.v3'>"
		"<a:assemblyIdentity name='N' version='1.0.0.0' processorArchitecture='x86'/>"
		"<a:file name='one.dll'><q:hash xmlns:q='urn:schemas-microsoft-com:asm.v2'"
		" xmlns:dsig='urn:example:other'>"
		"<dsig:DigestMethod Algorithm='http://www.w3.org/2000/09/xmldsig#sha256'/>"
		"<dsig:DigestValue>70JeyWyvPXmyiKrCLvXKAJc5MhPQm+m9lH3xdYM0/mQ=</dsig:DigestValue>"
		"</q:hash></a:file>"
		"<a:file name='two.dll'><hash xmlns='urn:schemas-microsoft-com:asm.v2'>"
		"<x:DigestMethod xmlns:x='http://www.w3.org/2000/09/xmldsig#'"
		" Algorithm='http://www.w3.org/2000/09/xmldsig#sha256'/>"
		"<x:DigestValue xmlns:x='http://www.w3.org/2000/09/xmldsig#'>"
		"70JeyWyvPXmyiKrCLvXKAJc5MhPQm+m9lH3xdYM0/mQ=</x:DigestValue>"
		"</hash></a:file>"
		"<a:file name='three.dll'><q:hash xmlns:q='urn:schemas-microsoft-com:asm.v2'"
		" xmlns:d='http://www.w3.org/2000/09/xmldsig#'><d:Transforms>"
		"<o:Transform xmlns:o='urn:example:other' Algorithm='urn:example:ignored'/>"
		"</d:Transforms>"
		"<d:DigestMethod Algorithm='http://www.w3.org/2000/09/xmldsig#sha256'/>"
		"<d:DigestValue>70JeyWyvPXmyiKrCLvXKAJc5MhPQm+m9lH3xdYM0/mQ=</d:DigestValue>"
		"</q:hash></a:file>"
		"<file name='other-namespace.dll'/>"
		"</a:assembly>";
	struct sxs_manifest *m = parse_ok(xml, strlen(xml));
	assert_int_equal(m->nfiles, 3);
	assert_true(m->files[0].has_hash);
	assert_true(m->files[0].bad_digest);
	assert_true(m->files[0].unsupported_digest_method);
	assert_int_equal(m->files[0].alg, SXS_DIGEST_NONE);
	assert_digest(&m->files[1], SXS_DIGEST_SHA256, ALPHA_SHA256);
	assert_digest(&m->files[2], SXS_DIGEST_SHA256, ALPHA_SHA256); /* foreign Transform */
	sxs_manifest_free(m);
}

static void manifest_flags_unusable_hashes_without_failing(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("odd_hashes.manifest");
	const struct sxs_manifest_file *f;

	assert_int_equal(m->nfiles, 6);

	f = file_named(m, "transform.dll");
	assert_true(f->unsupported_transform);
	assert_string_equal(f->transform, "urn:schemas-microsoft-com:HashTransforms.PEImage");
	assert_false(f->bad_digest);

	f = file_named(m, "md5.dll");
	assert_true(f->unsupported_digest_method);
	assert_string_equal(f->digest_method, "http://www.w3.org/2001/04/xmldsig-more#md5");
	assert_int_equal(f->alg, SXS_DIGEST_NONE);
	assert_int_equal(f->digest_len, 0);

	f = file_named(m, "notbase64.dll");
	assert_true(f->bad_digest);
	assert_int_equal(f->alg, SXS_DIGEST_NONE);

	f = file_named(m, "short.dll"); /* 20 bytes for sha256 */
	assert_true(f->bad_digest);
	assert_int_equal(f->digest_len, 0);

	f = file_named(m, "novalue.dll");
	assert_true(f->bad_digest);

	f = file_named(m, "wrongns.dll");
	assert_true(f->has_hash);
	assert_true(f->bad_digest);
	assert_true(f->unsupported_digest_method);
	assert_null(f->digest_method);
	sxs_manifest_free(m);
}

static void manifest_marks_overlong_digest_text_bad(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_adds(&sb, "<assembly><assemblyIdentity name='N' version='1.0.0.0'"
	                     " processorArchitecture='x86'/><file name='f'><hash>"
	                     "<DigestMethod Algorithm='http://www.w3.org/2000/09/xmldsig#sha256'/>"
	                     "<DigestValue>");
	for (int i = 0; i < SXS_MAX_XML_TEXT; i++)
		sxs_strbuf_addc(&sb, ' ');
	sxs_strbuf_adds(&sb, "70JeyWyvPXmyiKrCLvXKAJc5MhPQm+m9lH3xdYM0/mQ=</DigestValue>"
	                     "</hash></file></assembly>");
	struct sxs_manifest *m = parse_ok(sb.buf, sb.len);
	assert_true(m->files[0].bad_digest);
	assert_int_equal(m->files[0].alg, SXS_DIGEST_NONE);
	sxs_manifest_free(m);
	sxs_strbuf_release(&sb);
}

static void manifest_uses_only_the_root_identity(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("deployment.manifest");
	assert_true(m->is_deployment);
	assert_string_equal(m->id.name, "Sxscheck-Test-Deployment");
	assert_int_equal(m->ndeps, 2);
	assert_string_equal(m->deps[0].name, "Sxscheck-Test-Alpha");
	assert_string_equal(m->deps[1].name, "Sxscheck-Test-Gamma");
	assert_int_equal(m->nfiles, 0);
	sxs_manifest_free(m);

	/* an identity that only appears inside a dependency is no identity */
	parse_str_fails("<assembly xmlns='urn:schemas-microsoft-com:asm.v3'><dependency>"
	                "<dependentAssembly><assemblyIdentity name='D' version='1.0.0.0'"
	                " processorArchitecture='x86'/></dependentAssembly></dependency>"
	                "</assembly>",
	                -SXS_EFORMAT);
}

static void manifest_accepts_utf8_bom(void **state)
{
	(void)state;
	struct buf b = load("win10_hash_ns.manifest");
	uint8_t *withbom = malloc(b.len + 3);
	assert_non_null(withbom);
	memcpy(withbom, "\xef\xbb\xbf", 3);
	memcpy(withbom + 3, b.data, b.len);
	struct sxs_manifest *m = parse_ok(withbom, b.len + 3);
	assert_string_equal(m->id.name, "Sxscheck-Test-Alpha");
	assert_int_equal(m->nfiles, 3);
	sxs_manifest_free(m);
	free(withbom);
	free(b.data);
}

static void manifest_flags_unsafe_file_names(void **state)
{
	(void)state;
	struct sxs_manifest *m = parse_file_ok("unsafe_names.manifest");
	assert_int_equal(m->nfiles, 10);
	assert_false(m->files[0].unsafe_name);
	assert_string_equal(m->files[0].name, "fine.dll");
	for (size_t i = 1; i < m->nfiles; i++)
		if (!m->files[i].unsafe_name)
			fail_msg("file %zu '%s' not flagged", i, m->files[i].name);
	assert_string_equal(m->files[9].name, ""); /* no name attribute at all */
	sxs_manifest_free(m);

	assert_true(sxs_manifest_name_is_safe("a..b"));
	assert_true(sxs_manifest_name_is_safe("\xc3\xa9t\xc3\xa9.txt"));
	assert_false(sxs_manifest_name_is_safe(NULL));
	assert_false(sxs_manifest_name_is_safe("a\x7f"));
	assert_false(sxs_manifest_name_is_safe("/etc/passwd"));
	assert_false(sxs_manifest_name_is_safe("\\\\server\\share"));
}

/* ---- refused input ---------------------------------------------------- */

static void manifest_refuses_doctype(void **state)
{
	(void)state;
	struct buf b = load("doctype_external.manifest");
	assert_string_equal(parse_fails(b.data, b.len, -SXS_EFORMAT),
	                    "manifest: DOCTYPE not allowed");
	free(b.data);
	assert_string_equal(parse_str_fails("<!DOCTYPE assembly><assembly/>", -SXS_EFORMAT),
	                    "manifest: DOCTYPE not allowed");
}

static void manifest_refuses_billion_laughs(void **state)
{
	(void)state;
	struct buf b = load("billion_laughs.manifest");
	assert_string_equal(parse_fails(b.data, b.len, -SXS_EFORMAT),
	                    "manifest: DOCTYPE not allowed");
	free(b.data);
}

static void manifest_refuses_undeclared_entity(void **state)
{
	(void)state;
	const char *msg = parse_str_fails("<assembly><assemblyIdentity name='&x;' version='1'"
	                                  " processorArchitecture='x86'/></assembly>",
	                                  -SXS_EFORMAT);
	assert_true(strncmp(msg, "manifest: line 1: ", 18) == 0);
}

static struct sxs_strbuf nested(int levels)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_adds(&sb, "<assembly><assemblyIdentity name='N' version='1.0.0.0'"
	                     " processorArchitecture='x86'/>");
	for (int i = 1; i < levels; i++)
		sxs_strbuf_adds(&sb, "<d>");
	for (int i = 1; i < levels; i++)
		sxs_strbuf_adds(&sb, "</d>");
	sxs_strbuf_adds(&sb, "</assembly>");
	assert_int_equal(sxs_strbuf_error(&sb), 0);
	return sb;
}

static void manifest_refuses_deep_nesting(void **state)
{
	(void)state;
	/* the root counts as level 1 */
	struct sxs_strbuf sb = nested(SXS_MAX_XML_DEPTH);
	struct sxs_manifest *m = parse_ok(sb.buf, sb.len);
	sxs_manifest_free(m);
	sxs_strbuf_release(&sb);

	sb = nested(SXS_MAX_XML_DEPTH + 1);
	const char *msg = parse_fails(sb.buf, sb.len, -SXS_ELIMIT);
	assert_non_null(strstr(msg, "nested deeper than"));
	sxs_strbuf_release(&sb);

	sb = nested(10000);
	parse_fails(sb.buf, sb.len, -SXS_ELIMIT);
	sxs_strbuf_release(&sb);
}

static void manifest_refuses_too_many_attributes(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_adds(&sb, "<assembly><assemblyIdentity name='N' version='1.0.0.0'"
	                     " processorArchitecture='x86'/><x");
	for (int i = 0; i <= SXS_MAX_XML_ATTRS; i++)
		sxs_strbuf_addf(&sb, " a%d='v'", i);
	sxs_strbuf_adds(&sb, "/></assembly>");
	parse_fails(sb.buf, sb.len, -SXS_ELIMIT);
	sxs_strbuf_release(&sb);
}

static void manifest_refuses_too_many_files(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_adds(&sb, "<assembly><assemblyIdentity name='N' version='1.0.0.0'"
	                     " processorArchitecture='x86'/>");
	for (int i = 0; i <= SXS_MAX_MANIFEST_FILES; i++)
		sxs_strbuf_adds(&sb, "<file name='f'/>");
	sxs_strbuf_adds(&sb, "</assembly>");
	const char *msg = parse_fails(sb.buf, sb.len, -SXS_ELIMIT);
	assert_non_null(strstr(msg, "files"));
	sxs_strbuf_release(&sb);
}

static void manifest_refuses_oversized_input_before_parsing(void **state)
{
	(void)state;
	size_t len = (size_t)SXS_MAX_MANIFEST_XML_SIZE + 1;
	uint8_t *big = calloc(1, len);
	assert_non_null(big);
	sxs_alloc_fail_after(0); /* nothing may be allocated before the check */
	parse_fails(big, len, -SXS_ELIMIT);
	sxs_alloc_fail_after(-1);
	free(big);
}

static void manifest_rejects_every_truncation(void **state)
{
	(void)state;
	struct buf b = load("win10_hash_ns.manifest");
	const char *end = strstr((const char *)b.data, "</assembly>");
	assert_non_null(end);
	size_t complete = (size_t)(end - (const char *)b.data) + strlen("</assembly>");
	for (size_t n = 0; n < complete; n++) {
		const char *msg = parse_fails(b.data, n, -SXS_EFORMAT);
		if (strncmp(msg, "manifest: line ", 15) != 0)
			fail_msg("length %zu: %s", n, msg);
	}
	sxs_manifest_free(parse_ok(b.data, complete));
	free(b.data);
}

static void manifest_rejects_invalid_utf8(void **state)
{
	(void)state;
	const char *msg = parse_str_fails("<assembly>\n<assemblyIdentity name='N\xff'"
	                                  " version='1.0.0.0' processorArchitecture='x86'/>"
	                                  "</assembly>",
	                                  -SXS_EFORMAT);
	assert_true(strncmp(msg, "manifest: line 2: ", 18) == 0);
	parse_str_fails("<assembly><assemblyIdentity name='N' version='1.0.0.0'"
	                " processorArchitecture='x86'/><file name='\xed\xa0\x80'/></assembly>",
	                -SXS_EFORMAT);
}

static void manifest_rejects_missing_or_incomplete_identity(void **state)
{
	(void)state;
	assert_string_equal(parse_str_fails("<assembly xmlns='urn:schemas-microsoft-com:asm.v3'>"
	                                    "<file name='f'/></assembly>",
	                                    -SXS_EFORMAT),
	                    "manifest: no assemblyIdentity");
	assert_string_equal(parse_str_fails("<assembly><assemblyIdentity name='N'"
	                                    " processorArchitecture='x86'/></assembly>",
	                                    -SXS_EFORMAT),
	                    "manifest: assemblyIdentity has no version");
	assert_string_equal(parse_str_fails("<assembly><assemblyIdentity name=''"
	                                    " version='1.0.0.0' processorArchitecture='x86'/>"
	                                    "</assembly>",
	                                    -SXS_EFORMAT),
	                    "manifest: assemblyIdentity has no name");
	assert_string_equal(parse_str_fails("<assembly><assemblyIdentity name='N'"
	                                    " version='1.0.0.0'/></assembly>",
	                                    -SXS_EFORMAT),
	                    "manifest: assemblyIdentity has no processorArchitecture");
	/* identity in another namespace than the root's */
	parse_str_fails("<assembly xmlns='urn:schemas-microsoft-com:asm.v3'>"
	                "<assemblyIdentity xmlns='urn:example' name='N' version='1.0.0.0'"
	                " processorArchitecture='x86'/></assembly>",
	                -SXS_EFORMAT);
	/* two identities */
	parse_str_fails("<assembly><assemblyIdentity name='N' version='1.0.0.0'"
	                " processorArchitecture='x86'/><assemblyIdentity name='M' version='1.0.0.0'"
	                " processorArchitecture='x86'/></assembly>",
	                -SXS_EFORMAT);
}

static void manifest_rejects_wrong_root(void **state)
{
	(void)state;
	parse_str_fails("<package><assemblyIdentity name='N' version='1.0.0.0'"
	                " processorArchitecture='x86'/></package>",
	                -SXS_EFORMAT);
	parse_str_fails("<assembly xmlns='urn:example'><assemblyIdentity name='N'"
	                " version='1.0.0.0' processorArchitecture='x86'/></assembly>",
	                -SXS_EFORMAT);
	parse_fails("", 0, -SXS_EFORMAT);
}

static void manifest_cleans_up_on_every_allocation_failure(void **state)
{
	(void)state;
	static const char *const fixtures[] = {"win10_hash_ns.manifest", "odd_hashes.manifest",
	                                       "deployment.manifest"};
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct buf b = load(fixtures[i]);
		for (long n = 0;; n++) {
			struct sxs_manifest *m = NULL;
			sxs_alloc_fail_after(n);
			int err = sxs_manifest_parse(b.data, b.len, &m, NULL);
			sxs_alloc_fail_after(-1);
			if (err == 0) {
				assert_true(n > 10);
				sxs_manifest_free(m);
				break;
			}
			if (err != -SXS_ENOMEM)
				fail_msg("%s: failing allocation %ld gave %d", fixtures[i], n, err);
			assert_null(m);
		}
		free(b.data);
	}
	sxs_manifest_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(manifest_reads_win10_style_hash_namespaces),
		cmocka_unit_test(manifest_reads_win7_style_per_element_dsig_namespaces),
		cmocka_unit_test(manifest_reads_sha1_in_unprefixed_hash),
		cmocka_unit_test(manifest_reads_document_without_namespaces),
		cmocka_unit_test(manifest_matches_by_namespace_not_prefix),
		cmocka_unit_test(manifest_flags_unusable_hashes_without_failing),
		cmocka_unit_test(manifest_marks_overlong_digest_text_bad),
		cmocka_unit_test(manifest_uses_only_the_root_identity),
		cmocka_unit_test(manifest_accepts_utf8_bom),
		cmocka_unit_test(manifest_flags_unsafe_file_names),
		cmocka_unit_test(manifest_refuses_doctype),
		cmocka_unit_test(manifest_refuses_billion_laughs),
		cmocka_unit_test(manifest_refuses_undeclared_entity),
		cmocka_unit_test(manifest_refuses_deep_nesting),
		cmocka_unit_test(manifest_refuses_too_many_attributes),
		cmocka_unit_test(manifest_refuses_too_many_files),
		cmocka_unit_test(manifest_refuses_oversized_input_before_parsing),
		cmocka_unit_test(manifest_rejects_every_truncation),
		cmocka_unit_test(manifest_rejects_invalid_utf8),
		cmocka_unit_test(manifest_rejects_missing_or_incomplete_identity),
		cmocka_unit_test(manifest_rejects_wrong_root),
		cmocka_unit_test(manifest_cleans_up_on_every_allocation_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
