/* SPDX-License-Identifier: MIT */
/*
 * PA30 header (formats.md §4.2, PA31 §4.9), RAW apply, E8 post-filter,
 * target hash check, PSFX CRC prefix.
 */
#include "pa30/pa30.h"

#include <string.h>

#include "digest/digest.h"
#include "pa30/bits.h"
#include "pa30/internal.h"
#include "pa30/lz.h"
#include "pa30/prsm.h"
#include "util/alloc.h"
#include "util/bytes.h"

#define PA30_PREFIX_LEN 12 /* magic + u64 FILETIME */

#define PA30_KNOWN_FLAGS SXS_PA30_KNOWN_FLAGS

/* PE and CLI file types: I386, IA64, AMD64, CLI4_*. */
#define PA30_PE_FILE_TYPES 0xFEu

const char *sxs_pa30_file_type_name(uint64_t file_type)
{
	switch (file_type) {
	case 0x1: return "raw";
	case 0x2: return "i386";
	case 0x4: return "ia64";
	case 0x8: return "amd64";
	case 0x10: return "cli4-i386";
	case 0x20: return "cli4-amd64";
	case 0x40: return "cli4-arm";
	case 0x80: return "cli4-arm64";
	case 0x100: return "reverse-any";
	default: return "unknown";
	}
}

const char *sxs_pa30_flag_name(uint64_t bit)
{
	static const char *const names[] = {
		"e8", "mark", "imports", "exports", "resources", "relocs",
		"i386-smashlock", "i386-jmps", "i386-calls", "amd64-disasm",
		"amd64-pdata", "ia64-disasm", "ia64-pdata", "unbind", "cli-disasm",
		"cli-metadata", "headers", "ignore-file-size-limit", "ignore-options",
		"arm-disasm", "arm-pdata", "cli4-metadata", "cli4-disasm",
		"arm64-disasm", "arm64-pdata",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bit == (uint64_t)1 << i)
			return names[i];
	return NULL;
}

int sxs_pa30_hash_alg(uint64_t hash_alg_id, const char **name_ret, size_t *size_ret)
{
	enum sxs_digest_alg alg;

	switch (hash_alg_id) {
	case SXS_PA30_HASH_NONE:
		*name_ret = "none";
		*size_ret = 0;
		return 0;
	case SXS_PA30_HASH_MD5: alg = SXS_DIGEST_MD5; break;
	case SXS_PA30_HASH_SHA1: alg = SXS_DIGEST_SHA1; break;
	case SXS_PA30_HASH_SHA256: alg = SXS_DIGEST_SHA256; break;
	default: return -SXS_EUNSUPPORTED;
	}
	*name_ret = sxs_digest_name(alg);
	*size_ret = sxs_digest_size(alg);
	return 0;
}

static enum sxs_digest_alg digest_alg(uint64_t hash_alg_id)
{
	switch (hash_alg_id) {
	case SXS_PA30_HASH_MD5: return SXS_DIGEST_MD5;
	case SXS_PA30_HASH_SHA1: return SXS_DIGEST_SHA1;
	case SXS_PA30_HASH_SHA256: return SXS_DIGEST_SHA256;
	default: return SXS_DIGEST_NONE;
	}
}

/* FileTypeSet ... TargetHash: the fields PA30 and PA31's inner header share. */
static int read_common_fields(struct pa30_bits *b, struct sxs_pa30_header *h,
                              struct sxs_diag *diag)
{
	const uint8_t *hash;
	size_t hash_len;
	int err;

	if ((err = pa30_bits_read_int(b, &h->file_type_set, diag, "file type set")) ||
	    (err = pa30_bits_read_int(b, &h->file_type, diag, "file type")) ||
	    (err = pa30_bits_read_int(b, &h->flags, diag, "flags")) ||
	    (err = pa30_bits_read_int(b, &h->target_size, diag, "target size")) ||
	    (err = pa30_bits_read_int(b, &h->hash_alg_id, diag, "hash algorithm")) ||
	    (err = pa30_bits_read_buf(b, &hash, &hash_len, diag, "target hash")))
		return err;
	if (hash_len > SXS_PA30_MAX_HASH)
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: target hash of %zu bytes", hash_len);
	memcpy(h->target_hash, hash, hash_len);
	h->target_hash_len = hash_len;
	return 0;
}

/* Parse the header; also return where the PreProcess and Patch buffers are. */
static int parse_header(const uint8_t *delta, size_t len, struct sxs_pa30_header *h,
                        const uint8_t **preprocess_ret, const uint8_t **patch_ret,
                        struct sxs_diag *diag)
{
	struct pa30_bits b;
	const uint8_t *pre, *patch;
	int err;

	memset(h, 0, sizeof(*h));
	if (len < 4)
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: %zu bytes, too short for a delta", len);
	if (memcmp(delta, "PA30", 4) == 0)
		h->is_pa31 = 0;
	else if (memcmp(delta, "PA31", 4) == 0)
		h->is_pa31 = 1;
	else if (memcmp(delta, "PA19", 4) == 0)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: PA19 (mspatcha) delta not supported");
	else
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: bad magic (not PA30/PA31)");
	if (len <= PA30_PREFIX_LEN)
		return sxs_diag_set(diag, SXS_ETRUNC, "pa30: header truncated");
	h->target_filetime = sxs_le64(delta + 4);

	err = pa30_bits_init(&b, delta + PA30_PREFIX_LEN, len - PA30_PREFIX_LEN, diag, "header");
	if (err)
		return err;
	if (!h->is_pa31) {
		err = read_common_fields(&b, h, diag);
	} else {
		/* PA31: the common fields sit in a Buf that is its own bitstream */
		struct pa30_bits inner;
		const uint8_t *ih;
		size_t ih_len;
		uint64_t unused;
		const uint8_t *hash2;
		size_t hash2_len;
		err = pa30_bits_read_buf(&b, &ih, &ih_len, diag, "pa31 inner header");
		if (!err)
			err = pa30_bits_init(&inner, ih, ih_len, diag, "pa31 inner header");
		if (!err)
			err = read_common_fields(&inner, h, diag);
		/* then three Ints and a second hash buffer, not used here */
		for (int i = 0; !err && i < 3; i++)
			err = pa30_bits_read_int(&inner, &unused, diag, "pa31 inner header");
		if (!err)
			err = pa30_bits_read_buf(&inner, &hash2, &hash2_len, diag, "pa31 second hash");
	}
	if (err)
		return err;
	if (h->file_type_set & SXS_PA30_FTS_REVERSE) {
		/* reverse delta: one buffer of reversal data (psfx.md §3) */
		h->is_reverse = 1;
		pre = NULL;
		h->preprocess_len = 0;
		err = pa30_bits_read_buf(&b, &patch, &h->patch_len, diag, "reversal data");
		if (err)
			return err;
	} else {
		err = pa30_bits_read_buf(&b, &pre, &h->preprocess_len, diag, "preprocess");
		if (!err)
			err = pa30_bits_read_buf(&b, &patch, &h->patch_len, diag, "patch");
		if (err)
			return err;
	}
	if (preprocess_ret)
		*preprocess_ret = pre;
	if (patch_ret)
		*patch_ret = patch;
	return 0;
}

int pa30_parse_delta(const uint8_t *delta, size_t len, struct sxs_pa30_header *hdr_ret,
                     const uint8_t **preprocess_ret, const uint8_t **patch_ret,
                     struct sxs_diag *diag)
{
	struct sxs_pa30_header h;
	const uint8_t *pre = NULL, *patch = NULL;
	int err = parse_header(delta, len, &h, &pre, &patch, diag);

	if (err)
		return err;
	*hdr_ret = h;
	*preprocess_ret = pre;
	*patch_ret = patch;
	return 0;
}

int sxs_pa30_read_header_body(const uint8_t *delta, size_t len,
                              struct sxs_pa30_header *hdr_ret, const uint8_t **body_ret,
                              struct sxs_diag *diag)
{
	struct sxs_pa30_header h;
	const uint8_t *body = NULL;
	int err = parse_header(delta, len, &h, NULL, &body, diag);

	if (err)
		return err;
	*hdr_ret = h;
	*body_ret = body;
	return 0;
}

int sxs_pa30_read_header(const uint8_t *delta, size_t len,
                         struct sxs_pa30_header *hdr_ret, struct sxs_diag *diag)
{
	struct sxs_pa30_header h;
	int err = parse_header(delta, len, &h, NULL, NULL, diag);

	if (err)
		return err;
	*hdr_ret = h;
	return 0;
}

/* Semantic checks before decoding (see "What sxs_pa30_apply() accepts"). */
static int check_applicable(const struct sxs_pa30_header *h, struct sxs_diag *diag)
{
	const char *name;
	size_t hash_size;

	if (h->is_pa31)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: PA31 delta not supported");
	if (h->file_type != SXS_PA30_FILE_TYPE_RAW) {
		if (h->file_type != 0 && h->file_type <= PA30_PE_FILE_TYPES &&
		    (h->file_type & (h->file_type - 1)) == 0)
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "pa30: PE delta (file type %llu) not supported",
			                    (unsigned long long)h->file_type);
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: file type 0x%llx not supported",
		                    (unsigned long long)h->file_type);
	}
	if (!(h->file_type_set & h->file_type))
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pa30: file type 0x%llx not in file type set 0x%llx",
		                    (unsigned long long)h->file_type,
		                    (unsigned long long)h->file_type_set);
	if (h->flags & ~(uint64_t)PA30_KNOWN_FLAGS)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: unknown flag bits 0x%llx",
		                    (unsigned long long)(h->flags & ~(uint64_t)PA30_KNOWN_FLAGS));
	if (h->flags & ~(uint64_t)SXS_PA30_RAW_FLAGS)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "pa30: flags 0x%llx not supported in a raw delta",
		                    (unsigned long long)(h->flags & ~(uint64_t)SXS_PA30_RAW_FLAGS));
	if (sxs_pa30_hash_alg(h->hash_alg_id, &name, &hash_size) < 0)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: hash algorithm 0x%llx not supported",
		                    (unsigned long long)h->hash_alg_id);
	if (h->hash_alg_id != SXS_PA30_HASH_NONE && h->target_hash_len != hash_size)
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s target hash of %zu bytes", name,
		                    h->target_hash_len);
	if (h->preprocess_len != 0)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "pa30: raw delta with preprocess data not supported");
	if (h->target_size > SXS_MAX_PA30_TARGET)
		return sxs_diag_set(diag, SXS_ELIMIT, "pa30: target size %llu exceeds the limit %llu",
		                    (unsigned long long)h->target_size,
		                    (unsigned long long)SXS_MAX_PA30_TARGET);
	return 0;
}

/*
 * Undo the x86 CALL translation (flag 0x1): at each 0xE8 byte i before
 * size - 10, the i32 operand v was made absolute when -i <= v < size; make
 * it relative again.  Every 0xE8 skips its 4 operand bytes.
 */
void pa30_undo_e8(uint8_t *buf, size_t size)
{
	if (size <= 10 || size > INT32_MAX)
		return;
	const int64_t tsize = (int64_t)size;
	for (size_t i = 0; i < size - 10; i++) {
		if (buf[i] != 0xE8)
			continue;
		int64_t v = (int32_t)sxs_le32(buf + i + 1);
		if (v >= -(int64_t)i && v < tsize) {
			int64_t r = v >= 0 ? v - (int64_t)i : v + tsize;
			uint32_t u = (uint32_t)(int32_t)r;
			buf[i + 1] = (uint8_t)u;
			buf[i + 2] = (uint8_t)(u >> 8);
			buf[i + 3] = (uint8_t)(u >> 16);
			buf[i + 4] = (uint8_t)(u >> 24);
		}
		i += 4;
	}
}

int pa30_check_target_hash(const struct sxs_pa30_header *h, const uint8_t *out, size_t len,
                           struct sxs_diag *diag)
{
	uint8_t md[SXS_DIGEST_MAX];
	size_t md_len;
	enum sxs_digest_alg alg = digest_alg(h->hash_alg_id);
	int err;

	if (alg == SXS_DIGEST_NONE)
		return 0;
	err = sxs_digest_buffer(alg, out, len, md, &md_len);
	if (err)
		return sxs_diag_set(diag, -err, "pa30: cannot compute %s: %s",
		                    sxs_digest_name(alg), sxs_strerror(err));
	if (md_len != h->target_hash_len || memcmp(md, h->target_hash, md_len) != 0)
		return sxs_diag_set(diag, SXS_EHASH, "pa30: %s of the target does not match the delta",
		                    sxs_digest_name(alg));
	return 0;
}

int sxs_pa30_apply(const uint8_t *source, size_t source_len,
                   const uint8_t *delta, size_t delta_len,
                   uint8_t **out_ret, size_t *out_len_ret, struct sxs_diag *diag)
{
	struct sxs_pa30_header h;
	const uint8_t *patch = NULL;
	uint8_t *out = NULL;
	size_t size;
	int err;

	if (!source && source_len)
		return sxs_diag_set(diag, SXS_EINVAL, "pa30: source buffer missing");
	err = parse_header(delta, delta_len, &h, NULL, &patch, diag);
	if (err)
		goto out;
	if (h.is_reverse)
		return pa30_apply_reverse_parsed(&h, patch, source, source_len, SXS_MAX_PA30_TARGET,
		                                 out_ret, out_len_ret, diag);
	err = check_applicable(&h, diag);
	if (err)
		goto out;
	size = (size_t)h.target_size;
	err = pa30_decode_patch(source, source_len, patch, h.patch_len, size, NULL, &out, diag);
	if (err)
		goto out;
	if (h.flags & SXS_PA30_FLAG_E8)
		pa30_undo_e8(out, size);
	err = pa30_check_target_hash(&h, out, size, diag);
	if (err)
		goto out;
	*out_ret = out;
	*out_len_ret = size;
	out = NULL;
out:
	sxs_free(out);
	return err;
}

int sxs_psfx_check(const uint8_t *data, size_t len,
                   struct sxs_pa30_header *hdr_ret, struct sxs_diag *diag)
{
	uint32_t stored, computed;

	if (len < SXS_PSFX_PREFIX_LEN)
		return sxs_diag_set(diag, SXS_ETRUNC, "psfx: %zu bytes, too short", len);
	stored = sxs_le32(data);
	computed = sxs_crc32(0, data + SXS_PSFX_PREFIX_LEN, len - SXS_PSFX_PREFIX_LEN);
	if (stored != computed)
		return sxs_diag_set(diag, SXS_EHASH,
		                    "psfx: crc32 mismatch (stored %08x, computed %08x)",
		                    stored, computed);
	return sxs_pa30_read_header(data + SXS_PSFX_PREFIX_LEN, len - SXS_PSFX_PREFIX_LEN,
	                            hdr_ret, diag);
}
