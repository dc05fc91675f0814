/* SPDX-License-Identifier: MIT */
/*
 * Any PA30 delta through sxs_delta_apply / sxs_delta_info, the PE pipeline
 * above all (psfx.md §5).  Input: u32 LE source length (taken modulo what
 * is left), the source, then the delta.  Properties:
 *   - apply always reaches a verdict; a verdict other than ok has a
 *     one-line reason, ok has none;
 *   - ok means: a header, exactly TargetSize bytes out, a kind this decoder
 *     implements (raw, pe for i386/amd64, reverse), flags it accepts, and the
 *     hash state agrees with the header (match when it has a hash);
 *   - output exists only for ok and for corrupt with a hash mismatch (then
 *     also TargetSize bytes); unsupported never comes with output;
 *   - apply is deterministic (a second run gives the same verdict and bytes);
 *   - info parses exactly when apply found a header, and names the same kind
 *     unless apply learned from the source that it is managed code; info
 *     saying unsupported means apply says unsupported too.
 */
#include <string.h>

#include "fuzz.h"
#include "pa30/delta.h"
#include "util/alloc.h"

/* Flags a PE delta may carry and still decode (see delta.c). */
#define PE_ACCEPTED 0x6E7FFu

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	size_t want = fuzz_u32(&in);
	size_t src_len, delta_len;
	want = in.left ? want % (in.left + 1) : 0;
	uint8_t *src = fuzz_take(&in, want, &src_len);
	uint8_t *delta = fuzz_take(&in, in.left, &delta_len);
	/* keep a hostile TargetSize from costing the fuzzer gigabytes */
	struct sxs_delta_opts opts = {(uint64_t)1 << 24};
	struct sxs_delta_result res, res2;
	struct sxs_delta_info info;
	struct sxs_diag idiag = {{0}};

	int err = sxs_delta_apply(src_len ? src : NULL, src_len, delta, delta_len, &opts, &res);
	FUZZ_CHECK(err == 0, "apply returned %d", err);
	FUZZ_CHECK(res.verdict <= SXS_DELTA_ERROR, "verdict %d", (int)res.verdict);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "apply: %s (%s) %s\n", sxs_delta_verdict_name(res.verdict),
		        sxs_delta_kind_name(res.kind), res.reason);
	FUZZ_CHECK((res.reason[0] == '\0') == (res.verdict == SXS_DELTA_OK), "reason '%s' for %s",
	           res.reason, sxs_delta_verdict_name(res.verdict));
	FUZZ_CHECK(memchr(res.reason, '\n', strlen(res.reason)) == NULL, "reason has a newline");
	FUZZ_CHECK((res.verdict == SXS_DELTA_OK) == (res.err == 0), "err %d with %s", res.err,
	           sxs_delta_verdict_name(res.verdict));

	if (res.verdict == SXS_DELTA_OK) {
		const struct sxs_pa30_header *h = &res.header;
		FUZZ_CHECK(res.have_header, "ok without a header");
		FUZZ_CHECK(h->target_size <= opts.max_target, "target over the cap");
		FUZZ_CHECK(res.out_len == h->target_size, "produced %zu bytes, header says %llu",
		           res.out_len, (unsigned long long)h->target_size);
		FUZZ_CHECK(res.out != NULL, "ok without output");
		FUZZ_CHECK(res.kind == SXS_DELTA_KIND_RAW || res.kind == SXS_DELTA_KIND_PE ||
		           res.kind == SXS_DELTA_KIND_REVERSE, "kind %s decoded",
		           sxs_delta_kind_name(res.kind));
		if (res.kind == SXS_DELTA_KIND_PE) {
			FUZZ_CHECK(h->file_type == 2 || h->file_type == 8, "file type %llu decoded",
			           (unsigned long long)h->file_type);
			FUZZ_CHECK((h->flags & ~(uint64_t)PE_ACCEPTED) == 0, "flags %llx decoded",
			           (unsigned long long)h->flags);
		}
		if (res.kind != SXS_DELTA_KIND_REVERSE)
			FUZZ_CHECK(res.hash == (h->hash_alg_id ? SXS_DELTA_HASH_MATCH
			                                       : SXS_DELTA_HASH_NONE),
			           "hash state %s for alg %llx", sxs_delta_hash_name(res.hash),
			           (unsigned long long)h->hash_alg_id);
		FUZZ_CHECK((res.transforms & ~(uint64_t)SXS_DELTA_TRANSFORM_FLAGS) == 0,
		           "transforms %llx", (unsigned long long)res.transforms);
		FUZZ_CHECK((res.transforms & ~h->flags) == 0, "a transform ran without its flag");
	} else if (res.verdict == SXS_DELTA_CORRUPT && res.hash == SXS_DELTA_HASH_MISMATCH &&
	           res.out) {
		FUZZ_CHECK(res.out_len == res.header.target_size, "mismatch output of %zu bytes",
		           res.out_len);
	} else {
		FUZZ_CHECK(res.out == NULL, "output with verdict %s",
		           sxs_delta_verdict_name(res.verdict));
	}

	/* deterministic */
	err = sxs_delta_apply(src_len ? src : NULL, src_len, delta, delta_len, &opts, &res2);
	FUZZ_CHECK(err == 0 && res2.verdict == res.verdict && res2.out_len == res.out_len &&
	           (!res.out || !memcmp(res.out, res2.out, res.out_len)),
	           "second apply differs");
	sxs_delta_result_release(&res2);

	/* info agrees */
	err = sxs_delta_info(delta, delta_len, &info, &idiag);
	FUZZ_CHECK((err == 0) == (res.have_header != 0), "info %d, apply header %d", err,
	           res.have_header);
	if (err == 0) {
		FUZZ_CHECK(info.kind == res.kind ||
		           (res.kind == SXS_DELTA_KIND_CLI && info.kind == SXS_DELTA_KIND_PE),
		           "info kind %s, apply kind %s", sxs_delta_kind_name(info.kind),
		           sxs_delta_kind_name(res.kind));
		if (!info.supported)
			FUZZ_CHECK(res.verdict == SXS_DELTA_UNSUPPORTED, "info refuses, apply says %s",
			           sxs_delta_verdict_name(res.verdict));
		FUZZ_CHECK(info.supported || info.reason[0], "unsupported without a reason");
	} else {
		FUZZ_CHECK(idiag.msg[0] != '\0', "info failed without a diag");
	}
	sxs_delta_result_release(&res);
	free(src);
	free(delta);
	return 0;
}
