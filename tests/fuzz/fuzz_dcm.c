/* SPDX-License-Identifier: MIT */
/*
 * DCM/DCN containers (and the PE resource lookup that finds the DCM base in
 * wcp.dll).  The input is the container; the base is the demo images' base
 * manifest (testdata/images/base-manifest.xml, read once).  Properties:
 *   - sxs_container_decode succeeds only for DCM/DCN, and then produces
 *     exactly the TargetSize of the PA30 header after the 4-byte magic;
 *   - a DCN decodes the same with or without a base;
 *   - a DCM without a base is refused, never decoded;
 *   - sxs_pe_find_resource returns data inside the input.
 */
#include <string.h>

#include "fuzz.h"
#include "pa30/pa30.h"
#include "util/alloc.h"

#ifndef FUZZ_BASE_MANIFEST
#error "FUZZ_BASE_MANIFEST must name the base manifest file"
#endif

static uint8_t *base;
static size_t base_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FILE *f = fopen(FUZZ_BASE_MANIFEST, "rb");
	if (!f) {
		perror(FUZZ_BASE_MANIFEST);
		abort();
	}
	base = malloc(1 << 20);
	if (!base)
		abort();
	base_len = fread(base, 1, 1 << 20, f);
	fclose(f);
	if (base_len == 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base)
		LLVMFuzzerInitialize(NULL, NULL);
	enum sxs_container type = sxs_container_detect(data, size);
	FUZZ_CHECK(sxs_container_name(type) != NULL, "no name for %d", (int)type);

	uint8_t *out = NULL;
	size_t out_len = 0;
	struct sxs_diag diag = {{0}};
	int err = sxs_container_decode(data, size, base, base_len, &out, &out_len, &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "decode returned %d", err);
	if (err) {
		FUZZ_CHECK(out == NULL, "out written on error");
		FUZZ_CHECK(diag.msg[0] != '\0', "no diag for %s", sxs_strerror(err));
		if (type == SXS_CONTAINER_DCS)
			FUZZ_CHECK(err == -SXS_EFORMAT || err == -SXS_ETRUNC || err == -SXS_ELIMIT ||
			           err == -SXS_EUNSUPPORTED || err == -SXS_ENOMEM, "DCS container: %s",
			           diag.msg);
		else if (type != SXS_CONTAINER_DCM && type != SXS_CONTAINER_DCN &&
		         type != SXS_CONTAINER_NONE)
			FUZZ_CHECK(err == -SXS_EUNSUPPORTED || err == -SXS_EFORMAT,
			           "%s container: %s", sxs_container_name(type), diag.msg);
	} else if (type == SXS_CONTAINER_DCS) {
		/* a DCS gives exactly its declared size (issue 14) */
		FUZZ_CHECK(size >= 12, "decoded a short DCS");
		uint32_t total = (uint32_t)data[8] | (uint32_t)data[9] << 8 |
		                 (uint32_t)data[10] << 16 | (uint32_t)data[11] << 24;
		FUZZ_CHECK(out_len == total, "DCS gave %zu bytes, declares %u", out_len, total);
	} else {
		FUZZ_CHECK(type == SXS_CONTAINER_DCM || type == SXS_CONTAINER_DCN,
		           "decoded a %s container", sxs_container_name(type));
		struct sxs_pa30_header hdr;
		FUZZ_CHECK(size >= SXS_CONTAINER_MAGIC_LEN, "decoded a short input");
		int herr = sxs_pa30_read_header(data + SXS_CONTAINER_MAGIC_LEN,
		                                size - SXS_CONTAINER_MAGIC_LEN, &hdr, NULL);
		FUZZ_CHECK(herr == 0, "decoded, but the header does not parse");
		FUZZ_CHECK(out_len == hdr.target_size, "produced %zu bytes, header says %llu",
		           out_len, (unsigned long long)hdr.target_size);
		uint8_t *o2 = NULL;
		size_t o2_len = 0;
		int err2 = sxs_container_decode(data, size, NULL, 0, &o2, &o2_len, NULL);
		if (type == SXS_CONTAINER_DCN)
			FUZZ_CHECK(err2 == 0 && o2_len == out_len && !memcmp(o2, out, out_len),
			           "DCN decodes differently without a base (%d)", err2);
		else
			FUZZ_CHECK(err2 != 0, "DCM decoded without a base");
		sxs_free(o2);
	}
	sxs_free(out);

	/* PE resource lookup on the same bytes */
	const uint8_t *res = NULL;
	size_t res_len = 0;
	err = sxs_pe_find_resource(data, size, SXS_WCP_BASE_MANIFEST_TYPE, SXS_WCP_BASE_MANIFEST_ID,
	                           &res, &res_len, NULL);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "pe_find_resource returned %d", err);
	if (!err) {
		FUZZ_CHECK(res >= data && res_len <= size && (size_t)(res - data) <= size - res_len,
		           "resource outside the input");
	}
	return 0;
}
