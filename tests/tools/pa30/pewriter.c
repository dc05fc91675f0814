/* SPDX-License-Identifier: MIT */
/* Test-only PE delta writers; see pewriter.h. */
#include "pewriter.h"

#include <string.h>

#include "digest/digest.h"
#include "util/alloc.h"
#include "util/bytes.h"
#include "util/status.h"

#define LFANEW 0x40u
#define COFF (LFANEW + 4)
#define OPT (COFF + 20)

size_t pew_timestamp_offset(void)
{
	return COFF + 4;
}

size_t pew_checksum_offset(void)
{
	return OPT + 64;
}

size_t pew_image_base_offset(int pe32plus)
{
	return OPT + (pe32plus ? 24 : 28);
}

size_t pew_dir_offset(int pe32plus, unsigned i)
{
	return OPT + (pe32plus ? 112 : 96) + 8 * (size_t)i;
}

size_t pew_section_offset(int pe32plus, unsigned i)
{
	return OPT + (pe32plus ? 0xF0 : 0xE0) + 40 * (size_t)i;
}

int pew_build_image(const struct pew_image *im, uint8_t **out)
{
	size_t opt_size = im->pe32plus ? 0xF0 : 0xE0, sec = OPT + opt_size;
	size_t dirs = OPT + (im->pe32plus ? 112 : 96);
	uint8_t *p;

	if (im->file_len < sec + 40 * im->nsec)
		return -SXS_EINVAL;
	p = sxs_calloc(im->file_len, 1);
	if (!p)
		return -SXS_ENOMEM;
	p[0] = 'M';
	p[1] = 'Z';
	sxs_put_le32(p + 0x3C, LFANEW);
	memcpy(p + LFANEW, "PE\0\0", 4);
	sxs_put_le16(p + COFF, im->machine);                    /* Machine */
	sxs_put_le16(p + COFF + 2, (uint32_t)im->nsec);         /* NumberOfSections */
	sxs_put_le32(p + COFF + 4, im->timestamp);              /* TimeDateStamp */
	sxs_put_le16(p + COFF + 16, (uint32_t)opt_size);        /* SizeOfOptionalHeader */
	sxs_put_le16(p + COFF + 18, im->pe32plus ? 0x22 : 0x102); /* Characteristics */
	sxs_put_le16(p + OPT, im->pe32plus ? 0x20B : 0x10B);    /* Magic */
	if (im->pe32plus)
		sxs_put_le64(p + OPT + 24, im->image_base);
	else
		sxs_put_le32(p + OPT + 28, (uint32_t)im->image_base);
	sxs_put_le32(p + OPT + 32, 0x1000);                     /* SectionAlignment */
	sxs_put_le32(p + OPT + 36, 0x200);                      /* FileAlignment */
	sxs_put_le32(p + OPT + 56, im->size_of_image);          /* SizeOfImage */
	sxs_put_le32(p + OPT + 60, 0x200);                      /* SizeOfHeaders */
	sxs_put_le32(p + OPT + 64, im->checksum);               /* CheckSum */
	sxs_put_le32(p + dirs - 4, 16);                         /* NumberOfRvaAndSizes */
	for (size_t i = 0; i < 16; i++) {
		sxs_put_le32(p + dirs + 8 * i, im->dir[i][0]);
		sxs_put_le32(p + dirs + 8 * i + 4, im->dir[i][1]);
	}
	for (size_t i = 0; i < im->nsec; i++) {
		const struct pew_section *s = &im->sec[i];
		uint8_t *h = p + sec + 40 * i;
		strncpy((char *)h, s->name, 8);
		sxs_put_le32(h + 8, s->vsize);
		sxs_put_le32(h + 12, s->va);
		sxs_put_le32(h + 16, s->raw_size);
		sxs_put_le32(h + 20, s->raw_ptr);
		sxs_put_le32(h + 36, s->characteristics);
	}
	*out = p;
	return 0;
}

int pew_preprocess(const struct pew_preprocess *pp, uint8_t **out, size_t *len)
{
	struct prsmw_intfmt f;
	struct pa30w_bits w;

	prsmw_intfmt_default(&f);
	pa30w_bits_init(&w);
	pa30w_put(&w, pp->image_base & 0xFFFFFFFFu, 32); /* ImageBase, low half first */
	pa30w_put(&w, pp->image_base >> 32, 32);
	pa30w_put(&w, pp->field1, 32);                   /* unused field */
	pa30w_put(&w, pp->timestamp, 32);                /* TimeDateStamp */
	prsmw_put_rift(&w, &f, &f, pp->pe_rift, pp->n_pe_rift);
	pa30w_put(&w, pp->cli_metadata ? 1 : 0, 1);      /* CLI metadata present */
	if (pp->cli_metadata) {
		for (int i = 0; i < 15; i++)             /* offsets, sizes, stream layout */
			pa30w_put(&w, 0x200u + 16u * (unsigned)i, 32);
		pa30w_put(&w, 0, 3);                     /* heap index widths */
		pa30w_put(&w, 0x3, 32);                  /* valid tables: Module, TypeRef */
		pa30w_put(&w, 0, 32);
		pa30w_put(&w, 1, 32);                    /* row counts */
		pa30w_put(&w, 4, 32);
	}
	prsmw_put_rift(&w, &f, &f, pp->used_rift, pp->n_used_rift);
	if (pp->cli_map_bit >= 0)
		pa30w_put(&w, (unsigned)pp->cli_map_bit, 1);
	return pa30w_bits_finish(&w, out, len);
}

int pew_pe_delta(uint64_t file_type, uint64_t flags, const uint8_t *target, size_t target_len,
                 uint64_t hash_alg_id, const uint8_t *pre, size_t pre_len, const uint8_t *patch,
                 size_t patch_len, uint8_t **out, size_t *len)
{
	struct pa30w_header h;
	uint8_t md[SXS_DIGEST_MAX];
	size_t md_len = 0;

	pa30w_header_raw(&h, target_len);
	h.file_type_set = 0xF | file_type;
	h.file_type = file_type;
	h.flags = flags;
	h.hash_alg_id = hash_alg_id;
	if (hash_alg_id) {
		enum sxs_digest_alg alg = hash_alg_id == 0x800C ? SXS_DIGEST_SHA256
		                          : hash_alg_id == 0x8004 ? SXS_DIGEST_SHA1
		                                                  : SXS_DIGEST_MD5;
		int err = sxs_digest_buffer(alg, target, target_len, md, &md_len);
		if (err)
			return err;
		h.hash = md;
		h.hash_len = md_len;
	}
	h.preprocess = pre;
	h.preprocess_len = pre_len;
	return pa30w_write_delta(&h, patch, patch_len, out, len);
}

struct rift_ctx {
	const struct prsmw_pair *e;
	size_t n;
};

static void put_base_rift(struct pa30w_bits *w, void *ctx)
{
	const struct rift_ctx *c = ctx;
	struct prsmw_intfmt f;
	prsmw_intfmt_default(&f);
	prsmw_put_rift(w, &f, &f, c->e, c->n);
}

int pew_patch(const struct pa30w_token *tok, size_t ntok, size_t ref_len,
              const struct prsmw_pair *base_rift, size_t n_base_rift, uint8_t **out,
              size_t *len)
{
	struct rift_ctx c = {base_rift, n_base_rift};
	return pa30w_encode_patch_rift(tok, ntok, ref_len, NULL, put_base_rift, &c, out, len);
}
