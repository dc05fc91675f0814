/* SPDX-License-Identifier: MIT */
#ifndef SXS_TESTS_PEWRITER_H
#define SXS_TESTS_PEWRITER_H

/*
 * Test-only writers for forward PE deltas (psfx.md §5): synthetic PE images,
 * the PreProcess buffer (target ImageBase, TimeDateStamp, rift tables, the
 * CLI records a managed delta carries) and the PE delta around it.  Written
 * from psfx.md §5.1 and the PE/COFF layout, independently of
 * src/lib/pa30/pe (they share only public headers); rift tables and
 * IntFormats come from prsmwriter.  Functions return 0 or -SXS_E*; buffers
 * are sxs_malloc'd.
 */

#include <stddef.h>
#include <stdint.h>

#include "prsmwriter.h"

/* --- synthetic PE images ------------------------------------------------------ */

struct pew_section {
	const char *name;
	uint32_t va, vsize, raw_ptr, raw_size, characteristics;
};

#define PEW_SCN_CODE 0x60000020u  /* code, execute, read */
#define PEW_SCN_DATA 0xC0000040u  /* initialized data, read, write */
#define PEW_SCN_RDATA 0x40000040u /* initialized data, read */

struct pew_image {
	int pe32plus;           /* PE32+ (amd64) instead of PE32 */
	uint16_t machine;       /* 0x14C, 0x8664, ... */
	uint64_t image_base;
	uint32_t timestamp;
	uint32_t checksum;
	uint32_t size_of_image;
	uint32_t dir[16][2];    /* data directories: RVA, size */
	const struct pew_section *sec;
	size_t nsec;
	size_t file_len;        /* the image is zero-filled to this size */
};

/* Headers at e_lfanew 0x40, optional header of its usual size, section table after. */
int pew_build_image(const struct pew_image *im, uint8_t **out);
/* File offsets of header fields in an image pew_build_image made. */
size_t pew_timestamp_offset(void);
size_t pew_checksum_offset(void);
size_t pew_image_base_offset(int pe32plus);
size_t pew_dir_offset(int pe32plus, unsigned i);     /* data directory i */
size_t pew_section_offset(int pe32plus, unsigned i); /* section header i */

/* --- PreProcess buffer and PE delta ------------------------------------------------ */

struct pew_preprocess {
	uint64_t image_base;          /* target ImageBase */
	uint32_t field1;              /* 0 in genuine deltas */
	uint32_t timestamp;           /* target TimeDateStamp */
	const struct prsmw_pair *pe_rift;   /* target RVA -> target file offset */
	size_t n_pe_rift;
	int cli_metadata;             /* write a (small) CLI metadata record */
	const struct prsmw_pair *used_rift; /* source RVA -> target RVA */
	size_t n_used_rift;
	int cli_map_bit;              /* -1: stop after used_rift; 0 / 1: the CLI map bit */
};

int pew_preprocess(const struct pew_preprocess *p, uint8_t **out, size_t *len);

/*
 * A PE delta: FileTypeSet 0xF | file_type, file_type, flags, TargetSize target_len,
 * TargetHash of target for hash_alg_id (0: none), the PreProcess and Patch
 * buffers.
 */
int pew_pe_delta(uint64_t file_type, uint64_t flags, const uint8_t *target, size_t target_len,
                 uint64_t hash_alg_id, const uint8_t *pre, size_t pre_len, const uint8_t *patch,
                 size_t patch_len, uint8_t **out, size_t *len);

/* A patch with the base rift table e[0..n) (default IntFormats) before the tokens. */
int pew_patch(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
              const struct prsmw_pair *base_rift, size_t n_base_rift, uint8_t **out,
              size_t *len);

#endif
