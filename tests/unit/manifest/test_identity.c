/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/identity.h"
#include "util/alloc.h"
#include "util/strbuf.h"

/* Vectors: formats.md §1.4 (worked example), §1.5 and §6.2/§6.3. */

#define PKT_MS "31bf3856ad364e35"

static struct sxs_identity ident(const char *name, const char *culture, const char *type,
                                 const char *version, const char *pkt, const char *arch,
                                 const char *scope)
{
	/* Test identities point at literals; they are never released. */
	struct sxs_identity id = {(char *)name, (char *)culture, (char *)type, (char *)version,
	                          (char *)pkt,  (char *)arch,    (char *)scope, NULL};
	return id;
}

static uint64_t h(const char *s)
{
	return sxs_keyform_hash_string(s, strlen(s));
}

static void assert_keyform(const struct sxs_identity *id, enum sxs_keyform_kind kind,
                           const char *expected)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	assert_int_equal(sxs_identity_keyform(id, kind, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb), expected);
	sxs_strbuf_release(&sb);
}

static void assert_canonical(const struct sxs_identity *id, const char *expected)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	assert_int_equal(sxs_identity_canonical(id, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb), expected);
	sxs_strbuf_release(&sb);
}

static void assert_value_name(const char *file, const char *expected)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	assert_int_equal(sxs_file_value_name(file, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb), expected);
	sxs_strbuf_release(&sb);
}

/* ---- H(s) ------------------------------------------------------------- */

static void hash_reproduces_worked_example_strings(void **state)
{
	(void)state;
	assert_int_equal(h("name"), 0x0000c409fffee203ull);
	assert_int_equal(h("Microsoft-Windows-Core"), 0x695535fd434d6a1cull);
	assert_int_equal(h("version"), 0xd2e892e0cba02406ull);
	assert_int_equal(h("10.0.26100.1"), 0xf9c757679b71b76dull);
	assert_int_equal(h("publicKeyToken"), 0xbb5a0875ca972d27ull);
	assert_int_equal(h(PKT_MS), 0x6a77fe84ef327a11ull);
	assert_int_equal(h("processorArchitecture"), 0xc4366aa51dbf55f3ull);
	assert_int_equal(h("amd64"), 0xb853a584eb829114ull);
	assert_int_equal(h("versionScope"), 0x7a1ed23b790eda16ull);
	assert_int_equal(h("nonSxS"), 0xc1686146e99b599full);
}

static void hash_combines_lanes_with_powers_of_p(void **state)
{
	(void)state;
	/* one code unit per lane: H = a0*P^3 + a1*P^2 + a2*P + a3 */
	assert_int_equal(h("\x01"), 0x1E5FFFFFD27ull);          /* P^3 */
	assert_int_equal(sxs_keyform_hash_string("\0\x01", 2), 0xFFFFFFDC00000051ull); /* P^2 */
	assert_int_equal(sxs_keyform_hash_string("\0\0\x01", 3), 0x1FFFFFFF7ull);      /* P */
	assert_int_equal(sxs_keyform_hash_string("\0\0\0\x01", 4), 1);
	assert_int_equal(h(""), 0);
}

static void hash_ignores_case(void **state)
{
	(void)state;
	assert_int_equal(h("PublicKeyToken"), h("publicKeyToken"));
	assert_int_equal(h("MICROSOFT-WINDOWS-CORE"), h("microsoft-windows-core"));
	/* Latin-1 and beyond, one UTF-16 code unit at a time */
	assert_int_equal(h("\xc3\x89"), 0x0001ba55fffd687full); /* É */
	assert_int_equal(h("\xc3\x89"), h("\xc3\xa9"));          /* É = é */
	assert_int_equal(h("\xc3\x9e"), h("\xc3\xbe"));          /* Þ = þ */
	assert_int_not_equal(h("\xc3\x97"), h("\xc3\xb7"));      /* × is no letter */
	assert_int_equal(h("\xc4\x80"), h("\xc4\x81"));          /* Ā = ā */
	assert_int_equal(h("\xd0\x96"), h("\xd0\xb6"));          /* Ж = ж */
	assert_int_equal(h("\xce\xa3"), h("\xcf\x83"));          /* Σ = σ */
}

static void hash_counts_utf16_code_units(void **state)
{
	(void)state;
	/* U+1F600 is the surrogate pair D83D DE00: two lanes */
	const char pair[] = {(char)0xED, (char)0xA0, (char)0xBD, 0}; /* not valid UTF-8 */
	uint64_t expect = 0xD83Dull * 0xFFFFFFDC00000051ull + 0xDE00ull * 0x1FFFFFFF7ull;
	assert_int_equal(sxs_keyform_hash_string("\0\xf0\x9f\x98\x80", 5), expect);
	/* an encoded surrogate is invalid UTF-8: each byte counts as U+FFFD */
	assert_int_equal(h(pair), h("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"));
}

static void hash_reads_invalid_utf8_as_replacement_chars(void **state)
{
	(void)state;
	const char *fffd = "\xef\xbf\xbd";
	char two[7];
	snprintf(two, sizeof(two), "%s%s", fffd, fffd);
	assert_int_equal(h("\xff"), h(fffd));
	assert_int_equal(h("\xe2\x82"), h(two));     /* cut-short sequence */
	/* ... also at the very end of an unterminated buffer (ASan checks the reads) */
	char *cut = malloc(2);
	assert_non_null(cut);
	memcpy(cut, "\xe2\x82", 2);
	assert_int_equal(sxs_keyform_hash_string(cut, 2), h(two));
	free(cut);
	assert_int_equal(h("\xc0\xaf"), h(two));     /* overlong '/' */
	assert_int_equal(h("\xf4\x90\x80\x80" "a"), /* above U+10FFFF */
	                 sxs_keyform_hash_string("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	                                         "\xef\xbf\xbd" "a", 13));
	/* the same bytes give the same result every time */
	assert_int_equal(h("x\x80y\xfe"), h("x\x80y\xfe"));
}

/* ---- pseudo-key and key forms ----------------------------------------- */

static void pseudokey_reproduces_worked_example_steps(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-Core", "neutral", NULL, NULL, NULL,
	                               NULL, NULL);
	assert_int_equal(sxs_identity_pseudokey(&id, false), 0x694c15a943577801ull);
	id.version = (char *)"10.0.26100.1";
	assert_int_equal(sxs_identity_pseudokey(&id, false), 0xf9dca29b14bd3b2eull);
	id.public_key_token = (char *)PKT_MS;
	assert_int_equal(sxs_identity_pseudokey(&id, false), 0xca34cb97153acf14ull);
	id.arch = (char *)"amd64";
	assert_int_equal(sxs_identity_pseudokey(&id, false), 0x1c83077520b743d5ull);
	id.version_scope = (char *)"nonSxS";
	assert_int_equal(sxs_identity_pseudokey(&id, false), 0xa943f5e781a44c5cull);
}

static void pseudokey_skips_neutral_none_empty_and_build_type(void **state)
{
	(void)state;
	struct sxs_identity a = ident("Microsoft-Windows-Core", NULL, NULL, "10.0.26100.1",
	                              PKT_MS, "amd64", "nonSxS");
	uint64_t k = sxs_identity_pseudokey(&a, false);
	struct sxs_identity b = a;
	b.culture = (char *)"";
	assert_int_equal(sxs_identity_pseudokey(&b, false), k);
	b.culture = (char *)"NEUTRAL";
	assert_int_equal(sxs_identity_pseudokey(&b, false), k);
	b.culture = (char *)"none";
	assert_int_equal(sxs_identity_pseudokey(&b, false), k);
	b.type = (char *)"none";
	assert_int_equal(sxs_identity_pseudokey(&b, false), k);
	b.build_type = (char *)"release";
	assert_int_equal(sxs_identity_pseudokey(&b, false), k);
	b.culture = (char *)"en-US";
	assert_int_not_equal(sxs_identity_pseudokey(&b, false), k);
}

static void keyform_core_full_and_winners(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-Core", "neutral", NULL, "10.0.26100.1",
	                               PKT_MS, "amd64", "nonSxS");
	assert_keyform(&id, SXS_KEYFORM_FULL,
	               "amd64_microsoft-windows-core_31bf3856ad364e35_10.0.26100.1_none_"
	               "a943f5e781a44c5c");
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "amd64_microsoft-windows-core_31bf3856ad364e35_none_cdb4cb16cc6d1781");
}

static void keyform_dedup_service_full(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-Dedup-Service", "neutral", NULL,
	                               "10.0.20348.2849", PKT_MS, "amd64", "nonSxS");
	assert_keyform(&id, SXS_KEYFORM_FULL,
	               "amd64_microsoft-windows-dedup-service_31bf3856ad364e35_10.0.20348.2849_"
	               "none_773c336e9bd2bbfb");
}

static void keyform_dedup_deployment_short_form(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-Dedup-Deployment", "neutral", NULL,
	                               "10.0.20348.2849", PKT_MS, "amd64", "nonSxS");
	assert_keyform(&id, SXS_KEYFORM_SHORT,
	               "microsoft-w..-deployment_31bf3856ad364e35_10.0.20348.2849_f8f9ef63a3376fad");
}

static void keyform_esu_amd64_shortens_name_to_40(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-SLC-Component-ExtendedSecurityUpdatesAI",
	                               NULL, NULL, "6.1.7602.26816", PKT_MS, "amd64", "nonSxS");
	assert_keyform(&id, SXS_KEYFORM_FULL,
	               "amd64_microsoft-windows-s..edsecurityupdatesai_31bf3856ad364e35_"
	               "6.1.7602.26816_none_c8e367b436225c63");
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "amd64_microsoft-windows-s..edsecurityupdatesai_31bf3856ad364e35_none_"
	               "0e8b36cfce2fb332");
}

static void keyform_esu_x86(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-SLC-Component-ExtendedSecurityUpdatesAI",
	                               NULL, NULL, "6.1.7602.20587", PKT_MS, "x86", "nonSxS");
	assert_keyform(&id, SXS_KEYFORM_FULL,
	               "x86_microsoft-windows-s..edsecurityupdatesai_31bf3856ad364e35_"
	               "6.1.7602.20587_none_6c7aa0047dfc36e0");
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "x86_microsoft-windows-s..edsecurityupdatesai_31bf3856ad364e35_none_"
	               "b26c9b4c15d241fc");
}

static void keyform_vc90_crt_winners_hashes_type_without_scope(void **state)
{
	(void)state;
	/* any version: the Winners form leaves it out */
	struct sxs_identity id = ident("Microsoft.VC90.CRT", NULL, "win32", "9.0.30729.7523",
	                               "1fc8b3b9a1e18e3b", "x86", NULL);
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "x86_microsoft.vc90.crt_1fc8b3b9a1e18e3b_none_ea33c8f0b247cd77");
	id.version = (char *)"9.0.21022.8";
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "x86_microsoft.vc90.crt_1fc8b3b9a1e18e3b_none_ea33c8f0b247cd77");
	id.version = NULL;
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "x86_microsoft.vc90.crt_1fc8b3b9a1e18e3b_none_ea33c8f0b247cd77");
}

static void keyform_charmap_en_us_winners(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-Charmap.Resources", "en-US", NULL,
	                               "10.0.26100.1", PKT_MS, "amd64", "nonSxS");
	assert_keyform(&id, SXS_KEYFORM_WINNERS,
	               "amd64_microsoft-windows-charmap.resources_31bf3856ad364e35_en-us_"
	               "e1439e3c41e7211b");
}

static void keyform_dsc_sr_latn_rs_shortens_culture(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft.PowerShell.DSC.Proxy.Resources", "sr-Latn-RS",
	                               NULL, "7.3.7601.16384", PKT_MS, "amd64", "nonSxS");
	/* the name has exactly 40 characters: not shortened */
	assert_keyform(&id, SXS_KEYFORM_FULL,
	               "amd64_microsoft.powershell.dsc.proxy.resources_31bf3856ad364e35_"
	               "7.3.7601.16384_sr-..-rs_8a2f6ac5652a8762");
}

static void keyform_writes_none_for_missing_pkt(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Some.Thing", NULL, NULL, "1.0.0.0", NULL, "x86", NULL);
	char expect[96];
	snprintf(expect, sizeof(expect), "x86_some.thing_none_1.0.0.0_none_%016" PRIx64,
	         sxs_identity_pseudokey(&id, false));
	assert_keyform(&id, SXS_KEYFORM_FULL, expect);
}

static void keyform_refuses_missing_fields_and_leaves_buffer(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	struct sxs_identity id = ident("A", NULL, NULL, NULL, PKT_MS, "x86", NULL);
	sxs_strbuf_adds(&sb, "keep/");
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb), -SXS_EFORMAT);
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_SHORT, &sb), -SXS_EFORMAT);
	id.version = (char *)"1.0.0.0";
	id.arch = NULL;
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_WINNERS, &sb), -SXS_EFORMAT);
	id.arch = (char *)"x86";
	id.name = (char *)"";
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb), -SXS_EFORMAT);
	id.name = (char *)"A";
	assert_int_equal(sxs_identity_keyform(&id, (enum sxs_keyform_kind)7, &sb), -SXS_EINVAL);
	assert_string_equal(sxs_strbuf_str(&sb), "keep/");
	/* success appends */
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb), 0);
	assert_true(strncmp(sxs_strbuf_str(&sb), "keep/x86_a_31bf3856ad364e35_1.0.0.0_none_", 41) == 0);
	sxs_strbuf_release(&sb);
}

static void keyform_reports_out_of_memory(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	struct sxs_identity id = ident("Microsoft-Windows-Core", NULL, NULL, "10.0.26100.1",
	                               PKT_MS, "amd64", "nonSxS");
	sxs_alloc_fail_after(0);
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb), -SXS_ENOMEM);
	sxs_alloc_fail_after(-1);
	sxs_strbuf_release(&sb);
}

static void keyform_field_cleans_and_shortens(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_keyform_field("A (B) c+d", 0, &sb);
	assert_string_equal(sxs_strbuf_str(&sb), "abcd");
	sxs_strbuf_reset(&sb);
	/* 40 characters stay, 41 become 19 + ".." + 19 */
	sxs_keyform_field("0123456789012345678901234567890123456789", 40, &sb);
	assert_string_equal(sxs_strbuf_str(&sb), "0123456789012345678901234567890123456789");
	sxs_strbuf_reset(&sb);
	sxs_keyform_field("0123456789012345678901234567890123456789X", 40, &sb);
	assert_string_equal(sxs_strbuf_str(&sb), "0123456789012345678..234567890123456789x");
	assert_int_equal(sb.len, 40);
	sxs_strbuf_reset(&sb);
	/* dropped characters do not count towards the limit */
	sxs_keyform_field("ab cd ef gh", 8, &sb);
	assert_string_equal(sxs_strbuf_str(&sb), "abcdefgh");
	sxs_strbuf_reset(&sb);
	sxs_keyform_field("abcdefghi", 8, &sb);
	assert_string_equal(sxs_strbuf_str(&sb), "abc..ghi");
	sxs_strbuf_release(&sb);
}

/* ---- canonical appid string ------------------------------------------- */

static void canonical_matches_esu_identity_value(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft-Windows-SLC-Component-ExtendedSecurityUpdatesAI",
	                               "neutral", NULL, "6.1.7602.26816", PKT_MS, "amd64", "nonSxS");
	id.build_type = (char *)"release";
	assert_canonical(&id, "Microsoft-Windows-SLC-Component-ExtendedSecurityUpdatesAI, "
	                      "Culture=neutral, Version=6.1.7602.26816, "
	                      "PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=amd64, "
	                      "versionScope=NonSxS");
}

static void canonical_writes_neutral_for_absent_culture(void **state)
{
	(void)state;
	struct sxs_identity id = ident("N", NULL, NULL, "1.2.3.4", PKT_MS, "x86", NULL);
	const char *expect = "N, Culture=neutral, Version=1.2.3.4, "
	                     "PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=x86";
	assert_canonical(&id, expect);
	id.culture = (char *)"";
	assert_canonical(&id, expect);
	id.culture = (char *)"en-US";
	assert_canonical(&id, "N, Culture=en-US, Version=1.2.3.4, "
	                      "PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=x86");
}

static void canonical_places_type_before_version(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft.VC90.CRT", NULL, "win32", "9.0.30729.7523",
	                               "1fc8b3b9a1e18e3b", "x86", NULL);
	assert_canonical(&id, "Microsoft.VC90.CRT, Culture=neutral, Type=win32, "
	                      "Version=9.0.30729.7523, PublicKeyToken=1fc8b3b9a1e18e3b, "
	                      "ProcessorArchitecture=x86");
	id.version_scope = (char *)"NONSXS";
	id.culture = (char *)"de-DE";
	assert_canonical(&id, "Microsoft.VC90.CRT, Culture=de-DE, Type=win32, "
	                      "Version=9.0.30729.7523, PublicKeyToken=1fc8b3b9a1e18e3b, "
	                      "ProcessorArchitecture=x86, versionScope=NonSxS");
}

static void canonical_refuses_unrepresentable_values(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	struct sxs_identity id = ident("A,B", NULL, NULL, "1.0.0.0", PKT_MS, "x86", NULL);
	assert_int_equal(sxs_identity_canonical(&id, &sb), -SXS_EFORMAT);
	id.name = (char *)"A\nB";
	assert_int_equal(sxs_identity_canonical(&id, &sb), -SXS_EFORMAT);
	id.name = (char *)"A";
	id.version = NULL;
	assert_int_equal(sxs_identity_canonical(&id, &sb), -SXS_EFORMAT);
	assert_int_equal(sb.len, 0);
	sxs_strbuf_release(&sb);
}

/* ---- appid parser ----------------------------------------------------- */

static void parse_round_trips_canonical_strings(void **state)
{
	(void)state;
	static const char *const strings[] = {
		"Microsoft-Windows-SLC-Component-ExtendedSecurityUpdatesAI, Culture=neutral, "
		"Version=6.1.7602.26816, PublicKeyToken=31bf3856ad364e35, "
		"ProcessorArchitecture=amd64, versionScope=NonSxS",
		"Microsoft.VC90.CRT, Culture=neutral, Type=win32, Version=9.0.30729.7523, "
		"PublicKeyToken=1fc8b3b9a1e18e3b, ProcessorArchitecture=x86",
		"Microsoft.PowerShell.DSC.Proxy.Resources, Culture=sr-Latn-RS, Version=7.3.7601.16384, "
		"PublicKeyToken=31bf3856ad364e35, ProcessorArchitecture=amd64, versionScope=NonSxS",
	};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		struct sxs_identity id;
		struct sxs_diag diag = {""};
		assert_int_equal(sxs_identity_parse(strings[i], strlen(strings[i]), &id, &diag), 0);
		assert_canonical(&id, strings[i]);
		sxs_identity_release(&id);
	}
}

static void parse_accepts_any_order_case_and_spaces(void **state)
{
	(void)state;
	const char *s = "  Microsoft-Windows-Core ,processorarchitecture = amd64,VERSIONSCOPE=nonSxS,"
	                " publicKeyToken=31bf3856ad364e35 , version=10.0.26100.1, Language=neutral,"
	                " buildType=release";
	struct sxs_identity id;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	assert_int_equal(sxs_identity_parse(s, strlen(s), &id, NULL), 0);
	assert_string_equal(id.name, "Microsoft-Windows-Core");
	assert_string_equal(id.arch, "amd64");
	assert_string_equal(id.culture, "neutral");
	assert_string_equal(id.build_type, "release");
	assert_int_equal(sxs_identity_keyform(&id, SXS_KEYFORM_FULL, &sb), 0);
	assert_string_equal(sxs_strbuf_str(&sb),
	                    "amd64_microsoft-windows-core_31bf3856ad364e35_10.0.26100.1_none_"
	                    "a943f5e781a44c5c");
	sxs_strbuf_release(&sb);
	sxs_identity_release(&id);
}

static void parse_reads_unterminated_registry_bytes(void **state)
{
	(void)state;
	/* REG_BINARY values carry no NUL: only len bytes may be read */
	const char buf[] = "A, Version=1.0.0.0, ProcessorArchitecture=x86GARBAGE";
	struct sxs_identity id;
	assert_int_equal(sxs_identity_parse(buf, strlen(buf) - 7, &id, NULL), 0);
	assert_string_equal(id.arch, "x86");
	sxs_identity_release(&id);
}

static void parse_rejects_garbage_with_diag(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"   ",
		"Name",
		"Name, Version=1.0.0.0",
		"Name, ProcessorArchitecture=x86",
		", Version=1.0.0.0, ProcessorArchitecture=x86",
		"Name,, Version=1.0.0.0, ProcessorArchitecture=x86",
		"Name, Version=1.0.0.0, ProcessorArchitecture=x86,",
		"Name, Version=1.0.0.0, ProcessorArchitecture=x86, Foo=bar",
		"Name, Version=1.0.0.0, Version=2.0.0.0, ProcessorArchitecture=x86",
		"Name, Culture=neutral, Language=neutral, Version=1.0.0.0, ProcessorArchitecture=x86",
		"Name, Version=, ProcessorArchitecture=x86",
		"Name, Version, ProcessorArchitecture=x86",
		"Name, =1, Version=1.0.0.0, ProcessorArchitecture=x86",
		"Na\tme, Version=1.0.0.0, ProcessorArchitecture=x86",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sxs_identity id = {0};
		struct sxs_diag diag = {""};
		assert_int_equal(sxs_identity_parse(bad[i], strlen(bad[i]), &id, &diag), -SXS_EFORMAT);
		assert_true(strncmp(diag.msg, "identity: ", 10) == 0);
		assert_null(id.name); /* untouched on failure */
	}
	/* an embedded NUL is a control character */
	struct sxs_identity id;
	assert_int_equal(sxs_identity_parse("A\0, Version=1, ProcessorArchitecture=x", 38, &id, NULL),
	                 -SXS_EFORMAT);
}

static void parse_rejects_oversized_string(void **state)
{
	(void)state;
	static char big[SXS_MAX_IDENTITY_STRING + 2];
	struct sxs_identity id;
	struct sxs_diag diag = {""};
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(sxs_identity_parse(big, sizeof(big) - 1, &id, &diag), -SXS_ELIMIT);
	assert_true(diag.msg[0] != '\0');
}

static void parse_cleans_up_on_allocation_failure(void **state)
{
	(void)state;
	const char *s = "N, Culture=en-US, Type=win32, Version=1.0.0.0, PublicKeyToken=" PKT_MS
	                ", ProcessorArchitecture=x86, versionScope=NonSxS, BuildType=release";
	for (long n = 0;; n++) {
		struct sxs_identity id;
		sxs_alloc_fail_after(n);
		int err = sxs_identity_parse(s, strlen(s), &id, NULL);
		sxs_alloc_fail_after(-1);
		if (err == 0) {
			assert_true(n >= 8);
			sxs_identity_release(&id);
			break;
		}
		assert_int_equal(err, -SXS_ENOMEM);
	}
}

static void identity_copy_is_deep(void **state)
{
	(void)state;
	const char *s = "N, Culture=en-US, Version=1.0.0.0, ProcessorArchitecture=x86";
	struct sxs_identity a, b;
	assert_int_equal(sxs_identity_parse(s, strlen(s), &a, NULL), 0);
	assert_int_equal(sxs_identity_copy(&b, &a), 0);
	assert_ptr_not_equal(a.name, b.name);
	assert_string_equal(b.culture, "en-US");
	assert_null(b.type);
	sxs_identity_release(&a);
	assert_string_equal(b.name, "N");
	sxs_identity_release(&b);
	assert_null(b.name);
	sxs_identity_release(NULL);

	for (long n = 0; n < 4; n++) {
		assert_int_equal(sxs_identity_parse(s, strlen(s), &a, NULL), 0);
		sxs_alloc_fail_after(n);
		assert_int_equal(sxs_identity_copy(&b, &a), -SXS_ENOMEM);
		sxs_alloc_fail_after(-1);
		sxs_identity_release(&a);
	}
}

/* ---- key form splitting ----------------------------------------------- */

static void split_reads_full_form_with_underscore_in_name(void **state)
{
	(void)state;
	struct sxs_keyform_parts p;
	assert_int_equal(sxs_keyform_split("amd64_dual_netvg63a.inf_31bf3856ad364e35_"
	                                   "10.0.26100.1_none_0123456789ABCDEF", &p), 0);
	assert_int_equal(p.kind, SXS_KEYFORM_FULL);
	assert_string_equal(p.arch, "amd64");
	assert_string_equal(p.name, "dual_netvg63a.inf");
	assert_string_equal(p.pkt, PKT_MS);
	assert_string_equal(p.version, "10.0.26100.1");
	assert_string_equal(p.culture, "none");
	assert_int_equal(p.hash, 0x0123456789abcdefull);
}

static void split_reads_winners_and_short_forms(void **state)
{
	(void)state;
	struct sxs_keyform_parts p;
	assert_int_equal(sxs_keyform_split("x86_microsoft.vc90.crt_1fc8b3b9a1e18e3b_none_"
	                                   "ea33c8f0b247cd77", &p), 0);
	assert_int_equal(p.kind, SXS_KEYFORM_WINNERS);
	assert_string_equal(p.arch, "x86");
	assert_string_equal(p.name, "microsoft.vc90.crt");
	assert_string_equal(p.version, "");
	assert_int_equal(p.hash, 0xea33c8f0b247cd77ull);

	assert_int_equal(sxs_keyform_split("microsoft-w..-deployment_31bf3856ad364e35_"
	                                   "10.0.20348.2849_f8f9ef63a3376fad", &p), 0);
	assert_int_equal(p.kind, SXS_KEYFORM_SHORT);
	assert_string_equal(p.arch, "");
	assert_string_equal(p.name, "microsoft-w..-deployment");
	assert_string_equal(p.version, "10.0.20348.2849");
	assert_string_equal(p.culture, "");
	assert_int_equal(p.hash, 0xf8f9ef63a3376fadull);
}

static void split_round_trips_generated_key_forms(void **state)
{
	(void)state;
	struct sxs_identity id = ident("Microsoft.PowerShell.DSC.Proxy.Resources.Extra",
	                               "sr-Latn-RS", NULL, "7.3.7601.16384", PKT_MS, "wow64", NULL);
	static const enum sxs_keyform_kind kinds[] = {SXS_KEYFORM_FULL, SXS_KEYFORM_WINNERS,
	                                              SXS_KEYFORM_SHORT};
	for (size_t i = 0; i < 3; i++) {
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		struct sxs_keyform_parts p;
		assert_int_equal(sxs_identity_keyform(&id, kinds[i], &sb), 0);
		assert_int_equal(sxs_keyform_split(sxs_strbuf_str(&sb), &p), 0);
		assert_int_equal(p.kind, kinds[i]);
		assert_int_equal(p.hash, sxs_identity_pseudokey(&id, kinds[i] == SXS_KEYFORM_WINNERS));
		assert_string_equal(p.pkt, PKT_MS);
		if (kinds[i] != SXS_KEYFORM_SHORT) {
			assert_string_equal(p.arch, "wow64");
			assert_string_equal(p.culture, "sr-..-rs");
			assert_string_equal(p.name, "microsoft.powershel..oxy.resources.extra");
		}
		sxs_strbuf_release(&sb);
	}
}

static void split_rejects_malformed_key_forms(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"amd64",
		"amd64_name_31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5",   /* 15 hex */
		"amd64_name_31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5cc", /* 17 hex */
		"amd64_name_31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5g",
		"amd64_name_31bf3856ad364e3_10.0.1.1_none_a943f5e781a44c5c",   /* short pkt */
		"amd64_name_31bf3856ad364e35_10.0.1_none_a943f5e781a44c5c",    /* 3 parts */
		"amd64_name_31bf3856ad364e35_10.0.1.123456_none_a943f5e781a44c5c",
		"amd64_name_31bf3856ad364e35_10.0.1.1_toolongcul_a943f5e781a44c5c",
		"_name_31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5c",       /* no arch */
		"amd64__31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5c",      /* no name */
		"am/d64_name_31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5c",
		"amd64_na/me_31bf3856ad364e35_10.0.1.1_none_a943f5e781a44c5c",
		"amd64_0123456789012345678901234567890123456789x_31bf3856ad364e35_10.0.1.1_none_"
		"a943f5e781a44c5c", /* 41-character name */
		"name_31bf3856ad364e35_10.0.1.1_a943f5e781a44c5c_x",
		"0123456789012345678901234_31bf3856ad364e35_10.0.1.1_f8f9ef63a3376fad",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sxs_keyform_parts p;
		if (sxs_keyform_split(bad[i], &p) != -SXS_EFORMAT)
			fail_msg("accepted '%s'", bad[i]);
	}
}

/* ---- f! value names --------------------------------------------------- */

static void file_value_names_match_real_values(void **state)
{
	(void)state;
	assert_value_name("windows.media.speech.dll", "f!windows.media.speech.dll");
	assert_value_name("windows.media.speech.uxres.dll",
	                  "f!windows.media.speech.uxre_be5691ea15f31de0");
	assert_value_name("SpeechServiceWinRTApi.ProxyStub.dll",
	                  "f!speechservicewinrtapi.pro_8c91080d80fe0a71");
	assert_value_name("Windows.Speech.Pal.Desktop.dll",
	                  "f!windows.speech.pal.deskto_ac8ec17bda61895c");
	assert_value_name("sapi_onecore.dll", "f!sapi_onecore.dll_fd2920efaedb8a9f");
}

static void file_value_name_limit_is_25_code_units(void **state)
{
	(void)state;
	char expect[64];
	/* 25 characters: verbatim; 26: cut and hashed */
	assert_value_name("ABCDEFGHIJKLMNOPQRSTU.DLL", "f!abcdefghijklmnopqrstu.dll");
	snprintf(expect, sizeof(expect), "f!abcdefghijklmnopqrstuv.dl_%016" PRIx64,
	         h("abcdefghijklmnopqrstuv.dll"));
	assert_value_name("ABCDEFGHIJKLMNOPQRSTUV.DLL", expect);
	/* non-ASCII letters are lower-cased too */
	assert_value_name("\xc3\x89T\xc3\x89.TXT", "f!\xc3\xa9t\xc3\xa9.txt");
	/* a surrogate pair cut at the limit leaves U+FFFD */
	snprintf(expect, sizeof(expect), "f!aaaaaaaaaaaaaaaaaaaaaaaa\xef\xbf\xbd_%016" PRIx64,
	         h("aaaaaaaaaaaaaaaaaaaaaaaa\xf0\x9f\x98\x80"));
	assert_value_name("aaaaaaaaaaaaaaaaaaaaaaaa\xf0\x9f\x98\x80", expect);

	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	assert_int_equal(sxs_file_value_name("", &sb), -SXS_EINVAL);
	sxs_strbuf_release(&sb);
}

/* ---- versions --------------------------------------------------------- */

static void version_compare_is_numeric(void **state)
{
	(void)state;
	assert_int_equal(sxs_version_compare("10.0.2.1", "10.0.10.1"), -1);
	assert_int_equal(sxs_version_compare("10.0.10.1", "10.0.2.1"), 1);
	assert_int_equal(sxs_version_compare("6.1.7601.17514", "6.1.7601.17514"), 0);
	assert_int_equal(sxs_version_compare("6.1.7601.017514", "6.1.7601.17514"), 0);
	assert_int_equal(sxs_version_compare("1.0", "1.0.0.0"), 0);
	assert_int_equal(sxs_version_compare("1.0.0.1", "1.0"), 1);
	assert_int_equal(sxs_version_compare("", "0.0.0.0"), 0);
	assert_int_equal(sxs_version_compare("99999999999999999999.0", "100000000000000000000.0"), -1);
	/* not numbers: still a total, deterministic order */
	assert_int_equal(sxs_version_compare("1.0a", "1.0b"), -1);
	assert_int_equal(sxs_version_compare("1.0", "1.0a"), -1);
	assert_int_equal(sxs_version_compare("1.x", "1.x"), 0);
}

static void version_band_takes_two_parts(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(sxs_version_band("10.0.20348.2849", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.0");
	assert_int_equal(sxs_version_band("6.1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.1");
	assert_int_equal(sxs_version_band("10.0.1.1", buf, 4), -SXS_ELIMIT);
	assert_int_equal(sxs_version_band("10.0.1.1", buf, 5), 0);
	assert_int_equal(sxs_version_band("10", buf, sizeof(buf)), -SXS_EFORMAT);
	assert_int_equal(sxs_version_band("10.", buf, sizeof(buf)), -SXS_EFORMAT);
	assert_int_equal(sxs_version_band(".1.2", buf, sizeof(buf)), -SXS_EFORMAT);
	assert_int_equal(sxs_version_band("1.2x", buf, sizeof(buf)), -SXS_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_reproduces_worked_example_strings),
		cmocka_unit_test(hash_combines_lanes_with_powers_of_p),
		cmocka_unit_test(hash_ignores_case),
		cmocka_unit_test(hash_counts_utf16_code_units),
		cmocka_unit_test(hash_reads_invalid_utf8_as_replacement_chars),
		cmocka_unit_test(pseudokey_reproduces_worked_example_steps),
		cmocka_unit_test(pseudokey_skips_neutral_none_empty_and_build_type),
		cmocka_unit_test(keyform_core_full_and_winners),
		cmocka_unit_test(keyform_dedup_service_full),
		cmocka_unit_test(keyform_dedup_deployment_short_form),
		cmocka_unit_test(keyform_esu_amd64_shortens_name_to_40),
		cmocka_unit_test(keyform_esu_x86),
		cmocka_unit_test(keyform_vc90_crt_winners_hashes_type_without_scope),
		cmocka_unit_test(keyform_charmap_en_us_winners),
		cmocka_unit_test(keyform_dsc_sr_latn_rs_shortens_culture),
		cmocka_unit_test(keyform_writes_none_for_missing_pkt),
		cmocka_unit_test(keyform_refuses_missing_fields_and_leaves_buffer),
		cmocka_unit_test(keyform_reports_out_of_memory),
		cmocka_unit_test(keyform_field_cleans_and_shortens),
		cmocka_unit_test(canonical_matches_esu_identity_value),
		cmocka_unit_test(canonical_writes_neutral_for_absent_culture),
		cmocka_unit_test(canonical_places_type_before_version),
		cmocka_unit_test(canonical_refuses_unrepresentable_values),
		cmocka_unit_test(parse_round_trips_canonical_strings),
		cmocka_unit_test(parse_accepts_any_order_case_and_spaces),
		cmocka_unit_test(parse_reads_unterminated_registry_bytes),
		cmocka_unit_test(parse_rejects_garbage_with_diag),
		cmocka_unit_test(parse_rejects_oversized_string),
		cmocka_unit_test(parse_cleans_up_on_allocation_failure),
		cmocka_unit_test(identity_copy_is_deep),
		cmocka_unit_test(split_reads_full_form_with_underscore_in_name),
		cmocka_unit_test(split_reads_winners_and_short_forms),
		cmocka_unit_test(split_round_trips_generated_key_forms),
		cmocka_unit_test(split_rejects_malformed_key_forms),
		cmocka_unit_test(file_value_names_match_real_values),
		cmocka_unit_test(file_value_name_limit_is_25_code_units),
		cmocka_unit_test(version_compare_is_numeric),
		cmocka_unit_test(version_band_takes_two_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
