/* SPDX-License-Identifier: MIT */
/*
 * Apply any PA30/PA31 delta and say what came of it (delta.h): RAW deltas
 * through the LZ decoder, forward PE deltas through pa30/pe/, reverse
 * deltas through prsm.c; everything this decoder does not implement is
 * SXS_DELTA_UNSUPPORTED with the reason, never a corruption verdict.
 */
#include "pa30/delta.h"

#include <stdio.h>
#include <string.h>

#include "pa30/codec.h"
#include "pa30/internal.h"
#include "pa30/lz.h"
#include "pa30/pe/pe.h"
#include "pa30/prsm.h"
#include "util/alloc.h"
#include "util/bytes.h"

#define FT_RAW 0x1u
#define FT_I386 0x2u
#define FT_IA64 0x4u
#define FT_AMD64 0x8u
#define FT_CLI4 0xF0u /* CLI4 on i386, amd64, arm, arm64 */

/*
 * Flags a forward PE delta may carry.  Besides the transforms of pa30/pe/
 * and E8: CLI_DISASM / CLI_METADATA are set in every native delta and act
 * only on managed code (refused as CLI when the delta or source has it);
 * I386_SMASHLOCK is set in every i386 delta and has no apply-side effect
 * that any real vector shows (psfx.md R4: JL decodes them without it);
 * IGNORE_FILE_SIZE_LIMIT and IGNORE_OPTIONS do not change the decoding.
 */
#define PE_SUPPORTED_FLAGS                                                   \
	(SXS_DELTA_TRANSFORM_FLAGS | PE_FLAG_E8 | PE_FLAG_SMASHLOCK |            \
	 PE_FLAG_CLI_DISASM | PE_FLAG_CLI_METADATA | SXS_PA30_FLAG_IGNORE_FILE_SIZE_LIMIT | \
	 SXS_PA30_FLAG_IGNORE_OPTIONS)

/*
 * In a RAW delta, flag 0x100 selects the BsDiff codec instead of the LZ one
 * (CreateDeltaB with that flag set; JL tests/fixtures/deltas/README.md).
 */
#define RAW_FLAG_BSDIFF 0x100u


const char *sxs_delta_kind_name(enum sxs_delta_kind kind)
{
	switch (kind) {
	case SXS_DELTA_KIND_RAW: return "raw";
	case SXS_DELTA_KIND_PE: return "pe";
	case SXS_DELTA_KIND_CLI: return "cli";
	case SXS_DELTA_KIND_REVERSE: return "reverse";
	case SXS_DELTA_KIND_UNKNOWN: break;
	}
	return "unknown";
}

const char *sxs_delta_verdict_name(enum sxs_delta_verdict verdict)
{
	switch (verdict) {
	case SXS_DELTA_OK: return "ok";
	case SXS_DELTA_CORRUPT: return "corrupt";
	case SXS_DELTA_UNSUPPORTED: return "unsupported";
	case SXS_DELTA_ERROR: break;
	}
	return "error";
}

const char *sxs_delta_hash_name(enum sxs_delta_hash hash)
{
	switch (hash) {
	case SXS_DELTA_HASH_MATCH: return "match";
	case SXS_DELTA_HASH_MISMATCH: return "mismatch";
	case SXS_DELTA_HASH_NONE: break;
	}
	return "none";
}

static enum sxs_delta_kind kind_of(const struct sxs_pa30_header *h)
{
	if (h->is_reverse)
		return SXS_DELTA_KIND_REVERSE;
	if (h->file_type == FT_RAW)
		return SXS_DELTA_KIND_RAW;
	if (h->file_type & FT_CLI4 && !(h->file_type & (h->file_type - 1)))
		return SXS_DELTA_KIND_CLI;
	if (h->file_type == FT_I386 || h->file_type == FT_AMD64 || h->file_type == FT_IA64)
		return SXS_DELTA_KIND_PE;
	return SXS_DELTA_KIND_UNKNOWN;
}

/* Name the lowest set bit of bits for a message: "arm64-disasm" or "0x...". */
static void name_first_flag(uint64_t bits, char *buf, size_t size)
{
	uint64_t bit = bits & (~bits + 1);
	const char *name = sxs_pa30_flag_name(bit);

	if (name)
		snprintf(buf, size, "%s (0x%llx)", name, (unsigned long long)bit);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)bit);
}

/*
 * What the decoder refuses in a parsed header, before any decoding: the
 * same checks for apply and info.  Returns 0, or -SXS_EUNSUPPORTED /
 * -SXS_EFORMAT with diag set.
 */
static int check_header(const struct sxs_pa30_header *h, uint64_t *unsupported_ret,
                        struct sxs_diag *diag)
{
	const char *name;
	size_t hash_size;
	char flag[64];
	uint64_t bad = 0;

	*unsupported_ret = 0;
	if (h->is_reverse)
		return 0; /* prsm.c checks its own (PE flags do not apply) */
	if (!(h->file_type_set & h->file_type))
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "pa30: file type 0x%llx not in file type set 0x%llx",
		                    (unsigned long long)h->file_type,
		                    (unsigned long long)h->file_type_set);
	switch (kind_of(h)) {
	case SXS_DELTA_KIND_RAW:
		bad = h->flags & ~(uint64_t)SXS_PA30_RAW_FLAGS;
		*unsupported_ret = bad;
		if (bad & RAW_FLAG_BSDIFF)
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "pa30: raw delta with flag 0x100 (the BsDiff codec) not supported");
		if (bad) {
			name_first_flag(bad, flag, sizeof(flag));
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "pa30: flag %s not supported in a raw delta", flag);
		}
		if (h->preprocess_len != 0)
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "pa30: raw delta with preprocess data not supported");
		break;
	case SXS_DELTA_KIND_PE:
		bad = h->flags & ~(uint64_t)PE_SUPPORTED_FLAGS;
		*unsupported_ret = bad;
		if (h->file_type == FT_IA64)
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "pa30: IA64 delta: IA64 transforms not implemented");
		if (bad) {
			name_first_flag(bad, flag, sizeof(flag));
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "pa30: %s delta with flag %s: transform not implemented",
			                    sxs_pa30_file_type_name(h->file_type), flag);
		}
		if (h->preprocess_len == 0)
			return sxs_diag_set(diag, SXS_EFORMAT,
			                    "pa30: %s delta without preprocess data",
			                    sxs_pa30_file_type_name(h->file_type));
		break;
	case SXS_DELTA_KIND_CLI:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "pa30: %s delta: CLI4 metadata transforms not implemented",
		                    sxs_pa30_file_type_name(h->file_type));
	default:
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: file type 0x%llx not supported",
		                    (unsigned long long)h->file_type);
	}
	if (sxs_pa30_hash_alg(h->hash_alg_id, &name, &hash_size) < 0)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED, "pa30: hash algorithm 0x%llx not supported",
		                    (unsigned long long)h->hash_alg_id);
	if (h->hash_alg_id != SXS_PA30_HASH_NONE && h->target_hash_len != hash_size)
		return sxs_diag_set(diag, SXS_EFORMAT, "pa30: %s target hash of %zu bytes", name,
		                    h->target_hash_len);
	return 0;
}

/*
 * A managed (classic CLI) delta is refused before anything else is looked
 * at: its PreProcess names CLI metadata or a CLI map (a malformed
 * PreProcess is left for pe_apply to report).
 */
static int check_cli(const struct sxs_pa30_header *h, const uint8_t *pre,
                     struct sxs_delta_result *res, struct sxs_diag *diag)
{
	struct pe_preprocess pp;
	int err = 0;

	pe_preprocess_init(&pp);
	if (pe_preprocess_parse(pre, h->preprocess_len, &pp, NULL) == 0 &&
	    (pp.cli_metadata || pp.cli_map)) {
		res->kind = SXS_DELTA_KIND_CLI;
		err = sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                   "pa30: classic CLI (.NET) delta: CLI metadata transforms not implemented");
	}
	pe_preprocess_release(&pp);
	return err;
}

static enum sxs_delta_verdict verdict_of(int err)
{
	switch (-err) {
	case SXS_OK: return SXS_DELTA_OK;
	case SXS_EUNSUPPORTED: return SXS_DELTA_UNSUPPORTED;
	case SXS_EFORMAT:
	case SXS_ETRUNC:
	case SXS_EHASH: return SXS_DELTA_CORRUPT;
	default: return SXS_DELTA_ERROR;
	}
}

/*
 * The Patch buffer of a PA31 delta may be a Compression API LZMS container
 * holding the target whole (baseless content; psfx.md §5.9, JL 3e17126).
 */
static bool is_capi_patch(const struct sxs_pa30_header *h, const uint8_t *patch)
{
	return h->is_pa31 && h->patch_len >= 4 && sxs_le32(patch) == SXS_CAPI_MAGIC;
}

static int decode_capi(const struct sxs_pa30_header *h, const uint8_t *patch, uint8_t **out_ret,
                       struct sxs_diag *diag)
{
	uint8_t *out = NULL;
	size_t len = 0;
	int err = sxs_capi_decode(patch, h->patch_len, h->target_size, &out, &len, diag);

	if (err)
		return err;
	if (len != h->target_size) {
		sxs_free(out);
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "pa31: compressed patch of %zu bytes for a %llu-byte target "
		                    "(a bsdiff stream) not supported",
		                    len, (unsigned long long)h->target_size);
	}
	*out_ret = out;
	return 0;
}

/*
 * The E8 post-filter (flag 0x1) and the TargetHash check.  msdelta undoes
 * the CALL translation only on a native i386 output (psfx.md §5.7, R5: JL
 * reads that gate out of ApplyDeltaB; every real vector agrees: the E8
 * flag is set exactly on the i386 targets).  Where the two readings would
 * differ and the delta has a TargetHash, the hash decides: when the gated
 * output does not match, the other reading is tried, and a match is
 * conclusive either way.  Without a hash the gate is followed.
 */
static int finish_output(const struct sxs_pa30_header *h, uint8_t *out, size_t len,
                         struct sxs_diag *diag)
{
	uint8_t *other = NULL;
	bool gate;
	int err;

	if (!(h->flags & SXS_PA30_FLAG_E8))
		return pa30_check_target_hash(h, out, len, diag);
	gate = pe_is_i386_native(out, len);
	if (h->hash_alg_id != SXS_PA30_HASH_NONE) {
		other = sxs_malloc(len);
		if (!other)
			return sxs_diag_set(diag, SXS_ENOMEM, "pa30: out of memory for %zu bytes", len);
		memcpy(other, out, len);
	}
	if (gate)
		pa30_undo_e8(out, len);
	err = pa30_check_target_hash(h, out, len, NULL);
	if (err == -SXS_EHASH && other) {
		if (!gate)
			pa30_undo_e8(other, len);
		if (pa30_check_target_hash(h, other, len, NULL) == 0) {
			memcpy(out, other, len);
			err = 0;
		}
	}
	sxs_free(other);
	if (err)
		return pa30_check_target_hash(h, out, len, diag); /* the message, again */
	return 0;
}

static void set_hash_state(struct sxs_delta_result *res, int err)
{
	if (res->header.hash_alg_id == SXS_PA30_HASH_NONE)
		res->hash = SXS_DELTA_HASH_NONE;
	else
		res->hash = err ? SXS_DELTA_HASH_MISMATCH : SXS_DELTA_HASH_MATCH;
}

int sxs_delta_apply(const uint8_t *source, size_t source_len,
                    const uint8_t *delta, size_t delta_len,
                    const struct sxs_delta_opts *opts, struct sxs_delta_result *res)
{
	struct sxs_diag diag = {{0}};
	struct sxs_pa30_header *h = &res->header;
	const uint8_t *pre = NULL, *patch = NULL;
	uint64_t max_target = opts && opts->max_target ? opts->max_target : SXS_MAX_PA30_TARGET;
	uint64_t unsupported;
	uint8_t *out = NULL;
	size_t out_len = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if ((!source && source_len) || !delta)
		return -SXS_EINVAL;
	if (max_target > SXS_MAX_PA30_TARGET)
		max_target = SXS_MAX_PA30_TARGET;

	err = pa30_parse_delta(delta, delta_len, h, &pre, &patch, &diag);
	if (err)
		goto out;
	res->have_header = 1;
	res->kind = kind_of(h);
	if (h->is_reverse) {
		err = pa30_apply_reverse_parsed(h, patch, source, source_len, max_target, &out,
		                                &out_len, &diag);
		if (!err || err == -SXS_EHASH)
			set_hash_state(res, err);
		goto out;
	}
	err = check_header(h, &unsupported, &diag);
	if (!err && res->kind == SXS_DELTA_KIND_PE)
		err = check_cli(h, pre, res, &diag);
	if (err)
		goto out;
	if (h->target_size > max_target) {
		err = sxs_diag_set(&diag, SXS_ELIMIT, "pa30: target size %llu exceeds the limit %llu",
		                   (unsigned long long)h->target_size,
		                   (unsigned long long)max_target);
		goto out;
	}
	out_len = (size_t)h->target_size;
	if (is_capi_patch(h, patch)) {
		err = decode_capi(h, patch, &out, &diag);
	} else if (res->kind == SXS_DELTA_KIND_RAW) {
		err = pa30_decode_patch(source, source_len, patch, h->patch_len, out_len, NULL, &out,
		                        &diag);
	} else {
		struct pe_apply_info info;
		err = pe_apply(source, source_len, h, pre, patch, &out, &info, &diag);
		res->transforms = info.transforms;
		if (info.cli)
			res->kind = SXS_DELTA_KIND_CLI;
	}
	if (err)
		goto out;
	err = finish_output(h, out, out_len, &diag);
	if (!err || err == -SXS_EHASH)
		set_hash_state(res, err);
out:
	res->err = err;
	res->verdict = verdict_of(err);
	if (err)
		snprintf(res->reason, sizeof(res->reason), "%s", sxs_diag_msg(&diag, err));
	if (!err || (err == -SXS_EHASH && out)) {
		res->out = out;
		res->out_len = out_len;
		out = NULL;
	}
	sxs_free(out);
	return 0;
}

void sxs_delta_result_release(struct sxs_delta_result *res)
{
	sxs_free(res->out);
	res->out = NULL;
	res->out_len = 0;
}

int sxs_delta_info(const uint8_t *delta, size_t len, struct sxs_delta_info *info_ret,
                   struct sxs_diag *diag)
{
	struct sxs_delta_info info;
	const uint8_t *pre = NULL, *patch = NULL;
	struct sxs_diag why = {{0}};
	int err;

	memset(&info, 0, sizeof(info));
	err = pa30_parse_delta(delta, len, &info.header, &pre, &patch, diag);
	if (err)
		return err;
	info.kind = kind_of(&info.header);
	info.transforms = info.header.flags & SXS_DELTA_TRANSFORM_FLAGS;
	err = check_header(&info.header, &info.unsupported, &why);
	if (!err && info.kind == SXS_DELTA_KIND_PE) {
		struct pe_preprocess pp;
		pe_preprocess_init(&pp);
		err = pe_preprocess_parse(pre, info.header.preprocess_len, &pp, &why);
		if (!err) {
			info.have_pe = 1;
			info.pe.image_base = pp.image_base;
			info.pe.timestamp = pp.timestamp;
			info.pe.pe_rift = pp.pe_rift.n;
			info.pe.used_rift = pp.used_rift.n;
			info.pe.cli_metadata = pp.cli_metadata;
			info.pe.cli_map = pp.cli_map;
			if (pp.cli_metadata || pp.cli_map) {
				info.kind = SXS_DELTA_KIND_CLI;
				err = sxs_diag_set(&why, SXS_EUNSUPPORTED,
				                   "pa30: classic CLI (.NET) delta: CLI metadata transforms not implemented");
			}
		}
		pe_preprocess_release(&pp);
	}
	(void)patch;
	info.supported = err != -SXS_EUNSUPPORTED;
	if (err)
		snprintf(info.reason, sizeof(info.reason), "%s", sxs_diag_msg(&why, err));
	*info_ret = info;
	return 0;
}
