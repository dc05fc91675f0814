/* SPDX-License-Identifier: MIT */
/*
 * Reverse deltas: PRSM reversal data (psfx.md §4).  A PA30/PA31 delta whose
 * FileTypeSet has bit 0x100 carries, instead of PreProcess and Patch, one
 * buffer: a bitstream holding the magic "PRSM", a u32 count (informational:
 * sections run until the stream is exhausted) and sections, each a Buf with
 * its own bitstream:
 *
 *   u32 type, u32 unused, then
 *   type 0 (copies)    rift table (left, right) + one length per entry in the
 *                      default IntFormat: out[left..+len) = ref[right..+len),
 *                      the run clipped to both buffers;
 *   type 1 (inserts)   u32 compressed, rift table (left, count), Buf blob
 *                      (a Compression API XPRESS_HUFF container when
 *                      compressed): out[left..+count) = the blob's next bytes;
 *   type 2 (bytes)     rift table (left, value), applied last entry first:
 *                      out[left] = value & 0xFF.
 *
 * Written from psfx.md §4 (the description of JL src/pa30/reverse.rs) alone:
 * no real r\ file is public (risk R1), so store/psfx.c trusts this code's
 * verdict only when a hash settles it.
 */
#include "pa30/prsm.h"

#include <string.h>

#include "digest/digest.h"
#include "pa30/bits.h"
#include "pa30/codec.h"
#include "pa30/rift.h"
#include "util/alloc.h"

#define PRSM_MAGIC 0x4D535250u /* "PRSM" read as a little-endian u32 */

enum { SEC_COPY = 0, SEC_INSERT = 1, SEC_BYTES = 2 };

static int sec_copy(struct pa30_bits *b, const uint8_t *ref, size_t ref_len, uint8_t *out,
                    size_t out_len, struct sxs_diag *diag)
{
	struct pa30_rift r = {NULL, 0};
	struct pa30_intformat lenfmt;
	int err;

	pa30_intformat_init(&lenfmt);
	if ((err = pa30_rift_read(b, &r, diag, "prsm copy")) ||
	    (err = pa30_intformat_default(&lenfmt, diag)))
		goto out;
	/* lengths follow the whole table, paired with the entries sorted by source */
	for (size_t i = 0; i < r.n; i++) {
		int64_t len, left = r.v[i].source, right = r.v[i].target;
		if ((err = pa30_intformat_number(&lenfmt, b, &len, diag, "prsm copy length")))
			goto out;
		if (len <= 0 || left < 0 || right < 0 || (uint64_t)left >= out_len ||
		    (uint64_t)right >= ref_len)
			continue; /* nothing of the run lies in both buffers */
		uint64_t n = (uint64_t)len;
		if (n > out_len - (uint64_t)left)
			n = out_len - (uint64_t)left;
		if (n > ref_len - (uint64_t)right)
			n = ref_len - (uint64_t)right;
		memcpy(out + left, ref + right, (size_t)n);
	}
out:
	pa30_intformat_release(&lenfmt);
	pa30_rift_release(&r);
	return err;
}

static int sec_insert(struct pa30_bits *b, uint8_t *out, size_t out_len, unsigned idx,
                      struct sxs_diag *diag)
{
	struct pa30_rift r = {NULL, 0};
	const uint8_t *blob;
	uint8_t *dec = NULL;
	size_t blob_len, cur = 0;
	int err;

	uint32_t compressed = pa30_bits_read(b, 32);
	if (pa30_bits_overrun(b))
		return sxs_diag_set(diag, SXS_ETRUNC, "prsm: section %u ends early", idx);
	if ((err = pa30_rift_read(b, &r, diag, "prsm insert")) ||
	    (err = pa30_bits_read_buf(b, &blob, &blob_len, diag, "prsm inserted bytes")))
		goto out;
	if (compressed) {
		/* a genuine blob holds bytes of the target: never more than its size */
		if ((err = sxs_capi_decode(blob, blob_len, out_len, &dec, &blob_len, diag)))
			goto out;
		blob = dec;
	}
	for (size_t i = 0; i < r.n; i++) {
		int64_t left = r.v[i].source, count = r.v[i].target;
		if (count < 0 || (uint64_t)count > blob_len - cur) {
			err = sxs_diag_set(diag, SXS_EFORMAT,
			                   "prsm: section %u: insert of %lld bytes, %zu left in its data",
			                   idx, (long long)count, blob_len - cur);
			goto out;
		}
		if (left < 0 || (uint64_t)left > out_len || (uint64_t)count > out_len - (uint64_t)left) {
			err = sxs_diag_set(diag, SXS_EFORMAT,
			                   "prsm: section %u: insert at %lld of %lld bytes outside the %zu-byte target",
			                   idx, (long long)left, (long long)count, out_len);
			goto out;
		}
		memcpy(out + left, blob + cur, (size_t)count);
		cur += (size_t)count;
	}
out:
	sxs_free(dec);
	pa30_rift_release(&r);
	return err;
}

static int sec_bytes(struct pa30_bits *b, uint8_t *out, size_t out_len, unsigned idx,
                     struct sxs_diag *diag)
{
	struct pa30_rift r = {NULL, 0};
	int err = pa30_rift_read(b, &r, diag, "prsm bytes");

	(void)idx;
	if (err)
		return err;
	for (size_t i = r.n; i-- > 0;) {
		int64_t left = r.v[i].source;
		if (left >= 0 && (uint64_t)left < out_len)
			out[left] = (uint8_t)(r.v[i].target & 0xFF);
	}
	pa30_rift_release(&r);
	return 0;
}

int pa30_prsm_apply(const uint8_t *ref, size_t ref_len, const uint8_t *body, size_t body_len,
                    uint8_t *out, size_t out_len, struct sxs_diag *diag)
{
	struct pa30_bits b;
	unsigned idx = 0;
	int err;

	if ((err = pa30_bits_init(&b, body, body_len, diag, "reversal data")))
		return err;
	uint32_t magic = pa30_bits_read(&b, 32);
	(void)pa30_bits_read(&b, 32); /* section count: informational */
	if (pa30_bits_overrun(&b))
		return sxs_diag_set(diag, SXS_ETRUNC, "prsm: reversal data of %zu bytes, too short",
		                    body_len);
	if (magic != PRSM_MAGIC)
		return sxs_diag_set(diag, SXS_EFORMAT, "prsm: bad magic %08x (not PRSM)", magic);
	while (pa30_bits_consumed(&b) < b.limit) {
		const uint8_t *sec;
		size_t sec_len;
		struct pa30_bits s;
		if ((err = pa30_bits_read_buf(&b, &sec, &sec_len, diag, "prsm section")) ||
		    (err = pa30_bits_init(&s, sec, sec_len, diag, "prsm section")))
			return err;
		uint32_t type = pa30_bits_read(&s, 32);
		(void)pa30_bits_read(&s, 32); /* unused word */
		if (pa30_bits_overrun(&s))
			return sxs_diag_set(diag, SXS_ETRUNC, "prsm: section %u of %zu bytes, too short",
			                    idx, sec_len);
		switch (type) {
		case SEC_COPY: err = sec_copy(&s, ref, ref_len, out, out_len, diag); break;
		case SEC_INSERT: err = sec_insert(&s, out, out_len, idx, diag); break;
		case SEC_BYTES: err = sec_bytes(&s, out, out_len, idx, diag); break;
		default:
			err = sxs_diag_set(diag, SXS_EFORMAT, "prsm: section %u has unknown type %u",
			                   idx, type);
		}
		if (err)
			return err;
		idx++;
	}
	return 0;
}

int pa30_apply_reverse_parsed(const struct sxs_pa30_header *h, const uint8_t *body,
                              const uint8_t *ref, size_t ref_len, uint64_t max_target,
                              uint8_t **out_ret, size_t *out_len_ret, struct sxs_diag *diag)
{
	const char *name;
	size_t hash_size;
	uint8_t *out;
	int err;

	if (!ref && ref_len)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: source buffer missing");
	if (h->flags & ~(uint64_t)SXS_PA30_KNOWN_FLAGS)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: unknown flag bits 0x%llx",
		                    (unsigned long long)(h->flags & ~(uint64_t)SXS_PA30_KNOWN_FLAGS));
	if (sxs_pa30_hash_alg(h->hash_alg_id, &name, &hash_size) < 0)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: hash algorithm 0x%llx not supported",
		                    (unsigned long long)h->hash_alg_id);
	if (h->hash_alg_id != SXS_PA30_HASH_NONE && h->target_hash_len != hash_size)
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s target hash of %zu bytes", name,
		                    h->target_hash_len);
	if (h->target_size > max_target || h->target_size > SXS_MAX_PA30_TARGET)
		return sxs_diag_set(diag, SXS_ELIMIT, "pa30: target size %llu exceeds the limit %llu",
		                    (unsigned long long)h->target_size,
		                    (unsigned long long)(max_target < SXS_MAX_PA30_TARGET
		                                                 ? max_target
		                                                 : SXS_MAX_PA30_TARGET));
	size_t n = (size_t)h->target_size;
	out = sxs_calloc(n ? n : 1, 1);
	if (!out)
		return sxs_diag_set(diag, SXS_ENOMEM, "out of memory");
	err = pa30_prsm_apply(ref, ref_len, body, h->patch_len, out, n, diag);
	if (!err)
		err = pa30_check_target_hash(h, out, n, diag);
	if (err) {
		sxs_free(out);
		return err;
	}
	*out_ret = out;
	*out_len_ret = n;
	return 0;
}

int sxs_pa30_apply_reverse(const uint8_t *ref, size_t ref_len, const uint8_t *delta,
                           size_t delta_len, uint64_t max_target, uint8_t **out_ret,
                           size_t *out_len_ret, struct sxs_diag *diag)
{
	struct sxs_pa30_header h;
	const uint8_t *body;
	int err = sxs_pa30_read_header_body(delta, delta_len, &h, &body, diag);

	if (err)
		return err;
	if (!h.is_reverse)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: not a reverse delta (file type set 0x%llx)",
		                    (unsigned long long)h.file_type_set);
	return pa30_apply_reverse_parsed(&h, body, ref, ref_len, max_target, out_ret, out_len_ret,
	                                 diag);
}
