/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_DELTA_H
#define SXS_PA30_DELTA_H

/*
 * Apply any PA30 delta (RAW, or a forward PE delta with its flags and
 * transforms) and say what came of it; describe a delta's header.
 * Reference: docs psfx.md §3 (header facts), §5 (the PE pipeline).
 *
 * API summary
 *   sxs_delta_apply()           apply a delta to a source buffer; the result
 *                               says ok / corrupt(reason) / unsupported(reason),
 *                               how the header's TargetHash compared, and holds
 *                               the output.
 *   sxs_delta_result_release()  free what a result holds.
 *   sxs_delta_info()            header facts: kind, file type, flags, which of
 *                               them select transforms, what is unsupported, and
 *                               for a PE delta the PreProcess facts.
 *   sxs_delta_kind_name()       "raw", "pe", "cli", "reverse", "unknown".
 *   sxs_delta_verdict_name()    "ok", "corrupt", "unsupported", "error".
 *   sxs_delta_hash_name()       "none", "match", "mismatch".
 *
 * Verdicts (what the caller may conclude):
 *   SXS_DELTA_OK           exactly TargetSize bytes were produced and the
 *                          TargetHash matched (or the delta has none: see
 *                          hash == SXS_DELTA_HASH_NONE, then only a
 *                          comparison with a known file proves anything).
 *   SXS_DELTA_CORRUPT      the delta is malformed for the source it was given
 *                          (bad stream, a copy outside the data, a wrong size,
 *                          or the TargetHash did not match: hash says which).
 *                          A PE delta applied to the wrong source also lands
 *                          here, as it does in msdelta (ERROR_INVALID_DATA).
 *   SXS_DELTA_UNSUPPORTED  a valid delta this decoder does not implement
 *                          (PA31, classic CLI / .NET, CLI4, ARM64, IA64, a flag
 *                          without a transform here): never a corruption
 *                          verdict; psfx maps it to payload-unverifiable.
 *   SXS_DELTA_ERROR        could not be examined: out of memory, a target
 *                          above opts->max_target or SXS_MAX_PA30_TARGET.
 * reason holds one line (no newline) for every verdict but OK.
 *
 * The E8 post-filter (flag 0x1) runs on native i386 outputs only (msdelta's
 * gate as JL reads it, psfx.md R5); when the delta has a TargetHash and the
 * gated output does not match it, the other reading is tried and a match is
 * taken.  sxs_pa30_apply() (RAW only, DCM/DCN) keeps undoing E8 on any
 * output.
 *
 * A PE delta whose TargetHash mismatches while transforms ran that no real
 * vector proves (result.transforms, see psfx.md §6.3) is reported CORRUPT
 * with hash MISMATCH; deciding whether that is a decoder limit is the
 * caller's judgement (check/), not the decoder's.
 */

#include <stddef.h>
#include <stdint.h>

#include "pa30/pa30.h"
#include "util/status.h"

enum sxs_delta_kind {
	SXS_DELTA_KIND_UNKNOWN,
	SXS_DELTA_KIND_RAW,     /* FileType 1 */
	SXS_DELTA_KIND_PE,      /* FileType 2 (i386) or 8 (amd64), native */
	SXS_DELTA_KIND_CLI,     /* classic CLI (.NET) metadata in the PreProcess, or CLI4 */
	SXS_DELTA_KIND_REVERSE, /* FileTypeSet bit 0x100: PRSM reversal data (psfx) */
};

enum sxs_delta_verdict {
	SXS_DELTA_OK,
	SXS_DELTA_CORRUPT,
	SXS_DELTA_UNSUPPORTED,
	SXS_DELTA_ERROR,
};

enum sxs_delta_hash {
	SXS_DELTA_HASH_NONE,     /* HashAlgId 0, or no output to hash */
	SXS_DELTA_HASH_MATCH,
	SXS_DELTA_HASH_MISMATCH,
};

/* Flag bits that select a PE source transform (psfx.md §5.5), and E8. */
#define SXS_DELTA_TRANSFORM_FLAGS 0x27BEu /* mark imports exports resources relocs
                                             jmps calls disasm pdata unbind */

struct sxs_delta_opts {
	uint64_t max_target; /* largest TargetSize decoded; 0: SXS_MAX_PA30_TARGET */
};

struct sxs_delta_result {
	enum sxs_delta_verdict verdict;
	int err;                      /* the -SXS_E* code behind the verdict (0: OK) */
	char reason[SXS_DIAG_MAX];    /* one line, "" when OK */
	enum sxs_delta_hash hash;
	int have_header;              /* header parsed: header and kind are valid */
	struct sxs_pa30_header header;
	enum sxs_delta_kind kind;
	uint64_t transforms;          /* transform flag bits that changed the source */
	uint8_t *out;                 /* OK, or CORRUPT with hash MISMATCH: the */
	size_t out_len;               /* TargetSize bytes produced; else NULL / 0 */
};

/*
 * Apply delta to source (NULL with source_len 0: empty source).  Returns 0
 * when a verdict was reached (any of the four; see res->verdict), or a
 * negative -SXS_EINVAL for bad arguments.  res is always initialised; free
 * it with sxs_delta_result_release().  opts may be NULL.
 */
int sxs_delta_apply(const uint8_t *source, size_t source_len,
                    const uint8_t *delta, size_t delta_len,
                    const struct sxs_delta_opts *opts, struct sxs_delta_result *res);

void sxs_delta_result_release(struct sxs_delta_result *res);

/* PreProcess facts of a PE delta (psfx.md §5.1). */
struct sxs_delta_pe_info {
	uint64_t image_base;   /* target ImageBase */
	uint32_t timestamp;    /* target COFF TimeDateStamp */
	size_t pe_rift;        /* entries of the target RVA -> file offset rift */
	size_t used_rift;      /* entries of the source RVA -> target RVA rift */
	int cli_metadata;      /* CLI metadata present (classic .NET delta) */
	int cli_map;           /* CLI map present */
};

struct sxs_delta_info {
	struct sxs_pa30_header header;
	enum sxs_delta_kind kind;
	uint64_t transforms;   /* flags that select a source transform (any machine) */
	uint64_t unsupported;  /* flags this decoder does not implement */
	int supported;         /* 0: applying it is SXS_DELTA_UNSUPPORTED for reason */
	char reason[SXS_DIAG_MAX]; /* also set (supported 1) when the header or the
	                              PreProcess is malformed: applying is CORRUPT */
	int have_pe;           /* pe is valid (PE or CLI kind, PreProcess parsed) */
	struct sxs_delta_pe_info pe;
};

/*
 * Parse the header (and a PE delta's PreProcess buffer) without decoding.
 * Returns 0 and fills *info_ret, or a negative -SXS_E* when the header does
 * not parse (diag says why).
 */
int sxs_delta_info(const uint8_t *delta, size_t len, struct sxs_delta_info *info_ret,
                   struct sxs_diag *diag);

const char *sxs_delta_kind_name(enum sxs_delta_kind kind);
const char *sxs_delta_verdict_name(enum sxs_delta_verdict verdict);
const char *sxs_delta_hash_name(enum sxs_delta_hash hash);

#endif
