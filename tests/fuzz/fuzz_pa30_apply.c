/* SPDX-License-Identifier: MIT */
/*
 * PA30 apply.  Input: u32 LE source length (taken modulo what is left),
 * the source, then the delta.  Properties:
 *   - apply succeeds only for a header that parses, is RAW, has only the
 *     RAW flags, and then produces exactly TargetSize bytes;
 *   - a successful apply is deterministic (a second run gives the same
 *     bytes), and the header is reported identically by read_header;
 *   - errors are negative -SXS_E* codes with a non-empty diag.
 */
#include <string.h>

#include "fuzz.h"
#include "pa30/pa30.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	size_t want = fuzz_u32(&in);
	size_t src_len, delta_len;
	want = in.left ? want % (in.left + 1) : 0;
	uint8_t *src = fuzz_take(&in, want, &src_len);
	uint8_t *delta = fuzz_take(&in, in.left, &delta_len);

	struct sxs_pa30_header hdr;
	struct sxs_diag hdiag = {{0}};
	int herr = sxs_pa30_read_header(delta, delta_len, &hdr, &hdiag);
	FUZZ_CHECK(herr <= 0 && herr > -SXS_E_COUNT, "read_header returned %d", herr);

	uint8_t *out = NULL;
	size_t out_len = 0;
	struct sxs_diag diag = {{0}};
	int err = sxs_pa30_apply(src_len ? src : NULL, src_len, delta, delta_len, &out, &out_len,
	                         &diag);
	FUZZ_CHECK(err <= 0 && err > -SXS_E_COUNT, "apply returned %d", err);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "apply: %s%s%s\n", err ? sxs_strerror(err) : "ok", err ? ": " : "",
		        diag.msg);
	if (err) {
		FUZZ_CHECK(out == NULL, "out written on error %d", err);
		FUZZ_CHECK(diag.msg[0] != '\0', "no diag for error %s", sxs_strerror(err));
		FUZZ_CHECK(memchr(diag.msg, '\n', strlen(diag.msg)) == NULL, "diag has a newline");
	} else {
		FUZZ_CHECK(herr == 0, "apply ok but read_header failed: %s", hdiag.msg);
		/* reverse deltas (PRSM, issue 14) take any known flags, PA30 or PA31 */
		FUZZ_CHECK(hdr.is_reverse || !hdr.is_pa31, "PA31 applied");
		FUZZ_CHECK(hdr.is_reverse || hdr.file_type == SXS_PA30_FILE_TYPE_RAW,
		           "file type %llu applied", (unsigned long long)hdr.file_type);
		FUZZ_CHECK((hdr.flags & ~(uint64_t)(hdr.is_reverse ? SXS_PA30_KNOWN_FLAGS
		                                                   : SXS_PA30_RAW_FLAGS)) == 0,
		           "flags %llx applied", (unsigned long long)hdr.flags);
		FUZZ_CHECK(hdr.target_size <= SXS_MAX_PA30_TARGET, "target over the limit");
		FUZZ_CHECK(out != NULL, "NULL output on success");
		FUZZ_CHECK(out_len == hdr.target_size, "produced %zu bytes, header says %llu", out_len,
		           (unsigned long long)hdr.target_size);
		uint8_t *out2 = NULL;
		size_t out2_len = 0;
		int err2 = sxs_pa30_apply(src_len ? src : NULL, src_len, delta, delta_len, &out2,
		                          &out2_len, NULL);
		FUZZ_CHECK(err2 == 0 && out2_len == out_len && !memcmp(out, out2, out_len),
		           "second apply differs (%d)", err2);
		sxs_free(out2);
	}
	sxs_free(out);

	/* the same delta behind a PSFX prefix: no crash, consistent header */
	struct sxs_pa30_header phdr;
	int perr = sxs_psfx_check(delta, delta_len, &phdr, NULL);
	FUZZ_CHECK(perr <= 0 && perr > -SXS_E_COUNT, "psfx_check returned %d", perr);

	free(src);
	free(delta);
	return 0;
}
