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
#include "util/strbuf.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_rejects_read_past_end),
		cmocka_unit_test(strbuf_grows_and_formats),
		cmocka_unit_test(strbuf_oom_is_sticky),
		cmocka_unit_test(hex_round_trips),
		cmocka_unit_test(base64_is_strict),
		cmocka_unit_test(sha256_of_abc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
