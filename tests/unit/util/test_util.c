/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "digest/digest.h"
#include "util/alloc.h"
#include "util/bytes.h"
#include "util/hex.h"
#include "util/status.h"
#include "util/strbuf.h"
#include "util/version.h"

static void reader_rejects_read_past_end(void **state)
{
	(void)state;
	const uint8_t data[5] = {1, 2, 3, 4, 5};
	struct sxs_reader r;
	uint32_t v;
	uint16_t w;
	sxs_reader_init(&r, data, sizeof(data));
	assert_int_equal(sxs_reader_u32(&r, &v), 0);
	assert_int_equal(v, 0x04030201);
	assert_int_equal(sxs_reader_u16(&r, &w), -SXS_ETRUNC);
	assert_int_equal(sxs_reader_offset(&r), 4); /* cursor unchanged */
	assert_int_equal(sxs_reader_skip(&r, 2), -SXS_ETRUNC);
	assert_int_equal(sxs_reader_seek(&r, 6), -SXS_ETRUNC);
}

static void strbuf_grows_and_formats(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	for (int i = 0; i < 1000; i++)
		sxs_strbuf_addf(&sb, "%d,", i);
	assert_int_equal(sxs_strbuf_error(&sb), 0);
	assert_true(strncmp(sxs_strbuf_str(&sb), "0,1,2,", 6) == 0);
	assert_int_equal(sb.len, strlen(sb.buf));
	sxs_strbuf_release(&sb);
}

static void strbuf_oom_is_sticky(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_alloc_fail_after(0);
	sxs_strbuf_adds(&sb, "abc");
	sxs_alloc_fail_after(-1);
	sxs_strbuf_adds(&sb, "def");
	assert_int_equal(sxs_strbuf_error(&sb), -SXS_ENOMEM);
	assert_null(sxs_strbuf_detach(&sb, NULL));
}

static void hex_round_trips(void **state)
{
	(void)state;
	uint8_t in[3] = {0x00, 0xab, 0xff}, out[3];
	char hex[7];
	sxs_hex_encode(in, 3, hex);
	assert_string_equal(hex, "00abff");
	assert_int_equal(sxs_hex_decode("00ABff", 6, out, 3), 0);
	assert_memory_equal(in, out, 3);
	assert_int_equal(sxs_hex_decode("00ABfg", 6, out, 3), -SXS_EFORMAT);
}

static void base64_is_strict(void **state)
{
	(void)state;
	uint8_t out[32];
	size_t n;
	assert_int_equal(sxs_base64_decode("YWJj", 4, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(sxs_base64_decode("YQ==", 4, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sxs_base64_decode("YQ=", 3, out, sizeof(out), &n), -SXS_EFORMAT);
	assert_int_equal(sxs_base64_decode("Y!==", 4, out, sizeof(out), &n), -SXS_EFORMAT);
	assert_int_equal(sxs_base64_decode("YWJj", 4, out, 2, &n), -SXS_ELIMIT);
	char enc[SXS_BASE64_LEN(5) + 1];
	sxs_base64_encode((const uint8_t *)"abcde", 5, enc);
	assert_string_equal(enc, "YWJjZGU=");
	sxs_base64_encode((const uint8_t *)"\xc4\x92", 2, enc);
	assert_string_equal(enc, "xJI=");
	assert_int_equal(sxs_base64_decode(enc, strlen(enc), out, sizeof(out), &n), 0);
	assert_memory_equal(out, "\xc4\x92", 2);
	sxs_base64_encode((const uint8_t *)"", 0, enc);
	assert_string_equal(enc, "");
}

static void sha256_of_abc(void **state)
{
	(void)state;
	uint8_t d[SXS_DIGEST_MAX];
	size_t n;
	char hex[65];
	assert_int_equal(sxs_digest_buffer(SXS_DIGEST_SHA256, "abc", 3, d, &n), 0);
	assert_int_equal(n, 32);
	sxs_hex_encode(d, n, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(sxs_crc32(0, "123456789", 9), 0xCBF43926u);
}

static void version_parses_canonical_text_only(void **state)
{
	(void)state;
	struct sxs_version v;
	char buf[SXS_VERSION_STR_MAX];
	assert_int_equal(sxs_version_parse("10.0.17763.1613", &v), 0);
	assert_int_equal(v.nparts, 4);
	assert_int_equal(v.part[2], 17763);
	assert_string_equal(sxs_version_format(&v, buf), "10.0.17763.1613");
	assert_int_equal(sxs_version_parse("65535.0.0.65535", &v), 0);
	assert_string_equal(sxs_version_format(&v, buf), "65535.0.0.65535");
	/* every name that is not exactly a version: the delimiter of defect 4 too */
	static const char *const bad[] = {
		"", "10", "10.0", "10.0.17763", "10.0.17763.1613.1", "10.0.17763.01", "010.0.1.1",
		"10.0.17763.65536", "10.0.17763.99999999999", "+1.0.0.0", "-1.0.0.0", " 1.0.0.0",
		"1.0.0.0 ", "1..0.0", "1.0.0.", ".1.0.0", "1.0.0.a", "SXSCHECK_HIVEX", "1.0.0.0\n",
		"1,0,0,0", "\xef\xbc\x91.0.0.0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(sxs_version_parse(bad[i], &v), -SXS_EFORMAT);
	assert_int_equal(sxs_version_parse(NULL, &v), -SXS_EFORMAT);
	/* a NUL inside the given length is not a version either */
	assert_int_equal(sxs_version_parse_parts("1.0\0.0.0", 8, 4, &v), -SXS_EFORMAT);
	assert_false(sxs_version_valid("10.0"));
	assert_true(sxs_band_valid("10.0"));
	assert_false(sxs_band_valid("10.0.1.1"));
	assert_false(sxs_band_valid("10.00"));
	assert_true(sxs_band_valid("6.1"));
}

static void version_orders_numerically(void **state)
{
	(void)state;
	struct sxs_version a, b, band;
	assert_int_equal(sxs_version_parse("10.0.17763.1613", &a), 0);
	assert_int_equal(sxs_version_parse("10.0.17763.999", &b), 0);
	assert_int_equal(sxs_version_cmp(&a, &b), 1);
	assert_int_equal(sxs_version_cmp(&b, &a), -1);
	assert_int_equal(sxs_version_cmp(&a, &a), 0);
	assert_int_equal(sxs_band_parse("10.0", &band), 0);
	assert_true(sxs_version_in_band(&a, &band));
	assert_int_equal(sxs_version_cmp(&band, &a), -1); /* fewer parts first */
	struct sxs_version ab = sxs_version_band_of(&a);
	assert_int_equal(sxs_version_cmp(&ab, &band), 0);
	assert_int_equal(sxs_band_parse("6.1", &band), 0);
	assert_false(sxs_version_in_band(&a, &band));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_rejects_read_past_end),
		cmocka_unit_test(strbuf_grows_and_formats),
		cmocka_unit_test(strbuf_oom_is_sticky),
		cmocka_unit_test(hex_round_trips),
		cmocka_unit_test(base64_is_strict),
		cmocka_unit_test(sha256_of_abc),
		cmocka_unit_test(version_parses_canonical_text_only),
		cmocka_unit_test(version_orders_numerically),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
