/* SPDX-License-Identifier: MIT */
/*
 * PSFX payload formats (issue 14).  Input: one selector byte, then
 *   0  reverse delta: u32 LE reference length (modulo what is left), the
 *      reference, then a PA30/PA31 delta, through sxs_pa30_apply_reverse
 *      and pe's sxs_delta_apply;
 *   1  PRSM reversal data: u16 target size, u16 reference length, the
 *      reference, the body (pa30_prsm_apply directly; a whole reverse delta
 *      is unwrapped to its body first);
 *   2  XPRESS Huffman stream: u16 history, u32 size (mod 256 KiB), the stream;
 *   3  Compression API container (XPRESS_HUFF / LZMS) with a 1 MiB cap;
 *   4  DCS container.
 * Properties: errors are -SXS_E* with a one-line diag and leave outputs
 * alone; a success produces exactly the declared size (TargetSize, the
 * container's total, the DCS total), a TargetHash that was declared then
 * matches, the same input decodes the same twice, and the two reverse
 * paths agree.
 */
#include <string.h>

#include "digest/digest.h"
#include "fuzz.h"
#include "pa30/codec.h"
#include "pa30/delta.h"
#include "pa30/pa30.h"
#include "pa30/prsm.h"
#include "util/alloc.h"

#define CAP ((uint64_t)1 << 20)

static void check_diag(int err, const struct sxs_diag *d)
{
	FUZZ_CHECK(err < 0 && err > -SXS_E_COUNT, "returned %d", err);
	FUZZ_CHECK(d->msg[0] != '\0', "no diag for %s", sxs_strerror(err));
	FUZZ_CHECK(memchr(d->msg, '\n', strlen(d->msg)) == NULL, "diag has a newline");
}

static void reverse(struct fuzz_input *in)
{
	size_t want = fuzz_u32(in), ref_len, dlen;
	want = in->left ? want % (in->left + 1) : 0;
	uint8_t *ref = fuzz_take(in, want, &ref_len);
	uint8_t *delta = fuzz_take(in, in->left, &dlen);
	uint8_t *out = NULL, *out2 = NULL;
	size_t out_len = 0, out2_len = 0;
	struct sxs_diag d = {{0}};
	int err = sxs_pa30_apply_reverse(ref_len ? ref : NULL, ref_len, delta, dlen, CAP, &out,
	                                 &out_len, &d);
	struct sxs_delta_opts opts = {.max_target = CAP};
	struct sxs_delta_result res;
	int derr = sxs_delta_apply(ref_len ? ref : NULL, ref_len, delta, dlen, &opts, &res);
	FUZZ_CHECK(derr == 0, "sxs_delta_apply returned %d", derr);
	if (err) {
		check_diag(err, &d);
		FUZZ_CHECK(out == NULL, "out written on error");
		if (err != -SXS_EINVAL && res.have_header && res.header.is_reverse)
			FUZZ_CHECK(res.verdict != SXS_DELTA_OK, "the two reverse paths disagree");
	} else {
		struct sxs_pa30_header h;
		FUZZ_CHECK(sxs_pa30_read_header(delta, dlen, &h, NULL) == 0, "applied, header fails");
		FUZZ_CHECK(h.is_reverse, "applied a delta that is not a reverse one");
		FUZZ_CHECK(out && out_len == h.target_size, "%zu bytes, TargetSize %llu", out_len,
		           (unsigned long long)h.target_size);
		FUZZ_CHECK(out_len <= CAP, "over the cap");
		if (h.hash_alg_id) {
			uint8_t md[SXS_DIGEST_MAX];
			size_t md_len;
			enum sxs_digest_alg a = h.hash_alg_id == 0x8003 ? SXS_DIGEST_MD5
			                        : h.hash_alg_id == 0x8004 ? SXS_DIGEST_SHA1
			                                                  : SXS_DIGEST_SHA256;
			FUZZ_CHECK(sxs_digest_buffer(a, out, out_len, md, &md_len) == 0, "digest");
			FUZZ_CHECK(md_len == h.target_hash_len && !memcmp(md, h.target_hash, md_len),
			           "TargetHash does not match what was accepted");
		}
		FUZZ_CHECK(res.verdict == SXS_DELTA_OK && res.out_len == out_len &&
		           !memcmp(res.out, out, out_len), "the two reverse paths disagree");
		int err2 = sxs_pa30_apply_reverse(ref_len ? ref : NULL, ref_len, delta, dlen, CAP,
		                                  &out2, &out2_len, NULL);
		FUZZ_CHECK(err2 == 0 && out2_len == out_len && !memcmp(out, out2, out_len),
		           "second apply differs");
	}
	sxs_delta_result_release(&res);
	sxs_free(out);
	sxs_free(out2);
	sxs_free(ref);
	sxs_free(delta);
}

static void prsm_body(struct fuzz_input *in)
{
	size_t n = fuzz_u8(in) | (size_t)fuzz_u8(in) << 8;
	size_t want = fuzz_u8(in) | (size_t)fuzz_u8(in) << 8, ref_len, blen;
	uint8_t *ref = fuzz_take(in, want, &ref_len);
	uint8_t *body = fuzz_take(in, in->left, &blen);
	/* a whole reverse delta is unwrapped to its reversal data (seeds are deltas) */
	struct sxs_pa30_header h;
	const uint8_t *pb = body;
	size_t plen = blen;
	if (sxs_pa30_read_header_body(body, blen, &h, &pb, NULL) == 0 && h.is_reverse)
		plen = h.patch_len;
	else
		pb = body;
	uint8_t *a = sxs_calloc(n + 1, 1), *b = sxs_calloc(n + 1, 1);
	FUZZ_CHECK(a && b, "oom");
	struct sxs_diag d = {{0}};
	int err = pa30_prsm_apply(ref, ref_len, pb, plen, a, n, &d);
	if (err)
		check_diag(err, &d);
	int err2 = pa30_prsm_apply(ref, ref_len, pb, plen, b, n, NULL);
	FUZZ_CHECK(err == err2 && (err || !memcmp(a, b, n)), "not deterministic");
	FUZZ_CHECK(a[n] == 0, "wrote past the target");
	sxs_free(a);
	sxs_free(b);
	sxs_free(ref);
	sxs_free(body);
}

static void xpress(struct fuzz_input *in)
{
	size_t hist = (fuzz_u8(in) | (size_t)fuzz_u8(in) << 8) % 4096;
	size_t n = fuzz_u32(in) % (256u << 10), len;
	uint8_t *s = fuzz_take(in, in->left, &len);
	uint8_t *a = sxs_calloc(hist + n + 1, 1), *b = sxs_calloc(hist + n + 1, 1);
	FUZZ_CHECK(a && b, "oom");
	size_t used = 0;
	struct sxs_diag d = {{0}};
	int err = sxs_xpress_huff_decode(s, len, a, hist, n, &used, &d);
	if (err)
		check_diag(err, &d);
	else
		FUZZ_CHECK(used <= len, "consumed %zu of %zu", used, len);
	int err2 = sxs_xpress_huff_decode(s, len, b, hist, n, NULL, NULL);
	FUZZ_CHECK(err == err2 && (err || !memcmp(a, b, hist + n)), "not deterministic");
	FUZZ_CHECK(a[hist + n] == 0, "wrote past the end");
	sxs_free(a);
	sxs_free(b);
	sxs_free(s);
}

static void capi(struct fuzz_input *in)
{
	size_t len;
	uint8_t *s = fuzz_take(in, in->left, &len), *out = NULL;
	size_t out_len = 0;
	struct sxs_diag d = {{0}};
	int err = sxs_capi_decode(s, len, CAP, &out, &out_len, &d);
	if (err) {
		check_diag(err, &d);
		FUZZ_CHECK(out == NULL, "out written on error");
	} else {
		FUZZ_CHECK(len >= SXS_CAPI_HEADER_LEN, "decoded a short container");
		uint64_t total = 0;
		for (int i = 0; i < 8; i++)
			total |= (uint64_t)s[8 + i] << (8 * i);
		FUZZ_CHECK(out && out_len == total && total <= CAP, "%zu bytes, declared %llu", out_len,
		           (unsigned long long)total);
	}
	sxs_free(out);
	sxs_free(s);
}

static void dcs(struct fuzz_input *in)
{
	size_t len;
	uint8_t *s = fuzz_take(in, in->left, &len), *out = NULL;
	size_t out_len = 0;
	struct sxs_diag d = {{0}};
	if (len >= 4)
		memcpy(s, "DCS\x01", 4);
	int err = sxs_container_decode(s, len, NULL, 0, &out, &out_len, &d);
	if (err) {
		check_diag(err, &d);
		FUZZ_CHECK(out == NULL, "out written on error");
	} else {
		FUZZ_CHECK(len >= 12, "decoded a short DCS");
		uint32_t total = (uint32_t)s[8] | (uint32_t)s[9] << 8 | (uint32_t)s[10] << 16 |
		                 (uint32_t)s[11] << 24;
		FUZZ_CHECK(out_len == total, "%zu bytes, declared %u", out_len, total);
	}
	sxs_free(out);
	sxs_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	if (!size)
		return 0;
	switch (fuzz_u8(&in) % 5) {
	case 0: reverse(&in); break;
	case 1: prsm_body(&in); break;
	case 2: xpress(&in); break;
	case 3: capi(&in); break;
	default: dcs(&in); break;
	}
	return 0;
}
