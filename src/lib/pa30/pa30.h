/* SPDX-License-Identifier: MIT */
#ifndef SXS_PA30_PA30_H
#define SXS_PA30_PA30_H

/*
 * PA30 (msdelta) decoder, WinSxS containers and PE resource lookup.
 * Format reference: docs/formats.md §3 (containers) and §4 (PA30).
 *
 * API summary
 *   sxs_pa30_read_header()   parse the header of a PA30 or PA31 delta (any
 *                            file type); used by `delta info`.
 *   sxs_pa30_apply()         apply a RAW PA30 delta to a source buffer.
 *   sxs_container_detect()   classify "DC?\x01" containers.
 *   sxs_container_name()     "DCM", "DCN", ... ("none" for SXS_CONTAINER_NONE).
 *   sxs_container_decode()   decode a DCM (needs the base manifest) or a DCN.
 *   sxs_psfx_check()         check the CRC-32 prefix of a PSFX f/r/n file and
 *                            parse the delta header after it.
 *   sxs_pe_find_resource()   find resource type/id (first language) in a PE
 *                            file image, e.g. the DCM base manifest in wcp.dll
 *                            (type SXS_WCP_BASE_MANIFEST_TYPE, id 1).
 *   sxs_pa30_file_type_name(), sxs_pa30_flag_name(), sxs_pa30_hash_alg()
 *                            helpers for printing headers.
 *
 * What sxs_pa30_apply() accepts (everything else is refused, see below):
 *   - magic "PA30"; PA31 headers parse, but applying one is -SXS_EUNSUPPORTED;
 *   - FileType 1 (RAW), contained in FileTypeSet; PE/CLI file types are
 *     -SXS_EUNSUPPORTED here ("pa30: PE delta (file type 8) not supported"):
 *     sxs_delta_apply() (pa30/delta.h) applies forward PE deltas and says
 *     ok / corrupt / unsupported for any delta;
 *   - Flags made only of SXS_PA30_RAW_FLAGS: 0x1 (E8 call translation, undone
 *     after decoding), 0x20000 (IGNORE_FILE_SIZE_LIMIT) and 0x40000
 *     (IGNORE_OPTIONS), which do not change the decoding.  Any other bit,
 *     known to msdelta.h or not, is -SXS_EUNSUPPORTED: a decoder that ignored
 *     a flag would produce wrong bytes instead of saying so;
 *   - an empty PreProcess buffer (else -SXS_EUNSUPPORTED: only PE deltas
 *     use one); the patch's own rift table, if any, re-anchors its source
 *     copies (psfx.md §5.6);
 *   - TargetSize <= SXS_MAX_PA30_TARGET (else -SXS_ELIMIT, before allocating);
 *   - HashAlgId 0 (none), 0x8003 MD5, 0x8004 SHA-1 or 0x800C SHA-256 with a
 *     hash of the matching size.  A wrong hash is -SXS_EHASH; other
 *     algorithms are -SXS_EUNSUPPORTED.
 * Malformed streams are -SXS_EFORMAT, streams that end early -SXS_ETRUNC.
 * The decoder never reads past a bitstream's last valid bit, validates every
 * Huffman code and every LZ copy, and succeeds only when exactly TargetSize
 * bytes were produced.  Its output buffer grows with the output (up to
 * TargetSize), so a small hostile delta that claims a huge target costs
 * neither memory nor time.
 *
 * All functions return 0 or a negative -SXS_E* code, take an optional diag
 * that receives a one-line reason, and write their *_ret out-parameters only
 * on success.  Output buffers are allocated with sxs_malloc (free with
 * sxs_free).
 */

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* Largest TargetSize we allocate for (1 GiB); a larger one is -SXS_ELIMIT. */
#define SXS_MAX_PA30_TARGET ((uint64_t)1 << 30)
/* Most Huffman table segments one patch may declare. */
#define SXS_MAX_PA30_SEGMENTS 4096

/* FileType values (msdelta.h DELTA_FILE_TYPE_*). */
#define SXS_PA30_FILE_TYPE_RAW 0x1u

/* Flags that a RAW delta may carry (see above). */
#define SXS_PA30_FLAG_E8 0x1u
#define SXS_PA30_FLAG_IGNORE_FILE_SIZE_LIMIT 0x20000u
#define SXS_PA30_FLAG_IGNORE_OPTIONS 0x40000u
#define SXS_PA30_RAW_FLAGS                                                  \
	(SXS_PA30_FLAG_E8 | SXS_PA30_FLAG_IGNORE_FILE_SIZE_LIMIT |          \
	 SXS_PA30_FLAG_IGNORE_OPTIONS)

/* HashAlgId values (CryptoAPI ALG_ID). */
#define SXS_PA30_HASH_NONE 0x0u
#define SXS_PA30_HASH_MD5 0x8003u
#define SXS_PA30_HASH_SHA1 0x8004u
#define SXS_PA30_HASH_SHA256 0x800Cu

#define SXS_PA30_MAX_HASH 33 /* longest TargetHash buffer accepted */

struct sxs_pa30_header {
	uint64_t file_type_set; /* "version": 0x1, 0xF, 0x75, 0xF5 */
	uint64_t file_type;     /* 1 RAW, 2 I386, 8 AMD64, ... */
	uint64_t flags;
	uint64_t target_size;
	uint64_t hash_alg_id;   /* 0 or a CryptoAPI ALG_ID */
	uint8_t target_hash[SXS_PA30_MAX_HASH];
	size_t target_hash_len;
	size_t preprocess_len;
	size_t patch_len;
	uint64_t target_filetime; /* the u64 after the magic */
	int is_pa31;
	int is_reverse;         /* FileTypeSet & 0x100: reversal data, see below */
};

/*
 * Parse the header of a PA30/PA31 delta (starting with the magic).  Checks
 * structure only (magic, integer and buffer coding, buffer bounds, hash
 * length); file type, flags and sizes are reported as found.
 */
int sxs_pa30_read_header(const uint8_t *delta, size_t len,
                         struct sxs_pa30_header *hdr_ret, struct sxs_diag *diag);

/*
 * Apply a RAW PA30 delta to source (source may be NULL when source_len is 0:
 * an empty source).  On success *out_ret holds exactly target_size bytes.
 */
int sxs_pa30_apply(const uint8_t *source, size_t source_len,
                   const uint8_t *delta, size_t delta_len,
                   uint8_t **out_ret, size_t *out_len_ret, struct sxs_diag *diag);

/* --- Reverse deltas (psfx.md §3-§4; prsm.c) ------------------------------- */

/*
 * FileTypeSet bit 0x100: the delta carries PRSM reversal data instead of
 * PreProcess and Patch (one buffer; header patch_len is its size).  Applied
 * to the newer file it rebuilds the older one (an r\ file: the RTM base).
 */
#define SXS_PA30_FTS_REVERSE 0x100u
/* Every flag bit msdelta.h defines (DELTA_FLAG_* up to ARM64_PDATA). */
#define SXS_PA30_KNOWN_FLAGS 0x1FFFFFFu

/*
 * Parse the header and return where the body starts: the Patch buffer, or
 * the reversal data of a reverse delta.
 */
int sxs_pa30_read_header_body(const uint8_t *delta, size_t len,
                              struct sxs_pa30_header *hdr_ret, const uint8_t **body_ret,
                              struct sxs_diag *diag);

/*
 * Apply a reverse (FileTypeSet & 0x100) PA30/PA31 delta to ref (the newer
 * file).  TargetSize above max_target (or SXS_MAX_PA30_TARGET) is
 * -SXS_ELIMIT before allocating; unknown flag bits or hash algorithms are
 * -SXS_EUNSUPPORTED; a target hash that does not match is -SXS_EHASH;
 * reversal data that does not decode -SXS_EFORMAT / -SXS_ETRUNC.  Flags
 * known to msdelta.h select PE transforms, which reversal data does not use:
 * they are accepted and ignored.
 */
int sxs_pa30_apply_reverse(const uint8_t *ref, size_t ref_len, const uint8_t *delta,
                           size_t delta_len, uint64_t max_target, uint8_t **out_ret,
                           size_t *out_len_ret, struct sxs_diag *diag);

/* Printing helpers: "raw", "amd64", ... ("unknown" otherwise). */
const char *sxs_pa30_file_type_name(uint64_t file_type);
/* msdelta.h name of one flag bit ("e8", "ignore-file-size-limit", ...), NULL if unknown. */
const char *sxs_pa30_flag_name(uint64_t bit);
/*
 * Map a HashAlgId to its name and size: 0 and *size_ret = 0 for
 * SXS_PA30_HASH_NONE, -SXS_EUNSUPPORTED for unknown ids.
 */
int sxs_pa30_hash_alg(uint64_t hash_alg_id, const char **name_ret, size_t *size_ret);

/* --- Containers (formats.md §3) ----------------------------------------- */

enum sxs_container {
	SXS_CONTAINER_NONE, /* not a "DC?\x01" container (plain XML, PA30, ...) */
	SXS_CONTAINER_DCM,  /* PA30 against the wcp.dll base manifest */
	SXS_CONTAINER_DCN,  /* PA30 against an empty source */
	SXS_CONTAINER_DCD,  /* PA30 against an unknown other file */
	SXS_CONTAINER_DCS,  /* LZMS blocks */
	SXS_CONTAINER_DCH,  /* header only */
	SXS_CONTAINER_DCX,  /* undocumented */
};

/* Size of the magic that precedes the PA30 stream in DCM/DCN. */
#define SXS_CONTAINER_MAGIC_LEN 4

enum sxs_container sxs_container_detect(const uint8_t *data, size_t len);
const char *sxs_container_name(enum sxs_container type);

/*
 * Decode a DCM (base = the base manifest, required) or a DCN (base ignored).
 * DCD, DCS, DCH and DCX are -SXS_EUNSUPPORTED; anything else -SXS_EFORMAT.
 */
int sxs_container_decode(const uint8_t *data, size_t len,
                         const uint8_t *base, size_t base_len,
                         uint8_t **out_ret, size_t *out_len_ret,
                         struct sxs_diag *diag);

/* The DCM base manifest ("dictionary") in wcp.dll: size and SHA-256. */
#define SXS_BASE_MANIFEST_SIZE 9066
#define SXS_WCP_BASE_MANIFEST_TYPE 0x266u
#define SXS_WCP_BASE_MANIFEST_ID 1u
extern const uint8_t sxs_base_manifest_sha256[32];

/* --- PSFX f/r/n delta files (formats.md §1.2) ---------------------------- */

#define SXS_PSFX_PREFIX_LEN 4

/*
 * A PSFX file is a u32 LE CRC-32 over everything after it, then a PA30/PA31
 * delta.  Returns 0 when the CRC matches and the header parses (filling
 * hdr_ret), -SXS_EHASH on a CRC mismatch, or the header parse error.
 */
int sxs_psfx_check(const uint8_t *data, size_t len,
                   struct sxs_pa30_header *hdr_ret, struct sxs_diag *diag);

/* --- PE resources --------------------------------------------------------- */

/*
 * Find resource type/id (first language entry) in a PE file image held in
 * memory.  *data_ret points into pe; every offset and RVA is bounds-checked
 * and directory loops are rejected.  -SXS_ENOENT when the resource is absent.
 */
int sxs_pe_find_resource(const uint8_t *pe, size_t len, uint32_t type, uint32_t id,
                         const uint8_t **data_ret, size_t *size_ret,
                         struct sxs_diag *diag);

#endif
