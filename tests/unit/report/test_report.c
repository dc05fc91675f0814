/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/utf8.h"

static const char hostile[] = "evil\n'$(rm -rf /)`id`\"\\\xff\xfe.dll";

static void text_escape_keeps_one_line(void **state)
{
	(void)state;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_report_text_escape(&sb, hostile);
	assert_null(strchr(sxs_strbuf_str(&sb), '\n'));
	assert_non_null(strstr(sxs_strbuf_str(&sb), "evil\\n"));
	assert_non_null(strstr(sxs_strbuf_str(&sb), "\\xff\\xfe"));
	sxs_strbuf_release(&sb);
}

static void utf8_validation(void **state)
{
	(void)state;
	assert_true(sxs_utf8_valid("plain", 5));
	assert_true(sxs_utf8_valid("\xc3\xa9", 2));
	assert_false(sxs_utf8_valid("\xc0\xaf", 2));        /* overlong */
	assert_false(sxs_utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
	assert_false(sxs_utf8_valid("\xe2\x82", 2));        /* truncated */
	assert_false(sxs_utf8_valid("a\0b", 3));
}

static struct json_object *parse_strict(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void json_report_is_valid_for_hostile_names(void **state)
{
	(void)state;
	struct sxs_model m;
	struct sxs_findings f;
	struct sxs_strbuf out = SXS_STRBUF_INIT;
	sxs_model_init(&m);
	sxs_findings_init(&f);
	m.image = sxs_strdup(hostile);
	struct sxs_finding *fd = sxs_findings_add(&f, SXS_F_PAYLOAD_HASH_MISMATCH, hostile, hostile,
	                                          "hashes for file member '%s' do not match", hostile);
	assert_non_null(fd);
	assert_int_equal(sxs_finding_set(&fd->expected, "00"), 0);
	assert_int_equal(sxs_finding_add_version(fd, hostile), 0);
	assert_int_equal(sxs_report_scan_json(&out, &m, &f), 0);
	struct json_object *doc = parse_strict(sxs_strbuf_str(&out));
	assert_non_null(doc);
	struct json_object *arr, *first, *id;
	assert_true(json_object_object_get_ex(doc, "findings", &arr));
	first = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(first, "id", &id));
	assert_string_equal(json_object_get_string(id), "payload-hash-mismatch");
	json_object_put(doc);

	sxs_strbuf_reset(&out);
	assert_int_equal(sxs_report_scan_text(&out, &m, &f), 0);
	/* the finding is one line: header lines, blank, finding, blank, summary */
	const char *s = sxs_strbuf_str(&out);
	const char *line = strstr(s, "error   payload-hash-mismatch");
	assert_non_null(line);
	const char *nl = strchr(line, '\n');
	assert_non_null(nl);
	assert_true(nl[1] == '\n');
	sxs_strbuf_release(&out);
	sxs_findings_release(&f);
	sxs_model_release(&m);
}

static void map_is_case_insensitive_when_asked(void **state)
{
	(void)state;
	struct sxs_map m;
	int a, b;
	sxs_map_init(&m, true);
	assert_int_equal(sxs_map_put(&m, "Kernel32.DLL", 12, &a), 0);
	assert_ptr_equal(sxs_map_get(&m, "kernel32.dll", 12), &a);
	for (int i = 0; i < 5000; i++) {
		char k[32];
		int n = snprintf(k, sizeof(k), "key%d", i);
		assert_int_equal(sxs_map_put(&m, k, (size_t)n, &b), 0);
	}
	assert_int_equal(m.count, 5001);
	assert_ptr_equal(sxs_map_get(&m, "KEY4999", 7), &b);
	assert_null(sxs_map_get(&m, "key5000", 7));
	sxs_map_release(&m);
	sxs_map_init(&m, false);
	assert_int_equal(sxs_map_put(&m, "A", 1, &a), 0);
	assert_null(sxs_map_get(&m, "a", 1));
	sxs_map_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_escape_keeps_one_line),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(json_report_is_valid_for_hostile_names),
		cmocka_unit_test(map_is_case_insensitive_when_asked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
