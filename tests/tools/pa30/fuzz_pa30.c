/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the PA30 decoder, containers and PE resource lookup
 * (built with -Dfuzzers=true; clang).  The first input byte selects:
 *   0  sxs_pa30_apply against an empty source (+ header, PSFX, containers)
 *   1  the same against a fixed 4 KiB source
 *   2  the Patch bitstream alone (bypasses the header checks): u16 LE
 *      target size / 4, a byte whose bit 0 selects the source, the patch
 *   3  sxs_pe_find_resource(0x266, 1)
 * Properties checked besides "no crash": success means exactly the
 * header's TargetSize bytes; failure leaves the out-parameters alone; a
 * found resource lies inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pa30/lz.h"
#include "pa30/pa30.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t source[4096];

static void fill_source(void)
{
	for (size_t i = 0; i < sizeof(source); i++)
		source[i] = (uint8_t)(i * 7 + (i >> 5));
}

static void fuzz_apply(const uint8_t *data, size_t size, int with_source)
{
	struct sxs_pa30_header h;
	uint8_t *out = NULL;
	size_t olen = 0;
	int hdr = sxs_pa30_read_header(data, size, &h, NULL);
	int err = sxs_pa30_apply(with_source ? source : NULL, with_source ? sizeof(source) : 0,
	                         data, size, &out, &olen, NULL);
	if (err == 0) {
		if (hdr != 0 || olen != h.target_size)
			abort();
		sxs_free(out);
	} else if (out) {
		abort();
	}
	(void)sxs_psfx_check(data, size, &h, NULL);
	if (sxs_container_decode(data, size, source, sizeof(source), &out, &olen, NULL) == 0)
		sxs_free(out);
}

static void fuzz_patch(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL;
	if (size < 3)
		return;
	size_t target = ((size_t)data[0] | ((size_t)data[1] << 8)) * 4;
	size_t ref_len = (data[2] & 1) ? sizeof(source) : 0;
	if (pa30_decode_patch(source, ref_len, data + 3, size - 3, target, NULL, &out, NULL) == 0)
		sxs_free(out);
	else if (out)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *res;
	size_t res_len;

	if (size < 1)
		return 0;
	if (source[1] == 0)
		fill_source();
	switch (data[0] % 4) {
	case 0:
	case 1:
		fuzz_apply(data + 1, size - 1, data[0] % 4);
		break;
	case 2:
		fuzz_patch(data + 1, size - 1);
		break;
	default:
		if (sxs_pe_find_resource(data + 1, size - 1, 0x266, 1, &res, &res_len, NULL) == 0 &&
		    (res < data + 1 || res_len > (size_t)(data + size - res)))
			abort();
	}
	return 0;
}
