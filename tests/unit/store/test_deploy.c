/* SPDX-License-Identifier: MIT */
/* Deployment marks (packages.md §5.2), verified on the three real names it quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/deploy.h"
#include "store/forms.h"
#include "util/alloc.h"

/* Mark data: u32 length, u32 flag, the string, one byte more when flag is 1. */
static size_t mark_data(uint8_t *out, const char *s, uint32_t flag, uint8_t extra)
{
	uint32_t len = (uint32_t)strlen(s);
	for (int i = 0; i < 4; i++) {
		out[i] = (uint8_t)(len >> (8 * i));
		out[4 + i] = (uint8_t)(flag >> (8 * i));
	}
	memcpy(out + 8, s, len);
	if (flag == 1)
		out[8 + len] = extra;
	return 8 + len + (flag == 1);
}

static void check_real(const char *name, const char *s, uint32_t flag, const char *pkg,
                       const char *update)
{
	uint8_t data[512];
	struct sxs_mark mk;
	size_t len = mark_data(data, s, flag, 0x32);
	assert_int_equal(sxs_mark_parse(name, data, len, &mk), 0);
	assert_true(mk.data_ok);
	assert_true(mk.name_ok);
	assert_null(mk.problem);
	assert_int_equal(mk.kind, name[0]);
	assert_string_equal(mk.package, pkg);
	assert_string_equal(mk.update, update);
	sxs_mark_release(&mk);
	/* and the name is recomputed exactly */
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_mark_name(name[0], s, strlen(s), &sb);
	assert_string_equal(sxs_strbuf_str(&sb), name);
	sxs_strbuf_release(&sb);
}

static void real_mark_names_verify(void **state)
{
	(void)state;
	/* 17763, SFCFixScriptBuilder's README example */
	check_real("p!CBS_microsoft-windows-netfx4-oc-package~31bf3856ad364e35~amd64~~_13acec2cc6eef42a",
	           "Microsoft-Windows-NetFx4-OC-Package~31bf3856ad364e35~amd64~~10.0.17763.1.NetFx4", 0,
	           "Microsoft-Windows-NetFx4-OC-Package~31bf3856ad364e35~amd64~~10.0.17763.1", "NetFx4");
	/* Vista pending.xml fragments (VPX): data 51 00 00 00 01 00 00 00 + 81 bytes + 0x32 */
	check_real("p!CBS_package_4_for_kb948610~31bf3856ad364e35~x86~~6.0.6001.2123.9_ea595459ef79236f",
	           "Package_4_for_KB948610~31bf3856ad364e35~x86~~6.0.6001.2123.948610-236_neutral_GDR", 1,
	           "Package_4_for_KB948610~31bf3856ad364e35~x86~~6.0.6001.2123", "948610-236_neutral_GDR");
	check_real("i!CBS_package_4_for_kb948610~31bf3856ad364e35~x86~~6.0.6001.2123.9_9239eb5df3a843a1",
	           "Package_4_for_KB948610~31bf3856ad364e35~x86~~6.0.6001.2123.948610-238_neutral_GDR", 1,
	           "Package_4_for_KB948610~31bf3856ad364e35~x86~~6.0.6001.2123", "948610-238_neutral_GDR");
}

static void edited_mark_names_are_caught(void **state)
{
	(void)state;
	uint8_t data[512];
	struct sxs_mark mk;
	const char *s = "Microsoft-Windows-NetFx4-OC-Package~31bf3856ad364e35~amd64~~10.0.17763.1.NetFx4";
	size_t len = mark_data(data, s, 0, 0);
	/* one hex digit of the hash changed */
	assert_int_equal(sxs_mark_parse("i!CBS_microsoft-windows-netfx4-oc-package~31bf3856ad364e35~amd64~~_13acec2cc6eef42b",
	                                data, len, &mk), 0);
	assert_true(mk.data_ok);
	assert_false(mk.name_ok);
	assert_non_null(strstr(mk.problem, "_13acec2cc6eef42a"));
	sxs_mark_release(&mk);
	/* a length field that lies */
	data[0] = 0xff;
	assert_int_equal(sxs_mark_parse("s!CBS_x", data, len, &mk), 0);
	assert_false(mk.data_ok);
	assert_false(mk.name_ok);
	assert_null(mk.package);
	sxs_mark_release(&mk);
	/* flag 1 without the extra byte */
	len = mark_data(data, s, 1, 0) - 1;
	assert_int_equal(sxs_mark_parse("p!CBS_microsoft-windows-netfx4-oc-package~31bf3856ad364e35~amd64~~_13acec2cc6eef42a",
	                                data, len, &mk), 0);
	assert_false(mk.data_ok);
	assert_true(mk.name_ok);
	sxs_mark_release(&mk);
	/* too short for its header */
	assert_int_equal(sxs_mark_parse("p!x", data, 3, &mk), 0);
	assert_false(mk.data_ok);
	sxs_mark_release(&mk);
	/* not a mark */
	assert_int_equal(sxs_mark_parse("appid", data, len, &mk), -SXS_EINVAL);
	assert_int_equal(sxs_mark_parse("CatalogThumbprint", data, len, &mk), -SXS_EINVAL);
}

static void short_strings_may_lack_the_suffix(void **state)
{
	(void)state;
	uint8_t data[128];
	struct sxs_mark mk;
	const char *s = "A~31bf3856ad364e35~amd64~~1.0.0.0.U";
	size_t len = mark_data(data, s, 0, 0);
	assert_int_equal(sxs_mark_parse("i!CBS_a~31bf3856ad364e35~amd64~~1.0.0.0.u", data, len, &mk), 0);
	assert_true(mk.name_ok);
	sxs_mark_release(&mk);
}

static void mark_split_rules(void **state)
{
	(void)state;
	char *p = NULL, *u = NULL;
	/* an update name with dots: cut after the four version numbers, not at the last dot */
	const char *s = "Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1613.1.5.17763-1613.x.y";
	assert_int_equal(sxs_mark_split(s, strlen(s), &p, &u), 0);
	assert_string_equal(p, "Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.1613.1.5");
	assert_string_equal(u, "17763-1613.x.y");
	sxs_free(p);
	sxs_free(u);
	static const char *const bad[] = {
		"no tildes at all.x", "A~b~c~d~1.2.3.4", "A~b~c~d~1.2.3.4.", "A~b~c~d~1.2.3.x.upd",
		"A~b~c~1.2.3.4.upd", "~b~c~d~1.2.3.4.upd", "A~b~c~d~123456.2.3.4.upd",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(sxs_mark_split(bad[i], strlen(bad[i]), &p, &u), -SXS_EFORMAT);
}

static void reparse_attribute_decoders(void **state)
{
	(void)state;
	uint32_t tag = 0;
	/* ntfs-3g's system.ntfs_reparse_data: the reparse buffer, tag first */
	const uint8_t wof[] = {0x17, 0x00, 0x00, 0x80, 0x10, 0x00, 0x00, 0x00};
	assert_true(sxs_reparse_from_data(wof, sizeof(wof), &tag));
	assert_int_equal(tag, SXS_REPARSE_TAG_WOF);
	assert_false(sxs_reparse_from_data(wof, 3, &tag));
	const uint8_t zero[4] = {0};
	assert_false(sxs_reparse_from_data(zero, 4, &tag));
	/* ntfs3's system.ntfs_attrib: FILE_ATTRIBUTE_REPARSE_POINT */
	const uint8_t rp[4] = {0x20, 0x04, 0x00, 0x00}, plain[4] = {0x20, 0x00, 0x00, 0x00};
	assert_true(sxs_reparse_from_attrib(rp, 4));
	assert_false(sxs_reparse_from_attrib(plain, 4));
	assert_false(sxs_reparse_from_attrib(rp, 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_mark_names_verify),
		cmocka_unit_test(edited_mark_names_are_caught),
		cmocka_unit_test(short_strings_may_lack_the_suffix),
		cmocka_unit_test(mark_split_rules),
		cmocka_unit_test(reparse_attribute_decoders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
