/* SPDX-License-Identifier: MIT */
/*
 * sxs_pe_find_resource on a tiny PE32+ image built here, field by field,
 * and on hostile variants of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pa30/pa30.h"

#define PE_SIZE 0x400
#define LFANEW 0x40
#define COFF (LFANEW + 4)
#define OPT (COFF + 20)
#define OPT_SIZE 240 /* PE32+: 112 bytes + 16 data directories */
#define SECTIONS (OPT + OPT_SIZE)
#define RSRC_FILE 0x200 /* file offset of .rsrc */
#define RSRC_RVA 0x1000

/* resource layout, offsets relative to the resource root */
#define ROOT 0x00
#define TYPE_DIR 0x20  /* type 0x266 */
#define NAME_DIR 0x38  /* id 1 */
#define DATA_ENTRY 0x50
#define TYPE3_DIR 0x60 /* type 3 */
#define TYPE3_NAME 0x78
#define PAYLOAD 0xA0

static const char payload[] = "<?xml base manifest?>";

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* IMAGE_RESOURCE_DIRECTORY with `n` ID entries, then the entries. */
static void res_dir(uint8_t *rsrc, uint32_t off, uint16_t n)
{
	memset(rsrc + off, 0, 16);
	put16(rsrc + off + 12, 0); /* NumberOfNamedEntries */
	put16(rsrc + off + 14, n); /* NumberOfIdEntries */
}

static void res_entry(uint8_t *rsrc, uint32_t dir, unsigned i, uint32_t id, uint32_t target)
{
	put32(rsrc + dir + 16 + 8 * i, id);         /* Name / Id */
	put32(rsrc + dir + 16 + 8 * i + 4, target); /* OffsetToData (high bit: dir) */
}

static void build_pe(uint8_t *pe)
{
	uint8_t *rsrc = pe + RSRC_FILE;
	memset(pe, 0, PE_SIZE);
	pe[0] = 'M', pe[1] = 'Z';                 /* DOS signature */
	put32(pe + 0x3C, LFANEW);                 /* e_lfanew */
	memcpy(pe + LFANEW, "PE\0\0", 4);         /* PE signature */
	put16(pe + COFF, 0x8664);                 /* Machine: AMD64 */
	put16(pe + COFF + 2, 1);                  /* NumberOfSections */
	put16(pe + COFF + 16, OPT_SIZE);          /* SizeOfOptionalHeader */
	put16(pe + OPT, 0x20B);                   /* Magic: PE32+ */
	put32(pe + OPT + 108, 16);                /* NumberOfRvaAndSizes */
	put32(pe + OPT + 112 + 2 * 8, RSRC_RVA);  /* DataDirectory[RESOURCE].VirtualAddress */
	put32(pe + OPT + 112 + 2 * 8 + 4, 0x100); /* DataDirectory[RESOURCE].Size */
	memcpy(pe + SECTIONS, ".rsrc", 5);        /* section name */
	put32(pe + SECTIONS + 8, 0x200);          /* VirtualSize */
	put32(pe + SECTIONS + 12, RSRC_RVA);      /* VirtualAddress */
	put32(pe + SECTIONS + 16, 0x200);         /* SizeOfRawData */
	put32(pe + SECTIONS + 20, RSRC_FILE);     /* PointerToRawData */

	res_dir(rsrc, ROOT, 2);                                  /* root: two types */
	res_entry(rsrc, ROOT, 0, 3, 0x80000000u | TYPE3_DIR);    /* type 3 */
	res_entry(rsrc, ROOT, 1, 0x266, 0x80000000u | TYPE_DIR); /* type 0x266 */
	res_dir(rsrc, TYPE_DIR, 1);
	res_entry(rsrc, TYPE_DIR, 0, 1, 0x80000000u | NAME_DIR); /* id 1 */
	res_dir(rsrc, NAME_DIR, 1);
	res_entry(rsrc, NAME_DIR, 0, 1033, DATA_ENTRY);          /* language: data */
	put32(rsrc + DATA_ENTRY, RSRC_RVA + PAYLOAD);            /* data RVA */
	put32(rsrc + DATA_ENTRY + 4, sizeof(payload));           /* data size */
	res_dir(rsrc, TYPE3_DIR, 1);
	res_entry(rsrc, TYPE3_DIR, 0, 1, 0x80000000u | TYPE3_NAME);
	res_dir(rsrc, TYPE3_NAME, 1);
	res_entry(rsrc, TYPE3_NAME, 0, 0, DATA_ENTRY);
	memcpy(rsrc + PAYLOAD, payload, sizeof(payload));
}

static int find(const uint8_t *pe, size_t len, uint32_t type, uint32_t id, const char *msg)
{
	const uint8_t *data = NULL;
	size_t size = 0;
	struct sxs_diag diag = {{0}};
	int err = sxs_pe_find_resource(pe, len, type, id, &data, &size, &diag);
	if (err) {
		assert_null(data); /* out-parameters untouched */
		if (msg && !strstr(diag.msg, msg))
			fail_msg("diag '%s' lacks '%s'", diag.msg, msg);
	}
	return err;
}

static void pe_finds_resource_by_type_and_id(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE];
	const uint8_t *data;
	size_t size;
	build_pe(pe);
	assert_int_equal(sxs_pe_find_resource(pe, sizeof(pe), SXS_WCP_BASE_MANIFEST_TYPE,
	                                      SXS_WCP_BASE_MANIFEST_ID, &data, &size, NULL), 0);
	assert_ptr_equal(data, pe + RSRC_FILE + PAYLOAD);
	assert_int_equal(size, sizeof(payload));
	assert_int_equal(sxs_pe_find_resource(pe, sizeof(pe), 3, 1, &data, &size, NULL), 0);
	assert_memory_equal(data, payload, sizeof(payload));
}

static void pe_reports_missing_resource(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE];
	build_pe(pe);
	assert_int_equal(find(pe, sizeof(pe), 0x99, 1, "no resource of type 0x99"), -SXS_ENOENT);
	assert_int_equal(find(pe, sizeof(pe), 0x266, 2, "no resource 0x266/2"), -SXS_ENOENT);
	put32(pe + OPT + 112 + 2 * 8, 0); /* no resource directory */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "no resource directory"), -SXS_ENOENT);
}

static void pe_rejects_truncated_image(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE];
	size_t need = RSRC_FILE + PAYLOAD + sizeof(payload);
	build_pe(pe);
	for (size_t n = 0; n < PE_SIZE; n++) {
		int err = find(pe, n, 0x266, 1, NULL);
		if (n < need)
			assert_true(err < 0);
		else
			assert_int_equal(err, 0);
	}
}

static void pe_rejects_loops_in_resource_directory(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE], *rsrc = pe + RSRC_FILE;

	build_pe(pe);
	res_entry(rsrc, ROOT, 1, 0x266, 0x80000000u | ROOT); /* type -> root */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "loop"), -SXS_EFORMAT);

	build_pe(pe);
	res_entry(rsrc, TYPE_DIR, 0, 1, 0x80000000u | TYPE_DIR); /* id -> itself */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "loop"), -SXS_EFORMAT);

	build_pe(pe);
	res_entry(rsrc, NAME_DIR, 0, 1033, 0x80000000u | TYPE_DIR); /* language -> up */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "is a directory"), -SXS_EFORMAT);

	build_pe(pe);
	res_entry(rsrc, TYPE_DIR, 0, 1, NAME_DIR); /* a data entry where a dir belongs */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "not a directory"), -SXS_EFORMAT);
}

static void pe_rejects_out_of_range_rvas(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE], *rsrc = pe + RSRC_FILE;

	build_pe(pe);
	put32(rsrc + DATA_ENTRY, 0x5000); /* data RVA in no section */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);

	build_pe(pe);
	put32(rsrc + DATA_ENTRY + 4, 0xFFFFFFFFu); /* data size past the section */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);

	build_pe(pe);
	put32(rsrc + DATA_ENTRY, 0xFFFFFFF0u); /* RVA + size wraps */
	put32(rsrc + DATA_ENTRY + 4, 0x20);
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);

	build_pe(pe);
	res_entry(rsrc, ROOT, 1, 0x266, 0x80000000u | 0x7FFFFFF0u); /* far subdirectory */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);

	build_pe(pe);
	put16(rsrc + ROOT + 14, 0xFFFF); /* more entries than the section holds */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);

	build_pe(pe);
	put32(pe + OPT + 112 + 2 * 8, 0x9000); /* resource root in no section */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);

	build_pe(pe);
	put32(pe + SECTIONS + 20, 0xFFFFFF00u); /* raw data past the end of the file */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "out of range"), -SXS_EFORMAT);
}

static void pe_rejects_bad_headers(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE];

	build_pe(pe);
	pe[0] = 'Z';
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "MZ"), -SXS_EFORMAT);
	build_pe(pe);
	put32(pe + 0x3C, 0xFFFFFFF0u); /* e_lfanew past the end */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "truncated"), -SXS_ETRUNC);
	build_pe(pe);
	pe[LFANEW] = 'N';
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "PE signature"), -SXS_EFORMAT);
	build_pe(pe);
	put16(pe + COFF + 2, 1000); /* NumberOfSections */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "sections"), -SXS_EFORMAT);
	build_pe(pe);
	put16(pe + OPT, 0x107); /* optional header magic */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "magic"), -SXS_EFORMAT);
	build_pe(pe);
	put16(pe + COFF + 16, 0xFFFF); /* SizeOfOptionalHeader past the end */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "truncated"), -SXS_ETRUNC);
	build_pe(pe);
	put32(pe + OPT + 108, 2); /* only 2 data directories */
	assert_int_equal(find(pe, sizeof(pe), 0x266, 1, "no resource directory"), -SXS_ENOENT);
}

static void pe_random_corruption_never_crashes(void **state)
{
	(void)state;
	uint8_t pe[PE_SIZE];
	uint32_t x = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		build_pe(pe);
		for (int k = 0; k < 4; k++) {
			x = x * 1103515245u + 12345u;
			size_t off = (x >> 8) % (RSRC_FILE + PAYLOAD);
			x = x * 1103515245u + 12345u;
			pe[off] = (uint8_t)(x >> 16);
		}
		const uint8_t *data;
		size_t size;
		if (sxs_pe_find_resource(pe, sizeof(pe), 0x266, 1, &data, &size, NULL) == 0)
			assert_true(data >= pe && size <= (size_t)(pe + sizeof(pe) - data));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pe_finds_resource_by_type_and_id),
		cmocka_unit_test(pe_reports_missing_resource),
		cmocka_unit_test(pe_rejects_truncated_image),
		cmocka_unit_test(pe_rejects_loops_in_resource_directory),
		cmocka_unit_test(pe_rejects_out_of_range_rvas),
		cmocka_unit_test(pe_rejects_bad_headers),
		cmocka_unit_test(pe_random_corruption_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
