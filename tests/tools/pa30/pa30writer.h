/* SPDX-License-Identifier: MIT */
#ifndef SXS_TESTS_PA30WRITER_H
#define SXS_TESTS_PA30WRITER_H

/*
 * Test-only PA30 writer: the mirror image of src/lib/pa30, used by the unit
 * tests to build valid and hostile streams and by mkdcm to make the demo
 * image's compressed manifests.  Written from formats.md §4, independently
 * of the decoder's code (they share only the public header).
 *
 * Layers, lowest first:
 *   bit writer       LSB-first, 3-bit padding count at the start
 *   Int / Buf / code integer and buffer coding, Huffman codes (MSB first)
 *   Huffman lengths  flat, from frequencies (length limited), canonical codes
 *   patch encoder    tokens (literals and matches with an explicit position
 *                    slot kind) -> Patch bitstream with default tables,
 *                    frequency-fitted tables or caller-given code lengths,
 *                    one or more table segments
 *   header writer    PA30 / PA31 header around a patch
 *   compressor       greedy hash-chain LZ against a reference
 *   containers       DCM / DCN wrapping
 * Allocation goes through sxs_malloc; functions return 0 or -SXS_E*.
 */

#include <stddef.h>
#include <stdint.h>

/* --- bit writer ----------------------------------------------------------- */

struct pa30w_bits {
	uint8_t *buf;
	size_t len, cap;
	uint64_t acc;   /* pending bits, LSB first */
	unsigned nacc;  /* number of pending bits */
	int oom;        /* sticky allocation failure */
};

/* Start a bitstream: the 3-bit padding count is reserved and set by finish. */
void pa30w_bits_init(struct pa30w_bits *w);
void pa30w_bits_release(struct pa30w_bits *w);
/* Append the n <= 32 low bits of v, least significant first. */
void pa30w_put(struct pa30w_bits *w, uint64_t v, unsigned n);
/* Append a Huffman code of len bits, most significant bit first. */
void pa30w_put_code(struct pa30w_bits *w, uint32_t code, unsigned len);
/* Int with the shortest prefix; pa30w_put_int_k with k zero bits (k <= 15). */
void pa30w_put_int(struct pa30w_bits *w, uint64_t v);
void pa30w_put_int_k(struct pa30w_bits *w, uint64_t v, unsigned k);
/* Buf: Int length, zero bits to the byte boundary, the bytes. */
void pa30w_put_buf(struct pa30w_bits *w, const uint8_t *data, size_t len);
/* Bits written so far, including the 3-bit padding count. */
uint64_t pa30w_bits_count(const struct pa30w_bits *w);
/* Flush, store the padding count, hand the buffer over (sxs_free it). */
int pa30w_bits_finish(struct pa30w_bits *w, uint8_t **out, size_t *len);

/* --- Huffman ---------------------------------------------------------------- */

#define PA30W_MAIN_SYMS 600
#define PA30W_LEN_SYMS 256
#define PA30W_ALIGNED_SYMS 16
#define PA30W_SEGMENT_LENS (PA30W_MAIN_SYMS + PA30W_LEN_SYMS + PA30W_ALIGNED_SYMS)
#define PA30W_PRETREE_SYMS 39

/* Flat lengths of a complete code over n symbols (the default tables). */
void pa30w_flat_lengths(uint8_t *lens, unsigned n);
/*
 * Lengths (<= max_len) of a complete code for the used symbols; one used
 * symbol gets a partner so the code stays complete; none: all zero.
 */
int pa30w_lengths_from_freqs(const uint32_t *freq, unsigned n, unsigned max_len,
                             uint8_t *lens);
/* msdelta canonical codes (formats.md §4.6) for lens[0..n). */
void pa30w_codes(const uint8_t *lens, unsigned n, uint32_t *codes);

/* --- tokens and the patch encoder ------------------------------------------ */

enum pa30w_slot {
	PA30W_SLOT_AUTO,     /* value = distance: recent-distance slot if equal, else long */
	PA30W_SLOT_SRC14,    /* slot 0: value = delta, copy from t - delta */
	PA30W_SLOT_SRC16,    /* slot 1 */
	PA30W_SLOT_SRC18,    /* slot 2 */
	PA30W_SLOT_SRC_SAME, /* slot 3: copy from t */
	PA30W_SLOT_LRU0,     /* slots 4-6: recent distances */
	PA30W_SLOT_LRU1,
	PA30W_SLOT_LRU2,
	PA30W_SLOT_DIST,     /* slots 7-42: value = distance (>= 1) */
};

struct pa30w_token {
	int is_match;
	uint8_t literal;
	enum pa30w_slot slot;
	int64_t value;
	uint64_t len; /* match length >= 2 */
};

struct pa30w_patch_opts {
	int use_default;         /* flat default tables (one segment) */
	size_t nseg;             /* 0 means 1 */
	const uint64_t *seg_start; /* nseg virtual positions, or NULL: one at ref_len */
	const uint8_t *lens;     /* nseg * PA30W_SEGMENT_LENS given lengths, or NULL */
	int rift_present;        /* write a 1 "rift table present" bit (hostile) */
};

/* Encode tokens against a reference of ref_len bytes into a Patch bitstream. */
int pa30w_encode_patch(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
                       const struct pa30w_patch_opts *opts, uint8_t **out, size_t *len);

/*
 * The same, with the patch's rift table written by rift(w, ctx) (present
 * bit included) instead of a single bit.  The encoder still tracks recent
 * distances as if there were no rift: with a rift, give source-relative
 * matches explicit slots and do not follow them with recent-distance ones.
 */
typedef void (*pa30w_rift_fn)(struct pa30w_bits *w, void *ctx);
int pa30w_encode_patch_rift(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
                            const struct pa30w_patch_opts *opts, pa30w_rift_fn rift, void *ctx,
                            uint8_t **out, size_t *len);

/* --- header ------------------------------------------------------------------ */

#define PA30W_FILETIME 0x019DB1DED5D71680ull /* the constant seen in real DCMs */

struct pa30w_header {
	int pa31;
	uint64_t filetime;
	uint64_t file_type_set, file_type, flags, target_size, hash_alg_id;
	const uint8_t *hash;
	size_t hash_len;
	const uint8_t *preprocess;
	size_t preprocess_len;
};

/* A header with the fields of a plain RAW delta (set 1, type 1). */
void pa30w_header_raw(struct pa30w_header *h, uint64_t target_size);

int pa30w_write_delta(const struct pa30w_header *h, const uint8_t *patch, size_t patch_len,
                      uint8_t **out, size_t *len);

/* --- compressor and containers -------------------------------------------- */

struct pa30w_compress_opts {
	int use_default_tables; /* flat tables instead of fitted ones */
	size_t segment_size;    /* > 0: new table segment every this many target bytes */
	unsigned max_chain;     /* hash-chain depth; 0: 64 */
	int source_slots;       /* also use source-relative slots 0-3 when they fit */
};

/* Greedy LZ parse of target against ref. */
int pa30w_compress(const uint8_t *ref, size_t ref_len, const uint8_t *target,
                   size_t target_len, const struct pa30w_compress_opts *o,
                   struct pa30w_token **tok_ret, size_t *ntok_ret);

/* The x86 CALL translation that flag 0x1 undoes (in place). */
void pa30w_e8_forward(uint8_t *buf, size_t size);

/*
 * A complete RAW delta: E8 translation when flags has 0x1, target hash for
 * hash_alg_id (0, 0x8003, 0x8004, 0x800C), filetime PA30W_FILETIME.
 */
int pa30w_make_raw_delta(const uint8_t *ref, size_t ref_len, const uint8_t *target,
                         size_t target_len, uint64_t flags, uint64_t hash_alg_id,
                         const struct pa30w_compress_opts *o, uint8_t **out, size_t *len);

/* "DCM\x01" + RAW delta against base (flags 0x20000, no hash). */
int pa30w_make_dcm(const uint8_t *base, size_t base_len, const uint8_t *data, size_t len,
                   uint8_t **out, size_t *out_len);
/* "DCN\x01" + RAW delta against nothing (flags 0x20000). */
int pa30w_make_dcn(const uint8_t *data, size_t len, uint64_t hash_alg_id,
                   uint8_t **out, size_t *out_len);

#endif
